#!/bin/sh
# Checks amdgpu-tune against real Debian kernel modules of four kernel lines: 6.1 (plain
# .ko) and 6.12 (.ko.xz) from bookworm, the newest kernel of trixie-backports and the
# newest of sid (7.x when this was written). The newer two are packaged differently
# (linux-modules-VER, linux-base-VER and linux-binary-VER, all under
# usr/lib/modules/VER) and installed here in a merged-/usr root (lib -> usr/lib), as on a
# trixie system. Every line comes through a private apt configuration in the cache
# (tests/apt.sh), so this runs the same on a Debian 12, 13 or sid host, whose own sources
# are neither used nor changed. Packages are fetched with apt-get download (the newest
# of each line the archive offers) and cached outside the source tree; only the amdgpu
# and ttm modules, modules.builtin and the kernel image are extracted, and depmod
# indexes them. Needs network (the Debian archive) the first time; fails loudly, naming
# the suite, when it cannot run.
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
. "$top_srcdir/tests/apt.sh"

# Fetches PKG (once) into the private configuration's archives; prints the .deb.
download() { # PKG
	if ! ls "$papt_dir/archives/${1}_"*.deb > /dev/null 2>&1; then
		(cd "$papt_dir/archives" && papt apt-get download "$1") > "$papt_dir/download.log" 2>&1 ||
			{ sed 's/^/# /' "$papt_dir/download.log" >&2; fail "apt-get download $1 (from $papt_suites)"; }
	fi
	ls "$papt_dir/archives/${1}_"*.deb | tail -n 1
}

