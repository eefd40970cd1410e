// The web page in real headless Chromium (Debian's /usr/bin/chromium driven by playwright-core):
// starts `raincheck start-api` on a free port, asks for a city, checks the answer, that an
// injection payload typed as the city stays text, and that error states show.
//
//   node page_test.mjs RAINCHECK_BINARY OUTPUT_DIR
//
// Exit status: 0 passed, 1 failed, 77 skipped (only when chromium is not installed).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startFakeOpenMeteo } from './fake_openmeteo.mjs';

const CHROMIUM = '/usr/bin/chromium';
const here = dirname(fileURLToPath(import.meta.url));
const [binary, outDir] = process.argv.slice(2);
if (!binary || !outDir) {
  console.error('usage: node page_test.mjs RAINCHECK_BINARY OUTPUT_DIR');
  process.exit(1);
}
if (!existsSync(CHROMIUM)) {
  console.log(`SKIP: ${CHROMIUM} is not installed (Debian package "chromium"); the browser test did not run.`);
  process.exit(77);
}

// playwright-core, pinned in package-lock.json, installed on first use.
if (!existsSync(join(here, 'node_modules', 'playwright-core'))) {
  console.log('installing playwright-core (npm ci) ...');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: here, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('FAIL: npm ci failed in tests/browser (is npm installed and the npm registry reachable?)');
    process.exit(1);
  }
}
const { chromium } = createRequire(join(here, 'package.json'))('playwright-core');

let failures = 0;
function check(condition, what) {
  if (condition) {
    console.log(`ok   ${what}`);
  } else {
    console.log(`FAIL ${what}`);
    failures++;
  }
}

// Starts the server (weather from the loopback Open-Meteo stand-in, records in `work`) and
// resolves with its URL, read from the line it prints.
function startServer(weatherUrl, work) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['start-api', '--port', '0', '--log-level', 'warn',
                                 '--env', `RAINCHECK_OPENMETEO_URL=${weatherUrl}`,
                                 '--env', `RAINCHECK_RECORDS=dir:${join(work, 'records')}`,
                                 '--env', `RAINCHECK_SPOOL=${join(work, 'spool')}`],
                        { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error('start-api printed no URL within 30 s')), 30000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/serving (http:\/\/\S+\/)/);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1] });
      }
    });
    child.on('exit', (code) => reject(new Error(`start-api exited early with ${code}`)));
  });
}

function stopServer(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.removeAllListeners('exit');
    child.on('exit', (code, signal) => resolve(code ?? signal));
    child.kill('SIGTERM');
  });
}

// Submits `city` through the form and waits for the answer or the error to show. The value is
// set directly so that the box's maxlength does not shorten it.
async function ask(page, city, typed = false) {
  await page.getByLabel('City').fill('');
  if (typed) {
    await page.getByLabel('City').pressSequentially(city);
  } else {
    await page.getByLabel('City').evaluate((el, v) => { el.value = v; }, city);
  }
  const response = page.waitForResponse((r) => r.url().includes('/forecast?'));
  await page.getByLabel('City').press('Enter');
  const r = await response;
  await page.waitForFunction(() => document.getElementById('result').getAttribute('aria-busy') === 'false'
    && (!document.getElementById('answer').hidden || !document.getElementById('error').hidden));
  let body = null;
  try { body = await r.json(); } catch (e) { body = null; }
  return { status: r.status(), body };
}

