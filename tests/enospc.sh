#!/bin/bash
# A full file system at every stage of apply: the root lives on a small tmpfs (in a
# private mount namespace: as root directly, else in a user namespace), and for each
# amount of free space from none up to more than apply needs (in pages), and then for
# each number of free inodes, `apply` runs once. Each run must leave every managed file
# its old or its new self with a consistent exit status (0: new; 5: the next run
# finishes; anything else: old); after space is freed, the next apply must give the new
# state with no journal and no temporary left, and rollback must give the old one back.
# TAP output; says loudly when no tmpfs can be mounted here.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"
if [ -z "${ENOSPC_INNER:-}" ]; then
	export ENOSPC_INNER=1
	if [ "$(id -u)" = 0 ] && unshare -m --propagation private true 2> /dev/null; then
		exec unshare -m --propagation private bash "$0" "$@"
	elif unshare -rm true 2> /dev/null; then
		exec unshare -rm bash "$0" "$@"
	fi
	echo "enospc.sh: cannot mount a tmpfs here (needs root or user namespaces): a full file system is NOT tested" >&2
	tap_skip_all "cannot mount a tmpfs here: a full file system is NOT tested"
fi
bin=$top_builddir/amdgpu-tune
work=$(mktemp -d)
chmod 755 "$work"
# The profiles come from inside the root: in a user namespace the build tree's owner is
# not mapped, and a profile directory someone else owns is refused.
unset AMDGPU_TUNE_PROFILE_DIR
export LC_ALL=C
fs=$work/fs
mkdir "$fs"
trap 'umount "$fs" 2> /dev/null; rm -rf "$work"' EXIT
if ! mount -t tmpfs -o size=8m,nr_inodes=100000,mode=755 tmpfs "$fs" 2> "$work/err"; then
	echo "enospc.sh: mount tmpfs failed: $(cat "$work/err"): a full file system is NOT tested" >&2
	tap_skip_all "cannot mount a tmpfs here: a full file system is NOT tested"
fi
managed="etc/default/grub.d/90-amdgpu-tune.cfg etc/modprobe.d/90-amdgpu-tune.conf var/lib/amdgpu-tune/state"
new_args="apply strix-halo --memory 64GiB --force"

# The old state (test-mixed applied) and the new one (strix-halo), as in tests/fault.sh.
base=$work/base
fault_roots "$base" "$work/ref" || exit 99

cases=0 full=0 exits=
# run_case DESCRIPTION: apply on $fs/root as it is now, then judge; the caller frees
# the space (free_space) before the follow-up runs.
run_case() {
	local r=$fs/root rc why=
	cases=$((cases + 1))
	# shellcheck disable=SC2086
	"$bin" --root "$r" $new_args > /dev/null 2> "$work/err"
	rc=$?
	exits="$exits $rc"
	grep -q "No space left on device" "$work/err" && full=$((full + 1))
	mixed_ok "$r" || why="a managed file is neither old nor new"
	case $rc in
	0) [ "$(sums "$r")" = "$new" ] || why="exit 0 without the new files" ;;
	5) ;;
	*) [ "$(sums "$r")" = "$old" ] || why="exit $rc without the old files" ;;
	esac
	free_space
	# shellcheck disable=SC2086
	if [ -z "$why" ] && ! "$bin" --root "$r" $new_args > /dev/null 2>> "$work/err"; then
		why="with space again, apply failed"
	fi
	if [ -z "$why" ]; then
		if [ "$(sums "$r")" != "$new" ] || [ -e "$r/var/lib/amdgpu-tune/transaction" ]; then
			why="with space again, apply did not give the new state"
		elif [ -n "$(find "$r" -name '.*.tmp' | head -1)" ]; then
			why="a temporary was left: $(find "$r" -name '.*.tmp' | head -1)"
		elif ! "$bin" --root "$r" rollback > /dev/null 2>> "$work/err" ||
			[ "$(sums "$r")" != "$old" ]; then
			why="rollback did not give the old state back"
		fi
	fi
	if [ -n "$why" ]; then
		echo "# $1: exit $rc: $why"
		sed 's/^/#   /' "$work/err" | head -4
		return 1
	fi
}
fresh_root() { rm -rf "$fs/root" "$fs/filler" && cp -a "$base" "$fs/root"; }
inode_sweep=no
free_space() { rm -f "$fs/filler" && { [ $inode_sweep = no ] || mount -o remount,nr_inodes=100000 "$fs"; }; }