# ---- bookworm's two lines: 6.1 from bookworm, 6.12 from bookworm-security ----
papt_setup bookworm --contents bookworm bookworm-updates bookworm-security
papt_update
pkg61=$(papt_newest '^linux-image-6\.1\.0-[0-9]+-amd64$')
pkg612=$(papt_newest '^linux-image-6\.12\.[0-9]+\+deb12-amd64$')
[ -n "$pkg61" ] || fail "no linux-image-6.1.0-*-amd64 in $papt_suites"
[ -n "$pkg612" ] || fail "no linux-image-6.12.*+deb12-amd64 in $papt_suites"
v61=${pkg61#linux-image-}
v612=${pkg612#linux-image-}
deb61=$(download "$pkg61")
deb612=$(download "$pkg612")

root=$cache/root-$v61-$v612
if [ ! -f "$root/.complete" ]; then
	rm -rf "$root"
	mkdir -p "$root"
	for deb in "$deb61" "$deb612"; do
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

# ---- the newer lines: trixie-backports and sid ----
papt_setup new trixie-backports sid
papt_update
# trixie-backports' kernels end in +deb13, sid's in +deb14 (or later).
pkgbpo=$(papt_newest '^linux-modules-[0-9]+\.[0-9]+\.[0-9]+\+deb13-amd64$')
pkgsid=$(papt_newest '^linux-modules-[0-9]+\.[0-9]+\.[0-9]+\+deb1[4-9]-amd64$')
[ -n "$pkgbpo" ] || fail "no linux-modules-*+deb13-amd64 in trixie-backports"
[ -n "$pkgsid" ] || fail "no linux-modules-*+deb14-amd64 in sid"
vbpo=${pkgbpo#linux-modules-}
vsid=${pkgsid#linux-modules-}
root4=$cache/root4b-$v61-$v612-$vbpo-$vsid
if [ ! -f "$root4/.complete" ]; then
	rm -rf "$root4"
	mkdir -p "$root4/usr/lib/modules"
	ln -s usr/lib "$root4/lib"
	for deb in "$deb61" "$deb612"; do
		dpkg-deb --fsys-tarfile "$deb" |
			tar -x -C "$root4" --keep-directory-symlink --wildcards '*/amdgpu.ko*' '*/ttm.ko*' \
				'*/modules.builtin' '*/modules.order' || fail "extracting $deb"
	done
	for v in "$vbpo" "$vsid"; do
		for p in "linux-modules-$v" "linux-base-$v" "linux-binary-$v"; do
			deb=$(download "$p")
			dpkg-deb --fsys-tarfile "$deb" |
				tar -x -C "$root4" --keep-directory-symlink --wildcards '*/amdgpu.ko*' '*/ttm.ko*' \
					'*/modules.builtin' '*/modules.order' '*/vmlinuz' 2> /dev/null || true
		done
		[ -f "$root4/usr/lib/modules/$v/kernel/drivers/gpu/drm/amd/amdgpu/amdgpu.ko.xz" ] ||
			fail "linux-modules-$v has no usr/lib/modules/$v/.../amdgpu.ko.xz"
		[ -f "$root4/usr/lib/modules/$v/modules.builtin" ] || fail "linux-base-$v has no modules.builtin"
		[ -f "$root4/usr/lib/modules/$v/vmlinuz" ] || fail "linux-binary-$v has no usr/lib/modules/$v/vmlinuz"
	done
	for v in "$v61" "$v612" "$vbpo" "$vsid"; do
		depmod -b "$root4" "$v" 2> /dev/null || fail "depmod $v"
	done
	touch "$root4/.complete"
fi

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

check "mtype_local (from 6.5) is not written for $v61" 0 "mtype = nc has no effect on gfx942 with $v61" \
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
rm -rf "$copy/var/cache/amdgpu-tune"
mkdir -p "$copy/etc/modprobe.d"
printf 'options amdgpu gtt_size=16384\n' > "$copy/etc/modprobe.d/forum.conf"
root=$copy
check "diff names a misspelt option on disk with the real $v612 metadata" 1 \
	"etc/modprobe.d/forum.conf:1: warning: amdgpu.gtt_size is unknown to amdgpu" \
	--kernel "$v612" diff strix-halo --memory 128GiB
n=$((n + 1))
entry=$copy/var/cache/amdgpu-tune/$v612/amdgpu.params
# diff only reads; apply (then remove) stores the entries.
if [ ! -e "$entry" ] && "$bin" --root "$copy" --kernel "$v612" apply strix-halo --memory 128GiB --force > /dev/null 2>&1 &&
	"$bin" --root "$copy" remove > /dev/null 2>&1 && [ -f "$entry" ] && grep -q "^gttsize	int	" "$entry"; then
	echo "ok $n - diff leaves no cache; apply caches the real amdgpu.ko.xz's parameters"
else
	echo "not ok $n - diff leaves no cache; apply caches the real amdgpu.ko.xz's parameters"
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
# ---- four kernel lines in one merged-/usr root ----
root=$root4
printf '[profile]\ndescription = mes\n[module amdgpu]\nmes = 0\n' > "$work/mes.conf"
# Versions as the tool lists them (sorted by version).
both=$(printf '%s\n%s\n' "$vbpo" "$vsid" | sort -V | paste -sd, | sed 's/,/, /')
check "four lines are found through lib -> usr/lib" 0 "$(printf '             %s  (TTM module: ttm' "$(printf '%s\n%s\n' "$vbpo" "$vsid" | sort -V | tail -n 1)")" detect
check "a split kernel package's image (usr/lib/modules/VER/vmlinuz) is found, and said to be no GRUB entry as unpacked" 0 \
	"has only lib/modules/$(printf '%s\n%s\n' "$vbpo" "$vsid" | sort -V | head -n 1)/vmlinuz" detect
check "the real amdgpu of $v612 depends on ttm (modules.dep): that is the limit written" 0 \
	"$v612  (TTM module: ttm, as amdgpu's modules.dep entry names it)" detect
check "mes exists in $v612 but is never read from 6.12 on" 0 "amdgpu.mes has no effect on $v612: from 6.12 on the kernel never reads it" \
	--kernel "$v612" check "$work/mes.conf"
for v in "$vbpo" "$vsid"; do
	case $v in
	6.*) ;;
	*) check "mes does not exist in $v (its own metadata)" 2 "mes: no such parameter of amdgpu in $v" \
		--kernel "$v" check "$work/mes.conf" ;;
	esac
done
check "mes=0 on $v61 is the default" 0 "amdgpu.mes=0 is already the default on $v61" \
	--kernel "$v61" check "$work/mes.conf"
for v in "$v612" "$vbpo" "$vsid"; do
	check "strix-halo on $v: pages_limit only, no gttsize" 0 "!amdgpu.gttsize" \
		--kernel "$v" show strix-halo --memory 128GiB
done
check "strix-halo on $v61: gttsize added (the GTT does not follow pages_limit before 6.5)" 0 \
	"amdgpu.gttsize=98304" --kernel "$v61" show strix-halo --memory 128GiB
check "strix-halo on $v61: ROCm capped at 3/8 of free RAM before 6.5" 0 "at most 3/8 of the RAM free" \
	--kernel "$v61" show strix-halo --memory 128GiB
check "strix-halo on $v61: the GPU is not driven" 0 "predates amdgpu's GC 11.5.1 support" \
	--kernel "$v61" show strix-halo --memory 128GiB
# ge A B: version A is B or later.
ge() { [ "$(printf '%s\n%s\n' "${1%%[+-]*}" "$2" | sort -V | head -n 1)" = "$2" ]; }
for v in "$v612" "$vbpo" "$vsid"; do
	case $v in 6.12.*) fixed_from=6.12.64 ;; *) fixed_from=6.18.4 ;; esac
	if ge "$v" "$fixed_from"; then
		check "strix-halo on $v: carries the gfx1151 KFD fixes, no warning" 0 "!KFD fixes" \
			--kernel "$v" show strix-halo --memory 128GiB
	else
		check "strix-halo on $v: not known to carry the gfx1151 KFD fixes" 0 "not known to carry the two KFD fixes" \
			--kernel "$v" show strix-halo --memory 128GiB
	fi
