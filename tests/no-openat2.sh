#!/bin/sh
# Kernels before 5.6 have no openat2(2); the tool then resolves paths inside the root
# itself. This runs the binary under a seccomp filter that makes openat2 fail with
# ENOSYS (tests/helpers/no-openat2.c) and checks that (1) every golden case prints
# exactly what it prints with openat2, and (2) symlinks in a --root tree that point
# outside it, absolutely or through "..", still do not reach the host. Also (4): an
# openat2 that fails with EAGAIN, as the kernel's does when a rename anywhere raced a
# ".." inside the root, is tried again. TAP output.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"
bin=$top_builddir/amdgpu-tune
export LC_ALL=C
work=$(mktemp -d)
trap "${KEEP:+:} rm -rf \"$work\"" EXIT
mkdir "$work/profiles" && cp "$top_srcdir"/profiles/*.conf "$top_srcdir"/tests/profiles/*.conf "$work/profiles/"
AMDGPU_TUNE_PROFILE_DIR=$work/profiles
export AMDGPU_TUNE_PROFILE_DIR
${CC:-cc} -O2 -o "$work/no-openat2" "$top_srcdir/tests/helpers/no-openat2.c" || exit 99
wrap=$work/no-openat2
"$wrap" true
case $? in
0) ;;
77) tap_skip_all "no seccomp filter here: the fallback is not tested" ;;
*) exit 99 ;;
esac
tap_plan 6

# (1) The golden cases under the filter.
tap_golden_wrapped "$wrap" "without openat2"

# (2) A root whose symlinks point at the host: proc -> /proc (the host's meminfo),
# a modprobe.d file through "../../.." to a file outside the root, and grub.d as an
# absolute link to a host directory. Inside the root, all three resolve to nothing.
r=$work/root
mkdir -p "$r/etc/modprobe.d" "$r/etc/default" "$r/boot/grub" "$r/usr/sbin" "$work/host/grub.d"
cp "$top_srcdir/tests/golden/diff-cloudimg/root/boot/grub/grub.cfg" "$r/boot/grub/"
cp "$top_srcdir/tests/golden/diff-cloudimg/root/usr/sbin/update-grub" "$r/usr/sbin/"
make_kernel "$r" 6.12.117+deb12-amd64 6.12 xz || exit 99
printf 'GRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX=""\n' > "$r/etc/default/grub"
echo 'options amdgpu vm_fragment_size=4242' > "$work/host/evil.conf"
echo 'GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX iommu=4343"' > "$work/host/grub.d/evil.cfg"
ln -s /proc "$r/proc"
ln -s loop.conf "$r/etc/modprobe.d/loop.conf"
ln -s "../../../../../../../../../../../../..$work/host/evil.conf" "$r/etc/modprobe.d/evil.conf"
ln -s "$work/host/grub.d" "$r/etc/default/grub.d"
for how in openat2 fallback; do
	w=
	[ $how = fallback ] && w=$wrap
	$w "$bin" --root "$r" show strix-halo > "$work/show.$how" 2>&1
	echo "rc $?" >> "$work/show.$how"
	$w "$bin" --root "$r" diff test-mixed --memory 32GiB > "$work/diff.$how" 2>&1
	echo "rc $?" >> "$work/diff.$how"
done
if cmp -s "$work/show.openat2" "$work/show.fallback" && cmp -s "$work/diff.openat2" "$work/diff.fallback"; then
	tap_ok "host symlinks: the fallback prints what openat2 does"
else
	tap_not_ok "host symlinks: the fallback prints what openat2 does"
	diff -u "$work/show.openat2" "$work/show.fallback" | sed 's/^/# /'
	diff -u "$work/diff.openat2" "$work/diff.fallback" | sed 's/^/# /'
fi
if grep -q 'no MemTotal' "$work/show.fallback"; then
	tap_ok "proc -> /proc: the host's meminfo is not read"
else
	tap_not_ok "proc -> /proc: the host's meminfo is not read"
	sed 's/^/# /' "$work/show.fallback"
fi
if ! grep -q 4242 "$work/diff.fallback" && ! grep -q 4343 "$work/diff.fallback"; then
	tap_ok "../ and absolute links to host files: not read"
else
	tap_not_ok "../ and absolute links to host files: not read"
	sed 's/^/# /' "$work/diff.fallback"
fi

# (3) The same links made to point inside the root work through the fallback.
rm "$r/proc" "$r/etc/modprobe.d/evil.conf" "$r/etc/default/grub.d"
mkdir -p "$r/real/proc" "$r/real/grub.d"
printf 'MemTotal:       65536000 kB\n' > "$r/real/proc/meminfo"
echo 'options amdgpu vm_fragment_size=4242' > "$r/real/evil.conf"
echo 'GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX iommu=4343"' > "$r/real/grub.d/evil.cfg"
ln -s /real/proc "$r/proc"
ln -s ../../../../real/evil.conf "$r/etc/modprobe.d/evil.conf"
ln -s ./../../real/./grub.d "$r/etc/default/grub.d"
"$bin" --root "$r" diff test-mixed > "$work/in.openat2" 2>&1
echo "rc $?" >> "$work/in.openat2"
"$wrap" "$bin" --root "$r" diff test-mixed > "$work/in.fallback" 2>&1
echo "rc $?" >> "$work/in.fallback"
if cmp -s "$work/in.openat2" "$work/in.fallback" && grep -q 4242 "$work/in.fallback" &&
	grep -q 4343 "$work/in.fallback"; then
	tap_ok "links inside the root: followed as openat2 follows them"
else
	tap_not_ok "links inside the root: followed as openat2 follows them"
	diff -u "$work/in.openat2" "$work/in.fallback" | sed 's/^/# /'
fi

# (4) Every other openat2 fails with EAGAIN (strace's fault injection): the output is
# the same, and the trace shows the faults were injected.
if command -v strace > /dev/null && strace -qq -o /dev/null true 2> /dev/null; then
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -qq -o "$work/eagain.trace" -e trace=openat2 -e inject=openat2:error=EAGAIN:when=1+2 \
		"$bin" --root "$r" diff test-mixed > "$work/in.eagain" 2>&1
	echo "rc $?" >> "$work/in.eagain"
	if cmp -s "$work/in.openat2" "$work/in.eagain" && grep -q 'EAGAIN.*(INJECTED)' "$work/eagain.trace"; then
		tap_ok "openat2 failing with EAGAIN is tried again: the same output"
	else
		tap_not_ok "openat2 failing with EAGAIN is tried again: the same output"
		diff -u "$work/in.openat2" "$work/in.eagain" | sed 's/^/# /'
	fi
else
	tap_skip "openat2 failing with EAGAIN is tried again" "strace is missing or cannot trace here"
fi
tap_done
