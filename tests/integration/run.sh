#!/usr/bin/env bash
# run.sh -- relance-milter inside a real, throwaway Postfix on loopback,
# or (LAB_MTA=sendmail) the same checks inside a real, throwaway Sendmail.
#
# tests/integration/lab.sh starts Postfix (its own config, queue and data
# directories under a temporary directory; an MX port and a submission port
# on 127.0.0.1), relance-milter on a unix socket as smtpd_milters and
# non_smtpd_milters, smtp-sink as the next hop for every customer domain,
# and virtual(8) delivery of example.com into the dunning mailbox's
# Maildir. The invoices come from tests/integration/data/invoices.csv,
# imported with the real `relance`. Then, each check printed as "ok ..." or
# "FAIL ...":
#	1. a reminder injected with sendmail(1) arrives at smtp-sink tagged,
#	   without its internal headers, and is recorded;
#	2. the same through the submission port (outgoing by daemon name);
#	3. the guard refuses a reminder for a disputed invoice with 550 5.7.1
#	   and nothing reaches smtp-sink;
#	4. X-Relance-* headers coming from outside never reach the mailbox;
#	5. customer replies (scenarios_incoming): reply, dispute, remittance,
#	   promise, out-of-office, bounce, forged "paid" from a stranger;
#	6. fail-open: relance-milter killed (SIGKILL) while 200 messages flow,
#	   restarted: all 200 arrive;
#	7. a reminder while the state file is locked: not delayed, not lost,
#	   its event spooled and replayed at a later connection;
#	8. then, in a lab of its own, tests/integration/run-relance-run.sh:
#	   `relance run` sending through this Postfix, its reminders tagged
#	   with the PDF attached, and crashes that send nothing twice.
#
# With LAB_MTA=sendmail, tests/integration/sendmail-lab.sh puts Sendmail
# 8.17 (Debian's packages, downloaded and unpacked into the lab, not
# installed) in Postfix's place, configured with contrib/sendmail/relance.mc;
# the same scenarios run, each comparing with what that MTA writes (its
# queue IDs and Message-IDs); what only Postfix's log can show is checked
# from the milter's log and smtp-sink instead, and 8. is Postfix's only.
#
# Needs root (Postfix's master; the milter drops to nobody:postfix),
# postfix (with smtp-sink and smtp-source), swaks, python3, flock
# (util-linux), ss (iproute2). Exits 77 (skipped) without them, non-zero
# when a check fails, and stops everything it started in any case (set
# LAB_KEEP=1 to keep the lab's directory for a post-mortem).
#
# Run by hand from the source tree after a build in _build, or with
# top_srcdir and top_builddir set; RELANCE and RELANCE_MILTER may name
# other binaries.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
if [ -z "${top_builddir:-}" ]; then
	top_builddir=$top_srcdir
	[ -x "$top_srcdir/_build/src/relance-milter" ] &&
		top_builddir=$top_srcdir/_build
fi
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/integration/lab.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (Postfix's master, the milter's privilege drop)"
	exit 77
fi
for tool in postfix smtp-sink smtp-source swaks python3 flock ss; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool not found (apt-get install postfix swaks python3 util-linux iproute2)"
		exit 77
	fi
done
if [ "$lab_mta" = sendmail ]; then
	for tool in m4 dpkg-deb apt-get unshare; do
		if ! command -v "$tool" >/dev/null; then
			echo "SKIP: $tool not found (apt-get install m4 dpkg)"
			exit 77
		fi
	done
fi

# 2026-11-23 10:30 in Paris for relance and relance-milter: every date of
# the state follows from it. (Postfix keeps the real clock.)
export RELANCE_NOW=1795426200
export SUDO_USER=clerk
DATE='Mon, 23 Nov 2026 10:30:00 +0100'

started=$(date +%s)
trap lab_teardown EXIT
trap 'exit 130' INT TERM

if ! lab_setup "$top_srcdir/tests/integration/data/invoices.csv"; then
	echo "FAIL the lab did not start"
	exit 1
fi
work=$lab # for lib.sh's expect
msg=$lab/msg
echo "# $lab_mta lab in $lab: MX 127.0.0.1:$lab_smtp, submission 127.0.0.1:$lab_sub, smtp-sink 127.0.0.1:$lab_sinkport"

# ---- helpers

names_from=()
names_to=()

# name VALUE NAME: from now on VALUE reads NAME in what the checks compare.
name() {
	[ -n "$1" ] || return 0
	names_from+=("$1")
	names_to+=("$2")
}

sed_quote() {
	printf '%s' "$1" | sed 's/[]\/$*.^[]/\\&/g'
}

# named: standard input with each named value replaced by its name, the
# lab's directory by LAB, the source tree by TOP, Postfix's Message-ID
# time stamps by STAMP, the random part of the milter's Message-IDs by
# HEX, and the SHA-256 of an archived message (the archive's note at the
# end of an event: the message carries Postfix's queue ID) by HASH.
named() {
	local args=() i
	for i in "${!names_from[@]}"; do
		args+=(-e "s/$(sed_quote "${names_from[$i]}")/${names_to[$i]}/g")
	done
	sed "${args[@]}" -e "s|$lab|LAB|g" -e "s|$top_srcdir|TOP|g" \
		-e 's/<20[0-9]\{12\}\./<STAMP./g' \
		-e 's/\(ID[0-9]*\.20261123T093000Z\.\)[0-9a-f]\{8\}@/\1HEX@/g' \
		-e 's/\(; archived as [^ ]*, SHA-256 \)[0-9a-f]\{64\}/\1HASH/g'
}

