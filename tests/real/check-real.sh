#!/bin/sh
# Checks amdgpu-tune against real Debian kernel modules of both lines: 6.1 (plain .ko)
# and 6.12 (.ko.xz). Downloads linux-image packages with apt-get download (the newest of
# each line the archive offers), caches them outside the source tree, extracts only the
# amdgpu and ttm modules, indexes them with depmod, then runs the binary on that root.
# Needs network (the Debian archive) the first time; fails loudly when it cannot run.
# Usage: check-real.sh /path/to/amdgpu-tune
set -eu
bin=$1
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
cache=${AMDGPU_TUNE_TEST_CACHE:-/var/tmp/amdgpu-tune-test-cache}
AMDGPU_TUNE_PROFILE_DIR=$top_srcdir/profiles
export AMDGPU_TUNE_PROFILE_DIR LC_ALL=C
mkdir -p "$cache"

fail() {
	echo "not ok - $*"
	echo "check-real: FAILED: $*" >&2
	exit 1
}

newest() {
	apt-cache search --names-only "$1" | awk '{print $1}' | sort -V | tail -n 1
}
pkg61=$(newest '^linux-image-6\.1\.0-[0-9]+-amd64$')
pkg612=$(newest '^linux-image-6\.12\.[0-9]+\+deb12-amd64$')
[ -n "$pkg61" ] || fail "no linux-image-6.1.0-*-amd64 in the apt lists (run apt-get update)"
[ -n "$pkg612" ] || fail "no linux-image-6.12.*+deb12-amd64 in the apt lists (run apt-get update)"
v61=${pkg61#linux-image-}
v612=${pkg612#linux-image-}

root=$cache/root-$v61-$v612
if [ ! -f "$root/.complete" ]; then
	rm -rf "$root"
	mkdir -p "$root"
	for p in "$pkg61" "$pkg612"; do
		if ! ls "$cache/${p}_"*.deb >/dev/null 2>&1; then
			(cd "$cache" && apt-get download "$p") || fail "apt-get download $p"
		fi
		deb=$(ls "$cache/${p}_"*.deb | tail -n 1)
		dpkg-deb --fsys-tarfile "$deb" |
			tar -x -C "$root" --wildcards '*/amdgpu.ko*' '*/ttm.ko*' '*/modules.builtin' '*/modules.order' ||
			fail "extracting $deb"
	done
	# 6.12 packages may install under usr/lib/modules; give both a lib/modules path.
	if [ -d "$root/usr/lib/modules" ]; then
		mkdir -p "$root/lib/modules"
		for d in "$root/usr/lib/modules/"*; do
			[ -e "$root/lib/modules/${d##*/}" ] || mv "$d" "$root/lib/modules/"
		done
	fi
	for v in "$v61" "$v612"; do
		depmod -b "$root" "$v" 2>/dev/null || fail "depmod $v"
	done
	touch "$root/.complete"
fi
ls "$root/lib/modules/$v61/kernel/drivers/gpu/drm/amd/amdgpu/amdgpu.ko" >/dev/null || fail "6.1 amdgpu is not a plain .ko"
ls "$root/lib/modules/$v612/kernel/drivers/gpu/drm/amd/amdgpu/amdgpu.ko.xz" >/dev/null || fail "6.12 amdgpu is not .ko.xz"

n=0
failed=0
check() { # description, expected exit code, grep pattern (or '!pattern' = must not appear), args...
	what=$1 want=$2 pat=$3
	shift 3
	n=$((n + 1))
	rc=0
	out=$("$bin" --root "$root" "$@" 2>&1) || rc=$?
	ok=yes
	[ "$rc" = "$want" ] || ok=no
	case $pat in
	!*) ! printf '%s\n' "$out" | grep -qF -- "${pat#!}" || ok=no ;;
	*) printf '%s\n' "$out" | grep -qF -- "$pat" || ok=no ;;
	esac
	if [ $ok = yes ]; then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what (exit $rc)"
		printf '%s\n' "$out" | sed 's/^/# /'
		failed=$((failed + 1))
	fi
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '[profile]\ndescription = mi300\nmatch = gfx942\n[memory]\nmtype = nc\n' > "$work/mtype.conf"
printf '[profile]\ndescription = typo\n[module amdgpu]\ngtt_size = 16384\n' > "$work/typo.conf"
printf '[profile]\ndescription = gart\n[module amdgpu]\ngartsize = -1\n' > "$work/gart.conf"

echo "1..12"
check "mtype_local is unknown to $v61" 2 "mtype_local: no such parameter of amdgpu in $v61" \
	--kernel "$v61" check "$work/mtype.conf"
check "mtype_local is known to $v612" 0 "valid, 1 setting" \
	--kernel "$v612" check "$work/mtype.conf"
check "mtype_local on both lines warns about $v61 only" 0 "not a parameter of amdgpu in $v61, which will ignore it (known in $v612)" \
	check "$work/mtype.conf"
check "gtt_size is unknown to both, with the real name suggested" 2 "gtt_size: no such parameter of amdgpu in $v61, $v612; did you mean 'gttsize'?" \
	check "$work/typo.conf"
check "gartsize=-1 is refused by the real uint type" 2 "gartsize=-1: not a valid value for uint in $v61, $v612" \
	check "$work/gart.conf"
check "strix-halo on $v612 (.ko.xz): 96 GiB = 25165824 pages" 0 "ttm.pages_limit=25165824" \
	--kernel "$v612" show strix-halo --memory 128GiB
check "strix-halo on $v612 needs no gttsize" 0 "!amdgpu.gttsize" \
	--kernel "$v612" show strix-halo --memory 128GiB
check "strix-halo on $v61 (plain .ko) adds gttsize in MiB" 0 "amdgpu.gttsize=98304" \
	--kernel "$v61" show strix-halo --memory 128GiB
check "the shipped profiles validate against both real kernels" 0 "checked against $v61, $v612" \
	check rdna2

# diff on a copy of the real root: the parameter cache and the on-disk lints with the
# real module metadata.
copy=$work/root
cp -a "$root" "$copy"
mkdir -p "$copy/etc/modprobe.d"
printf 'options amdgpu gtt_size=16384\n' > "$copy/etc/modprobe.d/forum.conf"
root=$copy
check "diff names a misspelt option on disk with the real $v612 metadata" 1 \
	"etc/modprobe.d/forum.conf:1: warning: amdgpu.gtt_size is unknown to amdgpu" \
	--kernel "$v612" diff strix-halo --memory 128GiB
n=$((n + 1))
entry=$copy/var/cache/amdgpu-tune/$v612/amdgpu.params
if [ -f "$entry" ] && grep -q "^gttsize	int	" "$entry"; then
	echo "ok $n - the real amdgpu.ko.xz's parameters are cached"
else
	echo "not ok $n - the real amdgpu.ko.xz's parameters are cached"
	failed=$((failed + 1))
fi
n=$((n + 1))
cold=$("$bin" --root "$copy" diff strix-halo --memory 128GiB 2>&1 && echo rc=0 || echo "rc=$?")
rm -rf "$copy/var/cache/amdgpu-tune"
rc=0
AMDGPU_TUNE_NO_CACHE=1 "$bin" --root "$copy" diff strix-halo --memory 128GiB > "$work/nocache" 2>&1 || rc=$?
echo "rc=$rc" >> "$work/nocache"
if [ "$cold" = "$(cat "$work/nocache")" ]; then
	echo "ok $n - diff from the cache equals diff from the module files"
else
	echo "not ok $n - diff from the cache equals diff from the module files"
	failed=$((failed + 1))
fi
echo "$((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
