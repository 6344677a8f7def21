#!/usr/bin/env bash
# report.sh -- `relance report`: the exact terminal and JSON reports of a
# small state made with the real commands (tests/cli/report-state.sh),
# --date, --html (written, self-contained, escaped), and the usage
# errors. Run by `make check` (which sets top_srcdir and top_builddir) or
# by hand from the source tree.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/report-state.sh"

work=$(mktemp -d /tmp/relance-report.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

# first_lines N ARGS: the first N lines of `relance ARGS`.
first_lines() {
	local n=$1
	shift
	rr "$@" | sed -n "1,${n}p"
}

mkdir state
if ! report_state "$work/state" "$top_builddir/src/relance"; then
	cat "$work/state/state.log"
	echo "FAIL the state could not be made"
	exit 1
fi

OUT=$(cat <<'EOF'
relance report on 2026-11-23: 5 invoices

Aging balance: amounts due by days past the due date
CUSTOMER                 CUR    not due       1-30      31-60      61-90    over 90      total
<script>alert(1)</scrip… EUR       0.00       0.00       0.00       0.00     250.00     250.00
Acme Ltd                 EUR    2000.00       0.00       0.00       0.00       0.00    2000.00
Dupont SARL              EUR       0.00    1000.00       0.00       0.00       0.00    1000.00
Dupont SARL              USD       0.00       0.00     500.00       0.00       0.00     500.00
TOTAL                    EUR    2000.00    1000.00       0.00       0.00     250.00    3250.00
TOTAL                    USD       0.00       0.00     500.00       0.00       0.00     500.00

DSO = amount due / invoiced from 2026-08-26 (90 days) x 90
EUR 3250.00 due, 3300.00 invoiced: 88.6 days
USD 500.00 due, 500.00 invoiced: 90.0 days

Open disputes: 1
INVOICE CUSTOMER                 AMOUNT DUE     SINCE       AGE REASON
R3      <script>alert(1)</scrip…     250.00 EUR 2026-11-20    3 never delivered <b>

Paused by a promise to pay: 1
INVOICE CUSTOMER    AMOUNT DUE     PROMISED   UNTIL
R1      Dupont SARL    1000.00 EUR 2026-11-30 2026-12-03

Open tasks: 1

Reminders and payment: invoices that received a step before any payment
STEP          INVOICES PAID AFTER SHARE MEDIAN DAYS TO PAYMENT
courtesy             3          1   33% 18
reminder-1           4          1   25% 2
reminder-2           2          0    0% -
formal-notice        1          0    0% -
EOF
) expect "report: aging, DSO, disputes, promises, tasks, steps" 0 rr report

OUT=$(cat <<'EOF'
{"date":"2026-11-23","invoices":5,"aging":[
{"customer":"C2","customer_name":"<script>alert(1)</script>","currency":"EUR","not_due":"0.00","days_1_30":"0.00","days_31_60":"0.00","days_61_90":"0.00","days_over_90":"250.00","total":"250.00","invoices":1},
{"customer":"C3","customer_name":"Acme Ltd","currency":"EUR","not_due":"2000.00","days_1_30":"0.00","days_31_60":"0.00","days_61_90":"0.00","days_over_90":"0.00","total":"2000.00","invoices":1},
{"customer":"C1","customer_name":"Dupont SARL","currency":"EUR","not_due":"0.00","days_1_30":"1000.00","days_31_60":"0.00","days_61_90":"0.00","days_over_90":"0.00","total":"1000.00","invoices":1},
{"customer":"C1","customer_name":"Dupont SARL","currency":"USD","not_due":"0.00","days_1_30":"0.00","days_31_60":"500.00","days_61_90":"0.00","days_over_90":"0.00","total":"500.00","invoices":1}],
"totals":[
{"currency":"EUR","not_due":"2000.00","days_1_30":"1000.00","days_31_60":"0.00","days_61_90":"0.00","days_over_90":"250.00","total":"3250.00","invoices":3,"sales_90_days":"3300.00","dso_days":88.6},
{"currency":"USD","not_due":"0.00","days_1_30":"0.00","days_31_60":"500.00","days_61_90":"0.00","days_over_90":"0.00","total":"500.00","invoices":1,"sales_90_days":"500.00","dso_days":90.0}],
"disputes":[
{"invoice":"R3","customer_name":"<script>alert(1)</script>","amount_due":"250.00","currency":"EUR","since":"2026-11-20","age_days":3,"reason":"never delivered <b>"}],
"promises":[
{"invoice":"R1","customer_name":"Dupont SARL","amount_due":"1000.00","currency":"EUR","promised":"2026-11-30","paused_until":"2026-12-03"}],
"open_tasks":1,
"steps":[
{"step":"courtesy","invoices":3,"paid_after":1,"share_percent":33,"median_days":18},
{"step":"reminder-1","invoices":4,"paid_after":1,"share_percent":25,"median_days":2},
{"step":"reminder-2","invoices":2,"paid_after":0,"share_percent":0,"median_days":null},
{"step":"formal-notice","invoices":1,"paid_after":0,"share_percent":0,"median_days":null}]}
EOF
) expect "report --json: the same figures" 0 rr report --json

if python3 -c 'import json,sys; json.load(sys.stdin)' <"$work/out"; then
	pass=$((pass + 1)); echo "ok report --json is valid JSON"
else
	fail=$((fail + 1)); echo "FAIL report --json is valid JSON"
fi

OUT=$(cat <<'EOF'
relance report on 2026-12-31: 5 invoices

Aging balance: amounts due by days past the due date
CUSTOMER                 CUR    not due       1-30      31-60      61-90    over 90      total
<script>alert(1)</scrip… EUR       0.00       0.00       0.00       0.00     250.00     250.00
Acme Ltd                 EUR       0.00    2000.00       0.00       0.00       0.00    2000.00
Dupont SARL              EUR       0.00       0.00       0.00    1000.00       0.00    1000.00
Dupont SARL              USD       0.00       0.00       0.00     500.00       0.00     500.00
TOTAL                    EUR       0.00    2000.00       0.00    1000.00     250.00    3250.00
TOTAL                    USD       0.00       0.00       0.00     500.00       0.00     500.00

DSO = amount due / invoiced from 2026-10-03 (90 days) x 90
EUR 3250.00 due, 2000.00 invoiced: 146.3 days
USD 500.00 due, 0.00 invoiced: no DSO (nothing invoiced)
EOF
) expect "report --date: days past due counted from that day" 0 \
	first_lines 14 report --date 2026-12-31

# --- the HTML page (tests/integration/report-html.sh renders it)

# check NAME CMD...: CMD succeeds.
check() {
	local name=$1
	shift
	if "$@"; then
		pass=$((pass + 1)); echo "ok $name"
	else
		fail=$((fail + 1)); echo "FAIL $name"
	fi
}
expect "report --html: writes the page, prints nothing" 0 \
	rr report --html "$work/report.html"
html=$work/report.html
check "report --html: a whole page" grep -q '^</html>$' "$html"
check "report --html: no raw <script> from a customer name" \
	sh -c '! grep -q "<script" "$1"' sh "$html"
check "report --html: the name is there, escaped" \
	grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$html"
check "report --html: the dispute's reason escaped" \
	grep -q 'never delivered &lt;b&gt;' "$html"
check "report --html: a chart per currency and the funnel" \
	test "$(grep -c '<svg class=' "$html")" -eq 3
check "report --html: nothing fetched from elsewhere" \
	sh -c '! grep -Eq "(src|href)=|url\(|@import" "$1"' sh "$html"

# --- errors

ERR=$(cat <<'EOF'
relance: report: bad date "2026-13-01" (expected YYYY-MM-DD or DD/MM/YYYY)
usage: relance report [--date YYYY-MM-DD] [--json] [--html FILE]
EOF
) expect "report: a bad date" 64 rr report --date 2026-13-01
ERR=$(cat <<'EOF'
relance: report: --json and --html go to different places: choose one
usage: relance report [--date YYYY-MM-DD] [--json] [--html FILE]
EOF
) expect "report: --json and --html together" 64 \
	rr report --json --html "$work/x.html"
ERR=$(cat <<'EOF'
relance: report: unexpected argument "R1"
usage: relance report [--date YYYY-MM-DD] [--json] [--html FILE]
EOF
) expect "report: no operand" 64 rr report R1
ERR="relance: report: $work/missing/r.html: No such file or directory" \
	expect "report --html: a file that cannot be written" 73 \
	rr report --html "$work/missing/r.html"
check "report --help" sh -c '"$0" report --help | grep -q "^usage: relance report"' \
	"$top_builddir/src/relance"

OUT=$(cat <<'EOF'
relance report on 2026-11-23: 0 invoices

Aging balance: amounts due by days past the due date
nothing is due

DSO = amount due / invoiced from 2026-08-26 (90 days) x 90
no invoices

Open disputes: 0

Paused by a promise to pay: 0

Open tasks: 0

Reminders and payment: invoices that received a step before any payment
no reminder sent yet
EOF
) expect "report: an empty state" 0 rr --db "$work/empty.db" report

finish
