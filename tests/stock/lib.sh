# Shared by the scripts that work in a copy of a stock Debian root (check-stock.sh,
# check-deb.sh, check-releases.sh, tests/e2e/e2e.sh, tests/ansible/check-ansible.sh).
# Sourced by POSIX sh; the caller sets $me (its name in messages) and $src (the source
# tree) first. TAP output on stdout.

cache=${AMDGPU_TUNE_TEST_CACHE:-/var/tmp/amdgpu-tune-test-cache}
root=
work=
mounted=
n=0
failed=0

bail() {
	echo "Bail out! $*"
	echo "$me: $*" >&2
	exit 1
}

result() { # NAME STATUS
	n=$((n + 1))
	if [ "$2" -eq 0 ]; then echo "ok $n - $1"; else echo "not ok $n - $1"; failed=$((failed + 1)); fi
}

# Ends the TAP stream; the exit status says whether every result passed.
finish() {
	echo "1..$n"
	[ "$failed" -eq 0 ]
}

# Every mount root_mount made, wherever $root pointed then.
root_umount() {
	for p in $mounted; do umount -l "$p" 2> /dev/null || true; done
	mounted=
}

# rm -rf DIR, but never through a mount point below it (a bind mount of /dev left by a
# killed run would otherwise take the host's device nodes with it).
safe_rm() { # DIR
	[ -e "$1" ] || return 0
	if awk -v d="$1" '$2 == d || index($2, d "/") == 1 {found = 1} END {exit !found}' /proc/mounts; then
		echo "$me: not removing $1: something is still mounted below it" >&2
		return 1
	fi
	rm -rf --one-file-system "$1"
}

# Lazily unmounts whatever is mounted below DIR (left by a run that was killed).
umount_below() { # DIR
	awk -v d="$1" '$2 == d || index($2, d "/") == 1 {print $2}' /proc/mounts | sort -r |
		while read -r m; do umount -l "$m" 2> /dev/null || true; done
}

cleanup() {
	root_umount
	[ -n "${KEEP:-}" ] || [ -z "$work" ] || safe_rm "$work"
}

# A fresh work directory under the cache and, in it, a copy of the cached stock root of
# RELEASE (tests/stock/root.sh; bookworm when not given) at $root where no service may
# start and the host's resolver answers. Mounts nothing.
stock_copy() { # PREFIX [RELEASE]
	[ "$(id -u)" = 0 ] || bail "needs root (chroot into a stock Debian root)"
	base=$(stock_root "${2:-bookworm}") || bail "no stock root (tests/stock/root.sh failed)"
	stock_work "$1"
	root_copy "$base" "$work/root"
}

# The path of the cached stock root of RELEASE, built first when there is none.
stock_root() { # RELEASE
	sh "$src/tests/stock/root.sh" "$cache" "$1"
}

# A fresh work directory $work under the cache, removed on exit (unless KEEP is set) once
# every mount root_mount and root_bind made is undone.
stock_work() { # PREFIX
	mkdir -p "$cache" || bail "cannot create $cache"
	work=$(mktemp -d "$cache/$1.XXXXXX") || bail "mktemp in $cache failed"
	trap cleanup EXIT
	trap 'exit 1' INT TERM HUP
}

# A copy of the stock root BASE at DEST, which becomes $root, prepared by root_prepare.
root_copy() { # BASE DEST
	mkdir -p "${2%/*}" || bail "cannot create ${2%/*}"
	cp -a "$1" "$2" || bail "copying the stock root $1 failed"
	root=$2
	root_prepare
}

# In $root, no service may start and the host's resolver answers.
root_prepare() {
	printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
	chmod 755 "$root/usr/sbin/policy-rc.d"
	cp /etc/resolv.conf "$root/etc/resolv.conf" 2> /dev/null || true
}

# Mounts the named file systems (proc sys dev dev/pts) in $root; root_umount undoes it.
root_mount() { # WHAT...
	for m in "$@"; do
		case $m in
		proc) mount -t proc proc "$root/proc" ;;
		sys) mount -t sysfs sys "$root/sys" ;;
		dev) mount --bind /dev "$root/dev" ;;
		dev/pts) mount -t devpts devpts "$root/dev/pts" ;;
		esac || bail "mounting $m in $root failed"
		mounted="$root/$m $mounted"
	done
}

