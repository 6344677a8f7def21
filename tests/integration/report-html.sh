#!/usr/bin/env bash
# report-html.sh -- `relance report --html` as a person sees it: the page
# rendered by headless Chromium (Debian's chromium), its screenshot not
# blank, and the numbers in the rendered page (--dump-dom) equal to those
# of `relance report --json` on the same state (tests/cli/report-state.sh),
# a customer named "<script>alert(1)</script>" shown as text, never run.
#
# Needs chromium and python3; exits 77 (skipped) without them. Runs as
# root too (Chromium's sandbox is then off: --no-sandbox). Run by
# tests/run-all.sh, or by hand after a build in _build, or with
# top_srcdir and top_builddir set.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
if [ -z "${top_builddir:-}" ]; then
	top_builddir=$top_srcdir
	[ -x "$top_srcdir/_build/src/relance" ] &&
		top_builddir=$top_srcdir/_build
fi
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/report-state.sh"

for tool in chromium python3; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool not found (apt-get install chromium python3)"
		exit 77
	fi
done

work=$(mktemp -d /tmp/relance-report-html.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99
mkdir state profile
if ! report_state "$work/state" "$top_builddir/src/relance"; then
	cat "$work/state/state.log"
	echo "FAIL the state could not be made"
	exit 1
fi

# browser ARGS: headless Chromium with a throwaway profile, bounded.
browser() {
	local sandbox=
	[ "$(id -u)" -eq 0 ] && sandbox=--no-sandbox
	timeout 120 chromium --headless $sandbox --disable-gpu \
		--no-first-run --user-data-dir="$work/profile" \
		--hide-scrollbars "$@" 2>>"$work/chromium.log"
}

# check NAME CMD...: CMD succeeds (its output shown on failure).
check() {
	local name=$1
	shift
	if "$@" >"$work/check.out" 2>&1; then
		pass=$((pass + 1)); echo "ok $name"
		sed 's/^/# /' "$work/check.out"
	else
		fail=$((fail + 1)); echo "FAIL $name"
		sed 's/^/    /' "$work/check.out"
	fi
}

rr report --html "$work/report.html" && rr report --json >"$work/report.json" ||
	{ echo "FAIL relance report"; exit 1; }

check "chromium takes a screenshot of the page" \
	browser --window-size=1000,1400 --screenshot="$work/shot.png" \
	"file://$work/report.html"

# The PNG decoded with zlib alone: the share of pixels that are not
# white, and the distinct colours (a blank or error page has few).
cat >png-stats.py <<'EOF'
import struct, sys, zlib

data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, width = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
        assert depth == 8 and ctype in (2, 6), "colour type %d" % ctype
        bpp = 3 if ctype == 2 else 4
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
stride = width * bpp
prev = bytearray(stride)
colours, inked, p = set(), 0, 0
for y in range(height):
    f, line = raw[p], bytearray(raw[p + 1:p + 1 + stride])
    p += 1 + stride
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            q = a + b - c
            pa, pb, pc = abs(q - a), abs(q - b), abs(q - c)
            pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
            line[i] = (line[i] + pr) & 255
    for x in range(0, stride, bpp):
        px = bytes(line[x:x + 3])
        colours.add(px)
        if px != b"\xff\xff\xff":
            inked += 1
    prev = line
share = inked / (width * height)
print("%dx%d, %d colours, %.1f%% not white" % (width, height, len(colours), share * 100))
# The bucket colours of the aging bars must be there.
for rgb in ((0x4c, 0xaf, 0x50), (0xf2, 0xc9, 0x4c), (0xf2, 0x99, 0x4a),
            (0x8b, 0x1e, 0x3f), (0x2f, 0x5d, 0x8a)):
    assert bytes(rgb) in colours, "colour #%02x%02x%02x missing" % rgb
assert len(colours) >= 16 and 0.02 < share < 0.9, "blank-looking screenshot"
EOF
check "the screenshot is not blank, and shows the charts' colours" \
	python3 png-stats.py "$work/shot.png"

browser --dump-dom "file://$work/report.html" >"$work/dom.html"
check "chromium dumps the rendered page" grep -q '</html>' "$work/dom.html"

# The rendered page's figures against the JSON report's.
cat >compare.py <<'EOF'
import json, sys
from html.parser import HTMLParser

class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.row, self.cell, self.ids = [], None, None, {}
        self.scripts, self.span = 0, None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "tr":
            self.row = {"attrs": a, "cells": [], "keyed": {}}
        if tag == "td" and self.row is not None:
            self.cell = [a.get("data-k"), ""]
        if tag == "span" and "id" in a:
            self.span = a["id"]
            self.ids[self.span] = ""
    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            k, text = self.cell
            self.row["cells"].append(text)
            if k:
                self.row["keyed"][k] = text
            self.cell = None
        if tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None
        if tag == "span":
            self.span = None
    def handle_data(self, d):
        if self.cell is not None:
            self.cell[1] += d
        if self.span is not None:
            self.ids[self.span] += d

page = Page()
page.feed(open(sys.argv[1], encoding="utf-8").read())
rep = json.load(open(sys.argv[2], encoding="utf-8"))
keys = ["not_due", "days_1_30", "days_31_60", "days_61_90", "days_over_90", "total"]
checked = 0
assert page.scripts == 0, "a <script> element in the rendered page"

customers = [r for r in page.rows if r["attrs"].get("class") == "customer"]
assert len(customers) == len(rep["aging"]), "customer rows"
for row, want in zip(customers, rep["aging"]):
    assert row["attrs"]["data-customer"] == want["customer"], row
    assert row["cells"][0] == want["customer_name"].replace("\r", " ").replace("\n", " "), row
    assert row["attrs"]["data-currency"] == want["currency"], row
    for k in keys:
        assert row["keyed"][k] == want[k], (want["customer"], k, row["keyed"][k], want[k])
        checked += 1

totals = [r for r in page.rows if r["attrs"].get("class") == "total"]
due = [t for t in rep["totals"] if t["invoices"] > 0]
assert len(totals) == len(due), "total rows"
for row, want in zip(totals, due):
    assert row["attrs"]["data-currency"] == want["currency"]
    for k in keys:
        assert row["keyed"][k] == want[k], ("total", k, row["keyed"][k], want[k])
        checked += 1

dso = [r for r in page.rows if "dso" in r["keyed"]]
assert len(dso) == len(rep["totals"]), "DSO rows"
for row, want in zip(dso, rep["totals"]):
    days = "-" if want["dso_days"] is None else "%.1f" % want["dso_days"]
    assert row["keyed"]["dso"] == days, (row["keyed"]["dso"], days)
    assert row["keyed"]["sales"] == want["sales_90_days"]
    assert row["keyed"]["total"] == want["total"]
    checked += 3

steps = [r for r in page.rows if "paid" in r["keyed"]]
assert len(steps) == len(rep["steps"]), "step rows"
for row, want in zip(steps, rep["steps"]):
    median = "-" if want["median_days"] is None else str(want["median_days"])
    assert row["cells"][0] == want["step"]
    assert row["keyed"]["invoices"] == str(want["invoices"])
    assert row["keyed"]["paid"] == str(want["paid_after"])
    assert row["keyed"]["share"] == "%d%%" % want["share_percent"]
    assert row["keyed"]["median"] == median, (row["keyed"]["median"], median)
    checked += 5

assert page.ids["ndisputes"] == str(len(rep["disputes"]))
assert page.ids["npromises"] == str(len(rep["promises"]))
assert page.ids["tasks"] == str(rep["open_tasks"])
checked += 3
print("%d figures equal" % checked)
EOF
check "the rendered page's figures equal relance report --json's" \
	python3 compare.py "$work/dom.html" "$work/report.json"
check "the customer named <script> is text in the rendered page" \
	grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$work/dom.html"

[ "$fail" -eq 0 ] || { echo "# chromium's messages:"; tail -20 "$work/chromium.log"; }
finish
