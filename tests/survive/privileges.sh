#!/usr/bin/env bash
# privileges.sh -- relance-milter runs as its own user, never as root
# (issue 7).
#
# 1. It refuses to run as root: UserID root, a user whose group is root,
#    and, started as root, the default UserID (relance) when that user
#    does not exist here (it never falls back to staying root).
# 2. Started as root with a user (nobody here, as the package's relance),
#    the running daemon holds that user's uid and gid everywhere (real,
#    effective, saved, file system), no supplementary group 0 and no
#    capability (/proc/PID/status: Uid, Gid, Groups, CapEff, CapPrm).
# 3. What it creates is its user's and private: the state file (made by
#    `relance import`, then written by the milter), each archive file and
#    each spool file (written while the state file is locked) have mode
#    0600; the unix socket belongs to the user and the configured group
#    (UserID USER:GROUP) with mode 0660, so that the MTA's user reaches
#    it through the group, and no other user does.
# 4. The systemd units' hardening: `systemd-analyze security --offline`
#    rates them (exposure printed as a figure; the milter's must stay
#    at most 2.0, "OK"; the command's at most 6.0, as it cannot take
#    NoNewPrivileges= nor the settings that imply it: sendmail(1) runs
#    Postfix's set-group-ID postdrop) and `systemd-analyze verify`
#    accepts them.
#
# Figures ("figure: NAME VALUE"): milter-uid, milter-capeff,
# state-file-mode, archive-file-mode, spool-file-mode, socket-mode,
# exposure-relance-milter, exposure-relance-run. Needs root and
# miltertest; exits 77 without them.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
relance=${RELANCE:-$top/_build/src/relance}
milter=${RELANCE_MILTER:-$top/_build/src/relance-milter}

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (the privilege drop is what is tested)"
	exit 77
fi
if ! command -v miltertest >/dev/null; then
	echo "SKIP: miltertest not found (apt-get install opendkim-tools)"
	exit 77
fi
if ! getent passwd nobody >/dev/null; then
	echo "SKIP: no user nobody"
	exit 77
fi

failed=0
ok() { echo "ok $*"; }
fail() {
	echo "FAIL $*"
	failed=1
}
# check WHAT GOT WANT
check() {
	if [ "$2" = "$3" ]; then
		ok "$1: $2"
	else
		fail "$1: got '$2', expected '$3'"
	fi
}

work=$(mktemp -d /tmp/relance-priv.XXXXXX)
chmod 0755 "$work"
milter_pid=
lock_pid=
cleanup() {
	[ -n "$lock_pid" ] && kill "$lock_pid" 2>/dev/null
	if [ -n "$milter_pid" ] && kill -0 "$milter_pid" 2>/dev/null; then
		kill "$milter_pid"
		wait "$milter_pid" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT

uid=$(id -u nobody)
# The socket's group: one nobody is not in, as the MTA's would be.
sgroup=mail
getent group "$sgroup" >/dev/null || sgroup=daemon
sgid=$(getent group "$sgroup" | cut -d: -f3)

export RELANCE_NOW=1795426200
cp -r "$top/policies" "$work/policies"
cat >"$work/relance.conf" <<EOC
StateFile        $work/state/state.db
PolicyDir        $work/policies
TimeZone         Europe/Paris
ReplyAddress     factures@example.com
Socket           unix:$work/run/milter.sock
PidFile          $work/run/milter.pid
SpoolDir         $work/spool
ArchiveDir       $work/archive
InternalNetworks 127.0.0.0/8, 192.0.2.0/24
EOC
mkdir -m 0755 "$work/state" "$work/run" "$work/archive"
if ! "$relance" -c "$work/relance.conf" import \
	"$top/tests/cli/data/invoices.csv" >"$work/import.log" 2>&1; then
	cat "$work/import.log"
	echo "FAIL: cannot prepare the state file"
	exit 1
fi
check "relance import creates the state file 0600" \
	"$(stat -c %a "$work/state/state.db")" 600
chown -R nobody: "$work/state" "$work/archive"

# ---- 1. never root

# refuse NAME WANT-STATUS WANT-MESSAGE ARGS...: the milter stops at once.
refuse() {
	local name=$1 want=$2 msg=$3 status
	shift 3
	timeout 10 "$milter" -c "$work/relance.conf" -f "$@" \
		>"$work/out" 2>&1
	status=$?
	if [ "$status" -eq "$want" ] && grep -qF -- "$msg" "$work/out"; then
		ok "$name (exit $status)"
	else
		fail "$name: exit $status, expected $want and \"$msg\":" \
			"$(cat "$work/out")"
	fi
	if pgrep -f "relance-milter -c $work/relance.conf" >/dev/null; then
		fail "$name: a milter was left running"
	fi
	rm -f "$work/run/milter.sock" "$work/run/milter.pid"
}
refuse "refuses UserID root" 67 \
	'UserID "root" is root: refusing to run as root' -u root
refuse "refuses UserID 0 (not a name)" 67 \
	'UserID "0": no such user' -u 0
refuse "refuses a user whose group is root" 77 \
	'refusing to run as root (set UserID or -u' -u nobody:root
if getent passwd relance >/dev/null; then
	ok "default UserID relance exists here: not tested as missing"
else
	refuse "started as root, the default UserID relance missing" \
		67 'UserID "relance": no such user'
fi

# ---- 2. the running daemon's identity

"$milter" -c "$work/relance.conf" -f -u "nobody:$sgroup" \
	2>>"$work/milter.log" &
milter_pid=$!
for _ in $(seq 100); do
	[ -S "$work/run/milter.sock" ] && grep -q "starting:" "$work/milter.log" &&
		break
	sleep 0.05
done
if ! kill -0 "$milter_pid" 2>/dev/null; then
	cat "$work/milter.log"
	echo "FAIL: the milter did not start"
	exit 1
fi
status=/proc/$milter_pid/status
field() { sed -n "s/^$1:[[:space:]]*//p" "$status" | tr -s ' \t' ' '; }
check "milter Uid (real effective saved fs)" "$(field Uid)" \
	"$uid $uid $uid $uid"
check "milter Gid (real effective saved fs)" "$(field Gid)" \
	"$sgid $sgid $sgid $sgid"
groups=$(field Groups)
case " $groups " in
*" 0 "*) fail "milter supplementary groups hold root: $groups" ;;
*) ok "milter supplementary groups without root: '${groups% }'" ;;
esac
capeff=$(field CapEff)
check "milter CapEff" "$capeff" 0000000000000000
check "milter CapPrm" "$(field CapPrm)" 0000000000000000
echo "figure: milter-uid $(field Uid | cut -d' ' -f2)"
echo "figure: milter-capeff $capeff"

