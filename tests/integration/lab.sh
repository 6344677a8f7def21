# lab.sh -- a throwaway Postfix on loopback with relance-milter plugged in,
# for tests/integration/run.sh (sourced, bash).
#
# Everything lives under one temporary directory, $lab:
#	postfix/	config_directory: main.cf, master.cf
#	queue/ data/	queue_directory, data_directory (the latter owned by
#			postfix, or master fails on master.lock)
#	log/		maillog (through postlogd), milter.log, sink.log
#	sink/		what smtp-sink receives, one file a message
#	vmail/		virtual_mailbox_base: the dunning mailbox's Maildir,
#			vmail/example.com/factures/
#	milter/		relance-milter's socket and pid file (mode 0755)
#	state/		the state file, spool/ the milter's SpoolDir (nobody)
#	msg/		the messages the scenarios send
#
# The lab's mail routes:
#	127.0.0.1:$lab_smtp	smtpd, the MX: customers connect from
#				127.0.0.2 (not in mynetworks, not in the
#				milter's InternalNetworks)
#	127.0.0.1:$lab_sub	smtpd for the staff, the "submission"
#				service: milter_macro_daemon_name=ORIGINATING,
#				no SASL (smtpd_sasl_auth_enable=no), and
#				mynetworks=127.0.0.0/8 so that a clerk at
#				127.0.0.3 may relay. The milter recognises
#				it as outgoing by its daemon name only
#				(InternalDaemons ORIGINATING; its
#				InternalNetworks is 127.0.0.1/32, where
#				sendmail(1)'s mail comes from).
#	example.com		delivered by virtual(8) into the Maildir
#				(factures@example.com, and with
#				recipient_delimiter + its plus-addresses)
#	anything else		relayhost [127.0.0.1]:$lab_sinkport, an
#				smtp-sink that dumps every message
# smtpd_milters and non_smtpd_milters are relance-milter's unix socket,
# with milter_default_action = accept. master.cf chroots nothing, so the
# socket path is a real path. The milter runs as nobody:postfix: its unix
# socket has mode 0660, and the postfix user reaches it through the group.
#
# Needs root (Postfix's master, the milter's privilege drop), postfix
# (smtp-sink, smtp-source), swaks, python3, flock, ss.
#
# Uses from the caller: top_srcdir, top_builddir, and LAB_NAME when set (the
# directory's name before its random part; default relance-lab). Sets lab_*
# variables.
#
# With LAB_MTA=sendmail, tests/integration/sendmail-lab.sh (sourced at the
# end) puts a real Sendmail in Postfix's place: the same lab_* functions,
# the MTA's own parts (lab_write_mta_conf, lab_start_mta, lab_stop_mta,
# lab_sendmail, lab_queue_id, lab_mailq, ...) redefined.

lab=
lab_smtp=
lab_sub=
lab_sinkport=
lab_sink_pid=
lab_milter_pid=
lab_lock_pid=
lab_postfix_up=
lab_other_pids=

lab_relance=
lab_milter=
lab_conf=
lab_state=
lab_spool=
lab_maildir=

# lab_log TEXT...: a line about the lab itself on standard error.
lab_log() {
	echo "lab: $*" >&2
}

# lab_free_port FROM: the first port from FROM upward on which nothing
# listens on loopback and that no earlier call returned.
lab_free_port() {
	local p=$1
	while [ "$p" -lt 65000 ]; do
		case " $lab_smtp $lab_sub $lab_sinkport " in
		*" $p "*) ;;
		*)
			if [ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ]; then
				echo "$p"
				return 0
			fi
			;;
		esac
		p=$((p + 1))
	done
	return 1
}

# lab_wait SECONDS CMD...: run CMD every 0.1 s until it succeeds, at most
# SECONDS long. Returns CMD's last status.
lab_wait() {
	local tries=$(($1 * 10))
	shift
	while ! "$@"; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.1
	done
	return 0
}

# lab_answers PORT: an SMTP greeting comes from 127.0.0.1:PORT.
lab_answers() {
	(
		exec 9<>"/dev/tcp/127.0.0.1/$1" || exit 1
		read -r -t 2 line <&9 || exit 1
		printf 'QUIT\r\n' >&9
		case $line in 220*) exit 0 ;; esac
		exit 1
	) 2>/dev/null
}

# lab_mta: the lab's MTA, postfix or sendmail.
lab_mta=${LAB_MTA:-postfix}

