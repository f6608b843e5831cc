#!/bin/sh
# The end-to-end proof on systemd-boot, booted through UEFI: a copy of the cached stock
# Debian 13 root (tests/stock/root.sh) gets systemd-boot and kernel-install in place of
# GRUB (bootctl install on an ESP directory bound at /efi) and this tree's Debian package;
# inside it (chroot) amdgpu-tune applies a profile with a kernel parameter (iommu=pt) and
# a module option (ttm.pages_limit, strix-halo's), and the release's update-initramfs,
# through systemd-boot's post-update hook and kernel-install, makes the boot entries
# again. The ESP goes into a FAT file system (mkfs.vfat, mtools) and the root into ext4,
# both in one GPT disk image, which QEMU boots with OVMF (Debian's ovmf package):
# firmware, then systemd-boot's default entry, then the kernel, whose init is
# tests/e2e/guest-check.sh: /proc/cmdline and the module parameters in sysfs must show
# the settings. rollback, and a second boot, must show them gone.
#
# The entries' command line is etc/kernel/cmdline (root=/dev/vda2, the guest's console,
# init=/e2e-check) plus what apply adds: nothing is appended at boot. --memory 64GiB gives
# GTT 75% of 64 GiB = 12582912 pages of 4 KiB (computed here, not read from the tool).
#
# TAP output. Needs root, qemu-system-x86, ovmf, dosfstools, mtools, fdisk (sfdisk),
# e2fsprogs, dpkg-dev, debhelper and the Debian archive. Every qemu run is under `timeout`
# (E2E_QEMU_TIMEOUT, default 420 s). KEEP=1 keeps the work directory.
# Usage: uefi.sh SRCDIR
set -u
src=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
me=e2e-uefi
. "$src/tests/stock/lib.sh"
. "$src/tests/e2e/boot-lib.sh"

for t in qemu-system-x86_64:qemu-system-x86 mkfs.ext4:e2fsprogs mkfs.vfat:dosfstools mcopy:mtools \
	sfdisk:fdisk timeout:coreutils; do
	command -v "${t%%:*}" > /dev/null || bail "${t%%:*} is not installed (apt-get install ${t#*:})"
done
ovmf_code=/usr/share/OVMF/OVMF_CODE_4M.fd ovmf_vars=/usr/share/OVMF/OVMF_VARS_4M.fd
[ -r "$ovmf_code" ] && [ -r "$ovmf_vars" ] || bail "no $ovmf_code (apt-get install ovmf)"
qemu_timeout=${E2E_QEMU_TIMEOUT:-420}
started=$(date +%s)
stock_copy e2e-uefi trixie
echo "# work directory: $work"
pages=$((64 * 1024 * 1024 * 1024 * 3 / 4 / 4096))
esp=$work/esp
relax='SYSTEMD_RELAX_ESP_CHECKS=1'

run() { # NAME CMD...: a command in the root (ESP checks relaxed), its output in $work/NAME.out
	name=$1
	shift
	echo "# $ $*"
	in_root env "$relax" "$@" > "$work/$name.out" 2>&1
	rc=$?
	sed 's/^/#   /' "$work/$name.out" | grep -v 'Reading database \.\.\.' | tail -n 15
	return $rc
}

