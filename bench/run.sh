#!/bin/sh
# Benchmark of `amdgpu-tune diff` on a realistic root: three 6.12-style kernels with the
# real Debian amdgpu.ko.xz and ttm.ko.xz, ~200 modprobe.d files, a long GRUB command
# line. Reports cold (no parameter cache) and warm runs: median wall time and peak RSS,
# and the ratio to `modprobe -c` reading the same modprobe.d tree in the same run.
# Usage: bench/run.sh [BUILDDIR] (default: the source tree). Needs the Debian archive the
# first time (apt-get download of linux-image-6.12.*+deb12-amd64), cached like check-real.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=${1:-$top}
bin=$build/amdgpu-tune
runs=${BENCH_RUNS:-15}
cache=${AMDGPU_TUNE_TEST_CACHE:-/var/tmp/amdgpu-tune-test-cache}
work=$(mktemp -d)
trap '${BENCH_KEEP:+:} rm -rf "$work"' EXIT
export AMDGPU_TUNE_PROFILE_DIR=$top/profiles LC_ALL=C
mkdir -p "$cache"

cc -O2 -o "$work/rusage" "$here/rusage.c"

pkg=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-amd64$' | awk '{print $1}' | sort -V | tail -n 1)
[ -n "$pkg" ] || { echo "bench: no linux-image-6.12 in the apt lists (apt-get update)" >&2; exit 1; }
if ! ls "$cache/${pkg}_"*.deb >/dev/null 2>&1; then
	(cd "$cache" && apt-get download "$pkg")
fi
deb=$(ls "$cache/${pkg}_"*.deb | tail -n 1)
mkdir -p "$work/x"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/x" --wildcards '*/amdgpu.ko*' '*/ttm.ko*' '*/drm.ko*' '*/modules.builtin' '*/modules.order'
src=$(find "$work/x" -type d -path '*/modules/*' -prune | head -n 1)

root=$work/root
base=${pkg#linux-image-}
patch=${base#6.12.}
patch=${patch%%+*}
for k in 0 1 2; do
	v=6.12.$((patch - k))+deb12-amd64
	mkdir -p "$root/lib/modules/$v"
	cp -R "$src/." "$root/lib/modules/$v/"
	depmod -b "$root" "$v" 2>/dev/null
	: > "$root/boot-vmlinuz-$v"
	mkdir -p "$root/boot" && mv "$root/boot-vmlinuz-$v" "$root/boot/vmlinuz-$v"
done
mkdir -p "$root/etc/modprobe.d" "$root/lib/modprobe.d" "$root/etc/default/grub.d" \
	"$root/usr/sbin" "$root/boot/grub" "$root/proc" "$root/var/lib/amdgpu-tune"
i=0
while [ $i -lt 200 ]; do
	d=etc
	[ $((i % 3)) -eq 0 ] && d=lib
	printf '# file %d\noptions mod%d param_a=%d param_b=0x%x\nalias pci:v%08X* mod%d\nblacklist old%d\n' \
		$i $i $i $i $i $i $i > "$root/$d/modprobe.d/$(printf '%03d' $i)-bench.conf"
	i=$((i + 1))
done
printf 'options amdgpu noretry=0\noptions ttm page_pool_size=1000\n' > "$root/etc/modprobe.d/amdgpu.conf"
long=""
i=0
while [ $i -lt 60 ]; do long="$long opt$i=value$i"; i=$((i + 1)); done
printf 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet splash%s"\nGRUB_CMDLINE_LINUX="root=UUID=0b3c9a44-1b8e-4a0c-9e52-7c0d3f3a2b11 ro"\n' "$long" > "$root/etc/default/grub"
printf 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT console=tty1 console=ttyS0"\n' > "$root/etc/default/grub.d/50-cloudimg-settings.cfg"
: > "$root/usr/sbin/update-grub"
: > "$root/boot/grub/grub.cfg"
echo "BOOT_IMAGE=/boot/vmlinuz-$base root=UUID=0b3c ro quiet splash$long" > "$root/proc/cmdline"
printf 'MemTotal:       131072000 kB\n' > "$root/proc/meminfo"
# A real dpkg status (this machine's): diff reads it for the root's kmod version, and on
# a desktop it is megabytes.
if [ -f /var/lib/dpkg/status ]; then
	mkdir -p "$root/var/lib/dpkg"
	cp /var/lib/dpkg/status "$root/var/lib/dpkg/status"
fi

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
one() { # label command...: one run, its wall time and RSS appended to $work/LABEL.{t,m}
	label=$1
	shift
	[ "$label" = cold ] && rm -rf "$root/var/cache/amdgpu-tune"
	"$work/rusage" "$@" > "$work/one"
	read -r us kib rc < "$work/one"
	[ "$rc" -le 1 ] || { echo "bench: $label exited $rc" >&2; exit 1; }
	echo "$us" >> "$work/$label.t"
	echo "$kib" >> "$work/$label.m"
}
report() { # label
	t=$(median < "$work/$1.t")
	m=$(sort -n "$work/$1.m" | tail -n 1)
	printf '%-12s median %8.2f ms   peak RSS %6d KiB\n' "$1" "$(echo "$t" | awk '{print $1/1000}')" "$m"
	eval "t_$1=$t m_$1=$m"
}
measure() { # label command...: runs times in a row
	n=0
	while [ $n -lt "$runs" ]; do
		one "$@"
		n=$((n + 1))
	done
	report "$1"
}

echo "root: 3 kernels ($base and two older), $(ls "$root/etc/modprobe.d" "$root/lib/modprobe.d" | grep -c conf) modprobe.d files, command line ${#long}+ bytes, dpkg status $(wc -c < "$root/var/lib/dpkg/status" 2>/dev/null || echo 0) bytes, $runs runs each"
measure cold "$bin" --root "$root" diff strix-halo
# Only the commands that write store entries: apply (then remove) warms the cache.
"$bin" --root "$root" apply strix-halo --force > /dev/null 2>&1 &&
	"$bin" --root "$root" remove > /dev/null 2>&1 &&
	ls "$root/var/cache/amdgpu-tune/$base/"*.params > /dev/null ||
	{ echo "bench: apply left no cache entry" >&2; exit 1; }
# modprobe -c and warm diff alternately, so that both see the same machine.
n=0
while [ $n -lt "$runs" ]; do
	one modprobe modprobe -c -C "$root/etc/modprobe.d" -C "$root/lib/modprobe.d" -d "$root" -S "$base"
	one warm "$bin" --root "$root" diff strix-halo
	n=$((n + 1))
done
report modprobe
report warm
awk -v w="$t_warm" -v c="$t_cold" -v m="$t_modprobe" 'BEGIN {
	printf "warm/modprobe -c: %.2fx   cold/warm: %.1fx\n", w / m, c / w }'
# Targets: warm within 1.2x of modprobe -c (alternate runs), under 5 MB RSS.
awk -v w="$t_warm" -v m="$t_modprobe" -v r="$m_warm" 'BEGIN {
	ok = (w <= 1.2 * m) && (r < 5120)
	print ok ? "targets met" : "targets MISSED"; exit !ok }'