# Binds the host's SOURCE (a directory or a file) at PATH inside $root, private (no mount
# made later elsewhere shows through it); root_umount undoes it.
root_bind() { # SOURCE PATH
	if [ -d "$1" ]; then mkdir -p "$root$2"; elif [ ! -e "$root$2" ]; then : > "$root$2"; fi ||
		bail "cannot create $root$2"
	mount --bind "$1" "$root$2" || bail "binding $1 at $root$2 failed"
	mounted="$root$2 $mounted"
	mount --make-private "$root$2" || bail "making $root$2 private failed"
}

# A command in $root with a clean environment, as root's login shell would have it.
root_env='PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive'
in_root() {
	# shellcheck disable=SC2086 # one word per variable
	chroot "$root" env -i $root_env "$@"
}

# in_root under timeout: killed (with all it started) after SECONDS, exit status 124.
in_root_timeout() { # SECONDS CMD...
	it_secs=$1
	shift
	# shellcheck disable=SC2086 # one word per variable
	timeout -k 10 "$it_secs" chroot "$root" env -i $root_env "$@"
}

# This tree as a user gets it: the files git tracks (a clean clone), or all of them.
tree_copy() { # DEST
	mkdir -p "$1" || return 1
	if git -C "$src" rev-parse --git-dir > /dev/null 2>&1; then
		(cd "$src" && git ls-files -z | tar --null -T - -cf -) | tar -xf - -C "$1"
	else
		(cd "$src" && tar -cf - --exclude=./debian/amdgpu-tune .) | tar -xf - -C "$1"
	fi
}

# Builds the Debian package from tree_copy (dpkg-buildpackage -us -uc -b), or reuses the
# build cached under $cache for exactly these file contents (a git tree only), and prints
# the directory holding the .deb, .changes and build.log (under $work when the tree is
# not a git checkout: not cached). DEB_CHECK=1 runs make check
# inside the build as well (a separate cache entry).
# The package of this tree (deb_build()) in $deb, or bail.
deb_or_bail() {
	debdir=$(deb_build) || bail "building the Debian package failed"
	deb=$(ls "$debdir"/amdgpu-tune_*_amd64.deb 2> /dev/null | head -n 1)
	[ -n "$deb" ] || bail "no .deb in $debdir"
}

deb_build() {
	for t in dpkg-buildpackage dh; do
		command -v "$t" > /dev/null || { echo "$me: $t is not installed (apt-get install dpkg-dev debhelper)" >&2; return 1; }
	done
	if [ "${DEB_CHECK:-}" = 1 ]; then opts=; else opts=nocheck; fi
	key=
	if git -C "$src" rev-parse --git-dir > /dev/null 2>&1; then
		# Every tracked path's contents, and a symlink's target (a golden root's
		# lib -> usr/lib is no file to hash): as tar stores them, times and
		# owners left out.
		key=$( (cd "$src" && git ls-files -z | tar -cf - --no-recursion --mtime=@0 --owner=0 \
			--group=0 --numeric-owner --null -T -; echo "$opts") | sha256sum | cut -c1-16)
	fi
	out=$cache/deb-$key
	if [ -n "$key" ] && ls "$out"/amdgpu-tune_*.deb > /dev/null 2>&1; then
		echo "$out"
		return 0
	fi
	if [ -n "$key" ]; then
		tmp=$(mktemp -d "$cache/deb-build.XXXXXX") || return 1
	else
		tmp=$work/deb
		mkdir -p "$tmp" || return 1
	fi
	tree_copy "$tmp/amdgpu-tune" || { rm -rf "$tmp"; return 1; }
	if ! (cd "$tmp/amdgpu-tune" && DEB_BUILD_OPTIONS=$opts dpkg-buildpackage -us -uc -b) > "$tmp/build.log" 2>&1; then
		tail -n 30 "$tmp/build.log" >&2
		rm -rf "$tmp"
		return 1
	fi
	rm -rf "$tmp/amdgpu-tune"
	if [ -z "$key" ]; then
		echo "$tmp"
		return 0
	fi
	# Builds of other source contents, a week old, go.
	find "$cache" -maxdepth 1 -name 'deb-????????????????' -mtime +7 -exec rm -rf {} + 2> /dev/null
	rm -rf "$out"
	mv "$tmp" "$out" && echo "$out"
}
