#!/usr/bin/env bash
# faults.sh -- a full disk, a read-only state directory, a corrupted state
# file (issue 7). One lab (tests/integration/lab.sh: a throwaway Postfix
# on loopback with relance-milter, smtp-sink as the next hop, the dunning
# mailbox delivered into a Maildir) whose StateFile, SpoolDir and
# ArchiveDir live on a small file system of their own, $lab/fs (a 2 MB
# tmpfs; then a loop-mounted 4 MB ext4 image, made with no blocks
# reserved for root, so that root's relance and the milter's nobody see
# the same free space). The mail side is tests/survive/crash.py.
#
# Each fault is a round: break, send mail through Postfix (reminders from
# the staff with X-Relance-Invoice, customer replies to the tracking
# plus-addresses, ordinary mail), try the commands, mend, catch up.
#   full-tmpfs, full-ext4  the file system filled to the last block
#   ro-chmod               the state file 0400, its directories 0555 (the
#                          milter runs as nobody; relance is run as nobody
#                          too, root would ignore the modes)
#   ro-remount             the file system remounted read-only
# During the fault: every message delivered (smtp-sink and Maildir), the
# milter logs "internal error: ...; mail passed unchanged" per message it
# could not record; `relance fsck --dry-run` finds nothing; `relance
# import`, `pay`, `run` exit non-zero naming the state file and the
# reason, and change nothing (`relance list --json`, `show --json`);
# `relance run` sends nothing. After: the spool replays at the next
# connection, `relance replay` of the Maildir records the replies whose
# event could be neither recorded nor spooled (logged whole), `relance
# run` sends what it could not, every reply has its event, none twice.
#
# Then the corrupted state file (4. corrupt): from a known state and its
# `relance backup`, the file truncated (0, 100, 4096 bytes, a half, all
# but 1000 bytes), random bytes (a fixed seed) written at three offsets,
# the header zeroed. For each: `relance fsck --dry-run` reports it (exit
# non-zero), `relance fsck` repairs what it can (invoices recovered
# against the total: figures) or says to restore; `relance restore` of
# the backup gives back exactly the backup's invoices (every `show
# --json`). For the zeroed header and the empty file, mail goes through
# the milter meanwhile: delivered, the error logged, the events spooled
# and replayed after the restore, the file not replaced behind our back.
#
# Figures ("figure: NAME VALUE"): per round messages sent, delivered,
# lost; events spooled, replayed, only logged; commands refused; per
# corruption invoices recovered of the total. Needs root (mounts,
# Postfix) and Postfix like tests/integration/run.sh; exits 77 without.
# SURVIVE_LONG=1: more mail, every corruption offset twice as many;
# LAB_KEEP=1 keeps the lab; FAULTS_ROUNDS picks rounds (e.g. "ro-remount
# corrupt").
set -u

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
if [ -z "${top_builddir:-}" ]; then
	top_builddir=$top_srcdir
	[ -x "$top_srcdir/_build/src/relance-milter" ] &&
		top_builddir=$top_srcdir/_build
fi
. "$top_srcdir/tests/integration/lab.sh"
. "$top_srcdir/tests/survive/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (mount, Postfix's master, the milter's privilege drop)"
	exit 77
fi
for tool in postfix sendmail smtp-sink python3 flock ss timeout mount \
	mkfs.ext4 runuser; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool not found (apt-get install postfix python3 util-linux iproute2 coreutils e2fsprogs)"
		exit 77
	fi
done
probe=$(mktemp -d /tmp/relance-faults-probe.XXXXXX)
if ! mount -t tmpfs -o size=64k tmpfs "$probe" 2>/dev/null; then
	rmdir "$probe"
	echo "SKIP: cannot mount a tmpfs here (a container without CAP_SYS_ADMIN?)"
	exit 77
fi
umount "$probe"
rmdir "$probe"
postfix_sendmail=$(command -v sendmail)

long=${SURVIVE_LONG:-0}
if [ "$long" = 1 ]; then
	n_mail=200 n_off=6
else
	n_mail=24 n_off=3
fi

