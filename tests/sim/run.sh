#!/usr/bin/env bash
# run.sh -- the dunning simulation: 75 days, one `relance run` a day, over
# invoices in the three shipped payer profiles, with customer mail
# (replies, a promise, a dispute, a remittance notice, a bounce, an
# out-of-office) replayed through `relance replay` and payments recorded
# with `relance pay` on given days. The transcript of what happened, one
# line per action, must equal expected.txt byte for byte; README says why
# each line is right under the shipped policies. Run by `make check`
# (which sets top_srcdir and top_builddir) or by hand from the source tree;
# SIM_KEEP=1 keeps the work directory, SIM_UPDATE=1 rewrites the
# transcript part of expected.txt (then read the diff!).
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
sim=$top_srcdir/tests/sim
relance=$top_builddir/src/relance
work=$(mktemp -d /tmp/relance-sim.XXXXXX)
[ -n "${SIM_KEEP:-}" ] && echo "work directory: $work" ||
	trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

export SUDO_USER=clerk TZ=Europe/Paris
mkdir sent pdf

# The fake sendmail: message N goes to sent/N.eml, its arguments to
# sent/N.argv.
cat >fake-sendmail <<'EOF'
#!/bin/sh
dir=$(dirname "$0")/sent
n=$(ls "$dir" | grep -c '\.eml$')
f=$(printf '%s/%03d' "$dir" $((n + 1)))
printf '%s\n' "$*" >"$f.argv"
cat >"$f.eml"
EOF
chmod +x fake-sendmail

cat >relance.conf <<EOF
StateFile    $work/state.db
PolicyDir    $top_srcdir/policies
TimeZone     Europe/Paris
Sender       "Compta Exemple <factures@example.com>"
ReplyAddress factures@example.com
Mailbox      factures@example.com
Sendmail     $work/fake-sendmail
CompanyName  Exemple SARL
IBAN         FR7630006000011234567890189
BIC          AGRIFRPP
PaymentLink  https://pay.example.com/{invoice}?a={amount}
OutboxDir    $work/outbox
CompanyAddress "12, rue de la Paix"
CompanyAddress "75002 Paris"
LetterPlace  Paris
EOF
r() { "$relance" -c "$work/relance.conf" "$@"; }

# Seconds since 1970 at DAY (YYYY-MM-DD) and HOUR (HH:MM), Paris time.
at() { date -d "$1 $2" +%s; }

# --- the invoices (README says why each one is there)

cat >invoices.csv <<'EOF'
N° facture;Client;Nom;Courriel;Montant;Devise;Date;Échéance;Profil;Langue;Fichier
F2026-0101;C101;Alpha SA;compta@alpha.example;1 200,00;EUR;15/03/2026;14/04/2026;default;fr;F2026-0101.pdf
F2026-0102;C102;Bravo SARL;"factures@bravo.example, paul@bravo.example";480,00;EUR;24/03/2026;23/04/2026;default;fr;F2026-0102.pdf
F2026-0103;C103;Charlie EURL;compta@charlie.example;12,00;EUR;10/03/2026;09/04/2026;default;fr;F2026-0103.pdf
F2026-0104;C104;Delta SAS;ap@delta.example;2 350,00;EUR;11/03/2026;10/04/2026;default;fr;F2026-0104.pdf
F2026-0105;C105;Echo SA;compta@echo.example;760,00;EUR;04/04/2026;04/05/2026;default;fr;F2026-0105.pdf
F2026-0106;C106;Foxtrot SARL;compta@foxtrot.example;990,00;EUR;16/03/2026;15/04/2026;default;fr;F2026-0106.pdf
F2026-0107;C107;Golf SA;compta@golf.example;310,00;EUR;18/03/2026;17/04/2026;default;fr;F2026-0107.pdf
F2026-0108;C108;Hotel SAS;direction@hotel.example;1 875,00;EUR;06/04/2026;06/05/2026;default;fr;F2026-0108.pdf
F2026-0201;C201;India Ltd;ap@india.example;5 400,00;EUR;21/03/2026;20/04/2026;good;en;F2026-0201.pdf
F2026-0202;C202;Juliet SA;compta@juliet.example;2 100,00;EUR;04/03/2026;03/04/2026;good;fr;F2026-0202.pdf
F2026-0203;C203;Kilo SARL;compta@kilo.example;650,00;EUR;28/03/2026;27/04/2026;good;fr;F2026-0203.pdf
F2026-0301;C301;Lima SARL;compta@lima.example;420,00;EUR;31/03/2026;30/04/2026;bad;fr;F2026-0301.pdf
F2026-0302;C302;Mike EURL;jean@mike.example;275,00;EUR;09/03/2026;08/04/2026;bad;fr;F2026-0302.pdf
F2026-0303;C303;November SA;compta@november.example;1 530,00;EUR;20/04/2026;20/05/2026;bad;en;F2026-0303.pdf
EOF
sed -i "s|;F2026-\([0-9]*\)\.pdf\$|;$work/pdf/F2026-\1.pdf|" invoices.csv
for n in $(cut -d';' -f1 invoices.csv | grep '^F'); do
	printf '%%PDF-1.4 invoice %s\n' "$n" >"pdf/$n.pdf"
