// A loopback stand-in for Open-Meteo's forecast API (GET /v1/forecast), answering the
// documented response shape, like tests/fakes/upstream_fakes.cc does for the C++ tests.
import { createServer } from 'node:http';

export function startFakeOpenMeteo() {
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname !== '/v1/forecast') {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end('{"error":true,"reason":"Not Found"}');
      return;
    }
    const lat = Number(url.searchParams.get('latitude'));
    const lon = Number(url.searchParams.get('longitude'));
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
      daily_units: { time: 'iso8601', precipitation_sum: 'mm', temperature_2m_max: '°C',
                     temperature_2m_min: '°C', wind_speed_10m_mean: 'km/h' },
      daily: { time: ['2026-11-28'], precipitation_sum: [0.4], temperature_2m_max: [24.1],
               temperature_2m_min: [15.2], wind_speed_10m_mean: [18.7] },
    }));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ server, url: `http://127.0.0.1:${server.address().port}` });
    });
  });
}
