// A loopback stand-in for Open-Meteo's forecast API (GET /v1/forecast), answering the
// documented response shape, like tests/fakes/upstream_fakes.cc does for the C++ tests.
// As Open-Meteo does, the daily block holds the variables the request names in `daily=`, one
// value per day for `forecast_days` days starting today; an unknown variable is a 400.
import { createServer } from 'node:http';

// Today and tomorrow (local dates), per daily variable, with its unit.
const DAYS = ['2026-11-28', '2026-11-29'];
const DAILY = {
  precipitation_sum: { unit: 'mm', values: [0.4, 3.1] },
  temperature_2m_max: { unit: '°C', values: [24.1, 21.6] },
  temperature_2m_min: { unit: '°C', values: [15.2, 14.8] },
  wind_speed_10m_mean: { unit: 'km/h', values: [18.7, 24.3] },
  precipitation_probability_max: { unit: '%', values: [40, 70] },
};

function badRequest(res, reason) {
  res.writeHead(400, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ error: true, reason }));
}

// Resolves with { server, url, requests }: `requests` holds the URL of every request, in order.
export function startFakeOpenMeteo() {
  const requests = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    requests.push(url);
    if (url.pathname !== '/v1/forecast') {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end('{"error":true,"reason":"Not Found"}');
      return;
    }
    const lat = Number(url.searchParams.get('latitude'));
    const lon = Number(url.searchParams.get('longitude'));
    // Open-Meteo's default is 7 days; the stand-in knows two.
    const days = Number(url.searchParams.get('forecast_days') ?? 7);
    if (!Number.isInteger(days) || days < 1 || days > DAYS.length) {
      return badRequest(res, `the stand-in serves forecast_days 1 to ${DAYS.length}, not ${days}`);
    }
    const variables = (url.searchParams.get('daily') ?? '').split(',').filter((v) => v);
    const unknown = variables.find((v) => !(v in DAILY));
    if (unknown) {
      return badRequest(res, `Cannot initialize ForecastVariableDaily from invalid String value ${unknown}.`);
    }
    const dailyUnits = { time: 'iso8601' };
    const daily = { time: DAYS.slice(0, days) };
    for (const v of variables) {
      dailyUnits[v] = DAILY[v].unit;
      daily[v] = DAILY[v].values.slice(0, days);
    }
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({
      latitude: Math.round(lat * 100) / 100,
      longitude: Math.round(lon * 100) / 100,
      generationtime_ms: 0.0869,
      utc_offset_seconds: 7200,
      timezone: 'Africa/Johannesburg',
      timezone_abbreviation: 'GMT+2',
      elevation: 17.0,
      current_units: {
        time: 'iso8601', interval: 'seconds', temperature_2m: '°C', apparent_temperature: '°C',
        dew_point_2m: '°C', relative_humidity_2m: '%', cloud_cover: '%', pressure_msl: 'hPa',
        wind_speed_10m: 'km/h', wind_gusts_10m: 'km/h', wind_direction_10m: '°', uv_index: '',
        visibility: 'm',
      },
      current: {
        time: '2026-11-28T04:15', interval: 900, temperature_2m: 17.4, apparent_temperature: 16.2,
        dew_point_2m: 11.3, relative_humidity_2m: 67, cloud_cover: 25, pressure_msl: 1014.8,
        wind_speed_10m: 18.0, wind_gusts_10m: 33.1, wind_direction_10m: 158, uv_index: 0.35,
        visibility: 24140.0,
      },
      ...(variables.length > 0 ? { daily_units: dailyUnits, daily } : {}),
    }));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ server, url: `http://127.0.0.1:${server.address().port}`, requests });
    });
  });
}
