#!/bin/sh
# Builds, or reuses, a stock Debian root of RELEASE: debootstrap --variant=minbase, then
# from that release's own suites the kernel, grub-pc and the initramfs tool Debian gives it,
# nothing edited but the apt configuration below:
#   bookworm (12)  linux-image-amd64 grub-pc initramfs-tools; bookworm, -updates, -security
#   trixie (13)    linux-image-amd64 grub-pc initramfs-tools; trixie, -updates, -security
#   sid            linux-image-amd64 grub-pc dracut (what sid's linux-image pulls in first;
#                  initramfs-tools would conflict with it); sid
# The root's apt accepts Release files past their Valid-Until and dated in the future
# (etc/apt/apt.conf.d/99-test-archive): a copy of the archive older than the clock (sid's
# Release is valid for a week) otherwise fails every apt-get update in it. A live mirror
# needs none of it, and it changes nothing else.
# Cached outside the source tree, keyed by this script's text (the recipe), the release and
# the mirrors, so reruns on the same machine skip the ~2 minutes it takes; one build per
# release at a time (a lock in the cache). Roots of an older recipe are removed a week
# after they were built. Prints the root's path; what the build did goes to
# CACHE_DIR/stock-RELEASE.log (its end to stderr when it fails). Needs root, debootstrap
# and the archive.
# Usage: root.sh [CACHE_DIR [RELEASE]]   (RELEASE: bookworm, the default, trixie or sid)
set -eu
cache=${1:-${AMDGPU_TUNE_TEST_CACHE:-/var/tmp/amdgpu-tune-test-cache}}
release=${2:-bookworm}
mirror=${AMDGPU_TUNE_MIRROR:-http://deb.debian.org/debian}
security=${AMDGPU_TUNE_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

log=
die() {
	[ -z "$log" ] || tail -n 25 "$log" >&2
	echo "stock root ($release): $*${log:+ (see $log)}" >&2
	exit 1
}

case $release in
bookworm | trixie)
	suites="$release $release-updates $release-security"
	packages="linux-image-amd64 grub-pc initramfs-tools"
	initramfs="initramfs-tools"
	;;
sid)
	suites=sid
	packages="linux-image-amd64 grub-pc dracut"
	initramfs=dracut
	;;
*) die "unknown release (bookworm, trixie or sid)" ;;
esac
key=$( (cat "$0"; echo "$release $mirror $security") | sha256sum | cut -c1-16)
root=$cache/stock-$release-$key

[ "$(id -u)" = 0 ] || die "needs root (debootstrap and chroot)"
command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
if [ -f "$root/.complete" ]; then
	echo "$root"
	exit 0
fi

mkdir -p "$cache"
# One build of a release at a time: a second caller waits, then finds it complete.
command -v flock >/dev/null || die "flock is not installed (apt-get install util-linux)"
exec 9> "$cache/stock-$release.lock"
flock -w 1800 9 || die "another build of this root held $cache/stock-$release.lock for 30 minutes"
if [ -f "$root/.complete" ]; then
	echo "$root"
	exit 0
fi

# Whether anything is mounted at or below DIR.
mounted_below() { # DIR
	awk -v d="$1" '$2 == d || index($2, d "/") == 1 {found = 1} END {exit !found}' /proc/mounts
}

new=$root.new
# A run killed while it had /dev bound here must not take the host's /dev with it.
awk -v d="$new" '$2 == d || index($2, d "/") == 1 {print $2}' /proc/mounts | sort -r |
	while read -r m; do umount -l "$m" 2>/dev/null || true; done
if mounted_below "$new"; then
	die "$new still has mounts below it: not removing it"
fi
rm -rf --one-file-system "$root" "$new"
mounted=
cleanup() {
	for m in $mounted; do umount -l "$new/$m" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# Roots of this release built by another recipe (an older version of this script), a week
# old and with nothing mounted in them, go.
for old in "$cache/stock-$release-"????????????????; do
	if [ -d "$old" ] && [ "$old" != "$root" ] && [ -n "$(find "$old" -maxdepth 0 -mtime +7)" ] &&
		! mounted_below "$old"; then
		rm -rf --one-file-system "$old"
	fi
done

log=$cache/stock-$release.log
echo "stock root ($release): building $root (debootstrap --variant=minbase $release, then $packages)" >&2
: > "$log"
timeout 1200 debootstrap --variant=minbase "$release" "$new" "$mirror" >> "$log" 2>&1 || die "debootstrap failed"
: > "$new/etc/apt/sources.list"
for s in $suites; do
	case $s in
	*-security) echo "deb $security $s main" ;;
	*) echo "deb $mirror $s main" ;;
	esac >> "$new/etc/apt/sources.list"
done
cat > "$new/etc/apt/apt.conf.d/99-test-archive" <<'EOF'
// The test archive's copy can be older than the clock (tests/stock/root.sh).
Acquire::Check-Valid-Until "false";
Acquire::Check-Date "false";
EOF
# No service may start inside the chroot.
printf '#!/bin/sh\nexit 101\n' > "$new/usr/sbin/policy-rc.d"
chmod 755 "$new/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$new/etc/resolv.conf" 2>/dev/null || true
for m in proc sys dev dev/pts; do
	case $m in
	proc) mount -t proc proc "$new/proc" ;;
	sys) mount -t sysfs sys "$new/sys" ;;
	dev) mount --bind /dev "$new/dev" ;;
	dev/pts) mount -t devpts devpts "$new/dev/pts" ;;
	esac
	mounted="$m $mounted"
done
timeout 1200 chroot "$new" env DEBIAN_FRONTEND=noninteractive sh -ec "
	apt-get update -q
	apt-get install -y -q --no-install-recommends $packages
	apt-get clean" >> "$log" 2>&1 || die "installing $packages failed"
cleanup
mounted=
rm -f "$new/usr/sbin/policy-rc.d"
[ -f "$new/etc/default/grub" ] || die "grub-pc left no etc/default/grub"
ls "$new"/boot/vmlinuz-* >/dev/null 2>&1 || die "no kernel in boot/"
ls "$new"/boot/initrd.img-* >/dev/null 2>&1 || die "no initrd in boot/"
# shellcheck disable=SC2016 # dpkg-query's own ${field}
chroot "$new" dpkg-query -W -f '${db:Status-Status}\n' "$initramfs" 2>/dev/null | grep -qx installed ||
	die "$initramfs is not what builds the initrd"
touch "$new/.complete"
mv "$new" "$root"
echo "$root"
