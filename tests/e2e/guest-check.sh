#!/bin/sh
# Runs as init (init=/e2e-check) in the QEMU guest that tests/e2e/e2e.sh (uefi.sh,
# trial.sh) boots from a disk image of the Debian root: reports what the booted kernel
# has, as "E2E key: value" lines on the console, which the host reads from the serial
# log, then powers off.
# The initramfs has mounted /dev and /run and moved them here; / is read-only.
[ -e /proc/cmdline ] || mount -t proc proc /proc
[ -d /sys/module ] || mount -t sysfs sys /sys
mount -o remount,rw / 2> /dev/null
echo "E2E begin"
echo "E2E kernel: $(uname -r)"
printf 'E2E cmdline: %s\n' "$(cat /proc/cmdline)"
# A UEFI disk (tests/e2e/uefi.sh, trial-sdboot.sh): its ESP is the first partition;
# mounted where the root had it, so that status reads systemd-boot's entries and apply
# --trial and kernel-install write them, with the umask Debian's installer gives it in
# fstab (files 0700: a mode the tool must not try to set). systemd-boot's EFI
# variables say which entry it started and what it was asked to start next.
if [ -d /efi ] && [ -b /dev/vda1 ]; then
	modprobe vfat 2> /dev/null
	mount -o umask=0077 /dev/vda1 /efi && echo "E2E esp: mounted"
fi
if [ -d /sys/firmware/efi/efivars ]; then
	mount -t efivarfs efivarfs /sys/firmware/efi/efivars 2> /dev/null
	for v in LoaderEntrySelected LoaderEntryOneShot; do
		f=/sys/firmware/efi/efivars/$v-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f
		[ -e "$f" ] && echo "E2E $v: $(cat "$f" | tail -c +5 | tr -d '\000')"
	done
fi
# Loaded before this script: by the initramfs, whose modprobe.d gave its options.
if [ -d /sys/module/ttm ]; then echo "E2E ttm-from-initramfs: yes"; else echo "E2E ttm-from-initramfs: no"; fi
modprobe ttm
echo "E2E ttm.pages_limit: $(cat /sys/module/ttm/parameters/pages_limit 2>&1)"
# No GPU to bind, but the module loads and its parameters show what it was given.
modprobe amdgpu
echo "E2E modprobe-amdgpu: $?"
echo "E2E amdgpu.gttsize: $(cat /sys/module/amdgpu/parameters/gttsize 2>&1)"
amdgpu-tune status > /tmp/status.out 2> /tmp/status.err
echo "E2E status-exit: $?"
sed 's/^/E2E status| /' /tmp/status.out
sed 's/^/E2E status-err| /' /tmp/status.err
# tests/e2e/trial.sh: a script for this boot to run after the report, once (removed
# first, so that a boot it breaks does not run it again).
if [ -s /e2e-do ]; then
	cp /e2e-do /tmp/e2e-do
	rm -f /e2e-do
	sync
	sh /tmp/e2e-do > /tmp/do.out 2>&1
	echo "E2E do-exit: $?"
	sed 's/^/E2E do| /' /tmp/do.out
fi
echo "E2E end"
umount /efi 2> /dev/null
sync
echo o > /proc/sysrq-trigger
while :; do sleep 1; done 2> /dev/null