# hdrs FILE NAME...: "NAME: value" for each value of each header, decoded.
hdrs() {
	local f=$1 h v
	shift
	for h in "$@"; do
		lab_header "$f" "$h" | while IFS= read -r v; do
			printf '%s: %s\n' "$h" "$v"
		done
	done | named
}

# raw FILE NAME: the header as written, unfolded.
raw() {
	lab_raw_header "$1" "$2" | named
}

# show INVOICE: `relance show --json`, named.
show() {
	lab_relance show --json "$1" | named
}

# show_as_postfix INVOICE: show, where Sendmail's submission program's
# Message-ID of the first reminder reads as Postfix's (one expected
# output for both MTAs; the Message-ID itself is checked before).
show_as_postfix() {
	show "$1" | sed 's/<STAMP\.SQID1@/<STAMP.QID1@/g'
}

# summary INVOICE: the state of INVOICE: its fields that replies change
# (dispute_reason and undeliverable only when set), and the kinds of its
# history events.
summary() {
	lab_relance show --json "$1" | python3 -c '
import json, sys
inv = json.load(sys.stdin)
print(" ".join("%s=%s" % (k, inv[k] if isinstance(inv[k], str)
                                 else json.dumps(inv[k]))
               for k in ("state", "paused_until", "amount_due", "last_step")))
if inv["dispute_reason"] is not None:
    print("dispute_reason=" + inv["dispute_reason"])
if inv.get("undeliverable"):
    print("undeliverable=" + " ".join(inv["undeliverable"]))
print("history: " + " ".join(e["kind"] for e in inv["history"]))
' | named
}

# last_event INVOICE: the detail of the last event of INVOICE, named.
last_event() {
	lab_relance show --json "$1" | python3 -c '
import json, sys
print(json.load(sys.stdin)["history"][-1]["detail"])
' | named
}

# milter_says QID: what relance-milter logged about queue ID QID.
milter_says() {
	sed -n "s/^relance-milter\[[0-9]*\]: \($1: .*\)/\1/p" \
		"$lab/log/milter.log" | named
}

# is_tracking_id VALUE: "R-" and nine Crockford base32 symbols.
is_tracking_id() {
	[[ $1 =~ ^R-[0-9A-HJKMNP-TV-Z]{9}$ ]]
}

# reminder FILE INVOICE RCPT [MESSAGE-ID]: a reminder as `relance run` or
# an ERP writes it.
reminder() {
	{
		echo "From: Exemple SARL <factures@example.com>"
		echo "To: $3"
		echo "Subject: Relance facture $2"
		echo "Date: $DATE"
		[ -n "${4:-}" ] && echo "Message-ID: $4"
		echo "X-Relance-Invoice: $2"
		echo "X-Relance-Step: reminder-1"
		echo "MIME-Version: 1.0"
		echo "Content-Type: text/plain; charset=UTF-8"
		echo "Content-Transfer-Encoding: 8bit"
		echo
		echo "Bonjour,"
		echo
		echo "Sauf erreur de notre part, la facture $2 reste impayée."
		echo "Merci de procéder à son règlement."
		echo
		echo "Exemple SARL"
	} >"$1"
}

# tracked FILE N: keep the tracking ID, Message-ID and queue ID of the
# reminder that arrived in FILE as ${ids[N]}, ${mids[N]} and ${qids[N]},
# and name them IDN, idN (lower case) and QIDN. Fails when the ID is not
# one.
ids=()
mids=()
qids=()
tracked() {
	local id mid qid
	id=$(lab_header "$1" X-Relance-ID)
	mid=$(lab_header "$1" Message-ID)
	qid=$(lab_queue_id "$1")
	name "$id" "ID$2"
	name "${id,,}" "id$2"
	name "$qid" "QID$2"
	ids[$2]=$id
	mids[$2]=$mid
	qids[$2]=$qid
	is_tracking_id "$id"
}

# by_mta POSTFIX SENDMAIL: what the check expects from the lab's MTA.
by_mta() {
	if [ "$lab_mta" = sendmail ]; then
		printf '%s\n' "$2"
	else
		printf '%s\n' "$1"
	fi
}

# ok NAME / not_ok NAME WHY: a check decided here.
ok() {
	pass=$((pass + 1))
	echo "ok $1"
}
not_ok() {
	fail=$((fail + 1))
	echo "FAIL $1 ($2)"
}

# ---- 1. a reminder injected with sendmail(1)

