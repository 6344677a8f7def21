# sendmail-tree.sh -- a real Sendmail 8.17 run from Debian's packages
# unpacked into a folder, never installed (Debian's sendmail and postfix
# packages conflict). Sourced (bash) by tests/integration/sendmail-lab.sh
# (the integration lab) and tests/bench/milter.sh (BENCH_MTA=sendmail), so
# that both run Sendmail the same way. Functions only, prefix sm_; the
# caller's folders and ports are passed as arguments.
#
# What made Sendmail work on loopback here (../shared/NOTES.md, "Real
# Sendmail beside Postfix"): its queue, pid and status files in the folder,
# no DNS (a service switch file, nocanonify, accept_unresolvable_domains),
# no probing of the interfaces, the next hop as SMART_HOST esmtp:[127.0.0.1]
# (the mailer prefix matters) on the sink's port, and a host name with a
# dot (sm_bin).
#
# Needs apt-get and dpkg-deb (or a folder that holds the .debs already),
# m4, unshare, and the shared libraries sendmail-bin depends on (libwrap0
# ...; contrib/debian-deps.sh, relance_sendmail_lab_deps).

# sm_unpack ROOT DEBS LOG: sendmail-bin, sendmail-base and sendmail-cf
# unpacked with dpkg-deb -x into the folder ROOT. DEBS is a folder that
# holds the three .debs, or "" to download them with apt-get download into
# ROOT/../debs (apt-get's output in the file LOG). 0, or 1 said why on
# standard error.
sm_unpack() {
	local root=$1 debs=$2 log=$3 p
	mkdir -p "$root" || return 1
	if [ -z "$debs" ]; then
		debs=$(dirname "$root")/debs
		mkdir -p "$debs"
		(cd "$debs" && apt-get download -q sendmail-bin sendmail-base \
			sendmail-cf) >"$log" 2>&1 || {
			echo "apt-get download sendmail-bin sendmail-base sendmail-cf failed:" >&2
			tail -n 5 "$log" >&2
			return 1
		}
	fi
	for p in sendmail-bin sendmail-base sendmail-cf; do
		set -- "$debs/${p}_"*.deb
		[ -f "$1" ] || {
			echo "no $p .deb in $debs" >&2
			return 1
		}
		dpkg-deb -x "$1" "$root" || return 1
	done
	[ -x "$root/usr/libexec/sendmail/sendmail" ] || {
		echo "no usr/libexec/sendmail/sendmail in the packages" >&2
		return 1
	}
}

# sm_bin ROOT ARGS...: the sendmail binary unpacked in ROOT, run with ARGS
# in a UTS namespace of its own where the host is named mx.example.com:
# Sendmail qualifies its host name before it reads its .cf, and when the
# machine's name has no dot and no fully qualified alias (a container's
# "vm"), it sleeps 60 s ("My unqualified host name unknown; sleeping for
# retry").
sm_bin() {
	local root=$1
	shift
	unshare --uts sh -c 'hostname mx.example.com && exec "$0" "$@"' \
		"$root/usr/libexec/sendmail/sendmail" "$@"
}

# sm_mc_base ROOT DIR QUEUE SINKPORT VERSION: on standard output, the
# first lines of an .mc for a Sendmail MTA unpacked in ROOT: cf.m4, its
# pid and status files in DIR (which gets service.switch, the no-DNS
# service switch file), its queue in QUEUE (made, mode 0700), everything
# relayed to smtp-sink on 127.0.0.1:SINKPORT, VERSION as VERSIONID. The
# caller adds its DAEMON_OPTIONS, filters and MAILER(smtp).
sm_mc_base() {
	local root=$1 dir=$2 queue=$3 sinkport=$4 version=$5
	mkdir -p "$queue" && chmod 0700 "$queue" &&
		printf 'hosts files\naliases files\n' >"$dir/service.switch" ||
		return 1
	cat <<EOF
divert(0)dnl
include(\`$root/usr/share/sendmail/cf/m4/cf.m4')dnl
VERSIONID(\`$version')dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`mx.example.com')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`QUEUE_DIR', \`$queue')dnl
define(\`confPID_FILE', \`$dir/sendmail.pid')dnl
define(\`STATUS_FILE', \`$dir/sendmail.st')dnl
define(\`ALIAS_FILE', \`')dnl
dnl no DNS
define(\`confSERVICE_SWITCH_FILE', \`$dir/service.switch')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
dnl everything to smtp-sink
define(\`SMART_HOST', \`esmtp:[127.0.0.1]')dnl
define(\`ESMTP_MAILER_ARGS', \`TCP \$h $sinkport')dnl
dnl give up at once on the next hop, and say nothing to the sender
define(\`confTO_CONNECT', \`5s')dnl
define(\`confTO_QUEUEWARN', \`0')dnl
EOF
}

# sm_m4 MC CF LOG: build CF from MC with m4; 0, or 1 with m4's complaints
# (kept in LOG) on standard error.
sm_m4() {
	m4 "$1" >"$2" 2>"$3" && [ ! -s "$3" ] || {
		echo "m4 $1 failed:" >&2
		cat "$3" >&2
		return 1
	}
}

# sm_start ROOT CF DIR LOG: the daemon of CF (sendmail -bd -q1m) started,
# its output appended to LOG; prints its pid (read from DIR/sendmail.pid,
# sm_mc_base's pid file). 0, or 1 said why on standard error.
sm_start() {
	local root=$1 cf=$2 dir=$3 log=$4 tries=100
	if ! sm_bin "$root" -C "$cf" -bd -q1m -O AliasFile= >>"$log" 2>&1; then
		echo "sendmail did not start:" >&2
		cat "$log" >&2
		return 1
	fi
	until [ -s "$dir/sendmail.pid" ]; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || {
			echo "sendmail wrote no $dir/sendmail.pid:" >&2
			cat "$log" >&2
			return 1
		}
		sleep 0.1
	done
	head -n 1 "$dir/sendmail.pid"
}

# sm_listens PID PORT: the Sendmail daemon PID (not another program that
# took the port first: Sendmail then retries binding for a while) listens
# on 127.0.0.1:PORT and greets.
sm_listens() {
	ss -Hltnp "sport = :$2" 2>/dev/null | grep -q "pid=$1," &&
		(
			exec 9<>"/dev/tcp/127.0.0.1/$2" || exit 1
			read -r -t 2 line <&9 || exit 1
			printf 'QUIT\r\n' >&9
			case $line in 220*) exit 0 ;; esac
			exit 1
		) 2>/dev/null
}

# sm_queued QUEUE...: the queue files (qf*) left in the QUEUE folders, one
# a line, sorted; nothing when they are empty.
sm_queued() {
	find "$@" -type f -name 'qf*' -printf '%P\n' 2>/dev/null | sort
}