lab_write_main_cf() {
	local uid gid
	uid=$(id -u postfix) && gid=$(id -g postfix) || return 1
	cat >"$lab/postfix/main.cf" <<EOF
# main.cf of the relance integration lab ($lab)
compatibility_level = 3.6
queue_directory = $lab/queue
data_directory = $lab/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop

maillog_file = $lab/log/maillog
maillog_file_prefixes = $lab/log

myhostname = mx.example.com
mydomain = example.com
myorigin = example.com
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.1/32
smtpd_banner = \$myhostname ESMTP
biff = no
alias_maps =
alias_database =

# Nothing leaves loopback, no DNS: everything goes to smtp-sink...
relayhost = [127.0.0.1]:$lab_sinkport
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtp_helo_name = mx.example.com
# ... except the dunning mailbox's domain, delivered into a Maildir.
virtual_mailbox_domains = example.com
virtual_mailbox_base = $lab/vmail
virtual_mailbox_maps = inline:{ factures@example.com=example.com/factures/ }
virtual_uid_maps = static:$uid
virtual_gid_maps = static:$gid
recipient_delimiter = +

# relance-milter, as contrib/postfix/main.cf says, on a unix socket.
smtpd_milters = unix:$lab/milter/relance.sock
non_smtpd_milters = \$smtpd_milters
milter_default_action = accept

# A lab: deliver at once, give up at once.
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
smtp_connect_timeout = 5s
EOF
}

