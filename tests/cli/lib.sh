# lib.sh -- helpers for the relance command's shell tests.
#
# expect NAME STATUS [CMD...]: runs CMD, compares its exit status with
# STATUS, its standard output with $OUT and its standard error with $ERR
# (both exact, as written by $(cat <<EOF); unset means empty), prints "ok NAME" or "FAIL NAME"
# with a diff, and counts.
pass=0
fail=0

# The expected text, as $(cat <<EOF) left it, plus its last newline.
want_file() {
	if [ -n "$1" ]; then printf '%s\n' "$1" >"$2"; else : >"$2"; fi
}

expect() {
	local name=$1 want=$2 got
	shift 2
	"$@" >"$work/out" 2>"$work/err" && got=0 || got=$?
	want_file "${OUT-}" "$work/want.out"
	want_file "${ERR-}" "$work/want.err"
	if [ "$got" = "$want" ] && cmp -s "$work/out" "$work/want.out" &&
		cmp -s "$work/err" "$work/want.err"; then
		pass=$((pass + 1))
		echo "ok $name"
	else
		fail=$((fail + 1))
		echo "FAIL $name (exit $got, expected $want)"
		diff -u "$work/want.out" "$work/out" | sed 's/^/    out /' || true
		diff -u "$work/want.err" "$work/err" | sed 's/^/    err /' || true
	fi
	unset OUT ERR
}

finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