export RELANCE_NOW=1795426200 # 2026-11-23 10:30 in Paris, a Monday
export SUDO_USER=clerk
D=2026-11-23

started=$(date +%s)
fs=
trap 'fs_umount; lab_teardown' EXIT
trap 'exit 130' INT TERM


# csv FILE PREFIX FROM COUNT ISSUE DUE [PDF]: invoices PREFIX-FROM and on.
csv() {
	local i num
	{
		echo "N° facture;Client;Nom;Courriel;Montant;Devise;Date;Échéance;Profil;Langue;Fichier"
		for ((i = $3; i < $3 + $4; i++)); do
			num=$2-$i
			echo "$num;C$i;Client $i SARL;compta@${num,,}.example;1 234,56;EUR;$5;$6;default;fr;${7:-}"
		done
	} >"$1"
}

# snapshot FILE: every invoice's `relance show --json`, in number order.
snapshot() {
	local n
	: >"$1"
	for n in $(lab_relance list --json | python3 -c '
import json, sys
for i in sorted(json.load(sys.stdin), key=lambda i: i["invoice"]):
    print(i["invoice"])'); do
		lab_relance show --json "$n" >>"$1" || return 1
	done
}

invoice_count() {
	lab_relance list --json 2>/dev/null | python3 -c '
import json, sys
try:
    print(len(json.load(sys.stdin)))
except ValueError:
    print(-1)'
}

tracking_ids() {
	local n
	for n in "$@"; do
		lab_relance show --json "$n" | python3 -c '
import json, sys
inv = json.load(sys.stdin)
print(inv["invoice"], inv["contacts"][0],
      inv["tracking_ids"][0] if inv["tracking_ids"] else "-")'
	done
}

# send_conf FILE PREFIX COUNT REMINDERS REPLY-TSV [ONLY]: crash.py's conf.
send_conf() {
	python3 - "$1" "$2" "$3" "$4" "$5" "${6:-}" "$lab_smtp" "$lab_sub" <<'EOF'
import json, sys
out, prefix, count, rem, replies, only, mx, sub = sys.argv[1:]
rep = {}
with open(replies) as f:
    for line in f:
        n, contact, tid = line.split()
        rep[n] = [contact, tid]
with open(out, "w") as f:
    json.dump({"mx": int(mx), "sub": int(sub), "count": int(count),
               "seconds": 0, "threads": 2, "prefix": prefix,
               "reminders": rem.split(), "replies": rep, "only": only}, f)
EOF
}

# ---- the small file system

# fs_mount KIND: stop the milter, put StateFile, SpoolDir and ArchiveDir
# on a new KIND (tmpfs or ext4) file system at $lab/fs, restart.
fs_mount() {
	local kind=$1 old=$lab/fs.old
	lab_stop_milter
	if [ -n "$fs" ]; then
		mkdir -p "$old" && cp -a "$fs/state" "$fs/spool" "$old/" || return 1
		fs_umount
	else
		mkdir -p "$old/state" && cp -a "$lab_state" "$old/state/" &&
			cp -a "$lab_spool" "$old/spool" || return 1
	fi
	fs=$lab/fs
	mkdir -p "$fs"
	case $kind in
	tmpfs) mount -t tmpfs -o size=2m,mode=0755 tmpfs "$fs" || return 1 ;;
	ext4)
		truncate -s 4M "$lab/fs.img" &&
			mkfs.ext4 -q -m 0 "$lab/fs.img" &&
			mount -o loop "$lab/fs.img" "$fs" || return 1
		;;
	esac
	cp -a "$old/state" "$old/spool" "$fs/" && rm -rf "$old" || return 1
	mkdir -p -m 0700 "$fs/archive"
	chown nobody "$fs/state" "$fs/state/relance.db" "$fs/archive"
	chown -R nobody "$fs/spool"
	lab_state=$fs/state/relance.db
	lab_spool=$fs/spool
	sed -i -e "s|^StateFile .*|StateFile        $lab_state|" \
		-e "s|^SpoolDir .*|SpoolDir         $lab_spool|" \
		-e '/^ArchiveDir /d' "$lab_conf"
	echo "ArchiveDir       $fs/archive" >>"$lab_conf"
	lab_start_milter
}