scenario_sendmail() {
	local f
	reminder "$msg/r1.eml" F2026-0201 compta@dupont.example
	lab_sendmail factures@example.com compta@dupont.example "$msg/r1.eml"
	if ! f=$(lab_wait_sink compta@dupont.example 1 20); then
		not_ok "1: sendmail: the reminder arrives at smtp-sink" \
			"nothing after 20 s"
		return
	fi
	ok "1: sendmail: the reminder arrives at smtp-sink"
	cp "$f" "$msg/r1.sent"
	if tracked "$f" 1; then
		ok "1: X-Relance-ID is a tracking ID"
	else
		not_ok "1: X-Relance-ID is a tracking ID" "got \"${ids[1]}\""
	fi
	# Sendmail's submission program writes the Message-ID with its own
	# queue ID (Postfix's cleanup, with the one of the message), and a
	# time stamp of 12 digits (Postfix: 14)
	local mid
	if [ "$lab_mta" = sendmail ]; then
		name "$(lab_submit_id "$f")" SQID1
		name "${mids[1]%%.*}." "<STAMP."
	fi
	name "${mids[1]}" MID1
	mid=$(by_mta '<STAMP.QID1@mx.example.com>' '<STAMP.SQID1@mx.example.com>')

	OUT=$(cat <<EOF
Subject: Relance facture F2026-0201 [Réf. ID1]
Reply-To: factures+id1@example.com
X-Relance-ID: ID1
Message-ID: $mid
EOF
	) expect "1: tagged: Subject tag, plus-address Reply-To, X-Relance-ID; the MTA's Message-ID kept" \
		0 hdrs "$f" Subject Reply-To X-Relance-ID Message-ID
	OUT='Relance facture F2026-0201 =?UTF-8?Q?=5BR=C3=A9f=2E?= ID1]' \
		expect "1: the tag is an RFC 2047 encoded word" 0 raw "$f" Subject
	OUT='X-Relance-ID' expect "1: no X-Relance-Invoice, no X-Relance-Step leave" \
		0 lab_header_names "$f" X-Relance-
	OUT="QID1: reminder for invoice F2026-0201 (X-Relance-Invoice, step reminder-1) tagged ID1 (new), Message-ID $mid, 5 header changes, to compta@dupont.example" \
		expect "1: one log line with the MTA's queue ID" 0 milter_says "${qids[1]}"
	OUT=$(cat <<'EOF'
{"invoice":"F2026-0201","customer":"C201","customer_name":"Dupont SARL","state":"open","amount_due":"1234.56","currency":"EUR","due_date":"2026-10-01","days_overdue":53,"last_step":"reminder-1","paused_until":null,"amount_original":"1234.56","issue_date":"2026-09-01","profile":"default","language":"fr","pdf":null,"dispute_reason":null,"contacts":["compta@dupont.example"],"undeliverable":[],"tracking_ids":["ID1"],"message_ids":["<STAMP.QID1@mx.example.com>"],"history":[{"time":"2026-11-23T09:30:00Z","kind":"imported","actor":"relance import (clerk)","detail":"imported from TOP/tests/integration/data/invoices.csv"},{"time":"2026-11-23T09:30:00Z","kind":"reminder-sent","actor":"relance-milter","detail":"reminder-1 to compta@dupont.example, tracking ID ID1, Message-ID <STAMP.QID1@mx.example.com>, queue ID QID1; archived as 20261123T093000Z-QID1-out.eml, SHA-256 HASH"}]}
EOF
	) expect "1: relance show: reminder-sent, last_step reminder-1, the tracking ID and Message-ID" \
		0 show_as_postfix F2026-0201
}

# ---- 2. the same through the submission service

scenario_submission() {
	local f
	reminder "$msg/r2.eml" F2026-0202 factures@martin.example
	local status
	lab_swaks "$lab_sub" 127.0.0.3 factures@example.com \
		factures@martin.example "$msg/r2.eml"
	status=$?
	OUT=0 expect "2: submission from 127.0.0.3 (not internal): accepted" \
		0 echo "$status"
	if ! f=$(lab_wait_sink factures@martin.example 1 20); then
		not_ok "2: submission: the reminder arrives at smtp-sink" \
			"nothing after 20 s"
		return
	fi
	ok "2: submission: the reminder arrives at smtp-sink"
	if tracked "$f" 2; then
		ok "2: X-Relance-ID is a tracking ID"
	else
		not_ok "2: X-Relance-ID is a tracking ID" "got \"${ids[2]}\""
	fi
	OUT=$(cat <<'EOF'
Subject: Relance facture F2026-0202 [Réf. ID2]
Reply-To: factures+id2@example.com
X-Relance-ID: ID2
Message-ID: <ID2.20261123T093000Z.HEX@example.com>
EOF
	) expect "2: tagged; the milter adds the Message-ID Postfix does not add for a remote client" \
		0 hdrs "$f" Subject Reply-To X-Relance-ID Message-ID
	OUT='X-Relance-ID' expect "2: no X-Relance-Invoice, no X-Relance-Step leave" \
		0 lab_header_names "$f" X-Relance-
	OUT='QID2: reminder for invoice F2026-0202 (X-Relance-Invoice, step reminder-1) tagged ID2 (new), Message-ID <ID2.20261123T093000Z.HEX@example.com> (added), 6 header changes, to factures@martin.example' \
		expect "2: one log line with Postfix's queue ID" 0 milter_says "${qids[2]}"
	OUT=$(cat <<'EOF'
state=open paused_until=null amount_due=980.00 last_step=reminder-1
history: imported reminder-sent
EOF
	) expect "2: recorded: reminder-sent, last_step reminder-1" 0 summary F2026-0202
	OUT='reminder-1 to factures@martin.example, tracking ID ID2, Message-ID <ID2.20261123T093000Z.HEX@example.com>, queue ID QID2; archived as 20261123T093000Z-QID2-out.eml, SHA-256 HASH' \
		expect "2: the event names the tracking ID, Message-ID and queue ID" \
		0 last_event F2026-0202
}

