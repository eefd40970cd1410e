"""The original's per-request work behind a minimal Flask app, for the start-api benchmark.

Like the original Lambda: a scikit-learn random forest trained on the Cape Town history (the
original unpickled it from a layer; here it is trained once at start-up with the original's
best parameters), then per request: read ?city=, "geocode" and "fetch the weather" (stubbed, as
raincheck's upstreams are stubbed in the same run), build a one-row pandas DataFrame,
predict_proba, and return an HTML page.

    /usr/bin/python3 original_flask.py PORT CSV
"""
import html
import sys

import pandas as pd
from flask import Flask, request
from sklearn.ensemble import RandomForestClassifier

FEATURES = ["apparentTemperature", "cloudCover", "dewPoint", "humidity", "ozone", "pressure",
            "temperature", "uvIndex", "visibility", "windBearing", "windGust", "windSpeed"]

port, csv = int(sys.argv[1]), sys.argv[2]
history = pd.read_csv(csv)
history["rain"] = (history["precipType"] == "rain").astype(int).shift(-1)
history = history.dropna(subset=["rain"])
model = RandomForestClassifier(n_estimators=50, max_depth=9, random_state=42)
model.fit(history[FEATURES], history["rain"].astype(int))
current = history.iloc[-1][FEATURES].to_dict()  # the stubbed "current weather"

app = Flask(__name__)


@app.route("/forecast")
def forecast():
    city = request.args.get("city", "Cape Town")
    lat, lon = -33.9249, 18.4241  # stubbed geocoder
    row = pd.DataFrame([current], columns=FEATURES)  # stubbed weather, as the original built it
    probability = float(model.predict_proba(row)[0][1])
    answer = "Yes" if probability >= 0.5 else "No"
    return ("<!DOCTYPE html><html><body><h1>City: %s (%.4f, %.4f)</h1>"
            "<p>Will it rain tomorrow? %s (%.0f%%)</p></body></html>"
            % (html.escape(city), lat, lon, answer, 100 * probability))


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=port, threaded=True)
