#!/usr/bin/env bash
# run.sh -- relance in a hostile world: crashes, faults, load, forged and
# malformed mail (issue 7). Runs every tests/survive/*.sh but this one and
# lib.sh (what they share), in name order; each prints its figures
# ("figure: NAME VALUE" lines) and its checks ("ok ..." / "FAIL ..."), and
# exits 0 (all passed), 77 (skipped: something it needs is missing; said
# why) or anything else (failed).
#
#   tests/survive/run.sh            the short form (CI: a few minutes)
#   tests/survive/run.sh --long     the long form, for release checks
#
# The scripts read SURVIVE_LONG (1 for --long), RELANCE and RELANCE_MILTER
# (the binaries, default _build/plain/src/ then _build/src/), and
# SURVIVE_ONLY (a name, e.g. crash, to run one script). The figures of all
# scripts are gathered in one table at the end, the one the README's
# reliability section shows. Exits 1 when any script failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
export SURVIVE_LONG=0
[ "${1:-}" = --long ] && SURVIVE_LONG=1
for b in "$top/_build/plain/src" "$top/_build/src"; do
	if [ -z "${RELANCE:-}" ] && [ -x "$b/relance" ]; then
		export RELANCE=$b/relance RELANCE_MILTER=$b/relance-milter
	fi
done
export RELANCE=${RELANCE:-$top/_build/src/relance}
export RELANCE_MILTER=${RELANCE_MILTER:-$top/_build/src/relance-milter}

failed=0
ran=0
figures=$(mktemp /tmp/relance-survive-figures.XXXXXX)
trap 'rm -f "$figures" "$figures.out"' EXIT
for script in "$here"/*.sh; do
	name=$(basename "$script" .sh)
	[ "$name" = run ] || [ "$name" = lib ] && continue
	[ -n "${SURVIVE_ONLY:-}" ] && [ "$name" != "$SURVIVE_ONLY" ] && continue
	echo "--- $name"
	bash "$script" 2>&1 | tee "$figures.out"
	rc=${PIPESTATUS[0]}
	sed -n "s/^figure: /$name /p" "$figures.out" >>"$figures"
	case $rc in
	0) ran=$((ran + 1)) ;;
	77) echo "--- $name: skipped" ;;
	*)
		echo "--- $name: FAILED (exit $rc)"
		failed=$((failed + 1))
		;;
	esac
done
rm -f "$figures.out"
echo
echo "survive: figures (long form: $SURVIVE_LONG)"
printf '%-10s %-40s %s\n' test figure value
while read -r test fig value; do
	printf '%-10s %-40s %s\n' "$test" "$fig" "$value"
done <"$figures"
echo "survive: $ran passed, $failed failed"
[ "$failed" -eq 0 ]
