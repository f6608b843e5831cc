#!/bin/sh
# The Debian package, built and installed as a user would: dpkg-buildpackage -us -uc -b
# on a copy of this tree, lintian (no errors), then `apt-get install ./amdgpu-tune_*.deb`
# inside a copy of the cached stock Debian 12 root (tests/stock/root.sh), where every
# file amdgpu-tune(8) names under FILES and KERNEL HOOKS must be; the kernel hook sorts
# before initramfs-tools and zz-update-grub and runs as Debian's kernel packages run it;
# the postinst's apply --auto runs only when /etc/default/amdgpu-tune enables it; purge
# takes the settings, the state and every file of the package away. TAP output. Needs
# root, debhelper, lintian and the Debian archive.
# Usage: check-deb.sh SRCDIR
set -u
src=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
cache=${AMDGPU_TUNE_TEST_CACHE:-/var/tmp/amdgpu-tune-test-cache}

bail() {
	echo "Bail out! $*"
	echo "check-deb: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || bail "needs root (chroot into a stock Debian root)"
for t in dpkg-buildpackage dh lintian; do
	command -v "$t" > /dev/null || bail "$t is not installed (apt-get install debhelper lintian)"
done
base=$(sh "$src/tests/stock/root.sh" "$cache") || bail "no stock root (tests/stock/root.sh failed)"
work=$(mktemp -d "$cache/deb-run.XXXXXX")
root=$work/root
mounted=
cleanup() {
	for m in $mounted; do umount -l "$root/$m" 2> /dev/null || true; done
	[ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

n=0
failed=0
result() { # name status
	n=$((n + 1))
	if [ "$2" -eq 0 ]; then echo "ok $n - $1"; else echo "not ok $n - $1"; failed=$((failed + 1)); fi
}
in_root() { chroot "$root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }

# ---- build: the files git tracks, as a clean clone has them ----
mkdir -p "$work/build/amdgpu-tune"
if git -C "$src" rev-parse --git-dir > /dev/null 2>&1; then
	(cd "$src" && git ls-files -z | tar --null -T - -cf -) | tar -xf - -C "$work/build/amdgpu-tune"
else
	(cd "$src" && tar -cf - --exclude=./debian/amdgpu-tune .) | tar -xf - -C "$work/build/amdgpu-tune"
fi || bail "copying the source tree failed"
# make check has run on this tree already (README command 2); DEB_CHECK=1 runs it again
# inside the package build.
if [ "${DEB_CHECK:-}" = 1 ]; then opts=; else opts=nocheck; fi
(cd "$work/build/amdgpu-tune" && DEB_BUILD_OPTIONS=$opts dpkg-buildpackage -us -uc -b) > "$work/build.log" 2>&1
rc=$?
[ $rc = 0 ] || tail -n 30 "$work/build.log" | sed 's/^/# /'
result "dpkg-buildpackage -us -uc -b builds the package" $rc
deb=$(ls "$work"/build/amdgpu-tune_*_*.deb 2> /dev/null | head -n 1)
[ -n "$deb" ] || bail "no .deb was built"
lintian --fail-on error "$work"/build/amdgpu-tune_*.changes > "$work/lintian.out" 2>&1
rc=$?
sed 's/^/# lintian: /' "$work/lintian.out"
! grep -q '^E:' "$work/lintian.out" && [ $rc = 0 ]
result "lintian reports no error" $?

# ---- install into a stock root ----
cp -a "$base" "$root" || bail "copying the stock root failed"
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2> /dev/null || true
# No sysfs: the root has no GPU to find, whatever the machine running this has.
mount -t proc proc "$root/proc" && mounted="proc $mounted"
mount --bind /dev "$root/dev" && mounted="dev $mounted"
mount -t devpts devpts "$root/dev/pts" && mounted="dev/pts $mounted"
cp "$deb" "$root/tmp/"
in_root sh -c 'apt-get update -q && apt-get install -y -q --no-install-recommends /tmp/'"${deb##*/}" > "$work/install.log" 2>&1
rc=$?
tail -n 8 "$work/install.log" | sed 's/^/# /'
result "apt-get install ./${deb##*/} in a stock Debian 12 root (its dependencies from the archive)" $rc
grep -q "apply --auto" "$work/install.log"
result "... its postinst does not run apply --auto by default" $((!$?))

# Every path amdgpu-tune(8) names under FILES and KERNEL HOOKS that the package installs
# (what the tool creates at run time aside).
# The paths that head a tagged paragraph there (.TP, then .I PATH).
paths=$(awk '/^\.SH/ {on = ($0 == ".SH FILES" || $0 == ".SH KERNEL HOOKS")} on && tp && /^\.I \// {print $2} {tp = /^\.TP/}' "$src/man/amdgpu-tune.8" |
	grep -v '^/var/lib/amdgpu-tune/.\|^/var/cache/')
missing=
for p in $paths; do
	case $p in
	*'*'*) ls "$root"$p > /dev/null 2>&1 || [ -d "$root${p%/*}" ] || missing="$missing $p" ;;
	*) [ -e "$root$p" ] || missing="$missing $p" ;;
	esac
done
echo "# checked: $(echo $paths)"
[ -z "$missing" ] && [ "$(echo $paths | wc -w)" -ge 6 ] && [ -x "$root/usr/sbin/amdgpu-tune" ] &&
	[ -e "$root/usr/share/man/man8/amdgpu-tune.8.gz" ] && [ -e "$root/usr/share/man/man5/amdgpu-tune.conf.5.gz" ] &&
	[ -e "$root/usr/share/amdgpu-tune/profiles/strix-halo.conf" ]
result "every file the man page names is where it says (missing:${missing:- none}), and the man pages and profiles" $?

in_root amdgpu-tune detect > "$work/detect.out" 2>&1
rc=$?
grep -q '^Boot loader: debian-grub$' "$work/detect.out" && [ $rc = 0 ]
result "amdgpu-tune detect runs in the root and finds Debian's GRUB" $?
order=$(in_root run-parts --test /etc/kernel/postinst.d | sed 's|.*/||' | tr '\n' ' ')
echo "# /etc/kernel/postinst.d runs: $order"
echo " $order" | grep -q ' amdgpu-tune .*initramfs-tools .*zz-update-grub '
result "run-parts runs the kernel hook before initramfs-tools and zz-update-grub" $?

sed -i 's/^AUTO_APPLY=no$/AUTO_APPLY=yes/' "$root/etc/default/amdgpu-tune"
in_root dpkg-reconfigure amdgpu-tune > "$work/auto.out" 2> "$work/auto.err"
rc=$?
sed 's/^/# /' "$work/auto.err"
[ $rc = 0 ] && [ ! -s "$work/auto.out" ] && grep -q '^apply --auto: no AMD GPU .*: nothing to do$' "$work/auto.err"
result "with AUTO_APPLY=yes the postinst runs apply --auto: no GPU here, one line on stderr, nothing on stdout" $?

# A profile applied by hand, then a kernel installed: the hook plans it again.
in_root amdgpu-tune apply strix-halo --no-update > "$work/apply.out" 2>&1
rc=$?
[ $rc = 0 ] && [ -e "$root/etc/modprobe.d/90-amdgpu-tune.conf" ]
result "apply strix-halo in the root" $?
ver=$(ls "$root/lib/modules" | head -n 1)
in_root /etc/kernel/postinst.d/amdgpu-tune "$ver" "/boot/vmlinuz-$ver" > "$work/hook.out" 2> "$work/hook.err"
rc=$?
sed 's/^/# /' "$work/hook.err"
[ $rc = 0 ] && [ ! -s "$work/hook.out" ] && grep -q "^strix-halo: planned again for the kernels installed now" "$work/hook.err"
result "the kernel hook, as linux-image's postinst runs it: planned again, nothing on stdout, exit 0" $?

in_root apt-get purge -y -q amdgpu-tune > "$work/purge.log" 2>&1
rc=$?
tail -n 12 "$work/purge.log" | sed 's/^/# /'
[ $rc = 0 ] && [ ! -e "$root/etc/modprobe.d/90-amdgpu-tune.conf" ] && [ ! -e "$root/var/lib/amdgpu-tune" ] &&
	[ ! -e "$root/etc/kernel/postinst.d/amdgpu-tune" ] && [ ! -e "$root/etc/default/amdgpu-tune" ] &&
	[ ! -e "$root/usr/sbin/amdgpu-tune" ] && ! in_root dpkg -s amdgpu-tune > /dev/null 2>&1
result "apt-get purge: the settings (amdgpu-tune remove in prerm), the state and every file of the package are gone" $?

echo "1..$n"
[ "$failed" = 0 ]