fs_umount() {
	[ -n "$fs" ] || return 0
	lab_stop_milter
	mount -o remount,rw "$fs" 2>/dev/null
	umount "$fs" || umount -l "$fs"
	rm -f "$lab/fs.img"
	fs=
}

# fill: the file system to its last block (small files last, for the
# last fragments).
fill() {
	local i
	dd if=/dev/zero of="$fs/fill" bs=64k >/dev/null 2>&1
	for ((i = 0; i < 64; i++)); do
		head -c 1024 /dev/zero >"$fs/fill.$i" 2>/dev/null || break
	done
	sync
}

unfill() {
	rm -f "$fs"/fill "$fs"/fill.*
}

# ---- the commands while the fault lasts

# as_user: run relance as the state file's owner (nobody) in the
# ro-chmod round, as root otherwise.
as_user=
relance_cmd() {
	if [ -n "$as_user" ]; then
		runuser -u "$as_user" -- "$lab_relance" -c "$lab_conf" "$@"
	else
		"$lab_relance" -c "$lab_conf" "$@"
	fi
}

# refused NAME REASON-PATTERN ARGS...: the command exits non-zero and its
# message names the state file and REASON-PATTERN (an ERE).
refused=0
refused() {
	local name=$1 why=$2 rc
	shift 2
	relance_cmd "$@" >"$lab/log/cmd.out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && [ -n "$room_inside" ]; then
		# a full disk, but gdbm found room inside its own file
		ok "$name: relance $1 found room inside the state file: done"
	elif [ "$rc" -ne 0 ] && grep -Eq "$lab_state.*($why)" "$lab/log/cmd.out"; then
		refused=$((refused + 1))
		ok "$name: relance $1 refused (exit $rc): $(grep -E "$why" "$lab/log/cmd.out" | head -n 1 | cut -c 1-160)"
	else
		not_ok "$name: relance $1 says what is wrong and exits non-zero" \
			"exit $rc: $(head -n 2 "$lab/log/cmd.out" | tr '\n' ' ' | cut -c 1-200)"
	fi
}

