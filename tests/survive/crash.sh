#!/usr/bin/env bash
# crash.sh -- crashes and contention: nothing lost, nothing doubled
# (issue 7). Three parts, each in a lab of its own
# (tests/integration/lab.sh: a throwaway Postfix on loopback with
# relance-milter, smtp-sink as the next hop, virtual(8) delivery of the
# dunning mailbox into a Maildir); the mail side is tests/survive/crash.py.
#
# 1. milter: relance-milter killed (SIGKILL) at random moments, and
#    restarted as systemd would, while N messages flow (short form 500,
#    long form 2000): reminders through the submission service
#    (X-Relance-Invoice), customer replies to the dunning mailbox's
#    plus-addresses, ordinary mail. Every message Postfix accepted is
#    delivered once (smtp-sink and Maildir, by Message-ID); the state file
#    passes `relance fsck --dry-run` right after the last crash; every
#    message the milter saw at its end (a reminder tagged X-Relance-ID, a
#    reply marked X-Relance-Class) has its event in the state or in the
#    spool, never twice. After a final restart the spool is empty. A
#    message that went through while the milter was down was not seen by
#    it (milter_default_action = accept): for replies `relance replay` of
#    the Maildir records them, and then every reply has its event; a
#    reminder that went out untagged has no event, and is counted.
# 2. run: `relance run` killed (SIGKILL) after a random delay, again and
#    again, over 50 invoices due (long form 200) until a run finishes by
#    itself; once Postfix's queue is empty, the sends it reports as
#    needing a person are settled with `relance confirm` (sent when the
#    Message-ID is at smtp-sink, not-sent otherwise) and a last run sends
#    those: every reminder at smtp-sink exactly once, none missing.
# 3. contention: 8 `relance` writers in a loop (pause, resume, partial
#    payment, dispute, resolve, each on invoices of its own) while mail
#    flows through the milter, 15 s (long form 60 s): every command that
#    exited 0 has its event, once, in the history (and the amount due adds
#    up); no command hangs; no error but "state file busy" (exit 75),
#    retried and counted.
#
# Figures ("figure: NAME VALUE"): see each part. Needs root and Postfix
# like tests/integration/run.sh; exits 77 without them. SURVIVE_LONG=1 for
# the long form; LAB_KEEP=1 keeps the labs.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
if [ -z "${top_builddir:-}" ]; then
	top_builddir=$top_srcdir
	[ -x "$top_srcdir/_build/src/relance-milter" ] &&
		top_builddir=$top_srcdir/_build
fi
. "$top_srcdir/tests/integration/lab.sh"
. "$top_srcdir/tests/survive/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (Postfix's master, the milter's privilege drop)"
	exit 77
fi
for tool in postfix sendmail smtp-sink python3 flock ss timeout; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool not found (apt-get install postfix python3 util-linux iproute2 coreutils)"
		exit 77
	fi
done
postfix_sendmail=$(command -v sendmail)

long=${SURVIVE_LONG:-0}
if [ "$long" = 1 ]; then
	n_mail=2000 n_run=200 contention_s=60
else
	n_mail=500 n_run=50 contention_s=15
fi

# 2026-11-23 10:30 in Paris for relance and relance-milter (a Monday,
# inside the default send window). Postfix keeps the real clock.
export RELANCE_NOW=1795426200
export SUDO_USER=clerk
D=2026-11-23

started=$(date +%s)
trap lab_teardown EXIT
trap 'exit 130' INT TERM


# csv FILE PREFIX FROM COUNT AMOUNT ISSUE DUE [PDF]: COUNT invoices
# PREFIX-FROM and on, contact compta@NUMBER.example (lower case).
csv() {
	local i num
	{
		echo "N° facture;Client;Nom;Courriel;Montant;Devise;Date;Échéance;Profil;Langue;Fichier"
		for ((i = $3; i < $3 + $4; i++)); do
			num=$2-$i
			echo "$num;C$i;Client $i SARL;compta@${num,,}.example;$5;EUR;$6;$7;default;fr;${8:-}"
		done
	} >"$1"
}

