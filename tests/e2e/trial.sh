#!/bin/sh
# The end-to-end proof of a trial boot (apply --trial, confirm) on a stock Debian 12 root
# booted by its own GRUB: a copy of the cached stock root (tests/stock/root.sh) gets this
# tree's Debian package, then goes into an ext4 partition of a disk image on which the
# root's grub-install puts GRUB for BIOS (i386-pc). QEMU boots the disk itself, so GRUB
# reads grub.cfg and grubenv from it and writes grubenv back, as on a real machine.
# Every command runs in the guest, as a user runs them (tests/e2e/guest-check.sh runs
# the one /e2e-do names after its report): the guest's own RAM, update-grub and
# update-initramfs. The boots:
#   0  the default entry; apply strix-halo-no-iommu (amd_iommu=off), then apply --trial
#      of a profile with ttm.pages_limit and iommu=pt
#   1  the trial's entry: its settings on /proc/cmdline and in sysfs, not the applied
#      amd_iommu=off; status says so
#   2  the default again without confirm: amd_iommu=off, not the trial's arguments;
#      status says not confirmed;
#      apply --trial again, then (from the host) the trial entry loses its initrd line
#   3  that entry panics (panic=5 reboots) and GRUB starts the default by itself;
#      apply --trial again (a whole entry)
#   4  the trial; confirm
#   5, 6  the default entry with the trial's settings (and no amd_iommu=off), status
#      says in effect, no trial entry
#
# grub.cfg's entries say root=/dev/vda1 (GRUB_DEVICE in a drop-in: the chroot's
# grub-probe sees the host's disk), console=ttyS0, panic=5 and init=/e2e-check.
# TAP output. Needs root, qemu-system-x86, e2fsprogs, fdisk (sfdisk), util-linux
# (losetup), dpkg-dev, debhelper and the Debian archive. Every qemu run is under
# `timeout` (E2E_QEMU_TIMEOUT, default 420 s; twice that for the boot that confirms,
# which runs update-initramfs). KEEP=1 keeps the work directory.
# Usage: trial.sh SRCDIR
set -u
src=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
me=e2e-trial
. "$src/tests/stock/lib.sh"
. "$src/tests/e2e/boot-lib.sh"

for t in qemu-system-x86_64:qemu-system-x86 mkfs.ext4:e2fsprogs sfdisk:fdisk losetup:mount \
	timeout:coreutils; do
	command -v "${t%%:*}" > /dev/null || bail "${t%%:*} is not installed (apt-get install ${t#*:})"
done
qemu_timeout=${E2E_QEMU_TIMEOUT:-420}
started=$(date +%s)
stock_copy e2e-trial
echo "# work directory: $work"
disk=$work/disk.img
mnt=$work/mnt
lp=
qemu_extra=
trap 'part_down; cleanup' EXIT
# GRUB tells nothing of which entry it started: the marker's absence says it.
not_trial() { true; }

# The disk's partition (from sector 2048) mounted at $mnt, and unmounted again.
part_up() {
	lp=$(losetup -f --show -o $((2048 * 512)) "$disk") && mkdir -p "$mnt" && mount "$lp" "$mnt"
}
part_down() {
	[ -n "$lp" ] || return 0
	umount_below "$mnt"
	umount "$mnt" 2> /dev/null
	losetup -d "$lp" 2> /dev/null
	lp=
}

# grub.cfg's 10_linux part, on the disk.
linux_part() { sed -n '/^### BEGIN \/etc\/grub.d\/10_linux ###$/,/^### END/p' "$1/boot/grub/grub.cfg"; }

step "the root: the package, GRUB for the disk"
deb_or_bail
root_mount proc dev dev/pts
cp "$deb" "$root/tmp/"
in_root sh -c "apt-get update -q && apt-get install -y -q --no-install-recommends /tmp/${deb##*/}" > "$work/install.out" 2>&1
result "apt-get install ./${deb##*/} in a stock Debian 12 root" $?
cat > "$root/etc/default/grub.d/00-e2e.cfg" << 'EOF'
GRUB_DEVICE=/dev/vda1
GRUB_TIMEOUT=1
GRUB_TERMINAL=serial
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
GRUB_CMDLINE_LINUX="console=ttyS0 panic=5 init=/e2e-check"
EOF
trial_profile
install -m 755 "$src/tests/e2e/guest-check.sh" "$root/e2e-check"
# The guest's confirm runs update-initramfs under TCG: only the modules this machine
# needs (initramfs.conf's MODULES=dep) keeps it to a minute or two.
sed -i 's/^MODULES=.*/MODULES=dep/' "$root/etc/initramfs-tools/initramfs.conf"
in_root update-grub > "$work/grub0.out" 2>&1 || bail "update-grub in the stock root failed"
root_umount
truncate -s 3G "$disk" && printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk -q "$disk" ||
	bail "making the disk image failed"
lp=$(losetup -f --show -o $((2048 * 512)) "$disk") && mkfs.ext4 -q -d "$root" "$lp" || bail "mkfs.ext4 -d of the root failed"
losetup -d "$lp"
lp=
part_up || bail "mounting the disk's partition failed"
ld=$(losetup -f --show "$disk") || bail "losetup of the disk failed"
mount --bind /dev "$mnt/dev" && mount -t proc proc "$mnt/proc" && mount -t sysfs sys "$mnt/sys" || bail "mounting in the partition failed"
chroot "$mnt" grub-install --target=i386-pc --modules="part_msdos ext2" "$ld" > "$work/grub-install.out" 2>&1
rc=$?
losetup -d "$ld"
sed 's/^/# /' "$work/grub-install.out"
part_down
[ $rc = 0 ]
result "grub-install --target=i386-pc puts the root's GRUB on the disk" $rc

