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
wrap=$(proc_hider "$work")
[ -n "$wrap" ] || tap_skip_all "no private mount namespace here (unshare -m, unshare -rm): not tested without /proc"
$wrap "$bin" --version > "$work/probe" 2>&1
rc=$?
if [ $rc = 77 ]; then
	tap_skip_all "cannot hide /proc in a private mount namespace here: not tested"
elif [ $rc != 0 ] && grep -q 'Sanitizer' "$work/probe"; then
	# A sanitizer runtime reads /proc/self/maps before main(): it cannot run there.
	tap_skip_all "a sanitizer build does not start without /proc: not tested"
fi
tap_plan 2
if [ $rc = 0 ] && grep -q '^amdgpu-tune ' "$work/probe"; then
	tap_ok "amdgpu-tune --version runs without /proc"
else
	tap_not_ok "amdgpu-tune --version runs without /proc (exit $rc)"
	sed 's/^/# /' "$work/probe" | head -n 5
fi
tap_golden_wrapped "$wrap" "without /proc"
tap_done
