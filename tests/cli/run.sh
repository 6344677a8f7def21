#!/usr/bin/env bash
# run.sh -- shell tests of the relance command: exact output, exact exit
# status, and the state after each command. Run by `make check` (which sets
# top_srcdir and top_builddir) or by hand from the source tree.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/cli/lib.sh"

data=$top_srcdir/tests/cli/data
work=$(mktemp -d /tmp/relance-cli.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

# 2026-11-23 10:30 in Paris: every date and time below follows from it.
export RELANCE_NOW=1795426200
export SUDO_USER=clerk
cat >relance.conf <<EOF
# relance.conf for the command tests
StateFile  $work/state.db
PolicyDir  $top_srcdir/policies
TimeZone   Europe/Paris
EOF
r() { "$top_builddir/src/relance" -c "$work/relance.conf" "$@"; }

# first_error_line ARGS: the first line relance writes on stderr.
first_error_line() {
	local rc=0
	r "$@" 2>"$work/stderr" >/dev/null || rc=$?
	head -1 "$work/stderr"
	return "$rc"
}
# field KEY: the value of KEY in each JSON object read, one per line.
field() { grep -o "\"$1\":\"*[^\",]*" | sed 's/.*:"*//'; }

# --- configuration and policies

OUT="$work/relance.conf, $top_srcdir/policies: OK" \
	expect "check: shipped policies are valid" 0 r check

printf 'StateFile relative.db\nColour blue\n' >bad.conf
ERR=$(cat <<EOF
bad.conf:1: StateFile "relative.db" is not an absolute path (expected an absolute path, e.g. /var/lib/relance/relance.db)
bad.conf:2: unknown key "Colour" (expected one of StateFile, PolicyDir, CompanyName, Sender, ReplyAddress, IBAN, BIC, PaymentLink, Sendmail, TimeZone, Socket, UserID, PidFile, Mailbox, InternalNetworks, InternalDaemons, On-InternalError, SpoolDir, MaxBodySize, SubjectTag, PlusAddressing, Guard, ReminderSender, ReminderSubject, SummaryTo, OutboxDir, CompanyAddress, LetterPlace, Signatory, ArchiveDir, PdfDir)
EOF
) expect "a bad config names file and line, and stops" 78 \
	"$top_builddir/src/relance" -c bad.conf list

mkdir -p badpol/templates
cp "$top_srcdir"/policies/*.policy badpol/
cp -r "$top_srcdir"/policies/templates/fr badpol/templates/
sed -i '0,/^\tstep reminder-2 .*/s//\tstep reminder-2     +15x  mail/' badpol/profiles.policy
printf 'Subject: {invoice}\n\nHello {nobody}\n' >badpol/templates/fr/thanks
printf '\tclosed 2027-01-01 to 2026-12-24\n\tclosed 2026-02-30\n\twindow mon-fri 18:00-09:00\n' \
	>>badpol/calendar.policy
ERR=$(cat <<'EOF'
badpol/calendar.policy:27: closed range 2027-01-01 to 2026-12-24 ends before it starts, expected the first day, then the last
badpol/calendar.policy:28: bad date "2026-02-30", expected YYYY-MM-DD
badpol/calendar.policy:29: duplicate "window", first set at badpol/calendar.policy:20
badpol/profiles.policy:29: bad offset "+15x", expected days from the due date such as -8d, +15d or +20bd
badpol/templates/fr/thanks:3: unknown placeholder {nobody}, expected one of: invoice, customer, customer_name, contact, issue_date, due_date, amount_due, amount_original, currency, days_overdue, deadline_date, deadline_days, company_name, sender, reply_address, iban, bic, payment_link, interest_rate, interest_amount, indemnity, total_claimed, today, step, invoices
EOF
) expect "check: a broken policy prints every error" 78 r check badpol

# --- import

OUT="$data/invoices.csv: 4 invoices: 4 new, 0 updated, 0 unchanged" \
	expect "import: French Excel export" 0 r import "$data/invoices.csv"
OUT="$data/invoices.csv: 4 invoices: 0 new, 0 updated, 4 unchanged" \
	expect "import: the same file again changes nothing" 0 \
	r import "$data/invoices.csv"

TABLE=$(cat <<'EOF'
INVOICE    CUSTOMER                STATE    AMOUNT DUE     DUE DATE   LATE STEP
F2026-0101 Dupont ; Fils SARL      open        1234.56 EUR 2026-10-01   53 -
F2026-0102 Martin  Bâtiment        open         980.00 EUR 2026-10-15   39 -
F2026-0103 Acme Ltd                open        2500.00 EUR 2026-11-19    4 -
F2026-0104 Dupont ; Fils SARL      open         450.00 EUR 2026-12-01    0 -
EOF
)
OUT=$TABLE expect "list: a table for 80 columns, oldest due first" 0 r list

OUT=$(cat <<'EOF'
[
{"invoice":"F2026-0101","customer":"C001","customer_name":"Dupont ; Fils SARL","state":"open","amount_due":"1234.56","currency":"EUR","due_date":"2026-10-01","days_overdue":53,"last_step":null,"paused_until":null},
{"invoice":"F2026-0102","customer":"C002","customer_name":"Martin\r\nBâtiment","state":"open","amount_due":"980.00","currency":"EUR","due_date":"2026-10-15","days_overdue":39,"last_step":null,"paused_until":null},
{"invoice":"F2026-0103","customer":"C003","customer_name":"Acme Ltd","state":"open","amount_due":"2500.00","currency":"EUR","due_date":"2026-11-19","days_overdue":4,"last_step":null,"paused_until":null},
{"invoice":"F2026-0104","customer":"C001","customer_name":"Dupont ; Fils SARL","state":"open","amount_due":"450.00","currency":"EUR","due_date":"2026-12-01","days_overdue":0,"last_step":null,"paused_until":null}
]
EOF
) expect "list --json" 0 r list --json

OUT=$(printf '%s\n' "$TABLE" | head -4) \
	expect "list --overdue leaves out what is not due" 0 r list --overdue

ERR=$(cat <<EOF
$data/bad.csv:2: bad amount due "12,3,4" in column "montant" (expected an amount such as 1234.56, 1 234,56 or 1,234.56; a credit note as -120,00 or (120,00))
$data/bad.csv:3: bad e-mail address "pas-une-adresse" in column "courriel" (expected name@domain.tld)
$data/bad.csv:3: bad issue date "31/02/2026" in column "date" (expected a date such as 2026-11-22, 22/11/2026 or 22.11.2026)
$data/bad.csv:3: unknown payer profile "vip" in column "profil" (expected one of: bad, default, good)
$data/bad.csv:4: due date 2026-09-01 is before the issue date 2026-10-01
relance: import: $data/bad.csv: 5 errors: nothing imported
EOF
) expect "import: every bad row reported, nothing imported" 65 \
	r import "$data/bad.csv"
OUT=$TABLE expect "import: a refused file changed nothing" 0 r list

ERR=$(cat <<EOF
$data/unterminated.csv:3: unterminated quoted field (the quote opened here is never closed)
relance: import: $data/unterminated.csv: 1 error: nothing imported
EOF
) expect "import: an unterminated quote names its line" 65 \
	r import "$data/unterminated.csv"

OUT="$data/long-terms.csv: 1 invoice: 1 new, 0 updated, 0 unchanged" \
ERR="$data/long-terms.csv:2: warning: invoice F8-1: payment terms of 180 days exceed the legal maximum of 60 days from the issue date (Code de commerce L441-10)" \
	expect "import: terms over 60 days warn" 0 r import "$data/long-terms.csv"

OUT="$data/windows-1252.csv: 1 invoice: 1 new, 0 updated, 0 unchanged" \
ERR="$data/windows-1252.csv:1: warning: not UTF-8: read as Windows-1252 (Excel's encoding)" \
	expect "import: Windows-1252 export" 0 r import "$data/windows-1252.csv"
name_and_amount() {
	local json
	json=$(r show "$1" --json)
	echo "$(field customer_name <<<"$json") $(field amount_due <<<"$json")"
}
OUT="Société Générale d’Études 99.90" \
	expect "import: Windows-1252 names arrive as UTF-8" 0 \
	name_and_amount F2026-0201

ERR="relance: import: $work/nope.csv: cannot read: No such file or directory" \
	expect "import: a missing file" 66 r import "$work/nope.csv"

OUT="$data/invoices-v2.csv: 3 invoices: 0 new, 2 updated, 1 unchanged" \
	expect "import: a newer export updates" 0 r import "$data/invoices-v2.csv"

# --- one invoice's life

OUT="F2026-0102: open (partial payment of 480.00 EUR received on 2026-11-20; 500.00 EUR still due)" \
	expect "pay: partial" 0 r pay F2026-0102 480,00 --date 20/11/2026
ERR="relance: pay: payment of 600.00 EUR is more than the 500.00 EUR due on invoice F2026-0102" \
	expect "pay: more than due is refused" 65 r pay F2026-0102 600
ERR=$(cat <<'EOF'
relance: pay: bad amount "abc" (expected a positive amount such as 120.50 or 120,50)
EOF
) expect "pay: a bad amount" 64 r pay F2026-0102 abc
ERR=$(cat <<'EOF'
relance: pay: bad date "2026-13-01" (expected YYYY-MM-DD or DD/MM/YYYY)
usage: relance pay INVOICE [AMOUNT] [--date YYYY-MM-DD]
EOF
) expect "pay: a bad date" 64 r pay F2026-0102 --date 2026-13-01
ERR='relance: pay: unknown invoice "F0000"' \
	expect "pay: an unknown invoice" 65 r pay F0000
OUT="F2026-0102: paid (payment of 500.00 EUR received on 2026-11-23; fully paid)" \
	expect "pay: the rest" 0 r pay F2026-0102

ERR=$(cat <<'EOF'
relance: dispute: --reason TEXT is required
usage: relance dispute INVOICE --reason TEXT
EOF
) expect "dispute: needs a reason" 64 r dispute F2026-0101
OUT="F2026-0101: disputed (disputed: quantités erronées)" \
	expect "dispute" 0 r dispute F2026-0101 --reason "quantités erronées"
ERR="relance: pause: invoice F2026-0101 is disputed: resolve it before pausing" \
	expect "pause: not while disputed" 65 r pause F2026-0101 --for 7d
OUT="F2026-0101: open (dispute resolved (quantités erronées); dunning resumes)" \
	expect "resolve" 0 r resolve F2026-0101
OUT="F2026-0101: paused (paused until 2026-11-30: promised on the phone)" \
	expect "pause --for" 0 r pause F2026-0101 --for 7d --reason "promised on the phone"
paused_list() { r list --state paused --json | field paused_until; }
OUT="2026-11-30" expect "list --state paused shows the pause" 0 paused_list
OUT="F2026-0101: open (pause ended by hand)" \
	expect "resume" 0 r resume F2026-0101
ERR="relance: resume: invoice F2026-0101 is open, not paused: nothing to resume" \
	expect "resume: not paused" 65 r resume F2026-0101
ERR=$(cat <<'EOF'
relance: pause: give exactly one of --until DATE and --for DAYS
usage: relance pause INVOICE (--until YYYY-MM-DD | --for DAYS) [--reason TEXT]
EOF
) expect "pause: needs a date" 64 r pause F2026-0101
ERR="relance: pause: pause date 2026-11-01 is not after today" \
	expect "pause: not in the past" 65 r pause F2026-0101 --until 2026-11-01
OUT="F2026-0104: closed (cancelled: avoir AV-2026-007)" \
	expect "cancel" 0 r cancel F2026-0104 --reason "avoir AV-2026-007"

OUT=$(cat <<'EOF'
Invoice F2026-0102
  Customer      Martin  Bâtiment (C002)
  Contacts      factures@martin.example, jean.martin@martin.example
  State         paid
  Amount due    0.00 EUR (invoiced 980.00 EUR)
  Issued        2026-09-15
  Due           2026-10-15
  Profile       bad, fr
  Last step     none
  PDF           /srv/factures/F2026-0102.pdf
History
  2026-11-23 10:30  imported  relance import (clerk)
                    imported from DATA/invoices.csv
  2026-11-23 10:30  payment   relance pay (clerk)
                    partial payment of 480.00 EUR received on 2026-11-20; 500.00 EUR still due
  2026-11-23 10:30  paid      relance pay (clerk)
                    payment of 500.00 EUR received on 2026-11-23; fully paid
EOF
)
OUT=${OUT//DATA/$data}
expect "show: details and history" 0 r show F2026-0102

OUT=$(cat <<'EOF'
{"invoice":"F2026-0103","customer":"C003","customer_name":"Acme Ltd","state":"paid","amount_due":"0.00","currency":"EUR","due_date":"2026-11-19","days_overdue":4,"last_step":null,"paused_until":null,"amount_original":"2500.00","issue_date":"2026-10-20","profile":"good","language":"en","pdf":null,"dispute_reason":null,"contacts":["ap@acme.example"],"undeliverable":[],"tracking_ids":[],"message_ids":[],"history":[{"time":"2026-11-23T09:30:00Z","kind":"imported","actor":"relance import (clerk)","detail":"imported from DATA/invoices.csv"},{"time":"2026-11-23T09:30:00Z","kind":"updated","actor":"relance import (clerk)","detail":"amount due: 2500.00 -> 0.00"},{"time":"2026-11-23T09:30:00Z","kind":"paid","actor":"relance import (clerk)","detail":"the accounting export shows nothing left to pay"}]}
EOF
)
OUT=${OUT//DATA/$data}
expect "show --json: an export with nothing due marks paid" 0 \
	r show F2026-0103 --json
ERR='relance: show: unknown invoice "F404"' \
	expect "show: an unknown invoice" 65 r show F404

# --- the state file

OUT="$work/state.db: OK" expect "fsck: a clean file" 0 r fsck
OUT="$work/state.db: backed up to $work/backup.dump" \
	expect "backup" 0 r backup "$work/backup.dump"
r list --json >saved.json
r pay F2026-0101 >/dev/null
OUT="$work/state.db: restored from $work/backup.dump" \
	expect "restore" 0 r restore "$work/backup.dump"
OUT=$(cat saved.json) expect "restore brings back the backed-up state" 0 \
	r list --json
# a state file truncated to nothing: not taken for an empty state
cp "$work/state.db" "$work/state.db.good"
: >"$work/state.db"
ERR="relance: fsck: $work/state.db: the file is empty (0 bytes), not a state file (truncated?); restore it from a backup with \`relance restore\`" \
	expect "fsck --dry-run: a zero-length state file" 74 r fsck --dry-run
ERR="relance: pay: $work/state.db: cannot open: the file is empty (0 bytes), not a state file (truncated?); restore it from a backup with \`relance restore\`" \
	expect "pay: a zero-length state file is not made a new one" 74 \
	r pay F2026-0101
OUT="$work/state.db: restored from $work/backup.dump" \
	expect "restore over a zero-length state file" 0 \
	r restore "$work/backup.dump"
OUT=$(cat saved.json) expect "restore over it brings back the state" 0 \
	r list --json
printf 'GARBAGE!' | dd of="$work/state.db" conv=notrunc 2>/dev/null
OUT="$work/state.db: restored from $work/backup.dump" \
	expect "restore over a state file with a broken header" 0 \
	r restore "$work/backup.dump"
OUT=$(cat saved.json) expect "restore over it brings back the state" 0 \
	r list --json
cp "$work/state.db.good" "$work/state.db"

# --- two commands at once

F=F2026-0201
OUT="Société Générale d’Études 99.90" expect "before the payments" 0 \
	name_and_amount "$F"
for i in 1 2 3 4 5 6; do r pay "$F" 1,00 >/dev/null & done
wait
due_and_payments() {
	local json
	json=$(r show "$1" --json)
	echo "$(field amount_due <<<"$json") $(grep -o '"kind":"payment"' <<<"$json" | wc -l)"
}
OUT="93.90 6" expect "six payments at once: none lost" 0 due_and_payments "$F"

if command -v flock >/dev/null; then
	flock -x "$work/state.db" sleep 8 &
	holder=$!
	sleep 0.5
	ERR="relance: pay: $work/state.db: state file busy (locked by another process; gave up after 5000 ms)" \
		expect "a state file locked by another process: busy, no hang" 75 \
		r pay "$F" 1,00
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
fi

# --- classify

mail=$top_srcdir/tests/mail
OUT=$(cat <<EOF
$mail/fr-promise-gmail-vendredi.eml: promise tracking=R-7S3HZ32ZV invoices=F2026-0119 promise_date=2026-11-27 evidence="fr pattern promise: Je vous règle"
$mail/en-bounce-qmail-failure-notice.eml: bounce tracking=R-VGS4KWVB7 recipient=contact@fleuriste-morin.example (permanent) evidence="en subject bounce: failure notice"
EOF
) expect "classify: one line per message" 0 r classify \
	"$mail/fr-promise-gmail-vendredi.eml" "$mail/en-bounce-qmail-failure-notice.eml"

OUT='{"file":"-","class":"dispute","evidence":"fr keyword dispute: Je conteste","tracking_ids":["R-7K3Q9WXMT"],"invoices":["F2026-0142"],"promise_date":null,"return_date":null,"amounts":[],"bounce_recipient":null,"bounce_permanent":null,"truncated":false}' \
	expect "classify --json from standard input" 0 \
	sh -c '"$0" -c "$1" classify --json - <"$2"' "$top_builddir/src/relance" \
	"$work/relance.conf" "$mail/fr-dispute-outlook-qp.eml"

{
	echo "From someone@example.com Mon Nov 23 10:00:00 2026"
	cat "$mail/fr-promise-gmail-vendredi.eml"
	echo
	echo "From other@example.com Mon Nov 23 10:05:00 2026"
	cat "$mail/en-bounce-qmail-failure-notice.eml"
} | tr -d '\r' >box.mbox
mkdir -p maildir/cur maildir/new maildir/tmp
cp "$mail/fr-dispute-outlook-qp.eml" maildir/new/1.eml
cp "$mail/fr-promise-gmail-vendredi.eml" maildir/cur/2.eml
classes() { r classify "$@" | sed 's/^\([^ ]*\) \([a-z-]*\).*/\1 \2/'; }
OUT=$(cat <<'EOF'
box.mbox#1: promise
box.mbox#2: bounce
EOF
) expect "classify --mbox: each message of an mbox" 0 classes --mbox box.mbox
OUT=$(cat <<'EOF'
maildir/cur/2.eml: promise
maildir/new/1.eml: dispute
EOF
) expect "classify: a Maildir's cur and new" 0 classes maildir
printf 'garbage \0\377 not mail' >garbage.eml
OUT='garbage.eml: unrelated evidence="no signal"' \
ERR="relance: classify: $work/nope.eml: cannot read: No such file or directory" \
	expect "classify: garbage is unrelated; an unreadable file fails" 66 \
	r classify garbage.eml "$work/nope.eml"

# --- replay

cat >reply.eml <<'EOF'
From: Jean <compta@dupont.example>
To: factures@example.com
Subject: RE: Facture F2026-0103
Date: Mon, 23 Nov 2026 10:00:00 +0100
Message-ID: <r1@dupont.example>

Le virement pour la facture F2026-0103 a été effectué ce jour.
EOF
OUT="reply.eml: remittance invoice=F2026-0103 state=paid: invoice F2026-0103 (invoice match, weak): recorded for review: matched on a weak signal only" \
	expect "replay: an invoice number alone is recorded for review" 0 \
	r replay reply.eml
last_event() { r show "$1" --json | grep -o '"kind":"[a-z-]*"' | tail -1; }
OUT='"kind":"review"' expect "replay: the review is in the history" 0 \
	last_event F2026-0103

# --- run

# A fake sendmail: its arguments and the message go to sent.log; it exits
# 75 (EX_TEMPFAIL) without reading while the file "fail" exists.
cat >fake-sendmail <<'EOF'
#!/bin/sh
dir=$(dirname "$0")
[ -e "$dir/fail" ] && exit 75
printf 'argv: %s\n' "$*" >>"$dir/sent.log"
cat >>"$dir/sent.log"
EOF
chmod +x fake-sendmail
: >sent.log
cat >>relance.conf <<EOF
Sender       "Compta Exemple <factures@example.com>"
Sendmail     $work/fake-sendmail
CompanyName  Exemple SARL
IBAN         FR7630006000011234567890189
BIC          AGRIFRPP
PaymentLink  https://pay.example.com/{invoice}?a={amount}
OutboxDir    $work/outbox
CompanyAddress 12, rue de la Paix
CompanyAddress 75002 Paris
EOF
printf '%%PDF-1.4 fake\n' >F9-1.pdf
cat >run.csv <<EOF
N° facture;Client;Nom;Courriel;Montant;Devise;Date;Échéance;Profil;Langue;Fichier
F9-1;C9;Fleurs Morin;compta@morin.example;150,00;EUR;01/11/2026;01/12/2026;default;fr;$work/F9-1.pdf
F9-2;C9;Fleurs Morin;compta@morin.example;80,00;EUR;20/10/2026;20/11/2026;bad;en;$work/F9-1.pdf
EOF
r import run.csv >/dev/null

OUT=$(cat <<'EOF'
F2026-0103: thanks thanks (email) to ap@acme.example: fully paid: thank the customer
F2026-0104: none: invoice is cancelled
F9-1: send courtesy (email) due 2026-11-23 to compta@morin.example: courtesy due on 2026-11-23
F8-1: task reminder-1 (task) due 2026-07-08: PDF missing: send reminder-1 by hand (the invoice has no PDF)
F2026-0101: task reminder-1 (task) due 2026-10-09: PDF missing: send reminder-1 by hand (the invoice has no PDF)
F2026-0102: thanks thanks (email) to factures@martin.example, jean.martin@martin.example: fully paid: thank the customer
F2026-0201: task courtesy (task) due 2026-11-23: PDF missing: send courtesy by hand (the invoice has no PDF)
F9-2: send reminder-1 (email) due 2026-11-23 to compta@morin.example: reminder-1 due on 2026-11-23 (skipping 1 missed step)
dry run: 4 sent, 0 letters, 3 tasks, 1 skipped, 0 errors
EOF
)
OUT=${OUT//WORK/$work}
expect "run --dry-run: what would be done and why" 0 r run --dry-run
OUT=$(cat <<'EOF'
{"invoice":"F2026-0103","action":"thanks","step":"thanks","channel":"email","when":null,"to":["ap@acme.example"],"why":"fully paid: thank the customer"}
{"invoice":"F2026-0104","action":"none","step":null,"channel":null,"when":null,"why":"invoice is cancelled"}
{"invoice":"F9-1","action":"send","step":"courtesy","channel":"email","when":"2026-11-23","to":["compta@morin.example"],"why":"courtesy due on 2026-11-23"}
{"invoice":"F8-1","action":"task","step":"reminder-1","channel":"task","when":"2026-07-08","why":"PDF missing: send reminder-1 by hand (the invoice has no PDF)"}
{"invoice":"F2026-0101","action":"task","step":"reminder-1","channel":"task","when":"2026-10-09","why":"PDF missing: send reminder-1 by hand (the invoice has no PDF)"}
{"invoice":"F2026-0102","action":"thanks","step":"thanks","channel":"email","when":null,"to":["factures@martin.example","jean.martin@martin.example"],"why":"fully paid: thank the customer"}
{"invoice":"F2026-0201","action":"task","step":"courtesy","channel":"task","when":"2026-11-23","why":"PDF missing: send courtesy by hand (the invoice has no PDF)"}
{"invoice":"F9-2","action":"send","step":"reminder-1","channel":"email","when":"2026-11-23","to":["compta@morin.example"],"why":"reminder-1 due on 2026-11-23 (skipping 1 missed step)"}
{"summary":true,"sent":4,"letters":0,"tasks":3,"skipped":1,"errors":0}
EOF
)
OUT=${OUT//WORK/$work}
expect "run --dry-run --json: one object per invoice" 0 \
	r run --dry-run --json
OUT="" expect "run --dry-run sends nothing" 0 cat sent.log
OUT="" expect "run --dry-run writes no letter (not even the outbox)" 0 test ! -e outbox

# The send window (calendar.policy: mon-fri 08:00-18:00, in TimeZone).
OUT=$(cat <<'EOF'
F2026-0103: wait thanks (email): skipped: outside the send window (mon-fri 08:00-18:00 Europe/Paris); fully paid: thank the customer
F9-1: wait courtesy (email): skipped: outside the send window (mon-fri 08:00-18:00 Europe/Paris); courtesy due on 2026-11-23
F2026-0102: wait thanks (email): skipped: outside the send window (mon-fri 08:00-18:00 Europe/Paris); fully paid: thank the customer
F9-2: wait reminder-1 (email): skipped: outside the send window (mon-fri 08:00-18:00 Europe/Paris); reminder-1 due on 2026-11-23 (skipping 1 missed step)
dry run: 0 sent, 0 letters, 0 tasks, 8 skipped, 0 errors
EOF
) expect "run --dry-run outside the send window: skipped, with the reason" 0 \
	sh -c '"$0" -c "$1" run --dry-run --time 18:00 | grep -E "^F(9|2026-010[23])|sent,"' \
	"$top_builddir/src/relance" "$work/relance.conf"
OUT=$(cat <<'EOF'
{"invoice":"F9-1","action":"wait","step":"courtesy","channel":"email","when":null,"why":"skipped: outside the send window (mon-fri 08:00-18:00 Europe/Paris); courtesy due on 2026-11-23"}
{"summary":true,"sent":0,"letters":0,"tasks":0,"skipped":8,"errors":0}
EOF
) expect "run --dry-run at 19:30 by the clock: outside the window" 0 \
	sh -c 'RELANCE_NOW=$((RELANCE_NOW + 9 * 3600)) "$0" -c "$1" run --dry-run --json | grep -E "F9-1|summary"' \
	"$top_builddir/src/relance" "$work/relance.conf"
OUT=$(cat <<'EOF'
dry run: 4 sent, 0 letters, 3 tasks, 1 skipped, 0 errors
EOF
) expect "run --dry-run --time 17:59: inside the window" 0 \
	sh -c '"$0" -c "$1" run --dry-run --time 17:59 | tail -1' \
	"$top_builddir/src/relance" "$work/relance.conf"
OUT=$(cat <<'EOF'
F9-1: wait courtesy until 2026-11-30: 2026-11-28 is not a business day (Saturday)
F2026-0102: wait thanks (email) until 2026-11-30: 2026-11-28 is not a business day (Saturday)
F9-2: wait reminder-1 until 2026-11-30: 2026-11-28 is not a business day (Saturday)
dry run: 0 sent, 0 letters, 0 tasks, 8 skipped, 0 errors
EOF
) expect "run --dry-run on a Saturday: nothing goes out" 0 \
	sh -c '"$0" -c "$1" run --dry-run --date 2026-11-28 | grep -E "^F(9|2026-0102)|sent,"' \
	"$top_builddir/src/relance" "$work/relance.conf"
OUT=$(cat <<'EOF'
F9-1: send reminder-1 (email) due 2026-12-09 to compta@morin.example: reminder-1 due on 2026-12-09 as the first contact, not formal-notice (skipping 1 missed step)
EOF
) expect "run --dry-run --date: a late invoice's first contact is reminder-1" 0 \
	sh -c '"$0" -c "$1" run --dry-run --date 2027-01-15 | grep -E "^F9-1"' \
	"$top_builddir/src/relance" "$work/relance.conf"
mkdir -p closedpol
cp -r "$top_srcdir"/policies/* closedpol/
printf '\tclosed 2026-11-23\n\tclosed 2026-12-24 to 2027-01-01\n' >>closedpol/calendar.policy
sed "s|^PolicyDir .*|PolicyDir $work/closedpol|" relance.conf >closed.conf
OUT=$(cat <<'EOF'
F9-1: wait courtesy until 2026-11-24: courtesy not due before 2026-11-24
F9-2: wait courtesy until 2026-11-24: 2026-11-23 is not a business day (closed)
dry run: 0 sent, 0 letters, 0 tasks, 8 skipped, 0 errors
EOF
) expect "run --dry-run on a closed day of the policy: nothing goes out" 0 \
	sh -c '"$0" -c "$1" run --dry-run | grep -E "^F9|sent,"' \
	"$top_builddir/src/relance" "$work/closed.conf"
OUT='relance: run: bad time "9h30" (expected HH:MM, 00:00 to 23:59)' \
	expect "run --time: a bad time is a usage error" 64 first_error_line run --time 9h30

# The real run: F9-1 and F9-2 by mail (F9-2 while sendmail fails).
touch fail
run_fail() { r run | grep -E '^F9|sent,'; }
OUT=$(cat <<'EOF'
F9-1: error courtesy: courtesy <run.F9-1.courtesy.1795426200@example.com>: WORK/fake-sendmail exited with status 75; retried on the next run
F9-2: error reminder-1: reminder-1 <run.F9-2.reminder-1.1795426200@example.com>: WORK/fake-sendmail exited with status 75; retried on the next run
0 sent, 0 letters, 3 tasks, 1 skipped, 4 errors
EOF
)
OUT=${OUT//WORK/$work}
expect "run: a failing sendmail is an error, recorded" 0 run_fail
kinds() { r show "$1" --json | grep -o '"kind":"[a-z-]*"' | tr '\n' ' '; echo; }
OUT='"kind":"imported" "kind":"sending" "kind":"send-failed" ' \
	expect "run: send-failed in the history" 0 kinds F9-1
OUT=null expect "run: the last step is put back" 0 \
	sh -c '"$0" -c "$1" show F9-1 --json | grep -o "\"last_step\":[a-z\"-]*" | sed "s/.*://"' \
	"$top_builddir/src/relance" "$work/relance.conf"
rm fail
OUT=$(cat <<'EOF'
F9-1: send courtesy (email) due 2026-11-23 to compta@morin.example: courtesy due on 2026-11-23
F9-2: send reminder-1 (email) due 2026-11-23 to compta@morin.example: reminder-1 due on 2026-11-23 (skipping 1 missed step)
4 sent, 0 letters, 0 tasks, 4 skipped, 0 errors
EOF
) expect "run: the next run retries" 0 sh -c '"$0" -c "$1" run | grep -E "^F9|sent,"' \
	"$top_builddir/src/relance" "$work/relance.conf"
OUT=$(cat <<'EOF'
argv: -oi -f factures@example.com -- ap@acme.example
argv: -oi -f factures@example.com -- compta@morin.example
argv: -oi -f factures@example.com -- factures@martin.example jean.martin@martin.example
argv: -oi -f factures@example.com -- compta@morin.example
EOF
) expect "run: sendmail's arguments" 0 grep '^argv:' sent.log
OUT=$(cat <<'EOF'
Subject: Thank you for your payment of invoice F2026-0103
X-Relance-Invoice: F2026-0103
X-Relance-Step: thanks
Subject: Facture F9-1 : =?UTF-8?Q?=C3=A9ch=C3=A9ance?= le 01/12/2026
X-Relance-Invoice: F9-1
X-Relance-Step: courtesy
Subject: Merci pour votre =?UTF-8?Q?r=C3=A8glement?= de la facture F2026-0102
X-Relance-Invoice: F2026-0102
X-Relance-Step: thanks
Subject: Unpaid invoice F9-2 of 20 October 2026
X-Relance-Invoice: F9-2
X-Relance-Step: reminder-1
EOF
) expect "run: the messages' headers" 0 grep -E '^(Subject|X-Relance-[A-Za-z]*):' sent.log
OUT='"kind":"imported" "kind":"sending" "kind":"send-failed" "kind":"sending" "kind":"sent" ' \
	expect "run: sending then sent in the history" 0 kinds F9-1
OUT='"message_ids":["<run.F9-1.courtesy.1795426200@example.com>"]' \
	expect "run: the Message-ID sent is the invoice's, for replies" 0 \
	sh -c '"$0" -c "$1" show F9-1 --json | grep -o "\"message_ids\":[^]]*]"' \
	"$top_builddir/src/relance" "$work/relance.conf"
OUT="0 sent, 0 letters, 0 tasks, 8 skipped, 0 errors" \
	expect "run: a second run the same day sends nothing" 0 \
	sh -c '"$0" -c "$1" run | tail -1' "$top_builddir/src/relance" "$work/relance.conf"

# --- confirm: a person answers for a send left without an outcome

# Its own state file; a sendmail that takes the message, then kills the
# run that called it (a crash between "sending" and "sent", which no
# milter saw).
cat >crash-sendmail <<'EOF'
#!/bin/sh
dir=$(dirname "$0")
printf 'argv: %s\n' "$*" >>"$dir/crash.log"
cat >>"$dir/crash.log"
[ -e "$dir/crash" ] && kill -9 "$PPID"
exit 0
EOF
chmod +x crash-sendmail
sed -e "s|^StateFile .*|StateFile $work/confirm.db|" \
	-e "s|^Sendmail .*|Sendmail $work/crash-sendmail|" relance.conf >confirm.conf
cr() { "$top_builddir/src/relance" -c "$work/confirm.conf" "$@"; }
cat >confirm.csv <<EOF
N° facture;Client;Nom;Courriel;Montant;Devise;Date;Échéance;Profil;Langue;Fichier
F9-7;C9;Fleurs Morin;compta@morin.example;150,00;EUR;01/11/2026;01/12/2026;default;fr;$work/F9-1.pdf
EOF
cr import confirm.csv >/dev/null
touch crash
crashed_run() { cr run >/dev/null 2>&1; echo "exit $?"; }
OUT="exit 137" expect "confirm: the run dies after handing the mail over" 0 crashed_run
rm crash
OUT=$(cat <<'EOF'
F9-7: error courtesy: needs a person: was courtesy sent? (Message-ID <run.F9-7.courtesy.1795426200@example.com>)
0 sent, 0 letters, 0 tasks, 0 skipped, 1 errors
EOF
) expect "confirm: the next run asks a person, sends nothing" 75 cr run
OUT="F9-7: courtesy <run.F9-7.courtesy.1795426200@example.com>: not sent (a person's answer); retried on the next run; note: absent du journal de Postfix" \
	expect "confirm not-sent" 0 cr confirm F9-7 not-sent --note "absent du journal de Postfix"
ERR="relance: confirm: invoice F9-7 has no send waiting for an answer" \
	expect "confirm: nothing left to answer" 65 cr confirm F9-7 sent
OUT=$(cat <<'EOF'
F9-7: send courtesy (email) due 2026-11-23 to compta@morin.example: courtesy due on 2026-11-23
1 sent, 0 letters, 0 tasks, 0 skipped, 0 errors
EOF
) expect "confirm: the next run sends it again" 0 cr run
OUT=2 expect "confirm: two copies handed over in all, one per answer" 0 \
	grep -c '^argv:' crash.log
ERR=$(cat <<'EOF'
relance: confirm: expected an invoice, then sent or not-sent
usage: relance confirm INVOICE sent|not-sent [--note TEXT]
EOF
) expect "confirm: a bad answer" 64 cr confirm F9-7 maybe
ERR="relance: confirm: no invoice F404" \
	expect "confirm: an unknown invoice" 65 cr confirm F404 sent

# --- tasks

# The run above left three tasks, all at 10:30: reminders to send by hand
# (their invoices have no PDF). A day later, a new invoice whose number holds
# a dot and a dash gets one more; then F2026-0201 is paid, which makes its
# task moot.
cat >later.csv <<'EOF2'
N° facture;Client;Nom;Courriel;Montant;Devise;Date;Échéance;Profil;Langue;Fichier
F.7-1;C7;Atelier Roux;compta@roux.example;42,00;EUR;01/11/2026;02/12/2026;default;fr;
EOF2
r import later.csv >/dev/null
OUT=$(cat <<'EOF2'
TASK         DATE       INVOICE    CUSTOMER             TO DO
F2026-0101.1 2026-11-23 F2026-0101 Dupont ; Fils SARL   PDF missing: send reminder-1 by hand (the invoice has no PDF)
F2026-0201.1 2026-11-23 F2026-0201 Société Générale d’… PDF missing: send courtesy by hand (the invoice has no PDF)
F8-1.1       2026-11-23 F8-1       C1                   PDF missing: send reminder-1 by hand (the invoice has no PDF)
EOF2
) expect "tasks: the open tasks the run left" 0 r tasks
OUT="F.7-1: task courtesy (task) due 2026-11-24: PDF missing: send courtesy by hand (the invoice has no PDF)" \
	expect "tasks: a task made a day later" 0 \
	sh -c 'RELANCE_NOW=$((RELANCE_NOW + 86400)) "$0" -c "$1" run | grep "^F\.7-1:"' \
	"$top_builddir/src/relance" "$work/relance.conf"
r pay F2026-0201 >/dev/null
OUT=$(cat <<'EOF2'
TASK         DATE       INVOICE    CUSTOMER             TO DO
F2026-0101.1 2026-11-23 F2026-0101 Dupont ; Fils SARL   PDF missing: send reminder-1 by hand (the invoice has no PDF)
F8-1.1       2026-11-23 F8-1       C1                   PDF missing: send reminder-1 by hand (the invoice has no PDF)
F.7-1.1      2026-11-24 F.7-1      Atelier Roux         PDF missing: send courtesy by hand (the invoice has no PDF)
EOF2
) expect "tasks: oldest first; a paid invoice's task is left out" 0 r tasks

OUT="F2026-0101.1: done (PDF missing: send reminder-1 by hand (the invoice has no PDF); note: posté, AR n° 1A 234)" \
	expect "done --note" 0 r done F2026-0101.1 --note "posté, AR n° 1A 234"
OUT="F.7-1.1: done (PDF missing: send courtesy by hand (the invoice has no PDF))" \
	expect "done: an invoice number with a dot and a dash" 0 \
	sh -c 'RELANCE_NOW=$((RELANCE_NOW + 90000)) SUDO_USER=anne "$0" -c "$1" done F.7-1.1' \
	"$top_builddir/src/relance" "$work/relance.conf"
r show F2026-0101 --json >before.json
ERR="relance: done: task F2026-0101.1 is already done (2026-11-23 10:30 by relance done (clerk))" \
	expect "done: twice is refused" 65 r done F2026-0101.1 --note again
ERR='relance: done: unknown task "F2026-0101.2": invoice F2026-0101 has 1 task' \
	expect "done: an unknown task" 65 r done F2026-0101.2
ERR='relance: done: unknown task "F404.1": no invoice F404' \
	expect "done: an unknown invoice" 65 r done F404.1
ERR=$(cat <<'EOF2'
relance: done: bad task "F2026-0101" (expected INVOICE.N as relance tasks lists it, e.g. F2026-0042.1)
usage: relance done TASK [--note TEXT]
EOF2
) expect "done: a task ID without its number" 64 r done F2026-0101
ERR=$(cat <<'EOF2'
relance: done: --note must be one line of 1 to 500 bytes
usage: relance done TASK [--note TEXT]
EOF2
) expect "done: a note of two lines" 64 r done F8-1.1 --note "$(printf 'a\nb')"
OUT=$(cat before.json) expect "done: a refusal changes nothing" 0 \
	r show F2026-0101 --json
OUT='"kind":"task" "kind":"task-done" ' expect "done: task-done in the history" 0 \
	sh -c '"$0" -c "$1" show F2026-0101 --json | grep -o "\"kind\":\"task[a-z-]*\"" | tr "\n" " "; echo' \
	"$top_builddir/src/relance" "$work/relance.conf"
OUT=$(cat <<'EOF2'
TASK   DATE       INVOICE CUSTOMER             TO DO
F8-1.1 2026-11-23 F8-1    C1                   PDF missing: send reminder-1 by hand (the invoice has no PDF)
EOF2
) expect "tasks: done ones are left out" 0 r tasks
OUT=$(cat <<'EOF2'
TASK         DATE       INVOICE    CUSTOMER             TO DO
F2026-0101.1 2026-11-23 F2026-0101 Dupont ; Fils SARL   PDF missing: send reminder-1 by hand (the invoice has no PDF)
    done 2026-11-23 10:30 by relance done (clerk): posté, AR n° 1A 234
F2026-0201.1 2026-11-23 F2026-0201 Société Générale d’… PDF missing: send courtesy by hand (the invoice has no PDF)
    not to do: the invoice is paid
F8-1.1       2026-11-23 F8-1       C1                   PDF missing: send reminder-1 by hand (the invoice has no PDF)
F.7-1.1      2026-11-24 F.7-1      Atelier Roux         PDF missing: send courtesy by hand (the invoice has no PDF)
    done 2026-11-24 11:30 by relance done (anne)
EOF2
) expect "tasks --all: done and moot ones, when, by whom, the note" 0 r tasks --all
OUT=$(cat <<'EOF2'
[
{"task":"F2026-0101.1","time":"2026-11-23T09:30:00Z","invoice":"F2026-0101","customer":"C001","customer_name":"Dupont ; Fils SARL","state":"open","status":"done","what":"PDF missing: send reminder-1 by hand (the invoice has no PDF)","detail":"PDF missing: send reminder-1 by hand (the invoice has no PDF)","by":"relance run (clerk)","done_time":"2026-11-23T09:30:00Z","done_by":"relance done (clerk)","note":"posté, AR n° 1A 234"},
{"task":"F2026-0201.1","time":"2026-11-23T09:30:00Z","invoice":"F2026-0201","customer":"C020","customer_name":"Société Générale d’Études","state":"paid","status":"moot","what":"PDF missing: send courtesy by hand (the invoice has no PDF)","detail":"PDF missing: send courtesy by hand (the invoice has no PDF)","by":"relance run (clerk)","done_time":null,"done_by":null,"note":null},
{"task":"F8-1.1","time":"2026-11-23T09:30:00Z","invoice":"F8-1","customer":"C1","customer_name":"C1","state":"open","status":"open","what":"PDF missing: send reminder-1 by hand (the invoice has no PDF)","detail":"PDF missing: send reminder-1 by hand (the invoice has no PDF)","by":"relance run (clerk)","done_time":null,"done_by":null,"note":null},
{"task":"F.7-1.1","time":"2026-11-24T09:30:00Z","invoice":"F.7-1","customer":"C7","customer_name":"Atelier Roux","state":"open","status":"done","what":"PDF missing: send courtesy by hand (the invoice has no PDF)","detail":"PDF missing: send courtesy by hand (the invoice has no PDF)","by":"relance run (clerk)","done_time":"2026-11-24T10:30:00Z","done_by":"relance done (anne)","note":null}
]
EOF2
) expect "tasks --all --json" 0 r tasks --all --json
r done F8-1.1 >/dev/null
OUT="TASK DATE       INVOICE CUSTOMER             TO DO" \
	expect "tasks: none left, the header alone" 0 r tasks
OUT="[]" expect "tasks --json: none left" 0 r tasks --json

# --- the summary by mail

# With SummaryTo, a run mails what it printed to the accounts team,
# through the same sendmail; two days later, F2026-0201's thanks is due.
cp relance.conf summary.conf
echo "SummaryTo    compta@example.com, dg@example.com" >>summary.conf
rs() {
	RELANCE_NOW=$((RELANCE_NOW + 2 * 86400)) \
		"$top_builddir/src/relance" -c "$work/summary.conf" "$@"
}
: >sent.log
OUT=$(cat <<'EOF2'
F2026-0103: none: invoice is paid
F.7-1: wait reminder-1 until 2026-12-10: reminder-1 not due before 2026-12-10
F2026-0104: none: invoice is cancelled
F9-1: wait reminder-1 until 2026-12-09: reminder-1 not due before 2026-12-09
F8-1: wait formal-notice until 2026-11-30: gap of 5 days after the previous step (reminder-1 on 2026-11-23)
F2026-0101: wait formal-notice until 2026-11-30: gap of 5 days after the previous step (reminder-1 on 2026-11-23)
F2026-0102: none: invoice is paid
F2026-0201: thanks thanks (email) to etudes@sge.example: fully paid: thank the customer
F9-2: wait reminder-2 until 2026-11-30: reminder-2 not due before 2026-11-30
1 sent, 0 letters, 0 tasks, 8 skipped, 0 errors
EOF2
) expect "run with SummaryTo: the same lines on standard output" 0 rs run
OUT=$(cat <<'EOF2'
argv: -oi -f factures@example.com -- etudes@sge.example
argv: -oi -f factures@example.com -- compta@example.com dg@example.com
EOF2
) expect "run with SummaryTo: the summary goes after the reminders" 0 \
	grep '^argv:' sent.log
OUT=$(cat <<'EOF2'
argv: -oi -f factures@example.com -- compta@example.com dg@example.com
From: Compta Exemple <factures@example.com>
To: compta@example.com, dg@example.com
Subject: relance run 2026-11-25: 1 sent, 0 letters, 0 tasks, 0 errors
Date: Wed, 25 Nov 2026 10:30:00 +0100
Message-ID: <relance-run.2026-11-25.1795599000@example.com>
Auto-Submitted: auto-generated
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

F2026-0103: none: invoice is paid
F.7-1: wait reminder-1 until 2026-12-10: reminder-1 not due before 2026-12-=
10
F2026-0104: none: invoice is cancelled
F9-1: wait reminder-1 until 2026-12-09: reminder-1 not due before 2026-12-0=
9
F8-1: wait formal-notice until 2026-11-30: gap of 5 days after the previous=
 step (reminder-1 on 2026-11-23)
F2026-0101: wait formal-notice until 2026-11-30: gap of 5 days after the pr=
evious step (reminder-1 on 2026-11-23)
F2026-0102: none: invoice is paid
F2026-0201: thanks thanks (email) to etudes@sge.example: fully paid: thank =
the customer
F9-2: wait reminder-2 until 2026-11-30: reminder-2 not due before 2026-11-3=
0
1 sent, 0 letters, 0 tasks, 8 skipped, 0 errors
EOF2
) expect "run with SummaryTo: the summary mail, headers and body" 0 \
	sed -n '/^argv: .*compta@example.com/,$p' sent.log
: >sent.log
last_line() { rs "$@" | tail -1; }
OUT="dry run: 0 sent, 0 letters, 0 tasks, 9 skipped, 0 errors" \
	expect "run --dry-run with SummaryTo: last line" 0 \
	last_line run --dry-run
OUT="" expect "run --dry-run mails no summary" 0 cat sent.log
touch fail
summary_fails() {
	local rc=0
	rs run >"$work/stdout" || rc=$?
	tail -1 "$work/stdout"
	return "$rc"
}
OUT="0 sent, 0 letters, 0 tasks, 9 skipped, 0 errors" \
ERR="relance: run: summary mail not sent: $work/fake-sendmail exited with status 75" \
	expect "run: a summary mail that fails is reported; exit 75" 75 summary_fails
rm fail

# --- run: the formal notice as a PDF letter

# Its own state file and outbox. The customer's name carries a CR LF (a
# quoted CSV cell), its address two lines, a postcode and a town.
# The shipped profiles make reminder-1 the first contact of an invoice
# never chased; here the formal notice is the first step due.
cp -r "$top_srcdir/policies" letterpol
sed -i '/^[[:space:]]*first-contact /d' letterpol/profiles.policy
sed -e "s|^StateFile .*|StateFile $work/letter.db|" \
	-e "s|^PolicyDir .*|PolicyDir $work/letterpol|" \
	-e "s|^OutboxDir .*|OutboxDir $work/letters|" relance.conf >letter.conf
cat >>letter.conf <<'EOF'
LetterPlace  Paris
Signatory    "Marie Durand, directrice financière"
EOF
lr() { "$top_builddir/src/relance" -c "$work/letter.conf" "$@"; }
{
	printf 'N° facture;Client;Nom;Courriel;Montant;Devise;Date;Échéance;Profil;Langue;Adresse;CP;Ville\r\n'
	printf 'F/7;C7;"Hélène & Fils\r\nBcc: x@evil.example";compta@helene.example;1 234,56;EUR;01/09/2026;01/10/2026;default;fr;"Bâtiment B\r\n3 allée des Cèdres";69003;Lyon\r\n'
} >letter.csv
OUT="letter.csv: 1 invoice: 1 new, 0 updated, 0 unchanged" \
	expect "letter: an invoice with a postal address" 0 lr import letter.csv
pdf=F_7-formal-notice-2026-11-23-2f6b7d19.pdf
OUT=$(cat <<'EOF'
F/7: letter formal-notice (letter) due 2026-11-02: formal-notice due on 2026-11-02 (skipping 4 missed steps); would write WORK/letters/PDF
dry run: 0 sent, 1 letters, 0 tasks, 0 skipped, 0 errors
EOF
)
OUT=${OUT//WORK/$work}; OUT=${OUT//PDF/$pdf}
expect "letter: --dry-run says which file it would write" 0 lr run --dry-run
OUT="" expect "letter: --dry-run writes nothing" 0 test ! -e letters
OUT=$(cat <<'EOF'
F/7: letter formal-notice (letter) due 2026-11-02: formal-notice due on 2026-11-02 (skipping 4 missed steps); wrote WORK/letters/PDF
0 sent, 1 letters, 0 tasks, 0 skipped, 0 errors
EOF
)
OUT=${OUT//WORK/$work}; OUT=${OUT//PDF/$pdf}
expect "letter: run writes the letter" 0 sh -c 'umask 027; exec "$0" -c "$1" run' \
	"$top_builddir/src/relance" "$work/letter.conf"
OUT="$pdf" expect "letter: one file, no temporary left (a / in the number is no path)" 0 ls -A letters
OUT="640" expect "letter: the file's mode follows the umask" 0 stat -c %a "letters/$pdf"
OUT=$(cat <<'EOF'
Exemple SARL
12, rue de la Paix
75002 Paris
Hélène & Fils Bcc: x@evil.example
Bâtiment B
3 allée des Cèdres
69003 Lyon
Paris, le 23 novembre 2026
Lettre recommandée avec accusé de réception
Objet : Mise en demeure de payer : facture F/7
Madame, Monsieur,
EOF
) expect "letter: sender, recipient, place and date, subject (pdftotext)" 0 \
	sh -c 'pdftotext "$0" - | grep -v "^$" | head -11' "letters/$pdf"
# The French thousands separator (U+202F) comes out of pdftotext as a space.
nb=' '
OUT=$(cat <<EOF
la facture F/7 émise le 01/09/2026, d'un montant de 1${nb}234,56 EUR, échue le 01/10/2026
la somme de 1${nb}296,34 EUR
pénalités de retard au taux annuel de 12,15 %
arrêtées au 23/11/2026 : 21,78 EUR
indemnité forfaitaire pour frais de recouvrement (article D441-5 du Code de commerce) : 40,00 EUR
IBAN FR76 3000 6000 0112 3456 7890 189, BIC AGRIFRPP, référence F/7
salutations distinguées.
Marie Durand, directrice financière
Exemple SARL
EOF
)
# The body's lines break where the font says: join them, then look.
body_has() {
	local text
	text=$(pdftotext "$1" - | tr '\n\f' '  ' | tr -s ' ')
	shift
	for s in "$@"; do
		case $text in *"$s"*) printf '%s\n' "$s" ;; *) printf 'MISSING %s\n' "$s" ;; esac
	done
}
expect "letter: the body with the amounts, interest and indemnity, and the signature" 0 \
	body_has "letters/$pdf" \
	"la facture F/7 émise le 01/09/2026, d'un montant de 1${nb}234,56 EUR, échue le 01/10/2026" \
	"la somme de 1${nb}296,34 EUR" \
	"pénalités de retard au taux annuel de 12,15 %" \
	"arrêtées au 23/11/2026 : 21,78 EUR" \
	"indemnité forfaitaire pour frais de recouvrement (article D441-5 du Code de commerce) : 40,00 EUR" \
	"IBAN FR76 3000 6000 0112 3456 7890 189, BIC AGRIFRPP, référence F/7" \
	"salutations distinguées." \
	"Marie Durand, directrice financière" \
	"Exemple SARL"
details() { lr show "$1" --json | grep -o '"kind":"[a-z-]*"\|"detail":"[^"]*"' | tail -4; }
OUT=$(cat <<'EOF'
"kind":"letter"
"detail":"formal-notice WORK/letters/PDF; SHA-256 HASH"
"kind":"task"
"detail":"send by registered letter with acknowledgement of receipt: WORK/letters/PDF"
EOF
)
hash=$(sha256sum <"$work/letters/$pdf") && hash=${hash%% *}
OUT=${OUT//WORK/$work}; OUT=${OUT//PDF/$pdf}; OUT=${OUT//HASH/$hash}
expect "letter: a letter event, with the file's SHA-256, and a task naming the file" 0 details F/7
OUT="0 sent, 0 letters, 0 tasks, 1 skipped, 0 errors" \
	expect "letter: a second run the same day writes nothing" 0 \
	sh -c '"$0" -c "$1" run | tail -1' "$top_builddir/src/relance" "$work/letter.conf"

# An outbox that cannot be made: an error for the invoice, recorded, and
# retried by the next run.
sed -e "s|^StateFile .*|StateFile $work/broken.db|" \
	-e "s|^OutboxDir .*|OutboxDir $work/missing/letters|" letter.conf >broken.conf
br() { "$top_builddir/src/relance" -c "$work/broken.conf" "$@"; }
br import letter.csv >/dev/null
OUT=$(cat <<'EOF'
F/7: error formal-notice: formal-notice WORK/missing/letters/PDF: cannot create WORK/missing/letters: No such file or directory; retried on the next run
0 sent, 0 letters, 0 tasks, 0 skipped, 1 errors
EOF
)
OUT=${OUT//WORK/$work}; OUT=${OUT//PDF/$pdf}
expect "letter: an outbox that cannot be written is an error" 75 br run
OUT='"kind":"imported" "kind":"letter-failed" ' \
	expect "letter: letter-failed in the history" 0 \
	sh -c '"$0" -c "$1" show F/7 --json | grep -o "\"kind\":\"[a-z-]*\"" | tr "\n" " "; echo' \
	"$top_builddir/src/relance" "$work/broken.conf"
mkdir missing
OUT="0 sent, 1 letters, 0 tasks, 0 skipped, 0 errors" \
	expect "letter: the next run writes it" 0 \
	sh -c '"$0" -c "$1" run | tail -1' "$top_builddir/src/relance" "$work/broken.conf"
OUT="$pdf" expect "letter: and it is there" 0 ls -A missing/letters

# --- grouped reminders: one mail per customer (group-by-customer yes)

mkdir -p grouppol
cp -r "$top_srcdir"/policies/* grouppol/
cat >>grouppol/profiles.policy <<'EOF'

profile grouped
	description One mail per customer, all its overdue invoices
	step reminder-1     +8d   email   attach  template grouped-1
	step reminder-2     +15d  email   template grouped-2
	thanks thanks
	gap 5d
	group-by-customer yes
EOF
for l in fr en; do
	for s in 1 2; do
		printf 'Subject: [%s] {invoice}\n\nBonjour {contact},\n\n{invoices}\nTotal dû : {amount_due} {currency}, {days_overdue} jours.\n' \
			"$l-$s" >"grouppol/templates/$l/grouped-$s"
	done
done
sed -e "s|^PolicyDir .*|PolicyDir $work/grouppol|" \
	-e "s|^StateFile .*|StateFile $work/group.db|" relance.conf >group.conf
g() { "$top_builddir/src/relance" -c "$work/group.conf" "$@"; }
printf '%%PDF-1.4 G-1\n' >G-1.pdf
cat >group.csv <<EOF
N° facture;Client;Nom;Courriel;Montant;Devise;Date;Échéance;Profil;Langue;Fichier
G-1;G1;Bois Petit;compta@petit.example;1234,50;EUR;16/10/2026;15/11/2026;grouped;fr;$work/G-1.pdf
G-2;G1;Bois Petit;achats@petit.example;99,00;EUR;09/10/2026;08/11/2026;grouped;fr;
G-3;G1;Bois Petit;compta@petit.example;10,00;EUR;20/11/2026;20/12/2026;grouped;fr;
G-4;G2;Verre Blanc;ap@blanc.example;50,00;EUR;16/10/2026;15/11/2026;grouped;en;$work/G-1.pdf
EOF
OUT="$work/group.conf, $work/grouppol: OK" expect "group: a grouped policy is valid" 0 g check
g import group.csv >/dev/null
: >sent.log
OUT=$(cat <<'EOF'
G-3: wait reminder-1 until 2026-12-28: reminder-1 not due before 2026-12-28
G-2: send reminder-2 (email) due 2026-11-23 to achats@petit.example, compta@petit.example: reminder-2 due on 2026-11-23 (skipping 1 missed step); one mail for G-2, G-1 (reminder-2)
G-1: send reminder-1 (email) due 2026-11-23 to achats@petit.example, compta@petit.example: reminder-1 due on 2026-11-23; one mail for G-2, G-1 (reminder-2)
G-4: send reminder-1 (email) due 2026-11-23 to ap@blanc.example: reminder-1 due on 2026-11-23
2 sent, 0 letters, 0 tasks, 1 skipped, 0 errors
EOF
) expect "group: one mail for a customer's due invoices, a line for each" 0 g run
OUT=$(cat <<'EOF'
argv: -oi -f factures@example.com -- achats@petit.example compta@petit.example
From: Compta Exemple <factures@example.com>
To: achats@petit.example, compta@petit.example
Subject: [fr-2] G-2, G-1
Date: Mon, 23 Nov 2026 10:30:00 +0100
Message-ID: <run.G-2.reminder-2.1795426200@example.com>
X-Relance-Invoice: G-2, G-1
X-Relance-Step: reminder-2
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=_relance_part"

This is a multi-part message in MIME format.

--=_relance_part
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Bonjour achats@petit.example,

Facture  Date        =C3=89ch=C3=A9ance        Reste d=C3=BB  Jours de reta=
rd
G-2      09/10/2026  08/11/2026     99,00 EUR               15
G-1      16/10/2026  15/11/2026  1=E2=80=AF234,50 EUR                8
--------------------------------------------------------------
Total                            1=E2=80=AF333,50 EUR

Total d=C3=BB : 1=E2=80=AF333,50 EUR, 15 jours.

--=_relance_part
Content-Type: application/pdf; name="G-1.pdf"
Content-Disposition: attachment; filename="G-1.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQgRy0xCg==

--=_relance_part--
EOF
) expect "group: the mail lists every invoice, in a table, with the PDFs" 0 \
	sed -n '1,/^--=_relance_part--$/p' sent.log
OUT=$(cat <<'EOF'
"kind":"sending","actor":"relance run (clerk)","detail":"reminder-1 <run.G-2.reminder-2.1795426200@example.com> to achats@petit.example, compta@petit.example; one mail for G-2, G-1 (reminder-2)"
"kind":"sent","actor":"relance run (clerk)","detail":"reminder-1 <run.G-2.reminder-2.1795426200@example.com>"
"kind":"sending","actor":"relance run (clerk)","detail":"reminder-2 <run.G-2.reminder-2.1795426200@example.com> to achats@petit.example, compta@petit.example; one mail for G-2, G-1 (reminder-2)"
"kind":"sent","actor":"relance run (clerk)","detail":"reminder-2 <run.G-2.reminder-2.1795426200@example.com>"
EOF
) expect "group: each invoice records its own step, sending then sent" 0 \
	sh -c 'for n in G-1 G-2; do "$0" -c "$1" show $n --json | grep -o "\"kind\":\"sen[a-z-]*\",\"actor\":\"[^\"]*\",\"detail\":\"[^\"]*\""; done' \
	"$top_builddir/src/relance" "$work/group.conf"
OUT=$(cat <<'EOF'
G-1: wait reminder-2 until 2026-11-30: reminder-2 not due before 2026-11-30
G-2: none: no step left after reminder-2
G-3: wait reminder-1 until 2026-12-28: reminder-1 not due before 2026-12-28
G-4: wait reminder-2 until 2026-11-30: reminder-2 not due before 2026-11-30
dry run: 0 sent, 0 letters, 0 tasks, 4 skipped, 0 errors
EOF
) expect "group: the next run sends nothing again" 0 g run --dry-run
cat >greply.eml <<'EOF'
From: Paul Petit <compta@petit.example>
To: factures@example.com
Subject: RE: [fr-2] G-2, G-1
Date: Mon, 23 Nov 2026 11:00:00 +0100
Message-ID: <gr1@petit.example>
In-Reply-To: <run.G-2.reminder-2.1795426200@example.com>

Bonjour, je regarde cela avec notre comptable et je reviens vers vous.
EOF
OUT="greply.eml: reply invoice=G-2 state=paused: invoice G-2 (reference match): reply: pause (open -> paused); the same for G-1" \
	expect "group: a reply to the grouped mail pauses all its invoices" 0 \
	g replay greply.eml
OUT=$(cat <<'EOF'
paused
paused
open
EOF
) expect "group: both invoices of the mail are paused, not the third" 0 \
	sh -c 'for n in G-1 G-2 G-3; do "$0" -c "$1" show $n --json | grep -o "\"state\":\"[a-z]*\"" | head -1 | sed "s/.*:\"//; s/\"//"; done' \
	"$top_builddir/src/relance" "$work/group.conf"
OUT="" expect "group: fsck finds the shared Message-ID index right" 0 \
	sh -c '"$0" -c "$1" fsck >/dev/null' "$top_builddir/src/relance" "$work/group.conf"

# --- usage

for c in import list show pay dispute resolve pause resume cancel classify replay run tasks done check fsck backup restore; do
	if r "$c" --help | grep -q "^usage: relance $c"; then
		pass=$((pass + 1)); echo "ok $c --help"
	else
		fail=$((fail + 1)); echo "FAIL $c --help"
	fi
done
OUT='relance: unknown command "frobnicate"' \
	expect "an unknown command" 64 first_error_line frobnicate

finish
