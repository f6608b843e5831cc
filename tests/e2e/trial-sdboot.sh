#!/bin/sh
# The end-to-end proof of a trial boot (apply --trial, confirm) on systemd-boot, booted
# through UEFI: a copy of the cached stock Debian 13 root (tests/stock/root.sh) gets
# systemd-boot, kernel-install and this tree's Debian package as in tests/e2e/uefi.sh,
# and strix-halo-no-iommu applied (amd_iommu=off) in the chroot; then the ESP goes into a
# FAT partition and the root into an ext4 one of a GPT disk image, which QEMU boots with
# OVMF and a variable store of its own, both kept from boot to boot: systemd-boot reads
# and removes LoaderEntryOneShot as on a real machine. Every later command runs in the
# guest (tests/e2e/guest-check.sh runs the one /e2e-do names after its report), with the
# ESP mounted at /efi as Debian's installer mounts it (umask=0077). The boots:
#   0  the default entry; apply --trial of a profile with ttm.pages_limit and iommu=pt:
#      its entry beside the default one on the ESP, bootctl set-oneshot
#   1  the trial's entry (LoaderEntrySelected): its settings on /proc/cmdline and in
#      sysfs, not the applied amd_iommu=off; status says so
#   2  the default again without confirm; status says not confirmed;
#      apply --trial again, then (from the host, mtools) the entry loses its initrd line
#   3  that entry panics (panic=5 reboots) and systemd-boot starts the default by itself;
#      apply --trial again (a whole entry)
#   4  the trial; confirm (update-initramfs, whose kernel-install makes the default
#      entry again)
#   5, 6  the default entry with the trial's settings, status says in effect, no trial
#
# The guest has no udev: kernel-install and bootctl, which look for the ESP's partition
# type through it, get SYSTEMD_RELAX_ESP_CHECKS=1 in the guest's confirm (amdgpu-tune
# passes it on to them), as in the chroot.
# TAP output. Needs root, qemu-system-x86, ovmf, dosfstools, mtools, fdisk (sfdisk),
# e2fsprogs, util-linux (losetup), dpkg-dev, debhelper and the Debian archive. Every qemu
# run is under `timeout` (E2E_QEMU_TIMEOUT, default 420 s; twice that for the boot that
# confirms). KEEP=1 keeps the work directory.
# Usage: trial-sdboot.sh SRCDIR
set -u
src=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
me=e2e-trial-sdboot
. "$src/tests/stock/lib.sh"
. "$src/tests/e2e/boot-lib.sh"

for t in qemu-system-x86_64:qemu-system-x86 mkfs.ext4:e2fsprogs mkfs.vfat:dosfstools mcopy:mtools \
	sfdisk:fdisk losetup:mount timeout:coreutils; do
	command -v "${t%%:*}" > /dev/null || bail "${t%%:*} is not installed (apt-get install ${t#*:})"
done
ovmf_code=/usr/share/OVMF/OVMF_CODE_4M.fd ovmf_vars=/usr/share/OVMF/OVMF_VARS_4M.fd
[ -r "$ovmf_code" ] && [ -r "$ovmf_vars" ] || bail "no $ovmf_code (apt-get install ovmf)"
qemu_timeout=${E2E_QEMU_TIMEOUT:-420}
started=$(date +%s)
stock_copy e2e-trial-sdboot trixie
echo "# work directory: $work"
disk=$work/disk.img
mnt=$work/mnt
esp=$work/esp
lp=
qemu_extra="-drive if=pflash,format=raw,readonly=on,file=$ovmf_code -drive if=pflash,format=raw,file=$work/vars.fd"
relax='SYSTEMD_RELAX_ESP_CHECKS=1'
trial_conf=loader/entries/amdgpu-tune-trial.conf
trap 'part_down; root_umount; umount "$esp" 2> /dev/null; cleanup' EXIT

# The root's partition (from 257 MiB) mounted at $mnt, and unmounted again.
part_up() {
	lp=$(losetup -f --show -o $((257 * 1024 * 1024)) "$disk") && mkdir -p "$mnt" && mount "$lp" "$mnt"
}
part_down() {
	[ -n "$lp" ] || return 0
	umount "$mnt" 2> /dev/null
	losetup -d "$lp" 2> /dev/null
	lp=
}
# systemd-boot says which entry it started (LoaderEntrySelected).
not_trial() { [ "$(guest "$1" LoaderEntrySelected)" != amdgpu-tune-trial.conf ]; }
# mtools on the ESP partition of the disk (from 1 MiB).
on_esp() { "$@" -i "$disk@@1M"; }

step "the root: systemd-boot, the package, strix-halo-no-iommu"
deb_or_bail
# A file system of its own (kernel-install tells the ESP's mount point by st_dev).
mkdir -m 700 "$esp"
mount -t tmpfs -o size=512m,mode=0700 tmpfs "$esp" || bail "mounting a tmpfs at $esp failed"
root_mount proc dev dev/pts && root_bind "$esp" /efi || bail "mounting in the root failed"
cp "$deb" "$root/tmp/"
install -m 755 "$src/tests/e2e/guest-check.sh" "$root/e2e-check"
echo 'root=/dev/vda2 rw console=ttyS0 panic=5 init=/e2e-check' > "$root/etc/kernel/cmdline"
in_root env "$relax" sh -c "apt-get update -q && apt-get install -y -q --no-install-recommends systemd-boot systemd-boot-efi /tmp/${deb##*/} &&
	apt-get purge -y -q grub-pc grub-common grub2-common grub-pc-bin && rm -rf /boot/grub &&
	bootctl install --esp-path=/efi --no-variables && printf 'timeout 1\n' > /efi/loader/loader.conf &&
	amdgpu-tune apply strix-halo-no-iommu --memory 64GiB --force" > "$work/setup.out" 2>&1
