#!/bin/sh
# A chroot being set up (debootstrap, an image build) often has no /proc mounted: the
# tool then cannot name a directory to libkmod as /proc/self/fd/N and must find the
# kernels' module metadata all the same. This runs every golden case with an empty
# tmpfs over /proc (a private mount namespace; unshare -r as an ordinary user) and
# checks that each prints exactly what it prints with /proc. TAP output.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"
bin=$top_builddir/amdgpu-tune
export LC_ALL=C
work=$(mktemp -d)
trap "${KEEP:+:} rm -rf \"$work\"" EXIT
printf 'mount -t tmpfs -o ro none /proc || exit 77\n[ ! -e /proc/self ] || exit 77\nexec "$@"\n' > "$work/hide-proc"
if [ "$(id -u)" = 0 ] && unshare -m --propagation private true 2> /dev/null; then
	wrap="unshare -m --propagation private sh $work/hide-proc"
elif unshare -rm true 2> /dev/null; then
	wrap="unshare -rm sh $work/hide-proc"
else
	tap_skip_all "no private mount namespace here (unshare -m, unshare -rm): not tested without /proc"
fi
$wrap "$bin" --version > "$work/probe" 2>&1
case $? in
0) ;;
77) tap_skip_all "cannot hide /proc in a private mount namespace here: not tested" ;;
*)
	# A sanitizer runtime reads /proc/self/maps before main(): it cannot run there.
	sed 's/^/# /' "$work/probe" | head -n 5
	tap_skip_all "this build does not start without /proc (a sanitizer runtime): not tested"
	;;
esac
tap_plan 1
GOLDEN_WRAP=$wrap sh "$top_srcdir/tests/golden.sh" > "$work/golden.tap" 2>&1
bad=$(grep -c '^not ok' "$work/golden.tap")
all=$(grep -c '^ok\|^not ok' "$work/golden.tap")
if [ "$bad" = 0 ] && [ "$all" -gt 50 ]; then
	tap_ok "golden cases without /proc: $all of $all print the same"
else
	tap_not_ok "golden cases without /proc: $bad of $all differ"
	grep -A12 '^not ok' "$work/golden.tap" | head -60 | sed 's/^/# /'
fi
tap_done
