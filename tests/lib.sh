# Shared by the shell tests: builds fake roots; TAP output (tap_*, at the end).
# What the tests create is what a root-owned system has: not group-writable.
umask 022
# Run through sudo (sudo make check), the tool would read saved logs as the user sudo ran
# it for: the tests name that user themselves where they mean to.
unset SUDO_UID SUDO_GID SUDO_USER PKEXEC_UID DOAS_USER
# ... and where an image build would say its ESP and XBOOTLDR are.
unset SYSTEMD_ESP_PATH SYSTEMD_XBOOTLDR_PATH
# make_kernel ROOT VERSION COLUMN [xz|zst] [amdttm] [builtin-ttm]
#   A kernel under ROOT/lib/modules/VERSION whose amdgpu and ttm modules carry the
#   parameter types of Debian's 6.1 or 6.12 line (COLUMN 6.1 or 6.12), taken from
#   data/amdgpu-ttm-params-6.1-vs-6.12.tsv; xz compresses them as 6.12 does, zst as
#   Arch Linux's kernels do; amdttm adds
#   the ROCm DKMS driver's renamed ttm; builtin-ttm lists ttm in modules.builtin.
make_kernel() {
	root=$1 version=$2 column=$3
	shift 3
	ext=.ko amdttm=no builtin=no
	for opt; do
		case $opt in
		xz) ext=.ko.xz ;;
		zst) ext=.ko.zst ;;
		amdttm) amdttm=yes ;;
		builtin-ttm) builtin=yes ;;
		*) echo "make_kernel: unknown option $opt" >&2; return 1 ;;
		esac
	done
	case $column in
	6.1) col=3 ;;
	6.12) col=4 ;;
	*) echo "make_kernel: unknown column $column" >&2; return 1 ;;
	esac
	dir=$root/lib/modules/$version
	tsv=$top_srcdir/data/amdgpu-ttm-params-6.1-vs-6.12.tsv
	mkdir -p "$dir"
	params() {
		awk -F '\t' -v m="$1" -v c="$col" 'NR > 1 && $1 == m && $c != "-" {
			t = $c; if (t == "string") t = "string"
			d = "synthetic " $2
			if (m == "amdgpu" && $2 == "gttsize" && c == 4) d = "Size of the GTT userspace domain in megabytes (-1 = auto)"
			print $2, t, d }' "$tsv"
	}
	params amdgpu | sh "$top_srcdir/tests/mkmod.sh" "$dir/kernel/drivers/gpu/drm/amd/amdgpu/amdgpu$ext" amdgpu
	if [ "$builtin" = yes ]; then
		echo kernel/drivers/gpu/drm/ttm/ttm.ko >> "$dir/modules.builtin"
	else
		params ttm | sh "$top_srcdir/tests/mkmod.sh" "$dir/kernel/drivers/gpu/drm/ttm/ttm$ext" ttm
	fi
	if [ "$amdttm" = yes ]; then
		params ttm | sh "$top_srcdir/tests/mkmod.sh" "$dir/updates/dkms/amdttm$ext" amdttm
	fi
	: > "$dir/modules.order"
	[ -f "$dir/modules.builtin" ] || : > "$dir/modules.builtin"
	"${DEPMOD:-depmod}" -b "$root" "$version" 2>/dev/null
}