rc=$?
tail -n 15 "$work/setup.out" | sed 's/^/# /'
[ $rc = 0 ] && grep -q 'amd_iommu=off' "$esp"/loader/entries/*.conf
result "trixie root: systemd-boot, the package, and strix-halo-no-iommu applied (the entries have amd_iommu=off)" $?
trial_profile
# The guest's confirm runs update-initramfs under TCG: only the modules that machine
# needs (MODULES=dep, set after the chroot's runs, which would take this host's) keeps
# it to a minute or two.
sed -i 's/^MODULES=.*/MODULES=dep/' "$root/etc/initramfs-tools/initramfs.conf"
root_umount
uefi_disk "$esp" "$disk" && cp "$ovmf_vars" "$work/vars.fd" || bail "making the disk image failed"

step "boot 0: the default entry; apply --trial"
will_do "amdgpu-tune apply --trial e2e-trial; rc=\$?; echo oneshot=\$(cat /sys/firmware/efi/efivars/LoaderEntryOneShot-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f | tail -c +5 | tr -d '\\000'); exit \$rc"
boot b0
result "OVMF boots systemd-boot's default entry and the check runs to the end" $?
[ "$(guest b0 do-exit)" = 0 ] && grep -q "^do| Trial of e2e-trial set up" "$work/b0.guest" &&
	grep -q "^do|   ran      bootctl set-oneshot amdgpu-tune-trial.conf" "$work/b0.guest" &&
	grep -qx "do| oneshot=amdgpu-tune-trial.conf" "$work/b0.guest" && cmdline_has b0 amd_iommu=off
result "in the guest, apply --trial e2e-trial: exit 0, bootctl set-oneshot ran and LoaderEntryOneShot names the entry" $?
on_esp mtype "::/$trial_conf" > "$work/trial.conf" 2> /dev/null
sed 's/^/# /' "$work/trial.conf"
grep -q '^options .* iommu=pt .*amdgpu_tune\.trial=[0-9]*' "$work/trial.conf" && ! grep -q 'amd_iommu=off' "$work/trial.conf" &&
	grep -q '^linux ' "$work/trial.conf" && grep -q '^initrd ' "$work/trial.conf" && ! grep -q '^sort-key' "$work/trial.conf"
result "the ESP has the trial's entry: the default's kernel and initrd, iommu=pt and the marker, not amd_iommu=off, no sort-key" $?

step "boot 1: the trial"
boot b1
result "the next boot runs to the end" $?
pages=$(cmdline_pages b1)
[ "$(guest b1 LoaderEntrySelected)" = amdgpu-tune-trial.conf ] && [ -z "$(guest b1 LoaderEntryOneShot)" ] &&
	cmdline_has b1 iommu=pt && ! cmdline_has b1 amd_iommu=off && guest b1 cmdline | grep -q 'amdgpu_tune\.trial=[0-9]' &&
	[ -n "$pages" ] && [ "$pages" != 0 ] && [ "$(guest b1 ttm.pages_limit)" = "$pages" ]
result "guest: systemd-boot started the trial's entry and took the one-shot variable away; /proc/cmdline has iommu=pt, not amd_iommu=off, the marker and ttm.pages_limit=$pages, which sysfs shows" $?
grep -q '^status|   This boot is the trial' "$work/b1.guest" && grep -q "^status|     ttm.pages_limit=$pages: in effect" "$work/b1.guest"
result "guest: status says this boot is the trial and ttm.pages_limit is in effect" $?

step "boot 2: no confirm, the default again"
boot b2
result "the boot after the trial runs to the end" $?
[ "$(guest b2 LoaderEntrySelected)" != amdgpu-tune-trial.conf ] && ! cmdline_has b2 iommu=pt &&
	cmdline_has b2 amd_iommu=off && ! guest b2 cmdline | grep -q 'amdgpu_tune\.trial='
result "guest: the default entry again (amd_iommu=off, no iommu=pt or marker)" $?
grep -q '^status|   Not confirmed' "$work/b2.guest"
result "guest: status says the trial was not confirmed" $?

step "boot 3: a trial whose boot fails falls back by itself"
will_do 'amdgpu-tune apply --trial e2e-trial'
boot b2b
[ "$(guest b2b do-exit)" = 0 ]
result "apply --trial again in the guest" $?
# The trial's entry without its initrd: the kernel finds no root file system (virtio is
# a module) and panics.
on_esp mtype "::/$trial_conf" | tr -d '\r' | grep -v '^initrd' > "$work/trial.conf" &&
	on_esp mcopy -o "$work/trial.conf" "::/$trial_conf" && ! on_esp mtype "::/$trial_conf" | grep -q '^initrd'
result "the trial's entry lost its initrd line" $?
fallen_back b3
confirmed "env $relax amdgpu-tune confirm"
! on_esp mtype "::/$trial_conf" > /dev/null 2>&1 && part_up && [ ! -e "$mnt/var/lib/amdgpu-tune/trial" ] &&
	grep -q "^options ttm pages_limit=$pages$" "$mnt/etc/modprobe.d/90-amdgpu-tune.conf"
result "on the disk: no trial entry on the ESP, no record; modprobe.d has pages_limit=$pages" $?
part_down

step "done"
finish
