#!/bin/sh
# The end-to-end proof on a real Debian 12 system, with no AMD GPU needed: a copy of the
# cached stock root (tests/stock/root.sh: debootstrap, linux-image-amd64, grub-pc,
# initramfs-tools, nothing edited) gets this tree's Debian package (apt-get install, as a
# user would); inside it (chroot) amdgpu-tune applies strix-halo, then rdna2, with the
# root's own update-grub and update-initramfs; grub.cfg and the initrd are checked, and
# the kernel and initrd of grub.cfg's default entry are booted in QEMU from a disk image of
# the root, where tests/e2e/guest-check.sh reads /proc/cmdline, the ttm and amdgpu module
# parameters and `amdgpu-tune status`. Two rollbacks take it all back (booted again), then
# strix-halo is applied again and the 6.12 kernel of Debian 12 is installed: the kernel
# hook plans the profile again, and the new kernel boots with it.
#
# The root has no proc mounted while amdgpu-tune runs, as on a machine being set up:
# --memory 64GiB says what the machine has. The expected values are computed here from
# that size, not read from the tool: GTT 75% of 64 GiB = 48 GiB, 12582912 pages of 4 KiB,
# 49152 MiB. The chroot's grub-probe sees the host's disk, so grub.cfg's root= names it;
# the guest's disk is /dev/vda, which the boot uses instead (the only argument changed).
#
# TAP output. Needs root, qemu-system-x86, e2fsprogs, dpkg-dev, debhelper and the Debian
# archive. Every qemu run is under `timeout` (E2E_QEMU_TIMEOUT, default 420 s).
# KEEP=1 keeps the work directory (the root, serial logs, command outputs).
# Usage: e2e.sh SRCDIR
set -u
src=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
me=e2e
. "$src/tests/stock/lib.sh"

for t in qemu-system-x86_64:qemu-system-x86 mkfs.ext4:e2fsprogs timeout:coreutils; do
	command -v "${t%%:*}" > /dev/null || bail "${t%%:*} is not installed (apt-get install ${t#*:})"
done
qemu_timeout=${E2E_QEMU_TIMEOUT:-420}
started=$(date +%s)
stock_copy e2e-run
echo "# work directory: $work"

pages=$((64 * 1024 * 1024 * 1024 * 3 / 4 / 4096))
gtt_mib=$((64 * 1024 * 3 / 4))
conf=etc/modprobe.d/90-amdgpu-tune.conf

# ---- helpers ----
step() { echo "# ---- $* ($(($(date +%s) - started)) s)"; }

# Lines of grub.cfg's linux commands, each "normal ARGS" or "recovery ARGS" (ARGS after
# the kernel's path), for the entries of 10_linux.
grub_lines() {
	awk '/^[ \t]*menuentry / {rec = /\(recovery mode\)/}
		/^[ \t]*linux[ \t]/ {$1 = ""; $2 = ""; sub(/^ +/, ""); print (rec ? "recovery" : "normal"), $0}' \
		"$root/boot/grub/grub.cfg"
}

# Whether every normal entry carries each of PARAMS exactly once and no recovery entry
# carries any; says what it found.
grub_has() { # PARAM...
	lines=$(grub_lines)
	normal=$(echo "$lines" | grep -c '^normal ')
	echo "$lines" | sed 's/^/# grub.cfg linux: /'
	[ "$normal" -ge 2 ] || return 1
	echo "$lines" | grep -q '^recovery ' || return 1
	for p in "$@"; do
		echo "$lines" | while read -r kind args; do
			# shellcheck disable=SC2086 # one argument per line
			c=$(printf '%s\n' $args | grep -cx -- "$p")
			if [ "$kind" = normal ]; then [ "$c" = 1 ]; else [ "$c" = 0 ]; fi || exit 1
		done || return 1
	done
}