# For the fault tests (fault.sh, enospc.sh), which set $managed (the managed files) and
# $old and $new (their sums before and after the operation under test):
# sums ROOT: each managed file's SHA-256 in ROOT, or "absent", one per line.
sums() { for f in $managed; do if [ -e "$1/$f" ]; then sha256sum < "$1/$f" | cut -c1-64; else echo absent; fi; done; }
# mixed_ok ROOT: every managed file of ROOT is byte for byte its old or its new self.
mixed_ok() {
	local i=0 s o w
	for s in $(sums "$1"); do
		i=$((i + 1))
		o=$(echo "$old" | sed -n "${i}p")
		w=$(echo "$new" | sed -n "${i}p")
		[ "$s" = "$o" ] || [ "$s" = "$w" ] || return 1
	done
}
# fault_roots BASE REF: BASE is the old state (test-mixed applied to the cloud-image
# root), REF the same after $new_args; sets $old and $new. The profiles are copied into
# BASE too (etc/amdgpu-tune/profiles), for runs in a user namespace. 0 or 1.
fault_roots() {
	mkdir -p "$1/var/lib" "$1/var/cache" "$1/etc/amdgpu-tune/profiles" &&
		cp -R "$top_srcdir/tests/golden/diff-cloudimg/root/." "$1/" &&
		cp "$top_srcdir"/profiles/*.conf "$top_srcdir"/tests/profiles/*.conf "$1/etc/amdgpu-tune/profiles/" &&
		chmod -R u+w "$1" &&
		make_kernel "$1" 6.12.117+deb12-amd64 6.12 xz &&
		"$bin" --root "$1" apply test-mixed --memory 64GiB > /dev/null 2>&1 || return 1
	old=$(sums "$1")
	cp -a "$1" "$2" || return 1
	# shellcheck disable=SC2086
	"$bin" --root "$2" $new_args > /dev/null 2>&1 || return 1
	new=$(sums "$2")
	[ "$old" != "$new" ]
}

# TAP output, for every test script. Each result is numbered in turn; tap_done prints
# the plan at the end (unless tap_plan printed it first) and is the script's verdict.
#   tap_ok DESC / tap_not_ok DESC   a passed or failed test
#   tap_skip DESC REASON            a skipped test ("ok N - DESC # SKIP REASON")
#   tap_result DESC STATUS          ok when STATUS is 0: "COND1 && COND2; tap_result DESC $?"
#   tap_check DESC COMMAND [ARG...] ok when the one simple command succeeds. The shell
#       splits "tap_check DESC A && B" before tap_check runs: tap_check judges A alone
#       and B's failure goes unreported. Conditions joined by && or || take tap_result.
#   tap_plan N                      the plan first, when the count is known up front
#   tap_done                        exits 0 if nothing failed, else 1
#   tap_skip_all REASON             the whole script cannot run here: plan 1..0, exit 0
tap_n=0 tap_failed=0 tap_planned=
tap_ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1"; }
tap_not_ok() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $1"; }
tap_skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP $2"; }
tap_result() { if [ "$2" -eq 0 ]; then tap_ok "$1"; else tap_not_ok "$1"; fi; }
tap_check() {
	tap_desc=$1
	shift
	if "$@"; then tap_ok "$tap_desc"; else tap_not_ok "$tap_desc"; fi
}
tap_plan() { tap_planned=$1; echo "1..$1"; }
tap_done() {
	[ -n "$tap_planned" ] || echo "1..$tap_n"
	if [ -n "$tap_planned" ] && [ "$tap_n" != "$tap_planned" ]; then
		echo "# planned $tap_planned results, gave $tap_n"
		exit 1
	fi
	[ "$tap_failed" -eq 0 ] || exit 1
	exit 0
}
# proc_hider DIR: prints the command prefix that runs a command with an empty tmpfs over
# /proc (a private mount namespace; unshare -r as an ordinary user; the script it writes
# into DIR exits 77 when it cannot), or nothing when there is no such namespace here.
proc_hider() {
	printf 'mount -t tmpfs -o ro none /proc || exit 77\n[ ! -e /proc/self ] || exit 77\nexec "$@"\n' > "$1/hide-proc"
	if [ "$(id -u)" = 0 ] && unshare -m --propagation private true 2> /dev/null; then
		echo "unshare -m --propagation private sh $1/hide-proc"
	elif unshare -rm true 2> /dev/null; then
		echo "unshare -rm sh $1/hide-proc"
	fi
}
tap_skip_all() { echo "1..0 # SKIP $1"; exit 0; }

# Every golden case with the binary run under WRAP (a command prefix, GOLDEN_WRAP of
# tests/golden.sh): one result, ok when each prints exactly what it prints unwrapped.
# Usage: tap_golden_wrapped WRAP WHAT   (WHAT: "without openat2", "without /proc")
tap_golden_wrapped() {
	GOLDEN_WRAP=$1 sh "$top_srcdir/tests/golden.sh" > "$work/golden.tap" 2>&1
	tgw_bad=$(grep -c '^not ok' "$work/golden.tap")
	tgw_all=$(grep -c '^ok\|^not ok' "$work/golden.tap")
	if [ "$tgw_bad" = 0 ] && [ "$tgw_all" -gt 50 ]; then
		tap_ok "golden cases $2: $tgw_all of $tgw_all print the same"
	else
		tap_not_ok "golden cases $2: $tgw_bad of $tgw_all differ"
		grep -A12 '^not ok' "$work/golden.tap" | head -60 | sed 's/^/# /'
	fi
}
