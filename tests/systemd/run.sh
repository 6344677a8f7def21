#!/usr/bin/env bash
# run.sh -- the systemd units of contrib/systemd: `systemd-analyze verify`
# accepts them (with the programs of this build and the man pages of this
# tree in place of the installed ones), and `systemd-analyze security`
# rates them (the exposure score is printed, not asserted). Skipped (77)
# without systemd-analyze. Run by `make check` or by hand.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
# absolute: the test changes directory
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" 2>/dev/null && pwd || echo "$top_builddir")
. "$top_srcdir/tests/cli/lib.sh"

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "SKIP: systemd-analyze not found ('apt-get install systemd')"
	exit 77
fi

work=$(mktemp -d /tmp/relance-systemd.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The units as make install writes them, naming this build's programs.
mkdir "$work/units" "$work/man" "$work/man/man1" "$work/man/man5" \
	"$work/man/man8"
for u in relance-milter.service relance-run.service; do
	sed -e "s|@bindir@|$top_builddir/src|g" \
		-e "s|@sbindir@|$top_builddir/src|g" \
		"$top_srcdir/contrib/systemd/$u.in" >"$work/units/$u"
done
cp "$top_srcdir/contrib/systemd/relance-run.timer" "$work/units/"
# Documentation=man:... is checked with man(1): this tree's pages.
for p in relance.1 relance.conf.5 relance.policy.5 relance-milter.8; do
	ln -s "$top_srcdir/src/$p" "$work/man/man${p##*.}/$p"
done
export MANPATH=$work/man

cd "$work/units"
for u in relance-milter.service relance-run.service relance-run.timer; do
	OUT= expect "systemd-analyze verify $u" 0 \
		systemd-analyze verify "./$u"
done
for u in relance-milter.service relance-run.service; do
	# the score, for the log: the last line, "Overall exposure level"
	if systemd-analyze security --offline=true "./$u" >"$work/sec" 2>&1; then
		tail -1 "$work/sec"
	else
		echo "systemd-analyze security --offline=true $u:"
		cat "$work/sec"
	fi
done
# What the milter's sandbox must not lose.
OUT="User=relance
RuntimeDirectory=relance
StateDirectory=relance
NoNewPrivileges=yes
CapabilityBoundingSet=
ProtectSystem=strict
PrivateTmp=yes" \
	expect "relance-milter.service: user and sandbox" 0 \
	grep -E -x 'User=relance|NoNewPrivileges=yes|CapabilityBoundingSet=|ProtectSystem=strict|StateDirectory=relance|RuntimeDirectory=relance|PrivateTmp=yes' \
	relance-milter.service
# relance-run.service: no NoNewPrivileges (postdrop is set-group-ID).
OUT= expect "relance-run.service: no NoNewPrivileges" 1 \
	grep -E '^(NoNewPrivileges|SystemCallFilter|RestrictAddressFamilies|PrivateDevices)=' \
	relance-run.service

finish
