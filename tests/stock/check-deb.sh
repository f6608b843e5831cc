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
me=check-deb
. "$src/tests/stock/lib.sh"

command -v lintian > /dev/null || bail "lintian is not installed (apt-get install lintian)"
stock_copy deb-run

# ---- build: the files git tracks, as a clean clone has them ----
# make check has run on this tree already (README command 2); DEB_CHECK=1 runs it again
# inside the package build.
debdir=$(deb_build)
result "dpkg-buildpackage -us -uc -b builds the package (a build of the same sources is reused)" $?
deb=$(ls "$debdir"/amdgpu-tune_*_*.deb 2> /dev/null | head -n 1)
[ -n "$deb" ] || bail "no .deb was built"
lintian --fail-on error "$debdir"/amdgpu-tune_*.changes > "$work/lintian.out" 2>&1
rc=$?
sed 's/^/# lintian: /' "$work/lintian.out"
! grep -q '^E:' "$work/lintian.out" && [ $rc = 0 ]
result "lintian reports no error" $?

# ---- install into a stock root ----
# No sysfs: the root has no GPU to find, whatever the machine running this has.
root_mount proc dev dev/pts
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

# A drop-in edited by hand: prerm's remove refuses it, and purge keeps the state and
# the snapshots (the only record of what was there before) and says so; installed
# again, the package's remove takes the settings away.
echo "# edited by hand" >> "$root/etc/modprobe.d/90-amdgpu-tune.conf"
in_root apt-get purge -y -q amdgpu-tune > "$work/purge1.log" 2>&1
rc=$?
grep 'amdgpu-tune' "$work/purge1.log" | sed 's/^/# /'
[ $rc = 0 ] && [ -e "$root/etc/modprobe.d/90-amdgpu-tune.conf" ] && [ -e "$root/var/lib/amdgpu-tune/state" ] &&
	ls "$root/var/lib/amdgpu-tune/snapshots/"*/manifest > /dev/null 2>&1 && [ ! -e "$root/usr/sbin/amdgpu-tune" ] &&
	grep -q "settings are still in /etc/modprobe.d/90-amdgpu-tune.conf" "$work/purge1.log" &&
	grep -q "kept /var/lib/amdgpu-tune" "$work/purge1.log"
result "apt-get purge after prerm's remove refused a hand-edited drop-in: the state and snapshots are kept, and it says what is left and how to finish" $?
in_root sh -c 'apt-get install -y -q --no-install-recommends /tmp/'"${deb##*/}"' && amdgpu-tune remove --force --no-update' > "$work/reinstall.log" 2>&1
rc=$?
tail -n 3 "$work/reinstall.log" | sed 's/^/# /'
[ $rc = 0 ] && [ ! -e "$root/etc/modprobe.d/90-amdgpu-tune.conf" ] && [ ! -e "$root/var/lib/amdgpu-tune/state" ]
result "installed again, amdgpu-tune remove --force takes the settings away from the kept state" $?

in_root apt-get purge -y -q amdgpu-tune > "$work/purge.log" 2>&1
rc=$?
tail -n 12 "$work/purge.log" | sed 's/^/# /'
[ $rc = 0 ] && [ ! -e "$root/etc/modprobe.d/90-amdgpu-tune.conf" ] && [ ! -e "$root/var/lib/amdgpu-tune" ] &&
	[ ! -e "$root/etc/kernel/postinst.d/amdgpu-tune" ] && [ ! -e "$root/etc/default/amdgpu-tune" ] &&
	[ ! -e "$root/usr/sbin/amdgpu-tune" ] && ! in_root dpkg -s amdgpu-tune > /dev/null 2>&1
result "apt-get purge: the settings (amdgpu-tune remove in prerm), the state and every file of the package are gone" $?

finish
