#!/usr/bin/env bash
# milter.sh -- what relance-milter costs Postfix (or Sendmail), against no
# milter, a do-nothing milter and OpenDKIM, measured in one run.
#
#   tests/bench/milter.sh [MESSAGES [ROUNDS]]   (default 2000 messages, 3)
#   BENCH_MTA=sendmail tests/bench/milter.sh [MESSAGES [ROUNDS]]
#
# A throwaway Postfix on loopback (its own config, queue and data
# directories under a temporary directory, nothing chrooted, its log in
# maillog_file) relays everything to smtp-sink. Each milter under test has
# two smtpd services of its own, so that switching milters between runs
# needs no reload: one for mail from outside (the MX), one for the staff's
# mail (milter_macro_daemon_name=ORIGINATING, also given to a cleanup
# service of its own, since cleanup talks to the milter from the headers
# on; relance-milter's InternalDaemons and OpenDKIM's MacroList take it as
# outgoing; smtp-source cannot choose its address, so no loopback address
# is internal):
#	none		no milter
#	null-eoh	tests/bench/nullmilter.c: sees the connection, MAIL,
#			RCPT and the headers, accepts at the end of the
#			headers (the fast path's floor)
#	null-body	the same, but reads the whole body, adds a header
#			and accepts at the end of the message (the floor for
#			replies)
#	relance		relance-milter
#	opendkim	OpenDKIM (Debian package, installed if missing) as a
#			peer: signs outgoing mail, verifies the rest (the
#			incoming mail is unsigned: no DNS)
# The modes, each 20 concurrent sessions and one message a connection:
#	outgoing	ordinary staff mail (2000-byte body) to a partner
#			who is not a customer contact, on the ORIGINATING
#			port: smtp-source -s 20
#	incoming	ordinary mail from outside to sales@example.com:
#			smtp-source -s 20
#	replies		customers' replies (about 2 KB of text) to the
#			dunning mailbox's plus-address of a reminder that
#			went out through relance-milter beforehand: 20
#			parallel smtp-source -s 1, 5 replies to an invoice,
#			each invoice replied to in one run only (relance-
#			milter reads each reply whole, classifies it and
#			writes the state file). The replies carry no
#			Message-ID, so that each copy is a new reply: five
#			copies of one Message-ID would be recorded once and
#			then skipped as already recorded
# Each round runs every (mode, milter) pair once, interleaved, after a
# warm-up run of each; the queue drains between runs. Throughput is
# MESSAGES over the wall time of the load; latency is Postfix's delays=a
# (delay_logging_resolution_limit = 3), from MAIL FROM to the queue
# manager: receiving, the milter, cleanup. The milter's CPU time (user and
# system, all its threads, from /proc) is divided by the messages of the
# run. The table gives the medians over the rounds; the ratio is to
# null-eoh for ordinary mail, to null-body for replies.
#
# With BENCH_MTA=sendmail, the same load goes through Sendmail 8.17 in
# Postfix's place, run from Debian's packages unpacked into the temporary
# directory as the integration lab runs it (tests/integration/
# sendmail-tree.sh; BENCH_SENDMAIL_DEBS may name a folder that holds the
# three .debs already). One daemon, with the same MX and ORIGINATING port
# pair per milter: DAEMON_OPTIONS Name=MX-CONFIG and Name=ORIGINATING
# (Sendmail's {daemon_name}), each with InputMailFilters=CONFIG, the
# filters defined by MAIL_FILTER (relance-milter's by contrib/sendmail/
# relance.mc itself) and none global. The milters listen on loopback TCP
# ports (Sendmail refuses a unix socket below the world-writable /tmp).
# Sendmail's defaults otherwise (background delivery, one process a
# connection), but no ident lookup, no load-average limits (other work
# on the machine would make it queue or refuse mail) and Postfix's listen
# backlog (100; Sendmail's 10 makes 20 sessions wait on resent SYNs). Sendmail logs only
# through syslog, which this machine does not run: no latency columns; the
# deliveries are counted by smtp-sink -c.
#
# Needs root (Postfix's master, Sendmail's daemon), postfix (smtp-source,
# smtp-sink), cc and libmilter-dev, python3, ss, setpriv; for Sendmail,
# also apt-get and dpkg-deb, m4, unshare and sendmail-bin's libraries
# (contrib/debian-deps.sh). RELANCE_MILTER and RELANCE name the binaries
# (default _build/src/); BENCH_MODES and BENCH_CONFIGS restrict the modes
# and milters; BENCH_KEEP=1 keeps the temporary directory. Exits 0 once the
# lab has run (a benchmark, not a test), 1 when it cannot start.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
count=${1:-2000}
rounds=${2:-3}
sessions=20
size=2000 # bytes of body of ordinary mail
warm=100  # messages of the warm-up run of each (mode, milter)
batch=5   # replies to each invoice in a run
# invoices: enough for every reply that relance-milter reads to answer a
# reminder that no earlier run replied to
ninv=$(((warm + rounds * count) / batch + (rounds + 1) * sessions))
milter_bin=${RELANCE_MILTER:-$top/_build/src/relance-milter}
relance_bin=${RELANCE:-$top/_build/src/relance}

