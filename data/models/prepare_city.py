#!/usr/bin/env python3
"""Turns one city's rows of vega-datasets' weather.csv into a shipped model's training CSV and
the JSON that `raincheck train --card-extra` merges into its card (home, provenance, licence).

Input columns: location, date (YYYY-MM-DD), precipitation (mm), temp_max, temp_min (degC),
wind (m/s), weather (text). Output CSV columns:

    date           YYYY-MM-DD (used by the model card's monthly climatology baseline)
    precipitation  mm, that day's total
    temp_max       degC
    temp_min       degC
    wind           m/s, that day's mean wind speed at 10 m
    season_cos     cos(2*pi*(day_of_year - 1)/365.25), negated south of the equator
    season_sin     sin(...), negated south of the equator
    rain           1 if that day's precipitation > 0 mm, else 0

The model's label is `rain` one row ahead (`raincheck train --label rain --label-ahead 1`),
so the script refuses a city whose days are not consecutive. The card's home.from / home.to
are the first and last day the model is trained on: `raincheck train --cv-kind time
--test-fraction F` holds out the last ceil(F * labelled rows) rows (forest/selection.cc,
TrainTestSplit), so the script computes the same split. Standard library only.

    prepare_city.py --in weather.csv --location "New York" --out new-york_daily.csv \\
        --card-template card_extra.json --card-out new-york.card_extra.json
"""
import argparse
import csv
import datetime
import json
import math
import sys

# The cities of weather.csv: the place each model claims as its home (city centre, WGS84).
CITIES = {
    "Seattle": {"name": "Seattle, Washington, United States",
                "latitude": 47.6062, "longitude": -122.3321},
    "New York": {"name": "New York, New York, United States",
                 "latitude": 40.7128, "longitude": -74.0060},
}
APPLIES_WITHIN_KM = 300.0
SOURCE = "vega-datasets weather.csv (NOAA)"


def season(day, latitude):
    phase = 2.0 * math.pi * (day.timetuple().tm_yday - 1) / 365.25
    sign = 1.0 if latitude >= 0 else -1.0
    return sign * math.cos(phase), sign * math.sin(phase)


def parse_day(text):
    for fmt in ("%Y-%m-%d", "%Y/%m/%d"):
        try:
            return datetime.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            pass
    raise ValueError(f"date '{text}' is neither YYYY-MM-DD nor YYYY/MM/DD")


def read_city(path, location):
    """The city's rows as (day, [precipitation, temp_max, temp_min, wind] as text)."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    out = []
    previous = None
    for line, r in enumerate(rows, start=2):
        if r.get("location", "").strip() != location:
            continue
        try:
            day = parse_day(r["date"])
            cells = [r[k].strip() for k in ("precipitation", "temp_max", "temp_min", "wind")]
            for c in cells:
                if not math.isfinite(float(c)):
                    raise ValueError(f"'{c}' is not a finite number")
        except (KeyError, ValueError) as e:
            sys.exit(f"{path}:{line}: {e}")
        if previous is not None and day != previous + datetime.timedelta(days=1):
            sys.exit(f"{path}:{line}: {location}: {day} does not follow {previous}")
        previous = day
        out.append((day, cells))
    if len(out) < 10:
        sys.exit(f"{path}: {len(out)} rows for location '{location}'")
    return out


def substitute(value, words):
    """${word} -> words[word] in every string of a JSON value."""
    if isinstance(value, str):
        for k, v in words.items():
            value = value.replace("${" + k + "}", v)
        return value
    if isinstance(value, list):
        return [substitute(v, words) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, words) for k, v in value.items()}
    return value


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--in", dest="src", required=True, help="vega-datasets data/weather.csv")
    ap.add_argument("--location", required=True, choices=sorted(CITIES))
    ap.add_argument("--out", required=True, help="the training CSV to write")
    ap.add_argument("--card-template", help="JSON object with ${city}, ${from}, ${to}, "
                    "${held_out_from} placeholders (card_extra.json)")
    ap.add_argument("--card-out", help="the --card-extra JSON to write (needs --card-template)")
    ap.add_argument("--test-fraction", type=float, default=0.2, help="as given to raincheck train")
    ap.add_argument("--label-ahead", type=int, default=1, help="as given to raincheck train")
    args = ap.parse_args()
    if bool(args.card_template) != bool(args.card_out):
        ap.error("--card-template and --card-out go together")

    city = CITIES[args.location]
    days = read_city(args.src, args.location)
    with open(args.out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["date", "precipitation", "temp_max", "temp_min", "wind", "season_cos",
                    "season_sin", "rain"])
        for day, cells in days:
            c, s = season(day, city["latitude"])
            w.writerow([day.isoformat(), *cells, f"{c:.6f}", f"{s:.6f}",
                        "1" if float(cells[0]) > 0 else "0"])

    if args.card_out:
        labelled = len(days) - args.label_ahead
        n_test = min(labelled, math.ceil(args.test_fraction * labelled))
        n_train = labelled - n_test
        if n_train < 10 or n_test < 1:
            sys.exit(f"{args.src}: {labelled} labelled rows leave too few to train or to hold out")
        first, last, held_out_from = days[0][0], days[n_train - 1][0], days[n_train][0]
        with open(args.card_template, encoding="utf-8") as f:
            template = json.load(f)
        words = {"city": args.location, "from": first.isoformat(), "to": last.isoformat(),
                 "held_out_from": held_out_from.isoformat(),
                 "data_from": days[0][0].isoformat(), "data_to": days[-1][0].isoformat()}
        card = substitute(template, words)
        card["home"] = {"name": city["name"], "latitude": city["latitude"],
                        "longitude": city["longitude"], "applies_within_km": APPLIES_WITHIN_KM,
                        "source": SOURCE, "from": first.isoformat(), "to": last.isoformat()}
        with open(args.card_out, "w", encoding="utf-8") as f:
            json.dump(card, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