const userDataDir = mkdtempSync(join(tmpdir(), 'raincheck-chromium-'));
mkdirSync(outDir, { recursive: true });
let server = null;
let context = null;
let weather = null;
try {
  weather = await startFakeOpenMeteo();
  server = await startServer(weather.url, userDataDir);
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 800, height: 900 },
  });
  const page = context.pages()[0] ?? await context.newPage();
  const consoleErrors = [];
  // Chromium logs every 4xx / 5xx fetch as an error; the refused forecasts below are expected.
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (m.text().startsWith('Failed to load resource') && m.location().url.includes('/forecast?')) return;
    consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  let dialogs = 0;
  page.on('dialog', async (d) => { dialogs++; await d.dismiss(); });
  // Nothing may be fetched from anywhere but the server under test.
  const foreign = [];
  page.on('request', (r) => { if (!r.url().startsWith(server.url)) foreign.push(r.url()); });

  // 1. The page loads, with its stylesheet and script, and is labelled.
  const loaded = await page.goto(server.url);
  check(loaded.status() === 200, 'GET / answers 200');
  check(await page.title() === 'raincheck: will it rain tomorrow?', 'the page has its title');
  check(await page.getByRole('heading', { level: 1 }).textContent() === 'Will it rain tomorrow?', 'heading shown');
  const font = await page.evaluate(() => getComputedStyle(document.querySelector('main')).maxWidth);
  check(font !== 'none', 'the stylesheet applied');

  // Keyboard: Tab reaches the box, then the button; the answer region is announced politely.
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement.id) === 'city', 'Tab focuses the city box first');
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement.id) === 'submit', 'then the Check button');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  check(outline !== 'none', `the focused button shows a focus ring (${outline})`);
  check(await page.getAttribute('#result', 'aria-live') === 'polite', 'the result is an aria-live region');

  // 2. A city gives an answer.
  const good = await ask(page, 'Cape Town', true);
  check(good.status === 200, `Cape Town answered 200 (got ${good.status})`);
  check(await page.isVisible('#answer') && !(await page.isVisible('#error')), 'the answer is shown, no error');
  const status = await page.textContent('#status');
  check(status.includes('Cape Town'), `the live region names the city ("${status}")`);
  const verdict = (await page.textContent('#verdict')).trim();
  if (good.body && good.body.prediction) {
    const p = good.body.prediction;
    check(verdict === (p.rain ? 'Yes' : 'No'), `verdict "${verdict}" matches prediction.rain=${p.rain}`);
    const now = await page.getAttribute('#bar', 'aria-valuenow');
    check(Number(now) === Math.round(p.probability * 100), `the bar shows ${now}% for ${p.probability}`);
    if (good.body.model) {
      check((await page.textContent('#model')).includes(String(good.body.model.name)), 'the model is named');
    }
    if (good.body.place) {
      check((await page.textContent('#place')).includes(String(good.body.place.display_name)), 'the place is shown');
    }
    if (good.body.observation && good.body.observation.quantities) {
      const rows = await page.locator('#conditions-body tr').count();
      check(rows === good.body.observation.quantities.length, `${rows} current conditions listed`);
    }
  } else {
    check(false, `the answer carries a prediction (${JSON.stringify(good.body)})`);
  }
  check((await page.textContent('#request-id')).includes(good.body.request_id), 'the request id is shown');
  check(new URL(page.url()).searchParams.get('city') === 'Cape Town', 'the address bar keeps the city');
  await page.screenshot({ path: join(outDir, 'page-answer.png'), fullPage: true });

  // 3. Injection payloads typed as the city are shown as text; nothing runs, nothing is added.
  for (const payload of ['<img src=x onerror="window.__pwned=1;alert(1)">',
                         '</script><script>window.__pwned=2</script>',
                         '"><svg onload=window.__pwned=3>']) {
    const before = await page.evaluate(() => document.querySelectorAll('#result *').length);
    const r = await ask(page, payload);
    const pwned = await page.evaluate(() => window.__pwned);
    check(pwned === undefined, `no script ran for ${JSON.stringify(payload)}`);
    const injected = await page.evaluate(() => document.querySelectorAll('#result img, #result script, #result svg').length);
    check(injected === 0, 'no element was injected');
    const after = await page.evaluate(() => document.querySelectorAll('#result *').length);
    if (r.status === 200) {
      check((await page.textContent('#verdict-city')).includes(payload), 'the payload is shown literally');
      check(after === before, `the result kept its structure (${before} -> ${after} elements)`);
    } else {
      check(await page.isVisible('#error'), `the payload was refused with ${r.status} and an error shows`);
    }
  }
  check(dialogs === 0, 'no dialog opened');
  await page.screenshot({ path: join(outDir, 'page-injection.png'), fullPage: true });

  // 4. Error states: an invalid city (400), an empty box.
  const tooLong = await ask(page, 'x'.repeat(101));
  check(tooLong.status === 400, `a 101-character city is refused with 400 (got ${tooLong.status})`);
  check(await page.isVisible('#error') && !(await page.isVisible('#answer')), 'the error is shown, no answer');
  check((await page.textContent('#error-title')).includes('(400)'), 'the error names its status');
  check((await page.textContent('#error-message')).length > 0, 'the error explains itself');
  await page.screenshot({ path: join(outDir, 'page-error.png'), fullPage: true });
  const unknown = await ask(page, 'Atlantisxyz');
  check(unknown.status === 404, `an unknown city is 404 (got ${unknown.status})`);
  check((await page.textContent('#error-title')).includes('City not found (404)'), 'the page says the city was not found');
  await page.screenshot({ path: join(outDir, 'page-unknown-city.png'), fullPage: true });
  await page.getByLabel('City').fill('   ');
  await page.getByLabel('City').press('Enter');
  check((await page.textContent('#error-message')).includes('Type a city'), 'an empty box asks for a city');

  // 5. Every field and every error state, with /forecast answered by fixed documents (the
  // page's rendering alone; the answers above came from the real function).
  const full = {
    city: 'Cape Town', request_id: 'fixed-id',
    place: { display_name: 'Cape Town, Western Cape, South Africa', lat: -33.9249, lon: 18.4241, source: 'gazetteer' },
    observation: { quantities: [{ name: 'temperature', value: 18.25, unit: 'degC' },
                                { name: 'relative_humidity', value: 81, unit: '%' },
                                { name: 'wind_speed', value: 5.5, unit: 'km/h' }] },
    prediction: { probability: 0.734, rain: true },
    model: { name: 'cape-town-rain', version: '3' },
    record: { stored: true, message: '' },
  };
  const fixtures = new Map([
    ['Fixed', { status: 200, body: full }],
    ['Atlantis', { status: 404, body: { error: { status: 404, code: 'NotFound', message: 'no place called Atlantis',
      request_id: 'r404', suggestions: [{ display_name: 'Atlanta, Georgia' }, 'Atlantic City'] } } }],
    ['Down', { status: 502, body: { error: { status: 502, code: 'Unavailable', message: 'the weather service failed', request_id: 'r502' } } }],
    ['Busy', { status: 503, body: { error: { status: 503, code: 'ResourceExhausted', message: 'rate limited', request_id: 'r503' } } }],
    ['Slow', { status: 504, body: { message: 'Endpoint request timed out' } }],
    ['Broken', { status: 502, body: 'not json' }],
  ]);
  await page.goto(server.url);
  await page.route('**/forecast?*', (route) => {
    const city = new URL(route.request().url()).searchParams.get('city');
    const f = fixtures.get(city) ?? fixtures.get('Fixed');
    return route.fulfill({ status: f.status, contentType: 'application/json',
                           body: typeof f.body === 'string' ? f.body : JSON.stringify(f.body) });
  });
  await ask(page, 'Fixed');
  check((await page.textContent('#verdict')) === 'Yes', 'a rain prediction reads Yes');
  check((await page.getAttribute('#bar', 'aria-valuenow')) === '73', 'the bar is at 73%');
  check((await page.textContent('#probability-label')).includes('73%'), 'the probability is written out');
  check((await page.textContent('#place')).includes('Western Cape, South Africa (-33.925, 18.424) \u00b7 source: gazetteer'), 'the place, its coordinates and source');
  check((await page.textContent('#model')) === 'cape-town-rain 3', 'the model name and version');
  check(await page.locator('#conditions-body tr').count() === 3, 'three current conditions');
  check((await page.textContent('#conditions-body')).includes('relative humidity81 %'), 'conditions with units');
  await page.screenshot({ path: join(outDir, 'page-full-answer.png'), fullPage: true });

  await ask(page, 'Atlantis');
  check((await page.textContent('#error-title')).includes('City not found (404)'), '404 says the city was not found');
  check(await page.locator('#suggestion-list button').count() === 2, 'two suggestions offered');
  await page.screenshot({ path: join(outDir, 'page-not-found.png'), fullPage: true });
  await page.locator('#suggestion-list button').first().click();
  await page.waitForFunction(() => document.getElementById('city').value === 'Atlanta, Georgia'
    && document.getElementById('result').getAttribute('aria-busy') === 'false');
  check(await page.isVisible('#answer'), 'a suggestion asks again');
  for (const [city, status, words] of [['Down', 502, 'having trouble'], ['Busy', 503, 'busy'],
                                       ['Slow', 504, 'took too long'], ['Broken', 502, 'having trouble']]) {
    await ask(page, city);
    const title = await page.textContent('#error-title');
    check(title.includes(words) && title.includes(`(${status})`), `${status} shows "${title}"`);
    check((await page.textContent('#error-message')).includes('try again'), `${status} suggests trying again`);
  }
  await page.unroute('**/forecast?*');

  // 6. The server's own routes still answer.
  const health = await page.goto(server.url + 'health');
  check(health.status() === 200, '/health answers 200');

  check(foreign.length === 0, `nothing fetched from elsewhere (${foreign.join(', ')})`);
  check(consoleErrors.length === 0, `no console errors or CSP violations (${consoleErrors.join(' | ')})`);
} catch (e) {
  console.log(`FAIL ${e.stack || e}`);
  failures++;
} finally {
  if (context) await context.close();
  if (server) {
    const code = await stopServer(server.child);
    check(code === 0, `start-api stopped cleanly on SIGTERM (exit ${code})`);
  }
  if (weather) weather.server.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
console.log(failures === 0 ? 'PASS browser page test' : `${failures} check(s) failed`);
process.exit(failures === 0 ? 0 : 1);
