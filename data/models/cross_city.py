#!/usr/bin/env python3
"""The cross-city table: every shipped model on its own held-out days and on every other
city's data, measured by `raincheck evaluate`, beside the evaluated city's climatology.

For a model M (models/SLUG.rcf, home.to = the last day it was trained on) and a city C
(models-data/C_daily.csv, written by prepare_city.py):

    own held-out        C = M's city, the days after home.to (the card's own evaluation)
    all days            C != M's city, every day of C's record
    same held-out days  C != M's city, only the days M's own evaluation covers

Each row: ROC AUC and Brier score of the model (from `raincheck evaluate --json`), the Brier
score of climatology (a constant probability: C's own base rate of the label over the rows
evaluated, the best constant forecast for them, so the baseline is never unfairly weak) and
the Brier skill score 1 - Brier / climatology Brier (> 0: better than climatology).
Standard library only.

    cross_city.py --raincheck build/bin/raincheck --models build/models \\
        --data build/models-data --out cross_city.md [--json cross_city.json]
"""
import argparse
import csv
import datetime
import json
import os
import subprocess
import sys
import tempfile


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows or "date" not in rows[0] or "rain" not in rows[0]:
        sys.exit(f"{path}: expected a header with 'date' and 'rain'")
    return rows[0], rows[1:]


def climatology_brier(header, rows, ahead):
    """Brier score of the constant base rate of the label (`rain` `ahead` rows later)."""
    rain = header.index("rain")
    y = [float(r[rain]) for r in rows[ahead:]]
    if not y:
        sys.exit("no labelled rows")
    p = sum(y) / len(y)
    return sum((v - p) ** 2 for v in y) / len(y), len(y), p


def evaluate(raincheck, model, data):
    out = subprocess.run([raincheck, "evaluate", "--json", "--model", model, "--data", data],
                         check=False, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"raincheck evaluate --model {model} --data {data}: {out.stderr.strip()}")
    return json.loads(out.stdout)


def city_name(card):
    return card["home"]["name"].split(",")[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--raincheck", required=True, help="the raincheck executable")
    ap.add_argument("--models", required=True, help="directory of SLUG.rcf + SLUG.card.json")
    ap.add_argument("--data", required=True, help="directory of SLUG_daily.csv")
    ap.add_argument("--out", required=True, help="the Markdown table to write")
    ap.add_argument("--json", help="the same rows as JSON, for tests")
    args = ap.parse_args()

    slugs = sorted(f[:-4] for f in os.listdir(args.models) if f.endswith(".rcf"))
    if len(slugs) < 2:
        sys.exit(f"{args.models}: {len(slugs)} models; a cross-city table needs two or more")
    cards, data = {}, {}
    for s in slugs:
        with open(os.path.join(args.models, s + ".card.json"), encoding="utf-8") as f:
            cards[s] = json.load(f)
        if "home" not in cards[s]:
            sys.exit(f"{s}.card.json has no home")
        data[s] = read_csv(os.path.join(args.data, s + "_daily.csv"))

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for m in slugs:
            card = cards[m]
            ahead = int(card["label"]["ahead"])
            held_out_from = (datetime.date.fromisoformat(card["home"]["to"]) +
                             datetime.timedelta(days=1)).isoformat()
            for c in [m] + [s for s in slugs if s != m]:  # its own city first
                header, rows = data[c]
                date = header.index("date")
                # The label of the last held-out day is `ahead` days later: keep every row from
                # the first held-out day to the end, as the trainer's split does.
                late = [r for r in rows if r[date] >= held_out_from]
                kinds = [("own held-out", late)] if c == m else [("all days", rows),
                                                                  ("same held-out days", late)]
                for kind, subset in kinds:
                    path = os.path.join(args.data, c + "_daily.csv")
                    if subset is not rows:
                        path = os.path.join(tmp, f"{m}-on-{c}.csv")
                        with open(path, "w", newline="", encoding="utf-8") as f:
                            w = csv.writer(f, lineterminator="\n")
                            w.writerow(header)
                            w.writerows(subset)
                    ev = evaluate(args.raincheck, os.path.join(args.models, m + ".rcf"), path)
                    clim, n, rate = climatology_brier(header, subset, ahead)
                    if ev["n"] != n:
                        sys.exit(f"{m} on {c}: evaluate counted {ev['n']} rows, the label {n}")
                    brier = ev["metrics"]["brier"]
                    results.append({
                        "model": m, "model_city": city_name(card), "city": city_name(cards[c]),
                        "kind": kind, "from": subset[0][date], "to": subset[-1 - ahead][date],
                        "rows": n, "base_rate": rate, "roc_auc": ev["metrics"]["roc_auc"],
                        "brier": brier, "climatology_brier": clim,
                        "brier_skill_score": 1.0 - brier / clim if clim > 0 else None,
                        "card_test_rows": card["evaluation"]["test_rows"] if c == m else None,
                        "card_roc_auc": card["evaluation"]["test"]["roc_auc"] if c == m else None,
                        "card_brier": card["evaluation"]["test"]["brier"] if c == m else None})

    def num(v):
        return "n/a" if v is None else f"{v:.3f}"

    lines = ["| model (trained on) | evaluated on | days | rows | rain rate | ROC AUC | Brier "
             "| climatology Brier | Brier skill score |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['model']}.rcf ({r['model_city']}) | {r['city']}, {r['kind']} "
                     f"| {r['from']}..{r['to']} | {r['rows']} | {num(r['base_rate'])} "
                     f"| {num(r['roc_auc'])} | {num(r['brier'])} | {num(r['climatology_brier'])} "
                     f"| {num(r['brier_skill_score'])} |")
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2)
            f.write("\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
