#!/bin/sh
# Builds, or reuses, a stock Debian 12 root: debootstrap --variant=minbase, then
# linux-image-amd64, grub-pc and initramfs-tools from bookworm, bookworm-updates and
# bookworm-security, nothing edited. Cached outside the source tree, keyed by this
# script's text (the recipe), so reruns on the same machine skip the ~2 minutes it takes.
# Prints the root's path. Needs root, debootstrap and the Debian archive.
# Usage: root.sh [CACHE_DIR]
set -eu
cache=${1:-${AMDGPU_TUNE_TEST_CACHE:-/var/tmp/amdgpu-tune-test-cache}}
mirror=${AMDGPU_TUNE_MIRROR:-http://deb.debian.org/debian}
security=${AMDGPU_TUNE_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
key=$( (cat "$0"; echo "$mirror $security") | sha256sum | cut -c1-16)
root=$cache/stock-bookworm-$key

die() {
	echo "stock root: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "needs root (debootstrap and chroot)"
command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
if [ -f "$root/.complete" ]; then
	echo "$root"
	exit 0
fi

mkdir -p "$cache"
new=$root.new
# A run killed while it had /dev bound here must not take the host's /dev with it.
awk -v d="$new" '$2 == d || index($2, d "/") == 1 {print $2}' /proc/mounts | sort -r |
	while read -r m; do umount -l "$m" 2>/dev/null || true; done
if awk -v d="$new" '$2 == d || index($2, d "/") == 1 {found = 1} END {exit !found}' /proc/mounts; then
	die "$new still has mounts below it: not removing it"
fi
rm -rf --one-file-system "$root" "$new"
mounted=
cleanup() {
	for m in $mounted; do umount -l "$new/$m" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

debootstrap --variant=minbase bookworm "$new" "$mirror" >&2 || die "debootstrap failed"
cat > "$new/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
EOF
# No service may start inside the chroot.
printf '#!/bin/sh\nexit 101\n' > "$new/usr/sbin/policy-rc.d"
chmod 755 "$new/usr/sbin/policy-rc.d"
for m in proc sys dev dev/pts; do
	case $m in
	proc) mount -t proc proc "$new/proc" ;;
	sys) mount -t sysfs sys "$new/sys" ;;
	dev) mount --bind /dev "$new/dev" ;;
	dev/pts) mount -t devpts devpts "$new/dev/pts" ;;
	esac
	mounted="$m $mounted"
done
chroot "$new" env DEBIAN_FRONTEND=noninteractive sh -ec '
	apt-get update -q
	apt-get install -y -q --no-install-recommends linux-image-amd64 grub-pc initramfs-tools
	apt-get clean' >&2 || die "installing the kernel and grub-pc failed"
cleanup
mounted=
rm -f "$new/usr/sbin/policy-rc.d"
[ -f "$new/etc/default/grub" ] || die "grub-pc left no etc/default/grub"
ls "$new"/boot/vmlinuz-* >/dev/null 2>&1 || die "no kernel in boot/"
touch "$new/.complete"
mv "$new" "$root"
echo "$root"