done
export RELANCE_NOW=$(at 2026-04-01 08:00)
if ! r import invoices.csv >import.out 2>&1; then
	echo "FAIL simulation: import"; cat import.out; exit 1
fi

# --- the customer's side: DAY INVOICE WHAT [ARG], acted on at 14:00 that
# day, after the day's run. Mail answers the last reminder sent for the
# invoice (its Message-ID in In-Reply-To, as a mail client does).
cat >events <<'EOF'
2026-04-13 F2026-0302 bounce
2026-04-16 F2026-0202 reply
2026-04-21 F2026-0104 reply
2026-04-24 F2026-0106 dispute
2026-04-28 F2026-0107 remittance
2026-05-12 F2026-0203 pay 640,00
2026-05-13 F2026-0105 promise 15/05/2026
2026-05-15 F2026-0108 out-of-office 20/05/2026
2026-05-20 F2026-0105 pay
2026-05-27 F2026-0303 remittance
2026-06-08 F2026-0303 pay
EOF

# --- helpers that read what the fake sendmail got

hdr() { # FILE NAME: the first NAME: header of FILE, unfolded
	sed -n '/^$/q;p' "$1" | awk -v h="$2" '
		tolower($0) ~ "^" tolower(h) ":" { sub(/^[^:]*: */, ""); v = $0; f = 1; next }
		f && /^[ \t]/ { sub(/^[ \t]+/, " "); v = v $0; next }
		f { exit } END { print v }'
}
last_sent() { # INVOICE: the last message sent for it
	grep -l "^X-Relance-Invoice: $1\$" sent/*.eml 2>/dev/null | tail -1
}
mail_line() { # DAY FILE: the transcript line of one message
	local f=$2 rcpt att
	rcpt=$(sed 's/.* -- //; s/ /,/g' "${f%.eml}.argv")
	att=$(grep -o 'filename="*[^";]*' "$f" | sed 's/filename="*//' | head -1)
	echo "$1 $(hdr "$f" X-Relance-Invoice) $(hdr "$f" X-Relance-Step) email $rcpt ${att:--}"
}

# --- one customer event

