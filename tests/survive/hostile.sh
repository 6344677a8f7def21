#!/usr/bin/env bash
# hostile.sh -- hostile and malformed mail, forged mail, injection
# (issue 7; fuzzing is tests/fuzz). Three parts:
#
# 1. pathological: the messages of tests/survive/hostile.py (a 50 MB body
#    -- short form 5 MB --, 100,000 header fields -- short form 10,000 --,
#    10,000-deep MIME nesting, NUL bytes, invalid UTF-8, unknown
#    charsets, an endless base64 line, broken boundaries, 10,000 encoded
#    words in a Subject, huge References/In-Reply-To), each sent from
#    outside to the dunning mailbox, so that the milter reads it, through
#    the lab's Postfix (tests/integration/lab.sh). Each message Postfix
#    accepts is delivered into the Maildir; those Postfix itself refuses
#    are counted apart (figure postfix-refused). Postfix's own limits
#    (postconf -d, 3.7): message_size_limit 10240000 would refuse the
#    50 MB body with 552 5.3.4, so the lab raises it to 64 MB (and
#    virtual_mailbox_limit, which must not be smaller) for the milter to
#    see it; header_size_limit 102400 truncates one long header field
#    (the encoded-word Subject and the References arrive cut, near 60 KB),
#    without refusing; there is no limit on the number of header fields
#    (all 100,000 are delivered; the milter keeps the first 1000 and
#    fails open on a reply it cannot read, figure milter-errors);
#    line_length_limit 2048 splits the endless base64 line;
#    mime_nesting_limit 100 only stops Postfix's own MIME walk. With
#    these, Postfix refuses none of the set (both forms). relance-milter
#    keeps its pid (no crash) and its peak RSS (VmHWM) stays under
#    48 MB + 16 x MaxBodySize (MaxBodySize 1M here: 64 MB). The same set
#    goes through the sanitizer build of relance-milter
#    (_build/sanitizers, as tests/run-all.sh builds it) when there is
#    one: any ASan/UBSan/LSan report is a failure. `relance classify`
#    reads each file (plain and sanitizer builds): time per message.
# 2. forged: a stranger's "we paid" / "we dispute" naming a guessed
#    invoice number changes nothing but a review event; 10,000 random
#    well-formed tracking IDs given to `relance classify` match no
#    invoice (a real one, as a control, does); X-Relance-* headers from
#    outside are stripped from the delivered copy, also behind 1,000
#    other header fields; a reply from the customer's real address whose
#    Authentication-Results says dkim=fail, spf=fail, dmarc=fail is
#    recorded for review, not acted on.
# 3. injection: CR/LF, 10 KB values and template syntax in the CSV's
#    name, contact and invoice number fields; PDF paths outside PdfDir.
#
# Figures ("figure: NAME VALUE"): see each part. Parts 1 and 2 need root
# and Postfix like tests/integration/run.sh (skipped without them);
# part 3 runs anywhere. SURVIVE_LONG=1 for the long form; LAB_KEEP=1
# keeps the lab; HOSTILE_PARTS (e.g. "injection") runs only those parts.
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

RELANCE=${RELANCE:-$top_builddir/src/relance}
RELANCE_MILTER=${RELANCE_MILTER:-$top_builddir/src/relance-milter}
san_dir=
for d in "$top_srcdir/_build/sanitizers/src" "$top_srcdir/_build-san/src"; do
	if [ -z "$san_dir" ] && [ -x "$d/relance-milter" ] && [ -x "$d/relance" ]; then
		san_dir=$d
	fi
done

long=${SURVIVE_LONG:-0}
export RELANCE_NOW=1795426200 # 2026-11-23 10:30 in Paris, a Monday
export SUDO_USER=clerk

skipped=0
started=$(date +%s)
work=$(mktemp -d /tmp/relance-hostile.XXXXXX) || exit 1
chmod 0755 "$work"
cleanup() {
	lab_teardown
	[ -n "${LAB_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ms_now() {
	echo $(($(date +%s%N) / 1000000))
}

# summary INVOICE: state, amount due and the kinds of its history events.
summary() {
	lab_relance show --json "$1" | python3 -c '
import json, sys
inv = json.load(sys.stdin)
print("state=%s amount_due=%s" % (inv["state"], inv["amount_due"]))
print("history: " + " ".join(e["kind"] for e in inv["history"]))'
}
last_event() {
	lab_relance show --json "$1" | python3 -c '
import json, sys
e = json.load(sys.stdin)["history"][-1]
print(e["kind"] + ": " + e["detail"])'
}

# san_reports FILE...: the lines of sanitizer reports in FILEs.
san_reports() {
	grep -h -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|Undefined|Leak)' \
		"$@" 2>/dev/null
}

