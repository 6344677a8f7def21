#!/usr/bin/env bash
# run-all.sh -- set up and run every test of relance, the README's test command.
#
# Installs the Debian build dependencies that are missing (apt-get, as root or
# through sudo), builds with warnings as errors, runs the unit, command and
# miltertest tests, runs them again with ASan+UBSan, runs relance-milter
# inside a throwaway Postfix on loopback (tests/integration, as root), runs
# the demo (contrib/quickstart.sh) and checks what it shows, runs the short
# form of tests/survive (crashes, faults, hostile mail, privileges, and
# every fuzz target for a few seconds), renders `relance report --html` in
# headless Chromium, builds the Debian package and installs it, then purges
# it (tests/debian, as root), and checks the distribution tarball (make
# distcheck).
#
#   tests/run-all.sh            everything (tests/survive in its short form)
#   tests/survive/run.sh --long the release checks (30 min a fuzz target)
#
# Exits non-zero when any stage fails; the last line says how many passed.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)

. "$top/contrib/debian-deps.sh"

install_deps() {
	relance_install_deps run-all "${relance_build_deps[@]}" \
		"${relance_lab_deps[@]}" "${relance_test_deps[@]}"
}

passed=0
failed=0
skipped=0
failures=()

# stage NAME COMMAND...: run one stage, count it, keep going on failure.
# Exit status 77 means skipped (as automake's harness reads it): said
# loudly, not counted as passed.
stage() {
	local name=$1 rc=0 t0=$SECONDS
	shift
	echo "=== $name"
	"$@" || rc=$?
	t0="$((SECONDS - t0)) s"
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "=== $name: ok ($t0)"
	elif [ "$rc" -eq 77 ]; then
		skipped=$((skipped + 1))
		echo "=== $name: SKIPPED (see above why; $t0)" >&2
	else
		failed=$((failed + 1))
		failures+=("$name")
		echo "=== $name: FAILED ($t0)" >&2
	fi
}

build_and_check() {
	local dir=$1
	shift
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && "$top/configure" --enable-werror "$@" >configure.out &&
		make -j"$jobs" >make.out &&
		make -j"$jobs" check VERBOSE=1)
}

install_deps
autoreconf -fi >/dev/null 2>&1 || autoreconf -fi

stage "build and test (-Werror)" build_and_check _build/plain
stage "build and test under ASan+UBSan" build_and_check _build/sanitizers \
	--enable-sanitizers
stage "the Debian package, built and installed (tests/debian)" \
	env top_srcdir="$top" top_builddir="$top/_build/plain" \
	tests/debian/run.sh
stage "relance-milter inside a real Postfix (tests/integration)" \
	env top_srcdir="$top" top_builddir="$top/_build/plain" \
	tests/integration/run.sh
stage "the demo, contrib/quickstart.sh (tests/integration/demo.sh)" \
	env top_srcdir="$top" top_builddir="$top/_build/plain" \
	tests/integration/demo.sh
stage "crashes, faults and hostile mail, short form (tests/survive)" \
	tests/survive/run.sh
stage "relance report --html in headless Chromium (tests/integration/report-html.sh)" \
	env top_srcdir="$top" top_builddir="$top/_build/plain" \
	tests/integration/report-html.sh
stage "make distcheck" make -C _build/plain -j"$jobs" distcheck \
	DISTCHECK_CONFIGURE_FLAGS=--enable-werror

if [ "$failed" -gt 0 ]; then
	echo "run-all: failed stages: ${failures[*]}" >&2
fi
echo "run-all: $passed passed, $failed failed, $skipped skipped ($SECONDS s)"
[ "$failed" -eq 0 ]
