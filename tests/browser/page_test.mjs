// The web page in real headless Chromium (Debian's /usr/bin/chromium driven by playwright-core):
// starts `raincheck start-api` on a free port, asks for a city near a shipped model's home and one
// far from every home, checks the answer, the model chosen, its skill, the three probabilities
// and the model's inputs, that cities typed in other scripts resolve, that a suggestion asks
// again, that an injection payload typed as the city stays text, and that error states show.
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

// Starts the server (weather from the loopback Open-Meteo stand-in, records in `work`, `env`
// more NAME=VALUE settings of the function) and resolves with its URL, read from the line it
// prints.
function startServer(weatherUrl, work, env = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['start-api', '--port', '0', '--log-level', 'warn',
                                 '--env', `RAINCHECK_OPENMETEO_URL=${weatherUrl}`,
                                 '--env', `RAINCHECK_RECORDS=dir:${join(work, 'records')}`,
                                 '--env', `RAINCHECK_SPOOL=${join(work, 'spool')}`,
                                 ...env.flatMap((e) => ['--env', e])],
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

// The page's state of one of the three estimates (#p-model, #p-climatology, #p-forecast):
// `drawn` is the filled share of the bar in percent as laid out (null when no bar shows).
function meter(page, row) {
  return page.evaluate((id) => {
    const li = document.getElementById(id);
    const bar = li.querySelector('[role="meter"]');
    const track = bar.getBoundingClientRect().width;
    const barShown = !bar.hidden && track > 0;
    return { shown: !li.hidden, barShown,
             drawn: barShown ? Math.round(100 * bar.firstElementChild.getBoundingClientRect().width / bar.clientWidth) : null,
             now: bar.getAttribute('aria-valuenow'), name: li.querySelector('.compare-name').textContent,
             value: li.querySelector('.compare-value').textContent };
  }, row);
}

// A fact row's text, or null when the row is hidden.
function fact(page, id) {
  return page.evaluate((i) => {
    const dd = document.getElementById(i);
    return dd.closest('div').hidden ? null : dd.textContent;
  }, id);
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
    reducedMotion: 'reduce',  // the bars are at their width at once, not after a transition
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
  const servers = [server.url];
  page.on('request', (r) => { if (!servers.some((u) => r.url().startsWith(u))) foreign.push(r.url()); });

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

  // 2. A city gives an answer: the model, its home, how far, whether it applies, its skill, and
  // the answer beside climatology and the weather service's forecast (70 % in the stand-in).
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
    if (Array.isArray(good.body.features) && good.body.observation && good.body.observation.quantities) {
      // The model's inputs with their units; the rest of the weather folded away.
      const features = good.body.features;
      const rows = await page.locator('#conditions-body tr').count();
      check(rows === features.length, `the ${rows} inputs the model used are listed (of ${features.length})`);
      check((await page.textContent('#conditions-title')) === 'What the model used', 'titled as the model\'s inputs');
      const unit = features.find((f) => f.unit && f.unit !== '1' && typeof f.value === 'number');
      if (unit) {
        check((await page.textContent('#conditions-body')).includes(unit.unit), `inputs carry their units (${unit.unit})`);
      }
      const others = good.body.observation.quantities.filter((q) => !q.used_by_model);
      check(others.length > 0 && await page.locator('#other-conditions-body tr').count() === others.length,
            `the ${others.length} other conditions are in the folded list`);
      check(await page.evaluate(() => { const d = document.getElementById('other-conditions');
                                        return !d.hidden && !d.open; }), 'and folded (closed <details>)');
      check(!(await page.isVisible('#other-conditions-body')), 'the folded rows are not shown');
      await page.click('#other-conditions-summary');
      check(await page.isVisible('#other-conditions-body'), 'opening the fold shows them');
    } else {
      check(false, `the answer lists the model's features (${JSON.stringify(good.body.features)})`);
    }
  } else {
    check(false, `the answer carries a prediction (${JSON.stringify(good.body)})`);
  }
  check((await page.textContent('#request-id')).includes(good.body.request_id), 'the request id is shown');
  check(new URL(page.url()).searchParams.get('city') === 'Cape Town', 'the address bar keeps the city');
  const asked = weather.requests.at(-1);
  check(asked && asked.searchParams.get('forecast_days') === '2'
        && (asked.searchParams.get('daily') ?? '').split(',').includes('precipitation_probability_max'),
        `the function asked the weather service for tomorrow's probability (${asked && asked.search})`);

  // Cape Town is thousands of kilometres from every shipped model's home.
  const far = good.body?.model ?? {};
  check(far.applies === false && typeof far.distance_km === 'number' && far.distance_km > 5000,
        `no shipped model applies to Cape Town (applies=${far.applies}, ${far.distance_km} km)`);
  if (typeof far.distance_km === 'number') {
    const km = Math.round(far.distance_km).toLocaleString('en-US') + ' km';
    check((await fact(page, 'distance'))?.includes(km), `the distance is shown (${km})`);
  }
  check((await fact(page, 'applies'))?.startsWith('no, it does not apply here'), 'the page says the model does not apply');
  const farSummary = await page.textContent('#model-summary');
  check(await page.isVisible('#model-summary') && farSummary === far.summary
        && farSummary.includes('skill here is unknown'), `the summary is shown ("${farSummary}")`);
  check((await fact(page, 'skill'))?.startsWith('skill here: unknown'), 'the skill row says skill here: unknown');
  const farClimatology = await meter(page, 'p-climatology');
  check(farClimatology.shown && !farClimatology.barShown && farClimatology.value === 'not known'
        && farClimatology.now === null, 'climatology is "not known", with no bar');
  const farForecast = await meter(page, 'p-forecast');
  check(farForecast.barShown && farForecast.now === '70' && farForecast.value === '70%',
        `the forecast's 70% is drawn (${JSON.stringify(farForecast)})`);
  await page.screenshot({ path: join(outDir, 'page-cape-town.png'), fullPage: true });

  // Seattle is the home of a shipped model: it applies, with its measured skill.
  const near = await ask(page, 'Seattle', true);
  check(near.status === 200, `Seattle answered 200 (got ${near.status})`);
  const model = near.body?.model ?? {};
  check(String(model.name).toLowerCase().includes('seattle') && model.applies === true
        && model.skill_here === 'measured', `the Seattle model answers for Seattle (${model.name}, applies=${model.applies})`);
  check((await fact(page, 'model'))?.includes(String(model.name)), `the model is named (${await fact(page, 'model')})`);
  check((await fact(page, 'applies'))?.startsWith('yes, it applies here'), 'the page says the model applies');
  check((await fact(page, 'home'))?.includes(String(model.home?.name)), 'the model\'s home is shown');
  check((await fact(page, 'distance'))?.includes(' km from Seattle'), `the distance is shown (${await fact(page, 'distance')})`);
  check((await page.textContent('#model-summary')) === model.summary, 'the model\'s summary is shown');
  const skillText = await fact(page, 'skill');
  check(typeof model.skill?.roc_auc === 'number'
        && skillText?.includes('ROC AUC ' + model.skill.roc_auc.toFixed(2))
        && skillText.includes('Brier skill score ' + model.skill.brier_skill_score.toFixed(2))
        && skillText.includes('on its own held-out period') && !skillText.includes('unknown'),
        `the measured skill is shown ("${skillText}")`);
  const bars = [await meter(page, 'p-model'), await meter(page, 'p-climatology'), await meter(page, 'p-forecast')];
  check(bars.every((b) => b.shown && b.barShown), `three bars are drawn (${bars.map((b) => b.value).join(', ')})`);
  check(bars.every((b) => Math.abs(b.drawn - Number(b.now)) <= 1), `each filled to its value (${bars.map((b) => b.drawn).join(', ')})`);
  const expected = [near.body?.prediction?.probability, near.body?.baselines?.climatology, 0.7]
    .map((x) => (typeof x === 'number' ? String(Math.round(x * 100)) : 'missing'));
  check(bars.map((b) => b.now).join() === expected.join() && bars.map((b) => b.value).join() === expected.map((x) => x + '%').join(),
        `they are the model's, climatology's and the forecast's ${expected.join('%, ')}%`);
  check(bars[0].name.includes(String(model.name)) && bars[1].name.startsWith('Climatology')
        && bars[2].name.startsWith('Forecast'), `the bars are labelled (${bars.map((b) => b.name).join(' | ')})`);
  await page.screenshot({ path: join(outDir, 'page-seattle.png'), fullPage: true });

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
  check(await page.isVisible('#error-message') && !(await page.isVisible('#answer')), 'the error state shows, no answer');
  await page.screenshot({ path: join(outDir, 'page-unknown-city.png'), fullPage: true });

  // A misspelt city: the function's suggestions are buttons; one asks again and is answered.
  const misspelt = await ask(page, 'Seatle');
  check(misspelt.status === 404, `"Seatle" is 404 (got ${misspelt.status})`);
  const offered = misspelt.body?.error?.suggestions ?? [];
  check(Array.isArray(offered) && offered.length > 0 && typeof offered[0] === 'object'
        && offered[0].name === 'Seattle' && typeof offered[0].latitude === 'number' && offered[0].query,
        `error.suggestions is a list of places (${JSON.stringify(offered[0])})`);
  const buttons = page.locator('#suggestion-list button');
  check(await buttons.count() === offered.length, `${offered.length} suggestion(s) offered as buttons`);
  const label = await buttons.first().textContent();
  check(label === offered[0]?.display_name, `the first is labelled "${label}"`);
  check(!(await page.textContent('#error-message')).includes('did you mean'), 'the message does not list them again');
  await page.screenshot({ path: join(outDir, 'page-suggestions.png'), fullPage: true });
  const again = page.waitForResponse((r) => r.url().includes('/forecast?'));
  await buttons.first().click();
  const second = await again;
  await page.waitForFunction(() => document.getElementById('result').getAttribute('aria-busy') === 'false'
    && !document.getElementById('answer').hidden);
  check(new URL(second.url()).searchParams.get('city') === offered[0]?.query && second.status() === 200,
        `the click asked for "${new URL(second.url()).searchParams.get('city')}" and was answered ${second.status()}`);
  check((await page.inputValue('#city')) === offered[0]?.query, 'the box shows what was asked');
  check((await fact(page, 'place'))?.includes('Seattle, Washington'), 'the answer is for Seattle');

  // Cities typed in other languages and scripts resolve offline (GeoNames' alternate names).
  for (const [city, place] of [['München', 'Munich'], ['東京', 'Tokyo'], ['Москва', 'Moscow']]) {
    const r = await ask(page, city, true);
    check(r.status === 200 && await page.isVisible('#answer'), `${city} is answered (got ${r.status})`);
    check((await fact(page, 'place'))?.startsWith(place), `${city} resolved to ${place} (${await fact(page, 'place')})`);
    check((await page.textContent('#verdict-city')).includes(city), `the verdict names ${city} as typed`);
    check(new URL(page.url()).searchParams.get('city') === city, `the address bar keeps ${city}`);
  }
  await page.screenshot({ path: join(outDir, 'page-unicode-city.png'), fullPage: true });
  await page.getByLabel('City').fill('   ');
  await page.getByLabel('City').press('Enter');
  check((await page.textContent('#error-message')).includes('Type a city'), 'an empty box asks for a city');

  // 5. Every field and every error state, with /forecast answered by fixed documents (the
  // page's rendering alone; the answers above came from the real function).
  const full = {
    city: 'Cape Town', request_id: 'fixed-id',
    place: { display_name: 'Cape Town, Western Cape, South Africa', lat: -33.9249, lon: 18.4241, source: 'gazetteer' },
    observation: { local_date: '2026-11-28',
                   quantities: [{ name: 'temperature', value: 18.25, unit: 'degC' },
                                { name: 'relative_humidity', value: 81, unit: '%' },
                                { name: 'wind_speed', value: 5.5, unit: 'km/h' }] },
    probability: 0.734,
    prediction: { probability: 0.734, rain: true, threshold: 0.5, method: 'model' },
    model: { name: 'cape-town-rain', version: '3',
             home: { name: 'Cape Town, South Africa', latitude: -33.92, longitude: 18.42, applies_within_km: 300,
                     source: 'openmeteo-archive', from: '2016-01-01', to: '2025-12-31' },
             distance_km: 4.26, applies: true, skill: { roc_auc: 0.713, brier_skill_score: 0.1204, rows: 292 },
             skill_here: 'measured', summary: 'Trained for Cape Town, 4.3 km away: measured skill applies.' },
    baselines: { climatology: 0.45, forecast_probability: 0.55, forecast_source: 'openmeteo' },
    record: { stored: true, message: '' },
  };
  // A model far from its home, that knows neither climatology here nor gets a forecast.
  const elsewhere = { ...full, request_id: 'elsewhere-id',
    prediction: { probability: 0.2, rain: false, threshold: 0.5, method: 'model' },
    model: { ...full.model, name: 'seattle', distance_km: 16442.7, applies: false, skill_here: 'unknown',
             summary: 'Trained for Seattle, 16,443 km away: its skill here is unknown.' },
    baselines: { climatology: null, forecast_probability: null, forecast_source: 'openmeteo' } };
  // An older function: no baselines, no home, no skill.
  const older = { city: 'Older', request_id: 'older-id', prediction: { probability: 0.2, rain: false },
                  model: { name: 'default', version: '1' } };
  // Markup in every string the function adds is shown as text.
  const markup = { ...full, request_id: 'markup-id',
    model: { ...full.model, name: '<img src=x onerror="window.__pwned=4">',
             home: { ...full.model.home, name: '<b>home</b>', source: '<script>window.__pwned=5</script>' },
             summary: '<svg onload="window.__pwned=6"></svg>' },
    baselines: { ...full.baselines, forecast_source: '<i>x</i>' } };
  const fixtures = new Map([
    ['Fixed', { status: 200, body: full }],
    ['Elsewhere', { status: 200, body: elsewhere }],
    ['Older', { status: 200, body: older }],
    ['Markup', { status: 200, body: markup }],
    ['Refused', { status: 422, body: { error: { status: 422, code: 'FailedPrecondition', request_id: 'r422',
      message: 'no model applies to Cape Town: the nearest home, Seattle, is 16,443 km away' } } }],
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
  check((await fact(page, 'home')) === 'Cape Town, South Africa (-33.92, 18.42); trained on 2016-01-01 to 2025-12-31 from openmeteo-archive',
        'the model\'s home, its training period and source');
  check((await fact(page, 'distance')) === '4.3 km from Cape Town', 'the distance to the home');
  check((await fact(page, 'applies')) === 'yes, it applies here (within 300 km of its home)', 'it applies, and within what');
  check((await fact(page, 'skill')) === 'ROC AUC 0.71, Brier skill score 0.12, on its own held-out period (292 rows)',
        'the measured skill, labelled');
  check((await page.textContent('#model-summary')) === full.model.summary, 'the summary in words');
  const fixedBars = [await meter(page, 'p-model'), await meter(page, 'p-climatology'), await meter(page, 'p-forecast')];
  check(fixedBars.map((b) => `${b.name}: ${b.value}`).join(' | ')
        === 'Model cape-town-rain: 73% | Climatology for November: 45% | Forecast by Open-Meteo: 55%',
        `three labelled bars (${fixedBars.map((b) => `${b.name}: ${b.value}`).join(' | ')})`);
  check(fixedBars.every((b) => b.barShown) && fixedBars.map((b) => b.now).join() === '73,45,55'
        && fixedBars.every((b) => Math.abs(b.drawn - Number(b.now)) <= 1),
        `drawn at 73, 45 and 55 (${fixedBars.map((b) => b.drawn).join(', ')})`);
  check(await page.locator('#conditions-body tr').count() === 3, 'three current conditions');
  check((await page.textContent('#conditions-body')).includes('relative humidity81 %'), 'conditions with units');
  await page.screenshot({ path: join(outDir, 'page-full-answer.png'), fullPage: true });
  const fixedElements = await page.evaluate(() => document.querySelectorAll('#result *').length);

  await ask(page, 'Elsewhere');
  check((await fact(page, 'distance')) === '16,443 km from Cape Town', 'a far home\'s distance');
  check((await fact(page, 'applies')) === 'no, it does not apply here (only within 300 km of its home)', 'it does not apply');
  check((await fact(page, 'skill')).startsWith('skill here: unknown. At its home: ROC AUC 0.71'), 'skill here: unknown, the home\'s apart');
  check((await page.getAttribute('#model-summary', 'class')).includes('elsewhere'), 'the summary is marked as a warning');
  const missing = [await meter(page, 'p-climatology'), await meter(page, 'p-forecast')];
  check(missing.every((b) => b.shown && !b.barShown && b.value === 'not known' && b.now === null),
        'a missing climatology and forecast say "not known", with no bar');
  check((await page.textContent('#probability-label')).includes('Climatology here is not known'), 'why climatology is missing');
  await page.screenshot({ path: join(outDir, 'page-elsewhere.png'), fullPage: true });

  await ask(page, 'Older');
  check((await page.textContent('#verdict')) === 'No' && (await page.getAttribute('#bar', 'aria-valuenow')) === '20',
        'an older function\'s answer still shows');
  check((await fact(page, 'model')) === 'default 1', 'its model is named');
  check(await page.evaluate(() => ['home', 'distance', 'applies', 'skill'].every((id) => document.getElementById(id).closest('div').hidden)
        && document.getElementById('model-summary').hidden
        && document.getElementById('p-climatology').hidden && document.getElementById('p-forecast').hidden),
        'without the new keys, their rows and bars stay hidden');

  await ask(page, 'Markup');
  check(await page.evaluate(() => window.__pwned) === undefined, 'markup in the answer ran nothing');
  check(await page.evaluate(() => document.querySelectorAll('#result img, #result script, #result svg, #result b, #result i').length) === 0,
        'markup in the answer added no element');
  check((await fact(page, 'model')).startsWith('<img src=x') && (await fact(page, 'home')).includes('<b>home</b>')
        && (await page.textContent('#model-summary')).startsWith('<svg'), 'markup in the answer is shown as text');
  check(await page.evaluate(() => document.querySelectorAll('#result *').length) === fixedElements,
        'the result kept its structure');

  await ask(page, 'Refused');
  check((await page.textContent('#error-title')) === 'No model applies to this place (422)', 'a refusal (422) is titled');
  check((await page.textContent('#error-message')).includes('no model applies to Cape Town'), 'and explained');
  check(!(await page.isVisible('#answer')), 'no answer is shown with it');

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

  // 6. The operator's choice for a place no model applies to (RAINCHECK_OUTSIDE): refuse with
  // 422, which the page explains, or answer with the nearest model's climatology, which the
  // page labels as such.
  for (const outside of ['refuse', 'climatology']) {
    const other = await startServer(weather.url, userDataDir, [`RAINCHECK_OUTSIDE=${outside}`]);
    servers.push(other.url);
    try {
      await page.goto(other.url);
      const r = await ask(page, 'Cape Town');
      if (outside === 'refuse') {
        check(r.status === 422, `RAINCHECK_OUTSIDE=refuse: Cape Town is refused with 422 (got ${r.status})`);
        check((await page.textContent('#error-title')) === 'No model applies to this place (422)'
              && (await page.textContent('#error-message')) === String(r.body?.error?.message),
              'the page says no model applies, in the function\'s words');
        check(!(await page.isVisible('#answer')), 'and shows no answer');
        await page.screenshot({ path: join(outDir, 'page-refused.png'), fullPage: true });
        const seattle = await ask(page, 'Seattle');
        check(seattle.status === 200 && await page.isVisible('#answer'), 'Seattle, where a model applies, is still answered');
      } else {
        check(r.status === 200 && r.body?.prediction?.method === 'climatology',
              `RAINCHECK_OUTSIDE=climatology: Cape Town is answered from climatology (${r.status}, ${r.body?.prediction?.method})`);
        const answer = await meter(page, 'p-model');
        check(answer.name.startsWith('Answer: climatology at ') && answer.now === String(Math.round(r.body?.prediction?.probability * 100)),
              `the answer's bar is labelled as climatology (${answer.name}: ${answer.value})`);
        await page.screenshot({ path: join(outDir, 'page-outside-climatology.png'), fullPage: true });
      }
    } finally {
      const code = await stopServer(other.child);
      check(code === 0, `the RAINCHECK_OUTSIDE=${outside} server stopped cleanly (exit ${code})`);
    }
  }

  // 7. The server's own routes still answer.
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
