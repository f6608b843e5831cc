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
cache=${AMDGPU_TUNE_TEST_CACHE:-/var/tmp/amdgpu-tune-test-cache}

bail() {
	echo "Bail out! $*"
	echo "check-stock: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || bail "needs root (chroot into a stock Debian root)"
base=$(sh "$src/tests/stock/root.sh" "$cache") || bail "no stock root (tests/stock/root.sh failed)"
work=$(mktemp -d "$cache/stock-run.XXXXXX")
root=$work/root
mounted=
cleanup() {
	for m in $mounted; do umount -l "$root/$m" 2>/dev/null || true; done
	[ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
cp -a "$base" "$root" || bail "copying the stock root failed"

# This tree as a user gets it: the files git tracks (a clean clone), or all of them.
mkdir -p "$root/root/amdgpu-tune"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$src" && git ls-files -z | tar --null -T - -cf -) | tar -xf - -C "$root/root/amdgpu-tune"
else
	(cd "$src" && tar -cf - .) | tar -xf - -C "$root/root/amdgpu-tune"
fi || bail "copying the source tree failed"

cmd1=$(awk '/^```sh$/ {inside = 1; next} /^```$/ {inside = 0} inside' "$src/README.md" | head -n 1)
[ -n "$cmd1" ] || bail "README.md has no first command"

printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
mount -t proc proc "$root/proc" && mounted="proc $mounted"
mount -t sysfs sys "$root/sys" && mounted="sys $mounted"
mount --bind /dev "$root/dev" && mounted="dev $mounted"
mount -t devpts devpts "$root/dev/pts" && mounted="dev/pts $mounted"

n=0
failed=0
result() { # name status
	n=$((n + 1))
	if [ "$2" -eq 0 ]; then echo "ok $n - $1"; else echo "not ok $n - $1"; failed=$((failed + 1)); fi
}

echo "# README command 1 in $root: $cmd1"
chroot "$root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
	sh -c "cd /root/amdgpu-tune && $cmd1" > "$work/cmd1.out" 2>&1
rc=$?
tail -n 15 "$work/cmd1.out" | sed 's/^/# /'
result "README command 1 exits 0 on a stock Debian 12 root" $rc
grep -q '^Next boot:   quiet$' "$work/cmd1.out"
result "its detect reads the next-boot command line 'quiet' from Debian's etc/default/grub" $?
grep -q '^Boot loader: debian-grub$' "$work/cmd1.out"
result "its detect finds Debian's GRUB" $?

chroot "$root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root LANG=C.UTF-8 amdgpu-tune apply strix-halo --dry-run > "$work/dry.out" 2>&1
rc=$?
sed 's/^/# /' "$work/dry.out" | tail -n 20
result "apply strix-halo --dry-run is accepted there (exit 0)" $rc
grep -q 'Dry run: nothing is written' "$work/dry.out"
result "... and says nothing is written" $?
[ ! -e "$root/etc/modprobe.d/90-amdgpu-tune.conf" ] && [ ! -e "$root/var/lib/amdgpu-tune/state" ]
result "... and wrote nothing" $?

echo "1..$n"
[ "$failed" -eq 0 ]
