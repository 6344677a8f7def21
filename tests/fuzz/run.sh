#!/bin/bash
# run.sh -- build and run relance's libFuzzer targets.
#
# Usage: tests/fuzz/run.sh [NAME...]
#
#   NAME          run only tests/fuzz/fuzz_NAME.c (default: every fuzz_*.c)
#   FUZZ_SECONDS  seconds per target (default 20);
#                 FUZZ_SECONDS=1800 tests/fuzz/run.sh is the long run
#   BUILD_DIR     directory holding autoconf's config.h (default: the first
#                 of _build and . that has one)
#   FUZZ_CC       the compiler (default clang; libFuzzer needs clang)
#   FUZZ_KEEP=1   keep the work directory even when everything passed
#   FUZZ_JOBS     targets run at the same time (default 1; one core each)
#   FUZZ_SAVE=1   minimise each crasher found (libFuzzer -minimize_crash)
#                 and copy it into tests/fuzz/corpus/NAME/, the regression
#                 corpus that `make check` replays (tests/fuzz/replay.c)
#
# Each target names the sources it needs on its first line:
#   /* fuzz-sources: src/csv.c src/buf.c src/err.c */
# and, if it needs libraries, their pkg-config modules and any other linker
# flags on the next two lines (either or both, in any order):
#   /* fuzz-pkgs: libxml-2.0 */
#   /* fuzz-libs: -letpan */
# and is built with -fsanitize=fuzzer,address,undefined. Its seed corpus,
# tests/fuzz/corpus/NAME, is copied to a work directory so that new inputs
# never land in the repository. Prints one line per target, as it ends:
#   fuzz NAME: N executions, 0 crashes, corpus M inputs
# and exits non-zero if a target does not build, crashes, hangs, leaks or
# trips a sanitizer; its log and crash artifacts then stay in the work
# directory, whose path is printed.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

seconds=${FUZZ_SECONDS:-20}
jobs_max=${FUZZ_JOBS:-1}
cc=${FUZZ_CC:-clang}

if [[ -n ${BUILD_DIR:-} ]]; then
	build_dir=$BUILD_DIR
else
	build_dir=
	for d in _build .; do
		if [[ -f $d/config.h ]]; then
			build_dir=$d
			break
		fi
	done
fi
if [[ -z $build_dir || ! -f $build_dir/config.h ]]; then
	echo "fuzz: no config.h in ${build_dir:-_build or .}" \
		"(run configure, or set BUILD_DIR)" >&2
	exit 2
fi

