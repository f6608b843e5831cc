#!/bin/bash
# Package and kernel hook use: `apply --auto` (the profile matching the GPU, only on a
# machine amdgpu-tune never changed; no stdin, nothing on stdout, exit 0 on failure
# unless --strict), `reapply [KERNEL]` (the applied profile planned again for the
# kernels installed now), and the two hook scripts as the kernel's packaging runs them.
# Fake roots; TAP output.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"
bin=$top_builddir/amdgpu-tune
export LC_ALL=C
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
AMDGPU_TUNE_PROFILE_DIR=$top_srcdir/profiles
export AMDGPU_TUNE_PROFILE_DIR
unset DPKG_MAINTSCRIPT_PACKAGE
tap_plan 51

# strix_root DIR [KERNEL COLUMN]...: a GRUB machine with a Strix Halo GPU and 128 GB of
# RAM (MemTotal 131072000 kB), and the kernels given (6.1 by default).
strix_root() {
	r=$1
	shift
	mkdir -p "$r/proc" "$r/var/lib" "$r/var/cache"
	cp -R "$top_srcdir/tests/golden/diff-cloudimg/root/." "$r/"
	cp -R "$top_srcdir/tests/golden/show-auto-strix/root/." "$r/"
	chmod -R u+w "$r"
	printf 'MemTotal:       131072000 kB\nMemFree:        120000000 kB\n' > "$r/proc/meminfo"
	[ $# -gt 0 ] || set -- 6.1.0-28-amd64 6.1
	while [ $# -ge 2 ]; do
		make_kernel "$r" "$1" "$2" xz || return 1
		shift 2
	done
}
# gpu DIR DEVICE: one AMD display controller of that device id.
gpu() {
	rm -rf "$1/sys"
	d=$1/sys/bus/pci/devices/0000:03:00.0
	mkdir -p "$d"
	echo 0x1002 > "$d/vendor"
	echo "$2" > "$d/device"
	echo 0x030000 > "$d/class"
}
# Every file's inode, mtime and size, and every directory: what "nothing written" means
# (the lock file a refused apply leaves and the cache aside).
tree_stamp() { (cd "$1" && find . \( -path ./var/cache -o -path ./var/lib/amdgpu-tune/lock \) -prune -o \( -type d -printf '%P/\n' \) -o -printf '%P %i %T@ %s\n' | grep -vx 'var/lib/amdgpu-tune/' | sort); }
frag=etc/modprobe.d/90-amdgpu-tune.conf

# ---- apply --auto ----
r=$work/nogpu
strix_root "$r"
rm -rf "$r/sys"
s0=$(tree_stamp "$r")
"$bin" --root "$r" apply --auto > "$work/out" 2> "$work/err"
rc=$?
if [ $rc = 0 ] && [ ! -s "$work/out" ] && [ "$(wc -l < "$work/err")" = 1 ] && grep -q "^apply --auto: no AMD GPU .*: nothing to do$" "$work/err" && [ "$(tree_stamp "$r")" = "$s0" ]; then tap_ok "no AMD GPU: exit 0, one line on stderr, nothing on stdout, nothing written"; else tap_not_ok "no AMD GPU: exit 0, one line on stderr, nothing on stdout, nothing written"; sed 's/^/# /' "$work/err"; fi

r=$work/nomatch
strix_root "$r"
gpu "$r" 0x744c # Navi 31 (gfx1100): no shipped profile matches it
s0=$(tree_stamp "$r")
"$bin" --root "$r" apply --auto > "$work/out" 2> "$work/err"
rc=$?
if [ $rc = 0 ] && [ ! -s "$work/out" ] && [ "$(wc -l < "$work/err")" = 1 ] && grep -q "^apply --auto: no profile matches this machine's AMD GPU: 0000:03:00.0 1002:744c .*: nothing to do$" "$work/err" && [ "$(tree_stamp "$r")" = "$s0" ]; then tap_ok "an AMD GPU no profile matches: exit 0, one line, nothing written"; else tap_not_ok "an AMD GPU no profile matches: exit 0, one line, nothing written"; sed 's/^/# /' "$work/err"; fi

r=$work/strix
strix_root "$r"
# stdin is a pipe with a line in it: still there after the tool ran, so never read.
left=$(printf 'yes\n' | { "$bin" --root "$r" apply --auto --no-update > "$work/out" 2> "$work/err"; echo "rc=$?" > "$work/rc"; cat; })
rc=$(cat "$work/rc")
if [ "$rc" = rc=0 ] && [ ! -s "$work/out" ] && grep -q "^Applied strix-halo (snapshot 1" "$work/err" && grep -q "^options ttm pages_limit=" "$r/$frag" && grep -qx "profile strix-halo" "$r/var/lib/amdgpu-tune/state"; then tap_ok "Strix Halo: strix-halo applied, exit 0, its report on stderr, stdout empty"; else tap_not_ok "Strix Halo: strix-halo applied, exit 0, its report on stderr, stdout empty"; sed 's/^/# /' "$work/out" "$work/err"; fi
tap_check "... stdin was never read (the line piped in is still there)" [ "$left" = yes ]
cmp -s "$r/$frag" <(r2=$work/strix-by-name && strix_root "$r2" && "$bin" --root "$r2" apply strix-halo --no-update > /dev/null 2>&1 && cat "$r2/$frag")
tap_check "... the file written is the one 'apply strix-halo' writes" [ $? = 0 ]

s1=$(tree_stamp "$r")
"$bin" --root "$r" apply --auto --no-update > "$work/out" 2> "$work/err"
rc=$?
if [ $rc = 0 ] && [ ! -s "$work/out" ] && [ "$(wc -l < "$work/err")" = 1 ] && grep -q "^apply --auto: strix-halo is applied already; nothing changed" "$work/err" && [ "$(tree_stamp "$r")" = "$s1" ]; then tap_ok "applied already: exit 0, one line, nothing written"; else tap_not_ok "applied already: exit 0, one line, nothing written"; sed 's/^/# /' "$work/err"; fi

"$bin" --root "$r" remove --no-update > /dev/null 2>&1
s2=$(tree_stamp "$r")
"$bin" --root "$r" apply --auto --no-update > "$work/out" 2> "$work/err"
rc=$?
if [ $rc = 0 ] && [ ! -e "$r/$frag" ] && grep -q "^apply --auto: amdgpu-tune changed this machine before (snapshot 2: remove), and nothing is applied now; left as the administrator left it$" "$work/err" && [ "$(tree_stamp "$r")" = "$s2" ]; then tap_ok "after the administrator's remove: --auto leaves the machine alone"; else tap_not_ok "after the administrator's remove: --auto leaves the machine alone"; sed 's/^/# /' "$work/err"; fi

# A failure: a root that does not say how much RAM it has (apply needs --memory).
r=$work/fail
strix_root "$r"
rm "$r/proc/meminfo"
s0=$(tree_stamp "$r")
"$bin" --root "$r" apply --auto --no-update > "$work/out" 2> "$work/err"
rc=$?
if [ $rc = 0 ] && [ ! -s "$work/out" ] && grep -q "the size of RAM is unknown" "$work/err" && grep -q "^amdgpu-tune: apply --auto: not applied (exit status 2, 0 without --strict)" "$work/err" && [ "$(tree_stamp "$r")" = "$s0" ]; then tap_ok "a failure: reported on stderr, exit 0, nothing written"; else tap_not_ok "a failure: reported on stderr, exit 0, nothing written"; sed 's/^/# /' "$work/err"; fi
"$bin" --root "$r" apply --auto --strict --no-update > /dev/null 2> "$work/err"
rc=$?
if [ $rc = 2 ] && ! grep -q "0 without --strict" "$work/err" && [ "$(tree_stamp "$r")" = "$s0" ]; then tap_ok "... with --strict: exit 2, as apply"; else tap_not_ok "... with --strict: exit 2, as apply"; fi
"$bin" --root "$r" apply --auto --json --no-update > "$work/out" 2> /dev/null
tap_check "... with --json: one document with the errors on stdout" grep -q '"errors":\["[^"]*the size of RAM is unknown' "$work/out"
"$bin" --root "$r" apply --auto --memory 128000MiB --no-update > /dev/null 2>&1
tap_check "... and with the memory given it applies" grep -q "^options ttm pages_limit=" "$r/$frag"

# Usage.
"$bin" --root "$r" apply --auto strix-halo > /dev/null 2> "$work/err"
tap_check "apply --auto PROFILE: usage error (exit 2)" [ $? = 2 ]
"$bin" --root "$r" apply --strict strix-halo > /dev/null 2> "$work/err"
rc=$?
if [ $rc = 2 ] && grep -q "strict needs --auto" "$work/err"; then tap_ok "--strict without --auto: usage error"; else tap_not_ok "--strict without --auto: usage error"; fi
"$bin" --root "$r" detect --auto > /dev/null 2> "$work/err"
rc=$?
if [ $rc = 2 ] && grep -q -- "--auto does not apply to detect" "$work/err"; then tap_ok "detect --auto: does not apply (exit 2)"; else tap_not_ok "detect --auto: does not apply (exit 2)"; fi

# Inside a dpkg maintainer script (the package's postinst): the same, and regeneration
# as apply does there (tests/apply.sh checks the deferred update-initramfs).
r=$work/dpkg
strix_root "$r"
DPKG_MAINTSCRIPT_PACKAGE=amdgpu-tune "$bin" --root "$r" apply --auto --no-update > "$work/out" 2> "$work/err"
rc=$?
if [ $rc = 0 ] && [ ! -s "$work/out" ] && [ -e "$r/$frag" ]; then tap_ok "inside a maintainer script: applied, exit 0, stdout empty"; else tap_not_ok "inside a maintainer script: applied, exit 0, stdout empty"; fi

# ---- reapply ----
r=$work/re
strix_root "$r" 6.1.0-28-amd64 6.1
"$bin" --root "$r" reapply > "$work/out" 2>&1
rc=$?
if [ $rc = 0 ] && [ "$(cat "$work/out")" = "Nothing is applied: nothing to re-plan." ]; then tap_ok "reapply with nothing applied: exit 0, one line"; else tap_not_ok "reapply with nothing applied: exit 0, one line"; fi
"$bin" --root "$r" apply strix-halo --no-update > /dev/null 2>&1
tap_check "apply on 6.1: amdgpu.gttsize written (6.1 sizes the GTT from it)" grep -q "^options amdgpu gttsize=" "$r/$frag"
make_kernel "$r" 6.12.48+deb12-amd64 6.12 xz
s1=$(tree_stamp "$r")
"$bin" --root "$r" reapply --no-update 6.12.48+deb12-amd64 > "$work/out" 2> "$work/err"
rc=$?
if [ $rc = 0 ] && grep -q "^strix-halo: planned again for the kernels installed now, it is what is applied: nothing written" "$work/out" && [ "$(tree_stamp "$r")" = "$s1" ]; then tap_ok "6.12 installed beside 6.1: planned again, the same (6.1 still needs gttsize), nothing written"; else tap_not_ok "6.12 installed beside 6.1: planned again, the same (6.1 still needs gttsize), nothing written"; sed 's/^/# /' "$work/out"; fi
rm -r "$r/lib/modules/6.1.0-28-amd64"
"$bin" --root "$r" reapply --no-update > "$work/out" 2> "$work/err"
rc=$?
if [ $rc = 0 ] && grep -q "^Planned for the kernels installed now and applied strix-halo (snapshot 2" "$work/out" && ! grep -q gttsize "$r/$frag" && grep -q "^options ttm pages_limit=" "$r/$frag"; then tap_ok "6.1 removed: planned again for 6.12 alone, gttsize dropped, snapshot 2"; else tap_not_ok "6.1 removed: planned again for 6.12 alone, gttsize dropped, snapshot 2"; sed 's/^/# /' "$work/out" "$work/err"; fi
"$bin" --root "$r" rollback --no-update > /dev/null 2>&1
tap_check "... rollback gives the file with gttsize back" grep -q "^options amdgpu gttsize=" "$r/$frag"
"$bin" --root "$r" reapply --no-update 6.99.0-1-amd64 > /dev/null 2> "$work/err"
rc=$?
if [ $rc = 2 ] && grep -q "kernel 6.99.0-1-amd64 has no /lib/modules/6.99.0-1-amd64" "$work/err"; then tap_ok "reapply KERNEL that is not installed: exit 2, says so"; else tap_not_ok "reapply KERNEL that is not installed: exit 2, says so"; fi
"$bin" --root "$r" reapply --no-update ../../etc > /dev/null 2>&1
tap_check "reapply with a path for a version: usage error" [ $? = 2 ]
"$bin" --root "$r" reapply --kernel 6.12.48+deb12-amd64 > /dev/null 2>&1
tap_check "reapply --kernel: does not apply (the recorded one is used)" [ $? = 2 ]

# The recorded --kernel and the recorded memory (a root without proc/meminfo).
r=$work/re-rec
strix_root "$r" 6.1.0-28-amd64 6.1 6.12.48+deb12-amd64 6.12
rm "$r/proc/meminfo"
"$bin" --root "$r" apply strix-halo --kernel 6.12.48+deb12-amd64 --memory 64GiB --no-update > /dev/null 2>&1
cp "$r/$frag" "$work/frag.before"
"$bin" --root "$r" reapply --no-update 6.1.0-28-amd64 > "$work/out" 2> "$work/err"
rc=$?
if [ $rc = 0 ] && grep -q "warning: strix-halo was applied for kernel 6.12.48+deb12-amd64 only (apply --kernel): it is planned for that kernel again, not for 6.1.0-28-amd64" "$work/err" && cmp -s "$work/frag.before" "$r/$frag"; then tap_ok "applied with --kernel and --memory on a root without meminfo: reapply plans with both again, warns about the other kernel"; else tap_not_ok "applied with --kernel and --memory on a root without meminfo: reapply plans with both again, warns about the other kernel"; sed 's/^/# /' "$work/err"; fi

# A --memory accepted with --force on a machine that says how much RAM it has: reapply
# (a new kernel) plans for it again, and says so; the RAM is not said to have changed.
r=$work/re-mem
strix_root "$r" 6.12.48+deb12-amd64 6.12
"$bin" --root "$r" apply strix-halo --memory 96GiB --force --no-update > /dev/null 2>&1
pages96=$((96 * 1024 * 1024 * 1024 * 3 / 4 / 4096))
make_kernel "$r" 6.1.0-28-amd64 6.1 xz
"$bin" --root "$r" reapply --no-update 6.1.0-28-amd64 > "$work/out" 2> "$work/err"
rc=$?
if [ $rc = 0 ] && grep -qx "memory-from option" "$r/var/lib/amdgpu-tune/state" && grep -qx "options ttm pages_limit=$pages96" "$r/$frag" &&
	grep -q "^reapply: strix-halo planned for 96.00 GiB of RAM (the --memory recorded at apply) and kernels 6.1.0-28-amd64, 6.12.48+deb12-amd64$" "$work/out" &&
	grep -q "^  amdgpu.gttsize=$((96 * 1024 * 3 / 4)): newly set: the kernels installed now" "$work/out" &&
	grep -q "warning: planned for 96.00 GiB of RAM again, the --memory recorded at apply; this machine's MemTotal is 125.00 GiB" "$work/err" &&
	! grep -q "RAM changed" "$work/out" "$work/err"; then
	tap_ok "a recorded --memory (forced, MemTotal differs): reapply plans for it again, says so, and adds gttsize for the new 6.1 kernel"
else
	tap_not_ok "a recorded --memory (forced, MemTotal differs): reapply plans for it again, says so, and adds gttsize for the new 6.1 kernel"
	sed 's/^/# /' "$work/out" "$work/err" "$r/$frag"
fi
"$bin" --root "$r" status > "$work/out" 2> "$work/err"
if ! grep -q "RAM changed" "$work/out" "$work/err" && grep -q "the --memory recorded at apply" "$work/err"; then tap_ok "... status does not call the recorded --memory a RAM change"; else tap_not_ok "... status does not call the recorded --memory a RAM change"; sed 's/^/# /' "$work/out" "$work/err"; fi

# status on that tree, after a second kernel the hook has not planned for yet: the
# command it suggests repeats the recorded --memory in a form --memory reads, with the
# --force it needs, and works as given.
r=$work/re-mem2
strix_root "$r" 6.12.48+deb12-amd64 6.12
"$bin" --root "$r" apply strix-halo --memory 96GiB --force --no-update > /dev/null 2>&1
make_kernel "$r" 6.1.0-28-amd64 6.1 xz
"$bin" --root "$r" status > "$work/out" 2>&1
sugg=$(sed -n "s/.*re-planning now would .*; '\(amdgpu-tune apply [^']*\)' updates it$/\1/p" "$work/out")
# shellcheck disable=SC2086
if [ "$sugg" = "amdgpu-tune apply strix-halo --memory 96GiB --force" ] && "$bin" --root "$r" ${sugg#amdgpu-tune } --no-update > /dev/null 2>&1 && grep -q "^options amdgpu gttsize=" "$r/$frag"; then
	tap_ok "status after a new kernel suggests 'apply strix-halo --memory 96GiB --force', and that command works"
else
	tap_not_ok "status after a new kernel suggests 'apply strix-halo --memory 96GiB --force', and that command works (got: $sugg)"
	sed 's/^/# /' "$work/out"
fi

# A --memory given where the root had no MemTotal (an image being built) only stood in
# for it: once the machine has a MemTotal, reapply plans for that.
r=$work/re-assumed
strix_root "$r" 6.12.48+deb12-amd64 6.12
rm "$r/proc/meminfo"
"$bin" --root "$r" apply strix-halo --memory 64GiB --no-update > /dev/null 2>&1
grep -qx "memory-from assumed" "$r/var/lib/amdgpu-tune/state"
rc_assumed=$?
printf 'MemTotal:       131072000 kB\nMemFree:        120000000 kB\n' > "$r/proc/meminfo"
"$bin" --root "$r" reapply --no-update > "$work/out" 2> "$work/err"
rc=$?
if [ $rc_assumed = 0 ] && [ $rc = 0 ] && grep -qx "options ttm pages_limit=$((131072000 * 1024 * 3 / 4 / 4096))" "$r/$frag" &&
	grep -q "^  ttm.pages_limit: 12582912 -> $((131072000 * 1024 * 3 / 4 / 4096)): RAM known: apply planned for 64.00 GiB (a --memory for a root without MemTotal), MemTotal is 125.00 GiB now$" "$work/out"; then
	tap_ok "a --memory for a root without MemTotal is recorded as assumed; with a MemTotal, reapply plans for it and says why"
else
	tap_not_ok "a --memory for a root without MemTotal is recorded as assumed; with a MemTotal, reapply plans for it and says why"
	sed 's/^/# /' "$work/out" "$work/err" "$r/var/lib/amdgpu-tune/state"
fi

# The RAM itself changed (MemTotal 125 GiB at apply, 62.5 GiB now): reapply plans for
# the RAM there is, and names the change per setting.
r=$work/re-ram
strix_root "$r" 6.1.0-28-amd64 6.1
"$bin" --root "$r" apply strix-halo --no-update > /dev/null 2>&1
old_pages=$(sed -n 's/^options ttm pages_limit=//p' "$r/$frag")
printf 'MemTotal:       65536000 kB\nMemFree:        60000000 kB\n' > "$r/proc/meminfo"
"$bin" --root "$r" reapply --no-update > "$work/out" 2> "$work/err"
rc=$?
new_pages=$((65536000 * 1024 * 3 / 4 / 4096))
if [ $rc = 0 ] && grep -qx "memory-from meminfo" "$r/var/lib/amdgpu-tune/state" && grep -qx "options ttm pages_limit=$new_pages" "$r/$frag" &&
	grep -q "^  ttm.pages_limit: $old_pages -> $new_pages: RAM changed: apply planned for 125.00 GiB, MemTotal is 62.50 GiB now$" "$work/out"; then
	tap_ok "MemTotal changed since apply: reapply plans for the RAM there is and names the change per setting"
else
	tap_not_ok "MemTotal changed since apply: reapply plans for the RAM there is and names the change per setting"
	sed 's/^/# /' "$work/out" "$work/err"
fi

# remove from our own package's prerm: the rollback it names needs the package again,
# and purge deletes the snapshot.
r=$work/prerm
strix_root "$r" 6.12.48+deb12-amd64 6.12
"$bin" --root "$r" apply strix-halo --no-update > /dev/null 2>&1
DPKG_MAINTSCRIPT_PACKAGE=amdgpu-tune DPKG_MAINTSCRIPT_NAME=prerm "$bin" --root "$r" remove --no-update > "$work/out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q "^Removed amdgpu-tune's settings (snapshot 2 keeps them until the package is purged; with amdgpu-tune installed again, 'amdgpu-tune rollback' puts them back):" "$work/out" && [ ! -e "$r/$frag" ]; then tap_ok "remove from the package's prerm: says the snapshot lasts until purge and rollback needs the package"; else tap_not_ok "remove from the package's prerm: says the snapshot lasts until purge and rollback needs the package"; sed 's/^/# /' "$work/out"; fi

# The package's postrm on purge (dpkg's DPKG_ROOT names the root): after a remove that
# refused a drop-in edited by hand, the state and snapshots stay and it says so; after
# a remove that finished, everything goes.
r=$work/purge
strix_root "$r" 6.12.48+deb12-amd64 6.12
mkdir -p "$r/var/cache/amdgpu-tune"
"$bin" --root "$r" apply strix-halo --no-update > /dev/null 2>&1
echo "# edited by hand" >> "$r/$frag"
"$bin" --root "$r" remove --no-update > /dev/null 2>&1
rc=$?
DPKG_ROOT=$r sh "$top_srcdir/debian/amdgpu-tune.postrm" purge > "$work/out" 2> "$work/err"
prc=$?
tap_check "postrm purge after a refused remove (exit $rc): exit $prc, state and snapshots kept, the drop-in named, the cache gone" \
	eval '[ $rc = 2 ] && [ $prc = 0 ] && [ ! -s "$work/out" ] && [ -e "$r/var/lib/amdgpu-tune/state" ] && [ -e "$r/var/lib/amdgpu-tune/snapshots/1/manifest" ] && [ ! -e "$r/var/cache/amdgpu-tune" ] && grep -q "settings are still in /$frag\.$" "$work/err" && grep -q "install amdgpu-tune again and run .amdgpu-tune remove." "$work/err"'
"$bin" --root "$r" remove --force --no-update > /dev/null 2>&1
DPKG_ROOT=$r sh "$top_srcdir/debian/amdgpu-tune.postrm" purge > "$work/out" 2> "$work/err"
prc=$?
tap_check "postrm purge after remove finished: exit $prc, silent, /var/lib/amdgpu-tune gone" \
	eval '[ $prc = 0 ] && [ ! -s "$work/out" ] && [ ! -s "$work/err" ] && [ ! -e "$r/var/lib/amdgpu-tune" ] && [ ! -e "$r/$frag" ]'

# detect on this machine: which amdgpu-tune PATH finds, and copies shadowed behind it.
p1=$work/path1 p2=$work/path2
mkdir -p "$p1" "$p2"
cp "$bin" "$p1/amdgpu-tune"
cp "$bin" "$p2/amdgpu-tune"
PATH=$p1:$p2:$PATH "$p1/amdgpu-tune" detect > /dev/null 2> "$work/err"
if grep -qF "warning: $p1/amdgpu-tune shadows $p2/amdgpu-tune (first on PATH)" "$work/err" && ! grep -q "another program than the one running" "$work/err"; then tap_ok "detect: a second copy on PATH behind the one running is named"; else tap_not_ok "detect: a second copy on PATH behind the one running is named"; sed 's/^/# /' "$work/err"; fi
PATH=$p2:/usr/bin:/bin "$bin" detect > /dev/null 2> "$work/err"
if grep -qF "warning: 'amdgpu-tune' on PATH is $p2/amdgpu-tune, another program than the one running" "$work/err"; then tap_ok "detect: an amdgpu-tune on PATH that is not the one running is named"; else tap_not_ok "detect: an amdgpu-tune on PATH that is not the one running is named"; sed 's/^/# /' "$work/err"; fi
PATH=$p1:/usr/bin:/bin "$p1/amdgpu-tune" detect > /dev/null 2> "$work/err"
tap_check "detect: the one running first on PATH, no other copy: no warning about it" sh -c '! grep -q "on PATH\|shadows" "$1"' sh "$work/err"

# A profile that names its GPU by PCI id only (unknown to the id table): matched, and
# no "none of the profile's GPUs" warning; another GPU gets it.
r=$work/by-id
strix_root "$r" 6.12.48+deb12-amd64 6.12
mkdir -p "$r/etc/amdgpu-tune/profiles"
printf '[profile]\ndescription = by id\nmatch = gfx1100 1002:abcd\n[kernel]\niommu = pt\n' > "$r/etc/amdgpu-tune/profiles/byid.conf"
gpu "$r" 0xabcd
"$bin" --root "$r" show byid > /dev/null 2> "$work/err"
ok1=$?
gpu "$r" 0x73bf
"$bin" --root "$r" show byid > /dev/null 2> "$work/err2"
if [ $ok1 = 0 ] && ! grep -q "the profile is for" "$work/err" && grep -q "warning: the profile is for gfx1100, 1002:abcd GPUs; the tree has only gfx1030 1002:73bf 0000:03:00.0" "$work/err2"; then tap_ok "show: a GPU matched by its PCI id gets no GPU warning, another GPU does"; else tap_not_ok "show: a GPU matched by its PCI id gets no GPU warning, another GPU does"; sed 's/^/# /' "$work/err" "$work/err2"; fi

# ---- the hooks, as the kernel's packaging runs them ----
# The installed scripts call the installed binary on /; here a wrapper adds --root.
hookbin=$work/hookbin
mkdir -p "$hookbin"
printf '#!/bin/sh\necho "$*" >> %s/calls\nexec %s --root "$HOOK_ROOT" "$@"\n' "$work" "$bin" > "$hookbin/amdgpu-tune"
# depmod the same way: its calls recorded, then run on the fake root.
printf '#!/bin/sh\necho "$*" >> %s/depmod-calls\nexec %s -b "$HOOK_ROOT" "$@"\n' "$work" "${DEPMOD:-depmod}" > "$hookbin/depmod"
chmod 755 "$hookbin/amdgpu-tune" "$hookbin/depmod"
for h in kernel-postinst kernel-install; do
	sed -e "s|@sbindir@|$hookbin|g" -e "s|/var/lib/amdgpu-tune/state|\"\$HOOK_ROOT\"/var/lib/amdgpu-tune/state|" \
		-e "s|\"/lib/modules/|\"\$HOOK_ROOT/lib/modules/|g" -e "s|/usr/sbin/depmod /sbin/depmod|$hookbin/depmod|" \
		"$top_srcdir/hooks/$h.in" > "$work/$h"
	chmod 755 "$work/$h"
done
grep -q '@' "$work/kernel-postinst" "$work/kernel-install"
tap_check "the hook templates have no placeholder left after the build's substitutions" [ $? = 1 ]
tap_check "... and the kernel-install plugin's depmod is the stand-in" grep -q "in $hookbin/depmod; do" "$work/kernel-install"

r=$work/hook
strix_root "$r" 6.12.48+deb12-amd64 6.12
export HOOK_ROOT=$r
: > "$work/calls"
"$work/kernel-postinst" 6.12.48+deb12-amd64 /boot/vmlinuz-6.12.48+deb12-amd64 > "$work/out" 2> "$work/err"
rc=$?
if [ $rc = 0 ] && [ ! -s "$work/out" ] && [ ! -s "$work/err" ] && [ ! -s "$work/calls" ]; then tap_ok "postinst.d hook, nothing applied: exit 0, silent, the tool not run"; else tap_not_ok "postinst.d hook, nothing applied: exit 0, silent, the tool not run"; fi
"$bin" --root "$r" apply strix-halo --no-update > /dev/null 2>&1
make_kernel "$r" 6.1.0-28-amd64 6.1 xz
"$work/kernel-postinst" 6.1.0-28-amd64 /boot/vmlinuz-6.1.0-28-amd64 > "$work/out" 2> "$work/err"
rc=$?
if [ $rc = 0 ] && [ ! -s "$work/out" ] && grep -q "^Planned for the kernels installed now and applied strix-halo" "$work/err" && grep -q "^options amdgpu gttsize=" "$r/$frag" && grep -qx -- "reapply -- 6.1.0-28-amd64" "$work/calls"; then tap_ok "postinst.d hook, 6.1 installed beside 6.12: gttsize added for it, report on stderr, stdout empty, exit 0"; else tap_not_ok "postinst.d hook, 6.1 installed beside 6.12: gttsize added for it, report on stderr, stdout empty, exit 0"; sed 's/^/# /' "$work/err" "$work/calls"; fi
chmod 000 "$r/etc/modprobe.d" 2> /dev/null
rm -r "$r/lib/modules/6.1.0-28-amd64"
echo broken > "$r/var/lib/amdgpu-tune/state"
"$work/kernel-postinst" 6.1.0-28-amd64 > "$work/out" 2> "$work/err"
rc=$?
chmod 755 "$r/etc/modprobe.d"
if [ $rc = 0 ] && [ ! -s "$work/out" ] && grep -q "not planned again (exit status 2)" "$work/err"; then tap_ok "postinst.d hook, reapply failing: exit 0 all the same, the failure on stderr"; else tap_not_ok "postinst.d hook, reapply failing: exit 0 all the same, the failure on stderr"; fi
"$work/kernel-postinst" > /dev/null 2> "$work/err"
if [ $? = 0 ] && grep -q "without a kernel version" "$work/err"; then tap_ok "postinst.d hook without a version: exit 0, says so"; else tap_not_ok "postinst.d hook without a version: exit 0, says so"; fi

r=$work/ki
strix_root "$r" 6.12.48+deb12-amd64 6.12
export HOOK_ROOT=$r
"$bin" --root "$r" apply strix-halo --no-update > /dev/null 2>&1
make_kernel "$r" 6.1.0-28-amd64 6.1 xz
: > "$work/calls"
"$work/kernel-install" add 6.1.0-28-amd64 /boot/efi/x/6.1.0-28-amd64 /boot/vmlinuz-6.1.0-28-amd64 > "$work/out" 2> "$work/err"
rc=$?
if [ $rc = 0 ] && [ ! -s "$work/out" ] && grep -q "^options amdgpu gttsize=" "$r/$frag" && grep -qx -- "reapply --no-update -- 6.1.0-28-amd64" "$work/calls"; then tap_ok "kernel-install plugin, add: planned again for the new kernel (--no-update), exit 0"; else tap_not_ok "kernel-install plugin, add: planned again for the new kernel (--no-update), exit 0"; sed 's/^/# /' "$work/err"; fi
: > "$work/calls"
"$work/kernel-install" remove 6.1.0-28-amd64 > /dev/null 2>&1
if [ $? = 0 ] && [ ! -s "$work/calls" ]; then tap_ok "kernel-install plugin, remove: exit 0, the tool not run"; else tap_not_ok "kernel-install plugin, remove: exit 0, the tool not run"; fi
# Run from amdgpu-tune's own regeneration (update-initramfs -> systemd-boot's hook ->
# kernel-install): the tool holds its lock; the plugin must not wait for it.
AMDGPU_TUNE_REGENERATING=1 "$work/kernel-install" add 6.1.0-28-amd64 /boot/efi/x /boot/vmlinuz > "$work/out" 2>&1
rc=$?
tap_check "kernel-install plugin run by amdgpu-tune's own regeneration: exit 0 at once, the tool not run (it holds the lock)" \
	eval '[ $rc = 0 ] && [ ! -s "$work/calls" ] && [ ! -s "$work/out" ]'
echo broken > "$r/var/lib/amdgpu-tune/state"
"$work/kernel-install" add 6.1.0-28-amd64 /boot/efi/x /boot/vmlinuz > /dev/null 2> "$work/err"
rc=$?
if [ $rc = 0 ] && grep -q "not planned again" "$work/err"; then tap_ok "kernel-install plugin, reapply failing: exit 0 (never 77), the failure on stderr"; else tap_not_ok "kernel-install plugin, reapply failing: exit 0 (never 77), the failure on stderr"; fi

# A new kernel whose modules.dep.bin is not built yet (50-depmod.install runs after the
# plugin): depmod -a VERSION first, then reapply.
r=$work/ki-depmod
strix_root "$r" 6.12.48+deb12-amd64 6.12
export HOOK_ROOT=$r
"$bin" --root "$r" apply strix-halo --no-update > /dev/null 2>&1
make_kernel "$r" 6.1.0-28-amd64 6.1 xz
rm "$r"/lib/modules/6.1.0-28-amd64/modules.*.bin
: > "$work/calls"
: > "$work/depmod-calls"
"$work/kernel-install" add 6.1.0-28-amd64 /boot/efi/x /boot/vmlinuz-6.1.0-28-amd64 > /dev/null 2> "$work/err"
rc=$?
if [ $rc = 0 ] && grep -qx -- "-a 6.1.0-28-amd64" "$work/depmod-calls" && grep -qx -- "reapply --no-update -- 6.1.0-28-amd64" "$work/calls" && grep -q "^options amdgpu gttsize=" "$r/$frag"; then
	tap_ok "kernel-install plugin, a kernel without modules.dep.bin: depmod -a VERSION, then planned again for it"
else
	tap_not_ok "kernel-install plugin, a kernel without modules.dep.bin: depmod -a VERSION, then planned again for it"
	sed 's/^/# /' "$work/err" "$work/depmod-calls" "$work/calls"
fi

# Versions that are not kernel releases (as 'amdgpu-tune reapply' takes them, and only
# the bytes releases are made of): each hook exits 0 with one line on stderr, printable,
# the version not echoed raw, and runs neither the tool nor depmod - with a profile
# applied, so that a valid version would run both.
long=$(printf '6.12.48-%0193d' 0) # 201 bytes
bad=("6.1.0-28-amd64/../../../etc" "/" ".." "." ".hidden" $'6.1.0\nforged line' $'6.1.0\033[31m' "-a" "--help" "" "$long" "6.1 0" $'6.1.0\xff' '6.1;id')
for h in kernel-postinst kernel-install; do
	fails=
	for v in "${bad[@]}"; do
		: > "$work/calls"
		: > "$work/depmod-calls"
		if [ $h = kernel-postinst ]; then
			"$work/$h" "$v" /boot/vmlinuz > "$work/out" 2> "$work/err"
		else
			"$work/$h" add "$v" /boot/efi/x /boot/vmlinuz > "$work/out" 2> "$work/err"
		fi
		rc=$?
		if [ $rc != 0 ] || [ -s "$work/out" ] || [ -s "$work/calls" ] || [ -s "$work/depmod-calls" ] ||
			[ "$(wc -l < "$work/err")" != 1 ] || LC_ALL=C grep -q '[^ -~]' "$work/err" ||
			! grep -q "invalid kernel version '.*'; nothing done$\|without a kernel version; nothing done$" "$work/err"; then
			fails="$fails $(printf %q "$v")"
			cat -v "$work/err" "$work/calls" "$work/depmod-calls" | sed 's/^/# /'
		fi
	done
	tap_check "$h: a version with '/', '..', a newline, an escape sequence, a leading '-', empty, over 200 bytes: exit 0, one printable line, neither the tool nor depmod run" [ -z "$fails" ]
	[ -z "$fails" ] || echo "# failed for:$fails"
done
"$work/kernel-postinst" $'6.1.0\033[31m' > /dev/null 2> "$work/err"
"$work/kernel-install" add "$long" /boot/efi/x /boot/vmlinuz > /dev/null 2> "$work/err2"
if [ "$(cat "$work/err")" = "amdgpu-tune kernel hook: called with an invalid kernel version '6.1.0??31m'; nothing done" ] &&
	[ "$(cat "$work/err2")" = "amdgpu-tune: kernel-install add: invalid kernel version '$(printf %.64s "$long")...'; nothing done" ]; then
	tap_ok "... the version shown with '?' for each byte a release may not hold, cut after 64 bytes"
else
	tap_not_ok "... the version shown with '?' for each byte a release may not hold, cut after 64 bytes"
	cat -v "$work/err" "$work/err2" | sed 's/^/# /'
fi
# 200 bytes is still a version (reapply's limit): the tool runs, and says it is not installed.
v200=${long%?}
: > "$work/calls"
"$work/kernel-postinst" "$v200" > /dev/null 2> "$work/err"
rc1=$?
"$work/kernel-install" add "$v200" /boot/efi/x /boot/vmlinuz > /dev/null 2>> "$work/err"
rc2=$?
if [ $rc1 = 0 ] && [ $rc2 = 0 ] && [ "$(grep -cx -- "reapply\( --no-update\)\? -- $v200" "$work/calls")" = 2 ] && [ "$(grep -c "kernel $v200 has no /lib/modules/$v200" "$work/err")" = 2 ]; then
	tap_ok "a 200-byte version: both hooks run the tool with it, which says it is not installed"
else
	tap_not_ok "a 200-byte version: both hooks run the tool with it, which says it is not installed"
	sed 's/^/# /' "$work/err" "$work/calls"
fi

tap_done