event() { # DAY INVOICE WHAT ARG
	local day=$1 inv=$2 what=$3 arg=${4:-} f eml out n
	export RELANCE_NOW=$(at "$day" 14:00)
	n=$(kinds "$inv" | wc -w)
	if [ "$what" = pay ]; then
		out=$(r pay "$inv" $arg --date "$day" 2>&1) || echo "$day $inv pay failed: $out"
		echo "$day $inv event pay ${arg:-all} -> $(after "$inv" "$n")"
		return
	fi
	f=$(last_sent "$inv")
	if [ -z "$f" ]; then
		echo "$day $inv event $what: no reminder to answer"
		return
	fi
	eml=$work/$day-$inv-$what.eml
	sed -e "s|@FROM@|$(sed 's/.* -- //; s/ .*//' "${f%.eml}.argv")|g" \
		-e "s|@DOMAIN@|$(sed 's/.* -- //; s/ .*//; s/.*@//' "${f%.eml}.argv")|g" \
		-e "s|@FROM_NAME@|Service comptable|g" \
		-e "s|@MID@|$(hdr "$f" Message-ID)|g" \
		-e "s|@SUBJECT@|$(hdr "$f" Subject)|g" \
		-e "s|@INVOICE@|$inv|g" \
		-e "s|@TOKEN@|sim.$day.$inv|g" \
		-e "s|@DATE@|$(LC_ALL=C date -R -d "@$RELANCE_NOW")|g" \
		-e "s|@QUOTE_DATE@|$(hdr "$f" Date)|g" \
		-e "s|@PROMISE@|$arg|g" -e "s|@RETURN@|$arg|g" \
		"$sim/$what.eml.in" >"$eml"
	out=$(r replay "$eml" 2>&1)
	out=${out#"$eml: "}
	out=${out%%: *}
	echo "$day $inv event $what${arg:+ $arg} -> ${out%% *} $(after "$inv" "$n")"
}
kinds() { # INVOICE: the kinds of its history's events
	r show "$1" --json | grep -o '"kind":"[a-z-]*"' | sed 's/.*:"//; s/"//' | tr '\n' ' '
}
after() { # INVOICE N: its state, pause, and the events after the Nth
	local j=$(r show "$1" --json) k
	k=$(kinds "$1" | tr ' ' '\n' | tail -n +$(($2 + 1)) | tr '\n' ' ')
	printf '%s%s [%s]' "$(echo "$j" | grep -o '"state":"[a-z]*"' | head -1 | sed 's/.*:"//; s/"//')" \
		"$(echo "$j" | grep -o '"paused_until":"[0-9-]*"' | sed 's/.*:"/ until /; s/"//')" "${k% }"
}

# --- the days

start=2026-04-01
days=75
for i in $(seq 0 $((days - 1))); do
	day=$(date -d "$start +$i days" +%F)
	export RELANCE_NOW=$(at "$day" 09:00)
	before=$(ls sent | grep -c '\.eml$')
	r run --date "$day" >run.out 2>&1
	# Mail: what the fake sendmail got.
	for f in $(ls sent/*.eml 2>/dev/null | tail -n +$((before + 1))); do
		mail_line "$day" "$f"
	done
	# Letters, tasks, errors: what the run says.
	awk -v d="$day" -F': ' '
		$2 ~ /^(letter|task) / { split($2, w, " "); print d, $1, w[2], w[1], "-", "-" }
		$2 ~ /^error/ { print d, $0 }' run.out
	# Steps passed over.
	grep -o '^[^:]*: \(send\|letter\|task\) [a-z0-9-]* .*skipping [0-9]* missed step' run.out |
		sed "s/^\([^:]*\): [a-z]* \([a-z0-9-]*\) .*skipping \([0-9]*\) .*/$day \1 \2 skipped \3 earlier step(s)/"
	tail -1 run.out | grep -q ' 0 errors$' || echo "$day run: $(tail -1 run.out)"
	grep "^$day " events | while read -r _ inv what arg; do
		event "$day" "$inv" "$what" "$arg"
	done
done >transcript
export RELANCE_NOW=$(at "$day" 18:00)
{
	echo "end of simulation, $day:"
	r list
} >>transcript

if [ -n "${SIM_UPDATE:-}" ]; then
	{ sed -n '/^#/p' "$sim/expected.txt"; cat transcript; } >"$sim/expected.new"
	mv "$sim/expected.new" "$sim/expected.txt"
fi
if grep -v '^#' "$sim/expected.txt" | cmp -s - transcript; then
	echo "ok simulation: $(grep -c ' email \| task \| letter ' transcript) actions over $days days match expected.txt"
	exit 0
fi
echo "FAIL simulation: the transcript differs from expected.txt"
grep -v '^#' "$sim/expected.txt" | diff -u - transcript | sed 's/^/    /'
exit 1
