-- wrk: POST /predict of one row of the shipped Seattle model (bench/start_api/run.sh).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"seattle","rows":[{"precipitation":1.2,"temp_max":12.5,"temp_min":4.1,' ..
           '"wind":3.2,"season_cos":0.9,"season_sin":0.43}]}'