# ---- 3. what it creates

sock=$work/run/milter.sock
check "socket owner:group and mode" \
	"$(stat -c '%U:%G %a' "$sock")" "nobody:$sgroup 660"
echo "figure: socket-mode $(stat -c %a "$sock")"
# reach: python3 connects as UID:GID (+ GROUPS); prints ok or the errno.
reach() {
	python3 - "$sock" "$1" "$2" "$3" <<'EOP'
import os, socket, sys
path, uid, gid, groups = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
os.setgroups([int(g) for g in groups.split(",") if g])
os.setgid(gid)
os.setuid(uid)
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(path)
    print("ok")
except OSError as e:
    print(os.strerror(e.errno))
EOP
}
check "a user in the socket's group connects" \
	"$(reach 65533 65533 "$sgid")" ok
check "a user outside it is refused" \
	"$(reach 65533 65533 "")" "Permission denied"

mt() {
	miltertest -D "socket=unix:$sock" -D "srcdir=$top" -D "qid=$1" \
		-D "locked=${2:-0}" -s "$here/privileges.lua" >"$work/mt.log" 2>&1
}
if mt P1; then
	ok "a reminder through the milter"
else
	fail "a reminder through the milter: $(cat "$work/mt.log")"
fi
check "state file after the milter wrote it: owner and mode" \
	"$(stat -c '%U %a' "$work/state/state.db")" "nobody 600"
echo "figure: state-file-mode $(stat -c %a "$work/state/state.db")"
n=0
for f in "$work"/archive/*; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	check "archive file ${f##*/}: owner and mode" \
		"$(stat -c '%U %a' "$f")" "nobody 600"
	echo "figure: archive-file-mode $(stat -c %a "$f")"
done
[ "$n" -gt 0 ] || fail "no archive file written"

# the state file locked: the event goes to the spool
flock --no-fork -x "$work/state/state.db" sleep 60 &
lock_pid=$!
for _ in $(seq 100); do
	flock -n -x "$work/state/state.db" true || break
	sleep 0.05
done
if mt P2 1; then
	ok "a reminder while the state file is locked"
else
	fail "a reminder while the state file is locked: $(cat "$work/mt.log")"
fi
n=0
for f in "$work"/spool/*; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	check "spool file ${f##*/}: owner and mode" \
		"$(stat -c '%U %a' "$f")" "nobody 600"
	echo "figure: spool-file-mode $(stat -c %a "$f")"
done
[ "$n" -gt 0 ] || fail "no spool file written while the state was locked"
check "spool directory: owner and mode" \
	"$(stat -c '%U %a' "$work/spool")" "nobody 700"
kill "$lock_pid" 2>/dev/null
wait "$lock_pid" 2>/dev/null
lock_pid=
kill "$milter_pid"
wait "$milter_pid" 2>/dev/null
milter_pid=

# ---- 4. the systemd units

if ! command -v systemd-analyze >/dev/null; then
	echo "systemd-analyze not found: the units' hardening is not rated"
else
	mkdir "$work/units"
	for u in relance-milter relance-run; do
		sed -e "s|@bindir@|$(dirname "$relance")|g" \
			-e "s|@sbindir@|$(dirname "$milter")|g" \
			"$top/contrib/systemd/$u.service.in" \
			>"$work/units/$u.service"
	done
	cp "$top/contrib/systemd/relance-run.timer" "$work/units/"
	for u in relance-milter:2.0 relance-run:6.0; do
		name=${u%%:*} max=${u#*:}
		if ! (cd "$work/units" && systemd-analyze security \
			--offline=true "./$name.service") >"$work/sec" 2>&1; then
			fail "systemd-analyze security $name.service:" \
				"$(cat "$work/sec")"
			continue
		fi
		score=$(sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p' \
			"$work/sec")
		echo "figure: exposure-$name ${score:-?}"
		if [ -n "$score" ] && awk -v s="$score" -v m="$max" \
			'BEGIN { exit !(s <= m) }'; then
			ok "$name.service exposure $score (at most $max)"
		else
			fail "$name.service exposure ${score:-?} (at most $max)"
			grep -E '^✗' "$work/sec" | head -20
		fi
		if (cd "$work/units" && MANPATH=$top/src:/usr/share/man \
			systemd-analyze verify --man=no "./$name.service") \
			>"$work/verify" 2>&1; then
			ok "systemd-analyze verify $name.service"
		else
			fail "systemd-analyze verify $name.service:" \
				"$(cat "$work/verify")"
		fi
	done
fi

[ "$failed" -eq 0 ]
