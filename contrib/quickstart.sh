#!/usr/bin/env bash
# quickstart.sh -- relance's demo: the whole loop, on a fresh Debian machine.
#
# Installs the Debian packages that are missing (contrib/debian-deps.sh),
# builds relance in _build/demo, and starts a throwaway lab
# (tests/integration/lab.sh): Postfix on 127.0.0.1 with relance-milter
# plugged in, smtp-sink standing for the customers' mail servers, and the
# dunning mailbox factures@example.com delivered into a Maildir. Then, for
# Exemple SARL and seven invoices dated relative to today:
#	1. the invoice table, as imported;
#	2. relance run: the reminders due today go out through the lab's
#	   Postfix, which hands them to relance-milter, which tags them; what
#	   smtp-sink received shows the tags (Subject, Reply-To, X-Relance-ID);
#	3. the customers answer by SMTP (swaks, from 127.0.0.2): a question, a
#	   dispute, a remittance notice, an out-of-office, a bounce; the milter
#	   reads each on its way into the mailbox and acts on its invoice;
#	4. the table again, what changed and why (the new history events), the
#	   tasks for a person, and what relance run would do now.
# Nothing outside the lab's directory (/tmp/relance-demo.XXXXXX) is touched
# and nothing outside loopback is reached; Postfix runs with its own
# configuration and queue there, never the system's. Everything the demo
# started is stopped at the end, and the lab's files stay for you to read.
#
#   contrib/quickstart.sh          the demo (as root; otherwise through sudo)
#   contrib/quickstart.sh --keep   the same, and the lab left running to play
#                                  with (it prints how, and how to stop it)
#
# RELANCE_BUILDDIR=DIR takes relance and relance-milter from DIR/src instead
# of building (tests/integration/demo.sh does). Exits 0 when the demo ran
# to its end, 1 when a step failed (said why), 2 on bad usage.
set -u -o pipefail

usage() {
	sed -n 's/^#   //p' "$0"
}

keep=
for arg in "$@"; do
	case $arg in
	--keep) keep=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		echo "quickstart.sh: unknown argument \"$arg\"" >&2
		usage >&2
		exit 2
		;;
	esac
done

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
# (RELANCE_DEMO_STARTED: set when the demo goes on through sudo)
started=${RELANCE_DEMO_STARTED:-$(date +%s)}

if [ -t 1 ]; then
	say() { printf '\n\033[1;34m== %s\033[0m\n' "$*"; }
	cmd() { printf '\033[2m$ %s\033[0m\n' "$*"; }
	bold() { printf '\033[1m%s\033[0m\n' "$*"; }
else
	say() { printf '\n== %s\n' "$*"; }
	cmd() { printf '$ %s\n' "$*"; }
	bold() { printf '%s\n' "$*"; }
fi
note() { printf '%s\n' "$@"; }
die() {
	echo "quickstart.sh: $*" >&2
	exit 1
}

# ---- 1. the Debian packages, the build

if [ -z "${RELANCE_DEMO_STARTED:-}" ]; then
	bold "relance's demo: Exemple SARL chases seven invoices through a throwaway"
	note "Postfix on loopback with relance-milter; relance run sends what is due," \
		"the customers answer by SMTP, and the invoices follow. Nothing outside" \
		"/tmp/relance-demo.* is touched, nothing beyond 127.0.0.1 is reached."
	. "$top/contrib/debian-deps.sh"
	say "Debian packages"
	relance_install_deps quickstart "${relance_build_deps[@]}" \
		"${relance_lab_deps[@]}" || die "apt-get failed (see above)"
	note "all there: the build's and the lab's (postfix, swaks, python3, ...)"
fi

if [ -n "${RELANCE_BUILDDIR:-}" ]; then
	top_builddir=$(cd "$RELANCE_BUILDDIR" && pwd) ||
		die "RELANCE_BUILDDIR: no directory $RELANCE_BUILDDIR"
	[ -x "$top_builddir/src/relance" ] &&
		[ -x "$top_builddir/src/relance-milter" ] ||
		die "RELANCE_BUILDDIR: no src/relance and src/relance-milter in $top_builddir"