# (1) Free space from 0 to 32 pages (apply needs a few).
bad=0
page=$(getconf PAGESIZE)
for pages in $(seq 0 32); do
	fresh_root || exit 99
	avail=$(($(stat -f -c '%a * %S' "$fs")))
	want=$((pages * page))
	if [ "$avail" -gt "$want" ]; then
		fallocate -l $((avail - want)) "$fs/filler" 2> /dev/null ||
			head -c $((avail - want)) /dev/zero > "$fs/filler" 2> /dev/null
	fi
	run_case "$pages pages free" || bad=$((bad + 1))
done
if [ $bad = 0 ] && [ $full -ge 3 ]; then
	tap_ok "0 to 32 pages free: old or new files, consistent exits, recovered when space is back ($full runs met ENOSPC)"
else
	tap_not_ok "free space: $bad of 33 cases wrong, $full met ENOSPC"
fi
blocks_full=$full

# (2) Free inodes from 0 to 24 (tmpfs counts one per file and directory).
bad=0
for inodes in $(seq 0 24); do
	fresh_root || exit 99
	used=$(($(stat -f -c '%c - %d' "$fs")))
	if ! mount -o remount,nr_inodes=$((used + inodes)) "$fs" 2> /dev/null; then
		inode_sweep=refused
		break
	fi
	inode_sweep=yes
	run_case "$inodes inodes free" || bad=$((bad + 1))
done
# (A case that went wrong before the refusal still fails the test.)
if [ $inode_sweep = refused ] && [ $bad = 0 ]; then
	echo "enospc.sh: remounting the tmpfs with nr_inodes is refused here (a user namespace): running out of inodes is NOT tested" >&2
	tap_skip "0 to 24 inodes free" "remount with nr_inodes refused here"
elif [ $bad = 0 ] && [ $((full - blocks_full)) -ge 3 ]; then
	tap_ok "0 to 24 inodes free: old or new files, consistent exits, recovered ($((full - blocks_full)) runs met ENOSPC)"
else
	tap_not_ok "free inodes: $bad cases wrong, $((full - blocks_full)) met ENOSPC"
fi

# (3) rollback at 0 to 32 pages free: exit 0 gives the old state, a failure leaves the new
# one, and once space is back the next rollback goes exactly one step back (a failed
# rollback's snapshot must not count, also when nothing could be written to say so).
bad=0 rb_full=0
for pages in $(seq 0 32); do
	rm -rf "$fs/root" "$fs/filler" && cp -a "$work/ref" "$fs/root" || exit 99
	avail=$(($(stat -f -c '%a * %S' "$fs")))
	want=$((pages * page))
	if [ "$avail" -gt "$want" ]; then
		fallocate -l $((avail - want)) "$fs/filler" 2> /dev/null ||
			head -c $((avail - want)) /dev/zero > "$fs/filler" 2> /dev/null
	fi
	"$bin" --root "$fs/root" rollback > /dev/null 2> "$work/err"
	rc=$?
	grep -q "No space left on device" "$work/err" && rb_full=$((rb_full + 1))
	why=
	case $rc in
	0) [ "$(sums "$fs/root")" = "$old" ] || why="exit 0 without the old files" ;;
	5) mixed_ok "$fs/root" || why="a managed file is neither old nor new" ;;
	*) [ "$(sums "$fs/root")" = "$new" ] || why="exit $rc without the new files" ;;
	esac
	rm -f "$fs/filler"
	if [ -z "$why" ] && [ $rc != 0 ]; then
		"$bin" --root "$fs/root" rollback > /dev/null 2>> "$work/err" ||
			why="with space again, rollback failed"
	fi
	if [ -z "$why" ] && { [ "$(sums "$fs/root")" != "$old" ] || [ -e "$fs/root/var/lib/amdgpu-tune/transaction" ]; }; then
		why="with space again, rollback did not go one step back"
	fi
	if [ -n "$why" ]; then
		bad=$((bad + 1))
		echo "# rollback, $pages pages free: exit $rc: $why"
		sed 's/^/#   /' "$work/err" | head -4
	fi
done
if [ $bad = 0 ] && [ $rb_full -ge 3 ]; then
	tap_ok "rollback at 0 to 32 pages free: old or new files; with space again, the next rollback goes one step back ($rb_full runs met ENOSPC)"
else
	tap_not_ok "rollback at 0 to 32 pages free: $bad of 33 cases wrong, $rb_full met ENOSPC"
fi

hist=$(echo $exits | tr ' ' '\n' | sort -n | uniq -c | awk '{printf "%s%d x exit %s", s, $1, $2; s = ", "}')
echo "# $cases runs: $hist"
tap_done
