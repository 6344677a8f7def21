# lib.sh -- what the scripts of tests/survive share (sourced, bash, after
# tests/integration/lab.sh): their counts of checks, the two kinds of lines
# run.sh reads, and the lab's queue and spool.

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

# numbers PREFIX FROM COUNT: the invoice numbers, a line each.
numbers() {
	local i
	for ((i = $2; i < $2 + $3; i++)); do echo "$1-$i"; done
}

# spool_files: events and replies waiting in the milter's spool.
spool_files() {
	find "$lab_spool" "$lab_spool/incoming" -maxdepth 1 -type f \
		-name '[0-9]*' 2>/dev/null | wc -l
}

queue_empty() {
	postqueue -c "$lab/postfix" -p 2>&1 | grep -q '^Mail queue is empty'
}

# ping_milter: one message through non_smtpd_milters, a new milter
# connection (where the spool is replayed, at most every 5 s).
ping_milter() {
	printf 'Subject: ping\nMessage-ID: <ping-%s@test.example>\n\nping\n' \
		"$RANDOM$RANDOM" >"$lab/msg/ping.eml"
	lab_sendmail factures@example.com ping@elsewhere.example \
		"$lab/msg/ping.eml"
}

# drain_spool SECONDS: ping until the spool is empty.
drain_spool() {
	local i
	for ((i = 0; i < $1; i += 2)); do
		[ "$(spool_files)" -eq 0 ] && return 0
		ping_milter
		sleep 2
	done
	[ "$(spool_files)" -eq 0 ]
}
