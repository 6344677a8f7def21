#!/usr/bin/env bash
# run.sh -- the corpus of accounting exports through `relance import`.
#
# Each NAME.csv is imported into a fresh state; what relance says and what
# it stored is written as text and compared with NAME.expect, exactly:
#   exit STATUS
#   out: each line of standard output
#   err: each line of standard error
#   NUMBER customer=ID name=NAME due=AMOUNT CUR by DATE issued DATE
#     original=AMOUNT state=STATE contacts=A,B   (one line per invoice)
# The files imitate what each accounting program writes (the comment at
# the top of NAME.expect says which and what it tests); REGEN=1 rewrites
# the .expect files from what relance does (review the diff!).
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
corpus=$top_srcdir/tests/import
work=$(mktemp -d /tmp/relance-import.XXXXXX)
trap 'rm -rf "$work"' EXIT

# 2026-11-23 10:30 in Paris, as in the other command tests.
export RELANCE_NOW=1795426200
export SUDO_USER=clerk
pass=0
fail=0

# describe: the stored invoices, one line each, in file order of numbers.
describe() {
	"$top_builddir/src/relance" -c "$work/relance.conf" list --json |
		python3 -c '
import json, subprocess, sys
conf = sys.argv[1]; prog = sys.argv[2]
for row in sorted(json.load(sys.stdin), key=lambda r: r["invoice"]):
    inv = json.loads(subprocess.run([prog, "-c", conf, "show", row["invoice"],
        "--json"], capture_output=True, text=True, check=True).stdout)
    print("%s customer=%s name=%s due=%s %s by %s issued %s original=%s "
          "state=%s contacts=%s" % (inv["invoice"], inv["customer"],
          inv["customer_name"], inv["amount_due"], inv["currency"],
          inv["due_date"], inv["issue_date"], inv["amount_original"],
          inv["state"], ",".join(inv["contacts"])))
' "$work/relance.conf" "$top_builddir/src/relance"
}

for csv in "$corpus"/*.csv; do
	name=$(basename "$csv" .csv)
	rm -rf "$work/run" && mkdir -p "$work/run"
	cat >"$work/relance.conf" <<CONF
StateFile  $work/run/state.db
PolicyDir  $top_srcdir/policies
TimeZone   Europe/Paris
CONF
	cp "$csv" "$work/run/$name.csv"
	(
		cd "$work/run" || exit 1
		rc=0
		"$top_builddir/src/relance" -c "$work/relance.conf" import \
			"$name.csv" >out 2>err || rc=$?
		echo "exit $rc"
		sed 's/^/out: /' out
		sed 's/^/err: /' err
		describe
	) >"$work/got"
	# The .expect starts with '#' comment lines that say what is tested.
	grep -v '^#' "$corpus/$name.expect" >"$work/want" 2>/dev/null || :
	if [ "${REGEN:-}" = 1 ]; then
		{ grep '^#' "$corpus/$name.expect" 2>/dev/null || :; cat "$work/got"; } \
			>"$work/new" && mv "$work/new" "$corpus/$name.expect"
		echo "regenerated $name"
	elif cmp -s "$work/want" "$work/got"; then
		pass=$((pass + 1))
		echo "ok $name"
	else
		fail=$((fail + 1))
		echo "FAIL $name"
		diff -u "$work/want" "$work/got" | sed 's/^/    /'
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