# ---- 3. the guard: a reminder for a disputed invoice

scenario_guard() {
	local status qid
	OUT='F2026-0203: disputed (disputed: Livraison incomplète)' \
		expect "3: relance dispute F2026-0203" 0 \
		lab_relance dispute F2026-0203 --reason "Livraison incomplète"
	reminder "$msg/r3.eml" F2026-0203 ap@acme.example "<erp-0203@example.com>"
	lab_swaks "$lab_sub" 127.0.0.3 factures@example.com ap@acme.example \
		"$msg/r3.eml"
	status=$?
	# (an SMTP reply is ASCII: the milter folds the accents)
	OUT=$(cat <<'EOF'
550 5.7.1 invoice F2026-0203 was marked disputed on 2026-11-23: disputed: Livraison incomplete
EOF
	) expect "3: swaks is refused at the end of DATA with 550 5.7.1 and the sentence" \
		0 sh -c 'grep "^<\*\* " "$1" | sed "s/^<\*\* *//" | tr -d "\r"' sh \
		"$lab/log/swaks.out"
	if [ "$status" -ne 0 ]; then
		ok "3: swaks fails (exit $status)"
	else
		not_ok "3: swaks fails" "exit 0"
	fi
	if [ "$lab_mta" = sendmail ]; then
		# (no log of Sendmail's: the queue ID the milter names)
		qid=$(sed -n 's/^relance-milter\[[0-9]*\]: \([0-9A-Za-z]*\): reminder for invoice F2026-0203 held back .*/\1/p' \
			"$lab/log/milter.log" | tail -n 1)
	else
		qid=$(sed -n 's/.*postfix\/cleanup\[[0-9]*\]: \([0-9A-F]*\): milter-reject: END-OF-MESSAGE from [^[]*\[127\.0\.0\.3\].*/\1/p' \
			"$lab/log/maillog" | tail -n 1)
	fi
	name "$qid" QID3
	OUT='QID3: reminder for invoice F2026-0203 held back (Guard reject): invoice F2026-0203 was marked disputed on 2026-11-23: disputed: Livraison incomplète' \
		expect "3: one log line" 0 milter_says "$qid"
	OUT='Mail queue is empty' expect "3: nothing stays in the MTA's queue" 0 \
		lab_mailq
	OUT=0 expect "3: nothing reaches smtp-sink" 0 lab_sink_count ap@acme.example
	OUT=$(cat <<'EOF'
state=disputed paused_until=null amount_due=2500.00 last_step=null
dispute_reason=Livraison incomplète
history: imported disputed reminder-held
EOF
	) expect "3: the attempt is recorded (reminder-held)" 0 summary F2026-0203
}

# ---- 4. X-Relance-* headers from outside

scenario_forged_headers() {
	local f status
	cat >"$msg/outside.eml" <<EOF
From: Offres <news@newsletter.example>
To: factures@example.com
Subject: Nos offres de la semaine
Date: $DATE
Message-ID: <outside-4@newsletter.example>
X-Relance-State: paid
X-Relance-Invoice: F2026-0201
X-Relance-Class: remittance
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit

Découvrez nos offres de la semaine.
EOF
	lab_swaks "$lab_smtp" 127.0.0.2 news@newsletter.example \
		factures@example.com "$msg/outside.eml"
	status=$?
	OUT=0 expect "4: a stranger's mail to factures@example.com is accepted" \
		0 echo "$status"
	if ! f=$(lab_wait_maildir "<outside-4@newsletter.example>" 20); then
		not_ok "4: delivered into the Maildir" "nothing after 20 s"
		return
	fi
	ok "4: delivered into the Maildir"
	# the forged ones are gone; the milter's own says what it is
	OUT='X-Relance-Class: unrelated' \
		expect "4: delivered without the forged X-Relance-* headers (X-Relance-State: paid removed)" \
		0 hdrs "$f" X-Relance-State X-Relance-Invoice X-Relance-Class
}

# ---- 5. customer replies

# reply FILE FROM TO MESSAGE-ID IN-REPLY-TO SUBJECT TEXT [HEADER...]: a
# reply quoting the reminder.
reply() {
	local file=$1 from=$2 to=$3 mid=$4 irt=$5 subject=$6 text=$7
	shift 7
	{
		echo "From: $from"
		echo "To: $to"
		echo "Subject: $subject"
		echo "Date: $DATE"
		echo "Message-ID: $mid"
		echo "In-Reply-To: $irt"
		echo "References: $irt"
		local h
		for h in "$@"; do echo "$h"; done
		echo "MIME-Version: 1.0"
		echo "Content-Type: text/plain; charset=UTF-8"
		echo "Content-Transfer-Encoding: 8bit"
		echo
		echo "Bonjour,"
		echo
		echo "$text"
		echo
		echo "Cordialement,"
		echo
		echo "Le 23/11/2026 à 10:30, Exemple SARL a écrit :"
		echo "> Bonjour,"
		echo ">"
		echo "> Sauf erreur de notre part, la facture reste impayée."
		echo "> Merci de procéder à son règlement."
	} >"$file"
}