entries() { cat "$esp"/loader/entries/*.conf 2> /dev/null | sed -n 's/^options *//p'; }

# Mounts the root needs while tools run in it: /proc (kernel-install finds the ESP's mount
# point in it), /dev, and the ESP directory at /efi.
up() { root_mount proc dev dev/pts && root_bind "$esp" /efi; }

# Boots a disk image made afresh of the ESP and the root (boot-lib.sh's boot() keeps one
# disk from boot to boot; here each boot starts from the tree); the guest's "E2E key:
# value" lines go to $work/NAME.guest. 0 when the check ran to its end.
boot() { # NAME
	b=$1
	root_umount
	cp "$src/tests/e2e/guest-check.sh" "$root/e2e-check" && chmod 755 "$root/e2e-check" &&
		uefi_disk "$esp" "$work/disk.img"
	rc=$?
	rm -f "$root/e2e-check"
	cp "$ovmf_vars" "$work/vars.fd"
	up
	[ $rc = 0 ] || return 1
	timeout "$qemu_timeout" qemu-system-x86_64 -accel tcg -m 1024 -smp 1 -nodefaults \
		-display none -no-reboot -nic none -serial "file:$work/$b.serial" \
		-drive "if=pflash,format=raw,readonly=on,file=$ovmf_code" \
		-drive "if=pflash,format=raw,file=$work/vars.fd" \
		-drive "file=$work/disk.img,format=raw,if=virtio,snapshot=on" > "$work/$b.qemu" 2>&1
	rc=$?
	rm -f "$work/disk.img"
	tr -d '\r' < "$work/$b.serial" | sed -n 's/^E2E //p' > "$work/$b.guest"
	sed 's/^/# guest: /' "$work/$b.guest" | grep -v '^# guest: status|'
	[ $rc = 0 ] || { echo "# qemu exited $rc (124: timed out after $qemu_timeout s)"; tr -d '\r' < "$work/$b.serial" | tail -n 20 | sed 's/^/# serial: /'; }
	[ $rc = 0 ] && grep -qx 'end' "$work/$b.guest"
}


step "systemd-boot and kernel-install instead of GRUB"
deb_or_bail
# A file system of its own (kernel-install tells the ESP's mount point by st_dev), mounted
# outside the root so that unbinding it keeps its files.
mkdir -m 700 "$esp"
mount -t tmpfs -o size=512m,mode=0700 tmpfs "$esp" || bail "mounting a tmpfs at $esp failed"
trap 'root_umount; umount "$esp" 2> /dev/null; cleanup' EXIT
up
cp "$deb" "$root/tmp/"
install -m 755 "$src/tests/e2e/initramfs-ttm-hook" "$root/etc/initramfs-tools/hooks/e2e-ttm"
echo 'root=/dev/vda2 rw console=ttyS0 panic=-1 init=/e2e-check' > "$root/etc/kernel/cmdline"
run setup sh -c "apt-get update -q && apt-get install -y -q --no-install-recommends systemd-boot systemd-boot-efi /tmp/${deb##*/} &&
	apt-get purge -y -q grub-pc grub-common grub2-common grub-pc-bin && rm -rf /boot/grub &&
	bootctl install --esp-path=/efi --no-variables && printf 'timeout 0\n' > /efi/loader/loader.conf &&
	update-initramfs -u -k all"
rc=$?
echo "# entries: $(entries | tr '\n' '|')"
[ $rc = 0 ] && [ "$(entries | wc -l)" -ge 1 ] && ! entries | grep -q 'iommu=pt'
result "trixie root: bootctl install, the package, and an entry per kernel made by kernel-install" $?
cat > "$root/etc/amdgpu-tune/profiles/e2e-uefi.conf" << 'EOF'
[profile]
description = e2e: strix-halo's TTM limit and iommu=pt
include = strix-halo

[kernel]
iommu = pt
EOF

step "apply"
run apply amdgpu-tune apply e2e-uefi --memory 64GiB --force
rc=$?
run detect amdgpu-tune detect
[ $rc = 0 ] && grep -q 'update-initramfs' "$work/apply.out" && ! entries | grep -qv 'iommu=pt' &&
	grep -q '^Boot loader: systemd-boot$' "$work/detect.out" && grep -q '^Next boot: .*iommu=pt' "$work/detect.out"
result "apply: exit 0, update-initramfs ran, every entry has iommu=pt, detect reads it from the default entry" $?

step "boot with the profile"
boot applied
result "OVMF boots systemd-boot's default entry and the check runs to the end" $?
[ "$(printf '%s\n' $(guest applied cmdline) | grep -cx 'iommu=pt')" = 1 ]
result "guest: /proc/cmdline has iommu=pt once ($(guest applied cmdline))" $?
[ "$(guest applied ttm-from-initramfs)" = yes ] && [ "$(guest applied ttm.pages_limit)" = "$pages" ]
result "guest: ttm, loaded by the initramfs, has pages_limit=$pages (got $(guest applied ttm.pages_limit))" $?
st=$(sed -n 's/^status| Status: *//p' "$work/applied.guest")
grep '^status' "$work/applied.guest" | sed 's/^/# guest: /' | head -n 12
[ "$(guest applied esp)" = mounted ] && [ "$(guest applied status-exit)" = 0 ] && [ "$st" = "in effect" ]
result "guest: with the ESP mounted, amdgpu-tune status reads the entry it booted and says in effect (got: $st)" $?

step "rollback"
run rollback amdgpu-tune rollback
rc=$?
[ $rc = 0 ] && ! entries | grep -q 'iommu=pt' && [ ! -e "$root/etc/modprobe.d/90-amdgpu-tune.conf" ]
result "rollback: exit 0, no entry has iommu=pt, the modprobe.d file is gone" $?
boot rolledback
result "OVMF boots again after the rollback" $?
! printf '%s\n' $(guest rolledback cmdline) | grep -qx 'iommu=pt' && [ "$(guest rolledback ttm.pages_limit)" = 0 ]
result "guest: no iommu=pt on /proc/cmdline, ttm.pages_limit the default 0 (got $(guest rolledback ttm.pages_limit))" $?

step "done"
finish