# The file PATH inside the initrd of kernel VER, on stdout; status 1 when it has none.
initrd_file() { # VER PATH
	rm -rf "$root/tmp/unpacked"
	in_root unmkinitramfs "/boot/initrd.img-$1" /tmp/unpacked || return 2
	f=$(cd "$root/tmp/unpacked" && find . -path "*/$2" | head -n 1)
	[ -n "$f" ] && cat "$root/tmp/unpacked/$f"
}

# The modules an initrd of kernel VER loads at boot (its conf/modules), and ttm.ko in it.
initrd_loads_ttm() { # VER
	in_root lsinitramfs "/boot/initrd.img-$1" | grep -q '/ttm\.ko' &&
		initrd_file "$1" conf/modules | grep -qx ttm
}

# Boots the kernel and initrd of grub.cfg's default (first) entry in QEMU with that
# entry's arguments, from a disk image of the root with guest-check.sh as init; the
# guest's report goes to $work/NAME.guest. Status 0 when the guest reported to the end.
boot() { # NAME [ARG...]: ARGs are appended to the entry's
	b_name=$1
	shift
	b_extra=$*
	b_kernel=$(awk '/^[ \t]*linux[ \t]/ {print $2; exit}' "$root/boot/grub/grub.cfg")
	b_initrd=$(awk '/^[ \t]*initrd[ \t]/ {print $2; exit}' "$root/boot/grub/grub.cfg")
	b_args=$(grub_lines | awk '$1 == "normal" {$1 = ""; sub(/^ +/, ""); print; exit}')
	echo "# default entry: linux $b_kernel $b_args; initrd $b_initrd"
	b_args=$(echo " $b_args" | sed 's/ root=[^ ]*/ root=\/dev\/vda/; s/^ //')
	[ -f "$root$b_kernel" ] && [ -f "$root$b_initrd" ] || return 1
	root_umount
	rm -f "$work/root.img"
	cp "$src/tests/e2e/guest-check.sh" "$root/e2e-check" && chmod 755 "$root/e2e-check" &&
		truncate -s 4G "$work/root.img" && mkfs.ext4 -q -d "$root" "$work/root.img"
	rc=$?
	rm -f "$root/e2e-check"
	root_mount dev dev/pts
	[ $rc = 0 ] || return 1
	b_args="$b_args${b_extra:+ $b_extra} console=ttyS0 panic=-1 init=/e2e-check"
	echo "# qemu: -kernel $b_kernel -initrd $b_initrd -append \"$b_args\""
	timeout "$qemu_timeout" qemu-system-x86_64 -accel tcg -m 1024 -smp 1 -nodefaults \
		-display none -no-reboot -nic none -serial "file:$work/$b_name.serial" \
		-kernel "$root$b_kernel" -initrd "$root$b_initrd" \
		-drive "file=$work/root.img,format=raw,if=virtio,snapshot=on" \
		-append "$b_args" > "$work/$b_name.qemu" 2>&1
	rc=$?
	rm -f "$work/root.img"
	tr -d '\r' < "$work/$b_name.serial" | sed -n 's/^E2E //p' > "$work/$b_name.guest"
	sed 's/^/# guest: /' "$work/$b_name.guest"
	[ $rc = 0 ] || { echo "# qemu exited $rc (124: timed out after $qemu_timeout s)"; tail -n 20 "$work/$b_name.serial" | sed 's/^/# serial: /'; }
	[ $rc = 0 ] && grep -qx 'end' "$work/$b_name.guest"
}

guest() { # NAME KEY: the value the guest reported for KEY
	sed -n "s/^$2: //p" "$work/$1.guest" | head -n 1
}

# The status the guest's `amdgpu-tune status` printed: its "Status:" line's value, or the
# first line when there is none.
guest_status() { # NAME
	s=$(sed -n 's/^status| Status: *//p' "$work/$1.guest")
	[ -n "$s" ] || s=$(sed -n 's/^status| //p' "$work/$1.guest" | head -n 1)
	echo "$s"
}

