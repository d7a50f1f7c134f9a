#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Makes data/regions/china-outline.json, the provinces' outlines the maps draw when no tile can be
fetched, from DCW-GMT (Debian package gmt-dcw, LGPL-3+):

    apt-get install gmt-dcw netcdf-bin
    ncdump -v CNAH_lon,CNAH_lat,…  /usr/share/gmt-dcw/dcw-gmt.nc \
      | build-aux/china-outline.py data/regions/pca-code.json > data/regions/china-outline.json

DCW stores each province as unsigned 16-bit steps between its bounding box's corners
(value / scale + min), rings separated by 65535 (the fill value, "_" in ncdump's text).
Rings are simplified (Douglas-Peucker, 0.01°), islands smaller than about 5 km dropped, and
coordinates kept to 3 decimals (about 100 m): an outline to find one's way, not a survey."""

import json
import re
import sys

# DCW's province codes and GB/T 2260's
CODES = {
    "BJ": "11", "TJ": "12", "HE": "13", "SX": "14", "NM": "15", "LN": "21", "JL": "22", "HL": "23",
    "SH": "31", "JS": "32", "ZJ": "33", "AH": "34", "FJ": "35", "JX": "36", "SD": "37", "HA": "41",
    "HB": "42", "HN": "43", "GD": "44", "GX": "45", "HI": "46", "CQ": "50", "SC": "51", "GZ": "52",
    "YN": "53", "XZ": "54", "SN": "61", "GS": "62", "QH": "63", "NX": "64", "XJ": "65", "TW": "71",
    "HK": "81", "MO": "82",
}
EXTRA_NAMES = {"71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区"}
EPSILON = 0.01
MIN_EXTENT = 0.05
SMALL_PROVINCES = {"HK", "MO"}
# the South China Sea islands are small but belong on a map of China
ISLANDS_KEPT = {"HI"}


def simplify(points, epsilon):
    """Douglas-Peucker, iterative"""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = points[a], points[b]
        dx, dy = bx - ax, by - ay
        norm = (dx * dx + dy * dy) ** 0.5
        far, index = 0.0, -1
        for i in range(a + 1, b):
            px, py = points[i]
            if norm == 0:
                d = ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
            else:
                d = abs(dy * px - dx * py + bx * ay - by * ax) / norm
            if d > far:
                far, index = d, i
        if index >= 0 and far > epsilon:
            keep[index] = True
            stack.append((a, index))
            stack.append((index, b))
    return [p for p, k in zip(points, keep) if k]


def main():
    divisions = json.load(open(sys.argv[1], encoding="utf-8"))
    names = {d["code"]: d["name"] for d in divisions}
    names.update(EXTRA_NAMES)
    text = sys.stdin.read()
    header, _, data = text.partition("\ndata:\n")
    attrs = {}
    for var, key, value in re.findall(r"\t\t(CN\w\w_l(?:on|at)):(min|scale) = ([-0-9.e]+) ;", header):
        attrs[(var, key)] = float(value)
    values = {}
    for var, body in re.findall(r"(CN\w\w_l(?:on|at)) =(.*?);", data, re.S):
        values[var] = [None if v == "_" else int(v) for v in re.findall(r"[0-9]+|_", body)]

    provinces = []
    for dcw, code in sorted(CODES.items(), key=lambda kv: kv[1]):
        lon, lat = values["CN%s_lon" % dcw], values["CN%s_lat" % dcw]
        lon0, lon_scale = attrs[("CN%s_lon" % dcw, "min")], attrs[("CN%s_lon" % dcw, "scale")]
        lat0, lat_scale = attrs[("CN%s_lat" % dcw, "min")], attrs[("CN%s_lat" % dcw, "scale")]
        rings, ring = [], []
        for x, y in zip(lon + [None], lat + [0]):
            if x is None or x == 65535:
                if len(ring) >= 3:
                    rings.append(ring)
                ring = []
                continue
            ring.append((lon0 + x / lon_scale, lat0 + y / lat_scale))
        kept = []
        for r in rings:
            xs, ys = [p[0] for p in r], [p[1] for p in r]
            extent = max(max(xs) - min(xs), max(ys) - min(ys))
            if extent < (0.002 if dcw in SMALL_PROVINCES | ISLANDS_KEPT else MIN_EXTENT):
                continue
            s = simplify(r, EPSILON / 4 if dcw in SMALL_PROVINCES else EPSILON)
            if len(s) >= 4:
                flat = []
                for x, y in s:
                    flat += [round(x, 3), round(y, 3)]
                kept.append(flat)
        provinces.append({"code": code, "name": names[code], "rings": kept})

    out = {
        "source": "DCW-GMT 2.1.1 (The GMT Team, LGPL-3+), simplified by build-aux/china-outline.py",
        "provinces": provinces,
    }
    json.dump(out, sys.stdout, ensure_ascii=False, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