# dump_state FILE INVOICE...: `relance show --json` of each, a line each.
dump_state() {
	local out=$1 n
	shift
	: >"$out"
	for n in "$@"; do
		lab_relance show --json "$n" >>"$out" || return 1
	done
}

# rand_ms MIN MAX: a random number of milliseconds, as seconds for sleep.
rand_s() {
	local ms=$(($1 + RANDOM % ($2 - $1 + 1)))
	printf '%d.%03d' $((ms / 1000)) $((ms % 1000))
}

spool_failed() {
	find "$lab_spool/failed" -type f 2>/dev/null | wc -l
}

# tracking_ids INVOICE...: "INVOICE CONTACT TRACKING-ID" a line each, the
# invoice's first contact and first tracking ID.
tracking_ids() {
	local n
	for n in "$@"; do
		lab_relance show --json "$n" | python3 -c '
import json, sys
inv = json.load(sys.stdin)
print(inv["invoice"], inv["contacts"][0],
      inv["tracking_ids"][0] if inv["tracking_ids"] else "-")'
	done
}

# send_conf FILE PREFIX COUNT SECONDS REMINDERS REPLY-TSV [ONLY]: crash.py's
# send configuration: reminders to the invoices in REMINDERS (space
# separated), replies to those of REPLY-TSV (tracking_ids's output);
# ONLY "reminder" for reminders only.
send_conf() {
	python3 - "$1" "$2" "$3" "$4" "$5" "$6" "${7:-}" "$lab_smtp" "$lab_sub" <<'EOF'
import json, sys
out, prefix, count, seconds, rem, replies, only, mx, sub = sys.argv[1:]
rep = {}
with open(replies) as f:
    for line in f:
        n, contact, tid = line.split()
        rep[n] = [contact, tid]
with open(out, "w") as f:
    json.dump({"mx": int(mx), "sub": int(sub), "count": int(count),
               "seconds": int(seconds), "threads": 4, "prefix": prefix,
               "reminders": rem.split(), "replies": rep, "only": only}, f)
EOF
}

# first_reminders TAG INVOICE...: one reminder each through the
# submission port (crash.py, one at a time), so that each invoice has a
# tracking ID for the replies to use; a reminder the milter could only
# spool (state file busy: untagged) is sent again, 3 times at most. Fails
# when an invoice still has no tracking ID.
first_reminders() {
	local tag=$1 try
	shift
	local todo=("$@")
	for try in 1 2 3; do
		: >"$lab/msg/$tag-first.tsv"
		send_conf "$lab/msg/$tag-first.json" "$tag-first$try" \
			"${#todo[@]}" 0 "${todo[*]}" "$lab/msg/$tag-first.tsv" \
			reminder
		sed -i 's/"threads": 4/"threads": 1/' "$lab/msg/$tag-first.json"
		python3 -B "$here/crash.py" send "$lab/msg/$tag-first.json" \
			"$lab/msg/$tag-first.sent" || return 1
		tracking_ids "$@" >"$lab/msg/$tag-ids.tsv"
		mapfile -t todo < <(sed -n 's/ .* -$//p' "$lab/msg/$tag-ids.tsv")
		[ "${#todo[@]}" -eq 0 ] && return 0
	done
	return 1
}

# ====================================================================
# 1. relance-milter killed while mail flows