# A status that could read the guest's own kernel log: no "kernel log not read" note or
# warning (the rdna2 boot also proves it found a finding there).
guest_read_klog() { # NAME
	! grep -q '^status.*kernel log not read' "$work/$1.guest"
}

# The guest's `amdgpu-tune status` exited 0, said "in effect" and read the kernel log.
guest_in_effect() { # NAME
	[ "$(guest "$1" status-exit)" = 0 ] && [ "$(guest_status "$1")" = "in effect" ] &&
		guest_read_klog "$1"
}

run() { # NAME CMD...: a command in the root, its output in $work/NAME.out
	name=$1
	shift
	echo "# $ $*"
	in_root "$@" > "$work/$name.out" 2>&1
	rc=$?
	sed 's/^/#   /' "$work/$name.out" | grep -v 'Reading database \.\.\.' | tail -n 25
	return $rc
}

# ---- 1. the package, installed as a user would ----
step "the package"
deb_or_bail
root_mount proc dev dev/pts
cp "$deb" "$root/tmp/"
run install sh -c "apt-get update -q && apt-get install -y -q --no-install-recommends /tmp/${deb##*/}"
result "apt-get install ./${deb##*/} in a stock Debian 12 root" $?
install -m 755 "$src/tests/e2e/initramfs-ttm-hook" "$root/etc/initramfs-tools/hooks/e2e-ttm"
root_umount
root_mount dev dev/pts
ver61=$(ls "$root/lib/modules" | head -n 1)
echo "# kernel: $ver61"
# debootstrap installs no boot loader: the installer's update-grub writes grub.cfg.
run grub0 update-grub && [ -f "$root/boot/grub/grub.cfg" ] || bail "update-grub in the stock root failed"
grub_stock=$(grub_lines)
echo "$grub_stock" | sed 's/^/# grub.cfg linux, stock: /'

# ---- 2. strix-halo: module options, through the initramfs ----
step "apply strix-halo"
run strix amdgpu-tune apply strix-halo --memory 64GiB
rc=$?
[ $rc = 0 ] && grep -q 'update-initramfs' "$work/strix.out"
result "apply strix-halo --memory 64GiB in the root: exit 0, ran update-initramfs" $?
! grep -q 'without metadata\|not checked' "$work/strix.out"
result "... every setting checked against $ver61's own module metadata (no /proc in the root)" $?
sed 's/^/# /' "$root/$conf"
grep -qx "options ttm pages_limit=$pages" "$root/$conf" && grep -qx "options amdgpu gttsize=$gtt_mib" "$root/$conf"
result "$conf: ttm pages_limit=$pages and, for $ver61, amdgpu gttsize=$gtt_mib (48 GiB of 64)" $?
initrd_file "$ver61" "$conf" > "$work/initrd.conf" && cmp -s "$work/initrd.conf" "$root/$conf" && initrd_loads_ttm "$ver61"
result "the initrd of $ver61 holds that file as written, and ttm, which it loads" $?
[ "$(grub_lines)" = "$grub_stock" ]
result "grub.cfg's linux lines are as before (strix-halo sets nothing on the command line)" $?

step "boot $ver61 with strix-halo"
boot strix
result "QEMU boots $ver61 from grub.cfg's default entry and the check runs to the end" $?
echo " $(guest strix cmdline) " | grep -q ' quiet ' && ! echo " $(guest strix cmdline) " | grep -q 'iommu='
result "guest: /proc/cmdline is the default entry's ($(guest strix cmdline))" $?
[ "$(guest strix ttm-from-initramfs)" = yes ] && [ "$(guest strix ttm.pages_limit)" = "$pages" ]
result "guest: ttm, loaded by the initramfs, has pages_limit=$pages (got $(guest strix ttm.pages_limit))" $?
[ "$(guest strix amdgpu.gttsize)" = "$gtt_mib" ]
result "guest: amdgpu has gttsize=$gtt_mib (got $(guest strix amdgpu.gttsize))" $?
guest_in_effect strix
result "guest: amdgpu-tune status says in effect (got: $(guest_status strix)) and read the kernel log" $?