have_lab() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "# parts 1 and 2 skipped: need root (Postfix's master, the milter's privilege drop)"
		return 1
	fi
	local tool
	for tool in postfix sendmail smtp-sink swaks python3 ss; do
		if ! command -v "$tool" >/dev/null; then
			echo "# parts 1 and 2 skipped: $tool not found (apt-get install postfix swaks python3 iproute2)"
			return 1
		fi
	done
	[ -x "$RELANCE_MILTER" ] || {
		echo "# parts 1 and 2 skipped: no $RELANCE_MILTER"
		return 1
	}
}

# csv FILE: the lab's invoices F2026-0001 to F2026-0005, contact
# compta@cN.example.
lab_csv() {
	local i
	{
		echo "N° facture;Client;Nom;Courriel;Montant;Devise;Date;Échéance;Profil;Langue;Fichier"
		for i in 1 2 3 4 5; do
			echo "F2026-000$i;C$i;Client $i SARL;compta@c$i.example;1 234,56;EUR;01/09/2026;01/10/2026;default;fr;"
		done
	} >"$1"
}

# all_events: each invoice's number and history kinds, a line each.
all_events() {
	local i
	for i in 1 2 3 4 5; do
		echo "F2026-000$i $(summary F2026-000$i | tr '\n' ' ')"
	done
}

milter_hwm_kb() {
	sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' \
		"/proc/$lab_milter_pid/status" 2>/dev/null
}

# ====================================================================
# 1. pathological messages