else
	say "building relance in _build/demo"
	top_builddir=$top/_build/demo
	mkdir -p "$top_builddir" || exit 1
	if { [ -x configure ] || autoreconf -fi >"$top_builddir/autoreconf.log" 2>&1; } &&
		(cd "$top_builddir" && { [ -f Makefile ] ||
			"$top/configure" >configure.log 2>&1; } &&
			make -j"$(nproc)" >make.log 2>&1); then
		note "built: $top_builddir/src/relance and relance-milter"
	else
		tail -n 20 "$top_builddir"/*.log >&2
		die "the build failed; its logs are in $top_builddir"
	fi
fi

# The lab needs root (Postfix's master, the milter's privilege drop): the
# rest of the demo runs as root, with what was just built.
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null ||
		die "the lab needs root (Postfix's master): run me as root"
	note "the lab needs root (Postfix's master process): going on through sudo"
	exec sudo -- env RELANCE_BUILDDIR="$top_builddir" \
		RELANCE_DEMO_STARTED="$started" "$top/contrib/quickstart.sh" "$@"
fi

top_srcdir=$top
LAB_NAME=relance-demo
. "$top/tests/integration/lab.sh"
relance_bin=$top_builddir/src/relance

# relance ARGS...: the command as the demo runs it, shown first.
relance() {
	cmd "relance $*"
	"$relance_bin" -c "$lab_conf" "$@"
}

# ---- the end: stop what was started (or not, with --keep)

finished=
finish() {
	local status=$? dir=$lab
	trap - EXIT INT TERM
	[ -n "$lab" ] || exit "$status"
	if [ -n "$keep" ] && [ -n "$finished" ]; then
		write_stop_script
		say "the lab keeps running (--keep)"
		play_notes
		exit "$status"
	fi
	LAB_KEEP=1 lab_teardown 2>/dev/null # (LAB_KEEP: the files stay)
	say "done in $(($(date +%s) - started)) s"
	note "Postfix, relance-milter and smtp-sink are stopped. The lab's files stay in"
	bold "  $dir"
	note "  relance.conf, state/relance.db  the configuration and the state file" \
		"  sink/                          the messages as they left (smtp-sink)" \
		"  vmail/example.com/factures/new the mailbox, with the milter's X-Relance-* headers" \
		"  msg/                           the invoices' CSV and PDFs, the customers' mail" \
		"  log/                           maillog, milter.log, swaks's transcripts" \
		"Run \"contrib/quickstart.sh --keep\" to keep the lab running and try it yourself."
	exit "$status"
}
trap finish EXIT
trap 'exit 130' INT TERM

# write_stop_script: $lab/stop, which stops the lab --keep left running.
write_stop_script() {
	cat >"$lab/stop" <<EOF
#!/bin/sh
# Stops the relance demo lab that contrib/quickstart.sh --keep left running.
# The files stay; rm -rf $lab removes them.
postfix -c $lab/postfix stop 2>/dev/null
for pid in $lab_milter_pid $lab_sink_pid; do
	# (only if it is still ours: a pid may have been reused since)
	grep -qa -e relance-milter -e smtp-sink /proc/\$pid/cmdline 2>/dev/null &&
		kill \$pid
done
echo "relance demo lab stopped; its files stay in $lab"
EOF
	chmod 0755 "$lab/stop"
}

play_notes() {
	note "Postfix on 127.0.0.1:$lab_smtp (the MX) and 127.0.0.1:$lab_sub (submission)," \
		"relance-milter on $lab/milter/relance.sock, smtp-sink on 127.0.0.1:$lab_sinkport." \
		"" "The lab's relance:"
	bold "  R=\"$relance_bin -c $lab_conf\""
	bold "  \$R list; \$R show F-DEMO-04; \$R tasks"
	note "Answer as a customer: Dupont & Fils promises to pay F-DEMO-04, replying to its" \
		"courtesy notice (tracking ID $(reminder_of F-DEMO-04 2)):"
	bold "  swaks --server 127.0.0.1 --port $lab_smtp --local-interface 127.0.0.2 \\"
	bold "    --from compta@dupont.example --to $(reply_to F-DEMO-04) \\"
	bold "    --header 'Subject: Re: F-DEMO-04' --body 'Nous vous réglerons le 15.'"
	note "then \$R show F-DEMO-04 says what the milter made of it, and" \
		"$lab/vmail/example.com/factures/new has it with the milter's headers." \
		"" "To stop the lab:"
	bold "  $lab/stop"
}

# ---- 2. the lab

say "starting the lab: Postfix on loopback with relance-milter"
empty_csv=$(mktemp /tmp/relance-demo-csv.XXXXXX) || exit 1
printf 'N° facture;Client;Nom;Courriel;Montant;Devise;Date;Échéance\n' >"$empty_csv"
lab_setup "$empty_csv"
status=$?
rm -f "$empty_csv"
[ -n "$lab" ] || die "could not create the lab's directory"
[ "$status" -eq 0 ] || die "the lab did not start (its logs are in $lab/log)"
msg=$lab/msg
note "lab directory  $lab" \
	"$(printf '%-15s' "Postfix $(postconf -d -h mail_version 2>/dev/null)")MX on 127.0.0.1:$lab_smtp, submission on 127.0.0.1:$lab_sub," \
	"               its own main.cf, master.cf and queue under the lab directory" \
	"relance-milter on unix:$lab/milter/relance.sock (as nobody)," \
	"               smtpd_milters and non_smtpd_milters of that Postfix" \
	"smtp-sink      127.0.0.1:$lab_sinkport, the next hop for every customer's domain:" \
	"               what it receives is what would have reached the customer" \
	"mailbox        factures@example.com, delivered into $lab/vmail"

# relance run hands the reminders to this Postfix: its sendmail(1) with the
# lab's configuration (Sendmail is a path without arguments).
cat >"$lab/sendmail" <<EOF
#!/bin/sh
exec /usr/sbin/sendmail -C "$lab/postfix" "\$@"
EOF
chmod 0755 "$lab/sendmail"
cat >>"$lab_conf" <<EOF
# what relance run needs to write and send the reminders
Sendmail         $lab/sendmail
IBAN             FR7630006000011234567890189
BIC              AGRIFRPPXXX
PaymentLink      https://pay.example.com/{invoice}?amount={amount}
OutboxDir        $lab/outbox
EOF

# ---- 3. the company and its invoices, dated relative to the demo's day

# paris [DATE-ARGS...]: date(1) in the configured time zone.
paris() {
	TZ=Europe/Paris LC_ALL=C date "$@"
}

# business_day DAY: relance would send on DAY (YYYY-MM-DD): not a weekend,
# a French public holiday or a closed day of the policy. Asked of relance
# itself, on a state file of one invoice due that day.
business_day() {
	local db=$lab/state/probe.db out
	rm -f "$db"
	printf 'N° facture;Client;Nom;Courriel;Montant;Devise;Date;Échéance\nPROBE;P;Probe;probe@example.org;100,00;EUR;%s;%s\n' \
		"$(paris -d "$1 -30 days" +%d/%m/%Y)" \
		"$(paris -d "$1" +%d/%m/%Y)" >"$msg/probe.csv"
	"$relance_bin" -c "$lab_conf" --db "$db" import "$msg/probe.csv" \
		>/dev/null || return 2
	out=$("$relance_bin" -c "$lab_conf" --db "$db" run --dry-run \
		--date "$1") || return 2
	rm -f "$db" "$msg/probe.csv"
	case $out in
	*"is not a business day"*) return 1 ;;
	esac
	return 0
}

today=$(paris +%F)
day=$today
for _ in 1 2 3 4 5 6 7 8; do
	business_day "$day"
	case $? in
	0) break ;;
	2) die "relance failed on a probe state file (see above)" ;;
	esac
	day=$(paris -d "$day -1 day" +%F)
done
business_day "$day" ||
	die "no business day in the 7 days before $today (closed days in $top/policies/calendar.policy?)"

# d OFFSET: the demo's day plus OFFSET days, as the accounting export
# writes dates.
d() {
	paris -d "$day $1 days" +%d/%m/%Y
}

say "Exemple SARL's open invoices"
if [ "$day" = "$today" ]; then
	note "Today is $(paris -d "$day" '+%A %d %B %Y'); the invoices' dates are relative to it."
else
	note "Today, $(paris -d "$today" '+%A %d %B %Y'), relance sends nothing: $(paris -d "$today" +%d/%m/%Y) is not a" \
		"business day (weekend or public holiday). The demo plays the last one," \
		"$(paris -d "$day" '+%A %d %B %Y'), and dates the invoices relative to it."
fi
mkdir -p "$msg/pdf"
{
	echo "N° facture;Code client;Raison sociale;Courriel;Montant TTC;Reste à payer;Devise;Date;Échéance;Profil;Langue;Fichier"
	echo "F-DEMO-01;C001;Dupont & Fils SARL;compta@dupont.example;1 234,56;1 234,56;EUR;$(d -70);$(d -40);default;fr;$msg/pdf/F-DEMO-01.pdf"
	echo "F-DEMO-02;C002;Martin Bâtiment;\"factures@martin.example; jean.martin@martin.example\";2 400,00;2 400,00;EUR;$(d -50);$(d -20);bad;fr;$msg/pdf/F-DEMO-02.pdf"
	echo "F-DEMO-03;C003;Acme Ltd;ap@acme.example;2 500,00;2 500,00;EUR;$(d -42);$(d -12);good;en;$msg/pdf/F-DEMO-03.pdf"
	echo "F-DEMO-04;C001;Dupont & Fils SARL;compta@dupont.example;450,00;450,00;EUR;$(d -22);$(d 8);default;fr;$msg/pdf/F-DEMO-04.pdf"
	echo "F-DEMO-05;C004;Boulangerie Lefèvre;contact@lefevre.example;189,90;189,90;EUR;$(d -45);$(d -15);default;fr;$msg/pdf/F-DEMO-05.pdf"
	echo "F-DEMO-06;C005;Northwind Traders;Accounts Payable <ap@northwind.example>;12 000,00;12 000,00;EUR;$(d -33);$(d -3);bad;en;$msg/pdf/F-DEMO-06.pdf"
	echo "F-DEMO-07;C003;Acme Ltd;ap@acme.example;780,00;780,00;EUR;$(d -5);$(d 25);good;en;$msg/pdf/F-DEMO-07.pdf"
} >"$msg/invoices.csv"

# the invoices' PDFs, attached to the reminders: one page each
python3 - "$msg/invoices.csv" "$msg/pdf" <<'EOF' || die "could not write the invoices' PDFs"
import csv, sys

def pdf(lines):
    esc = lambda s: s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    text = "BT /F1 12 Tf 72 790 Td 18 TL\n"
    text += "".join("(%s) '\n" % esc(l) for l in lines) + "ET\n"
    c = text.encode("cp1252")
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
            b" /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica"
            b" /Encoding /WinAnsiEncoding >>",
            b"<< /Length %d >>\nstream\n%sendstream" % (len(c), c)]
    out, offsets = b"%PDF-1.4\n", []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, o)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objs) + 1, xref)
    return out

with open(sys.argv[1], encoding="utf-8") as f:
    for r in csv.DictReader(f, delimiter=";"):
        with open("%s/%s.pdf" % (sys.argv[2], r["N° facture"]), "wb") as out:
            out.write(pdf(["Exemple SARL", "12 rue des Artisans, 69002 Lyon", "",
                           "FACTURE " + r["N° facture"], "",
                           "Client : %s (%s)" % (r["Raison sociale"], r["Code client"]),
                           "Date : " + r["Date"],
                           "Échéance : " + r["Échéance"],
                           "Montant TTC : %s EUR" % r["Montant TTC"], "",
                           "(une facture de démonstration de relance)"]))
EOF

relance import "$msg/invoices.csv" || die "relance import failed"
echo
relance list || die "relance list failed"

# ---- 4. relance run

say "relance run: what is due on $(paris -d "$day" +%d/%m/%Y) goes out through the lab's Postfix"
note "(--date: as of that day and whatever the hour; the daily run, relance-run.timer," \
	" also keeps to the policy's send window, mon-fri 08:00-18:00)"
relance run --date "$day" >"$lab/log/run.out" 2>"$lab/log/run.err"
run_status=$?
sed "s|$lab|\$LAB|g" "$lab/log/run.out"
sed "s|$lab|\$LAB|g" "$lab/log/run.err" >&2
[ "$run_status" -eq 0 ] || die "relance run exited with status $run_status"
sent=$(sed -n 's/^\([0-9]*\) sent, .*/\1/p' "$lab/log/run.out")
[ -n "$sent" ] && [ "$sent" -gt 0 ] || die "relance run sent nothing"