part_milter() {
	local rem rep sender kills=0 rc out fsck_rc csvf
	echo "# 1. milter: setting up"
	csvf=$(mktemp /tmp/relance-crash-csv.XXXXXX) || return
	csv "$csvf" F2026 1001 40 "1 234,56" 01/09/2026 01/10/2026
	lab_setup "$csvf"
	rc=$?
	rm -f "$csvf"
	if [ "$rc" -ne 0 ]; then
		not_ok "1: the lab starts" "see above"
		return
	fi
	# invoices 1001-1020 get reminders, 1021-1040 replies (a reply
	# pauses its invoice, and the Guard would then refuse a reminder)
	rem=$(numbers F2026 1001 20 | tr '\n' ' ')
	mapfile -t rep < <(numbers F2026 1021 20)
	if ! first_reminders p1 "${rep[@]}"; then
		not_ok "1: the invoices replied to have a tracking ID" \
			"$(grep ' -$' "$lab/msg/p1-ids.tsv" | head -n 3)"
		return
	fi
	send_conf "$lab/msg/p1.json" crash "$n_mail" 0 "$rem" \
		"$lab/msg/p1-ids.tsv"

	echo "# 1. milter: $n_mail messages, the milter killed at random"
	python3 -B "$here/crash.py" send "$lab/msg/p1.json" "$lab/msg/p1.sent" &
	sender=$!
	lab_track "$sender"
	while ! lab_gone "$sender"; do
		sleep "$(rand_s 1000 7000)"
		lab_gone "$sender" && break
		lab_kill_milter
		kills=$((kills + 1))
		sleep "$(rand_s 0 300)"
		lab_start_milter || {
			not_ok "1: the milter restarts after kill $kills" \
				"see above"
			return
		}
	done
	wait "$sender"
	rc=$?
	check "1: crash.py sent its $n_mail messages" 0 "$rc"
	# the last crash: the state file as it is left
	lab_kill_milter
	kills=$((kills + 1))
	lab_relance fsck --dry-run >"$lab/log/fsck1.out" 2>&1
	fsck_rc=$?
	check "1: relance fsck --dry-run right after the last crash finds nothing to repair" \
		0 "$fsck_rc"
	[ "$fsck_rc" -ne 0 ] && sed 's/^/# /' "$lab/log/fsck1.out"
	lab_start_milter || {
		not_ok "1: the milter restarts after the last crash" "see above"
		return
	}
	lab_wait 120 queue_empty
	if drain_spool 30; then
		ok "1: after the restart, the spool is empty"
	else
		not_ok "1: after the restart, the spool is empty" \
			"$(spool_files) files left"
	fi
	check "1: nothing in SpoolDir/failed" 0 "$(spool_failed)"
	lab_wait 60 queue_empty
	check "1: nothing left in Postfix's queue" \
		'Mail queue is empty' "$(postqueue -c "$lab/postfix" -p 2>&1)"

	dump_state "$lab/msg/p1.state" $rem "${rep[@]}"
	out=$(python3 -B "$here/crash.py" mail "$lab/msg/p1.sent" "$lab/sink" \
		"$lab_maildir" "$lab/msg/p1.state" "$lab_spool")
	rc=$?
	echo "$out" | grep -v '^figure: \(unrecorded-reminders\|unrecorded-replies\)'
	check "1: every message accepted delivered once; every message the milter saw recorded once" \
		0 "$rc"
	local recorded unrec
	recorded=$(echo "$out" | sed -n 's/^figure: events-recorded //p')
	unrec=$(echo "$out" | sed -n 's/^figure: unrecorded-replies //p')
	figure kills "$kills"

	# the mail the milter did not see: relance replay of the Maildir
	lab_relance replay "$lab_maildir" >"$lab/log/replay.out" 2>&1
	rc=$?
	check "1: relance replay of the Maildir" 0 "$rc"
	[ "$rc" -ne 0 ] && tail -n 3 "$lab/log/replay.out" | sed 's/^/# /'
	dump_state "$lab/msg/p1.state2" $rem "${rep[@]}"
	out=$(python3 -B "$here/crash.py" mail "$lab/msg/p1.sent" "$lab/sink" \
		"$lab_maildir" "$lab/msg/p1.state2" "$lab_spool")
	rc=$?
	local recorded2 unrec2
	recorded2=$(echo "$out" | sed -n 's/^figure: events-recorded //p')
	unrec2=$(echo "$out" | sed -n 's/^figure: unrecorded-replies //p')
	figure events-replayed $((recorded2 - recorded))
	figure reminders-unrecorded \
		"$(echo "$out" | sed -n 's/^figure: unrecorded-reminders //p')"
	check "1: after the replay, still nothing recorded twice" 0 "$rc"
	check "1: the replay recorded each reply the milter missed ($unrec)" \
		"$unrec" $((recorded2 - recorded))
	check "1: after the replay every reply has its event" 0 "$unrec2"
	check "1: after the replay, no event missing" 0 \
		"$(echo "$out" | sed -n 's/^figure: events-missing //p')"
	figure events-recorded-after-replay "$recorded2"
	lab_stop_milter
	lab_relance fsck --dry-run >"$lab/log/fsck2.out" 2>&1
	check "1: relance fsck --dry-run at the end" 0 $?
	echo "# 1. milter: $(($(date +%s) - started)) s so far"
	lab_teardown
}

