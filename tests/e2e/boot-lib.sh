# Sourced by tests/e2e/trial.sh and trial-sdboot.sh (after tests/stock/lib.sh): booting a
# persistent disk image in QEMU whose init is tests/e2e/guest-check.sh, and reading what
# the guest reported. The caller sets disk (the image), qemu_timeout, started and
# qemu_extra (more QEMU arguments, e.g. the firmware), and defines part_up and part_down,
# which mount the root's partition at $mnt and unmount it.

step() { echo "# ---- $* ($(($(date +%s) - started)) s)"; }

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
