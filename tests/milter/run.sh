#!/usr/bin/env bash
# run.sh -- relance-milter under miltertest (OpenDKIM's): start it in the
# foreground on a unix socket in a temporary directory, with a state file
# made by the real `relance import`, run each tests/milter/*.lua against
# it, and check after each one the milter's log lines (exact, one per
# decision) and at the end the invoices (`relance show --json`, exact).
#
# Run by `make check` (which sets top_srcdir and top_builddir) or by hand;
# RELANCE and RELANCE_MILTER may name other binaries. As root, the milter
# drops its privileges to "nobody", as it would to "relance". Exits 78
# (skipped) without miltertest.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
relance=${RELANCE:-$top_builddir/src/relance}
milter=${RELANCE_MILTER:-$top_builddir/src/relance-milter}
. "$top_srcdir/tests/cli/lib.sh"

if ! command -v miltertest >/dev/null; then
	echo "SKIP: miltertest not found (apt-get install opendkim-tools)"
	exit 77
fi

work=$(mktemp -d /tmp/relance-milter.XXXXXX)
milter_pid=
lock_pid=
cleanup() {
	[ -n "$lock_pid" ] && kill "$lock_pid" 2>/dev/null
	if [ -n "$milter_pid" ] && kill -0 "$milter_pid" 2>/dev/null; then
		kill "$milter_pid"
		wait "$milter_pid" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

# 2026-11-23 10:30 in Paris, for both programs.
export RELANCE_NOW=1795426200
export SUDO_USER=clerk
user_opt=()
if [ "$(id -u)" -eq 0 ]; then
	user_opt=(-u nobody)
fi

cp -r "$top_srcdir/policies" "$work/policies"
cat >relance.conf <<EOF
# relance.conf for the milter tests
StateFile        $work/state.db
PolicyDir        $work/policies
TimeZone         Europe/Paris
ReplyAddress     factures@example.com
Socket           unix:$work/milter.sock
PidFile          $work/milter.pid
SpoolDir         $work/spool
InternalNetworks 127.0.0.0/8, 10.0.0.0/8
InternalDaemons  ORIGINATING
MaxBodySize      1K
ReminderSender   compta@example.com
ReminderSubject  "relance facture (F\d{4}-\d{4})"
EOF
r() { "$relance" -c "$work/relance.conf" "$@"; }
r import "$top_srcdir/tests/cli/data/invoices.csv" >/dev/null &&
	r pay F2026-0104 >/dev/null &&
	r dispute F2026-0103 \
		--reason "Marchandise non livrée, 100 % contestée" >/dev/null ||
	{ echo "FAIL: cannot prepare the state file"; exit 1; }
[ "$(id -u)" -eq 0 ] && chown -R nobody "$work"

# The milter's stderr without its "relance-milter[PID]: " prefixes and with
# the work directory as WORK.
unpid() { sed -e 's/^relance-milter\[[0-9]*\]: //' -e "s|$work|WORK|g"; }

# run_milter ARGS...: relance-milter to its end, its output unpid'ed.
run_milter() {
	local status
	"$milter" "$@" >"$work/stdout.raw" 2>"$work/stderr.raw"
	status=$?
	unpid <"$work/stdout.raw"
	unpid <"$work/stderr.raw" >&2
	return $status
}

# ---- start-up checks, before the daemon runs

OUT="WORK/relance.conf, WORK/policies: OK" \
	expect "-n checks the configuration and the policies" 0 \
	run_milter -c "$work/relance.conf" -n

printf 'Guard block\nSocket inet:99999@localhost\n' >bad.conf
ERR=$(cat <<'EOF'
WORK/bad.conf:1: Guard "block" is not a known value (expected reject, warn or off)
WORK/bad.conf:2: Socket "inet:99999@localhost" has no port from 1 to 65535 (expected unix:/path, inet:PORT@HOST or inet6:PORT@HOST, e.g. unix:/run/relance/relance-milter.sock)
EOF
) expect "a bad configuration names file and line, and stops" 78 \
	run_milter -c "$work/bad.conf" -f

if [ "$(id -u)" -eq 0 ]; then
	ERR='UserID "root" is root: refusing to run as root (expected an unprivileged user, e.g. relance)' \
		expect "refuses to run as root" 67 \
		run_milter -c "$work/relance.conf" -f -u root
	ERR='UserID "nosuchuser": no such user (expected an unprivileged user to run as, e.g. relance)' \
		expect "refuses an unknown user" 67 \
		run_milter -c "$work/relance.conf" -f -u nosuchuser
fi

# ---- the daemon

# wait_log TEXT [N]: until the log holds TEXT N times (1; at most 5 s).
wait_log() {
	for _ in $(seq 100); do
		[ "$(grep -cF "$1" "$work/milter.log")" -ge "${2:-1}" ] &&
			return 0
		sleep 0.05
	done
	return 1
}

"$milter" -c "$work/relance.conf" -f "${user_opt[@]}" 2>>"$work/milter.log" &
milter_pid=$!
wait_log "starting:"

# mt NAME [-D name=value]...: run tests/milter/NAME.lua.
mt() {
	local name=$1
	shift
	expect "$name.lua" 0 miltertest -D "socket=unix:$work/milter.sock" \
		-D "work=$work" -D "srcdir=$top_srcdir" "$@" \
		-s "$top_srcdir/tests/milter/$name.lua"
}

# The values the scripts saved (random IDs and Message-IDs), as names.
saved() {
	local f sub=()
	for f in reminder.mid warn.mid thanks.mid group.mid group2.mid reminder.id rule.id \
		warn.id thanks.id group.id; do
		[ -s "$work/$f" ] && sub+=(-e "s/$(sed 's/[.[*^$/]/\\&/g' \
			"$work/$f")/${f^^}/g")
	done
	if [ ${#sub[@]} -gt 0 ]; then sed "${sub[@]}"; else cat; fi
}

logged=0

# new_lines: the lines the milter logged since the last call, without
# prefixes, with the work directory, saved values and spool file names as
# names.
new_lines() {
	sed -n "$((logged + 1)),\$p" "$work/milter.log" | unpid | saved |
		sed 's/spool [0-9]\{10\}\.[0-9]\{6\}-[0-9a-f]\{8\}:/spool EVENT:/'
	logged=$((logged + $(sed -n "$((logged + 1)),\$p" "$work/milter.log" |
		wc -l)))
}

# check_log NAME: the lines logged since the last check are $OUT.
check_log() {
	local name=$1

	new_lines >"$work/new.log"
	expect "$name" 0 cat "$work/new.log"
}

OUT='relance-milter 0.1.0 starting: socket unix:WORK/milter.sock, state WORK/state.db, policy WORK/policies' \
	check_log "the daemon starts"

ERR='Socket unix:WORK/milter.sock: another milter answers there (is relance-milter already running?)' \
	expect "a second daemon does not take the socket over" 69 \
	run_milter -c "$work/relance.conf" -f "${user_opt[@]}"

mt reminder
OUT=$(cat <<'EOF'
R1: reminder for invoice F2026-0101 (X-Relance-Invoice, step reminder-1) tagged REMINDER.ID (new), Message-ID REMINDER.MID (added), 6 header changes, to compta@dupont.example
R2: reminder for invoice F2026-0101 (X-Relance-Invoice, step reminder-2) tagged REMINDER.ID, Message-ID <erp-42@example.com>, 4 header changes, to compta@dupont.example
R3: skipped: outgoing (client authenticated as clerk), not a reminder, no customer contact among the recipients
R4: outgoing mail: internal headers removed (1)
EOF
) check_log "reminders: one line each"

mt guard
OUT=$(cat <<'EOF'
G1: reminder for invoice F2026-0104 held back (Guard reject): invoice F2026-0104 was marked paid on 2026-11-23: payment of 450.00 EUR received on 2026-11-23; fully paid
G2: reminder for invoice F2026-0103 held back (Guard reject): invoice F2026-0103 was marked disputed on 2026-11-23: disputed: Marchandise non livrée, 100 % contestée
G4: reminder for invoice F2026-0104 (X-Relance-Invoice, step thanks) tagged THANKS.ID (new), Message-ID THANKS.MID (added), 6 header changes, to compta@dupont.example
G3: X-Relance-Invoice names invoice F2026-9999, which is unknown: not tracked
G3: unknown invoice: internal headers removed (2)
EOF
) check_log "guard: held back, and why; the thanks for a paid invoice goes out"

mt rule
OUT=$(cat <<'EOF'
T1: reminder for invoice F2026-0102 (ReminderSubject) tagged RULE.ID (new), Message-ID <outlook-7@example.com>, 3 header changes, to factures@martin.example
EOF
) check_log "rule: a reminder typed by hand"

mt contact
OUT=$(cat <<'EOF'
C1: outgoing mail to a customer contact: recorded as a manual contact
EOF
) check_log "contact: recorded"

mt incoming
OUT=$(cat <<'EOF'
I0: skipped: not outgoing (client 198.51.100.7 not authenticated, not internal), no dunning mailbox among the recipients
I1: X-Relance-* headers from outside removed
I2: reply from compta@dupont.example: invoice F2026-0101 (invoice match, weak): recorded for review: matched on a weak signal only (body cut at MaxBodySize)
I3: reply from compta@dupont.example: invoice F2026-0101 (subject-tag match): auto-reply: wait-return (open -> open)
I4: reply from compta@dupont.example: invoice F2026-0101 (reference match): reply: pause (open -> paused)
I5: reply from compta@dupont.example: invoice F2026-0101 (reference match): reply: pause (paused -> paused)
I6: skipped: not outgoing (client 198.51.100.7 not authenticated, not internal), no dunning mailbox among the recipients
EOF
) check_log "incoming: fast path, forged headers removed, a weak reply recorded for review, a tracking ID in the subject or a reminder's Message-ID read"

mt forged
OUT=$(cat <<'EOF'
F1: X-Relance-* headers from outside removed
F2: internal error: too many headers to read the reply (X-Relance-* headers from outside removed); mail passed unchanged (On-InternalError accept)
EOF
) check_log "forged: X-Relance-* headers removed behind 1,200 other fields"

mt abort
OUT=$(cat <<'EOF'
A2: skipped: outgoing (client 127.0.0.1 in 127.0.0.0/8), not a reminder, no customer contact among the recipients
A4: outgoing mail: internal headers removed (1)
A6: skipped: outgoing (client 127.0.0.1 in 127.0.0.0/8), not a reminder, no customer contact among the recipients
EOF
) check_log "abort: nothing left behind"

mt macros
OUT=$(cat <<'EOF'
NOQUEUE: skipped: not outgoing (client (unknown address) not authenticated, not internal), no dunning mailbox among the recipients
NOQUEUE: skipped: outgoing (daemon ORIGINATING), not a reminder, no customer contact among the recipients
NOQUEUE: reminder for invoice F2026-0102 (X-Relance-Invoice, step reminder-2) tagged RULE.ID, Message-ID <m3@example.com>, 5 header changes, to factures@martin.example
EOF
) check_log "missing macros"

# ---- never in the way of mail: the state file locked by another process

flock --no-fork -x "$work/state.db" sleep 60 &
lock_pid=$!
for _ in $(seq 100); do # until the lock is held
	flock -n -x "$work/state.db" true || break
	sleep 0.05
done
mt failopen -D qid=F1
OUT=$(cat <<'EOF'
F1: internal error: reminder for invoice F2026-0101 not tagged: WORK/state.db: state file busy (locked by another process; gave up after 200 ms); mail passed unchanged (On-InternalError accept)
F1: reminder-sent event spooled in WORK/spool, to be replayed when the state file is back
EOF
) check_log "locked state file: mail unchanged, event spooled"
OUT=1 expect "the event waits in the spool" 0 \
	sh -c 'ls "$1" | grep -c "^[0-9]"' sh "$work/spool"
kill "$lock_pid"
wait "$lock_pid" 2>/dev/null
lock_pid=
sleep 5.2 # the spool is replayed at most every 5 s
mt ping -D qid=P1
OUT=$(cat <<'EOF'
spool EVENT: reminder-sent F2026-0101: applied
spool: 1 applied, 0 already recorded, 0 without open invoice, 0 failed, 0 left
P1: skipped: not outgoing (client 198.51.100.7 not authenticated, not internal), no dunning mailbox among the recipients
EOF
) check_log "the spool is replayed at the next connection"
OUT= expect "the spool is empty" 0 ls "$work/spool"

# ---- reloading: edited policy files are picked up by themselves

policy=$work/policies/matching.policy
sed -i 's/^\tsubject-tag .*/\tsubject-tag     "[Ref {id}]"/' "$policy"
sleep 1.1 # policy files are looked at at most every second
mt connect
wait_log "configuration reloaded"
OUT=$(cat <<'EOF'
policy files changed in WORK/policies: reloading
configuration reloaded (policy files changed): WORK/relance.conf, policy WORK/policies
EOF
) check_log "an edited policy is reloaded"
mt tag -D qid=T2 -D "want=[Ref {id}]"
OUT='T2: reminder for invoice F2026-0102 (X-Relance-Invoice) tagged RULE.ID, Message-ID <T2@example.com>, 4 header changes, to factures@martin.example' \
	check_log "the new tag is used"

cp "$policy" "$work/matching.good"
sed -i 's/^\tsubject-tag .*/\tsubject-tag     "no id"/' "$policy"
sleep 1.1
mt connect
wait_log "reload refused"
line=$(grep -n $'^\tsubject-tag' "$policy" | cut -d: -f1)
OUT=$(cat <<EOF
policy files changed in WORK/policies: reloading
WORK/policies/matching.policy:$line: subject-tag "no id" does not hold {id} once, expected a text with one {id} such as "[Réf. {id}]"
reload refused: the running configuration and policy stay in force
EOF
) check_log "a broken policy is refused, naming file and line"
mt tag -D qid=T3 -D "want=[Ref {id}]"
OUT='T3: reminder for invoice F2026-0102 (X-Relance-Invoice) tagged RULE.ID, Message-ID <T3@example.com>, 4 header changes, to factures@martin.example' \
	check_log "the last good policy stays in force"
sleep 1.1
mt ping -D qid=P4
OUT='P4: skipped: not outgoing (client 198.51.100.7 not authenticated, not internal), no dunning mailbox among the recipients' \
	check_log "a refused policy is not retried"
cp "$work/matching.good" "$policy"

# ---- archiving never stands in the way: ArchiveDir cannot be made

cp "$work/relance.conf" "$work/relance.conf.good"
: >"$work/notadir"
echo "ArchiveDir       $work/notadir/archive" >>"$work/relance.conf"
kill -USR1 "$milter_pid"
wait_log "configuration reloaded (SIGUSR1)"
mt tag -D qid=T4 -D "want=[Ref {id}]"
OUT=$(cat <<'EOF'
configuration reloaded (SIGUSR1): WORK/relance.conf, policy WORK/policies
T4: not archived: ArchiveDir WORK/notadir/archive: cannot create: Not a directory; mail goes on
T4: reminder for invoice F2026-0102 (X-Relance-Invoice) tagged RULE.ID, Message-ID <T4@example.com>, 4 header changes, to factures@martin.example
EOF
) check_log "an archive that cannot be written: logged, the reminder tagged and recorded all the same"
cp "$work/relance.conf.good" "$work/relance.conf"

# ---- reloading on SIGUSR1: relance.conf now says Guard warn

echo "Guard            warn" >>"$work/relance.conf"
kill -USR1 "$milter_pid"
wait_log "configuration reloaded (SIGUSR1)" 2
OUT='configuration reloaded (SIGUSR1): WORK/relance.conf, policy WORK/policies' \
	check_log "SIGUSR1 reloads"
mt guard_warn
OUT=$(cat <<'EOF'
W1: reminder for invoice F2026-0103 goes out although (Guard warn): invoice F2026-0103 was marked disputed on 2026-11-23: disputed: Marchandise non livrée, 100 % contestée
W1: reminder for invoice F2026-0103 (X-Relance-Invoice) tagged WARN.ID (new), Message-ID WARN.MID (added), 5 header changes, to ap@acme.example; warning: invoice F2026-0103 is disputed
EOF
) check_log "Guard warn: goes out, logged, flagged"


# ---- On-InternalError tempfail: the mail is deferred, nothing spooled

echo "On-InternalError tempfail" >>"$work/relance.conf"
kill -USR1 "$milter_pid"
wait_log "configuration reloaded (SIGUSR1)" 3
flock --no-fork -x "$work/state.db" sleep 60 &
lock_pid=$!
for _ in $(seq 100); do
	flock -n -x "$work/state.db" true || break
	sleep 0.05
done
mt failopen -D qid=F2 -D tempfail=1
kill "$lock_pid"
wait "$lock_pid" 2>/dev/null
lock_pid=
OUT=$(cat <<'EOF'
configuration reloaded (SIGUSR1): WORK/relance.conf, policy WORK/policies
F2: internal error: reminder for invoice F2026-0101 not tagged: WORK/state.db: state file busy (locked by another process; gave up after 200 ms); mail deferred (On-InternalError tempfail)
EOF
) check_log "On-InternalError tempfail defers the mail"
OUT= expect "nothing was spooled" 0 ls "$work/spool"

# ---- the state afterwards

# ---- the archive: every reminder as it left, every reply recorded

OUT=$(cat <<'EOF'
20261123T093000Z-F1-out.eml
20261123T093000Z-G4-out.eml
20261123T093000Z-I2-in.eml
20261123T093000Z-I3-in.eml
20261123T093000Z-I4-in.eml
20261123T093000Z-I5-in.eml
20261123T093000Z-NOQUEUE-out.eml
20261123T093000Z-R1-out.eml
20261123T093000Z-R2-out.eml
20261123T093000Z-T1-out.eml
20261123T093000Z-T2-out.eml
20261123T093000Z-T3-out.eml
20261123T093000Z-W1-out.eml
EOF
) expect "the archive holds the reminders sent and the replies recorded, nothing else" \
	0 ls "$work/archive"
OUT=$(printf '700\n600') expect "the archive is private" 0 \
	stat -c '%a' "$work/archive" "$work/archive/20261123T093000Z-R1-out.eml"
OUT=$(printf '%s\n' "From: Exemple SARL <factures@example.com>" \
	"To: compta@dupont.example" \
	"Subject: Relance facture F2026-0101 =?UTF-8?Q?=5BR=C3=A9f=2E?= REMINDER.ID]" \
	"X-Relance-ID: REMINDER.ID" \
	"Reply-To: factures+reminder.id@example.com" "Message-ID: REMINDER.MID" "" "Bonjour," "" \
	"Veuillez trouver ...")
# the archived R1 with CRLF as LF and its random values as names
archived_r1() {
	local id mid
	id=$(cat "$work/reminder.id")
	mid=$(cat "$work/reminder.mid")
	tr -d '\r' <"$work/archive/20261123T093000Z-R1-out.eml" |
		sed -e "s/$mid/REMINDER.MID/g" -e "s/$id/REMINDER.ID/g" \
			-e "s/${id,,}/reminder.id/g"
}
expect "R1 archived as it left: our header changes applied, the body whole" \
	0 archived_r1
OUT=$(printf '%s\r\n' "" "Bonjour," "" "Veuillez trouver ...") \
	expect "lines end in CRLF, as the MTA gave the body" 0 \
	sed -n '/^\r$/,$p' "$work/archive/20261123T093000Z-R1-out.eml"

# notes: "HASH  NAME" of every archive note of the four invoices
notes() {
	for n in F2026-0101 F2026-0102 F2026-0103 F2026-0104; do
		r show --json "$n"
	done | grep -o 'archived as [^,]*, SHA-256 [0-9a-f]*' |
		sed 's/archived as \([^,]*\), SHA-256 \(.*\)/\2  \1/' | sort -k2
}
notes >"$work/notes"
OUT=$(ls "$work/archive" | sed 's/$/: OK/') \
	expect "every file is named by one event, with its SHA-256" \
	0 sh -c 'cd "$1/archive" && sha256sum -c "$1/notes"' sh "$work"

# show INVOICE: `relance show --json`, with the saved values, the
# source directory and the archive's hashes as names.
show() {
	r show --json "$1" | saved | sed -e "s|$top_srcdir|TOP|g" \
		-e 's/SHA-256 [0-9a-f]\{64\}/SHA-256 HASH/g'
}
OUT=$(cat <<'EOF'
{"invoice":"F2026-0101","customer":"C001","customer_name":"Dupont ; Fils SARL","state":"paused","amount_due":"1234.56","currency":"EUR","due_date":"2026-10-01","days_overdue":53,"last_step":"reminder-3","paused_until":"2026-11-30","amount_original":"1234.56","issue_date":"2026-09-01","profile":"default","language":"fr","pdf":null,"dispute_reason":null,"contacts":["compta@dupont.example"],"undeliverable":[],"tracking_ids":["REMINDER.ID"],"message_ids":["REMINDER.MID","<erp-42@example.com>","<erp-99@example.com>"],"history":[{"time":"2026-11-23T09:30:00Z","kind":"imported","actor":"relance import (clerk)","detail":"imported from TOP/tests/cli/data/invoices.csv"},{"time":"2026-11-23T09:30:00Z","kind":"reminder-sent","actor":"relance-milter","detail":"reminder-1 to compta@dupont.example, tracking ID REMINDER.ID, Message-ID REMINDER.MID, queue ID R1; archived as 20261123T093000Z-R1-out.eml, SHA-256 HASH"},{"time":"2026-11-23T09:30:00Z","kind":"reminder-sent","actor":"relance-milter","detail":"reminder-2 to compta@dupont.example, tracking ID REMINDER.ID, Message-ID <erp-42@example.com>, queue ID R2; archived as 20261123T093000Z-R2-out.eml, SHA-256 HASH"},{"time":"2026-11-23T09:30:00Z","kind":"review","actor":"relance-milter","detail":"reply from compta@dupont.example, not acted on (matched on a weak signal only): signal invoice: F2026-0101; queue ID I2; archived as 20261123T093000Z-I2-in.eml, SHA-256 HASH"},{"time":"2026-11-23T09:30:00Z","kind":"auto-reply","actor":"relance-milter","detail":"auto-reply from compta@dupont.example: header Auto-Submitted: auto-replied; queue ID I3; archived as 20261123T093000Z-I3-in.eml, SHA-256 HASH"},{"time":"2026-11-23T09:30:00Z","kind":"reply","actor":"relance-milter","detail":"reply from compta@dupont.example: signal reference: <erp-42@example.com>; queue ID I4; archived as 20261123T093000Z-I4-in.eml, SHA-256 HASH"},{"time":"2026-11-23T09:30:00Z","kind":"paused","actor":"relance-milter","detail":"paused until 2026-11-30: the customer replied"},{"time":"2026-11-23T09:30:00Z","kind":"reply","actor":"relance-milter","detail":"reply from compta@dupont.example: signal reference: <erp-42@example.com>; queue ID I5; archived as 20261123T093000Z-I5-in.eml, SHA-256 HASH"},{"time":"2026-11-23T09:30:00Z","kind":"reminder-sent","actor":"relance-milter","detail":"reminder-3 to compta@dupont.example, Message-ID <erp-99@example.com>, queue ID F1; archived as 20261123T093000Z-F1-out.eml, SHA-256 HASH"}]}
EOF
) expect "F2026-0101: two reminders tagged, the third replayed from the spool" \
	0 show F2026-0101

OUT=$(cat <<'EOF'
{"invoice":"F2026-0102","customer":"C002","customer_name":"Martin\r\nBâtiment","state":"open","amount_due":"980.00","currency":"EUR","due_date":"2026-10-15","days_overdue":39,"last_step":"reminder-2","paused_until":null,"amount_original":"980.00","issue_date":"2026-09-15","profile":"bad","language":"fr","pdf":"/srv/factures/F2026-0102.pdf","dispute_reason":null,"contacts":["factures@martin.example","jean.martin@martin.example"],"undeliverable":[],"tracking_ids":["RULE.ID"],"message_ids":["<outlook-7@example.com>","<m3@example.com>","<T2@example.com>","<T3@example.com>","<T4@example.com>"],"history":[{"time":"2026-11-23T09:30:00Z","kind":"imported","actor":"relance import (clerk)","detail":"imported from TOP/tests/cli/data/invoices.csv"},{"time":"2026-11-23T09:30:00Z","kind":"reminder-sent","actor":"relance-milter","detail":"reminder to factures@martin.example, tracking ID RULE.ID, Message-ID <outlook-7@example.com>, queue ID T1; archived as 20261123T093000Z-T1-out.eml, SHA-256 HASH"},{"time":"2026-11-23T09:30:00Z","kind":"contact","actor":"relance-milter","detail":"mail from alice@example.com to Jean.Martin@martin.example, boss@example.com, Subject \"Votre appel d'hier\", Message-ID <alice-1@example.com>, queue ID C1"},{"time":"2026-11-23T09:30:00Z","kind":"reminder-sent","actor":"relance-milter","detail":"reminder-2 to factures@martin.example, tracking ID RULE.ID, Message-ID <m3@example.com>, queue ID NOQUEUE; archived as 20261123T093000Z-NOQUEUE-out.eml, SHA-256 HASH"},{"time":"2026-11-23T09:30:00Z","kind":"reminder-sent","actor":"relance-milter","detail":"reminder to factures@martin.example, tracking ID RULE.ID, Message-ID <T2@example.com>, queue ID T2; archived as 20261123T093000Z-T2-out.eml, SHA-256 HASH"},{"time":"2026-11-23T09:30:00Z","kind":"reminder-sent","actor":"relance-milter","detail":"reminder to factures@martin.example, tracking ID RULE.ID, Message-ID <T3@example.com>, queue ID T3; archived as 20261123T093000Z-T3-out.eml, SHA-256 HASH"},{"time":"2026-11-23T09:30:00Z","kind":"reminder-sent","actor":"relance-milter","detail":"reminder to factures@martin.example, tracking ID RULE.ID, Message-ID <T4@example.com>, queue ID T4"}]}
EOF
) expect "F2026-0102: typed reminder, manual contact, one ID throughout" \
	0 show F2026-0102

OUT=$(cat <<'EOF'
{"invoice":"F2026-0103","customer":"C003","customer_name":"Acme Ltd","state":"disputed","amount_due":"2500.00","currency":"EUR","due_date":"2026-11-19","days_overdue":4,"last_step":null,"paused_until":null,"amount_original":"2500.00","issue_date":"2026-10-20","profile":"good","language":"en","pdf":null,"dispute_reason":"Marchandise non livrée, 100 % contestée","contacts":["ap@acme.example"],"undeliverable":[],"tracking_ids":["WARN.ID"],"message_ids":["WARN.MID"],"history":[{"time":"2026-11-23T09:30:00Z","kind":"imported","actor":"relance import (clerk)","detail":"imported from TOP/tests/cli/data/invoices.csv"},{"time":"2026-11-23T09:30:00Z","kind":"disputed","actor":"relance dispute (clerk)","detail":"disputed: Marchandise non livrée, 100 % contestée"},{"time":"2026-11-23T09:30:00Z","kind":"reminder-held","actor":"relance-milter","detail":"reminder-2 to ap@acme.example held back (Guard reject): invoice F2026-0103 was marked disputed on 2026-11-23: disputed: Marchandise non livrée, 100 % contestée; queue ID G2"},{"time":"2026-11-23T09:30:00Z","kind":"reminder-sent","actor":"relance-milter","detail":"reminder to ap@acme.example, tracking ID WARN.ID, Message-ID WARN.MID, queue ID W1; sent although invoice F2026-0103 is disputed (Guard warn); archived as 20261123T093000Z-W1-out.eml, SHA-256 HASH"}]}
EOF
) expect "F2026-0103: held back, then sent with a warning" 0 show F2026-0103

OUT=$(cat <<'EOF'
{"invoice":"F2026-0104","customer":"C001","customer_name":"Dupont ; Fils SARL","state":"paid","amount_due":"0.00","currency":"EUR","due_date":"2026-12-01","days_overdue":0,"last_step":"thanks","paused_until":null,"amount_original":"450.00","issue_date":"2026-11-01","profile":"default","language":"fr","pdf":null,"dispute_reason":null,"contacts":["compta@dupont.example"],"undeliverable":[],"tracking_ids":["THANKS.ID"],"message_ids":["THANKS.MID"],"history":[{"time":"2026-11-23T09:30:00Z","kind":"imported","actor":"relance import (clerk)","detail":"imported from TOP/tests/cli/data/invoices.csv"},{"time":"2026-11-23T09:30:00Z","kind":"paid","actor":"relance pay (clerk)","detail":"payment of 450.00 EUR received on 2026-11-23; fully paid"},{"time":"2026-11-23T09:30:00Z","kind":"reminder-held","actor":"relance-milter","detail":"reminder-2 to compta@dupont.example held back (Guard reject): invoice F2026-0104 was marked paid on 2026-11-23: payment of 450.00 EUR received on 2026-11-23; fully paid; queue ID G1"},{"time":"2026-11-23T09:30:00Z","kind":"reminder-sent","actor":"relance-milter","detail":"thanks to compta@dupont.example, tracking ID THANKS.ID, Message-ID THANKS.MID, queue ID G4; archived as 20261123T093000Z-G4-out.eml, SHA-256 HASH"}]}
EOF
) expect "F2026-0104: held back, the attempt recorded" 0 show F2026-0104

# ---- a grouped reminder: one mail for two invoices of a customer

cat >group.csv <<'EOF'
N° facture;Client;Nom;Courriel;Montant;Devise;Date;Échéance;Profil;Langue;Fichier
G9-1;C009;Neuf SA;compta@neuf.example;100,00;EUR;01/10/2026;31/10/2026;default;fr;
G9-2;C009;Neuf SA;compta@neuf.example;200,00;EUR;05/10/2026;04/11/2026;default;fr;
EOF
r import group.csv >/dev/null
mt group
OUT=$(cat <<'EOF'
M1: reminder for invoice G9-1 (X-Relance-Invoice, step reminder-1) tagged GROUP.ID (new), Message-ID GROUP.MID (added), 6 header changes, to compta@neuf.example
M2: reminder for invoice F2026-0101 goes out although (Guard warn): invoice F2026-0101 was marked paused on 2026-11-23: reply from compta@dupont.example: signal reference: <erp-42@example.com>; queue ID I5
M2: reminder for invoice F2026-0104 goes out although (Guard warn): invoice F2026-0104 was marked paid on 2026-11-23: payment of 450.00 EUR received on 2026-11-23; fully paid
M2: reminder for invoice F2026-0101 (X-Relance-Invoice, step reminder-2) tagged REMINDER.ID, Message-ID GROUP2.MID (added), 6 header changes, to compta@dupont.example; warning: invoice F2026-0101 is paused; invoice F2026-0104 is paid
M3: reply from compta@neuf.example: invoice G9-1 (subject-tag match): reply: pause (open -> paused); the same for G9-2
EOF
) check_log "group: tagged once for both, guarded over the list (Guard warn), a reply pauses both"
# states: the state, last step and tracking IDs of each
states() {
	for n in G9-1 G9-2; do
		r show --json "$n" | saved |
			grep -o '"state":"[a-z]*"\|"last_step":[a-z0-9"-]*\|"tracking_ids":\[[^]]*\]' |
			tr '\n' ' '
		echo
	done
}
OUT=$(cat <<'EOF'
"state":"paused" "last_step":null "tracking_ids":["GROUP.ID"] 
"state":"paused" "last_step":null "tracking_ids":["GROUP.ID"] 
EOF
) expect "group: both invoices hold the one tracking ID, and wait" 0 states

# ---- stopping: SIGTERM (libmilter's), pid file removed

kill "$milter_pid"
wait "$milter_pid"
status=$?
milter_pid=
OUT=0 expect "SIGTERM stops the milter cleanly" 0 echo "$status"
OUT='stopping: 4 internal errors since start' check_log "the count of errors"
expect "the pid file is removed" 1 test -e "$work/milter.pid"

# ---- relance evidence, from the state and archive the milter made

cd "$work"
OUT='evidence for invoice F2026-0101 in ev: 8 documents, 0 problems' \
	expect "evidence: the file of F2026-0101" 0 r evidence F2026-0101 --out ev
OUT=$(cat <<'EOF'
index.html
index.pdf
mail/20261123T093000Z-F1-out.eml
mail/20261123T093000Z-I2-in.eml
mail/20261123T093000Z-I3-in.eml
mail/20261123T093000Z-I4-in.eml
mail/20261123T093000Z-I5-in.eml
mail/20261123T093000Z-M2-out.eml
mail/20261123T093000Z-R1-out.eml
mail/20261123T093000Z-R2-out.eml
timeline.txt
EOF
) expect "evidence: SHA256SUMS lists every file, sorted" 0 cut -c67- ev/SHA256SUMS
OUT= expect "evidence: sha256sum -c checks the directory" 0 \
	sh -c 'cd ev && sha256sum --quiet -c SHA256SUMS'
OUT=$(r show --json F2026-0101 | grep -o 'archived as [^,]*, SHA-256 [0-9a-f]*' |
	sed 's|archived as \([^,]*\), SHA-256 \(.*\)|\2  mail/\1|' | sort -k2) \
	expect "evidence: each message's hash is the one recorded when it passed" \
	0 grep '  mail/' ev/SHA256SUMS
OUT=$(cat <<'EOF'
Evidence file
Invoice F2026-0101
Customer: Dupont ; Fils SARL (C001)
Amount due: 1234.56 EUR
State: paused
Documents
- mail/20261123T093000Z-R1-out.eml SHA-256
Tasks
Timeline
EOF
) expect "evidence: index.pdf says the key lines" 0 sh -c \
	'pdftotext ev/index.pdf - | grep -x -e "Evidence file" -e "Invoice F2026-0101" -e "Customer: .*" -e "Amount due: .*" -e "State: .*" -e Documents -e Tasks -e Timeline -e "- mail/.*-R1-out.eml SHA-256"'
OUT=8 expect "evidence: index.html links every message, each matching" 0 \
	grep -c '<a href="mail/.*matches the hash recorded' ev/index.html
ERR='relance: evidence: ev: not empty (expected a new or empty directory: an evidence file is made whole, never merged into another)' \
	expect "evidence: a directory that is not empty is refused" 73 \
	r evidence F2026-0101 --out ev
ERR='relance: evidence: unknown invoice "F9"' \
	expect "evidence: an unknown invoice" 65 r evidence F9 --out ev2
# a changed archive and a missing one: said loudly, in the index too
# ev2: relance evidence into ev2, its stderr with names for what varies
ev2() {
	local st=0
	r evidence F2026-0101 --out ev2 2>"$work/ev2.err" || st=$?
	sed -e "s|$work|WORK|g" -e 's/recorded [0-9a-f]\{64\}/recorded RECORDED/' \
		"$work/ev2.err" >&2
	return $st
}
echo tampered >>archive/20261123T093000Z-R2-out.eml
rm archive/20261123T093000Z-I2-in.eml
r2=$(sha256sum archive/20261123T093000Z-R2-out.eml | cut -c1-64)
OUT='evidence for invoice F2026-0101 in ev2: 8 documents, 2 problems' \
ERR=$(cat <<EOF
relance: evidence: mail/20261123T093000Z-R2-out.eml: MISMATCH: WORK/archive/20261123T093000Z-R2-out.eml has SHA-256 $r2, but reminder-sent 2026-11-23 09:30:00 UTC recorded RECORDED when the message passed: the archived copy was changed
relance: evidence: mail/20261123T093000Z-I2-in.eml: missing: WORK/archive/20261123T093000Z-I2-in.eml: cannot read: No such file or directory (named by review 2026-11-23 09:30:00 UTC)
EOF
) expect "evidence: a changed or missing message is reported, exit 65" 65 \
	ev2
OUT=2 expect "evidence: the index flags both" 0 grep -c 'class="bad"' ev2/index.html

finish
