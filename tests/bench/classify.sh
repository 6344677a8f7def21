#!/usr/bin/env bash
# classify.sh -- how fast relance parses and classifies replies, against
# Python's standard email parser reading the same files, in the same run.
#
#   tests/bench/classify.sh [COUNT] [RUNS]     (default 2000 messages, 3 runs)
#
# Prints, for each side, the median of RUNS timings (messages/s and MB/s),
# the ratio, and relance's peak memory on the whole corpus and on the
# largest message alone (memory must not grow with the input).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
count=${1:-2000}
runs=${2:-3}
relance=${RELANCE:-$top/_build/plain/src/relance}
[ -x "$relance" ] || relance=$top/_build/src/relance
work=$(mktemp -d /tmp/relance-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

python3 "$top/tests/bench/gen-replies.py" "$work/mail" "$count"
cat >"$work/relance.conf" <<CONF
StateFile    $work/state.db
PolicyDir    $top/policies
ReplyAddress factures@example.com
CONF
bytes=$(cat "$work"/mail/*.eml | wc -c)
largest=$(ls -S "$work"/mail/*.eml | sed -n 1p)

# seconds and peak RSS (KB) of a command, via Python's rusage.
measure() {
	python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.perf_counter()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
dt = time.perf_counter() - t
print(f"{dt:.4f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
PY
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

r_times=() p_times=() r_rss=0
for i in $(seq "$runs"); do
	read -r t rss < <(measure "$relance" -c "$work/relance.conf" classify \
		"$work"/mail/*.eml)
	r_times+=("$t"); r_rss=$rss
	read -r t _ < <(measure python3 "$top/tests/bench/py-parse.py" \
		"$work"/mail/*.eml)
	p_times+=("$t")
done
read -r _ one_rss < <(measure "$relance" -c "$work/relance.conf" classify \
	"$largest")
r=$(printf '%s\n' "${r_times[@]}" | median)
p=$(printf '%s\n' "${p_times[@]}" | median)
awk -v n="$count" -v b="$bytes" -v r="$r" -v p="$p" -v rss="$r_rss" \
	-v one="$one_rss" -v big="$(wc -c <"$largest")" 'BEGIN {
	mb = b / 1048576
	printf "corpus: %d messages, %.1f MB (largest %.1f MB)\n", n, mb, big / 1048576
	printf "relance classify: %8.0f msg/s %7.1f MB/s (median %.2f s)\n", n / r, mb / r, r
	printf "python email:     %8.0f msg/s %7.1f MB/s (median %.2f s)\n", n / p, mb / p, p
	printf "ratio: relance is %.1f times faster\n", p / r
	printf "relance peak memory: %d KB for the corpus, %d KB for the largest message alone\n", rss, one
}'