# send_reply TAG ENVELOPE-FROM FILE MESSAGE-ID RCPT: send FILE from outside
# (127.0.0.2) to the MX and wait for it in the Maildir; its file's name
# into $lab/delivered (empty when it did not arrive).
send_reply() {
	local tag=$1 from=$2 file=$3 mid=$4 rcpt=$5 f
	: >"$lab/delivered"
	if ! lab_swaks "$lab_smtp" 127.0.0.2 "$from" "$rcpt" "$file"; then
		not_ok "5$tag: sent" "swaks: $(lab_smtp_replies | tail -n 1)"
		return 1
	fi
	if ! f=$(lab_wait_maildir "$mid" 20); then
		not_ok "5$tag: delivered into the Maildir" "nothing after 20 s"
		return 1
	fi
	ok "5$tag: delivered into the Maildir"
	echo "$f" >"$lab/delivered"
}

# sorting: the sorting headers of the message send_reply delivered.
sorting() {
	hdrs "$(cat "$lab/delivered")" X-Relance-Invoice X-Relance-Class \
		X-Relance-State
}

# the reminders the replies answer: F2026-0204 to F2026-0209
send_reminders() {
	local n rcpt f
	for n in 4 5 6 7 8 9; do
		rcpt=$(lab_relance show --json "F2026-020$n" | python3 -c '
import json, sys
print(json.load(sys.stdin)["contacts"][0])
')
		reminder "$msg/r$n.eml" "F2026-020$n" "$rcpt"
		lab_sendmail factures@example.com "$rcpt" "$msg/r$n.eml"
		echo "$rcpt" >"$msg/r$n.rcpt"
	done
	for n in 4 5 6 7 8 9; do
		rcpt=$(cat "$msg/r$n.rcpt")
		if f=$(lab_wait_sink "$rcpt" 1 20) && tracked "$f" "$n"; then
			cp "$f" "$msg/r$n.sent"
			ok "5: the reminder for F2026-020$n is tagged"
		else
			not_ok "5: the reminder for F2026-020$n is tagged" \
				"not at smtp-sink, or no tracking ID"
		fi
	done
}

# Re: SUBJECT of the reminder that arrived as FILE, as a client writes it.
re_subject() {
	echo "Re: $(lab_raw_header "$1" Subject)"
}

scenarios_incoming() {
	send_reminders

	# (a) a plain reply: paused for 7 days (reactions.policy: pause 7d)
	reply "$msg/5a.eml" "Service comptable <compta@dupont.example>" \
		"factures+${ids[1],,}@example.com" "<reply-5a@dupont.example>" \
		"${mids[1]}" "$(re_subject "$msg/r1.sent")" \
		"Pouvez-vous me renvoyer la facture ?"
	if send_reply a compta@dupont.example "$msg/5a.eml" \
		"<reply-5a@dupont.example>" "factures+${ids[1],,}@example.com"; then
		OUT=$(cat <<'EOF'
X-Relance-Invoice: F2026-0201
X-Relance-Class: reply
X-Relance-State: paused
EOF
		) expect "5a: reply: sorting headers" 0 sorting
	fi
	OUT=$(cat <<'EOF'
state=paused paused_until=2026-11-30 amount_due=1234.56 last_step=reminder-1
history: imported reminder-sent reply paused
EOF
	) expect "5a: reply: paused until today + 7 days" 0 summary F2026-0201

	# (b) a dispute on F2026-0204
	reply "$msg/5b.eml" "compta@bernard.example" \
		"factures+${ids[4],,}@example.com" "<reply-5b@bernard.example>" \
		"${mids[4]}" "$(re_subject "$msg/r4.sent")" \
		"Je conteste cette facture, la livraison était incomplète."
	if send_reply b compta@bernard.example "$msg/5b.eml" \
		"<reply-5b@bernard.example>" "factures+${ids[4],,}@example.com"; then
		OUT=$(cat <<'EOF'
X-Relance-Invoice: F2026-0204
X-Relance-Class: dispute
X-Relance-State: disputed
EOF
		) expect "5b: dispute: sorting headers" 0 sorting
	fi
	OUT=$(cat <<'EOF'
state=disputed paused_until=null amount_due=310.00 last_step=reminder-1
dispute_reason=the customer wrote "Je conteste"
history: imported reminder-sent dispute disputed
EOF
	) expect "5b: dispute: disputed" 0 summary F2026-0204

	# (c) a remittance notice on F2026-0205 (default profile: paid)
	reply "$msg/5c.eml" "compta@petit.example" \
		"factures+${ids[5],,}@example.com" "<reply-5c@petit.example>" \
		"${mids[5]}" "$(re_subject "$msg/r5.sent")" \
		"Le virement a été effectué ce jour."
	if send_reply c compta@petit.example "$msg/5c.eml" \
		"<reply-5c@petit.example>" "factures+${ids[5],,}@example.com"; then
		OUT=$(cat <<'EOF'
X-Relance-Invoice: F2026-0205
X-Relance-Class: remittance
X-Relance-State: paid
EOF
		) expect "5c: remittance: sorting headers" 0 sorting
	fi
	OUT=$(cat <<'EOF'
state=paid paused_until=null amount_due=0.00 last_step=reminder-1
history: imported reminder-sent remittance paid
EOF
	) expect "5c: remittance: paid" 0 summary F2026-0205

	# (d) a promise on F2026-0206: paused until the date + 3 days
	reply "$msg/5d.eml" "compta@robert.example" \
		"factures+${ids[6],,}@example.com" "<reply-5d@robert.example>" \
		"${mids[6]}" "$(re_subject "$msg/r6.sent")" \
		"Nous vous réglerons le 15 décembre."
	if send_reply d compta@robert.example "$msg/5d.eml" \
		"<reply-5d@robert.example>" "factures+${ids[6],,}@example.com"; then
		OUT=$(cat <<'EOF'
X-Relance-Invoice: F2026-0206
X-Relance-Class: promise
X-Relance-State: paused
EOF
		) expect "5d: promise: sorting headers" 0 sorting
	fi
	OUT=$(cat <<'EOF'
state=paused paused_until=2026-12-18 amount_due=1500.00 last_step=reminder-1
history: imported reminder-sent promise paused
EOF
	) expect "5d: promise: paused until 2026-12-15 + 3 days" 0 summary F2026-0206

	# (e) an out-of-office on F2026-0207, to the envelope sender, from <>
	reply "$msg/5e.eml" "compta@richard.example" "factures@example.com" \
		"<auto-5e@richard.example>" "${mids[7]}" \
		"=?UTF-8?Q?R=C3=A9ponse_automatique_:?= $(lab_raw_header "$msg/r7.sent" Subject)" \
		"Je suis absent jusqu'au 28/11/2026. Je traiterai votre message à mon retour." \
		"Auto-Submitted: auto-replied"
	if send_reply e '<>' "$msg/5e.eml" "<auto-5e@richard.example>" \
		factures@example.com; then
		OUT=$(cat <<'EOF'
X-Relance-Invoice: F2026-0207
X-Relance-Class: auto-reply
X-Relance-State: paused
EOF
		) expect "5e: out-of-office: sorting headers" 0 sorting
	fi
	OUT=$(cat <<'EOF'
state=paused paused_until=2026-11-28 amount_due=95.00 last_step=reminder-1
history: imported reminder-sent auto-reply paused
EOF
	) expect "5e: out-of-office: paused until the return date" 0 summary F2026-0207

	# (f) a bounce of the reminder for F2026-0208
	bounce "$msg/5f.eml" "$msg/r8.sent"
	if send_reply f '<>' "$msg/5f.eml" "<bounce-5f@mx.durand.example>" \
		factures@example.com; then
		OUT=$(cat <<'EOF'
X-Relance-Invoice: F2026-0208
X-Relance-Class: bounce
X-Relance-State: open
EOF
		) expect "5f: bounce: sorting headers" 0 sorting
	fi
	OUT=$(cat <<'EOF'
state=open paused_until=null amount_due=640.00 last_step=reminder-1
undeliverable=compta@durand.example
history: imported reminder-sent bounce task
EOF
	) expect "5f: bounce: the contact flagged, a task for a person" 0 summary F2026-0208
	OUT='mail to compta@durand.example bounced for good: check the address; the next step goes by letter' \
		expect "5f: bounce: the task says so" 0 last_event F2026-0208

	# (g) a forged "paid" from a stranger with the right tracking ID
	reply "$msg/5g.eml" "Comptabilité <billing@attacker.example>" \
		"factures+${ids[9],,}@example.com" "<forged-5g@attacker.example>" \
		"${mids[9]}" "$(re_subject "$msg/r9.sent")" \
		"Le virement a été effectué ce jour."
	if send_reply g billing@attacker.example "$msg/5g.eml" \
		"<forged-5g@attacker.example>" "factures+${ids[9],,}@example.com"; then
		OUT=$(cat <<'EOF'
X-Relance-Invoice: F2026-0209
X-Relance-Class: remittance
X-Relance-State: open
EOF
		) expect "5g: forged: delivered, sorted, state unchanged" 0 sorting
	fi
	OUT=$(cat <<'EOF'
state=open paused_until=null amount_due=2100.00 last_step=reminder-1
history: imported reminder-sent review
EOF
	) expect "5g: forged: not paid, recorded for review" 0 summary F2026-0209
	[ -s "$lab/delivered" ] && name "$(lab_queue_id "$(cat "$lab/delivered")")" QID5g
	OUT='remittance from billing@attacker.example, not acted on (sender billing@attacker.example has nothing to do with this invoice): fr pattern remittance: virement a été effectué; Message-ID <forged-5g@attacker.example>; queue ID QID5g; archived as 20261123T093000Z-QID5g-in.eml, SHA-256 HASH' \
		expect "5g: forged: the review event says why, with the evidence" \
		0 last_event F2026-0209
}

# bounce FILE SENT: a DSN from the customer's MX for the reminder that
# arrived at smtp-sink as SENT, its headers inside.
bounce() {
	{
		cat <<EOF
From: Mail Delivery System <MAILER-DAEMON@mx.durand.example>
To: factures@example.com
Subject: Undelivered Mail Returned to Sender
Date: $DATE
Message-ID: <bounce-5f@mx.durand.example>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="dsn-5f"

This is a MIME-encapsulated message.

--dsn-5f
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.durand.example.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<compta@durand.example>: host mx.durand.example said: 550 5.1.1
    <compta@durand.example>: Recipient address rejected: User unknown

--dsn-5f
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.durand.example
X-Postfix-Queue-ID: 4F1C2A0123
Arrival-Date: $DATE

Final-Recipient: rfc822; compta@durand.example
Original-Recipient: rfc822;compta@durand.example
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <compta@durand.example>: Recipient address
    rejected: User unknown

--dsn-5f
Content-Type: text/rfc822-headers

EOF
		# the reminder's headers, as the customer's MX received them
		sed -e '/^$/q' "$2" | grep -v '^X-\(Client-Addr\|Client-Proto\|Helo-Args\|Mail-Args\|Rcpt-Args\):'
		echo "--dsn-5f--"
	} >"$1"
}

# ---- 6. fail-open: the milter killed while mail flows

# sink_at_least RCPT N: at least N files for RCPT at smtp-sink.
sink_at_least() {
	[ "$(lab_sink_count "$1")" -ge "$2" ]
}

scenario_failopen() {
	local rcpt=rcpt@dupont.example total=200 src_pid at_kill at_restart
	local delivered src_status milter_errors
	smtp-source -c -l 2000 -m "$total" -s 10 -f a@x -t "$rcpt" \
		"127.0.0.1:$lab_smtp" >"$lab/log/smtp-source.out" 2>&1 &
	src_pid=$!
	lab_track "$src_pid"
	lab_wait 30 sink_at_least "$rcpt" 20
	lab_kill_milter
	at_kill=$(lab_sink_count "$rcpt")
	# let mail flow without the milter for a while (at most 5 s)
	lab_wait 5 sink_at_least "$rcpt" $((at_kill + 40))
	lab_start_milter
	at_restart=$(lab_sink_count "$rcpt")
	wait "$src_pid"
	src_status=$?
	lab_wait 60 lab_sink_has "$rcpt" "$total"
	delivered=$(lab_sink_count "$rcpt")
	if [ "$lab_mta" = sendmail ]; then
		# no log of Sendmail's: the messages the milter never saw
		milter_errors=$((total - $(grep -c ': skipped: outgoing' \
			"$lab/log/milter.log")))
	else
		milter_errors=$(grep -c 'warning: .*relance\.sock' \
			"$lab/log/maillog")
	fi
	echo "# fail-open: $total sent, $delivered delivered, $((total - delivered)) lost;" \
		"milter killed after $at_kill, restarted after $at_restart;" \
		"$(by_mta "Postfix logged $milter_errors milter warnings" \
			"$milter_errors messages passed without the milter")"
	OUT=0 expect "6: smtp-source sent its $total messages" 0 echo "$src_status"
	if [ "$at_kill" -lt "$total" ]; then
		ok "6: the milter was killed while mail flowed ($at_kill of $total delivered)"
	else
		not_ok "6: the milter was killed while mail flowed" \
			"all $total delivered before the kill"
	fi
	if [ "$milter_errors" -gt 0 ]; then
		ok "$(by_mta "6: Postfix noticed the dead milter and went on (milter_default_action = accept)" \
			"6: Sendmail went on without the dead milter (no F= flag)")"
	else
		not_ok "$(by_mta "6: Postfix noticed the dead milter" \
			"6: Sendmail went on without the dead milter")" \
			"$(by_mta "no milter warning in maillog" \
				"the milter saw every message")"
	fi
	OUT=$total expect "6: all $total messages arrive at smtp-sink, none lost" 0 \
		echo "$delivered"
	OUT='Mail queue is empty' expect "6: nothing left in the MTA's queue" 0 \
		lab_mailq
}

# ---- 7. a reminder while the state file is locked

spool_count() {
	find "$lab_spool" -maxdepth 1 -type f -name '[0-9]*' | wc -l
}

locked() {
	! flock -n -x "$lab_state" true
}

replayed() {
	lab_relance show --json F2026-0210 | grep -q '"kind":"reminder-sent"'
}

# ping: one message through non_smtpd_milters (a new milter connection,
# where the spool is replayed).
ping_milter() {
	printf 'Subject: ping\n\nping\n' >"$msg/ping.eml"
	lab_sendmail factures@example.com ping@elsewhere.example "$msg/ping.eml"
	sleep 1
	replayed
}

scenario_locked() {
	local f t0 t1 ms qid
	reminder "$msg/r10.eml" F2026-0210 compta@moreau.example \
		"<erp-0210@example.com>"
	flock --no-fork -x "$lab_state" sleep 5 &
	lab_lock_pid=$!
	lab_wait 5 locked
	t0=$(date +%s%N)
	lab_sendmail factures@example.com compta@moreau.example "$msg/r10.eml"
	if ! f=$(lab_wait_sink compta@moreau.example 1 20); then
		not_ok "7: the reminder arrives at smtp-sink" "nothing after 20 s"
		return
	fi
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	echo "# locked state file: the reminder arrived ${ms} ms after sendmail(1)"
	if [ "$ms" -lt 3000 ]; then
		ok "7: the reminder arrives at smtp-sink while the state file is locked, within 3 s"
	else
		not_ok "7: the reminder arrives within 3 s" "${ms} ms"
	fi
	if locked; then
		ok "7: the state file was still locked then"
	else
		not_ok "7: the state file was still locked then" "lock gone"
	fi
	qid=$(lab_queue_id "$f")
	name "$qid" QID10
	# (unchanged: its X-Relance-Invoice and X-Relance-Step go out too)
	OUT=$(cat <<'EOF'
Subject: Relance facture F2026-0210
Message-ID: <erp-0210@example.com>
EOF
	) expect "7: it goes out unchanged (untagged)" 0 \
		hdrs "$f" Subject Message-ID X-Relance-ID
	OUT=$(cat <<'EOF'
QID10: internal error: reminder for invoice F2026-0210 not tagged: LAB/state/relance.db: state file busy (locked by another process; gave up after 200 ms); mail passed unchanged (On-InternalError accept)
QID10: reminder-sent event spooled in LAB/spool, to be replayed when the state file is back
EOF
	) expect "7: the milter says why, and that the event is spooled" 0 \
		milter_says "$qid"
	OUT=1 expect "7: the event waits in SpoolDir" 0 spool_count
	wait "$lab_lock_pid"
	lab_lock_pid=
	# the spool is replayed at connection time, at most every 5 s
	for _ in $(seq 15); do
		ping_milter && break
	done
	OUT=$(cat <<'EOF'
state=open paused_until=null amount_due=480.00 last_step=reminder-1
history: imported reminder-sent
EOF
	) expect "7: once the lock is gone, a later connection replays the event" \
		0 summary F2026-0210
	OUT='reminder-1 to compta@moreau.example, Message-ID <erp-0210@example.com>, queue ID QID10; archived as 20261123T093000Z-QID10-out.eml, SHA-256 HASH' \
		expect "7: the replayed event is the reminder as it went out" \
		0 last_event F2026-0210
	OUT=0 expect "7: the spool is empty" 0 spool_count
}

# ---- run

scenario_sendmail
scenario_submission
scenario_guard
scenario_forged_headers
scenarios_incoming
scenario_failopen
scenario_locked

# ---- the end: every message accepted was delivered

sink_total=$(find "$lab/sink" -type f | wc -l)
maildir_total=$(find "$lab_maildir/new" -type f 2>/dev/null | wc -l)
echo "# messages: $sink_total at smtp-sink, $maildir_total in the Maildir," \
	"$(grep -c ' held back ' "$lab/log/milter.log") refused by the guard"
OUT='Mail queue is empty' expect "nothing is left in the MTA's queue (deferred or lost)" \
	0 lab_mailq
if [ "$lab_mta" = sendmail ]; then
	# (a bounce would come back to factures@example.com, at the sink)
	OUT='<bounce-5f@mx.durand.example>' \
		expect "Sendmail bounced nothing (the only report at the sink is 5f's)" \
		0 sh -c 'grep -l "^Content-Type: multipart/report" "$@" |
			xargs -r -n 1 grep -hi -m 1 "^Message-ID:" | sed "s/^[^:]*: //"' \
		sh "$lab"/sink/*
else
	OUT=0 expect "Postfix deferred and bounced nothing" 0 sh -c \
		'grep -c "status=\(deferred\|bounced\)" "$1" || true' sh \
		"$lab/log/maillog"
fi

lab_stop_milter
OUT='stopping: 1 internal error since start' \
	expect "SIGTERM stops the milter, which counts its internal errors (the locked state file)" \
	0 sh -c 'tail -n 1 "$1" | sed "s/^relance-milter\[[0-9]*\]: //"' sh \
	"$lab/log/milter.log"

# ---- 8. relance run, in a lab of its own

# relance_run_checks: run-relance-run.sh, its checks counted here.
relance_run_checks() {
	local out status n
	out=$(env top_srcdir="$top_srcdir" top_builddir="$top_builddir" \
		bash "$top_srcdir/tests/integration/run-relance-run.sh" 2>&1)
	status=$?
	printf '%s\n' "$out" | grep -v '^[0-9]* passed, [0-9]* failed$'
	n=$(printf '%s\n' "$out" | grep -c '^ok ')
	pass=$((pass + n))
	n=$(printf '%s\n' "$out" | grep -c '^FAIL ')
	fail=$((fail + n))
	if [ "$status" -ne 0 ] && [ "$n" -eq 0 ]; then
		not_ok "8: run-relance-run.sh" "exit $status"
	fi
}

lab_teardown
[ "$lab_mta" = postfix ] && relance_run_checks

echo "# $(($(date +%s) - started)) s"
finish
