#!/usr/bin/env bash
# run.sh -- build the Debian package of contrib/debian from a copy of the
# tree (make distdir), install it with dpkg -i on this machine, check what
# it made (the files, the user relance, the directories and their owners,
# relance check on the installed configuration, the units), then purge it
# and remove what it left. As root, on a throwaway machine (CI's
# integration stage): it installs a package. Skipped (77) when not root,
# without dpkg-buildpackage or debhelper, or when relance is already
# installed (a package, or /etc/relance). About a minute: the package is
# built without its tests (DEB_BUILD_OPTIONS=nocheck), make check runs them.
#
#   top_srcdir=... top_builddir=... tests/debian/run.sh
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/_build/plain}
# absolute: the test changes directory
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" 2>/dev/null && pwd || echo "$top_builddir")
. "$top_srcdir/tests/cli/lib.sh"

skip() {
	echo "SKIP: $*"
	exit 77
}
[ "$(id -u)" -eq 0 ] || skip "not root: dpkg -i needs root"
command -v dpkg-buildpackage >/dev/null 2>&1 ||
	skip "dpkg-buildpackage not found ('apt-get install dpkg-dev')"
command -v dh >/dev/null 2>&1 ||
	skip "debhelper not found ('apt-get install debhelper')"
if dpkg-query -W -f='${Status}' relance 2>/dev/null | grep -q installed; then
	skip "the package relance is installed here already"
fi
[ ! -e /etc/relance ] || skip "/etc/relance exists: relance is installed here"
[ -f "$top_builddir/Makefile" ] ||
	skip "no configured build directory at $top_builddir"

work=$(mktemp -d /tmp/relance-deb.XXXXXX)
had_user=no
getent passwd relance >/dev/null && had_user=yes
had_state=no
[ -e /var/lib/relance ] && had_state=yes

# Whatever happens: purge the package, and remove the user and the state
# directory unless they were there before.
cleanup() {
	if dpkg-query -W -f='${Status}' relance 2>/dev/null |
		grep -q 'install\|config-files'; then
		dpkg --purge relance >>"$work/dpkg.log" 2>&1 ||
			echo "cleanup: dpkg --purge relance failed" >&2
	fi
	if [ "$had_user" = no ] && getent passwd relance >/dev/null; then
		deluser --system relance >/dev/null 2>&1 ||
			userdel relance >/dev/null 2>&1 || true
		getent group relance >/dev/null && groupdel relance 2>/dev/null
	fi
	[ "$had_state" = yes ] || rm -rf /var/lib/relance
	rm -rf "$work"
}
trap cleanup EXIT

# The source tree as a release has it, with debian/ in place.
src=$work/relance
OUT= expect "make distdir (a copy of the tree)" 0 sh -c \
	"env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL ${MAKE:-make} -s \
	 -C '$top_builddir' distdir distdir='$src' >'$work/distdir.log' 2>&1"
cp -R "$src/contrib/debian" "$src/debian"
OUT= expect "dpkg-buildpackage" 0 sh -c \
	"cd '$src' && DEB_BUILD_OPTIONS='nocheck parallel=$(nproc)' \
	 DEB_BUILD_PROFILES=nocheck dpkg-buildpackage -b -us -uc \
	 >'$work/build.log' 2>&1 || { tail -40 '$work/build.log'; exit 1; }"
deb=$(ls "$work"/relance_*.deb 2>/dev/null | head -1)
OUT= expect "a .deb was built" 0 test -f "$deb"

OUT= expect "dpkg -i" 0 sh -c \
	"DEBIAN_FRONTEND=noninteractive dpkg -i '$deb' >'$work/dpkg.log' 2>&1 ||
	 { cat '$work/dpkg.log'; exit 1; }"

