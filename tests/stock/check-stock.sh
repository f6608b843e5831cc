#!/bin/sh
# README command 1 on a fresh, stock Debian 12 system: a copy of the cached stock root
# (tests/stock/root.sh: debootstrap + linux-image-amd64 + grub-pc, nothing edited) gets
# this source tree, and the README's first command runs inside it (chroot), as a new user
# would run it. It must exit 0 with `detect` reading the next-boot command line "quiet"
# from Debian's own etc/default/grub, and `apply strix-halo --dry-run` must be accepted.
# This is what proves that the README installs everything: a package installed by hand on
# the CI machine is not in that root. Then the Debian package built from the same tree is
# installed over that make install with apt-get, as README's "Installing" says a user may:
# no conffile prompt (stdin is /dev/null), the packaged binary the one on PATH, no other
# copy left. TAP output. Needs root, dpkg-dev, debhelper and the Debian archive.
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

# ---- the package over the make install ----
debdir=$(deb_build)
result "dpkg-buildpackage builds the package of this tree (a build of the same sources is reused)" $?
deb=$(ls "$debdir"/amdgpu-tune_*_*.deb 2> /dev/null | head -n 1)
[ -n "$deb" ] || bail "no .deb was built"
cp "$deb" "$root/tmp/"
in_root sh -c 'apt-get install -y -q /tmp/'"${deb##*/}" < /dev/null > "$work/deb.out" 2>&1
rc=$?
tail -n 8 "$work/deb.out" | sed 's/^/# /'
in_root dpkg-query -W -f '${Status}' amdgpu-tune > "$work/status.out" 2>&1
[ $rc = 0 ] && [ "$(cat "$work/status.out")" = "install ok installed" ] && ! grep -qi "configuration file\|conffile" "$work/deb.out"
result "apt-get install ./${deb##*/} over README command 1's make install: exit 0, configured, no conffile question" $?
owner=$(in_root dpkg -S /usr/sbin/amdgpu-tune 2> /dev/null)
copies=$(in_root sh -c 'for d in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do [ -x "$d/amdgpu-tune" ] && readlink -f "$d/amdgpu-tune"; done' | sort -u)
echo "# amdgpu-tune on PATH: $(echo $copies)"
[ "$owner" = "amdgpu-tune: /usr/sbin/amdgpu-tune" ] && [ "$copies" = /usr/sbin/amdgpu-tune ]
result "the package owns /usr/sbin/amdgpu-tune and it is the only copy on PATH" $?
in_root dpkg -S /etc/kernel/postinst.d/amdgpu-tune > /dev/null 2>&1 &&
	! ls "$root"/etc/kernel/postinst.d/amdgpu-tune.dpkg-* > /dev/null 2>&1
result "the kernel hook make install wrote is the package's conffile now, with no .dpkg-* copy beside it" $?
in_root amdgpu-tune detect > "$work/detect2.out" 2>&1
rc=$?
! grep -q "on PATH\|shadows" "$work/detect2.out" && [ $rc = 0 ]
result "detect, run from the package, finds no other copy on PATH" $?

finish