# deliver_set ROUND: send the set (round ROUND) and check it arrives;
# figures with prefix ROUND-.
deliver_set() {
	local round=$1 pid=$lab_milter_pid name status rest delivered=0
	local sent=0 refused=0 lost=0 t0 starts
	t0=$(ms_now)
	starts=$(grep -c ' starting: ' "$lab/log/milter.log")
	python3 -B "$here/hostile.py" send "$lab_smtp" "$round" \
		factures@example.com "$work"/set/*.eml >"$work/$round.sent"
	while read -r name status rest; do
		case $status in
		sent) sent=$((sent + 1)) ;;
		refused)
			refused=$((refused + 1))
			echo "# $round: Postfix refused $name: $rest"
			;;
		*) not_ok "1 $round: $name reaches Postfix" "$status $rest" ;;
		esac
	done <"$work/$round.sent"
	lab_wait 120 queue_empty
	while read -r name status rest; do
		[ "$status" = sent ] || continue
		if lab_wait 30 lab_maildir_has "<hostile-$name-$round@test.example>"; then
			delivered=$((delivered + 1))
		else
			lost=$((lost + 1))
			echo "# $round: $name accepted but not in the Maildir"
		fi
	done <"$work/$round.sent"
	figure "$round-messages" "$(wc -l <"$work/$round.sent")"
	figure "$round-postfix-refused" "$refused"
	figure "$round-delivered" "$delivered"
	figure "$round-lost" "$lost"
	figure "$round-seconds" $((($(ms_now) - t0) / 1000))
	check "1 $round: every message Postfix accepted is in the Maildir" \
		"$sent" "$delivered"
	if [ "$lab_milter_pid" = "$pid" ] && ! lab_gone "$pid"; then
		ok "1 $round: relance-milter did not crash (pid $pid)"
	else
		not_ok "1 $round: relance-milter did not crash" "pid $pid gone"
	fi
	check "1 $round: relance-milter did not restart" "$starts" \
		"$(grep -c ' starting: ' "$lab/log/milter.log")"
}

part_pathological() {
	local f name t0 t ms max_ms=0 total_ms=0 n=0 hwm base bound
	echo "# 1. pathological: generating the set (long form: $long)"
	python3 -B "$here/hostile.py" gen "$work/set" "$long" || {
		not_ok "1: hostile.py gen" "see above"
		return
	}
	figure set-bytes "$(cat "$work"/set/*.eml | wc -c)"

	echo "# 1. relance classify, each message"
	for f in "$work"/set/*.eml; do
		name=$(basename "$f" .eml)
		t0=$(ms_now)
		"$RELANCE" -c "$work/classify.conf" classify "$f" \
			>"$work/classify-$name.out" 2>&1
		t=$?
		ms=$(($(ms_now) - t0))
		[ "$t" -eq 0 ] || not_ok "1: relance classify $name" \
			"exit $t: $(head -c 300 "$work/classify-$name.out")"
		echo "# classify $name: ${ms} ms: $(head -c 160 "$work/classify-$name.out" | sed "s|$work/set/||")"
		total_ms=$((total_ms + ms))
		[ "$ms" -gt "$max_ms" ] && max_ms=$ms
		n=$((n + 1))
	done
	figure classify-ms-per-message $((total_ms / n))
	figure classify-ms-max "$max_ms"
	if [ -n "$san_dir" ]; then
		: >"$work/classify-san.out"
		for f in "$work"/set/*.eml; do
			"$san_dir/relance" -c "$work/classify.conf" classify "$f" \
				>>"$work/classify-san.out" 2>&1 ||
				echo "exit $? on $f" >>"$work/classify-san.out"
		done
		check "1: relance classify (ASan+UBSan build): no sanitizer report, no failure" \
			"" "$(san_reports "$work/classify-san.out"; grep '^exit ' "$work/classify-san.out")"
	fi

	have_lab || {
		skipped=1
		return
	}
	echo "# 1. pathological: the lab"
	lab_csv "$work/lab.csv"
	lab_setup "$work/lab.csv" || {
		not_ok "1: the lab starts" "see above"
		return
	}
	# let Postfix take the 50 MB body (default message_size_limit:
	# 10240000); the milter's own limit is MaxBodySize
	printf '%s\n' "message_size_limit = 67108864" \
		"virtual_mailbox_limit = 134217728" >>"$lab/postfix/main.cf"
	echo "MaxBodySize      1M" >>"$lab_conf"
	lab_postfix reload >/dev/null 2>&1
	lab_stop_milter
	lab_start_milter || {
		not_ok "1: the milter starts" "see above"
		return
	}
	sleep 1
	base=$(milter_hwm_kb)
	figure milter-vmhwm-start-kb "$base"
	deliver_set plain
	hwm=$(milter_hwm_kb)
	bound=$(((48 + 16 * 1) * 1024))
	figure milter-vmhwm-kb "$hwm"
	figure milter-vmhwm-bound-kb "$bound"
	if [ -n "$hwm" ] && [ "$hwm" -lt "$bound" ]; then
		ok "1: the milter's peak RSS ($hwm kB) under 48 MB + 16 x MaxBodySize ($bound kB)"
	else
		not_ok "1: the milter's peak RSS under $bound kB" "VmHWM $hwm kB"
	fi
	check "1: no sanitizer report from the plain milter" "" \
		"$(san_reports "$lab/log/milter.log")"
	figure milter-errors "$(grep -c ': internal error: ' "$lab/log/milter.log")"
	grep ': internal error: ' "$lab/log/milter.log" | sed 's/^/# /' | head -n 12

	if [ -z "$san_dir" ]; then
		echo "# no sanitizer build (_build/sanitizers): the ASan+UBSan round is skipped"
		return
	fi
	echo "# 1. pathological: the same set through the ASan+UBSan milter"
	lab_stop_milter
	mkdir -m 1777 "$lab/log/san"
	: >"$lab/log/milter.log"
	local keep=$lab_milter
	lab_milter=$san_dir/relance-milter
	export ASAN_OPTIONS="log_path=$lab/log/san/asan:detect_leaks=1"
	export UBSAN_OPTIONS="log_path=$lab/log/san/ubsan:print_stacktrace=1"
	export LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan.supp"
	lab_start_milter || {
		not_ok "1: the sanitizer milter starts" "see above"
		lab_milter=$keep
		unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
		return
	}
	deliver_set san
	figure san-milter-vmhwm-kb "$(milter_hwm_kb)"
	lab_stop_milter
	check "1 san: no ASan/UBSan/LSan report" "" \
		"$(san_reports "$lab/log/milter.log" "$lab"/log/san/* | head -n 5)"
	unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
	lab_milter=$keep
	: >"$lab/log/milter.log"
	lab_start_milter || not_ok "1: the plain milter restarts" "see above"
}

# ====================================================================
# 2. forged mail

# stranger TAG INVOICE SUBJECT TEXT [HEADER...]: a mail from
# stranger@attacker.example (127.0.0.2) to the dunning mailbox; its
# Maildir file into $work/TAG.file. FROM, ENVFROM and RCPT change the
# From field, the envelope sender and the recipient.
stranger() {
	local tag=$1 subject=$3 text=$4 h f
	shift 4
	{
		echo "From: ${FROM:-Service comptable <stranger@attacker.example>}"
		echo "To: factures@example.com"
		echo "Subject: $subject"
		echo "Date: Mon, 23 Nov 2026 10:30:00 +0100"
		echo "Message-ID: <$tag@attacker.example>"
		for h in "$@"; do echo "$h"; done
		echo "MIME-Version: 1.0"
		echo "Content-Type: text/plain; charset=UTF-8"
		echo "Content-Transfer-Encoding: 8bit"
		echo
		echo "Bonjour,"
		echo
		echo "$text"
	} >"$work/$tag.eml"
	: >"$work/$tag.file"
	lab_swaks "$lab_smtp" 127.0.0.2 "${ENVFROM:-stranger@attacker.example}" \
		"${RCPT:-factures@example.com}" "$work/$tag.eml" || {
		not_ok "2 $tag: sent" "$(lab_smtp_replies | tail -n 1)"
		return 1
	}
	f=$(lab_wait_maildir "<$tag@attacker.example>" 30) || {
		not_ok "2 $tag: delivered" "not in the Maildir after 30 s"
		return 1
	}
	echo "$f" >"$work/$tag.file"
}

# relance_headers FILE: its X-Relance-* header fields, "Name: value".
relance_headers() {
	python3 - "$1" <<'EOF'
import email, email.policy, sys
with open(sys.argv[1], "rb") as f:
    m = email.message_from_binary_file(f, policy=email.policy.compat32)
for k, v in m.items():
    if k.lower().startswith("x-relance-"):
        print("%s: %s" % (k, v))
EOF
}

part_forged() {
	local f id mid i pad guesses
	[ -n "$lab" ] || return
	echo "# 2. forged mail"
	# (a) "we paid" from a stranger, the invoice number guessed
	stranger forged-paid F2026-0002 "Facture F2026-0002 réglée" \
		"Le virement a été effectué ce jour, merci de cesser vos relances."
	check "2a: a stranger's \"we paid\" naming F2026-0002: not paid, a review event only" \
		"state=open amount_due=1234.56
history: imported review" "$(summary F2026-0002)"
	check "2a: the review event says why" \
		"review: remittance from stranger@attacker.example, not acted on (matched on a weak signal only): fr pattern remittance: virement a été effectué; Message-ID <forged-paid@attacker.example>" \
		"$(last_event F2026-0002 | sed 's/; queue ID .*$//')"
	# (b) "we dispute"
	stranger forged-dispute F2026-0003 "Contestation facture F2026-0003" \
		"Nous contestons cette facture : la marchandise n'a jamais été livrée."
	check "2b: a stranger's \"we dispute\" naming F2026-0003: not disputed, a review event only" \
		"state=open amount_due=1234.56
history: imported review" "$(summary F2026-0003)"

	# (c) guessed tracking IDs. A real one first: a reminder for
	# F2026-0004 through the milter, as a control.
	cat >"$work/reminder.eml" <<'EOF'
From: Exemple SARL <factures@example.com>
To: compta@c4.example
Subject: Relance facture F2026-0004
Date: Mon, 23 Nov 2026 10:30:00 +0100
X-Relance-Invoice: F2026-0004
X-Relance-Step: reminder-1
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8

Bonjour, la facture F2026-0004 reste impayée.
EOF
	lab_sendmail factures@example.com compta@c4.example "$work/reminder.eml"
	f=$(lab_wait_sink compta@c4.example 1 30) || {
		not_ok "2c: the control reminder reaches smtp-sink" "nothing after 30 s"
		return
	}
	id=$(lab_raw_header "$f" X-Relance-ID)
	mid=$(lab_raw_header "$f" Message-ID)
	echo "# 2c: the control's tracking ID: $id, Message-ID $mid"
	guesses=10000
	python3 -B "$here/hostile.py" guess "$guesses" 7 "$work/guess.mbox"
	all_events >"$work/events.before"
	lab_relance replay --mbox "$work/guess.mbox" >"$work/guess.out" 2>&1
	check "2c: relance replay of $guesses guesses (the milter's incoming path) exits 0" \
		0 $?
	figure tracking-id-guesses "$(grep -c '^' "$work/guess.out")"
	figure guess-matches "$(grep -vc ': no invoice of ours$' "$work/guess.out")"
	check "2c: $guesses random well-formed tracking IDs match no invoice" 0 \
		"$(grep -vc ': no invoice of ours$' "$work/guess.out")"
	check "2c: ... and change no invoice" "$(cat "$work/events.before")" \
		"$(all_events)"
	# the control: the real ID, from a stranger, matches (for review)
	printf 'From x Mon Nov 23 10:30:00 2026\nFrom: stranger@attacker.example\nTo: factures+%s@example.com\nSubject: Re: Relance facture [Ref. %s]\nMessage-ID: <control@attacker.example>\n\nLe virement a ete effectue.\n\n' \
		"${id,,}" "$id" >"$work/control.mbox"
	lab_relance replay --mbox "$work/control.mbox" >"$work/control.out" 2>&1
	check "2c: the control (the real ID) matches F2026-0004, for review" \
		"$work/control.mbox#1: remittance invoice=F2026-0004 state=open: invoice F2026-0004 (plus-address match): recorded for review: sender stranger@attacker.example has nothing to do with this invoice" \
		"$(cat "$work/control.out")"

	# (d) X-Relance-* from outside, also behind 1,000 other fields
	stranger forged-headers F2026-0005 "Nos offres" "Découvrez nos offres." \
		"X-Relance-State: paid" "X-Relance-Invoice: F2026-0005" \
		"X-Relance-Class: remittance" "X-Relance-State: paid"
	[ -s "$work/forged-headers.file" ] &&
		check "2d: forged X-Relance-* headers stripped (only the milter's own)" \
			"X-Relance-Class: unrelated" \
			"$(relance_headers "$(cat "$work/forged-headers.file")")"
	pad=()
	for ((i = 0; i < 1200; i++)); do pad+=("X-Pad-$i: $i"); done
	stranger forged-padded F2026-0005 "Nos offres" "Découvrez nos offres." \
		"${pad[@]}" "X-Relance-State: paid" "X-Relance-Invoice: F2026-0005" \
		"X-Relance-Class: remittance" "X-Relance-State: paid"
	[ -s "$work/forged-padded.file" ] &&
		check "2d: forged X-Relance-* headers behind 1,200 others stripped too" \
			"" "$(relance_headers "$(cat "$work/forged-padded.file")" |
				grep -v '^X-Relance-Class: unrelated$')"
	check "2d: F2026-0005 untouched" "state=open amount_due=1234.56
history: imported" "$(summary F2026-0005)"

	# (e) the customer's real address, authentication failed
	FROM="Comptabilité <compta@c4.example>" ENVFROM=compta@c4.example \
		RCPT="factures+${id,,}@example.com" \
		stranger auth-fail F2026-0004 \
		"Re: Relance facture F2026-0004 [Réf. $id]" \
		"Le virement a été effectué ce jour." \
		"In-Reply-To: $mid" "References: $mid" \
		"Authentication-Results: mx.example.com; dkim=fail header.d=c4.example; spf=fail smtp.mailfrom=c4.example; dmarc=fail header.from=c4.example"
	check "2e: \"we paid\" from the customer's address, DKIM/SPF/DMARC failed: not paid, a review event" \
		"state=open amount_due=1234.56
history: imported reminder-sent review review" "$(summary F2026-0004)"
	check "2e: the review event says why" \
		"review: remittance from compta@c4.example, not acted on (sender compta@c4.example failed authentication): fr pattern remittance: virement a été effectué; Message-ID <auth-fail@attacker.example>" \
		"$(last_event F2026-0004 | sed 's/; queue ID .*$//')"
}

# ====================================================================
# 3. injection

# inj_csv FILE ROW...: an export, each ROW "NUMBER|NAME|E-MAIL|PDF" with
# \r and \n in it written as CR and LF (quoted as CSV wants).
inj_csv() {
	python3 - "$@" <<'EOF'
import sys
def q(s):
    return '"' + s.replace("\\r", "\r").replace("\\n", "\n").replace('"', '""') + '"'
with open(sys.argv[1], "w", newline="") as f:
    f.write("N° facture;Client;Nom;Courriel;Montant;Devise;Date;Échéance;Profil;Langue;Fichier\r\n")
    for row in sys.argv[2:]:
        n, name, mail, pdf = row.split("|")
        f.write(";".join([q(n), "C1", q(name), q(mail), "150,00", "EUR",
                          "01/09/2026", "01/10/2026", "default", "fr",
                          q(pdf)]) + "\r\n")
EOF
}

# mail_check FILE: the header section of a message as relance run wrote
# it, checked line by line: every line is "Name: value" with a known
# name or a folded continuation (blank first), printable ASCII only
# (RFC 5322/2047), at most 998 bytes; prints "ok" or what is wrong.
mail_check() {
	python3 - "$1" <<'EOF'
import re, sys
data = open(sys.argv[1], "rb").read()
head = data.split(b"\n\n", 1)[0]
known = {b"from", b"to", b"subject", b"date", b"message-id", b"x-relance-invoice",
         b"x-relance-step", b"mime-version", b"content-type",
         b"content-transfer-encoding", b"auto-submitted", b"reply-to",
         b"precedence", b"cc", b"x-auto-response-suppress"}
bad = []
for line in head.split(b"\n"):
    if len(line) > 998 or re.search(rb"[^\x20-\x7e\t]", line):
        bad.append(line[:80])
    elif line[:1] in (b" ", b"\t"):
        continue
    else:
        m = re.match(rb"([A-Za-z0-9-]+):", line)
        if not m or m.group(1).lower() not in known:
            bad.append(line[:80])
print("ok" if not bad else "bad header lines: %r" % bad[:3])
EOF
}

part_injection() {
	local d=$work/inj out f
	echo "# 3. injection"
	mkdir -p "$d/pdf/2026" "$d/out"
	printf '%%PDF-1.4 fake\n' >"$d/pdf/2026/F1.pdf"
	printf 'secret\n' >"$d/secret.pdf"
	ln -s "$d/secret.pdf" "$d/pdf/link.pdf"
	cat >"$d/fake-sendmail" <<EOF
#!/bin/sh
n=\$(ls "$d/out" | wc -l)
printf '%s\n' "\$*" >"$d/out/\$n.argv"
cat >"$d/out/\$n.eml"
EOF
	chmod 0755 "$d/fake-sendmail"
	cat >"$d/relance.conf" <<EOF
StateFile    $d/state.db
PolicyDir    $top_srcdir/policies
TimeZone     Europe/Paris
Sender       "Compta Exemple <factures@example.com>"
Sendmail     $d/fake-sendmail
CompanyName  Exemple SARL
IBAN         FR7630006000011234567890189
BIC          AGRIFRPP
PaymentLink  https://pay.example.com/{invoice}?a={amount}
PdfDir       $d/pdf
EOF
	r() { "$RELANCE" -c "$d/relance.conf" "$@"; }
	local long_name cr=$'\r'
	long_name=$(printf 'N%.0s' $(seq 10240))

	# refused at import, naming file and line, nothing imported
	inj_csv "$d/bad.csv" \
		'F4\r\nBcc: victim@evil.example|Num|compta@n4.example|' \
		"F5|$long_name|compta@n5.example|" \
		'F6|Contact|compta@c6.example\r\nBcc: victim@evil.example|' \
		'F7|Contact|compta@c7.example>, <victim@evil.example|' \
		'F8|Paths|compta@c8.example|../../../../etc/passwd' \
		'F9|Paths|compta@c9.example|/etc/passwd' \
		'F10|Paths|compta@c10.example|2026/../../secret.pdf'
	out=$(r import "$d/bad.csv" 2>&1)
	check "3: an export with injections is refused whole (exit 65), each named" \
		"$d/bad.csv:2: bad invoice number \"F4??Bcc: victim@evil.example\" in column \"N° facture\" (expected one line of at most 64 bytes)
$d/bad.csv:4: customer name too long in column \"Nom\" (expected at most 256 bytes)
$d/bad.csv:5: bad e-mail address \"Bcc: victim@evil.example\" in column \"Courriel\" (expected name@domain.tld)
$d/bad.csv:7: bad e-mail address \"compta@c7.example>\" in column \"Courriel\" (expected name@domain.tld)
$d/bad.csv:7: bad e-mail address \"<victim@evil.example\" in column \"Courriel\" (expected name@domain.tld)
$d/bad.csv:8: PDF path \"../../../../etc/passwd\" in column \"Fichier\" is outside PdfDir $d/pdf (expected a file under it, without \".\" or \"..\" components)
$d/bad.csv:9: PDF path \"/etc/passwd\" in column \"Fichier\" is outside PdfDir $d/pdf (expected a file under it, without \".\" or \"..\" components)
$d/bad.csv:10: PDF path \"2026/../../secret.pdf\" in column \"Fichier\" is outside PdfDir $d/pdf (expected a file under it, without \".\" or \"..\" components)
relance: import: $d/bad.csv: 8 errors: nothing imported
rc=65" "$out
rc=$(r import "$d/bad.csv" >/dev/null 2>&1; echo $?)"
	check "3: ... nothing imported" "" "$(r list 2>/dev/null | tail -n +2)"

	# accepted: CR/LF and template syntax as data
	inj_csv "$d/good.csv" \
		'F1|Acme\r\nBcc: victim@evil.example {amount_due} {{name}} %s %n $(id) ${HOME}|compta@acme.example|2026/F1.pdf' \
		'{amount_due}|Num {{ %s|compta@n2.example|2026/F1.pdf' \
		'F3|Link|compta@c3.example|link.pdf' \
		'%s%n$(id)|Num|compta@n4.example|2026/F1.pdf'
	check "3: an export with CR/LF and template syntax in its fields is imported" \
		"$d/good.csv: 4 invoices: 4 new, 0 updated, 0 unchanged" \
		"$(r import "$d/good.csv" 2>&1)"
	check "3: the PDF path is kept under PdfDir" "$d/pdf/2026/F1.pdf" \
		"$(r show --json F1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["pdf"])')"
	r run --date 2026-11-23 >"$d/run.out" 2>&1
	check "3: relance run: 3 sent, the symbolic link out of PdfDir refused" \
		"3 sent, 0 letters, 1 tasks, 0 skipped, 0 errors" "$(tail -n 1 "$d/run.out")"
	grep -q "F3: .*link.pdf: outside PdfDir $d/pdf once links are resolved ($d/secret.pdf): not read" "$d/run.out" &&
		ok "3: ... and it says why" ||
		not_ok "3: ... and it says why" "$(grep '^F3' "$d/run.out")"
	figure injection-mails "$(ls "$d/out"/*.eml 2>/dev/null | wc -l)"
	for f in "$d/out"/*.eml; do
		check "3: $(sed -n 's/^To: //p' "$f"): header lines well formed, no injected field" \
			ok "$(mail_check "$f")"
		check "3: $(sed -n 's/^To: //p' "$f"): sendmail's arguments" \
			"-oi -f factures@example.com -- $(sed -n 's/^To: //p' "$f")" \
			"$(cat "${f%.eml}.argv")"
	done
	f=$(grep -l '^To: compta@n2.example' "$d"/out/*.eml)
	check "3: an invoice number {amount_due}: literal in the headers" \
		"Subject: Facture impayée {amount_due} du 01/09/2026
X-Relance-Invoice: {amount_due}" \
		"$(lab_header "$f" Subject | sed 's/^/Subject: /'; lab_header "$f" X-Relance-Invoice | sed 's/^/X-Relance-Invoice: /')"
	check "3: ... and literal in the body" \
		"Sauf erreur de notre part, la facture {amount_due} du 01/09/2026, d'un
Référence : {amount_due}" \
		"$(python3 - "$f" <<'EOF'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
for line in m.get_body(("plain",)).get_content().splitlines():
    if "{amount_due}" in line:
        print(line)
EOF
)"
	f=$(grep -l '^To: compta@n4.example' "$d"/out/*.eml)
	check "3: an invoice number %s%n\$(id): literal, not expanded" \
		'Facture impayée %s%n$(id) du 01/09/2026' "$(lab_header "$f" Subject)"
	f=$(grep -l '^To: compta@acme.example' "$d"/out/*.eml)
	check "3: the PDF under PdfDir is attached" "%PDF-1.4 fake" \
		"$(python3 - "$f" <<'EOF'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
for p in m.iter_attachments():
    print(p.get_content().decode().strip())
EOF
)"
	check "3: no Bcc anywhere" "" "$(grep -il '^bcc:' "$d"/out/*.eml)"
}

printf 'StateFile %s\nPolicyDir %s\n' "$work/classify.db" \
	"$top_srcdir/policies" >"$work/classify.conf"
for part in ${HOSTILE_PARTS:-pathological forged injection}; do
	"part_$part"
done

figure seconds $(($(date +%s) - started))
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] || exit 1
[ "$skipped" -eq 0 ] || [ "$pass" -gt 0 ] || exit 77
exit 0