# ====================================================================
# 2. relance run killed at random points

part_run() {
	local runs=0 kills=0 rc pid out m n i status
	local confirmed_sent=0 confirmed_not=0 needs=0
	echo "# 2. run: setting up"
	# a reminder is due on 2026-11-23 for each (the same PDF for all)
	local csvf
	csvf=$(mktemp /tmp/relance-crash-csv.XXXXXX) || return
	csv "$csvf" F2026 2001 "$n_run" "75,50" 09/10/2026 08/11/2026 \
		"$top_srcdir/tests/integration/data/invoice.pdf"
	lab_setup "$csvf"
	rc=$?
	rm -f "$csvf"
	if [ "$rc" -ne 0 ]; then
		not_ok "2: the lab starts" "see above"
		return
	fi
	cat >>"$lab_conf" <<EOF
Sendmail         $lab/sendmail
IBAN             FR7630006000011234567890189
BIC              AGRIFRPP
PaymentLink      https://pay.example.com/{invoice}?a={amount}
EOF
	cat >"$lab/sendmail" <<EOF
#!/bin/sh
# Postfix's sendmail(1) on the lab's configuration.
exec "$postfix_sendmail" -C "$lab/postfix" "\$@"
EOF
	chmod 0755 "$lab/sendmail"

	echo "# 2. run: $n_run invoices due, relance run killed at random"
	for ((i = 0; i < 1000; i++)); do
		"$lab_relance" -c "$lab_conf" run --date "$D" \
			>"$lab/log/run$i.out" 2>&1 &
		pid=$!
		sleep "$(rand_s 5 100)"
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		status=$?
		runs=$((runs + 1))
		if [ "$status" -eq 137 ]; then
			kills=$((kills + 1))
		elif ! grep -q '^[0-9]* sent, ' "$lab/log/run$i.out"; then
			not_ok "2: relance run $i" "exit $status: $(tail -n 1 "$lab/log/run$i.out")"
			return
		elif ! grep -q ': send ' "$lab/log/run$i.out"; then
			break # finished by itself, nothing left to send
		fi
	done
	figure invoices "$n_run"
	figure run-kills "$kills"
	figure runs $((runs + 1))
	# a person reads the mail log once Postfix is done
	lab_wait 60 queue_empty
	sleep 1
	lab_wait 60 queue_empty
	"$lab_relance" -c "$lab_conf" run --date "$D" >"$lab/log/run-a.out" 2>&1
	status=$?
	runs=$((runs + 1))
	while read -r n m; do
		needs=$((needs + 1))
		if [ "$(grep -lF "Message-ID: $m" "$lab"/sink/* 2>/dev/null |
			wc -l)" -gt 0 ]; then
			lab_relance confirm "$n" sent --note "in the mail log" \
				>>"$lab/log/confirm.out" 2>&1 &&
				confirmed_sent=$((confirmed_sent + 1))
		else
			lab_relance confirm "$n" not-sent --note "not in the mail log" \
				>>"$lab/log/confirm.out" 2>&1 &&
				confirmed_not=$((confirmed_not + 1))
		fi
	done < <(sed -n 's/^\([^:]*\): error [^:]*: needs a person: was .* sent? (Message-ID \(<[^>]*>\))$/\1 \2/p' \
		"$lab/log/run-a.out")
	figure needs-a-person "$needs"
	figure confirmed-sent "$confirmed_sent"
	figure confirmed-not-sent "$confirmed_not"
	check "2: every send left for a person is settled by relance confirm" \
		"$needs" $((confirmed_sent + confirmed_not))
	if [ "$needs" -eq 0 ]; then
		check "2: the rerun finishes" 0 "$status"
	else
		check "2: the rerun asks a person (exit 75)" 75 "$status"
	fi
	lab_relance run --date "$D" >"$lab/log/run-b.out" 2>&1
	check "2: the run after relance confirm finishes (exit 0)" 0 $?
	runs=$((runs + 1))
	check "2: it sends what was confirmed not sent" \
		"$confirmed_not sent, " \
		"$(grep -o '^[0-9]* sent, ' "$lab/log/run-b.out")"
	lab_relance run --date "$D" >"$lab/log/run-c.out" 2>&1
	check "2: one more run: nothing left to send, no error" \
		"0 sent, 0 letters, 0 tasks, $n_run skipped, 0 errors" \
		"$(tail -n 1 "$lab/log/run-c.out")"
	lab_wait 60 queue_empty
	sleep 1
	lab_wait 60 queue_empty

	# every invoice's reminder at smtp-sink exactly once
	out=$(python3 - "$lab/sink" "$RELANCE_NOW" $(numbers F2026 2001 "$n_run") <<'EOF'
import email, email.policy, os, re, sys
sink, now, invs = sys.argv[1], sys.argv[2], sys.argv[3:]
count = {}
for n in os.listdir(sink):
    with open(os.path.join(sink, n), "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.compat32)
    mid = (m.get("Message-ID") or "").strip()
    count[mid] = count.get(mid, 0) + 1
# relance run's Message-IDs: <run.NUMBER.STEP.NOW@example.com>
per = {}
for mid, c in count.items():
    r = re.match(r"<run\.(.*)\.[a-z0-9-]+\.%s@example\.com>$" % now, mid)
    if r:
        per.setdefault(r.group(1), []).append(c)
want = [mid for mid in count if mid.startswith("<run.")]
once = sum(1 for n in invs if per.get(n) == [1])
twice = [n for n in invs if sum(per.get(n, [])) > 1]
missing = [n for n in invs if n not in per]
print("figure: reminders-at-sink %d" % sum(count.get(w, 0) for w in want))
print("figure: sent-once %d" % once)
print("figure: sent-twice %d" % len(twice))
print("figure: never-sent %d" % len(missing))
print("figure: other-at-sink %d" % sum(v for k, v in count.items()
                                         if k not in want))
for w in (twice + missing)[:10]:
    print("# twice or missing: " + w)
EOF
	)
	echo "$out"
	check "2: each of the $n_run reminders at smtp-sink exactly once" \
		"$n_run" "$(echo "$out" | sed -n 's/^figure: sent-once //p')"
	check "2: nothing sent twice" 0 \
		"$(echo "$out" | sed -n 's/^figure: sent-twice //p')"
	lab_relance fsck --dry-run >"$lab/log/fsck.out" 2>&1
	check "2: relance fsck --dry-run after the crashes" 0 $?
	echo "# 2. run: $(($(date +%s) - started)) s so far"
	lab_teardown
}

# ====================================================================
# 3. contention: 8 writers and the milter

# writer W INVOICE... : until $deadline, cycle pause, resume, pay 1,00,
# dispute, resolve over its invoices; "ok|busy|error INVOICE OP TOKEN RC"
# a line per command in $lab/msg/wW.log. A busy command is retried.
writer() {
	local w=$1 seq=0 inv op rc tok args
	shift
	local ops=(pause resume pay dispute resolve)
	local log=$lab/msg/w$w.log
	: >"$log"
	while [ "$(date +%s)" -lt "$deadline" ]; do
		for inv in "$@"; do
			for op in "${ops[@]}"; do
				seq=$((seq + 1))
				tok=w$w-$seq
				while :; do
					case $op in
					pause) args=(pause "$inv" --for 7d --reason "$tok") ;;
					resume) args=(resume "$inv") ;;
					pay) args=(pay "$inv" 1,00) ;;
					dispute) args=(dispute "$inv" --reason "$tok") ;;
					resolve) args=(resolve "$inv") ;;
					esac
					timeout 60 "$lab_relance" -c "$lab_conf" \
						"${args[@]}" >/dev/null 2>"$lab/msg/w$w.err"
					rc=$?
					if [ "$rc" -eq 75 ] &&
						grep -q 'state file busy' "$lab/msg/w$w.err"; then
						echo "busy $inv $op $tok $rc" >>"$log"
						continue
					fi
					if [ "$rc" -eq 0 ]; then
						echo "ok $inv $op $tok $rc" >>"$log"
					else
						echo "error $inv $op $tok $rc $(head -n 1 "$lab/msg/w$w.err")" >>"$log"
					fi
					break
				done
			done
		done
	done
}