# ---- 3. rdna2 in turn: a kernel parameter, through GRUB ----
step "apply rdna2"
run rdna2 amdgpu-tune apply rdna2
rc=$?
[ $rc = 0 ] && grep -q 'update-grub' "$work/rdna2.out" && grep -q 'update-initramfs' "$work/rdna2.out"
result "apply rdna2 in turn: exit 0, ran update-grub and update-initramfs" $?
grub_has iommu=pt
result "grub.cfg: every normal entry's linux line carries iommu=pt exactly once, recovery entries none" $?
initrd_file "$ver61" "$conf" > /dev/null
[ $? = 1 ] && [ ! -e "$root/$conf" ]
result "the initrd no longer holds $conf (rdna2 sets no module option), nor does the root" $?

step "boot $ver61 with rdna2"
# One argument more than the entry's, for a finding of the kernel's own in this boot's log:
# ttm, loaded by the initramfs, logs "ttm: unknown parameter 'e2e_no_such_param' ignored".
boot rdna2 ttm.e2e_no_such_param=1
result "QEMU boots $ver61 with rdna2 applied" $?
# shellcheck disable=SC2046 # one argument per line
[ "$(printf '%s\n' $(guest rdna2 cmdline) | grep -cx 'iommu=pt')" = 1 ]
result "guest: /proc/cmdline carries iommu=pt once ($(guest rdna2 cmdline))" $?
[ "$(guest rdna2 ttm.pages_limit)" = 0 ] && [ "$(guest rdna2 amdgpu.gttsize)" = -1 ]
result "guest: ttm.pages_limit and amdgpu.gttsize are the kernel's defaults again (0, -1)" $?
guest_in_effect rdna2
result "guest: amdgpu-tune status says in effect (got: $(guest_status rdna2))" $?
grep -q "^status-err| .*this boot's kernel ignored ttm\.e2e_no_such_param: ttm has no such parameter" "$work/rdna2.guest"
result "guest: status read the guest's kernel log and reports the parameter the kernel ignored" $?

# ---- 4. two rollbacks: back to strix-halo, then to the stock system ----
step "rollback"
run rollback1 amdgpu-tune rollback
rc=$?
initrd_file "$ver61" "$conf" > "$work/initrd.conf"
[ $rc = 0 ] && [ "$(grub_lines)" = "$grub_stock" ] && cmp -s "$work/initrd.conf" "$root/$conf"
result "rollback undoes rdna2: grub.cfg as before, strix-halo's $conf back in the initrd" $?
run rollback2 amdgpu-tune rollback
rc=$?
initrd_file "$ver61" "$conf" > /dev/null
[ $? = 1 ] && [ $rc = 0 ] && [ ! -e "$root/$conf" ] && [ ! -e "$root/var/lib/amdgpu-tune/state" ] &&
	[ "$(grub_lines)" = "$grub_stock" ]
result "a second rollback undoes strix-halo: no $conf in the root or the initrd, no state" $?

step "boot $ver61 after the rollbacks"
boot rolled
result "QEMU boots $ver61 after the rollbacks" $?
! echo " $(guest rolled cmdline) " | grep -q 'iommu=' && [ "$(guest rolled ttm.pages_limit)" = 0 ] &&
	[ "$(guest rolled amdgpu.gttsize)" = -1 ]
result "guest: no iommu= on the command line, ttm and amdgpu with their defaults" $?
grep -q "^status| No profile applied" "$work/rolled.guest" && [ "$(guest rolled status-exit)" = 0 ]
result "guest: amdgpu-tune status says no profile is applied" $?