if [[ $# -gt 0 ]]; then
	targets=()
	for name in "$@"; do
		if [[ ! -f tests/fuzz/fuzz_$name.c ]]; then
			echo "fuzz: no target tests/fuzz/fuzz_$name.c" >&2
			exit 2
		fi
		targets+=("tests/fuzz/fuzz_$name.c")
	done
else
	shopt -s nullglob
	targets=(tests/fuzz/fuzz_*.c)
	shopt -u nullglob
	if [[ ${#targets[@]} -eq 0 ]]; then
		echo "fuzz: no tests/fuzz/fuzz_*.c" >&2
		exit 2
	fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/relance-fuzz.XXXXXX")
echo "fuzz: work directory $work, ${seconds}s per target"
failed=0

# The sources listed on the first line of target $1.
sources_of() {
	sed -n '1s|^/\* fuzz-sources: \(.*\) \*/$|\1|p' "$1"
}

# The value of the "/* KEY: ... */" comment among the first lines of $2.
header_of() {
	sed -n "2,3s|^/\\* $1: \\(.*\\) \\*/\$|\\1|p" "$2"
}

# The number of inputs run, from a libFuzzer log.
executions_in() {
	local n
	n=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' \
		"$1" | tail -n 1)
	if [[ -z $n ]]; then
		n=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$1" | tail -n 1)
	fi
	echo "${n:-?}"
}

# Build and run target $1; return non-zero on any failure.
run_target() {
	local src=$1 name sources pkgs flags bin log artifacts corpus rc n crashes
	name=${src##*/fuzz_}
	name=${name%.c}
	bin=$work/fuzz_$name
	log=$work/$name.log
	artifacts=$work/artifacts/$name
	corpus=$work/corpus/$name

	sources=$(sources_of "$src")
	if [[ -z $sources ]]; then
		echo "fuzz $name: FAILED: the first line of $src is not" \
			"/* fuzz-sources: ... */"
		return 1
	fi
	flags=$(header_of fuzz-libs "$src")
	pkgs=$(header_of fuzz-pkgs "$src")
	# shellcheck disable=SC2086 # the module list is split on purpose
	if [[ -n $pkgs ]] && ! pkgs=$(pkg-config --cflags --libs $pkgs); then
		echo "fuzz $name: FAILED: pkg-config cannot find" \
			"$(header_of fuzz-pkgs "$src")"
		return 1
	fi
	# shellcheck disable=SC2086 # the lists are split on purpose
	if ! "$cc" -std=c11 -g -O1 -fno-omit-frame-pointer \
		-fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all \
		-I"$build_dir" -Isrc "$src" $sources $pkgs $flags -o "$bin" \
		>"$work/$name.build.log" 2>&1; then
		echo "fuzz $name: FAILED to build (see $work/$name.build.log)"
		return 1
	fi

	mkdir -p "$artifacts" "$corpus"
	if [[ -d tests/fuzz/corpus/$name ]]; then
		cp -R "tests/fuzz/corpus/$name/." "$corpus/"
	fi
	rc=0
	"$bin" -max_total_time="$seconds" -timeout=25 -print_final_stats=1 \
		-artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1 || rc=$?

	n=$(executions_in "$log")
	inputs=$(find "$corpus" -type f | wc -l)
	crashes=$(find "$artifacts" -type f | wc -l)
	if [[ $rc -ne 0 || $crashes -ne 0 ]] ||
		grep -q -e '^==[0-9]*==ERROR' -e 'runtime error:' "$log"; then
		[[ $crashes -ne 0 ]] || crashes=1
		echo "fuzz $name: $n executions, $crashes crashes," \
			"corpus $inputs inputs" \
			"(FAILED: log $log, artifacts in $artifacts)"
		[[ ${FUZZ_SAVE:-0} != 1 ]] || save_crashers "$name" "$bin"
		return 1
	fi
	echo "fuzz $name: $n executions, 0 crashes, corpus $inputs inputs"
}

# Minimise the crashers of target $1 (binary $2) and copy them into its
# regression corpus, named after their minimised content's hash.
save_crashers() {
	local name=$1 bin=$2 a min sum dest=tests/fuzz/corpus/$1
	mkdir -p "$dest"
	for a in "$work/artifacts/$name"/*; do
		[[ -f $a && $a != *.min ]] || continue
		min=$a.min
		if ! "$bin" -minimize_crash=1 -max_total_time=60 -runs=100000 \
			-exact_artifact_path="$min" "$a" \
			>"$work/$name.minimize.log" 2>&1 || [[ ! -s $min ]]; then
			cp "$a" "$min"
		fi
		sum=$(sha1sum <"$min" | cut -c1-12)
		cp "$min" "$dest/crash-$sum"
		echo "fuzz $name: crasher saved as $dest/crash-$sum" \
			"($(wc -c <"$min") bytes, minimised from $(wc -c <"$a"))"
	done
}

# At most FUZZ_JOBS targets at a time; each writes its exit code to
# $work/NAME.rc.
for src in "${targets[@]}"; do
	while [[ $(jobs -rp | wc -l) -ge $jobs_max ]]; do
		wait -n || true
	done
	name=${src##*/fuzz_}
	name=${name%.c}
	(
		rc=0
		run_target "$src" || rc=1
		echo "$rc" >"$work/$name.rc"
	) &
done
wait
for src in "${targets[@]}"; do
	name=${src##*/fuzz_}
	name=${name%.c}
	[[ $(cat "$work/$name.rc" 2>/dev/null) == 0 ]] || failed=1
done

if [[ $failed -ne 0 ]]; then
	echo "fuzz: FAILED; logs and crash artifacts are in $work" >&2
	exit 1
fi
if [[ ${FUZZ_KEEP:-0} == 1 ]]; then
	echo "fuzz: kept $work"
else
	rm -rf "$work"
fi