run_at_sink() {
	grep -l '^Message-ID: <run\.' "$lab"/sink/* 2>/dev/null | wc -l
}

# ====================================================================
# rounds 1-3: a full disk, a read-only directory

# round NAME BREAK MEND WHY: one fault.
round() {
	local name=$1 break_fn=$2 mend_fn=$3 why=$4
	local before after out rc logn spooled logged replayed sent0 k
	echo "# $name"
	refused=0
	lab_wait 60 queue_empty
	drain_spool 20 >/dev/null
	snapshot "$lab/msg/$name.before" || {
		not_ok "$name: the state before" "see above"
		return
	}
	logn=$(wc -l <"$lab/log/milter.log")
	sent0=$(run_at_sink)
	$break_fn

	# mail through Postfix while the fault lasts
	send_conf "$lab/msg/$name.json" "$name" "$n_mail" "$mail_rem" \
		"$lab/msg/ids.tsv"
	python3 -B "$here/crash.py" send "$lab/msg/$name.json" \
		"$lab/msg/$name.sent"
	check "$name: crash.py sent its $n_mail messages" 0 $?
	lab_wait 60 queue_empty
	sleep 1
	out=$(python3 -B "$here/crash.py" mail "$lab/msg/$name.sent" \
		"$lab/sink" "$lab_maildir" /dev/null "$lab_spool" 2>&1)
	figure "$name-sent" "$(echo "$out" | sed -n 's/^figure: sent //p')"
	figure "$name-delivered" "$(echo "$out" | sed -n 's/^figure: delivered //p')"
	figure "$name-lost" "$(echo "$out" | sed -n 's/^figure: lost //p')"
	check "$name: every message delivered (smtp-sink, Maildir), none twice" \
		"0 0" "$(echo "$out" | sed -n 's/^figure: \(lost\|duplicated\) //p' | tr '\n' ' ' | sed 's/ $//')"
	tail -n +"$((logn + 1))" "$lab/log/milter.log" >"$lab/log/$name.milter"
	k=$(grep -Ec "internal error: .*($why).*; mail passed unchanged \(On-InternalError accept\)" \
		"$lab/log/$name.milter")
	figure "$name-internal-errors-logged" "$k"
	if [ "$k" -gt 0 ]; then
		ok "$name: the milter logs the fault and passes the mail ($k times): $(grep -m 1 'internal error' "$lab/log/$name.milter" | cut -c 1-200)"
	else
		not_ok "$name: the milter logs the fault and passes the mail" \
			"$(tail -n 3 "$lab/log/$name.milter" | tr '\n' '|')"
	fi
	if [ -n "$lab_milter_pid" ] && ! lab_gone "$lab_milter_pid"; then
		ok "$name: the milter is still running"
	else
		not_ok "$name: the milter is still running" "it is gone"
	fi
	spooled=$(grep -c 'event spooled in\|message kept in' "$lab/log/$name.milter")
	logged=$(grep -c 'cannot spool the\|cannot keep it' "$lab/log/$name.milter")
	figure "$name-events-spooled" "$spooled"
	figure "$name-events-only-logged" "$logged"

	# the commands
	lab_relance fsck --dry-run >"$lab/log/cmd.out" 2>&1
	check "$name: relance fsck --dry-run finds nothing to repair" \
		"0 $lab_state: OK" "$? $(tail -n 1 "$lab/log/cmd.out")"
	csv "$lab/msg/new.csv" F2026 $((1100 + round_no * 10)) 5 01/11/2026 01/12/2026
	round_no=$((round_no + 1))
	refused "$name" "$why" import "$lab/msg/new.csv"
	refused "$name" "$why" pay F2026-1001 100,00
	refused "$name" "$why" run --date "$D"
	figure "$name-commands-refused" "$refused"
	lab_wait 60 queue_empty
	check "$name: relance run sent nothing" "$sent0" "$(run_at_sink)"
	$mend_fn
	snapshot "$lab/msg/$name.during"
	# relance import has no rollback: it asks the file system for room
	# first (store_room), so that a full disk refuses it whole.
	partial=$(($(grep -c '"invoice": *"F2026-11[0-9][0-9]"' "$lab/msg/$name.during") - $(grep -c '"invoice": *"F2026-11[0-9][0-9]"' "$lab/msg/$name.before")))
	figure "$name-import-partial-invoices" "$partial"
	check "$name: the refused import wrote no invoice" 0 "$partial"
	changed=$(diff "$lab/msg/$name.before" "$lab/msg/$name.during" |
		sed -n 's/^[<>].*"invoice": *"\([^"]*\)".*/\1/p' | sort -u |
		tr '\n' ' ')
	if [ -z "$changed" ]; then
		ok "$name: the refused commands changed nothing"
	elif [ -n "$room_inside" ] &&
		[ -z "$(printf '%s\n' $changed | grep -vxF -e F2026-1001 \
			$(printf -- '-e %s ' $mail_rem ${rep[*]}))" ]; then
		# what changed is what was done: the payment, and the
		# milter's events of the mail sent meanwhile
		ok "$name: only what found room changed ($changed)"
	else
		not_ok "$name: the refused commands changed nothing" \
			"$(diff "$lab/msg/$name.before" "$lab/msg/$name.during" | grep '^[<>]' | sed 's/^\(.\).*"invoice": *"\([^"]*\)".*/\1\2/' | head -n 5 | tr '\n' ' ')"
	fi

	# catch up
	if drain_spool 30; then
		ok "$name: the spool replays once the fault is mended"
	else
		not_ok "$name: the spool replays once the fault is mended" \
			"$(spool_files) files left"
	fi
	replayed=$(tail -n +"$((logn + 1))" "$lab/log/milter.log" |
		sed -n 's/.*spool: \([0-9]*\) applied, \([0-9]*\) already.*/\1 \2/p;s/.*spool: \([0-9]*\) repl[a-z]* replayed from.*/\1 0/p' |
		awk '{n += $1} END {print n + 0}')
	figure "$name-events-replayed" "$replayed"
	lab_relance replay "$lab_maildir" >"$lab/log/$name.replay" 2>&1
	check "$name: relance replay of the Maildir" 0 $?
	relance_cmd run --date "$D" >"$lab/log/$name.run" 2>&1
	rc=$?
	check "$name: relance run afterwards (exit 0)" 0 "$rc"
	[ "$rc" -ne 0 ] && tail -n 3 "$lab/log/$name.run" | sed 's/^/# /'
	lab_wait 60 queue_empty
	sleep 1
	figure "$name-run-sent-after" $(($(run_at_sink) - sent0))
	relance_cmd import "$lab/msg/new.csv" >/dev/null 2>&1
	check "$name: relance import afterwards" 0 $?
	snapshot "$lab/msg/$name.after"
	out=$(python3 -B "$here/crash.py" mail "$lab/msg/$name.sent" \
		"$lab/sink" "$lab_maildir" "$lab/msg/$name.after" "$lab_spool" 2>&1)
	rc=$?
	echo "$out" | grep '^#'
	check "$name: afterwards every reply has its event, none twice" \
		"0 0 0" "$(echo "$out" | sed -n 's/^figure: \(unrecorded-replies\|events-doubled\|events-missing\) //p' | tr '\n' ' ' | sed 's/ $//')"
	figure "$name-reminders-unrecorded" \
		"$(echo "$out" | sed -n 's/^figure: unrecorded-reminders //p')"
	lab_relance fsck --dry-run >"$lab/log/cmd.out" 2>&1
	check "$name: relance fsck --dry-run afterwards" 0 $?
}

full_break() { fill; }
full_mend() { unfill; }

ro_chmod_break() {
	chmod 0400 "$lab_state"
	chmod 0555 "$fs/state" "$lab_spool" "$lab_spool/incoming" "$fs/archive" 2>/dev/null
	as_user=nobody
}
ro_chmod_mend() {
	chmod 0600 "$lab_state"
	chmod 0700 "$lab_spool" "$lab_spool/incoming" "$fs/archive" 2>/dev/null
	chmod 0755 "$fs/state"
}
ro_remount_break() {
	sync
	mount -o remount,ro "$fs"
}
ro_remount_mend() { mount -o remount,rw "$fs"; }

# ====================================================================
# 4. a corrupted state file

# corrupt_case NAME CMD...: damage the file with CMD (on $lab_state), then
# fsck, restore.
corrupt_case() {
	local name=$1 rc n
	shift
	cp -a "$lab/msg/good.db" "$lab_state"
	"$@"
	lab_relance fsck --dry-run >"$lab/log/fsck-$name.dry" 2>&1
	rc=$?
	dry_rc=$rc
	if [ "$rc" -ne 0 ]; then
		ok "corrupt $name: fsck --dry-run reports it (exit $rc): $(grep -v '^adr:\|^tid:\|^mid:\|^cus:' "$lab/log/fsck-$name.dry" | tail -n 1 | cut -c 1-160)"
	fi
	if [ "$name" = header-zeroed ] || [ "$name" = truncated-0 ]; then
		corrupt_mail "$name"
	fi
	lab_relance fsck >"$lab/log/fsck-$name.out" 2>&1
	rc=$?
	n=$(invoice_count)
	[ "$n" -lt 0 ] && n=0
	figure "corrupt-$name-recovered" "$n/$total"
	figure "corrupt-$name-fsck-exit" "$rc"
	# a cut that took only free space at the end loses nothing
	if [ "$dry_rc" -eq 0 ] && { [ "$rc" -ne 0 ] || [ "$n" -ne "$total" ]; }; then
		not_ok "corrupt $name: fsck --dry-run reports it" \
			"exit 0: $(tail -n 1 "$lab/log/fsck-$name.dry")"
	fi
	if [ "$n" -eq "$total" ] && [ "$rc" -le 1 ]; then
		ok "corrupt $name: fsck recovers every invoice (exit $rc)"
	elif [ "$rc" -ne 0 ] && grep -Eq 'lost|damaged|restore it from a backup|set aside' "$lab/log/fsck-$name.out"; then
		ok "corrupt $name: fsck recovers $n of $total and says what is lost (exit $rc): $(grep -Em 1 'lost|restore it from|set aside' "$lab/log/fsck-$name.out" | cut -c 1-160)"
	else
		not_ok "corrupt $name: fsck recovers $n of $total and says what is lost" \
			"exit $rc: $(tail -n 2 "$lab/log/fsck-$name.out" | tr '\n' '|')"
	fi
	if [ "$rc" -le 1 ]; then
		lab_relance fsck --dry-run >/dev/null 2>&1
		check "corrupt $name: after fsck, fsck --dry-run is clean" 0 $?
	fi
	lab_relance restore "$lab/msg/good.dump" >"$lab/log/restore-$name.out" 2>&1
	check "corrupt $name: relance restore of the last backup" 0 $?
	[ -s "$lab/log/restore-$name.out" ] && grep -v 'restored from' \
		"$lab/log/restore-$name.out" | head -n 2 | sed 's/^/# /'
	snapshot "$lab/msg/restored.json"
	if cmp -s "$lab/msg/good.json" "$lab/msg/restored.json"; then
		ok "corrupt $name: restored, every invoice is the backup's (show --json)"
	else
		not_ok "corrupt $name: restored, every invoice is the backup's" \
			"$(diff "$lab/msg/good.json" "$lab/msg/restored.json" | grep -c '^[<>]') lines differ"
	fi
	rm -f "$lab_state".bak.* "$lab_state".~*
}

# corrupt_mail NAME: mail through the milter on the damaged file.
corrupt_mail() {
	local name=$1 logn out size
	logn=$(wc -l <"$lab/log/milter.log")
	size=$(stat -c %s "$lab_state")
	send_conf "$lab/msg/c-$name.json" "c-$name" 8 "$mail_rem" \
		"$lab/msg/ids.tsv"
	python3 -B "$here/crash.py" send "$lab/msg/c-$name.json" \
		"$lab/msg/c-$name.sent"
	lab_wait 60 queue_empty
	sleep 1
	out=$(python3 -B "$here/crash.py" mail "$lab/msg/c-$name.sent" \
		"$lab/sink" "$lab_maildir" /dev/null "$lab_spool" 2>&1)
	check "corrupt $name: mail through the milter delivered (sent, lost)" \
		"8 0" "$(echo "$out" | sed -n 's/^figure: \(sent\|lost\) //p' | tr '\n' ' ' | sed 's/ $//')"
	tail -n +"$((logn + 1))" "$lab/log/milter.log" >"$lab/log/c-$name.milter"
	check "corrupt $name: the milter logs an internal error per message recorded" \
		yes "$(grep -q 'internal error: .*; mail passed unchanged' "$lab/log/c-$name.milter" && echo yes)"
	figure "corrupt-$name-events-spooled" \
		"$(grep -c 'event spooled in\|message kept in' "$lab/log/c-$name.milter")"
	check "corrupt $name: the milter still runs" yes \
		"$(lab_gone "$lab_milter_pid" || echo yes)"
	check "corrupt $name: the damaged file is left as it was (bytes)" \
		"$size" "$(stat -c %s "$lab_state")"
	check "corrupt $name: nothing in SpoolDir/failed" 0 \
		"$(find "$lab_spool/failed" -type f 2>/dev/null | wc -l)"
}

# scribble SEED: 512 random bytes (from SEED) at $n_off offsets spread over
# the file, never in the first block.
scribble() {
	python3 - "$lab_state" "$1" "$n_off" <<'EOF'
import os, random, sys
path, seed, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(seed)
size = os.path.getsize(path)
with open(path, "r+b") as f:
    for i in range(n):
        f.seek(rnd.randrange(4096, size - 512))
        f.write(bytes(rnd.randrange(256) for _ in range(512)))
EOF
}

truncate_to() { truncate -s "$1" "$lab_state"; }
zero_header() {
	dd if=/dev/zero of="$lab_state" bs=512 count=1 conv=notrunc 2>/dev/null
}

part_corrupt() {
	local size s
	echo "# corrupt"
	lab_stop_milter
	drain_spool 1 >/dev/null
	lab_relance backup "$lab/msg/good.dump" >/dev/null || {
		not_ok "corrupt: relance backup" "see above"
		return
	}
	cp -a "$lab_state" "$lab/msg/good.db"
	snapshot "$lab/msg/good.json"
	total=$(invoice_count)
	figure corrupt-invoices "$total"
	lab_start_milter || return
	size=$(stat -c %s "$lab_state")
	for s in 0 100 4096 $((size / 2)) $((size - 1000)); do
		corrupt_case "truncated-$s" truncate_to "$s"
	done
	for s in 1 2 3; do
		corrupt_case "random-seed$s" scribble "$s"
	done
	corrupt_case header-zeroed zero_header
	if drain_spool 30; then
		ok "corrupt: the events spooled meanwhile replay after the restore"
	else
		not_ok "corrupt: the events spooled meanwhile replay after the restore" \
			"$(spool_files) files left"
	fi
	check "corrupt: nothing in SpoolDir/failed" 0 \
		"$(find "$lab_spool/failed" -type f 2>/dev/null | wc -l)"
}

# ====================================================================

echo "# setting up"
csvf=$(mktemp /tmp/relance-faults-csv.XXXXXX)
# 1001-1010: reminder-1 due on $D (relance run); 1011-1020: reminders by
# hand; 1021-1030: replies
csv "$csvf" F2026 1001 10 09/10/2026 08/11/2026 \
	"$top_srcdir/tests/integration/data/invoice.pdf"
csv "$csvf.2" F2026 1011 20 01/11/2026 01/12/2026
tail -n +2 "$csvf.2" >>"$csvf"
rm -f "$csvf.2"
LAB_NAME=relance-faults lab_setup "$csvf"
rc=$?
rm -f "$csvf"
if [ "$rc" -ne 0 ]; then
	not_ok "the lab starts" "see above"
	exit 1
fi
cat >>"$lab_conf" <<EOF
Sendmail         $lab/sendmail
IBAN             FR7630006000011234567890189
BIC              AGRIFRPP
PaymentLink      https://pay.example.com/{invoice}?a={amount}
EOF
cat >"$lab/sendmail" <<EOF
#!/bin/sh
exec "$postfix_sendmail" -C "$lab/postfix" "\$@"
EOF
chmod 0755 "$lab/sendmail"
round_no=0
chmod 0755 "$lab/msg"
mail_rem=$(numbers F2026 1011 10 | tr '\n' ' ')
mapfile -t rep < <(numbers F2026 1021 10)
# one reminder each, so that the replies have a tracking ID to use
: >"$lab/msg/ids.tsv"
send_conf "$lab/msg/first.json" first "${#rep[@]}" "${rep[*]}" \
	"$lab/msg/ids.tsv" reminder
python3 -B "$here/crash.py" send "$lab/msg/first.json" "$lab/msg/first.sent"
tracking_ids "${rep[@]}" >"$lab/msg/ids.tsv"
check "every invoice replied to has a tracking ID" 0 \
	"$(grep -c ' -$' "$lab/msg/ids.tsv")"

for r in ${FAULTS_ROUNDS:-full-tmpfs ro-chmod ro-remount corrupt}; do
	as_user=
	case $r in
	full-tmpfs)
		fs_mount tmpfs || not_ok "tmpfs mounted" "see above"
		# a full disk refuses what needs new blocks; a write that
		# fits in gdbm's own free space goes through, whole
		room_inside=1
		round full-tmpfs full_break full_mend \
			'No space left on device|not enough free space'
		room_inside=
		;;
	ro-chmod)
		[ -n "$fs" ] || fs_mount tmpfs
		round ro-chmod ro_chmod_break ro_chmod_mend 'Permission denied'
		;;
	ro-remount)
		[ -n "$fs" ] || fs_mount tmpfs
		round ro-remount ro_remount_break ro_remount_mend 'Read-only file system'
		;;
	full-ext4)
		fs_mount ext4 || not_ok "ext4 image mounted" "see above"
		round full-ext4 full_break full_mend 'No space left on device'
		;;
	corrupt)
		[ -n "$fs" ] || fs_mount tmpfs
		part_corrupt
		;;
	esac
	echo "# $r: $(($(date +%s) - started)) s so far"
done

figure seconds $(($(date +%s) - started))
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
