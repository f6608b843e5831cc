#!/bin/bash
# Fault injection: runs `apply` under strace with an error injected at each call of each
# write-side syscall in turn (every openat, openat2, write, fsync, renameat, unlinkat,
# mkdirat, close and fchmod, and every fchown of the undo that follows a failed
# renameat), then again with the process killed there instead. A listed syscall that
# apply never calls fails, and so does a case whose fault the trace does not show
# injected: a check that injects nothing proves nothing. After every case, each
# managed file must be byte for byte its old or its new self, no temporary file may
# be visible to grub's "*.cfg" glob or kmod's "*.conf" filter, exit 0 must mean the new
# state is complete and exit 4 the old one; after exit 5 or a kill, the next apply must
# finish the job. The old state is test-mixed applied; the new one strix-halo, which replaces
# the modprobe.d file, removes the GRUB drop-in and rewrites the state. TAP output; a
# comment before the plan reports the number of cases.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"
bin=$top_builddir/amdgpu-tune
export LC_ALL=C
# LeakSanitizer cannot run under ptrace; the other test scripts check for leaks.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS
if ! command -v strace > /dev/null || ! strace -qq -o /dev/null true 2> /dev/null; then
	tap_skip_all "strace is missing or cannot trace here"
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
# calls SYSCALL TRACE-SET [STRACE-OPTION...]: how often apply on a copy of the old state
# calls SYSCALL, traced with the syscalls of TRACE-SET and the given injections; 0 when
# strace does not know a syscall here.
calls() {
	local sc=$1 set=$2
	shift 2
	rm -rf "$work/count"
	cp -a "$base" "$work/count"
	: > "$work/trace"
	# shellcheck disable=SC2086
	strace -f -qq -e trace=$set -o "$work/trace" "$@" "$bin" --root "$work/count" $new_args > /dev/null 2>&1
	grep -Ec "^([0-9]+ +)?$sc\(" "$work/trace"
	rm -rf "$work/count"
}
# inject SYSCALL COUNT TRACE-SET [STRACE-OPTION...]: for each of the COUNT calls of
# SYSCALL in turn, apply on a copy of the old state with EIO injected there, then with
# SIGKILL; the trace must show the fault injected, and judge the result. Adds the
# cases that went wrong to $bad, the faults that hit to $hit.
inject() {
	local sc=$1 count=$2 set=$3 k how r rc
	shift 3
	for k in $(seq 1 "$count"); do
		for how in error=EIO signal=SIGKILL; do
			# Killing at reads and closes says nothing new; kill at the writes.
			case $how:$sc in signal*:openat | signal*:openat2 | signal*:close) continue ;; esac
			r=$work/case
			rm -rf "$r"
			cp -a "$base" "$r"
			: > "$work/err"
			: > "$work/trace"
			# shellcheck disable=SC2086
			# (in a command substitution: no "Killed" line from the shell)
			rc=$({
				strace -f -qq -o "$work/trace" -e trace=$set "$@" -e inject=$sc:$how:when=$k \
					"$bin" --root "$r" $new_args > /dev/null 2> "$work/err"
				echo $?
			} 2> /dev/null)
			[ "$how" = signal=SIGKILL ] && [ $rc -ge 128 ] && rc=kill
			cases=$((cases + 1))
			# An injected error is marked in the trace; only the injection kills.
			if { [ "$how" = error=EIO ] && grep -Eq "^([0-9]+ +)?($sc\(|<\.\.\. $sc resumed>).*\(INJECTED\)$" "$work/trace"; } ||
				{ [ "$how" = signal=SIGKILL ] && [ "$rc" = kill ]; }; then
				hit=$((hit + 1))
			else
				bad=$((bad + 1))
				echo "# $sc call $k ($how): exit $rc, the fault was not injected"
				sed 's/^/#   /' "$work/err" | head -5
				continue
			fi
			if ! judge "$r" $rc; then
				bad=$((bad + 1))
				echo "# $sc call $k ($how): exit $rc, files: $(sums "$r" | cut -c1-8 | tr '\n' ' ')"
				sed 's/^/#   /' "$work/err" | head -5
			fi
		done
	done
}
verdict="every injected fault leaves old or new files and a consistent exit status"

# The syscalls of sysroot.c's writes. Alternatives joined by "/" are one libc call that
# is another syscall elsewhere (renameat(3) is renameat2 where the kernel has no
# renameat, as on riscv64): each of them that apply calls gets the faults.
rename_sc=renameat rename_n=0
for entry in openat openat2 write fsync renameat/renameat2 unlinkat mkdirat close fchmod; do
	bad=0 hit=0 total=0 called=
	for sc in $(echo "$entry" | tr / ' '); do
		n=$(calls "$sc" "$sc")
		[ "$n" -gt 0 ] || continue
		total=$((total + n))
		called=${called:+$called/}$sc
		case $entry in renameat/*) [ "$rename_n" -gt 0 ] || rename_sc=$sc rename_n=$n ;; esac
		inject "$sc" "$n" "$sc"
	done
	if [ $total = 0 ]; then
		tap_not_ok "$entry: never called by apply, so no fault was injected"
	else
		[ $bad = 0 ] && [ $hit -gt 0 ]
		tap_result "$called: $total calls, $verdict" $?
	fi
done

# fchown runs only where files are restored with their recorded owner: in the undo of a
# failed apply (and in recovery and rollback). Each renameat of apply fails in turn, and
# each fchown of the undo that follows gets the faults.
bad=0 hit=0 total=0
for k in $(seq 1 "$rename_n"); do
	first=inject=$rename_sc:error=EIO:when=$k
	n=$(calls fchown "fchown,$rename_sc" -e "$first")
	total=$((total + n))
	inject fchown "$n" "fchown,$rename_sc" -e "$first"
done
if [ $total = 0 ]; then
	tap_not_ok "fchown: never called in the undo of a failed apply, so no fault was injected"
else
	[ $bad = 0 ] && [ $hit -gt 0 ]
	tap_result "fchown in the undo after a failed $rename_sc: $total calls, $verdict" $?
fi
echo "# $cases fault-injection cases run"
tap_done
