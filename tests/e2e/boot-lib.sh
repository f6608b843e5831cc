# Sourced by tests/e2e/trial.sh, trial-sdboot.sh and uefi.sh (after tests/stock/lib.sh):
# making and booting a disk image in QEMU whose init is tests/e2e/guest-check.sh, and
# reading what the guest reported. The caller sets disk (the image), qemu_timeout, started and
# qemu_extra (more QEMU arguments, e.g. the firmware), and defines part_up and part_down,
# which mount the root's partition at $mnt and unmount it, and not_trial NAME, which is
# true when boot NAME did not start the trial's entry (as far as the boot loader tells).

step() { echo "# ---- $* ($(($(date +%s) - started)) s)"; }

# The profile a trial script tries, in the root: strix-halo's TTM limit and iommu=pt.
trial_profile() {
	cat > "$root/etc/amdgpu-tune/profiles/e2e-trial.conf" << 'EOF'
[profile]
description = e2e: strix-halo's TTM limit and iommu=pt, tried for one boot
include = strix-halo

[kernel]
iommu = pt
EOF
}

# A GPT disk image OUT for a UEFI boot: the directory ESP as its FAT ESP (256 MiB, from
# 1 MiB), the root as its ext4 root (4 GiB, from 257 MiB, /dev/vda2). 0 or not.
uefi_disk() { # ESP OUT
	rm -f "$work/esp.img" "$work/root.img" "$2"
	mkfs.vfat -C -F 32 "$work/esp.img" $((256 * 1024)) > /dev/null &&
		mcopy -s -i "$work/esp.img" "$1"/* ::/ &&
		truncate -s 4G "$work/root.img" && mkfs.ext4 -q -d "$root" "$work/root.img" &&
		truncate -s $((1 + 256 + 4096 + 1))M "$2" &&
		printf 'label: gpt\nstart=1MiB, size=256MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\nstart=257MiB, size=4GiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n' |
		sfdisk -q "$2" &&
		dd if="$work/esp.img" of="$2" bs=1M seek=1 conv=notrunc status=none &&
		dd if="$work/root.img" of="$2" bs=1M seek=257 conv=notrunc status=none
	set -- $?
	rm -f "$work/esp.img" "$work/root.img"
	return "$1"
}

# Boots the disk; the guest's "E2E key: value" lines go to $work/NAME.guest. With
# reboot, a reboot starts the machine again (a panicking entry's panic=5) instead of
# ending qemu. 0 when the check ran to its end.
boot() { # NAME [reboot|SECONDS]: SECONDS is the boot's own timeout
	b=$1
	nr=-no-reboot
	secs=$qemu_timeout
	case ${2:-} in reboot) nr= ;; [0-9]*) secs=$2 ;; esac
	# shellcheck disable=SC2086 # $nr and $qemu_extra are words or none
	timeout "$secs" qemu-system-x86_64 -accel tcg -m 1024 -smp 1 -nodefaults \
		-display none $nr -nic none -serial "file:$work/$b.serial" $qemu_extra \
		-drive "file=$disk,format=raw,if=virtio" > "$work/$b.qemu" 2>&1
	rc=$?
	tr -d '\r' < "$work/$b.serial" | sed -n 's/^E2E //p' > "$work/$b.guest"
	sed 's/^/# guest: /' "$work/$b.guest"
	[ $rc = 0 ] || { echo "# qemu exited $rc (124: timed out after $secs s)"; tr -d '\r' < "$work/$b.serial" | tail -n 20 | sed 's/^/# serial: /'; }
	[ $rc = 0 ] && grep -qx 'end' "$work/$b.guest"
}

guest() { sed -n "s/^$2: //p" "$work/$1.guest" | head -n 1; }

# The script (sh) the next boot runs after its report.
will_do() { # SCRIPT
	part_up || return 1
	echo "$1" > "$mnt/e2e-do"
	part_down
}

# Whether the guest's /proc/cmdline has ARG as a word.
cmdline_has() { # NAME ARG
	# shellcheck disable=SC2046 # one argument per line
	printf '%s\n' $(guest "$1" cmdline) | grep -qx -- "$2"
}

# The value of ttm.pages_limit= on the guest's /proc/cmdline.
cmdline_pages() { # NAME
	# shellcheck disable=SC2046 # one argument per line
	printf '%s\n' $(guest "$1" cmdline) | sed -n 's/^ttm\.pages_limit=//p' | tail -n 1
}

# Boot 3 of a trial script, the same on every boot loader: the trial's entry, broken by
# the caller, panics (panic=5 reboots) and the machine, left to itself, starts the
# default entry; status says the trial was not confirmed.
fallen_back() { # NAME
	boot "$1" reboot
	result "the machine, left to itself, comes up and the check runs to the end" $?
	tr -d '\r' < "$work/$1.serial" | grep -q 'Kernel panic' && ! cmdline_has "$1" iommu=pt &&
		cmdline_has "$1" amd_iommu=off && not_trial "$1"
	result "the serial log shows the trial's panic, then the default entry booted (amd_iommu=off, no iommu=pt)" $?
	grep -q '^status|   Not confirmed' "$work/$1.guest"
	result "guest: status says the trial was not confirmed" $?
}

# Boots 4 to 6 of a trial script: apply --trial once more, CONFIRM (the command line) in
# the trial's boot, then two boots of the default entry with the trial's settings and no
# trial left. pages: ttm.pages_limit of the trial's boot.
confirmed() { # CONFIRM
	step "boot 4: a trial, confirmed in it"
	will_do 'amdgpu-tune apply --trial e2e-trial'
	boot b3b
	[ "$(guest b3b do-exit)" = 0 ]
	result "apply --trial once more in the guest (a whole entry again)" $?
	will_do "$1"
	boot b4 $((qemu_timeout * 2))
	result "the trial boot runs to the end" $?
	pages=$(cmdline_pages b4)
	cmdline_has b4 iommu=pt && [ -n "$pages" ] && [ "$(guest b4 ttm.pages_limit)" = "$pages" ] &&
		[ "$(guest b4 do-exit)" = 0 ] && grep -q '^do| Confirmed the trial: applied e2e-trial' "$work/b4.guest"
	result "guest: the trial's settings, and confirm exits 0 there" $?
	for b in b5 b6; do
		step "boot ${b#b}: the confirmed settings"
		boot "$b"
		result "boot ${b#b} runs to the end" $?
		cmdline_has "$b" iommu=pt && ! cmdline_has "$b" amd_iommu=off && ! guest "$b" cmdline | grep -q 'amdgpu_tune\.trial=' &&
			[ "$(guest "$b" ttm.pages_limit)" = "$pages" ] && not_trial "$b"
		result "guest: the default entry has iommu=pt, no amd_iommu=off or trial marker, and ttm.pages_limit is $pages from modprobe.d (got $(guest "$b" ttm.pages_limit))" $?
		[ "$(guest "$b" status-exit)" = 0 ] && grep -q '^status| Status: *in effect' "$work/$b.guest" &&
			! grep -q '^status| Trial:' "$work/$b.guest"
		result "guest: status says e2e-trial is in effect, and there is no trial" $?
	done
}
