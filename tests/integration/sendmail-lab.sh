# sendmail-lab.sh -- a real Sendmail in the lab in Postfix's place, for
# tests/integration/run.sh with LAB_MTA=sendmail (sourced by lab.sh, bash).
#
# Sendmail is not installed (Debian's sendmail and postfix packages
# conflict): `apt-get download sendmail-bin sendmail-base sendmail-cf`, each
# unpacked with dpkg-deb -x into $lab/sendmail/ (or LAB_SENDMAIL_DEBS, a
# directory that holds the three .debs already), and run from there as
# root. Its .cf files are built with m4 from the .mc files written here,
# which include that tree's cf.m4 and, for the MTA, the project's
# contrib/sendmail/relance.mc itself (RELANCE_SOCKET defined to the lab's
# milter port), so that the snippet the documentation shows is the one
# tested. More in $lab:
#	sendmail/	the unpacked packages, lab.mc/lab.cf (the MTA),
#			submit.mc/submit.cf (the message submission program),
#			service.switch (no DNS: hosts and aliases from files)
#	mqueue/		the MTA's queue (mode 0700)
#	clientmqueue/	the submission program's queue (nobody's)
#	sink/		what smtp-sink receives: the customers' domains AND
#			example.com (no local delivery: the dunning mailbox's
#			mail is read from the sink too)
#
# The lab's mail routes, as with Postfix:
#	127.0.0.1:$lab_smtp	the MX daemon, Name=MTA; example.com is a
#				RELAY_DOMAIN, so outsiders (127.0.0.2) can
#				write to it
#	127.0.0.1:$lab_sub	the submission daemon, Name=MSA, M=E (no
#				AUTH); 127.0.0.3 may relay. The milter takes it
#				as outgoing by {daemon_name} (InternalDaemons
#				MSA)
#	sendmail(1)		lab_sendmail: Sendmail's own submission program
#				(submit.cf, FEATURE(msp)), which relays by SMTP
#				to the MX daemon from 127.0.0.1 (InternalNetworks
#				127.0.0.1/32): Sendmail calls milters for SMTP
#				only
#	everything		SMART_HOST esmtp:[127.0.0.1], port
#				$lab_sinkport: smtp-sink
# relance-milter listens on inet:$lab_milter_port@127.0.0.1 (Sendmail
# refuses a unix socket under the world-writable /tmp), as the
# INPUT_MAIL_FILTER of relance.mc: no F= flag, so Sendmail goes on without
# the milter when it does not answer.
#
# Sendmail logs only through syslog, which this machine does not run: the
# checks read smtp-sink's files, the queue directories and the milter's log.
#
# Needs, besides lab.sh's: apt-get and dpkg-deb (or LAB_SENDMAIL_DEBS), m4,
# and the shared libraries sendmail-bin depends on (libwrap0 ...). How
# Sendmail is unpacked, configured and run is tests/integration/
# sendmail-tree.sh's (sourced here), shared with tests/bench/milter.sh.

. "$top_srcdir/tests/integration/sendmail-tree.sh"

lab_sendmail_root=
lab_milter_port=
lab_sendmail_pid=

# lab_sendmail_bin ARGS...: the unpacked sendmail binary (sm_bin).
lab_sendmail_bin() {
	sm_bin "$lab_sendmail_root" "$@"
}

