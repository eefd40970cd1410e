#!/usr/bin/env python3
"""Checks the shipped models directory and the facts of the cross-city table that must hold
whatever the exact figures: exactly the two city models, each with the home it was trained
at; each model's own held-out row is its card's evaluation and beats chance and climatology;
every row has its climatology baseline and skill score; the like-for-like rows cover the
same days as the model's own evaluation.

    cross_city_test.py --raincheck RAINCHECK --models DIR --data DIR --work DIR
"""
import argparse
import csv
import datetime
import json
import math
import os
import subprocess
import sys

HOMES = {"seattle": ("Seattle, Washington, United States", 47.6062, -122.3321),
         "new-york": ("New York, New York, United States", 40.7128, -74.0060)}
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    for a in ("--raincheck", "--models", "--data", "--work"):
        ap.add_argument(a, required=True)
    args = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))

    rcf = sorted(f for f in os.listdir(args.models) if f.endswith(".rcf"))
    check(rcf == ["new-york.rcf", "seattle.rcf"], f"models directory holds {rcf}")
    check(not [f for f in os.listdir(args.models) if f.endswith(".csv")],
          "training CSVs in the models directory")

    cards = {}
    for slug, (name, lat, lon) in HOMES.items():
        with open(os.path.join(args.models, slug + ".card.json"), encoding="utf-8") as f:
            cards[slug] = card = json.load(f)
        home = card.get("home", {})
        check(home.get("name") == name and math.isclose(home.get("latitude", 0), lat) and
              math.isclose(home.get("longitude", 0), lon), f"{slug}: home {home}")
        check(home.get("applies_within_km") == 300, f"{slug}: applies_within_km")
        check(home.get("source") == "vega-datasets weather.csv (NOAA)", f"{slug}: source")
        check(isinstance(card.get("provenance"), dict) and isinstance(card.get("licence"), str),
              f"{slug}: provenance and licence")
        with open(os.path.join(args.data, slug + "_daily.csv"), newline="") as f:
            first_day = next(csv.DictReader(f))["date"]
        check(home.get("from") == first_day, f"{slug}: home.from {home.get('from')} != {first_day}")
        # home.from..home.to are exactly the days the model was trained on.
        days = (datetime.date.fromisoformat(home["to"]) -
                datetime.date.fromisoformat(home["from"])).days + 1
        check(days == card["training"]["rows"], f"{slug}: {days} home days, trained on "
              f"{card['training']['rows']} rows")

    os.makedirs(args.work, exist_ok=True)
    out_md, out_json = os.path.join(args.work, "cross_city.md"), os.path.join(args.work, "cross_city.json")
    subprocess.run([sys.executable, os.path.join(here, "cross_city.py"), "--raincheck", args.raincheck,
                    "--models", args.models, "--data", args.data, "--out", out_md,
                    "--json", out_json], check=True, stdout=subprocess.DEVNULL)
    with open(out_json, encoding="utf-8") as f:
        rows = json.load(f)
    with open(out_md, encoding="utf-8") as f:
        table = f.read()
    check(len(rows) == 6, f"{len(rows)} rows, expected 3 per model")
    check(table.count("\n") == 2 + len(rows), "the Markdown table has a line per row")
    for r in rows:
        label = f"{r['model']} on {r['city']} ({r['kind']})"
        check(r["climatology_brier"] is not None and 0 < r["climatology_brier"] <= 0.25,
              f"{label}: climatology Brier {r['climatology_brier']}")
        check(r["brier_skill_score"] is not None and
              math.isclose(r["brier_skill_score"], 1 - r["brier"] / r["climatology_brier"]),
              f"{label}: skill score")
        check(0 <= r["roc_auc"] <= 1 and 0 <= r["brier"] <= 1, f"{label}: metrics in range")
    for m in HOMES:
        own = [r for r in rows if r["model"] == m and r["kind"] == "own held-out"]
        check(len(own) == 1, f"{m}: one own held-out row")
        if not own:
            continue
        own = own[0]
        # The own held-out row is the card's evaluation, recomputed by `raincheck evaluate`.
        check(own["rows"] == own["card_test_rows"], f"{m}: {own['rows']} held-out rows, card "
              f"{own['card_test_rows']}")
        check(math.isclose(own["roc_auc"], own["card_roc_auc"], abs_tol=1e-9) and
              math.isclose(own["brier"], own["card_brier"], abs_tol=1e-9),
              f"{m}: own held-out metrics differ from the card's evaluation")
        check(own["roc_auc"] > 0.5, f"{m}: own-city ROC AUC {own['roc_auc']}")
        check(own["brier_skill_score"] > 0, f"{m}: own-city skill {own['brier_skill_score']}")
        same = [r for r in rows if r["model"] == m and r["kind"] == "same held-out days"]
        check(len(same) == 1 and (same[0]["from"], same[0]["to"], same[0]["rows"]) ==
              (own["from"], own["to"], own["rows"]), f"{m}: like-for-like rows cover other days")
        other = [r for r in rows if r["model"] == m and r["kind"] == "all days"]
        check(len(other) == 1 and other[0]["city"] != own["city"] and other[0]["rows"] > own["rows"],
              f"{m}: the other city's whole record")
    if failures:
        sys.exit(f"{len(failures)} checks failed")
    print(table)


if __name__ == "__main__":
    main()
