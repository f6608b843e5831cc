#!/bin/sh
# Installs, with apt-get, what a group of tests needs beyond the build's own dependencies
# (README command 1), on Debian 12, 13 and sid alike: nothing here names a package that
# exists in one release only, and versioned packages are chosen from what is installed
# (clang's sanitizer and libFuzzer runtime follows the clang that apt installed).
# Recommends are left out: qemu's would bring a graphical front end.
# Usage: deps.sh [GROUP...]   (needs root; without GROUP: check real)
#   check    make check: strace (syscall checks, fault injection), man-db (man.sh),
#            bash-completion (completion.sh), python3 (ansible.sh: the Ansible modules),
#            zstd (Arch Linux's compressed modules in golden roots), rpm (rpmdb.sh:
#            rpm and rpmbuild write the databases it reads), python3-gi (staged.sh:
#            GLib serializes OSTree's staged deployment files), procps (apply.sh
#            kills a run with pkill and waits for what it started with pgrep)
#   real     make check-real: apt-get download and dpkg-deb; no apt-file (its Contents
#            lists are fetched through a private apt configuration, see tests/apt.sh)
#   stock    make check-stock, check-deb: debootstrap, dpkg-dev, debhelper, lintian
#   e2e      make check-e2e: qemu, an ext4 image, cpio; for the UEFI boot OVMF, a FAT
#            ESP (dosfstools, mtools) and a GPT disk image (sfdisk); for the trial
#            boot a disk GRUB boots itself (losetup)
#   ansible  make check-ansible: ansible (ansible-core and its collections) and
#            ansible-lint
#   fuzz     make fuzz: clang and its libFuzzer runtime
#   format   make check-format: clang-format
#   static   make check-static: cppcheck, clang-tidy
#   all      every group
set -eu

[ $# -gt 0 ] || set -- check real
groups=
for g in "$@"; do
	case $g in
	all) groups="$groups check real stock e2e ansible fuzz format static" ;;
	check | real | stock | e2e | ansible | fuzz | format | static) groups="$groups $g" ;;
	*)
		echo "deps.sh: unknown group '$g' (check, real, stock, e2e, ansible, fuzz, format, static, all)" >&2
		exit 2
		;;
	esac
done

pkgs=
for g in $groups; do
	case $g in
	check) pkgs="$pkgs strace man-db bash-completion util-linux python3 zstd rpm python3-gi procps" ;;
	real) pkgs="$pkgs apt dpkg kmod xz-utils debian-archive-keyring ca-certificates" ;;
	stock) pkgs="$pkgs debootstrap dpkg-dev debhelper lintian fakeroot" ;;
	e2e) pkgs="$pkgs qemu-system-x86 e2fsprogs cpio util-linux mount ovmf dosfstools mtools fdisk" ;;
	ansible) pkgs="$pkgs ansible ansible-lint" ;;
	fuzz) pkgs="$pkgs clang" ;;
	format) pkgs="$pkgs clang-format" ;;
	static) pkgs="$pkgs cppcheck clang-tidy" ;;
	esac
done

if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: needs root to install:$pkgs" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q -o APT::Install-Recommends=false $pkgs

case " $groups " in
*" fuzz "*)
	# libFuzzer and the sanitizers' runtime come with the clang of the same major
	# version: libclang-rt-14-dev on Debian 12, -19-dev on 13, and so on.
	major=$(clang --version | sed -n 's/.*clang version \([0-9][0-9]*\)\..*/\1/p' | head -n 1)
	[ -n "$major" ] || {
		echo "deps.sh: cannot tell clang's version from 'clang --version'" >&2
		exit 1
	}
	apt-get install -y -q -o APT::Install-Recommends=false "libclang-rt-$major-dev"
	;;
esac
