#!/usr/bin/env bash
# run.sh -- how fast `relance run --dry-run` goes over many invoices, and
# whether its memory grows with them.
#
#   tests/bench/run.sh [N]        (default 1000000 invoices)
#
# Generates two French accounting exports (N/10 and N invoices, about four
# per customer, due dates from 120 days before the run's date to 15 days
# after it, every invoice with the same 10 KB PDF), imports each into its
# own state file with `relance import` (timed: the fast path to a big
# state file), then times, on each file:
#   - `relance run --dry-run --date 2026-11-23` (output to /dev/null);
#   - the baseline: `relance backup`, gdbm's own dump of the same file,
#     which reads every record once and decides nothing.
# Prints wall-clock seconds, CPU seconds (user + system) and peak RSS
# (/usr/bin/time -f %M), and the ratio run / backup in wall-clock time.
# Asserts nothing about time: other work on the machine moves the figures.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
n=${1:-1000000}
day=2026-11-23
relance=${RELANCE:-$top/_build/plain/src/relance}
[ -x "$relance" ] || relance=$top/_build/src/relance
if [ ! -x /usr/bin/time ]; then
	echo "run.sh: /usr/bin/time is missing (apt-get install time)" >&2
	exit 1
fi
work=$(mktemp -d /tmp/relance-bench-run.XXXXXX)
trap 'rm -rf "$work"' EXIT

head -c 7500 /dev/urandom | base64 | { printf '%%PDF-1.4\n'; cat; } >"$work/invoice.pdf"

# seconds, CPU seconds and peak RSS (KB) of a command
measure() {
	/usr/bin/time -o "$work/time" -f '%e %U %S %M' "$@" >/dev/null
	awk '{ printf "%.2f %.2f %d\n", $1, $2 + $3, $4 }' "$work/time"
}

printf '%-10s %-18s %9s %9s %10s\n' invoices command seconds cpu-s peak-KB
for count in $((n / 10)) "$n"; do
	dir=$work/$count
	mkdir -p "$dir"
	cat >"$dir/relance.conf" <<CONF
StateFile    $dir/state.db
PolicyDir    $top/policies
Sender       "Compta Exemple <factures@example.com>"
Sendmail     /bin/false
CompanyName  Exemple SARL
IBAN         FR7630006000011234567890189
BIC          AGRIFRPP
PaymentLink  https://pay.example.com/{invoice}?a={amount}
CONF
	python3 "$top/tests/bench/gen-invoices.py" "$dir/invoices.csv" "$count" \
		"$day" "$work/invoice.pdf"
	read -r s c m < <(measure "$relance" -c "$dir/relance.conf" import \
		"$dir/invoices.csv")
	printf '%-10s %-18s %9s %9s %10s\n' "$count" import "$s" "$c" "$m"
	read -r bs bc bm < <(measure "$relance" -c "$dir/relance.conf" backup \
		"$dir/dump")
	rm -f "$dir/dump"
	read -r s c m < <(TZ=Europe/Paris measure "$relance" \
		-c "$dir/relance.conf" run --dry-run --date "$day")
	printf '%-10s %-18s %9s %9s %10s\n' "$count" "backup (baseline)" "$bs" "$bc" "$bm"
	printf '%-10s %-18s %9s %9s %10s\n' "$count" "run --dry-run" "$s" "$c" "$m"
	awk -v r="$s" -v b="$bs" -v f="$(du -m "$dir/state.db" | cut -f1)" 'BEGIN {
		printf "%-10s run / backup: %.2f (state file %d MB)\n", "", r / (b > 0 ? b : 0.01), f }'
	rm -f "$dir/invoices.csv"
done