configs_ordinary=${BENCH_CONFIGS:-none null-eoh relance opendkim}
configs_replies=${BENCH_CONFIGS:-none null-eoh null-body relance opendkim}
modes=${BENCH_MODES:-outgoing incoming replies}
mta=${BENCH_MTA:-postfix}

d=
dkim=
sink_pid=
postfix_up=
sm_root=
sm_pid=
milter_pids=()

say() { echo "milter.sh: $*" >&2; }
die() {
	say "$*"
	exit 1
}

# wait_for SECONDS CMD...: run CMD every 0.1 s until it succeeds, at most
# SECONDS long.
wait_for() {
	local tries=$(($1 * 10))
	shift
	until "$@"; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.1
	done
}

# answers PORT: an SMTP greeting comes from 127.0.0.1:PORT.
answers() {
	(
		exec 9<>"/dev/tcp/127.0.0.1/$1" || exit 1
		read -r -t 2 line <&9 || exit 1
		printf 'QUIT\r\n' >&9
		case $line in 220*) exit 0 ;; esac
		exit 1
	) 2>/dev/null
}

# free_ports FROM N: N ports from FROM upward on which nothing listens.
free_ports() {
	local p=$1 n=$2
	while [ "$n" -gt 0 ] && [ "$p" -lt 65000 ]; do
		if [ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ]; then
			echo "$p"
			n=$((n - 1))
		fi
		p=$((p + 1))
	done
	[ "$n" -eq 0 ]
}

cleanup() {
	local pid
	if [ -n "$postfix_up" ]; then
		pid=$(cat "$d/queue/pid/master.pid" 2>/dev/null)
		postfix -c "$d/postfix" stop >/dev/null 2>&1
		if [ -z "$pid" ] || ! wait_for 10 gone "${pid// /}"; then
			postfix -c "$d/postfix" abort >/dev/null 2>&1
		fi
	fi
	if [ -n "$sm_pid" ]; then
		kill "$sm_pid" 2>/dev/null
		wait_for 10 gone "$sm_pid" || kill -9 "$sm_pid" 2>/dev/null
	fi
	for pid in "${milter_pids[@]}" $sink_pid; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${milter_pids[@]}" $sink_pid; do
		wait_for 10 gone "$pid" || kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if [ -n "${BENCH_KEEP:-}" ]; then
		say "kept $d"
	elif [ -n "$d" ]; then
		rm -rf "$d"
	fi
	[ -z "$dkim" ] || rm -rf "$dkim"
}

gone() { ! kill -0 "$1" 2>/dev/null; }

# ---- checks

case $mta in
postfix) mta_tools="postfix postconf" ;;
sendmail)
	mta_tools="m4 unshare dpkg-deb"
	. "$top/tests/integration/sendmail-tree.sh"
	;;
*) die "BENCH_MTA: postfix or sendmail, not $mta" ;;
esac
[ "$(id -u)" -eq 0 ] || die "needs root (the MTA's daemon)"
for tool in $mta_tools smtp-source smtp-sink cc python3 ss setpriv; do
	command -v "$tool" >/dev/null || die "$tool not found"
done
[ -x "$milter_bin" ] || die "$milter_bin not found (build first)"
[ -x "$relance_bin" ] || die "$relance_bin not found (build first)"
if ! command -v opendkim >/dev/null || ! command -v opendkim-genkey >/dev/null
then
	say "installing opendkim and opendkim-tools"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q opendkim \
		opendkim-tools >/dev/null 2>&1 || say "cannot install opendkim"
