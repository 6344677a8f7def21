#!/usr/bin/env bash
# demo.sh -- contrib/quickstart.sh, the README's first command, runs to its
# end and shows what it says it shows.
#
# Runs the demo twice, non-interactively, with the relance already built in
# $top_builddir (RELANCE_BUILDDIR: tests/run-all.sh builds first), each
# check printed as "ok ..." or "FAIL ...":
#	1. contrib/quickstart.sh: exit 0, nothing on standard error; relance
#	   run sent 6 reminders, each shown as smtp-sink got it, tagged
#	   (Subject tag, plus-address Reply-To, X-Relance-ID) with its PDF;
#	   the milter's verdict on each of the five answers; the final table
#	   with the paused, disputed and paid invoices; what changed, and why;
#	   the bounce's task; and at the end no process of the lab left, its
#	   files kept (the messages at smtp-sink and in the mailbox);
#	2. contrib/quickstart.sh --keep: exit 0 with the lab still running (its
#	   Postfix answers), and the stop script it prints stops it all.
# Both labs' directories are removed afterwards (LAB_KEEP=1 keeps them).
#
# Needs what tests/integration/run.sh needs (root, postfix, swaks,
# python3, ss); exits 77 (skipped) without them, 1 when a check fails.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
if [ -z "${top_builddir:-}" ]; then
	top_builddir=$top_srcdir
	[ -x "$top_srcdir/_build/src/relance-milter" ] &&
		top_builddir=$top_srcdir/_build
fi
. "$top_srcdir/tests/cli/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (the demo's Postfix lab)"
	exit 77
fi
for tool in postfix smtp-sink swaks python3 ss; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool not found (apt-get install postfix swaks python3 iproute2)"
		exit 77
	fi
done

started=$(date +%s)
work=$(mktemp -d /tmp/relance-demo-test.XXXXXX) || exit 1
labs=()
cleanup() {
	local l
	for l in "${labs[@]}"; do
		[ -x "$l/stop" ] && "$l/stop" >/dev/null 2>&1
		[ -n "${LAB_KEEP:-}" ] || rm -rf "$l"
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# demo OUT ARGS...: the demo with ARGS, its output in OUT.out and OUT.err,
# its status in OUT.status; the lab's directory (from its output) in $lab
# and added to labs.
demo() {
	local out=$1
	shift
	RELANCE_BUILDDIR=$top_builddir "$top_srcdir/contrib/quickstart.sh" \
		"$@" </dev/null >"$out.out" 2>"$out.err"
	echo $? >"$out.status"
	lab=$(sed -n 's/^lab directory  *//p' "$out.out")
	[ -n "$lab" ] && labs+=("$lab")
}

# section FILE TITLE: the lines of FILE under "== TITLE", up to the next
# "== " heading.
section() {
	awk -v t="== $2" 'index($0, t) == 1 { on = 1; next }
		/^== / { on = 0 } on' "$1"
}

# lab_procs LAB: the live processes (not zombies) whose command line names
# LAB (relance-milter, smtp-sink, Postfix's daemons), and Postfix's master
# when its pid file names a live one; from /proc (procps may be absent).
lab_procs() {
	local d pid cmdline
	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		cmdline=$(tr '\0' ' ' 2>/dev/null <"$d/cmdline") || continue
		case $cmdline in
		*"$1"*) alive "$pid" && echo "$pid $cmdline" ;;
		esac
	done
	read -r pid 2>/dev/null <"$1/queue/pid/master.pid" &&
		[ -n "$pid" ] && alive "$pid" && echo "master $pid"
	return 0
}

