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
  const isNumber = (v) => typeof v === 'number' && Number.isFinite(v);
  const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

  // The fact rows below the verdict, shown only when the answer carries what they say.
  const FACT_ROWS = ['place-row', 'model-row', 'home-row', 'distance-row', 'applies-row',
                     'skill-row', 'record-row'];
  // The three estimates drawn side by side: the answer, climatology, the weather service's.
  const METERS = [
    { bar: 'bar', fill: 'bar-fill', value: 'p-model-value', name: 'p-model-name' },
    { bar: 'p-climatology-bar', fill: 'p-climatology-fill', value: 'p-climatology-value',
      name: 'p-climatology-name' },
    { bar: 'p-forecast-bar', fill: 'p-forecast-fill', value: 'p-forecast-value',
      name: 'p-forecast-name' },
  ];
  const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
                  'September', 'October', 'November', 'December'];
  const SOURCES = { openmeteo: 'Open-Meteo', darksky: 'Dark Sky' };

  function clear() {
    setText('status', '');
    show('error', false);
    show('answer', false);
    show('probability', false);
    show('model-summary', false);
    show('suggestions', false);
    show('conditions', false);
    show('request-id', false);
    for (const row of FACT_ROWS) show(row, false);
    for (const m of METERS) setMeter(m, null);
    $('suggestion-list').replaceChildren();
    $('conditions-body').replaceChildren();
    $('other-conditions-body').replaceChildren();
    show('other-conditions', false);
    show('conditions-note', false);
    $('other-conditions').open = false;
  }

  function formatNumber(value) {
    if (!isNumber(value)) return String(value ?? '');
    return Number.isInteger(value) ? String(value) : value.toFixed(Math.abs(value) < 10 ? 2 : 1);
  }

  // 3870.4 -> "3,870 km"; 4.26 -> "4.3 km"; 0.04 -> "less than 1 km".
  function formatKm(km) {
    if (km < 1) return 'less than 1 km';
    return km.toLocaleString('en-US', { maximumFractionDigits: km < 10 ? 1 : 0 }) + ' km';
  }

  // A probability in [0, 1] as a whole percentage, or null when it is not a number.
  function percent(p) {
    return isNumber(p) ? Math.round(Math.min(1, Math.max(0, p)) * 100) : null;
  }

  // Draws one estimate; null shows "not known" and no bar at all (never an empty one).
  function setMeter(m, pct) {
    const bar = $(m.bar);
    bar.closest('li').classList.toggle('unknown', pct === null);
    bar.hidden = pct === null;
    if (pct === null) {
      bar.removeAttribute('aria-valuenow');
      bar.removeAttribute('aria-valuetext');
      $(m.fill).style.width = '0';
      setText(m.value, 'not known');
      return;
    }
    bar.setAttribute('aria-valuenow', String(pct));
    bar.setAttribute('aria-valuetext', pct + ' percent');
    $(m.fill).style.width = pct + '%';
    setText(m.value, pct + '%');
  }

  function showFact(row, id, text) {
    setText(id, text);
    show(row, true);
  }

  function requestId(id) {
    if (!id) return;
    setText('request-id', 'Request id ' + id);
    show('request-id', true);
  }

  // The model used, where it comes from, how far that is and how good it is here. Each row
  // appears only when the answer has its keys (an older function sends name and version only).
  function renderModel(model, city) {
    if (!isObject(model)) return;
    const label = [model.name, model.version].filter((s) => s != null && s !== '').join(' ');
    if (label) showFact('model-row', 'model', label);
    if (typeof model.summary === 'string' && model.summary) {
      setText('model-summary', model.summary);
      $('model-summary').className = 'summary' + (model.applies === false ? ' elsewhere' : '');
      show('model-summary', true);
    }
    const home = model.home;
    if (isObject(home)) {
      let text = String(home.name ?? 'unnamed');
      if (isNumber(home.latitude) && isNumber(home.longitude)) {
        text += ' (' + home.latitude.toFixed(2) + ', ' + home.longitude.toFixed(2) + ')';
      }
      const period = [home.from, home.to].filter((s) => typeof s === 'string' && s);
      if (period.length === 2) text += '; trained on ' + period[0] + ' to ' + period[1];
      if (typeof home.source === 'string' && home.source) text += ' from ' + home.source;
      showFact('home-row', 'home', text);
    } else if (home === null) {
      showFact('home-row', 'home', 'not stated by the model');
    }
    if (isNumber(model.distance_km)) {
      showFact('distance-row', 'distance', formatKm(model.distance_km) + ' from ' + city);
    }
    const radius = isObject(home) && isNumber(home.applies_within_km)
      ? formatKm(home.applies_within_km) : null;
    if (model.applies === true) {
      showFact('applies-row', 'applies', 'yes, it applies here' + (radius ? ' (within ' + radius + ' of its home)' : ''));
    } else if (model.applies === false) {
      showFact('applies-row', 'applies', 'no, it does not apply here' + (radius ? ' (only within ' + radius + ' of its home)' : ''));
    }
    const skill = isObject(model.skill) ? model.skill : null;
    let figures = '';
    if (skill && isNumber(skill.roc_auc) && isNumber(skill.brier_skill_score)) {
      figures = 'ROC AUC ' + skill.roc_auc.toFixed(2) + ', Brier skill score '
        + skill.brier_skill_score.toFixed(2)
        + (skill.evaluated_on === 'out-of-bag' ? ', on its own out-of-bag rows' : ', on its own held-out period')
        + (isNumber(skill.rows) ? ' (' + skill.rows.toLocaleString('en-US') + ' rows)' : '');
    }
    if (model.skill_here === 'unknown') {
      showFact('skill-row', 'skill', 'skill here: unknown.' + (figures ? ' At its home: ' + figures + '.' : ''));
    } else if (figures) {
      showFact('skill-row', 'skill', figures);
    }
  }

  // The answer beside climatology and the weather service's own forecast.
  function renderProbabilities(data, probability) {
    const prediction = isObject(data.prediction) ? data.prediction : {};
    const model = isObject(data.model) ? data.model : {};
    const baselines = isObject(data.baselines) ? data.baselines : {};
    // An older function sends no baselines: then only the answer is drawn.
    show('p-climatology', isObject(data.baselines));
    show('p-forecast', isObject(data.baselines));
    const pct = percent(probability);
    // RAINCHECK_OUTSIDE=climatology: the answer is the nearest model's rate at its own home.
    const home = isObject(model.home) && typeof model.home.name === 'string' ? model.home.name.split(',')[0] : '';
    setText('p-model-name', prediction.method === 'climatology'
      ? 'Answer: climatology' + (home ? ' at ' + home : '')
      : (model.name ? 'Model ' + model.name : 'The model'));
    setMeter(METERS[0], pct);

    const date = data.observation && typeof data.observation.local_date === 'string'
      ? /^\d{4}-(\d{2})-\d{2}$/.exec(data.observation.local_date) : null;
    const month = date ? MONTHS[Number(date[1]) - 1] : undefined;
    setText('p-climatology-name', 'Climatology' + (month ? ' for ' + month : ''));
    setMeter(METERS[1], percent(baselines.climatology));

    const source = typeof baselines.forecast_source === 'string' ? baselines.forecast_source : '';
    setText('p-forecast-name', 'Forecast' + (source ? ' by ' + (SOURCES[source] ?? source) : ''));
    setMeter(METERS[2], percent(baselines.forecast_probability));

    let label = 'Probability of rain: ' + pct + '%';
    if (isNumber(prediction.threshold)) {
      label += '; the answer is Yes from ' + percent(prediction.threshold) + '%';
    }
    label += '.';
    if (!isNumber(baselines.climatology) && model.applies === false) {
      label += ' Climatology here is not known: the model knows it only near its home.';
    }
    setText('probability-label', label);
    show('probability', true);
  }

  function renderForecast(data) {
    clear();
    show('answer', true);
    const city = typeof data.city === 'string' ? data.city : input.value;
    const prediction = isObject(data.prediction) ? data.prediction : null;
    const probability = prediction && isNumber(prediction.probability) ? prediction.probability
      : data.probability;
    const verdict = $('verdict');
    verdict.className = '';
    if (isNumber(probability)) {
      const rain = typeof prediction?.rain === 'boolean' ? prediction.rain : probability >= 0.5;
      setText('verdict-city', 'Rain tomorrow in ' + city + '?');
      verdict.textContent = rain ? 'Yes' : 'No';
      verdict.className = rain ? 'yes' : 'no';
      renderProbabilities(data, probability);
      setText('status', 'Answer for ' + city + '.');
    } else {
      setText('verdict-city', city);
      verdict.textContent = 'no prediction available';
      setText('status', 'Answer for ' + city + ': the server gave no prediction.');
    }
    const place = data.place;
    if (isObject(place)) {
      let text = String(place.display_name ?? city);
      if (isNumber(place.lat) && isNumber(place.lon)) {
        text += ' (' + place.lat.toFixed(3) + ', ' + place.lon.toFixed(3) + ')';
      }
      if (place.source) text += ' \u00b7 source: ' + place.source;
      showFact('place-row', 'place', text);
    }
    renderModel(data.model, city);
    const record = data.record;
    if (isObject(record)) {
      showFact('record-row', 'record', record.stored ? 'stored'
        : 'not stored' + (record.message ? ': ' + record.message : ''));
    }
    renderConditions(data);
    requestId(data.request_id);
  }

  // One row of a conditions table: the name ("temp_max" -> "temp max"), the value and its
  // unit; dimensionless quantities carry the unit "1", which is not shown.
  function conditionRow(q) {
    const tr = document.createElement('tr');
    const name = document.createElement('td');
    name.textContent = String(q.name ?? '').replaceAll('_', ' ');
    const value = document.createElement('td');
    value.textContent = q.value === null ? 'missing'
      : formatNumber(q.value) + (q.unit && q.unit !== '1' ? ' ' + q.unit : '');
    tr.append(name, value);
    return tr;
  }

  // The model's inputs (data.features, in the units it was trained in), then the rest of what
  // the weather service said, folded. An older function sends no features: then every
  // quantity is listed as before.
  function renderConditions(data) {
    const quantities = isObject(data.observation) && Array.isArray(data.observation.quantities)
      ? data.observation.quantities.filter(isObject) : [];
    const climatology = data.prediction?.method === 'climatology';
    if (!Array.isArray(data.features)) {
      for (const q of quantities) $('conditions-body').append(conditionRow(q));
      setText('conditions-title', climatology
        ? 'Current conditions (the answer from climatology does not use them)'
        : 'Current conditions');
      show('conditions', $('conditions-body').children.length > 0);
      return;
    }
    const features = data.features.filter(isObject);
    const used = new Set(features.map((f) => f.name));
    for (const f of features) $('conditions-body').append(conditionRow(f));
    setText('conditions-title', 'What the model used');
    setText('conditions-note', features.length + (features.length === 1 ? ' input' : ' inputs')
      + ', in the units the model was trained in'
      + (climatology ? '; the answer from climatology does not use them.' : '.'));
    show('conditions-note', true);
    const others = quantities.filter((q) => (typeof q.used_by_model === 'boolean'
      ? !q.used_by_model : !used.has(q.name)));
    for (const q of others) $('other-conditions-body').append(conditionRow(q));
    setText('other-conditions-summary', 'Other current conditions (' + others.length
      + ', not used by the model)');
    show('other-conditions', others.length > 0);
    show('conditions', features.length > 0 || others.length > 0);
  }

  const TITLES = {
    400: 'Please check the city name',
    404: 'City not found',
    413: 'The request is too large',
    422: 'No model applies to this place',
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
    // Each is a string, or a place {name, admin?, country, country_code, latitude, longitude,
    // display_name, query}: shown by its display name, asked again by its query.
    for (const s of suggestions.slice(0, 5)) {
      const name = typeof s === 'string' ? s : String(s?.display_name ?? s?.name ?? '');
      if (!name) continue;
      const query = isObject(s) && typeof s.query === 'string' && s.query ? s.query : name;
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = name;
      b.addEventListener('click', () => { input.value = query; ask(query); });
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