fi
have_dkim=
if command -v opendkim >/dev/null && command -v opendkim-genkey >/dev/null
then
	have_dkim=1
else
	say "no opendkim: its rows are left out"
	configs_ordinary=${configs_ordinary//opendkim/}
	configs_replies=${configs_replies//opendkim/}
fi

d=$(mktemp -d /tmp/relance-bench-milter.XXXXXX) || die "no temporary directory"
trap cleanup EXIT
trap 'exit 1' INT TERM
chmod 0755 "$d"
mkdir -p "$d"/{postfix,queue,data,log,milter,state,spool,msg,bin,sendmail}
# OpenDKIM refuses a configuration or key below a directory that others
# may write, such as /tmp: its files live in /run.
dkim=$(mktemp -d /run/relance-bench-dkim.XXXXXX) || die "no directory in /run"
chown postfix "$d/data"
chown nobody "$d/spool" "$d/state"
chmod 0700 "$d/spool"
chown postfix:postfix "$d/milter"
chmod 0775 "$d/milter"

cc -O2 -o "$d/bin/nullmilter" "$top/tests/bench/nullmilter.c" -lmilter \
	-lpthread 2>"$d/log/cc.out" || {
	cat "$d/log/cc.out" >&2
	die "cannot build nullmilter (apt-get install libmilter-dev)"
}

# ---- ports: the sink, then an MX and an ORIGINATING port per milter,
# then (Sendmail) a port per milter

all_configs="none null-eoh null-body relance opendkim"
mapfile -t ports < <(free_ports 21025 15) || die "no free ports"
[ "${#ports[@]}" -eq 15 ] || die "no free ports"
sinkport=${ports[0]}
declare -A port_in port_out spec milter_pid
i=1
for c in $all_configs; do
	port_in[$c]=${ports[$i]}
	port_out[$c]=${ports[$((i + 1))]}
	i=$((i + 2))
done
spec[none]=
for c in null-eoh null-body relance opendkim; do
	if [ "$mta" = sendmail ]; then
		spec[$c]=inet:${ports[$i]}@127.0.0.1
		i=$((i + 1))
	else
		spec[$c]=unix:$d/milter/$c.sock
	fi
done

# ---- Postfix

write_postfix() {
	cat >"$d/postfix/main.cf" <<EOF
# main.cf of the milter benchmark ($d)
compatibility_level = 3.6
queue_directory = $d/queue
data_directory = $d/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = $d/log/maillog
maillog_file_prefixes = $d/log
delay_logging_resolution_limit = 3

myhostname = mx.example.com
mydomain = example.com
myorigin = example.com
mydestination =
relay_domains = example.com
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_banner = \$myhostname ESMTP
biff = no
alias_maps =
alias_database =

# Everything, example.com included, goes to smtp-sink.
relayhost = [127.0.0.1]:$sinkport
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtp_helo_name = mx.example.com

# The milters are set per service in master.cf.
smtpd_milters =
non_smtpd_milters =
milter_default_action = accept
EOF
	{
		cat <<EOF
# master.cf of the milter benchmark: nothing chrooted; per milter, an MX
# port and an ORIGINATING port.
EOF
		for c in $all_configs; do
			cat <<EOF
127.0.0.1:${port_in[$c]} inet n - n - - smtpd
  -o syslog_name=bench-$c/in
  -o smtpd_milters=${spec[$c]}
127.0.0.1:${port_out[$c]} inet n - n - - smtpd
  -o syslog_name=bench-$c/out
  -o smtpd_milters=${spec[$c]}
  -o milter_macro_daemon_name=ORIGINATING
  -o cleanup_service_name=cleanup-out
EOF
		done
		cat <<'EOF'
# Postfix's cleanup talks to smtpd_milters from the headers on, with its
# own {daemon_name}: the ORIGINATING ports have their own cleanup.
cleanup-out unix n      -       n       -       0       cleanup
  -o milter_macro_daemon_name=ORIGINATING
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
	} >"$d/postfix/master.cf"
}

start_postfix() {
	postfix -c "$d/postfix" check >"$d/log/postfix.out" 2>&1 &&
		postfix -c "$d/postfix" start >>"$d/log/postfix.out" 2>&1 || {
		cat "$d/log/postfix.out" >&2
		return 1
	}
	postfix_up=1
	for c in $all_configs; do
		wait_for 20 answers "${port_in[$c]}" &&
			wait_for 20 answers "${port_out[$c]}" || return 1
	done
}

# ---- Sendmail (BENCH_MTA=sendmail)

# write_sendmail: Sendmail unpacked into $d/sendmail/root, bench.mc
# written and built into bench.cf.
write_sendmail() {
	local c f listen="Addr=127.0.0.1, Listen=100"
	sm_root=$d/sendmail/root
	sm_unpack "$sm_root" "${BENCH_SENDMAIL_DEBS:-}" "$d/log/apt-get.out" ||
		return 1
	{
		printf 'divert(-1)\n# bench.mc of the milter benchmark (%s)\n' "$d"
		sm_mc_base "$sm_root" "$d/sendmail" "$d/mqueue" "$sinkport" \
			'relance milter benchmark' || return 1
		cat <<EOF
dnl a benchmark: no ident lookup (Postfix makes none); neither queueing
dnl only nor refusing when other work raises the load average
define(\`confTO_IDENT', \`0')dnl
define(\`confQUEUE_LA', \`1000')dnl
define(\`confREFUSE_LA', \`1000')dnl
RELAY_DOMAIN(\`example.com')dnl
RELAY_DOMAIN(\`127.0.0.1')dnl
dnl relance-milter as contrib/sendmail/relance.mc says, then no filter for
dnl every daemon: each daemon below names its own
define(\`RELANCE_SOCKET', \`${spec[relance]}')dnl
include(\`$top/contrib/sendmail/relance.mc')dnl
undefine(\`confINPUT_MAIL_FILTERS')dnl
MAIL_FILTER(\`null-eoh', \`S=${spec[null-eoh]}, T=S:10s;R:30s;E:1m')dnl
MAIL_FILTER(\`null-body', \`S=${spec[null-body]}, T=S:10s;R:30s;E:1m')dnl
MAIL_FILTER(\`opendkim', \`S=${spec[opendkim]}, T=S:10s;R:30s;E:1m')dnl
dnl per milter, an MX port and an ORIGINATING port, with Postfix's
dnl listen backlog (100) rather than Sendmail's 10, which 20 sessions
dnl overflow (a connection then waits a second for its SYN to be resent)
FEATURE(\`no_default_msa')dnl
EOF
		for c in $all_configs; do
			f=
			[ "$c" = none ] || f=", InputMailFilters=$c"
			printf "DAEMON_OPTIONS(\`%s')dnl\n" \
				"Port=${port_in[$c]}, $listen, Name=MX-$c$f" \
				"Port=${port_out[$c]}, $listen, Name=ORIGINATING$f"
		done
		echo "MAILER(\`smtp')dnl"
	} >"$d/sendmail/bench.mc" || return 1
	sm_m4 "$d/sendmail/bench.mc" "$d/sendmail/bench.cf" "$d/log/m4.out"
}

start_sendmail() {
	sm_pid=$(sm_start "$sm_root" "$d/sendmail/bench.cf" "$d/sendmail" \
		"$d/log/sendmail.out") || return 1
	for c in $all_configs; do
		wait_for 30 sm_listens "$sm_pid" "${port_in[$c]}" &&
			wait_for 30 sm_listens "$sm_pid" "${port_out[$c]}" || {
			cat "$d/log/sendmail.out" >&2
			return 1
		}
	done
}

# sink_count: the messages smtp-sink received so far (its -c counters,
# separated by carriage returns).
sink_count() {
	tr '\r' '\n' <"$d/log/sink.count" | tail -n 1 |
		sed -n 's/.* mesg=\([0-9]*\).*/\1/p' | grep . || echo 0
}

sink_has() { [ "$(sink_count)" -ge "$1" ]; }

mta_version() {
	if [ "$mta" = sendmail ]; then
		echo "Sendmail $(sm_bin "$sm_root" -C "$d/sendmail/bench.cf" \
			-d0.1 -bt </dev/null 2>/dev/null |
			sed -n 's/^Version \([^ ]*\).*/\1/p')"
	else
		echo "Postfix $(postconf -h -d mail_version)"
	fi
}

# ---- the milters

# milter_listens CONFIG: CONFIG's milter listens on its socket.
milter_listens() {
	case ${spec[$1]} in
	unix:*) test -S "${spec[$1]#unix:}" ;;
	inet:*)
		local port=${spec[$1]#inet:}
		[ -n "$(ss -Hltn "sport = :${port%@*}" 2>/dev/null)" ]
		;;
	esac
}

# relance-milter's configuration and state: the invoices that the replies
# answer.
write_relance() {
	cat >"$d/relance.conf" <<EOF
# relance.conf of the milter benchmark. Loopback clients are outside
# (smtp-source cannot choose its address): outgoing is the ORIGINATING port.
StateFile        $d/state/relance.db
PolicyDir        $top/policies
TimeZone         Europe/Paris
CompanyName      "Exemple SARL"
Sender           Exemple SARL <factures@example.com>
ReplyAddress     factures@example.com
Socket           ${spec[relance]}
UserID           nobody:postfix
PidFile          $d/milter/relance-milter.pid
SpoolDir         $d/spool
Mailbox          factures@example.com
InternalNetworks 192.0.2.1/32
InternalDaemons  ORIGINATING
Guard            reject
EOF
	awk -v n="$ninv" 'BEGIN {
		print "N° facture;Client;Nom;Courriel;Montant;Devise;Date;" \
		    "Échéance;Profil;Langue;Fichier"
		for (i = 0; i < n; i++)
			printf "F2026-%05d;C%05d;Client %d;compta@c%05d.example;" \
			    "1 234,56;EUR;01/09/2026;01/10/2026;default;fr;\n",
			    i, i, i, i
	}' >"$d/msg/invoices.csv"
	"$relance_bin" -c "$d/relance.conf" import "$d/msg/invoices.csv" \
		>"$d/log/import.out" 2>&1 || {
		cat "$d/log/import.out" >&2
		return 1
	}
	chown -R nobody "$d/state"
}

# OpenDKIM: a throwaway key; signs mail from the ORIGINATING port, verifies
# the rest (InternalHosts names no loopback address). OpenDKIM 2.11 reads
# MacroList entries as NAME=VALUE[|VALUE...]: the "daemon_name|ORIGINATING"
# seen in many how-tos names a macro that does not exist, and signs nothing.
write_opendkim() {
	opendkim-genkey -D "$dkim" -d example.com -s bench \
		>"$d/log/genkey.out" 2>&1 || return 1
	chmod 0600 "$dkim/bench.private"
	cat >"$dkim/opendkim.conf" <<EOF
Mode		sv
Domain		example.com
Selector	bench
KeyFile		$dkim/bench.private
Socket		${spec[opendkim]/#unix:/local:}
UserID		postfix:postfix
UMask		007
Background	no
Syslog		no
InternalHosts	192.0.2.1
MacroList	daemon_name=ORIGINATING
EOF
}

start_milters() {
	local mode c
	for mode in eoh body; do
		# as the postfix user, which then owns the socket
		setpriv --reuid=postfix --regid=postfix --init-groups -- \
			"$d/bin/nullmilter" "$mode" \
			"${spec[null-$mode]}" \
			>"$d/log/null-$mode.log" 2>&1 &
		milter_pids+=($!)
		milter_pid[null-$mode]=$!
	done
	"$milter_bin" -c "$d/relance.conf" -f >"$d/log/relance.log" 2>&1 &
	milter_pids+=($!)
	milter_pid[relance]=$!
	if [ -n "$have_dkim" ]; then
		opendkim -f -x "$dkim/opendkim.conf" \
			>"$d/log/opendkim.log" 2>&1 &
		milter_pids+=($!)
		milter_pid[opendkim]=$!
	fi
	for c in null-eoh null-body relance opendkim; do
		[ "$c" != opendkim ] || [ -n "$have_dkim" ] || continue
		wait_for 10 milter_listens "$c" || {
			say "$c does not listen:"
			tail -n 5 "$d/log/$c.log" >&2
			return 1
		}
	done
}

# ---- the load

# prepare_replies: NINV reminders through relance-milter, which tags them,
# then a customer's reply to each (msg/reply-J.eml, about 2 KB), its
# sender in reply_from[J], its recipient (the dunning mailbox's
# plus-address of the reminder's tracking ID) in reply_rcpt[J].
prepare_replies() {
	python3 - "${port_out[relance]}" "$ninv" "$d/log/relance.log" \
		"$d/msg" "$batch" >"$d/msg/replies.list" 2>"$d/log/prepare.err" <<'EOF' ||
import re, smtplib, sys, threading, time

port, ninv, log, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
batch = int(sys.argv[5])
REMINDER = """\
From: Exemple SARL <factures@example.com>
To: Client {i} <compta@c{i:05d}.example>
Subject: Relance facture {inv}
Date: Mon, 23 Nov 2026 10:30:00 +0100
Message-ID: <bench-reminder-{i}@example.com>
X-Relance-Invoice: {inv}
X-Relance-Step: reminder-1
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Bonjour,

Sauf erreur de notre part, la facture {inv} du 01/09/2026, d'un
montant de 1 234,56 EUR, échue le 01/10/2026, reste impayée.

Cordialement,
Le service comptable
"""
REPLY = """\
From: Service comptable <compta@c{i:05d}.example>
To: {rcpt}
Subject: RE: Relance facture {inv} [Réf. {id}]
Date: Mon, 23 Nov 2026 11:02:17 +0100
In-Reply-To: <bench-reminder-{i}@example.com>
References: <bench-reminder-{i}@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Bonjour,

Nous avons bien reçu votre relance concernant la facture {inv}.
Elle a été transmise à notre service financier pour validation et
sera traitée dans les meilleurs délais.

Bien cordialement,

Claire Martin
Service comptable
12 rue des Lilas, 69003 Lyon
Tél. 04 78 00 00 00

-----Message d'origine-----
De : Exemple SARL <factures@example.com>
Envoyé : lundi 23 novembre 2026 10:30
À : Client {i} <compta@c{i:05d}.example>
Objet : Relance facture {inv} [Réf. {id}]

""" + "".join("> Sauf erreur de notre part, la facture {inv} du 01/09/2026 "
               "reste due (%d).\n" % k for k in range(1, 15))

def invoice(i):
    return "F2026-%05d" % i

def send(first, step):
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as s:
        for i in range(first, ninv, step):
            # CR LF line ends: Sendmail 8.17 refuses a bare LF
            msg = REMINDER.format(i=i, inv=invoice(i)).replace("\n", "\r\n")
            s.sendmail("factures@example.com", ["compta@c%05d.example" % i],
                       msg.encode())

threads = [threading.Thread(target=send, args=(k, 4)) for k in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
tag = re.compile(r"reminder for invoice F2026-(\d+) .* tagged (R-[0-9A-Z]+)")
ids = {}
deadline = time.time() + 30
while len(ids) < ninv and time.time() < deadline:
    with open(log, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = tag.search(line)
            if m:
                ids[int(m.group(1))] = m.group(2)
    if len(ids) < ninv:
        time.sleep(0.2)
if len(ids) < ninv:
    sys.exit("only %d of %d reminders tagged" % (len(ids), ninv))
for i in range(ninv):
    rcpt = "factures+%s@example.com" % ids[i].lower()
    with open("%s/reply-%d.eml" % (out, i), "w", encoding="utf-8") as f:
        f.write(REPLY.format(i=i, inv=invoice(i), id=ids[i], rcpt=rcpt))
    print(i, "compta@c%05d.example" % i, rcpt)
EOF
	{
		cat "$d/log/prepare.err" >&2
		return 1
	}
	local j from rcpt
	while read -r j from rcpt; do
		reply_from[j]=$from
		reply_rcpt[j]=$rcpt
	done <"$d/msg/replies.list"
	[ "${#reply_rcpt[@]}" -eq "$ninv" ]
}

# reply_slot PORT FIRST N: one session's share of the replies: N messages,
# one connection each, batch of them to each invoice from the FIRST on.
reply_slot() {
	local port=$1 i=$2 left=$3 k j rc=0
	while [ "$left" -gt 0 ]; do
		k=$((left < batch ? left : batch))
		j=$((i % ninv))
		smtp-source -m "$k" -s 1 -f "${reply_from[$j]}" \
			-t "${reply_rcpt[$j]}" -F "$d/msg/reply-$j.eml" \
			"127.0.0.1:$port" >/dev/null 2>>"$d/log/source.err" ||
			rc=$?
		left=$((left - k))
		i=$((i + 1))
	done
	return "$rc"
}

# reply_load CONFIG N: N replies on CONFIG's MX port in 20 parallel
# sessions; each invoice gets batch of them (the next invoices for
# CONFIG, so that relance-milter sees each one only once).
reply_load() {
	local c=$1 n=$2 s m first=${reply_next[$1]} pids=() pid rc=0
	for ((s = 0; s < sessions; s++)); do
		m=$((n / sessions + (s < n % sessions)))
		reply_slot "${port_in[$c]}" "$first" "$m" &
		pids+=($!)
		first=$((first + (m + batch - 1) / batch))
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || rc=$?
	done
	reply_next[$c]=$first
	return "$rc"
}

# cpu_ticks CONFIG: the CPU time (user and system, clock ticks) used so
# far by CONFIG's milter process, all its threads, 0 without a milter.
cpu_ticks() {
	local pid=${milter_pid[$1]:-}
	[ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || {
		echo 0
		return
	}
	# fields 14 and 15, counted after the ")" that ends the command name
	sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }'
}

# run MODE CONFIG N: one run of N messages; sets result to "SECONDS SENT
# P50 P99 CPU" (the latency delays=a, in ms, "-" with Sendmail; the
# milter's CPU time per message, in ms) once the queue has drained.
run() {
	local mode=$1 c=$2 n=$3 offset t0 t1 rc cpu0 sent0
	if [ "$mta" = sendmail ]; then
		sent0=$(sink_count)
	else
		offset=$(stat -c %s "$d/log/maillog")
	fi
	cpu0=$(cpu_ticks "$c")
	t0=$(date +%s.%N)
	case $mode in
	outgoing)
		smtp-source -c -l "$size" -m "$n" -s "$sessions" \
			-f staff@example.com -t contact@partner.example \
			"127.0.0.1:${port_out[$c]}" >/dev/null \
			2>>"$d/log/source.err"
		;;
	incoming)
		smtp-source -c -l "$size" -m "$n" -s "$sessions" \
			-f news@partner.example -t sales@example.com \
			"127.0.0.1:${port_in[$c]}" >/dev/null \
			2>>"$d/log/source.err"
		;;
	replies)
		reply_load "$c" "$n"
		;;
	esac
	rc=$?
	t1=$(date +%s.%N)
	[ "$rc" -eq 0 ] || say "$mode/$c: smtp-source exited with $rc"
	wait_for 120 queue_empty || say "$mode/$c: the queue did not drain"
	if [ "$mta" = sendmail ]; then
		wait_for 5 sink_has $((sent0 + n))
		result="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }') \
$(($(sink_count) - sent0)) - - \
$(awk -v a="$cpu0" -v b="$(cpu_ticks "$c")" -v hz="$(getconf CLK_TCK)" \
			-v n="$n" 'BEGIN { printf "%.2f", (b - a) * 1000 / hz / n }')"
		return
	fi
	wait_for 5 logged "$offset" "$n"
	tail -c +"$((offset + 1))" "$d/log/maillog" | grep ' status=sent ' \
		>"$d/log/run.sent"
	result="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }') \
$(wc -l <"$d/log/run.sent") \
$(sed -n 's/.* delays=\([0-9.]*\)\/.*/\1/p' "$d/log/run.sent" | percentiles) \
$(awk -v a="$cpu0" -v b="$(cpu_ticks "$c")" -v hz="$(getconf CLK_TCK)" \
		-v n="$n" 'BEGIN { printf "%.2f", (b - a) * 1000 / hz / n }')"
}

# percentiles: the 50th and 99th percentiles, in milliseconds, of the
# seconds on standard input ("0 0" when there are none).
percentiles() {
	sort -g | awk '
		function pct(q,   i) {
			i = int(q * NR + 0.999999)
			return a[i < 1 ? 1 : i] * 1000
		}
		{ a[NR] = $1 }
		END {
			if (NR == 0) print "0 0"
			else printf "%.1f %.1f\n", pct(.5), pct(.99)
		}'
}

queue_empty() {
	if [ "$mta" = sendmail ]; then
		[ -z "$(sm_queued "$d/mqueue")" ]
		return
	fi
	[ -z "$(find "$d/queue/incoming" "$d/queue/active" \
		"$d/queue/deferred" "$d/queue/maildrop" -type f -print -quit \
		2>/dev/null)" ]
}

# logged OFFSET N: N deliveries logged after OFFSET.
logged() {
	[ "$(tail -c +"$(($1 + 1))" "$d/log/maillog" |
		grep -c ' status=sent ')" -ge "$2" ]
}

configs_of() {
	[ "$1" = replies ] && echo "$configs_replies" || echo "$configs_ordinary"
}

# ---- the run

"write_$mta" && write_relance && { [ -z "$have_dkim" ] || write_opendkim; } ||
	die "cannot write the configuration"
if [ "$mta" = sendmail ]; then
	# Sendmail does not log here: smtp-sink counts the deliveries
	smtp-sink -c -u postfix -h sink.example "127.0.0.1:$sinkport" 256 \
		>"$d/log/sink.count" 2>"$d/log/sink.log" &
else
	smtp-sink -u postfix -h sink.example "127.0.0.1:$sinkport" 256 \
		>"$d/log/sink.log" 2>&1 &
fi
sink_pid=$!
wait_for 10 answers "$sinkport" || die "smtp-sink does not answer"
start_milters || die "a milter did not start"
"start_$mta" || die "$mta did not start"
declare -a reply_from reply_rcpt
declare -A reply_next results
for c in $all_configs; do
	reply_next[$c]=0
done
prepare_replies || die "the reminders did not go through relance-milter"
wait_for 60 queue_empty

say "$(mta_version), $count messages a run," \
	"$sessions sessions, $rounds rounds, $ninv invoices"
# Warm-up: every service's smtpd processes and milter connections.
for mode in $modes; do
	for c in $(configs_of "$mode"); do
		run "$mode" "$c" "$warm"
	done
done

for r in $(seq "$rounds"); do
	for mode in $modes; do
		for c in $(configs_of "$mode"); do
			run "$mode" "$c" "$count"
			results[$mode.$c]+="$result"$'\n'
			say "round $r: $mode $c: $result"
			[ "$(echo "$result" | cut -d' ' -f2)" -eq "$count" ] ||
				say "$mode $c: not every message was delivered"
		done
	done
done

# The table: medians over the rounds.
median_col() { # COLUMN: the median of that column of standard input
	awk -v k="$1" '{ print $k }' | sort -g |
		awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
rate_of() { # MODE CONFIG: the median throughput, messages/s
	printf '%s' "${results[$1.$2]}" |
		awk -v n="$count" '{ print n / $1 }' | median_col 1
}
# whole: the number, rounded to a whole, or "-" as it is.
whole() {
	awk -v v="$1" 'BEGIN { if (v == "-") print v; else printf "%.0f", v }'
}
printf '\n%-9s %-10s %6s %6s %8s %8s %8s\n' mode milter msg/s ratio "p50 ms" \
	"p99 ms" "cpu ms"
for mode in $modes; do
	ref=null-eoh
	[ "$mode" = replies ] && ref=null-body
	ref_rate=0
	[ -z "${results[$mode.$ref]:-}" ] || ref_rate=$(rate_of "$mode" "$ref")
	for c in $(configs_of "$mode"); do
		rate=$(rate_of "$mode" "$c")
		printf '%-9s %-10s %6.0f %6s %8s %8s %8.2f\n' "$mode" "$c" \
			"$rate" "$(awk -v a="$rate" -v b="$ref_rate" 'BEGIN {
				if (b > 0) printf "%.2f", a / b; else print "-" }')" \
			"$(whole "$(printf '%s' "${results[$mode.$c]}" | median_col 3)")" \
			"$(whole "$(printf '%s' "${results[$mode.$c]}" | median_col 4)")" \
			"$(printf '%s' "${results[$mode.$c]}" | median_col 5)"
	done
done
echo "ratio: to null-eoh for ordinary mail, to null-body for replies;"
if [ "$mta" = sendmail ]; then
	echo "latency: none (Sendmail logs only through syslog, not running here);"
else
	echo "latency: Postfix's delays=a (MAIL FROM to the queue manager);"
fi
echo "cpu: the milter process's CPU time (user + system) per message"
exit 0
