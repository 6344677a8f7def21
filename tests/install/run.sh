#!/usr/bin/env bash
# run.sh -- make install into a throwaway DESTDIR: the exact list of files
# installed, the systemd units naming the installed programs, the installed
# `relance check` validating the installed configuration and policies, an
# edited relance.conf surviving a second install and the uninstall, and
# the uninstall leaving no other file. Run by `make check` (which sets
# top_srcdir and top_builddir) or by hand from a build directory.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
# absolute: the test changes directory
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" 2>/dev/null && pwd || echo "$top_builddir")
. "$top_srcdir/tests/cli/lib.sh"

work=$(mktemp -d /tmp/relance-install.XXXXXX)
trap 'rm -rf "$work"' EXIT
dest=$work/root

# make, without the jobserver of the make check that runs this script
m() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "${MAKE:-make}" -s \
		-C "$top_builddir" "$@"
}

# install ARGS: make ARGS quietly, its output shown when it fails
install_() {
	m "$@" >"$work/make.log" 2>&1 || {
		cat "$work/make.log" >&2
		return 1
	}
}

m print-installdirs >"$work/dirs" || {
	echo "cannot ask $top_builddir/Makefile for its directories"
	exit 1
}
. "$work/dirs"

OUT= expect "make install DESTDIR" 0 install_ install DESTDIR="$dest"

# Every file, and the directory made for the letters (in the state's).
units=
if [ -n "$systemdsystemunitdir" ]; then
	units="$systemdsystemunitdir/relance-milter.service
$systemdsystemunitdir/relance-run.service
$systemdsystemunitdir/relance-run.timer"
fi
p=$relanceconfdir/policies
want_files() {
	cat <<EOF
$bindir/relance
$sbindir/relance-milter
$mandir/man1/relance.1
$mandir/man5/relance.conf.5
$mandir/man5/relance.policy.5
$mandir/man8/relance-milter.8
$docdir/README.md
$docdir/examples/relance.conf
$docdir/examples/sample-invoices.csv
$docdir/examples/postfix/main.cf
$docdir/examples/postfix/master.cf
$docdir/examples/sendmail/relance.mc
$relanceconfdir/relance.conf
$p/calendar.policy
$p/matching.policy
$p/profiles.policy
$p/reactions.policy
$p/rates.policy
$p/rules-de.policy
$p/rules-en.policy
$p/rules-es.policy
$p/rules-fr.policy
$p/rules-it.policy
$p/rules-nl.policy
$p/templates/en/call
$p/templates/en/courtesy
$p/templates/en/formal-notice
$p/templates/en/reminder-1
$p/templates/en/reminder-2
$p/templates/en/thanks
$p/templates/fr/call
$p/templates/fr/courtesy
$p/templates/fr/formal-notice
$p/templates/fr/reminder-1
$p/templates/fr/reminder-2
$p/templates/fr/thanks
$relancestatedir/outbox/
${units}
EOF
}
# installed DIR: what is under DIR, files and empty directories (with a /)
installed() {
	(cd "$1" && find . \( -type f -o -type l -o -type d -empty \) \
		-printf '%y %P\n') |
		sed -e 's|^d \(.*\)$|/\1/|' -e 's|^[fl] |/|' | LC_ALL=C sort
}
OUT=$(want_files | sed -e '/^$/d' -e 's|//*|/|g' | LC_ALL=C sort) \
	expect "the files installed, exactly" 0 installed "$dest"

OUT= expect "programs are executable" 0 \
	test -x "$dest$bindir/relance" -a -x "$dest$sbindir/relance-milter"

# The installed command validates the installed configuration and policies.
conf=$dest$relanceconfdir/relance.conf
OUT="$conf, $dest$p: OK" \
	expect "installed relance check: installed policies" 0 \
	"$dest$bindir/relance" -c "$conf" check "$dest$p"
printf 'PolicyDir %s\n' "$dest$p" | cat "$conf" - >"$work/m.conf"
OUT="$work/m.conf, $dest$p: OK" \
	expect "installed relance-milter -n" 0 \
	"$dest$sbindir/relance-milter" -c "$work/m.conf" -n

if [ -n "$units" ]; then
	u=$dest$systemdsystemunitdir
	OUT="ExecStartPre=$sbindir/relance-milter -n
ExecStart=$sbindir/relance-milter
ExecStart=$bindir/relance run" \
		expect "units name the installed programs" 0 \
		grep -h '^ExecStart' "$u/relance-milter.service" \
		"$u/relance-run.service"
	OUT= expect "units: no @variable@ left" 1 grep -h '@[a-z]*@' \
		"$u/relance-milter.service" "$u/relance-run.service"
fi

# A second install keeps the administrator's relance.conf.
echo "# edited" >>"$conf"
OUT= expect "make install again" 0 install_ install DESTDIR="$dest"
OUT="# edited" expect "an edited relance.conf is kept" 0 tail -1 "$conf"

# Uninstall removes every file but the edited configuration.
OUT= expect "make uninstall" 0 install_ uninstall DESTDIR="$dest"
OUT="$relanceconfdir/relance.conf" \
	expect "uninstall leaves only the edited relance.conf" 0 sh -c \
	"cd '$dest' && find . -type f -printf '/%P\n'"

# An unedited relance.conf goes with the uninstall.
rm -rf "$dest"
OUT= expect "install again" 0 install_ install DESTDIR="$dest"
OUT= expect "uninstall again" 0 install_ uninstall DESTDIR="$dest"
OUT= expect "uninstall of an unedited install leaves no file" 0 sh -c \
	"cd '$dest' && find . -type f"

finish
