#!/bin/sh
# The README and the kernel hooks on the Debian releases after 12: a copy of the cached
# stock root of Debian 13 (trixie: initramfs-tools) and of sid (dracut), each built by
# tests/stock/root.sh (debootstrap, linux-image-amd64, grub-pc and the release's initramfs
# tool, nothing edited), gets this source tree, and inside it (chroot):
#   - README command 1 (the first ```sh block of README.md, read now) must exit 0 and its
#     `detect` name the boot loader debian-grub; on trixie README command 2 (the second
#     block) must exit 0 too, with the host's test cache bound at the same path so that
#     the downloads are shared;
#   - then, in the same root, with the amdgpu-tune that command 1 installed and the
#     release's own update-grub and initramfs tool: apply strix-halo --memory 64GiB, a
#     second kernel of that release installed with apt-get (its kernel hook runs
#     `amdgpu-tune reapply`), rollback, apply again and remove; then this tree's Debian
#     package (built on this machine, as check-deb.sh does) installed over it, apply, and
#     `apt-get remove amdgpu-tune`, whose prerm runs `amdgpu-tune remove` inside a dpkg
#     maintainer script. After each step the modprobe.d file is read back out of every
#     initrd in boot/ (unmkinitramfs, or lsinitrd for dracut, run in the root) and
#     compared with the live file byte for byte, or must be absent from all of them;
#   - on sid, the root laid out as a bootc image: apply and remove, and the image's
#     initramfs read back (below).
#
# 64 GiB is an assumption given with --memory, not read from this machine: GTT 75% of 64
# GiB = 48 GiB = 12582912 pages of 4 KiB (computed here, not read from the tool). The
# trixie root has no /proc while amdgpu-tune runs (as on a machine being set up, and as
# in tests/e2e/e2e.sh). dracut cannot run without /proc (it decides from /proc/mounts
# whether to build for this host, and a generic image leaves /etc/modprobe.d out), so
# the sid root has /proc, with a proc/meminfo of a 64 GiB machine bound over the host's.
# No AMD GPU is needed: no sysfs is mounted while amdgpu-tune runs.
#
# Downloaded packages are kept per release in the test cache (releases-apt-RELEASE, bound
# at the root's var/cache/apt/archives), so reruns fetch only what changed. Every command
# in a root runs under `timeout`; every mount is undone before the work directory goes.
# TAP output; `# ... (N s)` lines say how long each step took. KEEP=1 keeps the work
# directory. Needs root, debootstrap, dpkg-dev, debhelper and the Debian archive.
# Usage: check-releases.sh SRCDIR [RELEASE...]   (default: trixie sid)
set -u
src=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
me=check-releases
. "$src/tests/stock/lib.sh"
[ $# -gt 0 ] && shift
releases=${*:-trixie sid}

[ "$(id -u)" = 0 ] || bail "needs root (chroot into a stock Debian root)"
command -v timeout > /dev/null || bail "timeout is not installed (apt-get install coreutils)"
readme=$src/README.md
# The Nth ```sh block of the README, as it is now.
readme_block() { # N
	awk -v want="$1" '/^```sh$/ {b++; inside = (b == want); next} /^```$/ {inside = 0} inside' "$readme"
}
cmd1=$(readme_block 1)
cmd2=$(readme_block 2)
[ -n "$cmd1" ] || bail "README.md has no first command"
[ -n "$cmd2" ] || bail "README.md has no second command"

conf=etc/modprobe.d/90-amdgpu-tune.conf
pages=$((64 * 1024 * 1024 * 1024 * 3 / 4 / 4096))
started=$(date +%s)
stock_work releases-run
echo "# work directory: $work"

# ---- helpers ----
since() { echo $(($(date +%s) - $1)); }

run() { # NAME SECONDS CMD...: a command in the root under timeout, its output in $work/REL-NAME.out
	r_name=$1
	r_secs=$2
	shift 2
	echo "# $rel \$ $*"
	r_t=$(date +%s)
	in_root_timeout "$r_secs" "$@" < /dev/null > "$work/$rel-$r_name.raw" 2>&1
	r_rc=$?
	# apt runs dpkg on a pseudo-terminal: its lines end in CR LF.
	tr -d '\r' < "$work/$rel-$r_name.raw" > "$work/$rel-$r_name.out"
	rm -f "$work/$rel-$r_name.raw"
	grep -v 'Reading database \.\.\.\|^\(Get\|Unpacking\|Selecting\|Preparing\|Setting up\)' "$work/$rel-$r_name.out" |
		tail -n 15 | sed 's/^/#   /'
	[ $r_rc = 124 ] && echo "#   (timed out after $r_secs s)"
	echo "# $rel: $r_name: exit $r_rc ($(since "$r_t") s)"
	return $r_rc
}

# The kernels installed in the root: their module directories.
kernels() { ls "$root/lib/modules" 2> /dev/null; }

# The file $conf inside the initrd IMG (a path in the root) on stdout: status 0, 1 when
# it has none, 2 when the initrd cannot be read (or has no init: not read right). Read
# by the root's own tool: $reader.
initrd_conf() { # IMG
	if [ "$reader" = lsinitrd ]; then
		in_root_timeout 120 lsinitrd "$1" > "$work/lsinitrd.out" 2>&1 || return 2
		grep -q ' init\( -> .*\)\?$' "$work/lsinitrd.out" || return 2
		grep -q "^-.* $conf\$" "$work/lsinitrd.out" || return 1
		in_root_timeout 120 lsinitrd -f "$conf" "$1" || return 2
	else
		rm -rf "$root/tmp/unpacked"
		in_root_timeout 120 unmkinitramfs "$1" /tmp/unpacked > /dev/null 2>&1 || return 2
		ic_f=$(cd "$root/tmp/unpacked" && find . -path "*/$conf" | head -n 1)
		ic_init=$(cd "$root/tmp/unpacked" && find . -maxdepth 2 -name init | head -n 1)
		[ -n "$ic_f" ] && cat "$root/tmp/unpacked/$ic_f"
		rm -rf "$root/tmp/unpacked"
		[ -n "$ic_init" ] || return 2
		[ -n "$ic_f" ] || return 1
	fi
}

# Whether every installed kernel has its initrd in boot/ and every initrd there holds
# $conf as the root has it (WANT=in) or none holds it (WANT=out); says what each holds.
# Backups (.bak, .dpkg-bak) are named, not checked.
initrds() { # WANT
	i_ok=0
	i_t=$(date +%s)
	if [ "$1" = in ] && [ ! -f "$root/$conf" ]; then
		echo "# $rel: the root has no $conf"
		i_ok=1
	fi
	for k in $(kernels); do
		[ -f "$root/boot/initrd.img-$k" ] || { echo "# $rel: kernel $k has no boot/initrd.img-$k"; i_ok=1; }
	done
	for img in "$root"/boot/initrd.img-*; do
		[ -f "$img" ] || continue
		img=/boot/${img##*/}
		case $img in
		*.bak | *.dpkg-bak | *.old*)
			echo "# $rel: $img: a backup, not checked"
			continue
			;;
		esac
		initrd_conf "$img" > "$work/initrd.conf"
		case $? in
		0)
			if [ ! -f "$root/$conf" ]; then
				have="present (the root has none)"
			elif cmp -s "$work/initrd.conf" "$root/$conf"; then
				have=same
			else
				have=different
			fi
			;;
		1) have=absent ;;
		*) have=unreadable ;;
		esac
		echo "# $rel: $img: $conf $have"
		case $have in
		different) diff "$root/$conf" "$work/initrd.conf" 2>&1 | sed 's/^/#     /' ;;
		present*) sed 's/^/#     /' "$work/initrd.conf" ;;
		esac
		case $1:$have in
		in:same | out:absent) ;;
		*) i_ok=1 ;;
		esac
	done
	[ -n "$(ls "$root"/boot/initrd.img-* 2> /dev/null)" ] || i_ok=1
	echo "# $rel: initrds read ($(since "$i_t") s)"
	return $i_ok
}

