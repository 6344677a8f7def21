#!/usr/bin/env bash
# run-relance-run.sh -- `relance run` through a real Postfix, end to end.
#
# Its own lab (tests/integration/lab.sh: Postfix on loopback,
# relance-milter as non_smtpd_milters, smtp-sink as the next hop), and a
# relance.conf whose Sendmail is $lab/sendmail: a wrapper around Postfix's
# sendmail(1) with the lab's configuration (-C), since Sendmail is a path
# without arguments. The wrapper logs each call in log/sendmail.calls and,
# when RELANCE_LAB_SENDMAIL (passed on by relance run's environment) says
# so, plays a failure for real, with no hook in relance:
#	crash-after	hand the message to Postfix, then SIGKILL its parent,
#			relance run, between "sending" and "sent"
#	crash-before	SIGKILL relance run before anything is handed over
#	tempfail	exit 75 without reading the message
#	die-after	hand the message to Postfix, then die by SIGKILL
# The invoices are imported in five stages, so that each run has one new
# invoice due, all on 2026-11-23 (default profile, PDF copied from
# tests/integration/data/invoice.pdf into $lab/pdf/NUMBER.pdf):
#	1. three reminders (reminder-1 and courtesy with the PDF, reminder-2
#	   without) arrive at smtp-sink tagged by the milter (Subject tag,
#	   plus-address Reply-To, X-Relance-ID, no internal header), the PDF
#	   decoding to the same bytes under its file name; each invoice has
#	   "sending" and "sent", and the milter's "reminder-sent" with the
#	   same Message-ID;
#	2. crash after the hand-off: the message arrives once; the next run
#	   sends nothing and resolves the invoice from the milter's record;
#	3. crash before the hand-off: nothing arrives; the next runs send
#	   nothing and report the invoice for a person (exit 75);
#	4. sendmail exits 75: "send-failed", the last step put back; the next
#	   run sends it, and one copy arrives;
#	5. sendmail killed by a signal after the hand-off: relance run cannot
#	   know, says so (exit 75); the next run resolves it from the milter's
#	   record, sending nothing.
# At the end: every Message-ID at smtp-sink once, Postfix's queue empty.
#
# Called by tests/integration/run.sh, or by hand like it (same needs; exits
# 77 without them, 1 when a check fails; LAB_KEEP=1 keeps the lab).
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
for tool in postfix sendmail smtp-sink swaks python3 flock ss sha256sum; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool not found (apt-get install postfix swaks python3 util-linux iproute2)"
		exit 77
	fi
done
postfix_sendmail=$(command -v sendmail)

# 2026-11-23 10:30 in Paris for relance and relance-milter alike (the
# milter files its events in time order among relance run's). The runs all
# happen "then": a retry has the Message-ID of the failed attempt.
export RELANCE_NOW=1795426200
export SUDO_USER=clerk
D=2026-11-23
pdf_sum=$(sha256sum <"$top_srcdir/tests/integration/data/invoice.pdf")
pdf_sum=${pdf_sum%% *}

started=$(date +%s)
trap lab_teardown EXIT
trap 'exit 130' INT TERM

# The lab starts with no invoice: each stage imports its own.
empty_csv=$(mktemp /tmp/relance-run-csv.XXXXXX) || exit 1
printf 'N° facture;Client;Nom;Courriel;Montant;Devise;Date;Échéance;Profil;Langue;Fichier\n' \
	>"$empty_csv"
lab_setup "$empty_csv"
status=$?
rm -f "$empty_csv"
if [ "$status" -ne 0 ]; then
	echo "FAIL relance run: the lab did not start"
	exit 1
fi
work=$lab # for lib.sh's expect
echo "# relance run lab in $lab: smtp-sink 127.0.0.1:$lab_sinkport"

# The shipped profiles make reminder-1 the first contact of an invoice
# never chased; here each stage's invoice gets the step its due date
# calls for (reminder-2 without attachment included), so the runs use a
# copy of the policies without first-contact.
cp -r "$top_srcdir/policies" "$lab/policies"
sed -i '/^[[:space:]]*first-contact /d' "$lab/policies/profiles.policy"
chmod -R a+rX "$lab/policies"
sed -i "s|^PolicyDir .*|PolicyDir        $lab/policies|" "$lab_conf"
cat >>"$lab_conf" <<EOF
Sendmail         $lab/sendmail
IBAN             FR7630006000011234567890189
BIC              AGRIFRPP
PaymentLink      https://pay.example.com/{invoice}?a={amount}
EOF