# ---- 5. the reminders as they left

# sink_total: the messages smtp-sink received, complete (Postfix logged
# each sent).
sink_total() {
	[ "$(find "$lab/sink" -type f | wc -l)" -ge "$1" ] &&
		[ "$(grep -c ' relay=127\.0\.0\.1\[127\.0\.0\.1\]:[0-9]*,.* status=sent ' \
			"$lab/log/maillog")" -ge "$1" ]
}

say "the reminders as smtp-sink received them, tagged by relance-milter"
lab_wait 30 sink_total "$sent" ||
	die "only $(find "$lab/sink" -type f | wc -l) of the $sent reminders reached smtp-sink in 30 s (see $lab/log/maillog)"

# reminders: for each reminder at smtp-sink, its invoice (found by its
# tracking ID in the state file), step, recipient, tags and attachment, and
# one line a reminder into $msg/reminders.tsv: invoice, tracking ID,
# Message-ID, Subject as written, recipient.
reminders() {
	python3 - "$relance_bin" "$lab_conf" "$msg/invoices.csv" "$lab/sink" \
		"$msg/reminders.tsv" <<'EOF'
import csv, email, email.policy, glob, json, re, subprocess, sys
relance, conf, invoices, sink, tsv = sys.argv[1:]
by_id = {}
with open(invoices, encoding="utf-8") as f:
    for r in csv.DictReader(f, delimiter=";"):
        inv = json.loads(subprocess.run([relance, "-c", conf, "show", "--json",
                                         r["N° facture"]], check=True,
                                        capture_output=True).stdout)
        for t in inv["tracking_ids"]:
            by_id[t] = inv
rows = []
for path in sorted(glob.glob(sink + "/*")):
    with open(path, "rb") as f:
        raw = email.message_from_binary_file(f, policy=email.policy.compat32)
    with open(path, "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    tid = str(m["X-Relance-ID"] or "")
    inv = by_id.get(tid)
    if inv is None:
        continue
    mid = str(m["Message-ID"])
    # the step, from relance run's "sent STEP MESSAGE-ID" event
    step = [e["detail"].split()[0] for e in inv["history"]
            if e["kind"] == "sent" and mid in e["detail"]]
    rows.append((inv["invoice"], step[0] if step else "?", m, raw, tid, mid))
out = open(tsv, "w")
for number, step, m, raw, tid, mid in sorted(rows, key=lambda r: r[0]):
    print("%s, %s, to %s" % (number, step, m["To"]))
    for h in ("Subject", "Reply-To", "X-Relance-ID"):
        print("    %-13s %s" % (h + ":", m[h]))
    for part in m.iter_attachments():
        print("    %-13s %s (%s, %d bytes)" % ("attached:", part.get_filename(),
              part.get_content_type(), len(part.get_content())))
    subject = re.sub(r"\r?\n(?=[ \t])", "", str(raw["Subject"]))
    out.write("\t".join((number, tid, mid, subject, str(m["To"]))) + "\n")
EOF
}
reminders || die "could not read the reminders at smtp-sink"
note "" "The reminder's own headers (X-Relance-Invoice, X-Relance-Step) were removed" \
	"on the way out; the customers' replies will carry the tracking ID back."

# ---- 6. the customers answer

# reminder_of INVOICE FIELD: FIELD (2 tracking ID, 3 Message-ID, 4 Subject,
# 5 To) of the reminder for INVOICE that went out.
reminder_of() {
	awk -F'\t' -v n="$1" -v f="$2" '$1 == n { print $f; exit }' \
		"$msg/reminders.tsv"
}

# reply_to INVOICE: the plus-address of the reminder for INVOICE.
reply_to() {
	local id
	id=$(reminder_of "$1" 2)
	echo "factures+${id,,}@example.com"
}

# reply FILE FROM MESSAGE-ID INVOICE TEXT [HEADER...]: a customer's reply to
# the reminder for INVOICE, to its plus-address, quoting it.
reply() {
	local file=$1 from=$2 mid=$3 number=$4 text=$5
	shift 5
	{
		echo "From: $from"
		echo "To: $(reply_to "$number")"
		echo "Subject: Re: $(reminder_of "$number" 4)"
		echo "Date: $(date -R)"
		echo "Message-ID: $mid"
		echo "In-Reply-To: $(reminder_of "$number" 3)"
		echo "References: $(reminder_of "$number" 3)"
		local h
		for h in "$@"; do echo "$h"; done
		echo "MIME-Version: 1.0"
		echo "Content-Type: text/plain; charset=UTF-8"
		echo "Content-Transfer-Encoding: 8bit"
		echo
		echo "$text"
		echo
		echo "> Sauf erreur de notre part, la facture $number reste impayée."
	} >"$file"
}

# bounce FILE INVOICE: the customer's mail server saying the reminder for
# INVOICE could not be delivered, the reminder's headers inside.
bounce() {
	local rcpt file
	file=$(grep -lF "X-Relance-ID: $(reminder_of "$2" 2)" "$lab"/sink/* | head -n 1)
	rcpt=$(lab_header "$file" To | sed 's/.*<\(.*\)>.*/\1/')
	cat >"$1" <<EOF
From: Mail Delivery System <MAILER-DAEMON@mx.northwind.example>
To: factures@example.com
Subject: Undelivered Mail Returned to Sender
Date: $(date -R)
Message-ID: <bounce-demo@mx.northwind.example>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="dsn-demo"

--dsn-demo
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.northwind.example.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<$rcpt>: host mx.northwind.example said: 550 5.1.1
    <$rcpt>: Recipient address rejected: User unknown

--dsn-demo
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.northwind.example

Final-Recipient: rfc822; $rcpt
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <$rcpt>: Recipient address rejected: User
    unknown

--dsn-demo
Content-Type: text/rfc822-headers

EOF
	sed -e '/^$/q' "$file" |
		grep -v '^X-\(Client-Addr\|Client-Proto\|Helo-Args\|Mail-Args\|Rcpt-Args\):' >>"$1"
	echo "--dsn-demo--" >>"$1"
}

# answer WHO ENVELOPE-FROM RCPT FILE MESSAGE-ID: send FILE from outside
# (127.0.0.2) to the MX, wait until it is in the mailbox, and say what the
# milter made of it (the headers it added to the delivered copy).
answer() {
	local who=$1 from=$2 rcpt=$3 file=$4 mid=$5 f
	cmd "swaks --server 127.0.0.1:$lab_smtp --local-interface 127.0.0.2 --from '$from' --to $rcpt --data ${file#"$lab"/}"
	lab_swaks "$lab_smtp" 127.0.0.2 "$from" "$rcpt" "$file" ||
		die "swaks failed: $(lab_smtp_replies | tail -n 1) (see $lab/log/swaks.out)"
	cp "$lab/log/swaks.out" "$file.swaks"
	f=$(lab_wait_maildir "$mid" 60) ||
		die "$who's mail did not reach the mailbox in 60 s (see $lab/log/maillog)"
	printf '  delivered into the mailbox, with the headers relance-milter added:\n'
	printf '  X-Relance-Invoice: %s, X-Relance-Class: %s, X-Relance-State: %s\n' \
		"$(lab_header "$f" X-Relance-Invoice)" \
		"$(lab_header "$f" X-Relance-Class)" \
		"$(lab_header "$f" X-Relance-State)"
}

# snapshot FILE: every invoice as `relance show --json` says, one a line.
snapshot() {
	local n
	for n in $(cut -d';' -f1 "$msg/invoices.csv" | tail -n +2); do
		"$relance_bin" -c "$lab_conf" show --json "$n" || return
	done >"$1"
}
snapshot "$msg/before.json" || die "relance show failed"

say "the customers answer, by SMTP from 127.0.0.2 to the MX"
hello=$(paris -d "$today +6 days" +%d/%m/%Y)

bold "Dupont & Fils asks a question about F-DEMO-01:"
reply "$msg/reply-F-DEMO-01.eml" "Service comptable <compta@dupont.example>" \
	"<reply-01@dupont.example>" F-DEMO-01 \
	"Bonjour, pouvez-vous nous renvoyer le bon de livraison ? Merci."
note "  « Bonjour, pouvez-vous nous renvoyer le bon de livraison ? Merci. »"
answer "Dupont & Fils" compta@dupont.example \
	"$(reply_to F-DEMO-01)" \
	"$msg/reply-F-DEMO-01.eml" "<reply-01@dupont.example>"

bold "Martin Bâtiment disputes F-DEMO-02:"
reply "$msg/reply-F-DEMO-02.eml" "Martin Bâtiment <factures@martin.example>" \
	"<reply-02@martin.example>" F-DEMO-02 \
	"Je conteste cette facture : la livraison était incomplète."
note "  « Je conteste cette facture : la livraison était incomplète. »"
answer "Martin Bâtiment" factures@martin.example \
	"$(reply_to F-DEMO-02)" \
	"$msg/reply-F-DEMO-02.eml" "<reply-02@martin.example>"

bold "Acme Ltd announces its payment of F-DEMO-03:"
reply "$msg/reply-F-DEMO-03.eml" "Acme Accounts <ap@acme.example>" \
	"<reply-03@acme.example>" F-DEMO-03 \
	"Hello, we paid this invoice today by bank transfer. Best regards."
note "  « Hello, we paid this invoice today by bank transfer. Best regards. »"
answer "Acme Ltd" ap@acme.example \
	"$(reply_to F-DEMO-03)" \
	"$msg/reply-F-DEMO-03.eml" "<reply-03@acme.example>"

bold "Boulangerie Lefèvre's mail server answers for F-DEMO-05 that the baker is away:"
reply "$msg/reply-F-DEMO-05.eml" "Boulangerie Lefèvre <contact@lefevre.example>" \
	"<auto-05@lefevre.example>" F-DEMO-05 \
	"Je suis absent jusqu'au $hello. Je traiterai votre message à mon retour." \
	"Auto-Submitted: auto-replied"
note "  « Je suis absent jusqu'au $hello. Je traiterai votre message à mon retour. »" \
	"  (Auto-Submitted: auto-replied, from <>, as vacation programs send)"
answer "Boulangerie Lefèvre" "<>" factures@example.com \
	"$msg/reply-F-DEMO-05.eml" "<auto-05@lefevre.example>"

bold "Northwind's mail server bounces the reminder for F-DEMO-06:"
bounce "$msg/bounce-F-DEMO-06.eml" F-DEMO-06
note "  « 550 5.1.1 Recipient address rejected: User unknown » (a delivery status notification)"
answer "Northwind's mail server" "<>" factures@example.com \
	"$msg/bounce-F-DEMO-06.eml" "<bounce-demo@mx.northwind.example>"

# ---- 7. what changed, and why

snapshot "$msg/after.json" || die "relance show failed"

say "the invoices now"
relance list || die "relance list failed"

say "what changed, and why (relance show: the invoices' new history events)"
if ! python3 - "$msg/before.json" "$msg/after.json" <<'EOF'; then
import datetime, json, sys, textwrap, zoneinfo
paris = zoneinfo.ZoneInfo("Europe/Paris")
load = lambda p: {i["invoice"]: i for i in map(json.loads, open(p, encoding="utf-8"))}
before, after = load(sys.argv[1]), load(sys.argv[2])

def state(i):
    s = i["state"]
    if i["paused_until"]:
        s += " until " + i["paused_until"]
    if i["dispute_reason"]:
        s += " (" + i["dispute_reason"] + ")"
    return s

unchanged = []
for n, a in after.items():
    b = before[n]
    new = a["history"][len(b["history"]):]
    if not new:
        unchanged.append(n)
        continue
    print("%s  %s: %s -> %s" % (n, a["customer_name"], state(b), state(a)))
    if a["undeliverable"]:
        print("    undeliverable: " + ", ".join(a["undeliverable"]))
    for e in new:
        t = datetime.datetime.fromisoformat(e["time"].replace("Z", "+00:00"))
        print("    %s  %s  %s" % (t.astimezone(paris).strftime("%H:%M"),
                                 e["kind"], e["actor"]))
        for l in textwrap.wrap(e["detail"], 68):
            print("        " + l)
if unchanged:
    print("unchanged (no answer; their escalation goes on): " + ", ".join(unchanged))
EOF
	die "could not compare the invoices"
fi

say "what is left for a person"
relance tasks || die "relance tasks failed"

say "and what relance run would do now (--dry-run: nothing is sent)"
relance run --dry-run --date "$day"
case $? in
0 | 75) ;;
*) die "relance run --dry-run failed" ;;
esac

finished=1