# The kernels grub.cfg's linux lines boot.
grub_kernels() {
	awk '/^[ \t]*linux[ \t]/ {sub(/.*\/vmlinuz-/, "", $2); print $2}' "$root/boot/grub/grub.cfg" 2> /dev/null | sort -u
}

# ---- one release ----
release() { # RELEASE
	rel=$1
	rel_t=$(date +%s)
	echo "# ---- $rel"
	base=$(stock_root "$rel")
	rc=$?
	echo "# $rel: stock root $base ($(since "$rel_t") s)"
	result "$rel: tests/stock/root.sh builds (or reuses) a stock $rel root" $rc
	[ $rc = 0 ] || return 0
	t=$(date +%s)
	root_copy "$base" "$work/$rel"
	tree_copy "$root/root/amdgpu-tune" || bail "copying the source tree failed"
	echo "# $rel: a copy of the root and of this tree ($(since "$t") s)"
	archives=$cache/releases-apt-$rel
	mkdir -p "$archives/partial" || bail "cannot create $archives"

	# ---- README command 1, and 2 on trixie ----
	root_bind "$archives" /var/cache/apt/archives
	root_mount proc sys dev dev/pts
	run cmd1 1800 sh -c "cd /root/amdgpu-tune && $cmd1"
	result "$rel: README command 1 exits 0 on a stock $rel root" $?
	grep -q '^Boot loader: debian-grub$' "$work/$rel-cmd1.out"
	result "$rel: ... its amdgpu-tune detect names the boot loader debian-grub" $?
	if [ "$rel" = trixie ]; then
		root_bind "$cache" "$cache"
		run cmd2 2400 env AMDGPU_TUNE_TEST_CACHE="$cache" sh -c "cd /root/amdgpu-tune && $cmd2"
		rc=$?
		grep -E '^(# )?(FAIL|ERROR|XPASS):|^not ok|Bail out' "$work/$rel-cmd2.out" | head -n 20 | sed 's/^/# cmd2: /'
		result "$rel: README command 2 exits 0 in that root (the test cache shared with the host)" $rc
	fi
	root_umount
	if ! in_root sh -c 'command -v amdgpu-tune' > /dev/null; then
		echo "# $rel: amdgpu-tune is not installed (README command 1 failed): no kernel or initramfs checks"
		return 0
	fi

	# ---- the kernel hooks and the initramfs tool ----
	root_bind "$archives" /var/cache/apt/archives
	root_mount dev dev/pts
	# Which package's update-initramfs amdgpu-tune finds: initramfs-tools', or dracut's
	# (a script of the same name and arguments that runs dracut).
	owner=$(in_root dpkg -S /usr/sbin/update-initramfs 2> /dev/null | cut -d: -f1)
	if [ "$owner" = dracut ]; then
		reader=lsinitrd
		printf 'MemTotal:       %d kB\nMemFree:        %d kB\nMemAvailable:   %d kB\n' \
			$((64 * 1024 * 1024)) $((60 * 1024 * 1024)) $((62 * 1024 * 1024)) > "$work/meminfo-64g"
		root_mount proc
		root_bind "$work/meminfo-64g" /proc/meminfo
	else
		reader=unmkinitramfs
	fi
	k1=$(kernels)
	echo "# $rel: kernel $k1; /usr/sbin/update-initramfs is $owner's"
	# debootstrap installs no boot loader: the installer's update-grub writes grub.cfg.
	run grub0 120 update-grub && [ -f "$root/boot/grub/grub.cfg" ]
	result "$rel: update-grub writes boot/grub/grub.cfg (debootstrap leaves none)" $?
	grub_sum=$(sha256sum < "$root/boot/grub/grub.cfg" 2> /dev/null)

	run apply 600 amdgpu-tune apply strix-halo --memory 64GiB
	rc=$?
	[ $rc = 0 ] && grep -q '^ *ran .*update-initramfs -u -k all' "$work/$rel-apply.out"
	result "$rel: apply strix-halo --memory 64GiB: exit 0, and it ran update-initramfs -u -k all ($owner's) itself" $?
	sed 's/^/#   /' "$root/$conf" 2> /dev/null
	grep -qx "options ttm pages_limit=$pages" "$root/$conf"
	result "$rel: $conf holds options ttm pages_limit=$pages (48 GiB of 64 in 4 KiB pages)" $?
	initrds in
	result "$rel: the initrd of $k1 holds $conf byte for byte (read back by $reader in the root)" $?
	[ "$(sha256sum < "$root/boot/grub/grub.cfg")" = "$grub_sum" ]
	result "$rel: grub.cfg is not regenerated by apply (strix-halo sets no kernel argument)" $?

	# A second kernel of the release: an older build of the same flavour when the suite
	# still has one, else the rt flavour.
	pkg2=$(in_root_timeout 60 apt-cache search --names-only '^linux-image-[0-9].*-amd64$' | awk '{print $1}' |
		grep -v -e '-rt-' -e '-cloud-' -e '-dbg$' -e '-unsigned$' | grep -vx "linux-image-$k1" | sort -V | tail -n 1)
	[ -n "$pkg2" ] || pkg2=linux-image-rt-amd64
	run kernel2 900 apt-get install -y -q --no-install-recommends "$pkg2"
	rc=$?
	k2=$(kernels | grep -vx "$k1" | head -n 1)
	echo "# $rel: second kernel: $k2"
	sed -n '\|^/etc/kernel/postinst.d/amdgpu-tune:$|,\|^/etc/kernel/postinst.d/[^a]|p' "$work/$rel-kernel2.out" |
		sed 's/^/# hook: /'
	hook=$(grep -n '^strix-halo: planned again' "$work/$rel-kernel2.out" | head -n 1 | cut -d: -f1)
	built=$(grep -n "/etc/kernel/postinst.d/\(initramfs-tools\|dracut\):\$" "$work/$rel-kernel2.out" | head -n 1 | cut -d: -f1)
	[ $rc = 0 ] && [ -n "$k2" ] && [ -n "$hook" ] && [ -n "$built" ] && [ "$hook" -lt "$built" ]
	result "$rel: apt-get install $pkg2: exit 0, and its kernel hook ran amdgpu-tune reapply before the initramfs hook" $?
	gk=$(grub_kernels | tr '\n' ' ')
	echo "# $rel: grub.cfg boots: $gk"
	[ "$(sha256sum < "$root/boot/grub/grub.cfg")" != "$grub_sum" ] && echo " $gk" | grep -q " $k1 " &&
		echo " $gk" | grep -q " $k2 "
	result "$rel: grub.cfg was regenerated (zz-update-grub) and has entries for both $k1 and $k2" $?
	initrds in
	result "$rel: every initrd in boot/ ($k1 and $k2) holds $conf byte for byte" $?

	run rollback 600 amdgpu-tune rollback
	rc=$?
	[ $rc = 0 ] && [ ! -e "$root/$conf" ]
	result "$rel: rollback: exit 0, and $conf is gone from the root" $?
	initrds out
	result "$rel: ... and from every initrd in boot/" $?

	run apply2 600 amdgpu-tune apply strix-halo --memory 64GiB
	rc=$?
	[ $rc = 0 ] && grep -qx "options ttm pages_limit=$pages" "$root/$conf"
	result "$rel: apply strix-halo --memory 64GiB again: exit 0, $conf written" $?
	initrds in
	result "$rel: ... every initrd in boot/ holds it byte for byte again" $?

	run remove 600 amdgpu-tune remove
	rc=$?
	[ $rc = 0 ] && [ ! -e "$root/$conf" ] && [ ! -e "$root/var/lib/amdgpu-tune/state" ]
	result "$rel: remove: exit 0, no $conf and no state left in the root" $?
	initrds out
	result "$rel: ... and no initrd in boot/ holds $conf" $?

	# ---- a GRUB without Debian's update-grub (as Arch's): etc/default/grub edited ----
	# With update-grub moved aside the boot loader is a plain GRUB: apply adds its
	# argument to GRUB_CMDLINE_LINUX_DEFAULT in etc/default/grub itself and runs the
	# release's own grub-mkconfig -o /boot/grub/grub.cfg, whose normal entries (10_linux:
	# GRUB_CMDLINE_LINUX, then _DEFAULT) must carry it and whose recovery entries must
	# not; remove gives etc/default/grub back byte for byte. (Debian's grub-mkconfig
	# also sources etc/default/grub.d, which Arch's does not: what this proves is the
	# edited file as the real sh and 10_linux read it, not that no drop-in is read.)
	mkdir -p "$root/etc/amdgpu-tune/profiles"
	printf '[profile]\ndescription = test: one command-line setting\n\n[kernel]\niommu = pt\n' \
		> "$root/etc/amdgpu-tune/profiles/test-cmdline.conf"
	mv "$root/usr/sbin/update-grub" "$root/usr/sbin/update-grub.aside"
	cp "$root/etc/default/grub" "$work/$rel-grub.orig"
	run plain 300 amdgpu-tune apply test-cmdline --memory 64GiB
	rc=$?
	normal=$(grep '^[[:space:]]*linux[[:space:]]' "$root/boot/grub/grub.cfg" | grep -vc ' single')
	carry=$(grep '^[[:space:]]*linux[[:space:]]' "$root/boot/grub/grub.cfg" | grep -v ' single' | grep -c ' iommu=pt$')
	changed=$(diff "$work/$rel-grub.orig" "$root/etc/default/grub" | grep -c '^[<>]')
	value=$(sh -c '. "$1"; printf %s "$GRUB_CMDLINE_LINUX_DEFAULT"' sh "$root/etc/default/grub")
	echo "# $rel: GRUB_CMDLINE_LINUX_DEFAULT=\"$value\"; $carry of $normal normal entries carry iommu=pt"
	[ $rc = 0 ] && grep -q '^ *ran .*grub-mkconfig -o /boot/grub/grub.cfg' "$work/$rel-plain.out" &&
		[ "$changed" = 2 ] && [ "${value% iommu=pt}" != "$value" ] && [ "$normal" -gt 0 ] && [ "$carry" = "$normal" ] &&
		grep -q '^tokens-in etc/default/grub$' "$root/var/lib/amdgpu-tune/state" &&
		! grep ' single' "$root/boot/grub/grub.cfg" | grep -q 'iommu=pt'
	result "$rel: a GRUB without update-grub: apply edits the one line of etc/default/grub, and the real grub-mkconfig puts iommu=pt in every normal entry, no recovery entry" $?
	run plainremove 300 amdgpu-tune remove
	rc=$?
	[ $rc = 0 ] && cmp -s "$work/$rel-grub.orig" "$root/etc/default/grub" && ! grep -q 'iommu=pt' "$root/boot/grub/grub.cfg"
	result "$rel: ... remove gives etc/default/grub back byte for byte, and grub-mkconfig's grub.cfg has no iommu=pt" $?
	mv "$root/usr/sbin/update-grub.aside" "$root/usr/sbin/update-grub"
	rm "$root/etc/amdgpu-tune/profiles/test-cmdline.conf"

	# ---- the package: its prerm runs remove inside a maintainer script ----
	if [ -z "$debdir" ]; then
		result "$rel: the Debian package's removal takes $conf out of every initrd # SKIP no package built (${debwhy:-})" 0
	else
		cp "$deb" "$root/tmp/" || bail "copying $deb failed"
		# Over the files make install put in the same places (no package owns them).
		run pkg 600 apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confdef \
			-o Dpkg::Options::=--force-confold "/tmp/${deb##*/}" &&
			run apply3 600 amdgpu-tune apply strix-halo --memory 64GiB && initrds in
		result "$rel: apt-get install ./${deb##*/}, then apply strix-halo: every initrd in boot/ holds $conf" $?
		run pkgremove 600 apt-get remove -y -q amdgpu-tune
		rc=$?
		[ $rc = 0 ] && grep -q '^ *ran .*update-initramfs' "$work/$rel-pkgremove.out" && [ ! -e "$root/$conf" ]
		result "$rel: apt-get remove amdgpu-tune: exit 0, its prerm ran amdgpu-tune remove, which ran update-initramfs ($owner's)" $?
		initrds out
		result "$rel: ... and no initrd in boot/ holds $conf (every kernel's, not only the newest)" $?
	fi

	# ---- sid (dracut): the root as a bootc image being built ----
	# Laid out as bootc's lints want an image (the ostree link to sysroot/ostree, a
	# sysroot directory, a bootc program: a stand-in, bootc is not in Debian; one
	# kernel, its vmlinuz in usr/lib/modules/VERSION), with Debian's ostree-boot for
	# dracut's ostree module. amdgpu-tune runs in the root as a Containerfile's RUN runs
	# it (/proc/meminfo is the building machine's): apply writes usr/lib/modprobe.d and
	# runs the release's own dracut without host-only mode into
	# usr/lib/modules/VERSION/initramfs.img, which must hold the file byte for byte and
	# not a canary in etc/modprobe.d (dracut takes /etc/modprobe.d only in host-only
	# mode); remove takes it out again.
	if [ "$owner" = dracut ]; then
		bconf=usr/lib/modprobe.d/90-amdgpu-tune.conf
		run bootcsetup 900 sh -c 'make -C /root/amdgpu-tune install > /dev/null &&
			apt-get install -y -q --no-install-recommends ostree-boot'
		rc=$?
		for k in $(kernels | grep -vx "$k1"); do mv "$root/usr/lib/modules/$k" "$work/$rel-modules-$k"; done
		[ -f "$root/usr/lib/modules/$k1/vmlinuz" ] || cp "$root/boot/vmlinuz-$k1" "$root/usr/lib/modules/$k1/vmlinuz"
		mkdir -p "$root/sysroot"
		ln -s sysroot/ostree "$root/ostree"
		printf '#!/bin/sh\nexit 0\n' > "$root/usr/bin/bootc"
		chmod 755 "$root/usr/bin/bootc"
		echo 'options canary x=1' > "$root/etc/modprobe.d/zz-canary.conf"
		img=/usr/lib/modules/$k1/initramfs.img
		[ $rc = 0 ] && run bootcapply 900 amdgpu-tune apply strix-halo --memory 64GiB
		rc=$?
		in_root amdgpu-tune detect > "$work/$rel-bootcdetect.out" 2>&1
		grep 'Boot loader' "$work/$rel-bootcdetect.out" | sed 's/^/#   /'
		in_root_timeout 120 lsinitrd "$img" > "$work/$rel-bootclist.out" 2>&1
		in_root_timeout 120 lsinitrd -f "$bconf" "$img" > "$work/$rel-bootcconf.out" 2>&1
		sed 's/^/#   initramfs: /' "$work/$rel-bootcconf.out"
		[ $rc = 0 ] && grep -q '^Boot loader: bootc-image$' "$work/$rel-bootcdetect.out" &&
			grep -qx "options ttm pages_limit=$pages" "$root/$bconf" && [ ! -e "$root/$conf" ] &&
			grep -q "dracut --no-hostonly .* -f $img $k1\$" "$work/$rel-bootcapply.out" &&
			cmp -s "$root/$bconf" "$work/$rel-bootcconf.out" &&
			grep -q ' init\( -> .*\)\?$' "$work/$rel-bootclist.out" &&
			! grep -q 'etc/modprobe.d/zz-canary.conf' "$work/$rel-bootclist.out"
		result "$rel: as a bootc image, apply writes $bconf and the release's dracut --no-hostonly puts it in $img byte for byte, and not etc/modprobe.d's canary" $?
		run bootcremove 900 amdgpu-tune remove
		rc=$?
		in_root_timeout 120 lsinitrd "$img" > "$work/$rel-bootclist.out" 2>&1
		[ $rc = 0 ] && [ ! -e "$root/$bconf" ] && grep -q ' init\( -> .*\)\?$' "$work/$rel-bootclist.out" &&
			! grep -q "$bconf" "$work/$rel-bootclist.out"
		result "$rel: ... remove takes it out of the root and, through dracut again, out of $img" $?
	fi

	# ---- trixie with systemd-boot and kernel-install instead of GRUB ----
	# The release's own bootctl, kernel-install (90-loaderentry.install) and
	# update-initramfs post-update hook make the entries; the ESP is a directory bound
	# at /efi (bootctl needs a mount point; SYSTEMD_RELAX_ESP_CHECKS=1 lets it be no
	# FAT, and amdgpu-tune passes it on to the tools), with /proc mounted (kernel-install
	# finds the ESP's mount point in it; without, its entries name /efi/... paths that
	# are not on the ESP). Unbound, it is an ESP that is not mounted: the entries cannot
	# be made again, and remove must fail and keep the settings (exit 4) rather than say
	# they are gone.
	if [ "$rel" = trixie ]; then
		root_mount proc
		sd_entries() { cat "$root"/efi/loader/entries/*.conf 2> /dev/null | grep '^options'; }
		# A file system of its own (kernel-install tells the ESP's mount point by
		# st_dev: a bound directory of the same file system would give /efi/...
		# paths), mounted outside the root so that unbinding it keeps its files.
		esp=$work/$rel-esp
		mkdir -m 700 "$esp"
		mount -t tmpfs -o size=512m,mode=0700 tmpfs "$esp" || bail "mounting a tmpfs at $esp failed"
		trap 'root_umount; umount "$esp" 2> /dev/null; cleanup' EXIT
		run sdboot 600 sh -c 'make -C /root/amdgpu-tune install > /dev/null &&
			apt-get install -y -q --no-install-recommends systemd-boot systemd-boot-efi &&
			apt-get purge -y -q grub-pc grub-common grub2-common grub-pc-bin && rm -rf /boot/grub'
		rc=$?
		root_bind "$esp" /efi
		[ $rc = 0 ] && run bootctl 120 env SYSTEMD_RELAX_ESP_CHECKS=1 bootctl install --esp-path=/efi --no-variables &&
			echo 'root=/dev/vda rw quiet' > "$root/etc/kernel/cmdline" &&
			run sdentries 900 env SYSTEMD_RELAX_ESP_CHECKS=1 update-initramfs -u -k all
		rc=$?
		echo "# entries: $(sd_entries | tr '\n' '|')"
		[ $rc = 0 ] && [ "$(sd_entries | wc -l)" = "$(kernels | wc -l)" ]
		result "$rel: systemd-boot and kernel-install replace GRUB; update-initramfs -u -k all makes an entry per kernel" $?
		run sdapply 900 env SYSTEMD_RELAX_ESP_CHECKS=1 amdgpu-tune apply rdna1 --memory 64GiB --force
		rc=$?
		in_root amdgpu-tune detect > "$work/$rel-sddetect.out" 2>&1
		sed 's/^/#   /' "$work/$rel-sddetect.out" | grep 'Boot loader\|Next boot\|from '
		[ $rc = 0 ] && ! sd_entries | grep -qv 'iommu=pt' && grep -q '^Next boot: .*iommu=pt' "$work/$rel-sddetect.out" &&
			grep -q '^Boot loader: systemd-boot$' "$work/$rel-sddetect.out" && ! grep -q 'differ from etc/kernel/cmdline' "$work/$rel-sddetect.out"
		result "$rel: apply rdna1: exit 0, kernel-install made every entry with iommu=pt, and detect reads the next boot from the default entry with no warning" $?
		umount "$root/efi" || bail "unbinding $root/efi failed"
		run sdremove1 900 env SYSTEMD_RELAX_ESP_CHECKS=1 amdgpu-tune remove
		rc=$?
		[ $rc = 4 ] && grep -q 'the boot entries were not made again' "$work/$rel-sdremove1.out" &&
			grep -q 'iommu=pt' "$root/etc/kernel/cmdline" && [ -e "$root/var/lib/amdgpu-tune/state" ]
		result "$rel: remove with the ESP not mounted: exit 4, says the entries were not made again, the settings stay" $?
		mount --bind "$esp" "$root/efi" || bail "binding $esp again failed"
		run sdremove2 900 env SYSTEMD_RELAX_ESP_CHECKS=1 amdgpu-tune remove
		rc=$?
		[ $rc = 0 ] && [ "$(sd_entries | wc -l)" = "$(kernels | wc -l)" ] && ! sd_entries | grep -q 'iommu=pt' &&
			[ ! -e "$root/var/lib/amdgpu-tune/state" ]
		result "$rel: remove with the ESP mounted: exit 0, no entry has iommu=pt" $?
		root_umount
		umount "$esp"
		trap cleanup EXIT
	fi

	# Downloads the archive no longer has go from the shared package cache.
	in_root_timeout 120 apt-get autoclean -q > /dev/null 2>&1
	root_umount
	echo "# $rel: done ($(since "$rel_t") s)"
}

# The Debian package of this tree (lib.sh's deb_build: cached by the tree's contents), for
# the removal path; without debhelper that step is skipped.
debdir=
deb=
debwhy=
t=$(date +%s)
if ! command -v dpkg-buildpackage > /dev/null || ! command -v dh > /dev/null; then
	debwhy="dpkg-buildpackage or dh is not installed (apt-get install dpkg-dev debhelper)"
elif debdir=$(deb_build) && deb=$(ls "$debdir"/amdgpu-tune_*_amd64.deb 2> /dev/null | head -n 1) && [ -n "$deb" ]; then
	echo "# the Debian package: $deb ($(since "$t") s)"
else
	debdir=
	debwhy="building it failed"
	result "the Debian package of this tree builds (dpkg-buildpackage -us -uc -b)" 1
fi

for r in $releases; do
	case $r in
	trixie | sid) release "$r" ;;
	*) bail "no such release here: $r (trixie, sid)" ;;
	esac
done
echo "# all releases ($(since "$started") s)"
finish
