#!/bin/sh
# The parameter cache on a fake root: written by the commands that write (never by the
# read-only ones), used while the module file is unchanged, ignored when the module
# changes, when damaged, when others could have written it or a directory above it, when
# reached through a symlink, or when disabled. TAP output.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"
bin=$top_builddir/amdgpu-tune
AMDGPU_TUNE_PROFILE_DIR=$top_srcdir/profiles
export AMDGPU_TUNE_PROFILE_DIR
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
ver=6.12.117+deb12-amd64
make_kernel "$root" $ver 6.12 xz || exit 99
entry=$root/var/cache/amdgpu-tune/$ver/ttm.params
show() { "$bin" --root "$root" show strix-halo --memory 128GiB > "$work/out" 2> "$work/err"; }
# apply (then remove) is what stores entries.
warm() {
	"$bin" --root "$root" apply strix-halo --memory 128GiB --force > "$work/out" 2> "$work/err" &&
		grep -q "ttm.pages_limit=25165824" "$root/etc/modprobe.d/90-amdgpu-tune.conf" &&
		"$bin" --root "$root" remove > /dev/null 2>&1
}

show && grep -q "ttm.pages_limit=25165824" "$work/out" && [ ! -e "$root/var/cache/amdgpu-tune" ]
tap_result "show reads the module, plans, and writes no cache" $?
for cmd in "diff strix-halo --memory 128GiB" "status" "detect" "check" \
	"apply strix-halo --memory 128GiB --force --dry-run"; do
	# shellcheck disable=SC2086
	"$bin" --root "$root" $cmd > /dev/null 2>&1
	[ ! -e "$root/var/cache/amdgpu-tune" ]
	rc=$?
	label=${cmd%% *}
	case $cmd in *--dry-run) label="$label --dry-run" ;; esac
	tap_result "$label: no cache written" $rc
done
warm
tap_result "apply reads the module and plans" $?
[ -f "$entry" ] && head -1 "$entry" | grep -q "^amdgpu-tune params 1$" && grep -q "^pages_limit	" "$entry"
tap_result "it leaves a cache entry for ttm" $?

# An entry with the right key but without pages_limit: a run that uses it must fail.
grep -v "^pages_limit	" "$entry" > "$work/doctored" && cp "$work/doctored" "$entry" && chmod 644 "$entry"
show
[ $? -eq 2 ] && grep -q "pages_limit" "$work/err"
tap_result "a valid entry is used instead of the module file" $?

chmod 666 "$entry"
show && grep -q "ttm.pages_limit=25165824" "$work/out"
tap_result "an entry others can write is ignored" $?

# The entry is fine; the directories above it are not.
chmod 644 "$entry"
for dir in "$root/var/cache/amdgpu-tune/$ver" "$root/var/cache/amdgpu-tune"; do
	chmod 777 "$dir"
	show && grep -q "ttm.pages_limit=25165824" "$work/out"
	tap_result "an entry in a directory others can write (${dir#"$root"/}) is ignored" $?
	chmod 755 "$dir"
done
if [ "$(id -u)" = 0 ]; then
	chown 4242 "$root/var/cache/amdgpu-tune/$ver"
	show && grep -q "ttm.pages_limit=25165824" "$work/out"
	tap_result "an entry in a directory another user owns is ignored" $?
	chown 0 "$root/var/cache/amdgpu-tune/$ver"
else
	tap_skip "an entry in a directory another user owns is ignored" "chown to another user needs root"
fi
mv "$root/var/cache/amdgpu-tune/$ver" "$work/elsewhere"
ln -s "$work/elsewhere" "$root/var/cache/amdgpu-tune/$ver"
show && grep -q "ttm.pages_limit=25165824" "$work/out"
tap_result "an entry reached through a symlink is ignored" $?
rm "$root/var/cache/amdgpu-tune/$ver"
mv "$work/elsewhere" "$root/var/cache/amdgpu-tune/$ver"
show
[ $? -eq 2 ]
tap_result "the same entry back in place is used again" $?

cp "$work/doctored" "$entry" && chmod 644 "$entry"
AMDGPU_TUNE_NO_CACHE=1 "$bin" --root "$root" show strix-halo --memory 128GiB > "$work/out" 2>&1
tap_result "AMDGPU_TUNE_NO_CACHE=1 reads the module file" $?

ttm=$(find "$root/lib/modules/$ver" -name 'ttm.ko*' | head -1)
touch -d "2020-01-01 00:00" "$ttm"
warm && grep -q "^pages_limit	" "$entry" && show && grep -q "ttm.pages_limit=25165824" "$work/out"
tap_result "a changed module file misses the entry and refreshes it" $?

printf 'amdgpu-tune params 1\nkey garbage\n\001\002\n' > "$entry"
show && grep -q "ttm.pages_limit=25165824" "$work/out"
tap_result "a damaged entry is ignored" $?

rm -rf "$root/var/cache"
mkdir -p "$root/var" && ln -s /nonexistent-target "$root/var/cache"
warm && show && grep -q "ttm.pages_limit=25165824" "$work/out"
tap_result "a cache directory that cannot be created only costs time" $?

tap_done