step "boot 0: the default entry; apply --trial"
# strix-halo-no-iommu applied first (amd_iommu=off, which the trial's entry must leave
# out); grub.cfg as the guest's update-grub made it then, kept to compare.
will_do 'amdgpu-tune apply strix-halo-no-iommu && cp /boot/grub/grub.cfg /grub.cfg.before && amdgpu-tune apply --trial e2e-trial'
boot b0 $((qemu_timeout * 2))
result "QEMU boots the disk through GRUB and the check runs to the end" $?
[ "$(guest b0 do-exit)" = 0 ] && grep -q "^do| Applied strix-halo-no-iommu" "$work/b0.guest" &&
	grep -q "^do| Trial of e2e-trial set up" "$work/b0.guest" &&
	grep -q "^do|   ran      grub-reboot amdgpu-tune-trial" "$work/b0.guest"
result "in the guest, apply strix-halo-no-iommu, then apply --trial e2e-trial: exit 0, update-grub and grub-reboot ran" $?
part_up
sed -n '/^### BEGIN \/etc\/grub.d\/10_linux ###$/,/^### END/p' "$mnt/grub.cfg.before" > "$work/linux0"
linux_part "$mnt" > "$work/linux1"
[ -s "$work/linux0" ] && cmp -s "$work/linux0" "$work/linux1" && grep -qx 'next_entry=amdgpu-tune-trial' "$mnt/boot/grub/grubenv" &&
	grep -q 'from profile strix-halo-no-iommu\.$' "$mnt/etc/modprobe.d/90-amdgpu-tune.conf" &&
	grep -q 'from profile strix-halo-no-iommu\.$' "$mnt/etc/default/grub.d/90-amdgpu-tune.cfg" &&
	grep -q '^menuentry "amdgpu-tune trial: e2e-trial" --id amdgpu-tune-trial {$' "$mnt/boot/grub/grub.cfg"
result "the default entries and strix-halo-no-iommu's drop-ins are as they were; grub.cfg has the trial entry, grubenv next_entry=amdgpu-tune-trial" $?
part_down

step "boot 1: the trial"
boot b1
result "the next boot runs to the end" $?
pages=$(cmdline_pages b1)
cmdline_has b1 iommu=pt && ! cmdline_has b1 amd_iommu=off && guest b1 cmdline | grep -q 'amdgpu_tune\.trial=[0-9]' &&
	[ -n "$pages" ] && [ "$pages" != 0 ] && [ "$(guest b1 ttm.pages_limit)" = "$pages" ]
result "guest: /proc/cmdline has iommu=pt, not the applied amd_iommu=off, the trial's marker and ttm.pages_limit=$pages, which sysfs shows (got $(guest b1 ttm.pages_limit))" $?
grep -q '^status|   This boot is the trial' "$work/b1.guest" && grep -q "^status|     ttm.pages_limit=$pages: in effect" "$work/b1.guest"
result "guest: status says this boot is the trial and ttm.pages_limit is in effect" $?

step "boot 2: no confirm, the default again"
boot b2
result "the boot after the trial runs to the end" $?
! cmdline_has b2 iommu=pt && cmdline_has b2 amd_iommu=off && [ -z "$(cmdline_pages b2)" ] &&
	! guest b2 cmdline | grep -q 'amdgpu_tune\.trial='
result "guest: the default entry again: strix-halo-no-iommu's amd_iommu=off, no iommu=pt, no ttm.pages_limit or marker on the command line" $?
grep -q '^status|   Not confirmed' "$work/b2.guest"
result "guest: status says the trial was not confirmed" $?

step "boot 3: a trial whose boot fails falls back by itself"
will_do 'amdgpu-tune apply --trial e2e-trial'
boot b2b
[ "$(guest b2b do-exit)" = 0 ]
result "apply --trial again in the guest" $?
part_up
# The trial's entry without its initrd: the kernel finds no root file system (virtio and
# ext4 are modules) and panics.
awk '/--id amdgpu-tune-trial \{$/ {t = 1} t && /^[ \t]*initrd[ \t]/ {next} /^}/ {t = 0} {print}' \
	"$mnt/boot/grub/grub.cfg" > "$work/grub.cfg" && cp "$work/grub.cfg" "$mnt/boot/grub/grub.cfg"
grep -qx 'next_entry=amdgpu-tune-trial' "$mnt/boot/grub/grubenv"
rc=$?
part_down
result "the trial's entry lost its initrd line, and it is selected for the next boot" $rc
fallen_back b3
confirmed 'amdgpu-tune confirm'
part_up
! grep -q 'amdgpu-tune-trial' "$mnt/boot/grub/grub.cfg" && [ ! -e "$mnt/etc/grub.d/42_amdgpu-tune-trial" ] &&
	[ ! -e "$mnt/var/lib/amdgpu-tune/trial" ] && grep -q "^options ttm pages_limit=$pages$" "$mnt/etc/modprobe.d/90-amdgpu-tune.conf"
result "on the disk: no trial entry, script or record; modprobe.d has pages_limit=$pages" $?
part_down

step "done"
finish
