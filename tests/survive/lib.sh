# lib.sh -- what the scripts of tests/survive share (sourced, bash): their
# counts of checks and the two kinds of lines run.sh reads.

pass=0
fail=0

# ok NAME: a check that held.
ok() {
	pass=$((pass + 1))
	echo "ok $1"
}

# not_ok NAME WHY: a check that did not.
not_ok() {
	fail=$((fail + 1))
	echo "FAIL $1 ($2)"
}

# check NAME WANT GOT: ok when GOT is WANT, else FAIL showing both (quoted
# as bash would, so that control characters show).
check() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "want $(printf '%q' "$2"), got $(printf '%q' "$3")"
	fi
}

# figure NAME VALUE: a measured figure, for run.sh's table.
figure() {
	echo "figure: $1 $2"
}
