#!/usr/bin/env bash
# fuzz.sh -- hostile input: every parser under libFuzzer (issue 7).
#
# Runs tests/fuzz/run.sh on every target (tests/fuzz/fuzz_*.c: MIME,
# classify, CSV, import, policy files and templates, relance.conf, the
# state file's invoice records, spool files, dates and amounts, tracking
# IDs, Message-ID sets, outgoing headers and their X-Relance-Invoice
# lists), with AddressSanitizer and UBSan, two targets at a time (the
# number of cores; FUZZ_JOBS overrides). The short form gives each target
# a few seconds (FUZZ_SECONDS, default 5: the whole takes about a
# minute); the long form (SURVIVE_LONG=1) 1800 s each.
#
# A crasher found is minimised and copied into tests/fuzz/corpus/NAME/,
# the regression corpus that `make check` replays (tests/fuzz/replay.c):
# fix the bug, then commit the file. Figures ("figure: NAME VALUE"):
# fuzz-NAME-executions, fuzz-NAME-crashes (must be 0), fuzz-NAME-corpus
# (inputs at the end), and the totals fuzz-executions and fuzz-crashes.
# Exits 77 without clang's libFuzzer, 1 on any crash.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

if [ "${SURVIVE_LONG:-0}" = 1 ]; then
	seconds=${FUZZ_SECONDS:-1800}
else
	seconds=${FUZZ_SECONDS:-5}
fi
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}

if ! command -v "${FUZZ_CC:-clang}" >/dev/null; then
	echo "SKIP: no ${FUZZ_CC:-clang} (apt-get install clang libclang-rt-14-dev)"
	exit 77
fi
probe=$(mktemp -d /tmp/relance-fuzz-probe.XXXXXX)
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' \
	>"$probe/p.c"
if ! "${FUZZ_CC:-clang}" -fsanitize=fuzzer,address "$probe/p.c" \
	-o "$probe/p" >/dev/null 2>&1; then
	rm -rf "$probe"
	echo "SKIP: ${FUZZ_CC:-clang} cannot link libFuzzer" \
		"(apt-get install libclang-rt-14-dev)"
	exit 77
fi
rm -rf "$probe"

if [ -z "${BUILD_DIR:-}" ]; then
	for d in "$top/_build/plain" "$top/_build" "$top"; do
		if [ -f "$d/config.h" ]; then
			export BUILD_DIR=$d
			break
		fi
	done
fi

out=$(mktemp /tmp/relance-survive-fuzz.XXXXXX)
trap 'rm -f "$out"' EXIT
echo "fuzz: ${seconds}s a target, $jobs at a time"
FUZZ_SECONDS=$seconds FUZZ_JOBS=$jobs FUZZ_SAVE=1 \
	"$top/tests/fuzz/run.sh" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}

total_n=0
total_c=0
targets=0
failed=0
while read -r name n c inputs; do
	targets=$((targets + 1))
	echo "figure: fuzz-$name-executions $n"
	echo "figure: fuzz-$name-crashes $c"
	echo "figure: fuzz-$name-corpus $inputs"
	[ "$n" = "?" ] || total_n=$((total_n + n))
	total_c=$((total_c + c))
	if [ "$c" -eq 0 ]; then
		echo "ok $name: $n executions, 0 crashes"
	else
		echo "FAIL $name: $c crashes (minimised into" \
			"tests/fuzz/corpus/$name/)"
		failed=1
	fi
done < <(sed -n 's/^fuzz \([a-z0-9_]*\): \([0-9?]*\) executions, \([0-9]*\) crashes, corpus \([0-9]*\) inputs.*/\1 \2 \3 \4/p' "$out" | sort)

echo "figure: fuzz-targets $targets"
echo "figure: fuzz-executions $total_n"
echo "figure: fuzz-crashes $total_c"
expected=$(find "$top/tests/fuzz" -maxdepth 1 -name 'fuzz_*.c' | wc -l)
if [ "$targets" -ne "$expected" ]; then
	echo "FAIL fuzz: $targets of $expected targets reported (a build" \
		"failed? see above)"
	failed=1
else
	echo "ok fuzz: all $targets targets ran"
fi
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