done
check "mtype_local taints $vsid (6.14 and later)" 0 "it taints $vsid" \
	--kernel "$vsid" show "$work/mtype.conf" --memory 128GiB
check "mtype_local does not taint $v612" 0 "!taints" \
	--kernel "$v612" show "$work/mtype.conf" --memory 128GiB
# Per-kernel facts against the real metadata of every line.
printf '[profile]\ndescription = lt\n[module amdgpu]\nlockup_timeout = 2000,60000,2000,2000\n' > "$work/lt4.conf"
printf '[profile]\ndescription = lt\n[module amdgpu]\nlockup_timeout = 0\n' > "$work/lt0.conf"
printf '[profile]\ndescription = gr\n[module amdgpu]\ngpu_recovery = 1\n' > "$work/gr.conf"
printf '[profile]\ndescription = ms\n[module amdgpu]\nmodeset = 1\n' > "$work/ms.conf"
for v in "$v61" "$v612" "$vbpo" "$vsid"; do
	check "four lockup_timeout values are a string the real amdgpu of $v takes" 0 "checked against $v" \
		--kernel "$v" check "$work/lt4.conf"
	check "strix-point on $v: a share of 64 GiB, no 128 GiB constant" 0 "ttm.pages_limit=12582912" \
		--kernel "$v" show strix-point --memory 64GiB
done
for v in "$vbpo" "$vsid"; do
	check "gpu_recovery taints $v (declared unsafe)" 0 "setting amdgpu.gpu_recovery taints $v" \
		--kernel "$v" check "$work/gr.conf"
	if ge "$v" 7.3; then
		check "a single lockup_timeout 0 zeroes every timeout on $v" 2 "a single 0 sets every queue's timeout to 0" \
			--kernel "$v" check "$work/lt0.conf"
	else
		check "a single lockup_timeout 0 on $v (source not read): nothing claimed" 0 "!single 0" \
			--kernel "$v" check "$work/lt0.conf"
	fi
done
check "gpu_recovery does not taint $v612" 0 "!taints" --kernel "$v612" check "$work/gr.conf"
check "modeset is not a parameter of $v61's amdgpu" 2 "modeset: no such parameter of amdgpu in $v61" \
	--kernel "$v61" check "$work/ms.conf"
check "strix-point on $v61: the GPU is not driven" 0 "$v61 does not drive gfx1150 at all" \
	--kernel "$v61" show strix-point --memory 64GiB
check "phoenix on $v61 (16 GiB): gttsize, the kernel's half of RAM kept" 0 "amdgpu.gttsize=8192" \
	--kernel "$v61" show phoenix --memory 16GiB
copy=$work/root4
cp -a "$root4" "$copy"
mkdir -p "$copy/etc/modprobe.d"
printf 'options amdgpu gttsize=98304\n' > "$copy/etc/modprobe.d/old-guide.conf"
root=$copy
check "gttsize on disk: deprecated in $vbpo and $vsid (from 6.15, by version: its description never says so)" 1 \
	"etc/modprobe.d/old-guide.conf:1: warning: amdgpu.gttsize is deprecated in $both" \
	diff strix-halo --memory 128GiB
check "gttsize on disk: not deprecated in $v612" 1 "!deprecated in $v612" \
	diff strix-halo --memory 128GiB

echo "1..$n"
echo "$((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