# ---- 5. a second kernel line: the hook plans the applied profile for it ----
step "strix-halo again, then Debian 12's 6.12 kernel"
run strix2 amdgpu-tune apply strix-halo --memory 64GiB
result "apply strix-halo --memory 64GiB again" $?
pkg612=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9.]+\+deb12-amd64$' | awk '{print $1}' | sort -V | tail -n 1)
[ -n "$pkg612" ] || bail "no linux-image-6.12.*+deb12-amd64 in the host's apt lists (apt-get update)"
ver612=${pkg612#linux-image-}
deb612=$(ls "$cache/${pkg612}_"*.deb 2> /dev/null | tail -n 1)
if [ -z "$deb612" ]; then
	(cd "$cache" && apt-get download -q "$pkg612") > "$work/download.log" 2>&1 || bail "apt-get download $pkg612 failed"
	deb612=$(ls "$cache/${pkg612}_"*.deb | tail -n 1)
fi
cp "$deb612" "$root/tmp/" || bail "copying $deb612 failed"
# dpkg runs its postinst, which runs /etc/kernel/postinst.d: our hook, initramfs-tools,
# zz-update-grub.
run kernel612 dpkg -i "/tmp/${deb612##*/}"
rc=$?
sed -n '\|^/etc/kernel/postinst.d/amdgpu-tune:$|,\|^/etc/kernel/postinst.d/initramfs-tools:$|p' \
	"$work/kernel612.out" | sed 's/^/# hook: /'
hook=$(grep -n '^strix-halo: planned again' "$work/kernel612.out" | head -n 1 | cut -d: -f1)
initramfs=$(grep -n "update-initramfs: Generating /boot/initrd.img-$ver612" "$work/kernel612.out" | head -n 1 | cut -d: -f1)
grub=$(grep -n '^/etc/kernel/postinst.d/zz-update-grub:$' "$work/kernel612.out" | head -n 1 | cut -d: -f1)
[ $rc = 0 ] && [ -n "$hook" ] && [ -n "$initramfs" ] && [ -n "$grub" ] && [ "$hook" -lt "$initramfs" ] && [ "$initramfs" -lt "$grub" ]
result "dpkg -i $pkg612: the kernel hook plans strix-halo again before initramfs-tools and zz-update-grub run" $?
! grep -q 'without metadata\|not checked' "$work/kernel612.out"
result "... checked against both kernels' module metadata" $?
run show61 amdgpu-tune show strix-halo --memory 64GiB --kernel "$ver61" --json
run show612 amdgpu-tune show strix-halo --memory 64GiB --kernel "$ver612" --json
grep -q '"amdgpu.gttsize"' "$work/show61.out" && ! grep -q '"amdgpu.gttsize"' "$work/show612.out" &&
	grep -q "\"ttm.pages_limit\"" "$work/show612.out"
result "planned per kernel: amdgpu.gttsize for $ver61 (before 6.5), only ttm.pages_limit for $ver612" $?
initrd_file "$ver612" "$conf" > "$work/initrd.conf" && cmp -s "$work/initrd.conf" "$root/$conf" && initrd_loads_ttm "$ver612"
result "the initrd of $ver612 holds $conf as written, and loads ttm" $?

step "boot $ver612 with strix-halo"
boot k612
result "QEMU boots $ver612, now grub.cfg's default entry" $?
[ "$(guest k612 kernel)" = "$ver612" ]
result "guest: the running kernel is $ver612 (got $(guest k612 kernel))" $?
[ "$(guest k612 ttm-from-initramfs)" = yes ] && [ "$(guest k612 ttm.pages_limit)" = "$pages" ]
result "guest: ttm, loaded by $ver612's initramfs, has pages_limit=$pages (got $(guest k612 ttm.pages_limit))" $?
# modprobe.d is one file for every kernel: 6.1 still needs gttsize, and 6.12's amdgpu takes
# it too (it warns only when it drives a GPU).
[ "$(guest k612 amdgpu.gttsize)" = "$gtt_mib" ]
result "guest: amdgpu on $ver612 has gttsize=$gtt_mib from the shared modprobe.d file (got $(guest k612 amdgpu.gttsize))" $?
guest_in_effect k612
result "guest: amdgpu-tune status says in effect on $ver612 (got: $(guest_status k612))" $?

step "done"
finish
