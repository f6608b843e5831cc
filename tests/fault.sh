#!/bin/bash
# Fault injection: runs `apply` under strace with an error injected at each call of each
# write-side syscall in turn (every open, write, fsync, rename, unlink, mkdir, close,
# fchmod, fchown), then again with the process killed there instead. After every case,
# each managed file must be byte for byte its old or its new self, no temporary file may
# be visible to grub's "*.cfg" glob or kmod's "*.conf" filter, exit 0 must mean the new
# state is complete and exit 4 the old one; after exit 5 or a kill, the next apply must
# finish the job. The old state is test-mixed applied; the new one strix-halo, which replaces
# the modprobe.d file, removes the GRUB drop-in and rewrites the state. TAP output; the
# last line reports the number of cases.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"
bin=$top_builddir/amdgpu-tune
export LC_ALL=C
# LeakSanitizer cannot run under ptrace; the other test scripts check for leaks.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS
if ! command -v strace > /dev/null || ! strace -qq -o /dev/null true 2> /dev/null; then
	echo "1..0 # SKIP strace is missing or cannot trace here"
	exit 0
fi
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
# The shipped profiles and the tests' own (test-mixed: a command-line and a modprobe.d
# setting).
mkdir "$work/profiles" && cp "$top_srcdir"/profiles/*.conf "$top_srcdir"/tests/profiles/*.conf "$work/profiles/"
AMDGPU_TUNE_PROFILE_DIR=$work/profiles
export AMDGPU_TUNE_PROFILE_DIR
managed="etc/default/grub.d/90-amdgpu-tune.cfg etc/modprobe.d/90-amdgpu-tune.conf var/lib/amdgpu-tune/state"
new_args="apply strix-halo --memory 64GiB --force"

base=$work/base
fault_roots "$base" "$work/ref" || exit 99

# Only what grub-mkconfig and kmod would read: non-dot *.cfg and *.conf files.
visible() { (cd "$1" && ls etc/default/grub.d/*.cfg etc/modprobe.d/*.conf 2> /dev/null | sort); }
vis_old=$(visible "$base")
vis_new=$(visible "$work/ref")

n=0
failed=0
report() { # report OK? DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 1 ]; then
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
		sed 's/^/#   /' "$work/err" | head -5
	fi
}

# Verdict on root r after exit status rc.
judge() {
	local r=$1 rc=$2 vis
	vis=$(visible "$r")
	[ "$vis" = "$vis_old" ] || [ "$vis" = "$vis_new" ] || return 1
	mixed_ok "$r" || return 1
	case $rc in
	0) [ "$(sums "$r")" = "$new" ] ;;
	5 | kill)
		# The next run finishes or undoes; then a full apply gives the new state.
		# shellcheck disable=SC2086
		"$bin" --root "$r" $new_args > /dev/null 2>> "$work/err" &&
			[ "$(sums "$r")" = "$new" ] && [ ! -e "$r/var/lib/amdgpu-tune/transaction" ]
		;;
	*) [ "$(sums "$r")" = "$old" ] ;;
	esac
}

cases=0
for sc in openat openat2 write fsync rename renameat renameat2 unlink unlinkat mkdir mkdirat close fchmod fchown; do
	cp -a "$base" "$work/count"
	# shellcheck disable=SC2086
	strace -f -qq -e trace=$sc -o "$work/trace" "$bin" --root "$work/count" $new_args > /dev/null 2>&1
	calls=$(grep -c "$sc(" "$work/trace")
	rm -rf "$work/count"
	bad=0
	for k in $(seq 1 "$calls"); do
		for how in error=EIO signal=SIGKILL; do
			# Killing at reads and closes says nothing new; kill at the writes.
			case $how:$sc in signal*:openat | signal*:openat2 | signal*:close) continue ;; esac
			r=$work/case
			rm -rf "$r"
			cp -a "$base" "$r"
			: > "$work/err"
			# shellcheck disable=SC2086
			# (in a command substitution: no "Killed" line from the shell)
			rc=$({
				strace -f -qq -o /dev/null -e trace=$sc -e inject=$sc:$how:when=$k \
					"$bin" --root "$r" $new_args > /dev/null 2> "$work/err"
				echo $?
			} 2> /dev/null)
			[ "$how" = signal=SIGKILL ] && [ $rc -ge 128 ] && rc=kill
			cases=$((cases + 1))
			if ! judge "$r" $rc; then
				bad=$((bad + 1))
				echo "# $sc call $k ($how): exit $rc, files: $(sums "$r" | cut -c1-8 | tr '\n' ' ')"
			fi
		done
	done
	: > "$work/err"
	report $([ $bad = 0 ] && echo 1 || echo 0) "$sc: $calls calls, every injected fault leaves old or new files and a consistent exit status"
done
echo "# $cases fault-injection cases run"
echo "1..$n"
[ $failed = 0 ]