# alive PID: PID runs and is not a zombie.
alive() {
	[ -r "/proc/$1/status" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# ---- 1. the demo as the README says

demo "$work/demo"
OUT=0 expect "1: contrib/quickstart.sh exits 0" 0 cat "$work/demo.status"
expect "1: nothing on standard error" 0 cat "$work/demo.err"
if [ -z "$lab" ]; then
	echo "FAIL 1: the demo names its lab directory"
	sed 's/^/    /' "$work/demo.out" | tail -n 30
	fail=$((fail + 1))
	finish
	exit
fi

OUT='6 sent, 0 letters, 0 tasks, 1 skipped, 0 errors' \
	expect "1: relance run sends 6 reminders (one invoice is not due)" 0 \
	sh -c 'grep "^[0-9]* sent, .* errors$" "$1"' sh "$work/demo.out"

# tagged: each reminder shown "as smtp-sink received them", checked: the
# tracking ID in the Subject tag and in the plus-address Reply-To, the PDF
# named after the invoice.
tagged() {
	section "$work/demo.out" "the reminders as smtp-sink received them" |
		python3 -c '
import re, sys
blocks = re.split(r"\n(?=F-DEMO-)", sys.stdin.read().strip())
for b in blocks:
    head, *lines = b.splitlines()
    f = dict(re.match(r"\s+([^:]+):\s+(.*)", l).groups() for l in lines
             if re.match(r"\s+[^:]+:\s", l))
    number, step = head.split(", ")[:2]
    tid = f.get("X-Relance-ID", "")
    ok = (re.fullmatch(r"R-[0-9A-HJKMNP-TV-Z]{9}", tid) is not None
          and f.get("Subject", "").endswith("[Réf. %s]" % tid)
          and f.get("Reply-To") == "factures+%s@example.com" % tid.lower()
          and f.get("attached", "").startswith(number + ".pdf "))
    print(number, step, "tagged, with its PDF" if ok else "NOT TAGGED: " + b)
'
}
OUT=$(cat <<'EOF'
F-DEMO-01 reminder-1 tagged, with its PDF
F-DEMO-02 reminder-1 tagged, with its PDF
F-DEMO-03 reminder-1 tagged, with its PDF
F-DEMO-04 courtesy tagged, with its PDF
F-DEMO-05 reminder-1 tagged, with its PDF
F-DEMO-06 reminder-1 tagged, with its PDF
EOF
) expect "1: the reminders as they left: Subject tag, plus-address Reply-To, X-Relance-ID, the PDF" \
	0 tagged

OUT=$(cat <<'EOF'
  X-Relance-Invoice: F-DEMO-01, X-Relance-Class: reply, X-Relance-State: paused
  X-Relance-Invoice: F-DEMO-02, X-Relance-Class: dispute, X-Relance-State: disputed
  X-Relance-Invoice: F-DEMO-03, X-Relance-Class: remittance, X-Relance-State: paid
  X-Relance-Invoice: F-DEMO-05, X-Relance-Class: auto-reply, X-Relance-State: paused
  X-Relance-Invoice: F-DEMO-06, X-Relance-Class: bounce, X-Relance-State: open
EOF
) expect "1: the five answers reach the mailbox, each read and sorted by the milter" \
	0 sh -c 'grep "^  X-Relance-Invoice: " "$1"' sh "$work/demo.out"

# final_table: invoice, state and step of the table after the answers.
final_table() {
	section "$work/demo.out" "the invoices now" | awk '/^F-DEMO-/ {
		for (i = 2; i <= NF; i++)
			if ($i ~ /^(open|paused|disputed|paid|closed)$/)
				break
		print $1, $i, $NF }' | sort
}
OUT=$(cat <<'EOF'
F-DEMO-01 paused reminder-1
F-DEMO-02 disputed reminder-1
F-DEMO-03 paid reminder-1
F-DEMO-04 open courtesy
F-DEMO-05 paused reminder-1
F-DEMO-06 open reminder-1
F-DEMO-07 open -
EOF
) expect "1: the final table: paused, disputed, paid, and the rest open" 0 final_table

# changes: the headline of each change, dates as DATE.
changes() {
	section "$work/demo.out" "what changed, and why" |
		grep -e '^F-DEMO-' -e '^unchanged' -e 'undeliverable' |
		sed 's/20[0-9][0-9]-[01][0-9]-[0-3][0-9]/DATE/g'
}
OUT=$(cat <<'EOF'
F-DEMO-01  Dupont & Fils SARL: open -> paused until DATE
F-DEMO-02  Martin Bâtiment: open -> disputed (the customer wrote "Je conteste")
F-DEMO-03  Acme Ltd: open -> paid
F-DEMO-05  Boulangerie Lefèvre: open -> paused until DATE
F-DEMO-06  Northwind Traders: open -> open
    undeliverable: ap@northwind.example
unchanged (no answer; their escalation goes on): F-DEMO-04, F-DEMO-07
EOF
) expect "1: what changed, and why" 0 changes
OUT=$(cat <<'EOF'
        paused until DATE: the customer replied
        disputed: the customer wrote "Je conteste"
        payment of 2500.00 EUR received on DATE; fully paid
        paused until DATE: the contact is away (out-of-office)
        mail to ap@northwind.example bounced for good: check the address;
EOF
) expect "1: why: the milter's events" 0 sh -c '
	sed -n "/^    [0-9:]*  \(paused\|disputed\|paid\|task\)  /{n;p}" "$1" |
		sed "s/20[0-9][0-9]-[01][0-9]-[0-3][0-9]/DATE/g"' sh "$work/demo.out"
# bounce_task: the task the bounce left, from "what is left for a person".
bounce_task() {
	section "$work/demo.out" "what is left for a person" |
		awk '/bounced for good/ { print $1 }'
}
OUT='F-DEMO-06.1' expect "1: the bounce left a task for a person" 0 bounce_task
OUT='F-DEMO-03: thanks thanks (email) to ap@acme.example: fully paid: thank the customer' \
	expect "1: and the next run would thank the customer who paid" 0 sh -c \
	'grep "^F-DEMO-03: " "$1" | tail -n 1' sh "$work/demo.out"

OUT='' expect "1: no process of the lab is left" 0 lab_procs "$lab"
OUT=$(cat <<EOF
done
  $lab
EOF
) expect "1: the lab's directory is named at the end" 0 sh -c \
	'sed -n "s/^== \(done\) in [0-9]* s$/\1/p; /files stay in$/{n;p}" "$1"' \
	sh "$work/demo.out"
OUT='6 at smtp-sink, 5 in the mailbox' \
	expect "1: the lab's files stay: the messages at smtp-sink and in the mailbox" \
	0 sh -c 'echo "$(ls "$1/sink" | wc -l) at smtp-sink, $(ls "$1/vmail/example.com/factures/new" | wc -l) in the mailbox"' \
	sh "$lab"
took=$(sed -n 's/^== done in \([0-9]*\) s$/\1/p' "$work/demo.out")
echo "# the demo took ${took:-?} s by its own count"
if [ -n "$took" ] && [ "$took" -lt 120 ]; then
	pass=$((pass + 1))
	echo "ok 1: under two minutes"
else
	fail=$((fail + 1))
	echo "FAIL 1: under two minutes (${took:-no time} s)"
fi

# ---- 2. --keep

demo "$work/keep" --keep
OUT=0 expect "2: contrib/quickstart.sh --keep exits 0" 0 cat "$work/keep.status"
if [ -n "$lab" ]; then
	OUT="  $lab/stop" expect "2: it says how to stop the lab" 0 sh -c \
		'sed -n "/^To stop the lab:$/{n;p}" "$1"' sh "$work/keep.out"
	expect "2: the lab's Postfix still runs" 0 sh -c \
		'postfix -c "$1/postfix" status 2>/dev/null' sh "$lab"
	# (the check below sees processes when there are)
	procs=$(lab_procs "$lab")
	if grep -q relance-milter <<<"$procs" && grep -q smtp-sink <<<"$procs" &&
		grep -q '^master ' <<<"$procs"; then
		pass=$((pass + 1))
		echo "ok 2: relance-milter, smtp-sink and Postfix's master run"
	else
		fail=$((fail + 1))
		echo "FAIL 2: relance-milter, smtp-sink and Postfix's master run (seen: $procs)"
	fi
	OUT="relance demo lab stopped; its files stay in $lab" \
		expect "2: the stop script stops it" 0 "$lab/stop"
	stopped() { [ -z "$(lab_procs "$lab")" ]; }
	for _ in $(seq 50); do
		stopped && break
		sleep 0.2
	done
	OUT='' expect "2: then no process of the lab is left" 0 lab_procs "$lab"
else
	echo "FAIL 2: the demo names its lab directory"
	fail=$((fail + 1))
fi

echo "# demo.sh: $(($(date +%s) - started)) s"
finish
