#!/usr/bin/env bash
# run.sh -- the man pages: each renders with man(1) and groff without a
# warning, and every option, configuration key and policy keyword of the
# code appears in its page (tests/man/check.py says how it finds them).
# Skipped (77) without man, groff or python3. Run by `make check` or by
# hand.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top_srcdir/tests/cli/lib.sh"

for tool in man groff python3; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "SKIP: $tool not found ('apt-get install man-db groff-base python3')"
		exit 77
	}
done
work=$(mktemp -d /tmp/relance-man.XXXXXX)
trap 'rm -rf "$work"' EXIT

# render PAGE: what man and groff say on stderr while rendering it
render() {
	MANWIDTH=80 man --warnings -l "$1" 2>&1 >/dev/null
	groff -k -ww -z -man "$1" 2>&1
}
for page in relance.1 relance-milter.8 relance.conf.5 relance.policy.5; do
	OUT= expect "$page renders without warnings" 0 \
		render "$top_srcdir/src/$page"
done

OUT= expect "every option, key and keyword is documented" 0 \
	python3 "$top_srcdir/tests/man/check.py" "$top_srcdir/src"

python3 "$top_srcdir/tests/man/check.py" -v "$top_srcdir/src"

finish
