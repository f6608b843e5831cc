#!/bin/sh
# README command 1 on a fresh, stock Debian 12 system: a copy of the cached stock root
# (tests/stock/root.sh: debootstrap + linux-image-amd64 + grub-pc, nothing edited) gets
# this source tree, and the README's first command runs inside it (chroot), as a new user
# would run it. It must exit 0 with `detect` reading the next-boot command line "quiet"
# from Debian's own etc/default/grub, and `apply strix-halo --dry-run` must be accepted.
# This is what proves that the README installs everything: a package installed by hand on
# the CI machine is not in that root. TAP output. Needs root and the Debian archive.
# Usage: check-stock.sh SRCDIR
set -u
src=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
me=check-stock
. "$src/tests/stock/lib.sh"

stock_copy stock-run
tree_copy "$root/root/amdgpu-tune" || bail "copying the source tree failed"

cmd1=$(awk '/^```sh$/ {inside = 1; next} /^```$/ {inside = 0} inside' "$src/README.md" | head -n 1)
[ -n "$cmd1" ] || bail "README.md has no first command"

root_mount proc sys dev dev/pts

echo "# README command 1 in $root: $cmd1"
in_root sh -c "cd /root/amdgpu-tune && $cmd1" > "$work/cmd1.out" 2>&1
rc=$?
tail -n 15 "$work/cmd1.out" | sed 's/^/# /'
result "README command 1 exits 0 on a stock Debian 12 root" $rc
grep -q '^Next boot:   quiet$' "$work/cmd1.out"
result "its detect reads the next-boot command line 'quiet' from Debian's etc/default/grub" $?
grep -q '^Boot loader: debian-grub$' "$work/cmd1.out"
result "its detect finds Debian's GRUB" $?

in_root amdgpu-tune apply strix-halo --dry-run > "$work/dry.out" 2>&1
rc=$?
sed 's/^/# /' "$work/dry.out" | tail -n 20
result "apply strix-halo --dry-run is accepted there (exit 0)" $rc
grep -q 'Dry run: nothing is written' "$work/dry.out"
result "... and says nothing is written" $?
[ ! -e "$root/etc/modprobe.d/90-amdgpu-tune.conf" ] && [ ! -e "$root/var/lib/amdgpu-tune/state" ]
result "... and wrote nothing" $?

finish