part_contention() {
	local csvf rc w pids=() sender hung=0 i invs n_inv
	echo "# 3. contention: setting up"
	csvf=$(mktemp /tmp/relance-crash-csv.XXXXXX) || return
	# 24 invoices for the writers (3 each), 20 for the mail
	csv "$csvf" F2026 3001 24 "100 000,00" 01/11/2026 01/12/2026
	csv "$csvf.mail" F2026 3101 20 "1 234,56" 01/09/2026 01/10/2026
	tail -n +2 "$csvf.mail" >>"$csvf"
	rm -f "$csvf.mail"
	lab_setup "$csvf"
	rc=$?
	rm -f "$csvf"
	if [ "$rc" -ne 0 ]; then
		not_ok "3: the lab starts" "see above"
		return
	fi
	local rem rep
	rem=$(numbers F2026 3101 10 | tr '\n' ' ')
	mapfile -t rep < <(numbers F2026 3111 10)
	if ! first_reminders p3 "${rep[@]}"; then
		not_ok "3: the invoices replied to have a tracking ID" "see above"
		return
	fi
	send_conf "$lab/msg/p3.json" load 0 "$contention_s" "$rem" \
		"$lab/msg/p3-ids.tsv"

	echo "# 3. contention: 8 writers and the milter for $contention_s s"
	deadline=$(($(date +%s) + contention_s))
	python3 -B "$here/crash.py" send "$lab/msg/p3.json" "$lab/msg/p3.sent" &
	sender=$!
	lab_track "$sender"
	for w in 1 2 3 4 5 6 7 8; do
		writer "$w" "F2026-$((3000 + w * 3 - 2))" \
			"F2026-$((3000 + w * 3 - 1))" "F2026-$((3000 + w * 3))" &
		pids+=($!)
		lab_track "$!"
	done
	# everything finishes: a writer's last command begins before the
	# deadline and may wait 5 s for the lock; 60 s is a hang
	for ((i = 0; i < 600; i++)); do
		local alive=0
		for w in "${pids[@]}" "$sender"; do
			lab_gone "$w" || alive=$((alive + 1))
		done
		[ "$alive" -eq 0 ] && break
		[ "$(date +%s)" -gt $((deadline + 60)) ] && {
			hung=$alive
			break
		}
		sleep 0.1
	done
	figure hung "$hung"
	check "3: every writer and the mail finish (no deadlock)" 0 "$hung"
	[ "$hung" -eq 0 ] || return
	for w in "${pids[@]}" "$sender"; do wait "$w"; done

	cat "$lab"/msg/w[1-8].log >"$lab/msg/writers.log"
	local n_ok n_busy n_err
	n_ok=$(grep -c '^ok ' "$lab/msg/writers.log")
	n_busy=$(grep -c '^busy ' "$lab/msg/writers.log")
	n_err=$(grep -c '^error ' "$lab/msg/writers.log")
	figure writer-commands $((n_ok + n_err))
	figure writer-ok "$n_ok"
	figure busy-retried "$n_busy"
	figure writer-errors "$n_err"
	check "3: no writer error but \"state file busy\"" 0 "$n_err"
	[ "$n_err" -ne 0 ] && grep '^error ' "$lab/msg/writers.log" |
		head -n 5 | sed 's/^/# /'

	# every command that exited 0 has its event, once
	mapfile -t invs < <(numbers F2026 3001 24)
	dump_state "$lab/msg/p3.state" "${invs[@]}"
	python3 -B "$here/crash.py" events "$lab/msg/p3.state" >"$lab/msg/p3.events"
	python3 - "$lab/msg/writers.log" "$lab/msg/p3.events" <<'EOF' >"$lab/msg/p3.check"
import sys
kind = {"pause": "paused", "resume": "resumed", "pay": "payment",
        "dispute": "disputed", "resolve": "resolved"}
want, tokens, paid = {}, set(), {}
for line in open(sys.argv[1]):
    f = line.split()
    if f[0] != "ok":
        continue
    inv, op, tok = f[1], f[2], f[3]
    want[(inv, kind[op])] = want.get((inv, kind[op]), 0) + 1
    if op in ("pause", "dispute"):
        tokens.add((inv, kind[op], tok))
    if op == "pay":
        paid[inv] = paid.get(inv, 0) + 1
got, gtokens, due = {}, {}, {}
for line in open(sys.argv[2]):
    f = line.split()
    if f[1] == "amount_due":
        due[f[0]] = f[2]
    elif f[1] == "token":
        if f[2] in ("paused", "disputed"):
            t = (f[0], f[2], f[3])
            gtokens[t] = gtokens.get(t, 0) + 1
    else:
        got[(f[0], f[1])] = int(f[2])
lost = sum(max(0, n - got.get(k, 0)) for k, n in want.items())
extra = sum(max(0, got.get(k, 0) - n) for k, n in got.items()
            for n in [want.get(k, 0)] if k[1] in kind.values())
lost_tok = [t for t in tokens if t not in gtokens]
dup_tok = [t for t, n in gtokens.items() if n > 1 or t not in tokens]
bad_due = [i for i in due if "%.2f" % (100000 - paid.get(i, 0)) != due[i]]
print("figure: lost-updates %d" % (lost + len(lost_tok)))
print("figure: extra-events %d" % (extra + len(dup_tok)))
print("figure: amount-due-wrong %d" % len(bad_due))
for x in (lost_tok + dup_tok)[:5] + bad_due[:5]:
    print("# " + str(x))
EOF
	cat "$lab/msg/p3.check"
	check "3: no lost update (each command that exited 0 has its event)" 0 \
		"$(sed -n 's/^figure: lost-updates //p' "$lab/msg/p3.check")"
	check "3: no event without its command, none twice" 0 \
		"$(sed -n 's/^figure: extra-events //p' "$lab/msg/p3.check")"
	check "3: each amount due is 100000.00 less the payments" 0 \
		"$(sed -n 's/^figure: amount-due-wrong //p' "$lab/msg/p3.check")"

	# the mail under load: all delivered, every event in the end
	lab_wait 60 queue_empty
	if drain_spool 30; then
		ok "3: the milter's spool drains"
	else
		not_ok "3: the milter's spool drains" "$(spool_files) files left"
	fi
	lab_wait 60 queue_empty
	figure milter-spooled "$(grep -c 'spooled in\|kept in' "$lab/log/milter.log")"
	dump_state "$lab/msg/p3.mstate" $rem "${rep[@]}"
	local out
	out=$(python3 -B "$here/crash.py" mail "$lab/msg/p3.sent" "$lab/sink" \
		"$lab_maildir" "$lab/msg/p3.mstate" "$lab_spool")
	rc=$?
	echo "$out" | sed -n 's/^figure: \(accepted\|delivered\|lost\|duplicated\|events-missing\) /figure: mail-\1 /p;/^#/p'
	check "3: the mail under load: delivered once, every event recorded once" \
		0 "$rc"
	check "3: every reminder has its event once the spool is replayed" 0 \
		"$(echo "$out" | sed -n 's/^figure: unrecorded-reminders //p')"
	check "3: every reply has its event once the spool is replayed" 0 \
		"$(echo "$out" | sed -n 's/^figure: unrecorded-replies //p')"
	lab_stop_milter
	lab_relance fsck --dry-run >"$lab/log/fsck.out" 2>&1
	check "3: relance fsck --dry-run at the end" 0 $?
	lab_teardown
}

# CRASH_PARTS (e.g. "run contention") runs only those parts.
for part in ${CRASH_PARTS:-milter run contention}; do
	"part_$part"
done

figure seconds $(($(date +%s) - started))
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