lab_write_master_cf() {
	cat >"$lab/postfix/master.cf" <<EOF
# master.cf of the relance integration lab: nothing chrooted.
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$lab_smtp inet n - n - - smtpd
127.0.0.1:$lab_sub inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_sasl_auth_enable=no
  -o mynetworks=127.0.0.0/8
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
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# lab_write_relance_conf: relance.conf for both relance(1) and the milter.
lab_write_relance_conf() {
	cat >"$lab_conf" <<EOF
# relance.conf of the relance integration lab
StateFile        $lab_state
PolicyDir        $top_srcdir/policies
TimeZone         Europe/Paris
CompanyName      "Exemple SARL"
Sender           Exemple SARL <factures@example.com>
ReplyAddress     factures@example.com
Socket           ${lab_socket:-unix:$lab/milter/relance.sock}
UserID           nobody:postfix
PidFile          $lab/milter/relance-milter.pid
SpoolDir         $lab_spool
Mailbox          factures@example.com
InternalNetworks 127.0.0.1/32
InternalDaemons  ${lab_internal_daemons:-ORIGINATING}
Guard            reject
EOF
}

# lab_relance ARGS...: the relance command on the lab's state file.
lab_relance() {
	"$lab_relance" -c "$lab_conf" "$@"
}

# lab_prepare_state CSV: import CSV into a new state file that the milter's
# user owns.
lab_prepare_state() {
	lab_relance import "$1" >"$lab/log/import.out" 2>&1 || {
		cat "$lab/log/import.out" >&2
		return 1
	}
	chown -R nobody "$lab/state"
}

# lab_start_milter: relance-milter in the foreground, its output in
# log/milter.log; returns once it says it is starting (at most 10 s), or
# at once when it exits.
lab_start_milter() {
	local before tries=100
	before=$(grep -c ' starting: ' "$lab/log/milter.log")
	"$lab_milter" -c "$lab_conf" -f >>"$lab/log/milter.log" 2>&1 &
	lab_milter_pid=$!
	until lab_milter_started "$before"; do
		tries=$((tries - 1))
		if [ "$tries" -le 0 ] || lab_gone "$lab_milter_pid"; then
			lab_log "relance-milter did not start:"
			tail -n 5 "$lab/log/milter.log" >&2
			wait "$lab_milter_pid" 2>/dev/null
			lab_milter_pid=
			return 1
		fi
		sleep 0.1
	done
}

lab_milter_started() {
	[ "$(grep -c ' starting: ' "$lab/log/milter.log")" -gt "$1" ] &&
		[ -S "$lab/milter/relance.sock" ]
}

# lab_kill_milter: SIGKILL, as a crash would.
lab_kill_milter() {
	[ -n "$lab_milter_pid" ] || return 0
	kill -9 "$lab_milter_pid" 2>/dev/null
	wait "$lab_milter_pid" 2>/dev/null
	lab_milter_pid=
}

# lab_stop_milter: SIGTERM (libmilter's stop), at most 10 s, then SIGKILL.
lab_stop_milter() {
	[ -n "$lab_milter_pid" ] || return 0
	kill "$lab_milter_pid" 2>/dev/null
	lab_wait 10 lab_gone "$lab_milter_pid" || kill -9 "$lab_milter_pid"
	wait "$lab_milter_pid" 2>/dev/null
	lab_milter_pid=
}

lab_gone() {
	! kill -0 "$1" 2>/dev/null
}

lab_start_sink() {
	smtp-sink -u postfix -h sink.example -d "$lab/sink/%H%M%S." \
		"127.0.0.1:$lab_sinkport" 256 >"$lab/log/sink.log" 2>&1 &
	lab_sink_pid=$!
	lab_wait 10 lab_answers "$lab_sinkport"
}

lab_postfix() {
	postfix -c "$lab/postfix" "$@"
}

lab_start_postfix() {
	lab_postfix_up=1 # stop it even if "start" half fails
	if ! lab_postfix check >>"$lab/log/postfix.out" 2>&1 ||
		! lab_postfix start >>"$lab/log/postfix.out" 2>&1; then
		lab_log "postfix did not start:"
		cat "$lab/log/postfix.out" >&2
		return 1
	fi
	lab_wait 20 lab_answers "$lab_smtp" &&
		lab_wait 20 lab_answers "$lab_sub" || {
		lab_log "postfix does not answer on $lab_smtp and $lab_sub"
		tail -n 20 "$lab/log/maillog" >&2
		return 1
	}
}

# The pid of the lab's master, from its pid file.
lab_master_pid() {
	local pid
	read -r pid 2>/dev/null <"$lab/queue/pid/master.pid" && echo "$pid"
}

lab_stop_postfix() {
	local pid
	[ -n "$lab_postfix_up" ] || return 0
	pid=$(lab_master_pid)
	lab_postfix stop >>"$lab/log/postfix.out" 2>&1
	if [ -n "$pid" ] && ! lab_wait 10 lab_gone "$pid"; then
		lab_postfix abort >>"$lab/log/postfix.out" 2>&1
		lab_wait 5 lab_gone "$pid" || kill -9 "$pid"
	fi
	lab_postfix_up=
}

# The MTA's parts of lab_setup and lab_teardown (sendmail-lab.sh redefines
# them): its configuration, start and stop.
lab_write_mta_conf() {
	lab_write_main_cf && lab_write_master_cf
}
lab_start_mta() {
	lab_start_postfix
}
lab_stop_mta() {
	lab_stop_postfix
}

# lab_mailq: "Mail queue is empty", or what is left in the MTA's queue.
lab_mailq() {
	postqueue -c "$lab/postfix" -p
}

# lab_setup CSV: the whole lab, with the invoices of CSV; 0 or 1 (said
# why on standard error).
lab_setup() {
	local csv=$1
	lab_relance=${RELANCE:-$top_builddir/src/relance}
	lab_milter=${RELANCE_MILTER:-$top_builddir/src/relance-milter}
	lab=$(mktemp -d "/tmp/${LAB_NAME:-relance-lab}.XXXXXX") || return 1
	chmod 0755 "$lab"
	lab_conf=$lab/relance.conf
	lab_state=$lab/state/relance.db
	lab_spool=$lab/spool
	lab_maildir=$lab/vmail/example.com/factures
	mkdir -p "$lab"/{postfix,queue,data,log,sink,vmail,milter,state,msg}
	chown postfix "$lab/data" "$lab/sink" "$lab/vmail"
	mkdir -m 0700 "$lab_spool"
	chown nobody "$lab_spool"
	chmod 0755 "$lab/milter"
	touch "$lab/log/milter.log"
	lab_smtp=$(lab_free_port 20025) &&
		lab_sub=$(lab_free_port $((lab_smtp + 1))) &&
		lab_sinkport=$(lab_free_port $((lab_sub + 1))) || {
		lab_log "no free ports from 20025"
		return 1
	}
	lab_write_mta_conf && lab_write_relance_conf &&
		lab_prepare_state "$csv" &&
		lab_start_sink && lab_start_milter && lab_start_mta
}

# lab_track PID: a process the caller started in the background, to be
# stopped at teardown if still running.
lab_track() {
	lab_other_pids="$lab_other_pids $1"
}

# lab_teardown: stop everything the lab started, remove its directory
# (kept, and named, when LAB_KEEP is set).
lab_teardown() {
	local pid
	[ -n "$lab" ] || return 0
	for pid in $lab_lock_pid $lab_other_pids; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	lab_lock_pid=
	lab_other_pids=
	lab_stop_mta
	lab_stop_milter
	if [ -n "$lab_sink_pid" ]; then
		kill "$lab_sink_pid" 2>/dev/null
		wait "$lab_sink_pid" 2>/dev/null
		lab_sink_pid=
	fi
	if [ -n "${LAB_KEEP:-}" ]; then
		lab_log "kept $lab"
	else
		rm -rf "$lab"
	fi
	lab=
}

# ---- sending

# lab_sendmail FROM RCPT FILE: inject FILE with sendmail(1) (through
# non_smtpd_milters).
lab_sendmail() {
	MAIL_CONFIG=$lab/postfix sendmail -oi -f "$1" -- "$2" <"$3"
}

# lab_swaks PORT IP FROM RCPT FILE: send FILE by SMTP from IP; swaks's
# transcript in $lab/log/swaks.out, its status returned.
lab_swaks() {
	swaks --server 127.0.0.1 --port "$1" --local-interface "$2" \
		--helo client.example --from "$3" --to "$4" \
		--data "@$5" --timeout 30 >"$lab/log/swaks.out" 2>&1
}

# lab_smtp_replies: the server's replies in the last swaks transcript
# ("<-" lines, and "<**" for errors), without the prefix.
lab_smtp_replies() {
	sed -n 's/^ *<\(\*\*\|-\)  *//p' "$lab/log/swaks.out" | tr -d '\r'
}

# ---- waiting for delivery

# lab_sent RCPT: how many messages to RCPT Postfix handed over.
lab_sent() {
	grep -c " to=<$1>,.* status=sent " "$lab/log/maillog" 2>/dev/null
}

# lab_sink_files RCPT: the files smtp-sink wrote for RCPT, oldest first.
lab_sink_files() {
	grep -lF "X-Rcpt-Args: <$1>" "$lab"/sink/* 2>/dev/null |
		xargs -r ls -tr 2>/dev/null
}

lab_sink_count() {
	lab_sink_files "$1" | wc -l
}

# lab_sink_has RCPT N: N messages to RCPT are in the sink, complete
# (Postfix logged them sent, which it does once the sink said 250).
lab_sink_has() {
	[ "$(lab_sink_count "$1")" -ge "$2" ] &&
		[ "$(lab_sent "$1")" -ge "$2" ]
}

# lab_wait_sink RCPT N SECONDS: wait until N messages to RCPT are in the
# sink; prints the last one's file.
lab_wait_sink() {
	lab_wait "$3" lab_sink_has "$1" "$2" || return 1
	lab_sink_files "$1" | tail -n 1
}

# lab_maildir_file MESSAGE-ID: the message delivered into the dunning
# mailbox with MESSAGE-ID.
lab_maildir_file() {
	grep -liFx "Message-ID: $1" "$lab_maildir"/new/* 2>/dev/null | head -n 1
}

lab_maildir_has() {
	[ -n "$(lab_maildir_file "$1")" ]
}

# lab_wait_maildir MESSAGE-ID SECONDS: wait for it; prints its file.
lab_wait_maildir() {
	lab_wait "$2" lab_maildir_has "$1" || return 1
	lab_maildir_file "$1"
}

# ---- reading messages

# lab_header FILE NAME: each value of header NAME in FILE, unfolded and
# RFC 2047-decoded, one a line; nothing when absent.
lab_header() {
	python3 - "$1" "$2" <<'EOF'
import email, email.policy, sys
with open(sys.argv[1], "rb") as f:
    m = email.message_from_binary_file(f, policy=email.policy.default)
for v in m.get_all(sys.argv[2]) or []:
    print(str(v))
EOF
}

# lab_raw_header FILE NAME: the same, unfolded but not decoded.
lab_raw_header() {
	python3 - "$1" "$2" <<'EOF'
import email, email.policy, re, sys
with open(sys.argv[1], "rb") as f:
    m = email.message_from_binary_file(f, policy=email.policy.compat32)
for v in m.get_all(sys.argv[2]) or []:
    print(re.sub(r"\r?\n(?=[ \t])", "", str(v)))
EOF
}

# lab_header_names FILE PREFIX: the names of the header fields of FILE that
# start with PREFIX (case ignored), in order.
lab_header_names() {
	python3 - "$1" "$2" <<'EOF'
import email, email.policy, sys
with open(sys.argv[1], "rb") as f:
    m = email.message_from_binary_file(f, policy=email.policy.compat32)
for k in m.keys():
    if k.lower().startswith(sys.argv[2].lower()):
        print(k)
EOF
}

# lab_queue_id FILE: the queue ID that the lab's Postfix gave the message
# in FILE (from its Received header).
lab_queue_id() {
	python3 - "$1" <<'EOF'
import email, email.policy, re, sys
with open(sys.argv[1], "rb") as f:
    m = email.message_from_binary_file(f, policy=email.policy.compat32)
for v in m.get_all("Received") or []:
    r = re.search(r"by mx\.example\.com \(Postfix[^)]*\).*?\sid ([0-9A-Za-z]+)",
                  str(v), re.S)
    if r:
        print(r.group(1))
        break
EOF
}

if [ "$lab_mta" = sendmail ]; then
	. "$top_srcdir/tests/integration/sendmail-lab.sh"
fi
