#!/usr/bin/env python3
"""Turns vega-datasets' seattle-weather.csv into the default model's training CSV.

Input columns: date (YYYY/MM/DD), precipitation (mm), temp_max, temp_min (degC), wind (m/s),
weather (text). Output columns:

    date           YYYY-MM-DD (used by the model card's monthly climatology baseline)
    precipitation  mm, that day's total
    temp_max       degC
    temp_min       degC
    wind           m/s, that day's mean wind speed at 10 m
    season_cos     cos(2*pi*(day_of_year - 1)/365.25), negated south of the equator
    season_sin     sin(...), negated south of the equator
    rain           1 if that day's precipitation > 0 mm, else 0

The model's label is `rain` one row ahead (`raincheck train --label rain --label-ahead 1`),
so the script refuses input whose days are not consecutive. Standard library only.

    prepare_seattle.py --in seattle-weather.csv --out seattle_daily.csv [--latitude 47.61]
"""
import argparse
import csv
import datetime
import math
import sys


def season(day, latitude):
    phase = 2.0 * math.pi * (day.timetuple().tm_yday - 1) / 365.25
    sign = 1.0 if latitude >= 0 else -1.0
    return sign * math.cos(phase), sign * math.sin(phase)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--in", dest="src", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--latitude", type=float, default=47.61, help="Seattle: 47.61 N")
    args = ap.parse_args()

    with open(args.src, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    out_rows = []
    previous = None
    for line, r in enumerate(rows, start=2):
        try:
            day = datetime.datetime.strptime(r["date"].strip(), "%Y/%m/%d").date()
            values = {k: float(r[k]) for k in ("precipitation", "temp_max", "temp_min", "wind")}
        except (KeyError, ValueError) as e:
            sys.exit(f"{args.src}:{line}: {e}")
        if previous is not None and day != previous + datetime.timedelta(days=1):
            sys.exit(f"{args.src}:{line}: {day} does not follow {previous}")
        previous = day
        c, s = season(day, args.latitude)
        out_rows.append([day.isoformat(), r["precipitation"].strip(), r["temp_max"].strip(),
                         r["temp_min"].strip(), r["wind"].strip(), f"{c:.6f}", f"{s:.6f}",
                         "1" if values["precipitation"] > 0 else "0"])
    with open(args.out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["date", "precipitation", "temp_max", "temp_min", "wind", "season_cos",
                    "season_sin", "rain"])
        w.writerows(out_rows)


if __name__ == "__main__":
    main()