# The files where Debian wants them.
OUT="/etc/relance/policies/profiles.policy
/etc/relance/policies/templates/fr/formal-notice
/etc/relance/relance.conf
/lib/systemd/system/relance-milter.service
/lib/systemd/system/relance-run.service
/lib/systemd/system/relance-run.timer
/usr/bin/relance
/usr/sbin/relance-milter
/usr/share/doc/relance/examples/postfix/main.cf
/usr/share/man/man1/relance.1.gz
/usr/share/man/man5/relance.conf.5.gz
/usr/share/man/man5/relance.policy.5.gz
/usr/share/man/man8/relance-milter.8.gz" \
	expect "the package's files" 0 sh -c \
	"dpkg -L relance | grep -E -x '/etc/relance/(relance.conf|policies/profiles.policy|policies/templates/fr/formal-notice)|/lib/systemd/system/.*|/usr/s?bin/.*|/usr/share/man/man./.+|/usr/share/doc/relance/examples/postfix/main.cf' | LC_ALL=C sort"
OUT="/etc/relance/policies/profiles.policy
/etc/relance/relance.conf" \
	expect "conffiles" 0 sh -c \
	"dpkg-query --control-show relance conffiles |
	 grep -E -x '/etc/relance/(relance.conf|policies/profiles.policy)' |
	 LC_ALL=C sort"

# The user and the directories it writes.
OUT="relance relance /var/lib/relance /usr/sbin/nologin" \
	expect "system user relance" 0 sh -c \
	"getent passwd relance | awk -F: '{ print \$1 }' | tr '\n' ' ';
	 id -gn relance | tr '\n' ' ';
	 getent passwd relance | awk -F: '{ print \$6, \$7 }'"
OUT= expect "relance is a system user (uid < 1000)" 0 \
	test "$(id -u relance)" -lt 1000
OUT="relance:relance 750 /var/lib/relance
relance:relance 750 /var/lib/relance/outbox
relance:relance 700 /var/spool/relance
root:relance 640 /etc/relance/relance.conf" \
	expect "owners and modes" 0 stat -c '%U:%G %a %n' /var/lib/relance \
	/var/lib/relance/outbox /var/spool/relance /etc/relance/relance.conf

# The installed programs read the installed configuration and policies.
OUT="/etc/relance/relance.conf, /etc/relance/policies: OK" \
	expect "relance check" 0 relance check
OUT="/etc/relance/relance.conf, /etc/relance/policies: OK" \
	expect "relance-milter -n" 0 relance-milter -n
OUT="/etc/relance/relance.conf, /etc/relance/policies: OK" \
	expect "relance check as the user relance" 0 \
	setpriv --reuid=relance --regid=relance --init-groups relance check

# The milter's unit is enabled, the daily run's timer is not.
OUT= expect "relance-milter.service enabled" 0 test -L \
	/etc/systemd/system/multi-user.target.wants/relance-milter.service
OUT= expect "relance-run.timer not enabled" 1 test -e \
	/etc/systemd/system/timers.target.wants/relance-run.timer
if command -v systemd-analyze >/dev/null 2>&1; then
	OUT= expect "systemd-analyze verify (installed units)" 0 \
		systemd-analyze verify /lib/systemd/system/relance-milter.service \
		/lib/systemd/system/relance-run.service \
		/lib/systemd/system/relance-run.timer
fi

# Purge: the package's files and the spool go, the empty state too.
OUT= expect "dpkg --purge" 0 sh -c \
	"dpkg --purge relance >>'$work/dpkg.log' 2>&1 ||
	 { cat '$work/dpkg.log'; exit 1; }"
OUT= expect "nothing left after purge" 0 sh -c \
	"for f in /usr/bin/relance /usr/sbin/relance-milter /etc/relance \
	   /var/spool/relance /lib/systemd/system/relance-milter.service \
	   /etc/systemd/system/multi-user.target.wants/relance-milter.service; do
	   [ ! -e \"\$f\" ] || echo \"left: \$f\"; done
	 [ '$had_state' = yes ] || [ ! -e /var/lib/relance ] ||
	   echo 'left: /var/lib/relance'"

finish