cat >"$lab/sendmail" <<EOF
#!/bin/sh
# Postfix's sendmail(1) on the lab's configuration, or a failure played
# for real (see run-relance-run.sh); each call logged.
echo "\${RELANCE_LAB_SENDMAIL:-pass}: \$*" >>"$lab/log/sendmail.calls"
case \${RELANCE_LAB_SENDMAIL:-pass} in
crash-after)
	"$postfix_sendmail" -C "$lab/postfix" "\$@" || exit
	kill -9 "\$PPID"
	exit 0
	;;
crash-before)
	kill -9 "\$PPID"
	exit 0
	;;
die-after)
	"$postfix_sendmail" -C "$lab/postfix" "\$@" || exit
	kill -9 "\$\$"
	;;
tempfail)
	exit 75
	;;
esac
exec "$postfix_sendmail" -C "$lab/postfix" "\$@"
EOF
chmod 0755 "$lab/sendmail"
: >"$lab/log/sendmail.calls"
mkdir -p "$lab/pdf"

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
# lab's directory by LAB, the PDF's SHA-256 by SUM and an archived
# message's (the archive's note at the end of the milter's events) by HASH.
named() {
	local args=() i
	for i in "${!names_from[@]}"; do
		args+=(-e "s/$(sed_quote "${names_from[$i]}")/${names_to[$i]}/g")
	done
	sed "${args[@]}" -e "s|$lab|LAB|g" -e "s/$pdf_sum/SUM/g" \
		-e 's/\(; archived as [^ ]*, SHA-256 \)[0-9a-f]\{64\}/\1HASH/g'
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

# stage N ROW...: import the invoices ROW ("NUMBER;CUSTOMER;NAME;EMAIL;
# AMOUNT;ISSUE DATE;DUE DATE"; default profile, French), each with its
# PDF.
stage() {
	local n=$1 row number c nm mail amount issued due s=s
	shift
	{
		echo "N° facture;Client;Nom;Courriel;Montant;Devise;Date;Échéance;Profil;Langue;Fichier"
		for row in "$@"; do
			number=${row%%;*}
			cp "$top_srcdir/tests/integration/data/invoice.pdf" \
				"$lab/pdf/$number.pdf"
			IFS=';' read -r number c nm mail amount issued due <<<"$row"
			echo "$number;$c;$nm;$mail;$amount;EUR;$issued;$due;default;fr;$lab/pdf/$number.pdf"
		done
	} >"$msg/stage$n.csv"
	[ $# -eq 1 ] && s=
	OUT="LAB/msg/stage$n.csv: $# invoice$s: $# new, 0 updated, 0 unchanged" \
		expect "run $n: relance import" 0 relance_import "$msg/stage$n.csv"
}

# relance_import FILE: relance import FILE, its output named, its status.
relance_import() {
	local s
	lab_relance import "$1" >"$lab/log/import.out" 2>"$lab/log/import.err"
	s=$?
	named <"$lab/log/import.out"
	named <"$lab/log/import.err" >&2
	return $s
}

# relance_run N MODE [DATE]: the Nth relance run, on DATE (default $D),
# the wrapper playing MODE; its output named, its status. (Bash's "Killed"
# notice is not its.)
relance_run() {
	local n=$1 mode=$2 date=${3:-$D} s
	{
		RELANCE_LAB_SENDMAIL=$mode \
			"$lab_relance" -c "$lab_conf" run --date "$date" \
			>"$lab/log/run$n.out" 2>"$lab/log/run$n.err"
	} 2>/dev/null
	s=$?
	named <"$lab/log/run$n.out"
	named <"$lab/log/run$n.err" >&2
	return $s
}

# mid NUMBER STEP: the Message-ID relance run gives STEP of NUMBER.
mid() {
	echo "<run.$1.$2.$RELANCE_NOW@example.com>"
}

# calls [N]: the sendmail calls so far, named; from the Nth on.
calls() {
	tail -n +"${1:-1}" "$lab/log/sendmail.calls" | named
}

# msgids FILE...: the Message-ID header of each FILE, a line each.
msgids() {
	python3 - "$@" <<'EOF'
import email, email.policy, sys
for name in sys.argv[1:]:
    with open(name, "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.compat32)
    print(m.get("Message-ID", ""))
EOF
}

# sink_mid_count MESSAGE-ID: how many messages at smtp-sink have it.
sink_mid_count() {
	local files
	mapfile -t files < <(grep -liF "$1" "$lab"/sink/* 2>/dev/null)
	if [ "${#files[@]}" -eq 0 ]; then
		echo 0
		return
	fi
	# (the header itself, not a quote of it in a body)
	msgids "${files[@]}" | grep -cxF "$1"
}

# queue_empty: nothing in Postfix's queues, maildrop included.
queue_empty() {
	postqueue -c "$lab/postfix" -p 2>&1 | grep -q '^Mail queue is empty'
}

# hdrs FILE NAME...: "NAME: value" for each value of each header, unfolded
# and RFC 2047-decoded.
hdrs() {
	python3 - "$@" <<'EOF' | named
import email, email.policy, sys
with open(sys.argv[1], "rb") as f:
    m = email.message_from_binary_file(f, policy=email.policy.default)
for h in sys.argv[2:]:
    for v in m.get_all(h) or []:
        print("%s: %s" % (h, v))
EOF
}

# parts FILE: the MIME structure of FILE, a line per part: its type, and
# for an attachment its file name, encoding, size and SHA-256 (base64
# decoded strictly: any byte outside the alphabet is an error).
parts() {
	python3 - "$1" <<'EOF' | named
import base64, binascii, email, email.policy, hashlib, sys
with open(sys.argv[1], "rb") as f:
    m = email.message_from_binary_file(f, policy=email.policy.default)
for p in m.walk():
    line = p.get_content_type()
    if p.get_content_charset():
        line += " charset=" + p.get_content_charset()
    if p.get_content_disposition() == "attachment":
        raw = p.get_payload(decode=False)
        try:
            data = base64.b64decode("".join(raw.split()), validate=True)
        except binascii.Error as e:
            data = None
            line += " (not base64: %s)" % e
        line += " attachment filename=%s %s" % (
            p.get_filename(), p["Content-Transfer-Encoding"])
        if data is not None:
            line += " %d bytes sha256 %s" % (len(data),
                                              hashlib.sha256(data).hexdigest())
    print(line)
EOF
}

# history INVOICE: its state, last step and PDF, then its events as
# "ACTOR: KIND DETAIL", those of each actor in order, the actors in the
# order they first acted (relance run's "sent" and the milter's
# "reminder-sent" race, each actor's own order does not).
history() {
	lab_relance show --json "$1" | python3 -c '
import json, sys
inv = json.load(sys.stdin)
print("state=%s last_step=%s pdf=%s" % (inv["state"],
                                          inv["last_step"] or "null",
                                          inv["pdf"] or "null"))
actors = []
for e in inv["history"]:
    if e["actor"] not in actors:
        actors.append(e["actor"])
for a in actors:
    for e in inv["history"]:
        if e["actor"] == a:
            print("%s: %s %s" % (a, e["kind"], e["detail"]))
' | named
}

# arrived STAGE TAG RCPT: wait (20 s at most) for the message to RCPT at
# smtp-sink; its file into $msg/TAG.eml, its tracking ID and queue ID named
# IDTAG and QIDTAG, its tracking ID in lower case idTAG.
arrived() {
	local f id
	if ! f=$(lab_wait_sink "$3" 1 20); then
		not_ok "run $1: the reminder to $3 arrives at smtp-sink" \
			"nothing after 20 s"
		return 1
	fi
	ok "run $1: the reminder to $3 arrives at smtp-sink"
	cp "$f" "$msg/$2.eml"
	id=$(lab_header "$f" X-Relance-ID)
	name "$id" "ID$2"
	name "${id,,}" "id$2"
	name "$(lab_queue_id "$f")" "QID$2"
	if [[ $id =~ ^R-[0-9A-HJKMNP-TV-Z]{9}$ ]]; then
		ok "run $1: X-Relance-ID is a tracking ID"
	else
		not_ok "run $1: X-Relance-ID is a tracking ID" "got \"$id\""
	fi
}

msg=$lab/msg

# ---- 1. reminders from relance run, through Postfix and the milter

stage_sent() {
	stage 1 "F2026-0301;C301;Lambert SARL;compta@lambert.example;1 200,00;16/10/2026;15/11/2026" \
		"F2026-0302;C302;Girard Électricité;compta@girard.example;450,00;01/11/2026;01/12/2026" \
		"F2026-0303;C303;Bonnet Frères;compta@bonnet.example;75,50;09/10/2026;08/11/2026"
	OUT=$(cat <<'EOF'
F2026-0301: send reminder-1 (email) due 2026-11-23 to compta@lambert.example: reminder-1 due on 2026-11-23 (skipping 1 missed step)
F2026-0302: send courtesy (email) due 2026-11-23 to compta@girard.example: courtesy due on 2026-11-23
F2026-0303: send reminder-2 (email) due 2026-11-23 to compta@bonnet.example: reminder-2 due on 2026-11-23 (skipping 2 missed steps)
3 sent, 0 letters, 0 tasks, 0 skipped, 0 errors
EOF
	) expect "run 1: relance run sends the three reminders due" 0 relance_run 1 pass
	OUT=$(cat <<'EOF'
pass: -oi -f factures@example.com -- compta@lambert.example
pass: -oi -f factures@example.com -- compta@girard.example
pass: -oi -f factures@example.com -- compta@bonnet.example
EOF
	) expect "run 1: sendmail called once for each, with the envelope" 0 calls

	arrived 1 1 compta@lambert.example && check_sent "$msg/1.eml" F2026-0301
	arrived 1 2 compta@girard.example && check_sent "$msg/2.eml" F2026-0302
	arrived 1 3 compta@bonnet.example && check_sent "$msg/3.eml" F2026-0303

	OUT=$(cat <<'EOF'
Subject: Facture impayée F2026-0301 du 16/10/2026 [Réf. ID1]
From: Exemple SARL <factures@example.com>
To: compta@lambert.example
Reply-To: factures+id1@example.com
X-Relance-ID: ID1
Message-ID: <run.F2026-0301.reminder-1.1795426200@example.com>
EOF
	) expect "run 1: reminder-1: tagged (Subject, plus-address Reply-To, X-Relance-ID), our Message-ID kept" \
		0 hdrs "$msg/1.eml" Subject From To Reply-To X-Relance-ID Message-ID
	OUT=$(cat <<'EOF'
Subject: Facture F2026-0302 : échéance le 01/12/2026 [Réf. ID2]
Reply-To: factures+id2@example.com
X-Relance-ID: ID2
Message-ID: <run.F2026-0302.courtesy.1795426200@example.com>
EOF
	) expect "run 1: courtesy: tagged, our Message-ID kept" \
		0 hdrs "$msg/2.eml" Subject Reply-To X-Relance-ID Message-ID
	OUT=$(cat <<'EOF'
Subject: Deuxième relance : facture impayée F2026-0303 [Réf. ID3]
Reply-To: factures+id3@example.com
X-Relance-ID: ID3
Message-ID: <run.F2026-0303.reminder-2.1795426200@example.com>
EOF
	) expect "run 1: reminder-2: tagged, our Message-ID kept" \
		0 hdrs "$msg/3.eml" Subject Reply-To X-Relance-ID Message-ID

	OUT=$(cat <<'EOF'
multipart/mixed
text/plain charset=utf-8
application/pdf attachment filename=F2026-0301.pdf base64 641 bytes sha256 SUM
EOF
	) expect "run 1: reminder-1: the PDF attached, base64, decoding to the same bytes, named F2026-0301.pdf" \
		0 parts "$msg/1.eml"
	OUT=$(cat <<'EOF'
multipart/mixed
text/plain charset=utf-8
application/pdf attachment filename=F2026-0302.pdf base64 641 bytes sha256 SUM
EOF
	) expect "run 1: courtesy: the PDF attached, named F2026-0302.pdf" \
		0 parts "$msg/2.eml"
	OUT='text/plain charset=utf-8' \
		expect "run 1: reminder-2 (no attach in the profile): no attachment" \
		0 parts "$msg/3.eml"

	OUT=$(cat <<'EOF'
state=open last_step=reminder-1 pdf=LAB/pdf/F2026-0301.pdf
relance import (clerk): imported imported from LAB/msg/stage1.csv
relance run (clerk): sending reminder-1 <run.F2026-0301.reminder-1.1795426200@example.com> to compta@lambert.example
relance run (clerk): sent reminder-1 <run.F2026-0301.reminder-1.1795426200@example.com>
relance-milter: reminder-sent reminder-1 to compta@lambert.example, tracking ID ID1, Message-ID <run.F2026-0301.reminder-1.1795426200@example.com>, queue ID QID1; archived as 20261123T093000Z-QID1-out.eml, SHA-256 HASH
EOF
	) expect "run 1: F2026-0301: sending, sent, and the milter's reminder-sent with the same Message-ID" \
		0 history F2026-0301
}

# check_sent FILE INVOICE: the reminder for INVOICE that arrived as FILE
# has no internal header left, and is at smtp-sink once.
check_sent() {
	OUT='X-Relance-ID' \
		expect "run 1: $2: no X-Relance-Invoice, no X-Relance-Step leave" \
		0 lab_header_names "$1" X-Relance-
	OUT=1 expect "run 1: $2: one copy at smtp-sink" 0 \
		sink_mid_count "$(lab_raw_header "$1" Message-ID)"
}

# ---- 2. relance run killed between "sending" and "sent"

stage_crash_after() {
	local m
	stage 2 "F2026-0311;C311;Garnier SA;compta@garnier.example;860,00;16/10/2026;15/11/2026"
	m=$(mid F2026-0311 reminder-1)
	OUT=$(cat <<'EOF'

EOF
	) expect "run 2: relance run killed (SIGKILL) after the hand-off, before \"sent\"" \
		137 relance_run 2 crash-after
	arrived 2 4 compta@garnier.example || return
	OUT="Message-ID: $m" expect "run 2: it went out with the Message-ID of \"sending\"" \
		0 hdrs "$msg/4.eml" Message-ID
	OUT=$(cat <<EOF
state=open last_step=reminder-1 pdf=LAB/pdf/F2026-0311.pdf
relance import (clerk): imported imported from LAB/msg/stage2.csv
relance run (clerk): sending reminder-1 $m to compta@garnier.example
relance-milter: reminder-sent reminder-1 to compta@garnier.example, tracking ID ID4, Message-ID $m, queue ID QID4; archived as 20261123T093000Z-QID4-out.eml, SHA-256 HASH
EOF
	) expect "run 2: \"sending\" left without an outcome; the milter's record of it" \
		0 history F2026-0311

	OUT=$(cat <<EOF
F2026-0311: none reminder-1: reminder-1 $m went out (confirmed by relance-milter)
F2026-0301: wait reminder-2 until 2026-11-30: reminder-2 not due before 2026-11-30
F2026-0302: wait reminder-1 until 2026-12-09: reminder-1 not due before 2026-12-09
F2026-0303: wait call until 2026-11-30: call not due before 2026-11-30
0 sent, 0 letters, 0 tasks, 4 skipped, 0 errors
EOF
	) expect "run 2: the next run resolves it from the milter's record" 0 \
		relance_run 3 pass
	OUT=$(cat <<EOF
state=open last_step=reminder-1 pdf=LAB/pdf/F2026-0311.pdf
relance import (clerk): imported imported from LAB/msg/stage2.csv
relance run (clerk): sending reminder-1 $m to compta@garnier.example
relance run (clerk): sent reminder-1 $m: confirmed by relance-milter
relance-milter: reminder-sent reminder-1 to compta@garnier.example, tracking ID ID4, Message-ID $m, queue ID QID4; archived as 20261123T093000Z-QID4-out.eml, SHA-256 HASH
EOF
	) expect "run 2: recorded as sent, confirmed by relance-milter" 0 history F2026-0311
	OUT=$(cat <<'EOF'
crash-after: -oi -f factures@example.com -- compta@garnier.example
EOF
	) expect "run 2: no sendmail call since the crash" 0 \
		calls 4
	if lab_wait 10 queue_empty; then
		ok "run 2: nothing left in Postfix's queue"
	else
		not_ok "run 2: nothing left in Postfix's queue" "still queued after 10 s"
	fi
	OUT=1 expect "run 2: one copy at smtp-sink, no duplicate" 0 sink_mid_count "$m"
	OUT=1 expect "run 2: one message to compta@garnier.example at all" 0 \
		lab_sink_count compta@garnier.example
}

# ---- 3. relance run killed before the hand-off

stage_crash_before() {
	local m
	stage 3 "F2026-0312;C312;Faure et Fils;compta@faure.example;230,00;16/10/2026;15/11/2026"
	m=$(mid F2026-0312 reminder-1)
	OUT=$(cat <<'EOF'
F2026-0311: wait reminder-2 until 2026-11-30: reminder-2 not due before 2026-11-30
F2026-0301: wait reminder-2 until 2026-11-30: reminder-2 not due before 2026-11-30
F2026-0302: wait reminder-1 until 2026-12-09: reminder-1 not due before 2026-12-09
F2026-0303: wait call until 2026-11-30: call not due before 2026-11-30
EOF
	) expect "run 3: relance run killed (SIGKILL) after \"sending\", before the hand-off" \
		137 relance_run 4 crash-before
	OUT=$(cat <<EOF
F2026-0311: wait reminder-2 until 2026-11-30: reminder-2 not due before 2026-11-30
F2026-0301: wait reminder-2 until 2026-11-30: reminder-2 not due before 2026-11-30
F2026-0302: wait reminder-1 until 2026-12-09: reminder-1 not due before 2026-12-09
F2026-0303: wait call until 2026-11-30: call not due before 2026-11-30
F2026-0312: error reminder-1: needs a person: was reminder-1 sent? (Message-ID $m)
0 sent, 0 letters, 0 tasks, 4 skipped, 1 errors
EOF
	) expect "run 3: the next run sends nothing and asks a person (exit 75)" 75 \
		relance_run 5 pass
	OUT=$(cat <<EOF
F2026-0311: wait reminder-2 until 2026-11-30: reminder-2 not due before 2026-11-30
F2026-0301: wait reminder-2 until 2026-11-30: reminder-2 not due before 2026-11-30
F2026-0302: wait reminder-1 until 2026-12-09: reminder-1 not due before 2026-12-09
F2026-0303: wait call until 2026-11-30: call not due before 2026-11-30
F2026-0312: error reminder-1: needs a person: was reminder-1 sent? (Message-ID $m)
0 sent, 0 letters, 0 tasks, 4 skipped, 1 errors
EOF
	) expect "run 3: and so does the run of the next day" 75 \
		relance_run 6 pass 2026-11-24
	OUT=$(cat <<'EOF'
crash-after: -oi -f factures@example.com -- compta@garnier.example
crash-before: -oi -f factures@example.com -- compta@faure.example
EOF
	) expect "run 3: no sendmail call since the crash" 0 \
		calls 4
	OUT=$(cat <<EOF
state=open last_step=reminder-1 pdf=LAB/pdf/F2026-0312.pdf
relance import (clerk): imported imported from LAB/msg/stage3.csv
relance run (clerk): sending reminder-1 $m to compta@faure.example
EOF
	) expect "run 3: \"sending\" stays, for a person to decide" 0 history F2026-0312
	if lab_wait 10 queue_empty; then
		ok "run 3: nothing in Postfix's queue"
	else
		not_ok "run 3: nothing in Postfix's queue" "still queued after 10 s"
	fi
	OUT=0 expect "run 3: nothing to compta@faure.example at smtp-sink" 0 \
		lab_sink_count compta@faure.example
}

# ---- 4. sendmail fails (exit 75), the next run retries

stage_tempfail() {
	local m
	stage 4 "F2026-0313;C313;Rousseau Paysage;compta@rousseau.example;540,00;16/10/2026;15/11/2026"
	m=$(mid F2026-0313 reminder-1)
	name "$(mid F2026-0312 reminder-1)" MID3
	OUT=$(cat <<EOF
F2026-0311: wait reminder-2 until 2026-11-30: reminder-2 not due before 2026-11-30
F2026-0301: wait reminder-2 until 2026-11-30: reminder-2 not due before 2026-11-30
F2026-0302: wait reminder-1 until 2026-12-09: reminder-1 not due before 2026-12-09
F2026-0303: wait call until 2026-11-30: call not due before 2026-11-30
F2026-0312: error reminder-1: needs a person: was reminder-1 sent? (Message-ID MID3)
F2026-0313: error reminder-1: reminder-1 $m: LAB/sendmail exited with status 75; retried on the next run
0 sent, 0 letters, 0 tasks, 4 skipped, 2 errors
EOF
	) expect "run 4: sendmail exits 75: an error for the invoice (exit 75)" 75 \
		relance_run 7 tempfail
	OUT=$(cat <<EOF
state=open last_step=null pdf=LAB/pdf/F2026-0313.pdf
relance import (clerk): imported imported from LAB/msg/stage4.csv
relance run (clerk): sending reminder-1 $m to compta@rousseau.example
relance run (clerk): send-failed reminder-1 $m: LAB/sendmail exited with status 75; retried on the next run
EOF
	) expect "run 4: send-failed recorded, the last step put back" 0 history F2026-0313
	OUT=$(cat <<EOF
F2026-0311: wait reminder-2 until 2026-11-30: reminder-2 not due before 2026-11-30
F2026-0301: wait reminder-2 until 2026-11-30: reminder-2 not due before 2026-11-30
F2026-0302: wait reminder-1 until 2026-12-09: reminder-1 not due before 2026-12-09
F2026-0303: wait call until 2026-11-30: call not due before 2026-11-30
F2026-0312: error reminder-1: needs a person: was reminder-1 sent? (Message-ID MID3)
F2026-0313: send reminder-1 (email) due 2026-11-23 to compta@rousseau.example: reminder-1 due on 2026-11-23 (skipping 1 missed step)
1 sent, 0 letters, 0 tasks, 4 skipped, 1 errors
EOF
	) expect "run 4: the next run sends it (exit 75 for F2026-0312 still)" 75 \
		relance_run 8 pass
	OUT=$(cat <<'EOF'
tempfail: -oi -f factures@example.com -- compta@rousseau.example
pass: -oi -f factures@example.com -- compta@rousseau.example
EOF
	) expect "run 4: sendmail called twice, once failing" 0 \
		calls 6
	arrived 4 5 compta@rousseau.example || return
	OUT=$(cat <<EOF
state=open last_step=reminder-1 pdf=LAB/pdf/F2026-0313.pdf
relance import (clerk): imported imported from LAB/msg/stage4.csv
relance run (clerk): sending reminder-1 $m to compta@rousseau.example
relance run (clerk): send-failed reminder-1 $m: LAB/sendmail exited with status 75; retried on the next run
relance run (clerk): sending reminder-1 $m to compta@rousseau.example
relance run (clerk): sent reminder-1 $m
relance-milter: reminder-sent reminder-1 to compta@rousseau.example, tracking ID ID5, Message-ID $m, queue ID QID5; archived as 20261123T093000Z-QID5-out.eml, SHA-256 HASH
EOF
	) expect "run 4: sent, confirmed by the milter's reminder-sent" 0 history F2026-0313
	OUT=$(cat <<'EOF'
multipart/mixed
text/plain charset=utf-8
application/pdf attachment filename=F2026-0313.pdf base64 641 bytes sha256 SUM
EOF
	) expect "run 4: with its PDF" 0 parts "$msg/5.eml"
	if lab_wait 10 queue_empty; then
		ok "run 4: nothing left in Postfix's queue"
	else
		not_ok "run 4: nothing left in Postfix's queue" "still queued after 10 s"
	fi
	OUT=1 expect "run 4: exactly one copy at smtp-sink" 0 \
		lab_sink_count compta@rousseau.example
}

# ---- 5. sendmail killed by a signal after the hand-off

stage_sendmail_killed() {
	local m
	stage 5 "F2026-0314;C314;Mercier Auto;compta@mercier.example;310,00;16/10/2026;15/11/2026"
	m=$(mid F2026-0314 reminder-1)
	name "$(mid F2026-0312 reminder-1)" MID3
	OUT=$(cat <<EOF
F2026-0311: wait reminder-2 until 2026-11-30: reminder-2 not due before 2026-11-30
F2026-0301: wait reminder-2 until 2026-11-30: reminder-2 not due before 2026-11-30
F2026-0302: wait reminder-1 until 2026-12-09: reminder-1 not due before 2026-12-09
F2026-0303: wait call until 2026-11-30: call not due before 2026-11-30
F2026-0312: error reminder-1: needs a person: was reminder-1 sent? (Message-ID MID3)
F2026-0313: wait reminder-2 until 2026-11-30: reminder-2 not due before 2026-11-30
F2026-0314: error reminder-1: reminder-1 $m: LAB/sendmail was killed by signal 9: needs a person: was it sent?
0 sent, 0 letters, 0 tasks, 5 skipped, 2 errors
EOF
	) expect "run 5: sendmail killed after the hand-off: relance run cannot know (exit 75)" \
		75 relance_run 9 die-after
	arrived 5 6 compta@mercier.example || return
	OUT=$(cat <<EOF
F2026-0311: wait reminder-2 until 2026-11-30: reminder-2 not due before 2026-11-30
F2026-0301: wait reminder-2 until 2026-11-30: reminder-2 not due before 2026-11-30
F2026-0302: wait reminder-1 until 2026-12-09: reminder-1 not due before 2026-12-09
F2026-0303: wait call until 2026-11-30: call not due before 2026-11-30
F2026-0312: error reminder-1: needs a person: was reminder-1 sent? (Message-ID MID3)
F2026-0313: wait reminder-2 until 2026-11-30: reminder-2 not due before 2026-11-30
F2026-0314: none reminder-1: reminder-1 $m went out (confirmed by relance-milter)
0 sent, 0 letters, 0 tasks, 6 skipped, 1 errors
EOF
	) expect "run 5: the next run resolves it from the milter's record" 75 \
		relance_run 10 pass
	OUT=$(cat <<EOF
state=open last_step=reminder-1 pdf=LAB/pdf/F2026-0314.pdf
relance import (clerk): imported imported from LAB/msg/stage5.csv
relance run (clerk): sending reminder-1 $m to compta@mercier.example
relance run (clerk): sent reminder-1 $m: confirmed by relance-milter
relance-milter: reminder-sent reminder-1 to compta@mercier.example, tracking ID ID6, Message-ID $m, queue ID QID6; archived as 20261123T093000Z-QID6-out.eml, SHA-256 HASH
EOF
	) expect "run 5: recorded as sent, confirmed by relance-milter" 0 history F2026-0314
	OUT='die-after: -oi -f factures@example.com -- compta@mercier.example' \
		expect "run 5: no sendmail call since" 0 \
		calls 8
	if lab_wait 10 queue_empty; then
		ok "run 5: nothing left in Postfix's queue"
	else
		not_ok "run 5: nothing left in Postfix's queue" "still queued after 10 s"
	fi
	OUT=1 expect "run 5: exactly one copy at smtp-sink" 0 \
		lab_sink_count compta@mercier.example
}

# ---- run

stage_sent
stage_crash_after
stage_crash_before
stage_tempfail
stage_sendmail_killed

# ---- the end: each Message-ID once at smtp-sink, nothing else

# mids_at_sink: each Message-ID at smtp-sink and how many times.
mids_at_sink() {
	msgids "$lab"/sink/* | sort | uniq -c | sed 's/^ *//' | named
}
OUT=$(cat <<'EOF'
1 <run.F2026-0301.reminder-1.1795426200@example.com>
1 <run.F2026-0302.courtesy.1795426200@example.com>
1 <run.F2026-0303.reminder-2.1795426200@example.com>
1 <run.F2026-0311.reminder-1.1795426200@example.com>
1 <run.F2026-0313.reminder-1.1795426200@example.com>
1 <run.F2026-0314.reminder-1.1795426200@example.com>
EOF
) expect "run: smtp-sink got each reminder once, and nothing else" 0 mids_at_sink
OUT='Mail queue is empty' expect "run: nothing is left in Postfix's queue" \
	0 postqueue -c "$lab/postfix" -p
OUT=0 expect "run: Postfix deferred and bounced nothing" 0 sh -c \
	'grep -c "status=\(deferred\|bounced\)" "$1" || true' sh \
	"$lab/log/maillog"


echo "# relance run: $(($(date +%s) - started)) s"
finish
