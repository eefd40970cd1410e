// raincheck page: asks /forecast?city=...&format=json and shows the answer. Every piece of
// text from the server or the user is inserted with textContent, never as markup.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const form = $('ask');
  const input = $('city');
  const submit = $('submit');
  const result = $('result');

  function show(id, visible) { $(id).hidden = !visible; }
  function setText(id, text) { $(id).textContent = text; }

  function clear() {
    setText('status', '');
    show('error', false);
    show('answer', false);
    show('probability', false);
    show('suggestions', false);
    show('conditions', false);
    show('request-id', false);
    for (const row of ['place-row', 'model-row', 'record-row']) show(row, false);
    $('suggestion-list').replaceChildren();
    $('conditions-body').replaceChildren();
  }

  function formatNumber(value) {
    if (typeof value !== 'number' || !Number.isFinite(value)) return String(value ?? '');
    return Number.isInteger(value) ? String(value) : value.toFixed(Math.abs(value) < 10 ? 2 : 1);
  }

  function requestId(id) {
    if (!id) return;
    setText('request-id', 'Request id ' + id);
    show('request-id', true);
  }

  function renderForecast(data) {
    clear();
    show('answer', true);
    const city = typeof data.city === 'string' ? data.city : input.value;
    const prediction = data.prediction;
    const verdict = $('verdict');
    verdict.className = '';
    if (prediction && typeof prediction.probability === 'number') {
      const rain = prediction.rain === true;
      setText('verdict-city', 'Rain tomorrow in ' + city + '?');
      verdict.textContent = rain ? 'Yes' : 'No';
      verdict.className = rain ? 'yes' : 'no';
      const pct = Math.round(Math.min(1, Math.max(0, prediction.probability)) * 100);
      $('bar').setAttribute('aria-valuenow', String(pct));
      $('bar').setAttribute('aria-valuetext', pct + ' percent');
      $('bar-fill').style.width = pct + '%';
      setText('probability-label', 'Probability of rain: ' + pct + '%');
      show('probability', true);
      setText('status', 'Answer for ' + city + '.');
    } else {
      setText('verdict-city', city);
      verdict.textContent = 'no prediction available';
      setText('status', 'Answer for ' + city + ': the server gave no prediction.');
    }
    const place = data.place;
    if (place && typeof place === 'object') {
      let text = String(place.display_name ?? city);
      if (typeof place.lat === 'number' && typeof place.lon === 'number') {
        text += ' (' + place.lat.toFixed(3) + ', ' + place.lon.toFixed(3) + ')';
      }
      if (place.source) text += ' \u00b7 source: ' + place.source;
      setText('place', text);
      show('place-row', true);
    }
    const model = data.model;
    if (model && typeof model === 'object') {
      setText('model', [model.name, model.version].filter((s) => s != null).join(' '));
      show('model-row', true);
    }
    const record = data.record;
    if (record && typeof record === 'object') {
      setText('record', record.stored ? 'stored' : 'not stored' + (record.message ? ': ' + record.message : ''));
      show('record-row', true);
    }
    const quantities = data.observation && Array.isArray(data.observation.quantities)
      ? data.observation.quantities : [];
    for (const q of quantities) {
      const tr = document.createElement('tr');
      const name = document.createElement('td');
      name.textContent = String(q.name ?? '').replaceAll('_', ' ');
      const value = document.createElement('td');
      // Dimensionless quantities carry the unit "1": no unit to show.
      value.textContent = formatNumber(q.value) + (q.unit && q.unit !== '1' ? ' ' + q.unit : '');
      tr.append(name, value);
      $('conditions-body').append(tr);
    }
    show('conditions', quantities.length > 0);
    requestId(data.request_id);
  }

  const TITLES = {
    400: 'Please check the city name',
    404: 'City not found',
    413: 'The request is too large',
    502: 'The weather service is having trouble',
    503: 'The weather service is busy',
    504: 'The weather service took too long',
  };

  function renderError(status, error) {
    clear();
    const title = TITLES[status] ?? (status >= 500 ? 'Something went wrong on the server' : 'The request was refused');
    setText('error-title', title + ' (' + status + ')');
    let message = error && typeof error.message === 'string' ? error.message : '';
    if (status >= 502 && status <= 504) {
      message = (message ? message + '. ' : '') + 'Please try again in a minute.';
    }
    setText('error-message', message);
    const suggestions = error && Array.isArray(error.suggestions) ? error.suggestions : [];
    for (const s of suggestions.slice(0, 5)) {
      const name = typeof s === 'string' ? s : String(s?.display_name ?? s?.name ?? '');
      if (!name) continue;
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = name;
      b.addEventListener('click', () => { input.value = name; ask(name); });
      li.append(b);
      $('suggestion-list').append(li);
    }
    show('suggestions', $('suggestion-list').children.length > 0);
    show('error', true);
    setText('status', 'Error ' + status + '.');
    requestId(error && error.request_id);
  }

  async function ask(city) {
    result.setAttribute('aria-busy', 'true');
    submit.disabled = true;
    clear();
    setText('status', 'Checking ' + city + '\u2026');
    const url = new URL('/forecast', window.location.origin);
    url.searchParams.set('city', city);
    url.searchParams.set('format', 'json');
    const page = new URL(window.location.href);
    page.searchParams.set('city', city);
    window.history.replaceState(null, '', page.pathname + page.search);
    try {
      const response = await fetch(url, { headers: { Accept: 'application/json' } });
      let data = null;
      try { data = await response.json(); } catch (e) { data = null; }
      if (response.ok && data && typeof data === 'object') {
        renderForecast(data);
      } else {
        // The function's errors are {"error": {...}}; the gateway's are {"message": ...}.
        const error = data && typeof data === 'object' ? (data.error ?? data) : null;
        renderError(response.status, error);
      }
    } catch (e) {
      renderError(0, { message: 'The server could not be reached. Is raincheck start-api running?' });
      setText('error-title', 'No connection');
    } finally {
      result.setAttribute('aria-busy', 'false');
      submit.disabled = false;
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const city = input.value.trim();
    if (!city) {
      renderError(400, { message: 'Type a city name first.' });
      input.focus();
      return;
    }
    ask(city);
  });

  const initial = new URLSearchParams(window.location.search).get('city');
  if (initial) {
    input.value = initial;
    ask(initial.trim());
  }
})();