# lab_write_mta_conf: unpack Sendmail, write and build lab.cf and
# submit.cf. Picks the milter's port.
lab_write_mta_conf() {
	local cf m4dir
	lab_sendmail_root=$lab/sendmail/root
	lab_milter_port=$(lab_free_port $((lab_sinkport + 1))) || return 1
	lab_socket=inet:$lab_milter_port@127.0.0.1
	lab_internal_daemons=MSA
	mkdir -p "$lab_sendmail_root" "$lab/clientmqueue"
	chown nobody "$lab/clientmqueue"
	chmod 0770 "$lab/clientmqueue"
	sm_unpack "$lab_sendmail_root" "${LAB_SENDMAIL_DEBS:-}" \
		"$lab/log/apt-get.out" || return 1
	cf=$lab/sendmail
	m4dir=$lab_sendmail_root/usr/share/sendmail/cf/m4
	{
		cat <<EOF
divert(-1)
# lab.mc of the relance integration lab ($lab)
EOF
		sm_mc_base "$lab_sendmail_root" "$cf" "$lab/mqueue" \
			"$lab_sinkport" 'relance integration lab' || return 1
		cat <<EOF
dnl one SMTP session a message: smtp-sink writes a file a session
define(\`confMCI_CACHE_SIZE', \`0')dnl
dnl the MX and the staff's submission daemon
FEATURE(\`no_default_msa')dnl
DAEMON_OPTIONS(\`Port=$lab_smtp, Addr=127.0.0.1, Name=MTA')dnl
DAEMON_OPTIONS(\`Port=$lab_sub, Addr=127.0.0.1, Name=MSA, M=E')dnl
RELAY_DOMAIN(\`example.com')dnl
RELAY_DOMAIN(\`127.0.0.3')dnl
dnl relance-milter, as contrib/sendmail/relance.mc says
define(\`RELANCE_SOCKET', \`$lab_socket')dnl
include(\`$top_srcdir/contrib/sendmail/relance.mc')dnl
MAILER(\`smtp')dnl
EOF
	} >"$cf/lab.mc" || return 1
	cat >"$cf/submit.mc" <<EOF
divert(-1)
# submit.mc of the relance integration lab: sendmail(1), relaying to the MX
divert(0)dnl
include(\`$m4dir/cf.m4')dnl
VERSIONID(\`relance integration lab, submission')dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`mx.example.com')dnl
define(\`confSERVICE_SWITCH_FILE', \`$cf/service.switch')dnl
define(\`confRUN_AS_USER', \`nobody')dnl
define(\`MSP_QUEUE_DIR', \`$lab/clientmqueue')dnl
define(\`confPID_FILE', \`$lab/sendmail/sm-client.pid')dnl
define(\`STATUS_FILE', \`$lab/sendmail/sm-client.st')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $lab_smtp')dnl
FEATURE(\`msp', \`[127.0.0.1]')dnl
EOF
	sm_m4 "$cf/lab.mc" "$cf/lab.cf" "$lab/log/m4.out" &&
		sm_m4 "$cf/submit.mc" "$cf/submit.cf" "$lab/log/m4.out"
}

# lab_milter_started BEFORE: the milter said it starts and listens.
lab_milter_started() {
	[ "$(grep -c ' starting: ' "$lab/log/milter.log")" -gt "$1" ] &&
		[ -n "$(ss -Hltn "sport = :$lab_milter_port" 2>/dev/null)" ]
}

lab_start_mta() {
	lab_sendmail_pid=$(sm_start "$lab_sendmail_root" \
		"$lab/sendmail/lab.cf" "$lab/sendmail" \
		"$lab/log/sendmail.out") || return 1
	lab_wait 30 sm_listens "$lab_sendmail_pid" "$lab_smtp" &&
		lab_wait 30 sm_listens "$lab_sendmail_pid" "$lab_sub" || {
		lab_log "sendmail does not answer on $lab_smtp and $lab_sub"
		ss -Hltnp "( sport = :$lab_smtp or sport = :$lab_sub )" >&2
		cat "$lab/log/sendmail.out" >&2
		return 1
	}
}

# lab_stop_mta: SIGTERM to the daemon, at most 10 s, then SIGKILL; its
# delivery children end with their delivery.
lab_stop_mta() {
	[ -n "$lab_sendmail_pid" ] || return 0
	kill "$lab_sendmail_pid" 2>/dev/null
	lab_wait 10 lab_gone "$lab_sendmail_pid" ||
		kill -9 "$lab_sendmail_pid" 2>/dev/null
	lab_sendmail_pid=
}

# lab_mailq: "Mail queue is empty", or the queue files left (of the MTA and
# of the submission program).
lab_mailq() {
	local left
	left=$(sm_queued "$lab/mqueue" "$lab/clientmqueue")
	if [ -z "$left" ]; then
		echo "Mail queue is empty"
	else
		printf '%s\n' "$left"
		return 1
	fi
}

lab_queue_empty() {
	lab_mailq >/dev/null
}

# lab_sendmail FROM RCPT FILE: inject FILE with Sendmail's sendmail(1),
# the submission program (submit.cf), which hands it over by SMTP at once.
lab_sendmail() {
	lab_sendmail_bin -C "$lab/sendmail/submit.cf" -oi -f "$1" -- "$2" <"$3"
}

# lab_sink_has RCPT N: N messages to RCPT are in the sink, complete (no
# queue file left: Sendmail removes it once the sink said 250).
lab_sink_has() {
	[ "$(lab_sink_count "$1")" -ge "$2" ] && lab_queue_empty
}

# lab_maildir_file MESSAGE-ID: the message to the dunning mailbox with
# MESSAGE-ID, complete, from the sink (Sendmail delivers nothing locally).
lab_maildir_file() {
	lab_queue_empty || return 0
	grep -liFx "Message-ID: $1" "$lab"/sink/* 2>/dev/null | head -n 1
}

# lab_queue_id FILE: the queue ID that the lab's Sendmail (the MX and
# submission daemons) gave the message in FILE.
lab_queue_id() {
	python3 - "$1" <<'EOF'
import email, email.policy, re, sys
with open(sys.argv[1], "rb") as f:
    m = email.message_from_binary_file(f, policy=email.policy.compat32)
for v in m.get_all("Received") or []:
    r = re.search(r"by mx\.example\.com \(8[^)]*\)\s+with E?SMTP id ([0-9A-Za-z]+)",
                  str(v), re.S)
    if r:
        print(r.group(1))
        break
EOF
}

# lab_submit_id FILE: the queue ID that the submission program gave the
# message in FILE (the one in the Message-Id it wrote), if it came that way.
lab_submit_id() {
	python3 - "$1" <<'EOF'
import email, email.policy, re, sys
with open(sys.argv[1], "rb") as f:
    m = email.message_from_binary_file(f, policy=email.policy.compat32)
for v in m.get_all("Received") or []:
    r = re.search(r"^\(from [^)]*\)\s+by mx\.example\.com \(8[^)]*\)\s+id ([0-9A-Za-z]+)",
                  str(v), re.S)
    if r:
        print(r.group(1))
        break
EOF
}
