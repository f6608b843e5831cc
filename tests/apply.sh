#!/bin/bash
# apply, rollback, remove and snapshots on fake roots: byte-for-byte rollback on every
# golden root, A -> B -> rollback -> rollback, idempotence, the GRUB fragment as sh reads
# it, hostile profiles, hand edits, privileges, the lock, concurrency, systemd-boot
# tokens, and the regeneration commands recorded by a stand-in inside the root (these
# need chroot: root, or an unprivileged user namespace; skipped otherwise). TAP output.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"
bin=$top_builddir/amdgpu-tune
export LC_ALL=C
CC=${CC:-cc}
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
# The shipped profiles and the tests' own (tests/profiles: test-mixed writes both a
# command-line and a modprobe.d setting).
mkdir "$work/profiles" && cp "$top_srcdir"/profiles/*.conf "$top_srcdir"/tests/profiles/*.conf "$work/profiles/"
AMDGPU_TUNE_PROFILE_DIR=$work/profiles
export AMDGPU_TUNE_PROFILE_DIR

# What rollback must give back: every path with its type, mode and owner, and every
# file's bytes; amdgpu-tune's own state and cache directories, and the regeneration
# stand-in's log and switches, aside.
tree_sum() {
	(cd "$1" && find . \( -path ./var/lib/amdgpu-tune -o -path ./var/cache/amdgpu-tune -o -path ./var/log -o -path ./etc/fake-regen \) -prune -o -printf '%P %y %m %U:%G %l\n' | sort &&
		find . \( -path ./var/lib/amdgpu-tune -o -path ./var/cache/amdgpu-tune -o -path ./var/log -o -path ./etc/fake-regen \) -prune -o -type f -print0 | sort -z | xargs -0 -r sha256sum)
}
# strace ARGS...: LeakSanitizer cannot run under ptrace (a sanitizer build exits 1
# there); leaks are checked by the runs that are not traced.
traced() { ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace "$@"; }
# Inode and mtime of every file, to prove nothing was rewritten.
tree_stamp() { (cd "$1" && find . -printf '%P %i %T@\n' | sort); }

# build_case CASE DIR: the golden case's root (files, kernels, setup) in DIR.
build_case() (
	src=$top_srcdir/tests/golden/$1
	mkdir -p "$2"
	[ -d "$src/root" ] && cp -R "$src/root/." "$2/" && chmod -R u+w "$2"
	if [ -f "$src/kernels" ]; then
		while read -r line; do
			[ -n "$line" ] || continue
			# shellcheck disable=SC2086
			make_kernel "$2" $line || return 1
		done < "$src/kernels"
	fi
	if [ -f "$src/setup" ]; then (cd "$2" && sh "$src/setup") || return 1; fi
	# Every system has these; apply keeps its lock and state under var/lib.
	mkdir -p "$2/var/lib" "$2/var/cache"
)

# chroot for the regeneration tests: as root directly, else in a user namespace.
as_root=
if [ "$(id -u)" = 0 ]; then
	as_root=
elif unshare -r true 2> /dev/null; then
	as_root="unshare -r"
else
	as_root=none
fi
$CC -static -O2 -o "$work/fake-regen" "$top_srcdir/tests/helpers/fake-regen.c" 2> /dev/null || as_root=none
$CC -O2 -o "$work/hold-lock" "$top_srcdir/tests/helpers/hold-lock.c" || exit 99

# A root whose regeneration tools are the stand-in, with the profiles inside it (a
# user namespace does not map the build tree's owner, so they cannot come from there).
regen_root() {
	build_case diff-cloudimg "$1" || return 1
	mkdir -p "$1/usr/sbin" "$1/var/log" "$1/etc/fake-regen" "$1/etc/amdgpu-tune/profiles"
	install -m 755 "$work/fake-regen" "$1/usr/sbin/update-grub"
	install -m 755 "$work/fake-regen" "$1/usr/sbin/update-initramfs"
	cp "$work"/profiles/*.conf "$1/etc/amdgpu-tune/profiles/"
}
regen() { # regen ROOT ARGS...: amdgpu-tune with --update, the profiles from the root
	r=$1
	shift
	env -u AMDGPU_TUNE_PROFILE_DIR pkgdatadir=/nonexistent grub_probe=/bin/false \
		$as_root "$bin" --root "$r" --update "$@"
}

# ---- 1. apply -> rollback gives back every golden root byte for byte ----
for dir in "$top_srcdir"/tests/golden/*/; do
	c=$(basename "$dir")
	[ -d "$dir/root" ] || [ -f "$dir/kernels" ] || continue
	r=$work/golden/$c
	build_case "$c" "$r" || { tap_not_ok "golden $c: build"; continue; }
	# The case's profile and options; strix-halo when it names none.
	set -- $(cat "$dir/cmd")
	shift
	profile=strix-halo opts=
	while [ $# -gt 0 ]; do
		case $1 in
		--memory | --kernel) opts="$opts $1 $2" && shift ;;
		--*) ;;
		*) profile=$1 ;;
		esac
		shift
	done
	case $profile in *[!a-z0-9.-]* | nosuch | loop-*) profile=strix-halo ;; esac
	case $opts in *--memory*) ;; *) opts="$opts --memory 64GiB" ;; esac
	before=$(tree_sum "$r")
	# shellcheck disable=SC2086
	"$bin" --root "$r" apply "$profile" $opts --force > "$work/out" 2>&1
	rc=$?
	if [ $rc != 0 ]; then
		# Refused: nothing may have changed.
		if { [ $rc = 2 ] || [ $rc = 4 ]; } && [ "$(tree_sum "$r")" = "$before" ]; then
			tap_ok "golden $c: apply $profile refused (exit $rc), tree unchanged"
		else
			tap_not_ok "golden $c: apply $profile exit $rc"
			sed 's/^/# /' "$work/out"
		fi
		continue
	fi
	changed=$(tree_sum "$r")
	"$bin" --root "$r" rollback > "$work/out" 2>&1
	rc=$?
	if [ $rc = 0 ] && [ "$(tree_sum "$r")" = "$before" ] && [ "$changed" != "$before" ] &&
		[ ! -e "$r/var/lib/amdgpu-tune/transaction" ]; then
		tap_ok "golden $c: apply $profile, rollback: byte for byte"
	elif [ $rc = 0 ] && [ "$changed" = "$before" ] && [ "$(tree_sum "$r")" = "$before" ]; then
		tap_ok "golden $c: apply $profile changed only the state; rollback: byte for byte"
	else
		tap_not_ok "golden $c: rollback exit $rc"
		sed 's/^/# /' "$work/out"
		diff <(echo "$before") <(tree_sum "$r") | sed 's/^/# /' | head -20
	fi
done

# ---- 2. A -> B -> rollback -> rollback ----
r=$work/ab
build_case diff-cloudimg "$r"
orig=$(tree_sum "$r")
"$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2>&1
a=$(tree_sum "$r")
"$bin" --root "$r" apply strix-halo --memory 64GiB > /dev/null 2>&1
b=$(tree_sum "$r")
"$bin" --root "$r" rollback > /dev/null 2>&1
r1=$(tree_sum "$r")
"$bin" --root "$r" rollback > /dev/null 2>&1
r2=$(tree_sum "$r")
if [ "$r1" = "$a" ] && [ "$a" != "$b" ]; then tap_ok "apply A, apply B, rollback gives A"; else tap_not_ok "apply A, apply B, rollback gives A"; fi
tap_check "a second rollback gives the original" [ "$r2" = "$orig" ]
tap_check "no state after rolling back to the original" [ ! -e "$r/var/lib/amdgpu-tune/state" ]
"$bin" --root "$r" rollback > "$work/out" 2>&1
tap_check "a third rollback has nothing left to undo" grep -q "Nothing to roll back" "$work/out"
"$bin" --root "$r" snapshots > "$work/out"
tap_check "snapshots lists the four snapshots" [ "$(grep -c '^[0-9]' "$work/out")" = 4 ]
"$bin" --root "$r" rollback 2 > /dev/null 2>&1
tap_check "rollback ID restores that snapshot (the state before B)" [ "$(tree_sum "$r")" = "$a" ]
"$bin" --root "$r" --json snapshots > "$work/out"
tap_check "snapshots --json" grep -q '"operation":"rollback","undoes":1' "$work/out"

# ---- 3. idempotence ----
r=$work/idem
build_case diff-cloudimg "$r"
"$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2>&1
s1=$(tree_stamp "$r")
"$bin" --root "$r" apply test-mixed --memory 64GiB > "$work/out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q "already applied: nothing written" "$work/out"; then tap_ok "second apply: exit 0, says so"; else tap_not_ok "second apply: exit 0, says so"; fi
tap_check "second apply: no file, inode or mtime changed, no snapshot" [ "$(tree_stamp "$r")" = "$s1" ]

# --dry-run --json is the plan a caller's check mode reports: the document of the real
# run but for dry_run, snapshot and commands_ran, with whole before/after contents.
r=$work/plan
build_case diff-cloudimg "$r"
frag=etc/default/grub.d/90-amdgpu-tune.cfg
"$bin" --root "$r" --json apply test-mixed --memory 64GiB --no-update --dry-run > "$work/plan.json" 2> /dev/null
"$bin" --root "$r" --json apply test-mixed --memory 64GiB --no-update > "$work/real.json" 2> /dev/null
"$bin" --root "$r" --json apply test-mixed --memory 64GiB --no-update > "$work/again.json" 2> /dev/null
strip_run() { sed 's/"dry_run":[a-z]*,"snapshot":[0-9a-z]*,//; s/"commands_ran":[a-z]*,//' "$1"; }
if grep -q '"dry_run":true,"snapshot":null,' "$work/plan.json" && grep -q '"changed":true' "$work/plan.json" &&
	grep -q '"reboot_required":true' "$work/plan.json" && [ "$(strip_run "$work/plan.json")" = "$(strip_run "$work/real.json")" ]; then
	tap_ok "apply --dry-run --json: changed and reboot_required true, the real run's document otherwise"
else
	tap_not_ok "apply --dry-run --json: changed and reboot_required true, the real run's document otherwise"
	diff "$work/plan.json" "$work/real.json" | sed 's/^/# /'
fi
# The fragment as a JSON string: \ and " escaped, each newline \u000a.
after=$(sed 's/\\/\\\\/g; s/"/\\"/g' "$r/$frag" | awk '{printf "%s\\u000a", $0}')
if grep -qF "{\"path\":\"$frag\",\"action\":\"write\",\"diff\":" "$work/plan.json" &&
	grep -qF "\"before\":null,\"after\":\"$after\"}" "$work/plan.json"; then
	tap_ok "apply --dry-run --json: a new file's before is null, its after the bytes apply then wrote"
else
	tap_not_ok "apply --dry-run --json: a new file's before is null, its after the bytes apply then wrote"
	sed 's/^/# /' "$work/plan.json"
fi
tap_check "apply --json again: files [], changed and reboot_required false" \
	grep -q '"files":\[\],"changed":false,.*"reboot_required":false' "$work/again.json"
"$bin" --root "$r" --json remove --no-update --dry-run > "$work/rm.json" 2> /dev/null
if grep -qF "{\"path\":\"$frag\",\"action\":\"remove\"," "$work/rm.json" &&
	grep -qF "\"before\":\"# Written by amdgpu-tune from profile test-mixed." "$work/rm.json" &&
	grep -qF "\"after\":null}" "$work/rm.json"; then
	tap_ok "remove --dry-run --json: the fragment's before is its contents, its after null"
else
	tap_not_ok "remove --dry-run --json: the fragment's before is its contents, its after null"
	sed 's/^/# /' "$work/rm.json"
fi

# ---- 4. the GRUB fragment as grub-mkconfig's sh reads it ----
r=$work/sh
build_case diff-cloudimg "$r"
"$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2>&1
frag=$r/etc/default/grub.d/90-amdgpu-tune.cfg
tap_check "sh -n accepts the fragment" sh -n "$frag"
src_all() { (cd "$r" && sh -c '. ./etc/default/grub; for f in ./etc/default/grub.d/*.cfg; do . "$f"; done; printf "%s|%s" "$GRUB_CMDLINE_LINUX" "$GRUB_CMDLINE_LINUX_DEFAULT"'); }
cloud=$(cd "$r" && sh -c '. ./etc/default/grub; . ./etc/default/grub.d/50-cloudimg-settings.cfg; printf "%s|%s" "$GRUB_CMDLINE_LINUX" "$GRUB_CMDLINE_LINUX_DEFAULT"')
tap_check "sourced after the 50- drop-in: _DEFAULT gains exactly iommu=pt, LINUX unchanged" [ "$(src_all)" = "$cloud iommu=pt" ]

# ---- 5. hostile profiles: refused with exit 2, nothing written, nothing run ----
r=$work/inj
if [ "$as_root" = none ]; then build_case diff-cloudimg "$r"; else regen_root "$r"; fi
mkdir -p "$r/etc/amdgpu-tune/profiles"
before=$(tree_sum "$r")
mark=$work/pwned
i=0
inj_fail=0
while IFS= read -r tok; do
	[ -n "$tok" ] || continue
	tok=${tok//MARK/$mark}
	for shape in value key section kernelvalue; do
		i=$((i + 1))
		p=$r/etc/amdgpu-tune/profiles/inj$i.conf
		case $shape in
		value) printf '[profile]\ndescription = x\n[module amdgpu]\nnoretry = %s\n' "$tok" ;;
		# (a line starting with ';' or '#' is a comment, not a key)
		key) printf '[profile]\ndescription = x\n[module amdgpu]\na%s = 1\n' "$tok" ;;
		section) printf '[profile]\ndescription = x\n[module %s]\nnoretry = 1\n' "$tok" ;;
		kernelvalue) case $tok in [\;\#]*) tok=pt$tok ;; esac
			printf '[profile]\ndescription = x\n[kernel]\niommu = %s\n' "$tok" ;;
		esac > "$p"
		if [ "$as_root" = none ]; then
			"$bin" --root "$r" apply "inj$i" --memory 64GiB > /dev/null 2>&1
		else
			regen "$r" apply "inj$i" --memory 64GiB > /dev/null 2>&1
		fi
		rc=$?
		rm -f "$p"
		if [ $rc != 2 ]; then
			inj_fail=$((inj_fail + 1))
			echo "# $shape '$tok': exit $rc"
		fi
	done
	# The token as the profile name itself.
	"$bin" --root "$r" apply "$tok" > /dev/null 2>&1
	rc=$?
	[ $rc = 2 ] || { inj_fail=$((inj_fail + 1)) && echo "# name '$tok': exit $rc"; }
done < "$top_srcdir/tests/injection.txt"
tap_check "hostile values, keys, sections, names: $i profiles, all exit 2" [ $inj_fail = 0 ]
if [ "$(tree_sum "$r")" = "$before" ] && [ ! -e "$r/var/lib/amdgpu-tune/state" ]; then tap_ok "hostile profiles: nothing written"; else tap_not_ok "hostile profiles: nothing written"; fi
if [ ! -e "$mark" ] && [ ! -e "$r/var/log/fake-regen.log" ]; then tap_ok "hostile profiles: nothing executed"; else tap_not_ok "hostile profiles: nothing executed"; fi

# ---- 6. hand edits, --dry-run, remove ----
r=$work/edit
build_case diff-cloudimg "$r"
"$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2>&1
echo "options amdgpu noretry=0" >> "$r/etc/modprobe.d/90-amdgpu-tune.conf"
before=$(tree_sum "$r")
"$bin" --root "$r" apply strix-halo --memory 64GiB > /dev/null 2> "$work/err"
rc=$?
if [ $rc = 2 ] && grep -q "etc/modprobe.d/90-amdgpu-tune.conf.*edited by hand.*--force" "$work/err"; then tap_ok "a hand-edited fragment is not replaced: exit 2, names the file"; else tap_not_ok "a hand-edited fragment is not replaced: exit 2, names the file"; fi
tap_check "... and nothing changed" [ "$(tree_sum "$r")" = "$before" ]
"$bin" --root "$r" apply strix-halo --memory 64GiB --dry-run > "$work/out" 2>&1
rc=$?
tap_check "--dry-run: exit 2 too while the edit stands" [ $rc = 2 ]
"$bin" --root "$r" apply strix-halo --memory 64GiB --force > /dev/null 2>&1
tap_check "--force replaces it" grep -q "pages_limit" "$r/etc/modprobe.d/90-amdgpu-tune.conf"
"$bin" --root "$r" rollback > /dev/null 2>&1
tap_check "... and rollback brings the edited file back" [ "$(tree_sum "$r")" = "$before" ]
r=$work/dry
build_case diff-cloudimg "$r"
before=$(tree_stamp "$r" | grep -v '^var/cache')
"$bin" --root "$r" apply test-mixed --memory 64GiB --dry-run > "$work/out" 2>&1
rc=$?
# The module parameter cache (var/cache/amdgpu-tune) is written by every command.
if [ $rc = 0 ] && [ "$(tree_stamp "$r" | grep -v '^var/cache')" = "$before" ]; then tap_ok "--dry-run: exit 0, writes nothing (not even the state directory)"; else tap_not_ok "--dry-run: exit 0, writes nothing (not even the state directory)"; fi
if grep -q '^+GRUB_CMDLINE_LINUX_DEFAULT="${GRUB_CMDLINE_LINUX_DEFAULT} iommu=pt"$' "$work/out" && grep -q "update-initramfs -u -k all" "$work/out"; then tap_ok "--dry-run: prints the unified diff and the commands"; else tap_not_ok "--dry-run: prints the unified diff and the commands"; fi
# remove leaves the directories (etc/modprobe.d is kmod's): as on a real system they
# are there before.
mkdir -p "$r/etc/modprobe.d" "$r/etc/default/grub.d"
orig=$(tree_sum "$r")
"$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2>&1
"$bin" --root "$r" remove > "$work/out" 2>&1
rc=$?
if [ $rc = 0 ] && [ "$(tree_sum "$r")" = "$orig" ] && [ ! -e "$r/var/lib/amdgpu-tune/state" ]; then tap_ok "remove: exit 0, fragments and state gone"; else tap_not_ok "remove: exit 0, fragments and state gone"; fi
"$bin" --root "$r" remove > "$work/out" 2>&1
tap_check "remove again: nothing to remove" grep -q "Nothing to remove" "$work/out"
"$bin" --root "$r" rollback > /dev/null 2>&1
if [ -f "$r/etc/modprobe.d/90-amdgpu-tune.conf" ] && grep -q "profile test-mixed" "$r/var/lib/amdgpu-tune/state"; then tap_ok "rollback after remove puts the settings back"; else tap_not_ok "rollback after remove puts the settings back"; fi

# ---- 7. keep the last 20 snapshots ----
r=$work/keep
build_case diff-cloudimg "$r"
for k in $(seq 1 13); do
	"$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2>&1
	"$bin" --root "$r" apply test-mixed2 --memory 64GiB > /dev/null 2>&1
done
ids=$(ls "$r/var/lib/amdgpu-tune/snapshots" | sort -n | tr '\n' ' ')
tap_check "26 applies keep the last 20 snapshots (7..26)" [ "$ids" = "$(seq 7 26 | tr '\n' ' ')" ]

# ---- 8. systemd-boot: only our tokens in etc/kernel/cmdline ----
r=$work/sdboot
build_case diff-systemd-boot "$r"
orig=$(cat "$r/etc/kernel/cmdline")
"$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2>&1
if [ "$(cat "$r/etc/kernel/cmdline")" = "$orig iommu=pt" ] && grep -q "^token iommu=pt$" "$r/var/lib/amdgpu-tune/state"; then tap_ok "systemd-boot: the token is appended to etc/kernel/cmdline and recorded"; else tap_not_ok "systemd-boot: the token is appended to etc/kernel/cmdline and recorded"; fi
s1=$(tree_stamp "$r")
"$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2>&1
tap_check "systemd-boot: re-apply changes nothing" [ "$(tree_stamp "$r")" = "$s1" ]
"$bin" --root "$r" remove > /dev/null 2>&1
tap_check "systemd-boot: remove takes away only our token" [ "$(cat "$r/etc/kernel/cmdline")" = "$orig" ]

# ORIG|AFTER: etc/kernel/cmdline before, and after apply test-mixed; remove gives ORIG
# back byte for byte (blanks, quoted values, what follows "--").
while IFS='|' read -r orig want_after; do
	r=$work/sdboot2
	rm -rf "$r"
	build_case diff-systemd-boot "$r"
	printf '%s\n' "$orig" > "$r/etc/kernel/cmdline"
	cp "$r/etc/kernel/cmdline" "$work/cmdline.orig"
	"$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2>&1
	after=$(cat "$r/etc/kernel/cmdline")
	"$bin" --root "$r" remove > /dev/null 2>&1
	if [ "$after" = "$want_after" ] && cmp -s "$r/etc/kernel/cmdline" "$work/cmdline.orig"; then tap_ok "systemd-boot '$orig': apply gives '$want_after', remove gives it back byte for byte"; else tap_not_ok "systemd-boot '$orig': apply gives '$want_after' (got '$after'), remove gives it back byte for byte (got '$(cat "$r/etc/kernel/cmdline")')"; fi
done << 'EOF'
root=/dev/vda1 iommu=pt quiet iommu=nopt|root=/dev/vda1 iommu=pt quiet iommu=nopt iommu=pt
root=/dev/vda1 quiet -- single|root=/dev/vda1 quiet iommu=pt -- single
root=/dev/vda1 quiet -- single iommu=pt|root=/dev/vda1 quiet iommu=pt -- single iommu=pt
root=/dev/vda1 dyndbg="file  drm.c +p"   quiet|root=/dev/vda1 dyndbg="file  drm.c +p"   quiet iommu=pt
root=/dev/vda1	quiet  -- x  "y  z"|root=/dev/vda1	quiet iommu=pt  -- x  "y  z"
-- single|iommu=pt -- single
root=/dev/vda1 "--" single|root=/dev/vda1 iommu=pt "--" single
EOF

# ---- 8a. systemd-boot: the entries must come out as planned ----
# The stand-in update-initramfs makes the entry again from etc/kernel/cmdline, as
# kernel-install does (etc/fake-regen/entry), or leaves it (an ESP not mounted, an image
# build): then apply and remove fail (exit 4) and the files are as before.
if [ "$as_root" = none ]; then
	tap_skip "systemd-boot entries made again by the regeneration" "needs chroot (root or a user namespace)"
else
	sd_entry=efi/loader/entries/5f1e2d3c4b5a69788796a5b4c3d2e1f0-6.12.117+deb12-amd64.conf
	sd_root() { # sd_root DIR [entry]: a systemd-boot root whose update-initramfs is the stand-in
		rm -rf "$1"
		build_case diff-systemd-boot "$1"
		mkdir -p "$1/usr/sbin" "$1/var/log" "$1/etc/fake-regen" "$1/etc/amdgpu-tune/profiles"
		install -m 755 "$work/fake-regen" "$1/usr/sbin/update-initramfs"
		cp "$work"/profiles/*.conf "$1/etc/amdgpu-tune/profiles/"
		[ "${2:-}" = entry ] && echo "/$sd_entry" > "$1/etc/fake-regen/entry"
	}
	r2=$work/sd-regen
	sd_root "$r2" entry
	regen "$r2" apply test-mixed --memory 64GiB > "$work/out" 2> "$work/err"
	rc=$?
	tap_check "systemd-boot apply --update: the entry is made again with iommu=pt, exit 0 (exit $rc)" \
		eval '[ $rc = 0 ] && grep -q "^options .* iommu=pt$" "$r2/$sd_entry"'
	regen "$r2" remove > "$work/out" 2> "$work/err"
	rc=$?
	tap_check "systemd-boot remove --update: the entry is made again without it, exit 0 (exit $rc)" \
		eval '[ $rc = 0 ] && ! grep -q "iommu=pt" "$r2/$sd_entry"'
	# The regeneration leaves the entries as they were.
	sd_root "$r2"
	before=$(tree_sum "$r2")
	regen "$r2" apply test-mixed --memory 64GiB > "$work/out" 2> "$work/err"
	rc=$?
	tap_check "systemd-boot apply --update whose regeneration does not make the entry again: exit 4 naming the entry, the files restored (exit $rc)" \
		eval '[ $rc = 4 ] && grep -q "$sd_entry:5: the entry systemd-boot boots (.*) lacks .iommu=pt. after the regeneration" "$work/err" && [ "$(tree_sum "$r2")" = "$before" ] && ! grep -q "^Applied" "$work/out"'
	# Applied with the entry made; then a remove whose regeneration does nothing.
	sd_root "$r2" entry
	regen "$r2" apply test-mixed --memory 64GiB > /dev/null 2>&1
	rm "$r2/etc/fake-regen/entry"
	before=$(tree_sum "$r2")
	regen "$r2" remove > "$work/out" 2> "$work/err"
	rc=$?
	tap_check "systemd-boot remove --update whose regeneration leaves iommu=pt in the entry: exit 4, the settings stay (exit $rc)" \
		eval '[ $rc = 4 ] && grep -q "still has .iommu=pt. after the regeneration" "$work/err" && [ "$(tree_sum "$r2")" = "$before" ] && [ -e "$r2/var/lib/amdgpu-tune/state" ]'
	# The ESP not mounted: no systemd-boot is found, and the entries cannot be made
	# again; remove fails and keeps the settings.
	sd_root "$r2" entry
	regen "$r2" apply test-mixed --memory 64GiB > /dev/null 2>&1
	mv "$r2/efi" "$r2/efi.unmounted" && mkdir "$r2/efi"
	before=$(tree_sum "$r2")
	regen "$r2" remove > "$work/out" 2> "$work/err"
	rc=$?
	tap_check "systemd-boot remove --update with the ESP not mounted: exit 4, the entries were not made again, the settings stay (exit $rc)" \
		eval '[ $rc = 4 ] && grep -q "the boot entries were not made again" "$work/err" && [ "$(tree_sum "$r2")" = "$before" ] && grep -q iommu=pt "$r2/etc/kernel/cmdline"'
	# Another profile without iommu=pt: the entry must lose it (made again, checked).
	sd_root "$r2" entry
	regen "$r2" apply test-mixed --memory 64GiB > /dev/null 2>&1
	rm "$r2/etc/fake-regen/entry"
	before=$(tree_sum "$r2")
	regen "$r2" apply strix-halo --memory 64GiB --force > "$work/out" 2> "$work/err"
	rc=$?
	tap_check "systemd-boot: switching to a profile without iommu=pt whose regeneration leaves it in the entry: exit 4, undone (exit $rc)" \
		eval '[ $rc = 4 ] && grep -q "still has .iommu=pt. after the regeneration" "$work/err" && [ "$(tree_sum "$r2")" = "$before" ]'
	# etc/kernel/cmdline lost our token by hand, the entry still has it: remove makes
	# the entry again.
	sd_root "$r2" entry
	regen "$r2" apply test-mixed --memory 64GiB > /dev/null 2>&1
	sed -i 's/ iommu=pt//' "$r2/etc/kernel/cmdline"
	: > "$r2/var/log/fake-regen.log"
	regen "$r2" remove > "$work/out" 2> "$work/err"
	rc=$?
	tap_check "systemd-boot: etc/kernel/cmdline lost iommu=pt by hand, the entry not: remove --update makes the entry again without it (exit $rc)" \
		eval '[ $rc = 0 ] && ! grep -q "iommu=pt" "$r2/$sd_entry" && grep -q "update-initramfs" "$r2/var/log/fake-regen.log"'
	# etc/kernel/cmdline has it already, the entry not: apply makes the entry again.
	sd_root "$r2" entry
	echo "$(cat "$r2/etc/kernel/cmdline") iommu=pt" > "$r2/etc/kernel/cmdline"
	regen "$r2" apply test-mixed --memory 64GiB > "$work/out" 2> "$work/err"
	rc=$?
	tap_check "systemd-boot: etc/kernel/cmdline has iommu=pt, the entry not: apply --update makes the entry again (exit $rc)" \
		eval '[ $rc = 0 ] && grep -q "^options .* iommu=pt$" "$r2/$sd_entry" && grep -q "update-initramfs" "$r2/var/log/fake-regen.log"'
	# No initramfs tool: the entries' initramfs copies cannot take a modprobe.d
	# change either; apply refuses rather than leaving them stale.
	sd_root "$r2" entry
	rm "$r2/usr/sbin/update-initramfs"
	printf '[profile]\ndescription = modprobe only\n[module amdgpu]\nnoretry = 0\n' > "$r2/etc/amdgpu-tune/profiles/mod-only.conf"
	before=$(tree_sum "$r2")
	regen "$r2" apply mod-only --memory 64GiB > "$work/out" 2> "$work/err"
	rc=$?
	tap_check "systemd-boot without an initramfs tool: a modprobe.d-only apply --update refuses (exit 4), nothing written (exit $rc)" \
		eval '[ $rc = 4 ] && grep -q "no initramfs tool .* to rewrite the systemd-boot entries" "$work/err" && [ "$(tree_sum "$r2")" = "$before" ]'
	r=$work/sd-regen # (regen sets r)
fi

# ---- 8b. a command line over the kernel's 2048 bytes loses its last arguments: ours ----
long=$(printf 'opt%04d=1 ' $(seq 1 205))
for c in diff-cloudimg diff-systemd-boot; do
	r=$work/long-$c
	build_case $c "$r"
	if [ $c = diff-systemd-boot ]; then
		echo "root=/dev/vda1 $long" > "$r/etc/kernel/cmdline"
	else
		echo "GRUB_CMDLINE_LINUX=\"$long\"" >> "$r/etc/default/grub"
	fi
	before=$(tree_sum "$r")
	"$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2> "$work/err"
	rc=$?
	same=no
	[ "$(tree_sum "$r")" = "$before" ] && same=yes
	"$bin" --root "$r" apply test-mixed --memory 64GiB --force > /dev/null 2>&1
	rc2=$?
	if [ $rc = 2 ] && [ $same = yes ] && grep -q "over the kernel's 2048, and its last arguments would be lost" "$work/err" && [ $rc2 = 0 ]; then tap_ok "$c: a command line over 2048 bytes: apply refuses (exit 2), --force applies"; else tap_not_ok "$c: a command line over 2048 bytes: apply refuses (exit 2), --force applies (rc $rc, $rc2)"; fi
done

# ---- 8c. a GRUB without drop-ins (Arch's): our tokens in etc/default/grub ----
# The one assignment of GRUB_CMDLINE_LINUX_DEFAULT is edited in place: every other byte
# stays, sh reads the value apply predicts, remove takes away only our token (also after
# the user edited the file), and a line it cannot edit stops remove with nothing changed.
r=$work/arch
build_case apply-arch-grub "$r"
cp "$r/etc/default/grub" "$work/grub.orig"
"$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2> "$work/err"
rc=$?
value=$(sh -c '. "$1"; printf %s "$GRUB_CMDLINE_LINUX_DEFAULT"' sh "$r/etc/default/grub")
tap_check "plain GRUB: apply adds iommu=pt to GRUB_CMDLINE_LINUX_DEFAULT as sh reads it, and changes no other line (exit $rc)" \
	eval '[ $rc = 0 ] && [ "$value" = "loglevel=3 quiet iommu=pt" ] && [ "$(diff "$work/grub.orig" "$r/etc/default/grub" | grep -c "^[<>]")" = 2 ] && grep -qx "tokens-in etc/default/grub" "$r/var/lib/amdgpu-tune/state"'
s1=$(tree_stamp "$r")
"$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2>&1
tap_check "plain GRUB: re-apply changes nothing" [ "$(tree_stamp "$r")" = "$s1" ]
"$bin" --root "$r" remove > /dev/null 2>&1
tap_check "plain GRUB: remove gives etc/default/grub back byte for byte" cmp -s "$work/grub.orig" "$r/etc/default/grub"
# The boot loader no longer found at remove (grub.cfg and grub-mkconfig gone): the token
# is taken from where apply put it all the same.
r2=$work/arch-gone
build_case apply-arch-grub "$r2"
"$bin" --root "$r2" apply test-mixed --memory 64GiB > /dev/null 2>&1
rm -rf "$r2/boot/grub" "$r2/usr/bin/grub-mkconfig"
"$bin" --root "$r2" remove > /dev/null 2>&1
rc=$?
tap_check "plain GRUB: remove with the boot loader not found still takes iommu=pt out of GRUB_CMDLINE_LINUX_DEFAULT (exit $rc)" \
	eval '[ $rc = 0 ] && cmp -s "$work/grub.orig" "$r2/etc/default/grub"'
"$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2>&1
{ echo "# edited by hand"; sed 's/^GRUB_CMDLINE_LINUX_DEFAULT="loglevel=3 quiet /GRUB_CMDLINE_LINUX_DEFAULT="loglevel=3 quiet splash /' "$r/etc/default/grub"; } > "$work/grub.edited"
cat "$work/grub.edited" > "$r/etc/default/grub"
"$bin" --root "$r" remove > /dev/null 2>&1
rc=$?
{ echo "# edited by hand"; sed 's/^GRUB_CMDLINE_LINUX_DEFAULT="loglevel=3 quiet"/GRUB_CMDLINE_LINUX_DEFAULT="loglevel=3 quiet splash"/' "$work/grub.orig"; } > "$work/grub.want"
tap_check "plain GRUB: after a hand edit, remove takes away only iommu=pt and keeps the edit (exit $rc)" \
	eval '[ $rc = 0 ] && cmp -s "$work/grub.want" "$r/etc/default/grub"'
cp "$work/grub.orig" "$r/etc/default/grub"
"$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2>&1
sed -i 's/^GRUB_CMDLINE_LINUX_DEFAULT="\(.*\)"$/GRUB_CMDLINE_LINUX_DEFAULT="\1"; GRUB_TIMEOUT=1/' "$r/etc/default/grub"
before=$(tree_sum "$r")
"$bin" --root "$r" remove > /dev/null 2> "$work/err"
rc=$?
tap_check "plain GRUB: a line it cannot edit stops remove: exit 2, names etc/default/grub:6, nothing changed (exit $rc)" \
	eval '[ $rc = 2 ] && grep -q "^etc/default/grub:6: GRUB_CMDLINE_LINUX_DEFAULT cannot be edited here" "$work/err" && [ "$(tree_sum "$r")" = "$before" ]'
# A NUL byte added after apply: remove refuses (what follows it would be lost).
cp "$work/grub.orig" "$r/etc/default/grub"
rm -rf "$r/var/lib/amdgpu-tune"
"$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2>&1
printf '\0# x\nGRUB_TIMEOUT=9\n' >> "$r/etc/default/grub"
before=$(tree_sum "$r")
"$bin" --root "$r" remove > /dev/null 2> "$work/err"
rc=$?
tap_check "plain GRUB: a NUL byte in etc/default/grub stops remove: exit 2, nothing changed (exit $rc)" \
	eval '[ $rc = 2 ] && grep -q "^etc/default/grub: a NUL byte" "$work/err" && [ "$(tree_sum "$r")" = "$before" ]'
# Our tokens left in another boot loader's file (systemd-boot's, before the machine
# moved to GRUB) are taken away by the next apply, which records the new file.
r=$work/arch-stale
build_case apply-arch-grub "$r"
mkdir -p "$r/etc/kernel" "$r/var/lib/amdgpu-tune"
echo "root=/dev/vda1 iommu=pt quiet" > "$r/etc/kernel/cmdline"
printf '# amdgpu-tune: what the last apply wrote. Do not edit.\nversion 2\nprofile test-mixed\nsetting cmdline - iommu=pt\ntoken iommu=pt\n' > "$r/var/lib/amdgpu-tune/state"
chmod 755 "$r/var/lib/amdgpu-tune"
"$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2> "$work/err"
rc=$?
tap_check "plain GRUB: apply takes our stale token out of etc/kernel/cmdline and records etc/default/grub (exit $rc)" \
	eval '[ $rc = 0 ] && [ "$(cat "$r/etc/kernel/cmdline")" = "root=/dev/vda1 quiet" ] && grep -qx "tokens-in etc/default/grub" "$r/var/lib/amdgpu-tune/state" && grep -q "^GRUB_CMDLINE_LINUX_DEFAULT=\"loglevel=3 quiet iommu=pt\"$" "$r/etc/default/grub"'
if [ "$as_root" = none ]; then
	tap_skip "plain GRUB: the regeneration" "needs chroot (root or a user namespace)"
else
	r=$work/arch-regen
	build_case apply-arch-grub "$r"
	mkdir -p "$r/var/log" "$r/etc/fake-regen" "$r/etc/amdgpu-tune/profiles"
	install -m 755 "$work/fake-regen" "$r/usr/bin/grub-mkconfig"
	install -m 755 "$work/fake-regen" "$r/usr/bin/mkinitcpio"
	# usr/sbin is a link to bin, but not in the make dist tarball, whose tar
	# (chof) stores what a link reaches: there the stand-in goes in both.
	[ -L "$r/usr/sbin" ] || install -m 755 "$work/fake-regen" "$r/usr/sbin/grub-mkconfig"
	cp "$work"/profiles/*.conf "$r/etc/amdgpu-tune/profiles/"
	regen "$r" apply test-mixed --memory 64GiB > "$work/out" 2>&1
	rc=$?
	tap_check "plain GRUB apply --update: grub-mkconfig -o /boot/grub/grub.cfg, then mkinitcpio -P, in the root (exit $rc)" \
		eval '[ $rc = 0 ] && [ "$(grep "^argv:" "$r/var/log/fake-regen.log")" = "$(printf "argv: /usr/sbin/grub-mkconfig -o /boot/grub/grub.cfg\nargv: /usr/bin/mkinitcpio -P")" ]'
fi

# ---- 8d. Fedora's GRUB with BLS entries: our tokens in GRUB_CMDLINE_LINUX ----
# grub2-mkconfig writes every entry's options and etc/kernel/cmdline from
# etc/default/grub (update_bls_cmdline() in Fedora's 10_linux). Fedora's grub2-mkconfig
# and dracut are not run here (not in Debian): a stand-in does what update_bls_cmdline()
# does to the entries, and the test checks the command line apply runs and the entries
# it checks afterwards.
r=$work/fedora
build_case apply-fedora-grub-bls-cmdline "$r"
cp "$r/etc/default/grub" "$work/fgrub.orig"
"$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2> "$work/err"
rc=$?
value=$(sh -c '. "$1"; printf %s "$GRUB_CMDLINE_LINUX"' sh "$r/etc/default/grub")
tap_check "BLS GRUB: apply adds iommu=pt to GRUB_CMDLINE_LINUX as sh reads it, one line changed, the entries left to grub2-mkconfig (exit $rc)" \
	eval '[ $rc = 0 ] && [ "$value" = "rhgb quiet iommu=pt" ] && [ "$(diff "$work/fgrub.orig" "$r/etc/default/grub" | grep -c "^[<>]")" = 2 ] && grep -qx "tokens-in etc/default/grub" "$r/var/lib/amdgpu-tune/state" && ! grep -q iommu=pt "$r"/boot/loader/entries/*.conf'
"$bin" --root "$r" remove > /dev/null 2>&1
tap_check "BLS GRUB: remove gives etc/default/grub back byte for byte" cmp -s "$work/fgrub.orig" "$r/etc/default/grub"
# A word added to one entry by hand (grubby) after apply: grub2-mkconfig, which remove
# and rollback run, would take it out again, so both stop with nothing changed.
"$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2>&1
sed -i 's/^options \(.*\)$/options \1 nomodeset/' "$r"/boot/loader/entries/*6.16.12*.conf
before=$(tree_sum "$r")
"$bin" --root "$r" remove > /dev/null 2> "$work/err"
rc=$?
"$bin" --root "$r" rollback > /dev/null 2> "$work/err2"
rc2=$?
tap_check "BLS GRUB: remove and rollback stop (exit 2, nothing changed) when grub2-mkconfig would take nomodeset out of an entry (exit $rc, $rc2)" \
	eval '[ $rc = 2 ] && [ $rc2 = 2 ] && grep -q "take .nomodeset. out of this one" "$work/err" && grep -q "take .nomodeset. out of this one" "$work/err2" && [ "$(tree_sum "$r")" = "$before" ]'
# /boot not mounted at remove: the loader is then a plain GRUB (no entries, no
# grub.cfg), whose part of etc/default/grub is GRUB_CMDLINE_LINUX_DEFAULT; our tokens
# are taken from where they are, GRUB_CMDLINE_LINUX.
r=$work/fedora-noboot
build_case apply-fedora-grub-bls-cmdline "$r"
"$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2>&1
rm -rf "$r/boot/loader" "$r/boot/grub2"
"$bin" --root "$r" remove > /dev/null 2>&1
rc=$?
tap_check "BLS GRUB: remove with /boot not mounted still takes iommu=pt out of GRUB_CMDLINE_LINUX (exit $rc)" \
	eval '[ $rc = 0 ] && cmp -s "$work/fgrub.orig" "$r/etc/default/grub"'
if [ "$as_root" = none ]; then
	tap_skip "BLS GRUB: the regeneration" "needs chroot (root or a user namespace)"
	tap_skip "BLS GRUB: remove through grub2-mkconfig" "needs chroot (root or a user namespace)"
	tap_skip "BLS GRUB: entries grub2-mkconfig did not write stop apply" "needs chroot (root or a user namespace)"
else
	r=$work/fedora-regen
	build_case apply-fedora-grub-bls-cmdline "$r"
	mkdir -p "$r/var/log" "$r/etc/fake-regen" "$r/etc/amdgpu-tune/profiles" "$r/usr/bin"
	install -m 755 "$work/fake-regen" "$r/usr/sbin/grub2-mkconfig"
	install -m 755 "$work/fake-regen" "$r/usr/bin/dracut"
	touch "$r/etc/fake-regen/bls"
	cp "$work"/profiles/*.conf "$r/etc/amdgpu-tune/profiles/"
	regen "$r" apply test-mixed --memory 64GiB > "$work/out" 2>&1
	rc=$?
	tap_check "BLS GRUB apply --update: grub2-mkconfig -o /boot/grub2/grub.cfg, then dracut, and every entry and etc/kernel/cmdline carry iommu=pt (exit $rc)" \
		eval '[ $rc = 0 ] && [ "$(grep "^argv:" "$r/var/log/fake-regen.log")" = "$(printf "argv: /usr/sbin/grub2-mkconfig -o /boot/grub2/grub.cfg\nargv: /usr/bin/dracut -f --regenerate-all")" ] && [ "$(grep -l "^options .* iommu=pt *$" "$r"/boot/loader/entries/*.conf | wc -l)" = 3 ] && grep -q " iommu=pt" "$r/etc/kernel/cmdline"'
	regen "$r" remove > "$work/out" 2>&1
	rc=$?
	tap_check "BLS GRUB remove --update: grub2-mkconfig takes iommu=pt out of every entry again (exit $rc)" \
		eval '[ $rc = 0 ] && ! grep -q iommu=pt "$r"/boot/loader/entries/*.conf && cmp -s "$work/fgrub.orig" "$r/etc/default/grub"'
	# A grub2-mkconfig that leaves the entries as they were (RHEL 9.3's without
	# --update-bls-cmdline): the check afterwards finds iommu=pt missing.
	rm "$r/etc/fake-regen/bls"
	: > "$r/var/log/fake-regen.log"
	regen "$r" apply test-mixed --memory 64GiB > "$work/out" 2>&1
	rc=$?
	tap_check "BLS GRUB: entries grub2-mkconfig did not write stop apply, naming the entry (exit $rc)" \
		eval '[ $rc != 0 ] && grep -q "boot/loader/entries/.*grub2-mkconfig did not put .iommu=pt. in this entry" "$work/out"'
fi

# ---- 8e. a bootc image being built ----
# Our arguments go to usr/lib/bootc/kargs.d/90-amdgpu-tune.toml, which bootc adds to a
# deployment's when it installs or upgrades to the image; module options to
# usr/lib/modprobe.d, the one dracut --no-hostonly takes into the initramfs; the image's
# initramfs is made again per kernel. bootc is not in Debian: the file is checked with
# Python's tomllib where there is one (tests/kargsd.sh compares the reader with it),
# and a stand-in dracut records the command line.
r=$work/bootc
build_case apply-bootc-image "$r"
mkdir -p "$r/var/lib" "$r/var/cache"
before=$(tree_sum "$r")
"$bin" --root "$r" apply strix-halo-no-iommu --memory 128GiB > /dev/null 2> "$work/err"
rc=$?
kargs=$(python3 -c 'import sys, tomllib; print(" ".join(tomllib.load(open(sys.argv[1], "rb"))["kargs"]))' "$r/usr/lib/bootc/kargs.d/90-amdgpu-tune.toml" 2> /dev/null ||
	sed -n 's/^kargs = \["\(.*\)"\]$/\1/p' "$r/usr/lib/bootc/kargs.d/90-amdgpu-tune.toml")
tap_check "bootc image: apply writes kargs = [\"amd_iommu=off\"] to kargs.d and the module options to usr/lib/modprobe.d, nothing to etc/modprobe.d, no parameter cache to var/cache (exit $rc; kargs $kargs)" \
	eval '[ $rc = 0 ] && [ "$kargs" = "amd_iommu=off" ] && grep -q "^options ttm pages_limit=" "$r/usr/lib/modprobe.d/90-amdgpu-tune.conf" && [ ! -e "$r/etc/modprobe.d" ] && [ ! -e "$r/var/cache/amdgpu-tune" ]'
"$bin" --root "$r" remove > /dev/null 2>&1
rc=$?
rmdir "$r/usr/lib/modprobe.d"
tap_check "bootc image: remove takes both files away, and only they had changed (exit $rc)" eval '[ $rc = 0 ] && [ "$(tree_sum "$r")" = "$before" ]'
# A container build's proc/meminfo is the building machine's: the --memory apply was
# given is what reapply (a kernel installed by a later build step) and status plan for.
r=$work/bootc-meminfo
build_case apply-bootc-image-meminfo "$r"
"$bin" --root "$r" apply strix-halo --memory 128GiB > /dev/null 2>&1
"$bin" --root "$r" reapply > "$work/out" 2>&1
rc=$?
"$bin" --root "$r" status > /dev/null 2> "$work/err"
rc2=$?
tap_check "bootc image: reapply and status plan for the --memory recorded at apply, not the builder's MemTotal (exit $rc, $rc2)" \
	eval '[ $rc = 0 ] && [ $rc2 = 0 ] && grep -qx "memory-from option" "$r/var/lib/amdgpu-tune/state" && grep -q "128.00 GiB of RAM (the --memory recorded at apply)" "$work/out" && ! grep -q "re-planning" "$work/err"'
# A journal that cannot be used, discarded on an image without --update: the commands
# to run are the image's dracut per kernel, before the image is committed.
r=$work/bootc-journal
build_case apply-bootc-image "$r"
mkdir -p "$r/var/lib/amdgpu-tune"
chmod 755 "$r/var" "$r/var/lib" "$r/var/lib/amdgpu-tune"
printf 'version 1\nsnapshot 7\nloader bootc-image\n' > "$r/var/lib/amdgpu-tune/transaction"
chmod 600 "$r/var/lib/amdgpu-tune/transaction"
"$bin" --root "$r" remove --discard-journal > /dev/null 2> "$work/err"
rc=$?
tap_check "bootc image: --discard-journal names the image's dracut, to run before the image is committed (exit $rc)" \
	eval '[ $rc = 0 ] && grep -qF "regenerate them before the image is committed ('"'"'chroot $r env DRACUT_NO_XATTR=1 dracut --no-hostonly" "$work/err"'
# A modprobe.d file of ours from before the tree was a bootc image (no boot loader then):
# two files of ours would both be read, so apply moves it.
r=$work/bootc-stale
build_case apply-bootc-image "$r"
mv "$r/usr/bin/bootc" "$work/bootc-bin"
rm "$r/ostree"
"$bin" --root "$r" apply strix-halo --memory 128GiB > /dev/null 2>&1
mv "$work/bootc-bin" "$r/usr/bin/bootc"
ln -s sysroot/ostree "$r/ostree"
had=$(ls "$r/etc/modprobe.d" 2> /dev/null)
"$bin" --root "$r" apply strix-halo --memory 128GiB > /dev/null 2> "$work/err"
rc=$?
tap_check "bootc image: apply takes our etc/modprobe.d file away and writes usr/lib/modprobe.d's (exit $rc; before: $had)" \
	eval '[ $rc = 0 ] && [ "$had" = 90-amdgpu-tune.conf ] && [ ! -e "$r/etc/modprobe.d/90-amdgpu-tune.conf" ] && [ -f "$r/usr/lib/modprobe.d/90-amdgpu-tune.conf" ]'
# A file of that name not written by us: in etc/modprobe.d it would hide ours from kmod
# (apply refuses without --force); in usr/lib/modprobe.d on another machine, ours in
# etc/modprobe.d hides it, and it is left alone.
foreign() { # CASE DIR: $r, a root of golden CASE with such a file in DIR
	r=$work/foreign-$1
	build_case "$1" "$r"
	mkdir -p "$r/$2"
	echo "options foo bar=1" > "$r/$2/90-amdgpu-tune.conf"
}
foreign apply-bootc-image etc/modprobe.d
"$bin" --root "$r" apply strix-halo --memory 128GiB > /dev/null 2> "$work/err"
rc=$?
tap_check "bootc image: a modprobe.d file of that name in etc, not ours, stops apply: it would hide ours (exit $rc)" \
	eval '[ $rc = 2 ] && grep -q "^etc/modprobe.d/90-amdgpu-tune.conf: not written by amdgpu-tune" "$work/err" && [ ! -e "$r/usr/lib/modprobe.d" ]'
foreign apply-arch-grub usr/lib/modprobe.d
mkdir -p "$r/usr/lib/bootc/kargs.d"
echo 'kargs = ["foo"]' > "$r/usr/lib/bootc/kargs.d/90-amdgpu-tune.toml"
"$bin" --root "$r" apply strix-halo --memory 64GiB > /dev/null 2>&1
rc=$?
"$bin" --root "$r" remove > /dev/null 2>&1
rc2=$?
tap_check "plain GRUB: a usr/lib/modprobe.d file and a bootc kargs.d file of our names, not ours, are left alone by apply and remove (exit $rc, $rc2)" \
	eval '[ $rc = 0 ] && [ $rc2 = 0 ] && [ "$(cat "$r/usr/lib/modprobe.d/90-amdgpu-tune.conf")" = "options foo bar=1" ] && [ ! -e "$r/etc/modprobe.d/90-amdgpu-tune.conf" ] && [ -f "$r/usr/lib/bootc/kargs.d/90-amdgpu-tune.toml" ]'
if [ "$as_root" = none ]; then
	tap_skip "bootc image: the regeneration" "needs chroot (root or a user namespace)"
	tap_skip "bootc image: no dracut or no kernel stops apply --update" "needs chroot (root or a user namespace)"
else
	r=$work/bootc-regen
	build_case apply-bootc-image "$r"
	mkdir -p "$r/var/log" "$r/etc/fake-regen" "$r/etc/amdgpu-tune/profiles"
	install -m 755 "$work/fake-regen" "$r/usr/bin/dracut"
	# A second kernel: each gets its own run.
	cp -R "$r/usr/lib/modules/6.18.5-200.fc43.x86_64" "$r/usr/lib/modules/6.18.6-200.fc43.x86_64"
	cp "$work"/profiles/*.conf "$r/etc/amdgpu-tune/profiles/"
	regen "$r" apply test-mixed --memory 64GiB > "$work/out" 2>&1
	rc=$?
	tap_check "bootc image apply --update: the image's dracut once per kernel, --no-hostonly, into usr/lib/modules/VERSION/initramfs.img, with DRACUT_NO_XATTR=1 (exit $rc)" \
		eval '[ $rc = 0 ] && [ "$(grep -c "^env: DRACUT_NO_XATTR=1$" "$r/var/log/fake-regen.log")" = 2 ] && [ "$(grep "^argv:" "$r/var/log/fake-regen.log")" = "$(printf "argv: /usr/bin/dracut --no-hostonly --reproducible --add ostree -f /usr/lib/modules/6.18.5-200.fc43.x86_64/initramfs.img 6.18.5-200.fc43.x86_64\nargv: /usr/bin/dracut --no-hostonly --reproducible --add ostree -f /usr/lib/modules/6.18.6-200.fc43.x86_64/initramfs.img 6.18.6-200.fc43.x86_64")" ]'
	# An image always boots from an initramfs: without its dracut, or without a
	# kernel, apply --update stops before writing.
	r2=$work/bootc-nodracut
	build_case apply-bootc-image "$r2"
	mkdir -p "$r2/etc/amdgpu-tune/profiles"
	cp "$work"/profiles/*.conf "$r2/etc/amdgpu-tune/profiles/"
	rm "$r2/usr/bin/dracut"
	before=$(tree_sum "$r2")
	regen "$r2" apply strix-halo --memory 64GiB > /dev/null 2> "$work/err"
	rc2=$?
	same=$([ "$(tree_sum "$r2")" = "$before" ] && echo yes)
	install -m 755 "$work/fake-regen" "$r2/usr/bin/dracut"
	rm "$r2"/usr/lib/modules/*/vmlinuz
	before2=$(tree_sum "$r2")
	regen "$r2" apply strix-halo --memory 64GiB > /dev/null 2> "$work/err2"
	rc3=$?
	tap_check "bootc image apply --update: no dracut in the image, or no kernel with a vmlinuz, stops it with nothing written (exit $rc2, $rc3)" \
		eval '[ $rc2 = 4 ] && grep -q "^usr/bin/dracut: not in the image" "$work/err" && [ "$(tree_sum "$r2")" = "$before2" ] && [ $rc3 = 4 ] && grep -q "^usr/lib/modules: no kernel with a vmlinuz" "$work/err2" && [ "$same" = yes ]'
fi

# ---- 8f. a booted OSTree system with rpm-ostree ----
# Our arguments go to the next deployment with rpm-ostree kargs --append-if-missing and
# leave with --delete-if-present (exact tokens), the modprobe.d file into its initramfs
# with rpm-ostree initramfs-etc; etc/amdgpu-tune/rpm-ostree-kargs records which
# arguments we added. rpm-ostree is not in Debian: the stand-in does what its
# kernel_arg_apply_patching() and initramfs-etc do to a deployment, writing it as a new
# boot entry (a real booted system stages it: the staged file's reader is tested in
# tests/unit/test-staged.c and the golden cases), and fails as rpm-ostree does when a
# tracked file is gone.
if [ "$as_root" = none ]; then
	for t in "rpm-ostree: apply runs initramfs-etc, then kargs" "rpm-ostree: another profile deletes exactly ours" \
		"rpm-ostree: remove untracks before kargs" "rpm-ostree: the deployment's own identical argument is neither added nor taken away" \
		"rpm-ostree: tracked again after rpm-ostree reset" "rpm-ostree: a path tracked already" \
		"rpm-ostree: a failed undo keeps the journal" "rpm-ostree: rollback does not claim the user's argument" \
		"rpm-ostree: --discard-journal runs the journaled kargs" "rpm-ostree, staging" \
		"rpm-ostree: --discard-journal of a kept journal" \
		"rpm-ostree: a failed kargs is undone" "rpm-ostree: a run killed in kargs is undone by the next" \
		"rpm-ostree: a hostile journal token"; do
		tap_skip "$t" "needs chroot (root or a user namespace)"
	done
else
	ostree_root() { # DIR: a booted Silverblue root whose rpm-ostree is the stand-in
		build_case detect-rpm-ostree "$1" || return 1
		mkdir -p "$1/var/log" "$1/etc/fake-regen" "$1/etc/amdgpu-tune/profiles"
		install -m 755 "$work/fake-regen" "$1/usr/bin/rpm-ostree"
		cp "$work"/profiles/*.conf "$1/etc/amdgpu-tune/profiles/"
	}
	# The options of the deployment that boots next: the highest version.
	top_options() { sed -n 's/^options //p' "$(ls "$1"/boot/loader/entries/ostree-*.conf | sort -t- -k2 -n | tail -n 1)"; }
	runs() { sed -n 's/^argv: //p' "$1/var/log/fake-regen.log"; }
	r=$work/ro
	ostree_root "$r"
	base=$(top_options "$r")
	regen "$r" apply strix-halo-no-iommu > "$work/out" 2>&1
	rc=$?
	tap_check "rpm-ostree: apply runs initramfs-etc --force-sync --track of our modprobe.d file, then kargs --append-if-missing=amd_iommu=off; the next deployment has it, its initramfs our file (exit $rc)" \
		eval '[ $rc = 0 ] && [ "$(runs "$r")" = "$(printf "/usr/bin/rpm-ostree initramfs-etc --force-sync --track=/etc/modprobe.d/90-amdgpu-tune.conf\n/usr/bin/rpm-ostree kargs --append-if-missing=amd_iommu=off")" ] && [ "$(top_options "$r")" = "$base amd_iommu=off" ] && grep -q "^options ttm pages_limit=" "$r/boot/initramfs-etc-record" && [ "$(tail -n 1 "$r/etc/amdgpu-tune/rpm-ostree-kargs")" = amd_iommu=off ]'
	: > "$r/var/log/fake-regen.log"
	regen "$r" apply strix-halo-no-iommu > /dev/null 2>&1
	rc=$?
	regen "$r" apply strix-halo > /dev/null 2>&1
	rc2=$?
	tap_check "rpm-ostree: the same profile again runs nothing; another one syncs the tracked file's new text (--force-sync), deletes exactly ours (--delete-if-present=amd_iommu=off) and takes the record away (exit $rc, $rc2)" \
		eval '[ $rc = 0 ] && [ $rc2 = 0 ] && [ "$(runs "$r")" = "$(printf "/usr/bin/rpm-ostree initramfs-etc --force-sync --track=/etc/modprobe.d/90-amdgpu-tune.conf\n/usr/bin/rpm-ostree kargs --delete-if-present=amd_iommu=off")" ] && grep -q "from profile strix-halo\.$" "$r/boot/initramfs-etc-record" && [ "$(top_options "$r")" = "$base" ] && [ ! -e "$r/etc/amdgpu-tune/rpm-ostree-kargs" ]'
	regen "$r" apply strix-halo-no-iommu > /dev/null 2>&1
	: > "$r/var/log/fake-regen.log"
	regen "$r" remove > /dev/null 2> "$work/err"
	rc=$?
	tap_check "rpm-ostree: remove untracks our modprobe.d file first (a tracked file that is gone fails every deployment), then deletes our argument (exit $rc)" \
		eval '[ $rc = 0 ] && [ "$(runs "$r")" = "$(printf "/usr/bin/rpm-ostree initramfs-etc --untrack=/etc/modprobe.d/90-amdgpu-tune.conf\n/usr/bin/rpm-ostree kargs --delete-if-present=amd_iommu=off")" ] && [ "$(top_options "$r")" = "$base" ] && [ ! -s "$r/etc/fake-regen/tracked" ] && [ ! -e "$r/etc/modprobe.d/90-amdgpu-tune.conf" ]'
	# As on a booted system, the stand-in stages each deployment
	# (run/ostree/staged-deployment, GVariant): apply checks it, diff reads it, and
	# the next commands start from it.
	r=$work/ro-staged
	ostree_root "$r"
	: > "$r/etc/fake-regen/stage"
	regen "$r" apply strix-halo-no-iommu > /dev/null 2> "$work/err"
	rc=$?
	next=$("$bin" --root "$r" detect --json 2> /dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["cmdline_next_boot"])' 2> /dev/null)
	"$bin" --root "$r" diff > /dev/null 2> "$work/err2"
	regen "$r" apply strix-halo > /dev/null 2>&1
	rc2=$?
	next2=$("$bin" --root "$r" detect --json 2> /dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["cmdline_next_boot"])' 2> /dev/null)
	regen "$r" remove > /dev/null 2>&1
	rc3=$?
	tap_check "rpm-ostree, staging as a booted system does: apply checks the staged deployment, detect reads its arguments, its origin tracks our file, and the next profile and remove start from it (exit $rc, $rc2, $rc3; next boot: $next | $next2)" \
		eval '[ $rc = 0 ] && [ -s "$r/run/ostree/staged-deployment" ] && [ "$next" = "rhgb quiet root=UUID=5b1d9c2e-7f3a-4e8b-b6d0-1a2c3e4f5a6b rootflags=subvol=root rw ostree=/ostree/boot.1/fedora/0123abcd/0 amd_iommu=off" ] && ! grep -q "does not take it" "$work/err2" && [ $rc2 = 0 ] && [ "$next2" = "$base" ] && [ $rc3 = 0 ] && [ "$(ls "$r"/boot/loader/entries)" = "$(printf "ostree-1.conf\nostree-2.conf")" ] && ! grep -q initramfs-etc "$r"/sysroot/ostree/deploy/fedora/deploy/5a5a*.origin'
	# The deployment carries amd_iommu=off already (typed by hand): not ours to add,
	# nor to take away.
	r=$work/ro-own
	ostree_root "$r"
	sed -i 's/^options .*/& amd_iommu=off/' "$r/boot/loader.1/entries/ostree-2.conf"
	regen "$r" apply strix-halo-no-iommu > /dev/null 2>&1
	rc=$?
	regen "$r" remove > /dev/null 2>&1
	rc2=$?
	tap_check "rpm-ostree: an identical argument the deployment has already is neither recorded nor added, and remove leaves it (exit $rc, $rc2)" \
		eval '[ $rc = 0 ] && [ $rc2 = 0 ] && ! grep -q " kargs" "$r/var/log/fake-regen.log" && [ "$(top_options "$r")" = "$base amd_iommu=off" ] && [ ! -e "$r/etc/amdgpu-tune/rpm-ostree-kargs" ]'
	# The user adds by hand, after remove, an argument an earlier apply had added:
	# rollback to that apply does not record it as ours, so remove leaves it.
	r=$work/ro-claim
	ostree_root "$r"
	regen "$r" apply strix-halo-no-iommu > /dev/null 2>&1
	regen "$r" remove > /dev/null 2>&1
	$as_root chroot "$r" /usr/bin/rpm-ostree kargs --append-if-missing=amd_iommu=off > /dev/null
	regen "$r" rollback > "$work/out" 2> "$work/err"
	rc=$?
	regen "$r" remove > /dev/null 2>&1
	rc2=$?
	regen "$r" rollback > /dev/null 2>&1
	regen "$r" apply strix-halo-no-iommu > /dev/null 2> "$work/err2"
	rc3=$?
	tap_check "rpm-ostree: rollback does not record as ours an argument the user added since, remove leaves it, and the state's checksum of the record stays right (exit $rc, $rc2, $rc3)" \
		eval '[ $rc = 0 ] && grep -q "^etc/amdgpu-tune/rpm-ostree-kargs: warning: .amd_iommu=off.: in the next deployment already, not from amdgpu-tune" "$work/err" && ! grep -q "rpm-ostree-kargs" "$work/out" && [ $rc2 = 0 ] && [ "$(top_options "$r")" = "$base amd_iommu=off" ] && [ $rc3 = 0 ] && ! grep -q "edited by hand" "$work/err2"'
	# rpm-ostree reset untracks every /etc file: diff says our module options no
	# longer reach the initramfs, and apply tracks the file again, changing nothing
	# else.
	r=$work/ro-reset
	ostree_root "$r"
	regen "$r" apply strix-halo > /dev/null 2>&1
	$as_root chroot "$r" /usr/bin/rpm-ostree reset
	: > "$r/var/log/fake-regen.log"
	"$bin" --root "$r" diff > /dev/null 2> "$work/err"
	regen "$r" apply strix-halo > "$work/out" 2>&1
	rc=$?
	tap_check "rpm-ostree: after rpm-ostree reset, diff warns that the next deployment's initramfs does not take our modprobe.d file, and apply runs initramfs-etc --track again alone (exit $rc)" \
		eval '[ $rc = 0 ] && grep -q "^etc/modprobe.d/90-amdgpu-tune.conf: warning: the next deployment.s initramfs does not take it" "$work/err" && [ "$(runs "$r")" = "/usr/bin/rpm-ostree initramfs-etc --track=/etc/modprobe.d/90-amdgpu-tune.conf" ] && grep -q "^initramfs-etc=/etc/modprobe.d/90-amdgpu-tune.conf;" "$r"/sysroot/ostree/deploy/fedora/deploy/7e*.origin && grep -q "^Reboot to use the new settings" "$work/out"'
	# The path tracked already when apply writes the file (the user ran initramfs-etc
	# --track after the refusal of an older amdgpu-tune): --force-sync makes the
	# deployment that takes its text.
	r=$work/ro-tracked
	ostree_root "$r"
	mkdir -p "$r/etc/modprobe.d"
	echo "# the user's" > "$r/etc/modprobe.d/90-amdgpu-tune.conf"
	$as_root chroot "$r" /usr/bin/rpm-ostree initramfs-etc --track=/etc/modprobe.d/90-amdgpu-tune.conf > /dev/null
	rm "$r/etc/modprobe.d/90-amdgpu-tune.conf"
	regen "$r" apply strix-halo > /dev/null 2>&1
	rc=$?
	tap_check "rpm-ostree: a path tracked already: apply's initramfs-etc --force-sync makes the deployment whose initramfs has the new file (exit $rc)" \
		eval '[ $rc = 0 ] && grep -q "^options ttm pages_limit=" "$r/boot/initramfs-etc-record"'
	# kargs fails after initramfs-etc tracked the new file: the files come back, and
	# rpm-ostree is asked to do the opposite of both.
	r=$work/ro-fail
	ostree_root "$r"
	before=$(tree_sum "$r")
	: > "$r/etc/fake-regen/fail-once-rpm-ostree-kargs"
	regen "$r" apply strix-halo-no-iommu > /dev/null 2> "$work/err"
	rc=$?
	tap_check "rpm-ostree: a failed kargs is undone: our files back as they were, the modprobe.d file untracked, kargs --delete-if-present of what it would have added (exit $rc)" \
		eval '[ $rc = 4 ] && [ "$(runs "$r")" = "$(printf "/usr/bin/rpm-ostree initramfs-etc --force-sync --track=/etc/modprobe.d/90-amdgpu-tune.conf\n/usr/bin/rpm-ostree kargs --append-if-missing=amd_iommu=off\n/usr/bin/rpm-ostree initramfs-etc --untrack=/etc/modprobe.d/90-amdgpu-tune.conf\n/usr/bin/rpm-ostree kargs --delete-if-present=amd_iommu=off")" ] && [ ! -s "$r/etc/fake-regen/tracked" ] && [ "$(top_options "$r")" = "$base" ] && [ "$(tree_sum "$r" | grep -v "boot/initramfs-etc-record")" = "$before" ]'
	# kargs fails, and so does its undo: the journal stays for the next run.
	r=$work/ro-fail2
	ostree_root "$r"
	: > "$r/etc/fake-regen/fail-rpm-ostree-kargs"
	regen "$r" apply strix-halo-no-iommu > /dev/null 2> "$work/err"
	rc=$?
	rm "$r/etc/fake-regen/fail-rpm-ostree-kargs"
	kept=$(sed -n 's/^kargs-add //p' "$r/var/lib/amdgpu-tune/transaction" 2> /dev/null)
	restored=$(grep -c "^restored yes$" "$r/var/lib/amdgpu-tune/transaction" 2> /dev/null)
	# A locked staged deployment meanwhile (GLib-made, as ostree writes one): the
	# undo would unlock it; it waits, and so does --discard-journal.
	mkdir -p "$r/run/ostree"
	cp "$top_srcdir/tests/golden/detect-rpm-ostree-locked/root/run/ostree/staged-deployment" "$r/run/ostree/"
	regen "$r" apply strix-halo > /dev/null 2> "$work/err2"
	rc2=$?
	regen "$r" apply strix-halo --discard-journal > /dev/null 2>&1
	rc4=$?
	kept2=$(sed -n 's/^kargs-add //p' "$r/var/lib/amdgpu-tune/transaction" 2> /dev/null)
	rm "$r/run/ostree/staged-deployment"
	regen "$r" apply strix-halo > /dev/null 2>&1
	rc3=$?
	tap_check "rpm-ostree: when the undo's kargs fails too, or a staged deployment is locked, the journal stays, saying the files are back ($restored; kargs-add $kept, $kept2), also through --discard-journal, and the next apply runs the undo first (exit $rc, $rc2, $rc4, $rc3)" \
		eval '[ $rc = 5 ] && [ "$kept" = amd_iommu=off ] && [ "$restored" = 1 ] && grep -q "transaction: kept: it names the kernel arguments" "$work/err" && [ $rc2 = 5 ] && [ $rc4 = 5 ] && [ "$kept2" = amd_iommu=off ] && grep -q "staged-deployment: a staged deployment is locked" "$work/err2" && [ $rc3 = 0 ] && [ "$(sed -n "s/^argv: //p" "$r/var/log/fake-regen.log" | grep -c "kargs --delete-if-present=amd_iommu=off")" = 2 ] && [ ! -e "$r/var/lib/amdgpu-tune/transaction" ]'
	# A kept journal whose snapshot is gone: --discard-journal undoes what it names
	# (the files are back), never does it again; an undo that keeps failing is given
	# up on with --discard-journal, naming the command.
	r=$work/ro-fail3
	ostree_root "$r"
	: > "$r/etc/fake-regen/fail-rpm-ostree-kargs"
	regen "$r" apply strix-halo-no-iommu > /dev/null 2>&1
	rm "$r/etc/fake-regen/fail-rpm-ostree-kargs"
	rm -rf "$r/var/lib/amdgpu-tune/snapshots"
	: > "$r/var/log/fake-regen.log"
	regen "$r" apply strix-halo --discard-journal > /dev/null 2>&1
	rc=$?
	back=$(runs "$r" | grep " kargs ")
	r=$work/ro-fail4
	ostree_root "$r"
	: > "$r/etc/fake-regen/fail-rpm-ostree-kargs"
	regen "$r" apply strix-halo-no-iommu > /dev/null 2>&1
	regen "$r" apply strix-halo --discard-journal > /dev/null 2> "$work/err"
	rc2=$?
	tap_check "rpm-ostree: --discard-journal of a kept journal undoes it ($back), and gives up on an undo that keeps failing, naming the command (exit $rc, $rc2)" \
		eval '[ $rc = 0 ] && [ "$back" = "/usr/bin/rpm-ostree kargs --delete-if-present=amd_iommu=off" ] && [ $rc2 != 5 ] && grep -q "run .rpm-ostree kargs --delete-if-present=amd_iommu=off. once the cause is fixed" "$work/err" && grep -q "transaction: warning: removed (--discard-journal)" "$work/err" && [ ! -e "$r/var/lib/amdgpu-tune/transaction" ]'
	# Killed while kargs runs (it completes: a new deployment with our argument); the
	# next run finds the journal and takes the argument away again.
	r=$work/ro-kill
	ostree_root "$r"
	: > "$r/etc/fake-regen/sleep-rpm-ostree"
	regen "$r" apply strix-halo-no-iommu > /dev/null 2>&1 &
	pid=$!
	for _ in $(seq 100); do grep -q "kargs" "$r/var/log/fake-regen.log" 2> /dev/null && break; sleep 0.1; done
	# amdgpu-tune alone: the stand-in goes on and makes the deployment.
	pkill -9 -f -- "--root $r --update apply strix-halo-no-iommu"
	wait $pid 2> /dev/null
	sleep 2.5
	rm "$r/etc/fake-regen/sleep-rpm-ostree"
	journal=$(sed -n 's/^kargs-add //p' "$r/var/lib/amdgpu-tune/transaction" 2> /dev/null)
	had=$(top_options "$r")
	# Without the commands (no --update under --root), nothing is restored: only
	# rpm-ostree can undo what it did.
	before=$(tree_sum "$r")
	"$bin" --root "$r" remove > /dev/null 2> "$work/err0"
	rc0=$?
	same=$([ "$(tree_sum "$r")" = "$before" ] && echo yes)
	# The first undo's kargs fails (rpm-ostreed still runs the killed run's
	# transaction): the journal stays, and the run after it undoes the change.
	: > "$r/etc/fake-regen/fail-once-rpm-ostree-kargs"
	regen "$r" remove > /dev/null 2> "$work/err"
	rc1=$?
	kept=$(sed -n 's/^kargs-add //p' "$r/var/lib/amdgpu-tune/transaction" 2> /dev/null)
	regen "$r" remove > /dev/null 2> "$work/err"
	rc=$?
	tap_check "rpm-ostree: a run killed while kargs ran is undone by the next: the journal names the argument (kargs-add $journal), and stays, nothing restored, in a run without the commands (exit $rc0), or while the opposite kargs fails (exit $rc1, kept $kept); then the argument leaves the next deployment (exit $rc)" \
		eval '[ $rc0 = 5 ] && [ "$same" = yes ] && grep -q "only rpm-ostree undoes" "$work/err0" && [ $rc1 = 5 ] && [ "$kept" = amd_iommu=off ] && [ $rc = 0 ] && [ "$journal" = amd_iommu=off ] && [ "$had" = "$base amd_iommu=off" ] && [ "$(top_options "$r")" = "$base" ] && [ ! -e "$r/var/lib/amdgpu-tune/transaction" ] && [ ! -s "$r/etc/fake-regen/tracked" ]'
	# Killed after kargs was journaled, its snapshot lost: --discard-journal keeps the
	# files as the run left them (our record without amd_iommu=off), and kargs does
	# again what the journal says it was to do, so the deployment matches the record.
	r=$work/ro-discard
	ostree_root "$r"
	regen "$r" apply strix-halo-no-iommu > /dev/null 2>&1
	rm "$r/etc/amdgpu-tune/rpm-ostree-kargs"
	printf 'version 1\nsnapshot 99\nloader rpm-ostree\nregen kargs\nkargs-del amd_iommu=off\n' > "$r/var/lib/amdgpu-tune/transaction"
	chmod 600 "$r/var/lib/amdgpu-tune/transaction"
	: > "$r/var/log/fake-regen.log"
	regen "$r" apply strix-halo --discard-journal > /dev/null 2> "$work/err"
	rc=$?
	tap_check "rpm-ostree: --discard-journal of a journal whose snapshot is gone runs the journaled kargs again (--delete-if-present=amd_iommu=off): the deployment matches the files kept (exit $rc)" \
		eval '[ $rc = 0 ] && [ "$(runs "$r" | grep " kargs ")" = "/usr/bin/rpm-ostree kargs --delete-if-present=amd_iommu=off" ] && [ "$(top_options "$r")" = "$base" ] && [ ! -e "$r/var/lib/amdgpu-tune/transaction" ]'
	# A journal token that would be an option to rpm-ostree is refused, not run.
	r=$work/ro-hostile
	ostree_root "$r"
	mkdir -p "$r/var/lib/amdgpu-tune"
	chmod 755 "$r/var" "$r/var/lib" "$r/var/lib/amdgpu-tune"
	printf 'version 1\nsnapshot 1\nloader rpm-ostree\nregen kargs\nkargs-add --reboot\n' > "$r/var/lib/amdgpu-tune/transaction"
	chmod 600 "$r/var/lib/amdgpu-tune/transaction"
	regen "$r" remove > /dev/null 2> "$work/err"
	rc=$?
	tap_check "rpm-ostree: a journal token that is not a kernel argument (--reboot) makes the journal unusable, and nothing runs (exit $rc)" \
		eval '[ $rc != 0 ] && grep -q "transaction:5: corrupt journal" "$work/err" && [ ! -s "$r/var/log/fake-regen.log" ]'
fi

# ---- 8g. a trial boot (apply --trial, confirm) on Debian's GRUB ----
# The stand-ins: update-grub writes the trial's entry as the grub.d script would make it
# (the script itself, with the real update-grub and 10_linux, is run by tests/e2e/trial.sh
# in a stock Debian root booted in QEMU), grub-reboot and grub-editenv change next_entry
# in boot/grub/grubenv.
if [ "$as_root" = none ]; then
	for t in "trial: dry run" "trial: apply --trial" "trial: status" "trial: confirm" "trial: remove" \
		"trial: failures" "trial: recovery" "trial: hostile record" "trial: other boot loaders"; do
		tap_skip "$t" "needs chroot (root or a user namespace)"
	done
else
	trial_root() { # DIR: Debian's GRUB, its tools the stand-ins
		regen_root "$1" || return 1
		install -m 755 "$work/fake-regen" "$1/usr/sbin/grub-reboot"
		mkdir -p "$1/usr/bin" && install -m 755 "$work/fake-regen" "$1/usr/bin/grub-editenv"
		: > "$1/etc/fake-regen/record"
	}
	runs() { sed -n 's/^argv: //p' "$1/var/log/fake-regen.log"; }
	# The stand-in a killed run started goes on (as a real tool would): until it ended.
	standin_done() { for _ in $(seq 100); do pgrep -x update-grub > /dev/null || pgrep -x update-initramf > /dev/null || pgrep -x grub-reboot > /dev/null || pgrep -x bootctl > /dev/null || return 0; sleep 0.1; done; }
	# Runs regen ROOT ARGS..., kills the tool (its command line has PATTERN) while the
	# stand-in STANDIN runs, waits for that to end; journal=left when a journal stays.
	killed_in() { # ROOT STANDIN PATTERN ARGS...
		kr=$1 ks=$2 kp=$3
		shift 3
		: > "$kr/etc/fake-regen/sleep-$ks"
		: > "$kr/var/log/fake-regen.log"
		regen "$kr" "$@" > /dev/null 2>&1 &
		kpid=$!
		for _ in $(seq 100); do grep -q "$ks" "$kr/var/log/fake-regen.log" 2> /dev/null && break; sleep 0.05; done
		pkill -9 -f -- "--root $kr --update $kp"
		wait $kpid 2> /dev/null
		journal=$([ -e "$kr/var/lib/amdgpu-tune/transaction" ] && echo left)
		rm -f "$kr/etc/fake-regen/sleep-$ks"
		standin_done
	}
	next_entry() { sed -n 's/^next_entry=//p' "$1/boot/grub/grubenv" 2> /dev/null; }
	# What GRUB leaves at the trial's boot: next_entry saved empty, in a block of
	# 1024 bytes as grub-editenv makes it.
	grubenv_booted() { printf '# GRUB Environment Block\nnext_entry=\n%s' "$(printf '#%.0s' $(seq 987))" > "$1/boot/grub/grubenv"; }
	# The running kernel's command line of the trial's boot: its marker.
	booted() { mkdir -p "$1/proc" && echo "BOOT_IMAGE=/boot/vmlinuz root=/dev/sda1 iommu=pt amdgpu.vm_fragment_size=9 $(sed -n 's/^id /amdgpu_tune.trial=/p' "$1/var/lib/amdgpu-tune/trial")" > "$1/proc/cmdline"; }
	tflag='/usr/sbin/update-grub
/usr/sbin/grub-reboot amdgpu-tune-trial'
	r=$work/trial
	trial_root "$r"
	before=$(tree_sum "$r")
	regen "$r" apply --trial test-mixed --memory 64GiB --dry-run > "$work/out" 2>&1
	rc=$?
	tap_check "trial: apply --trial --dry-run shows the grub.d script with every setting on GRUB_CMDLINE_LINUX_DEFAULT, the record, and update-grub then grub-reboot; writes nothing (exit $rc)" \
		eval '[ $rc = 0 ] && grep -q "^+GRUB_CMDLINE_LINUX_DEFAULT=\"\${GRUB_CMDLINE_LINUX_DEFAULT} iommu=pt amdgpu.vm_fragment_size=9 amdgpu_tune.trial=[0-9]*\"$" "$work/out" && grep -q "^+++ var/lib/amdgpu-tune/trial$" "$work/out" && grep -q "^  chroot $r grub-reboot amdgpu-tune-trial$" "$work/out" && [ "$(tree_sum "$r")" = "$before" ]'
	regen "$r" apply --trial test-mixed --memory 64GiB > "$work/out" 2>&1
	rc=$?
	tap_check "trial: apply --trial writes the script (0755) and the record, runs update-grub then grub-reboot; grub.cfg has the entry with both settings and the marker, next_entry is it; no drop-in, no state (exit $rc)" \
		eval '[ $rc = 0 ] && [ "$(runs "$r")" = "$tflag" ] && [ "$(stat -c %a "$r/etc/grub.d/42_amdgpu-tune-trial")" = 755 ] && grep -q "^	linux	.* iommu=pt amdgpu.vm_fragment_size=9 amdgpu_tune.trial=[0-9]*$" "$r/boot/grub/grub.cfg" && [ "$(next_entry "$r")" = amdgpu-tune-trial ] && [ ! -e "$r/etc/default/grub.d/90-amdgpu-tune.cfg" ] && [ ! -e "$r/etc/modprobe.d/90-amdgpu-tune.conf" ] && [ ! -e "$r/var/lib/amdgpu-tune/state" ]'
	"$bin" --root "$r" status > "$work/out" 2>&1
	rc=$?
	"$bin" --root "$r" status --json > "$work/json" 2> /dev/null
	tap_check "trial: status says it is selected for the next boot only (exit $rc), --json state next-boot" \
		eval '[ $rc = 0 ] && grep -q "^Trial: test-mixed (trial [0-9]*, entry .amdgpu-tune-trial. of debian-grub)$" "$work/out" && grep -q "^  Selected for the next boot only" "$work/out" && grep -q "\"state\":\"next-boot\",\"this_boot\":null,\"selected_for_next_boot\":true" "$work/json"'
	booted "$r"
	mkdir -p "$r/sys/module/amdgpu/parameters" && echo 9 > "$r/sys/module/amdgpu/parameters/vm_fragment_size"
	"$bin" --root "$r" status > "$work/out" 2> "$work/err"
	rc=$?
	tap_check "trial: in its boot, status says so, what sysfs and the command line show, and warns while next_entry still selects it (exit $rc)" \
		eval '[ $rc = 0 ] && grep -q "^  This boot is the trial" "$work/out" && grep -q "^    amdgpu.vm_fragment_size=9: in effect (sysfs shows it)$" "$work/out" && grep -q "^    iommu=pt: on this boot.s command line$" "$work/out" && grep -q "still selected for the next boot" "$work/err"'
	echo 8 > "$r/sys/module/amdgpu/parameters/vm_fragment_size"
	"$bin" --root "$r" status --json > "$work/json" 2> /dev/null
	tap_check "trial: --json names each argument with what sysfs has and whether it is in effect" \
		grep -q '"arg":"amdgpu.vm_fragment_size=9","on_cmdline":true,"sysfs":"8","in_effect":false' "$work/json"
	# GRUB clears next_entry at the trial's boot.
	grubenv_booted "$r"
	rm -f "$r/proc/cmdline"
	before=$(tree_sum "$r")
	: > "$r/var/log/fake-regen.log"
	regen "$r" confirm > "$work/out" 2>&1
	rc=$?
	tap_check "trial: confirm outside the trial's boot is refused (exit $rc), nothing written or run" \
		eval '[ $rc = 4 ] && grep -q "this boot is not the trial of test-mixed" "$work/out" && [ "$(tree_sum "$r")" = "$before" ] && [ ! -s "$r/var/log/fake-regen.log" ]'
	booted "$r"
	regen "$r" confirm > "$work/out" 2>&1
	rc=$?
	tap_check "trial: confirm in it applies the profile (drop-ins, state), removes the script and the record, runs update-grub and update-initramfs, no grub-editenv (next_entry was cleared) (exit $rc)" \
		eval '[ $rc = 0 ] && grep -q "^Confirmed the trial: applied test-mixed" "$work/out" && [ "$(runs "$r")" = "$(printf "/usr/sbin/update-grub\n/usr/sbin/update-initramfs -u -k all")" ] && grep -q "iommu=pt" "$r/etc/default/grub.d/90-amdgpu-tune.cfg" && grep -q "^options amdgpu vm_fragment_size=9$" "$r/etc/modprobe.d/90-amdgpu-tune.conf" && [ ! -e "$r/etc/grub.d/42_amdgpu-tune-trial" ] && [ ! -e "$r/var/lib/amdgpu-tune/trial" ] && ! grep -q amdgpu-tune-trial "$r/boot/grub/grub.cfg" && grep -q "^profile test-mixed$" "$r/var/lib/amdgpu-tune/state"'
	"$bin" --root "$r" snapshots > "$work/out" 2>&1
	tap_check "trial: the snapshots name the operations trial and confirm" \
		eval 'grep -q " trial  " "$work/out" && grep -q " confirm  " "$work/out"'
	rm -f "$r/proc/cmdline"
	# A confirm killed while it regenerates is undone like an apply: the trial is back
	# (not selected again), the profile not applied.
	r=$work/trial-kill
	trial_root "$r"
	regen "$r" apply --trial test-mixed --memory 64GiB > /dev/null 2>&1
	grubenv_booted "$r"
	booted "$r"
	trial_before=$(cat "$r/var/lib/amdgpu-tune/trial")
	killed_in "$r" update-initramfs "confirm" confirm
	regen "$r" remove --dry-run > /dev/null 2>&1
	regen "$r" apply --trial test-mixed --memory 64GiB --dry-run > /dev/null 2>&1
	: > "$r/var/log/fake-regen.log"
	regen "$r" rollback --dry-run > /dev/null 2>&1
	"$bin" --root "$r" status > "$work/out" 2>&1
	regen "$r" apply rdna2 > /dev/null 2>&1
	rc=$?
	tap_check "trial: a confirm killed in update-initramfs is undone by the next run: the trial's record and script back, no state of test-mixed, nothing selected (exit $rc)" \
		eval '[ "$journal" = left ] && [ $rc = 0 ] && [ "$(cat "$r/var/lib/amdgpu-tune/trial")" = "$trial_before" ] && [ -x "$r/etc/grub.d/42_amdgpu-tune-trial" ] && ! grep -q "^profile test-mixed$" "$r/var/lib/amdgpu-tune/state" && [ -z "$(next_entry "$r")" ] && ! grep -q grub-reboot "$r/var/log/fake-regen.log"'
	rm -f "$r/proc/cmdline"
	# remove ends a trial that was not booted: the selection goes too.
	r=$work/trial2
	trial_root "$r"
	regen "$r" apply --trial test-mixed --memory 64GiB > /dev/null 2>&1
	: > "$r/var/log/fake-regen.log"
	regen "$r" remove > "$work/out" 2>&1
	rc=$?
	tap_check "trial: remove ends an unconfirmed trial: script and record gone, update-grub, then grub-editenv unsets next_entry (exit $rc)" \
		eval '[ $rc = 0 ] && [ "$(runs "$r")" = "$(printf "/usr/sbin/update-grub\n/usr/bin/grub-editenv /boot/grub/grubenv unset next_entry")" ] && [ -z "$(next_entry "$r")" ] && [ ! -e "$r/etc/grub.d/42_amdgpu-tune-trial" ] && [ ! -e "$r/var/lib/amdgpu-tune/trial" ] && ! grep -q amdgpu-tune-trial "$r/boot/grub/grub.cfg"'
	# remove --trial ends the trial alone; an apply meanwhile says the trial boots next.
	r5=$work/trial5
	trial_root "$r5"
	regen "$r5" apply rdna2 > /dev/null 2>&1
	regen "$r5" apply --trial test-mixed --memory 64GiB > /dev/null 2>&1
	regen "$r5" apply strix-halo-no-iommu --memory 64GiB > /dev/null 2> "$work/err"
	rc=$?
	: > "$r5/var/log/fake-regen.log"
	regen "$r5" remove --trial > "$work/out" 2>&1
	rc2=$?
	tap_check "trial: an apply while a trial is selected warns that the next boot is the trial (exit $rc); remove --trial takes the trial alone away and its selection (exit $rc2)" \
		eval '[ $rc = 0 ] && grep -q "the trial of test-mixed is selected for the next boot" "$work/err" && [ $rc2 = 0 ] && grep -q "^Ended the trial (snapshot [0-9]* keeps it" "$work/out" && [ "$(runs "$r5")" = "$(printf "/usr/sbin/update-grub\n/usr/bin/grub-editenv /boot/grub/grubenv unset next_entry")" ] && [ ! -e "$r5/var/lib/amdgpu-tune/trial" ] && [ ! -e "$r5/etc/grub.d/42_amdgpu-tune-trial" ] && grep -q "^profile strix-halo-no-iommu$" "$r5/var/lib/amdgpu-tune/state" && [ -e "$r5/etc/default/grub.d/90-amdgpu-tune.cfg" ]'
	regen "$r5" remove --trial > "$work/out" 2>&1
	tap_check "trial: remove --trial without a trial changes nothing" grep -q "^Nothing to remove: no trial.$" "$work/out"
	# The applied profile's arguments are left out of the trial's entry; its module
	# options the trial does not set are named. The script run by sh, its 10_linux a
	# stand-in that prints the first entry as 10_linux does.
	r6=$work/trial6
	trial_root "$r6"
	regen "$r6" apply strix-halo-no-iommu --memory 64GiB > /dev/null 2>&1
	regen "$r6" apply --trial rdna2 > /dev/null 2> "$work/err"
	rc=$?
	printf '#!/bin/sh\necho "menuentry '"'"'Debian GNU/Linux'"'"' --class debian \\$menuentry_id_option '"'"'gnulinux-simple-x'"'"' {"\necho "\tlinux /vmlinuz root=/dev/sda1 ro $GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT"\necho "}"\necho "submenu x {"\n' > "$work/10_linux"
	chmod 755 "$work/10_linux"
	sed "s|/etc/grub.d/10_linux|$work/10_linux|g" "$r6/etc/grub.d/42_amdgpu-tune-trial" > "$work/42"
	GRUB_CMDLINE_LINUX="console=ttyS0" GRUB_CMDLINE_LINUX_DEFAULT="quiet amd_iommu=off  splash" sh "$work/42" > "$work/entry" 2> /dev/null
	tap_check "trial: the entry leaves out the applied profile's amd_iommu=off (sh runs the script: the user's quiet and splash stay), and apply --trial names the module option it keeps (exit $rc)" \
		eval '[ $rc = 0 ] && grep -q "keeps the module options of strix-halo-no-iommu that rdna2 does not set (ttm.pages_limit)" "$work/err" && [ "$(sed -n "1p;3p" "$work/entry")" = "$(printf "menuentry \"amdgpu-tune trial: rdna2\" --id amdgpu-tune-trial {\n}")" ] && sed -n 2p "$work/entry" | grep -q "^	linux /vmlinuz root=/dev/sda1 ro console=ttyS0 quiet splash iommu=pt amdgpu_tune.trial=[0-9]*$" && [ "$(wc -l < "$work/entry")" = 3 ]'
	# confirm plans for the RAM the trial recorded, though MemTotal moved (another
	# kernel keeps another amount); remove --trial needs neither a good grubenv nor a
	# good state.
	r7=$work/trial7
	trial_root "$r7"
	mkdir -p "$r7/proc"
	printf 'MemTotal:       65536000 kB\n' > "$r7/proc/meminfo"
	regen "$r7" apply --trial strix-halo > /dev/null 2>&1
	printf 'MemTotal:       65530000 kB\n' > "$r7/proc/meminfo"
	grubenv_booted "$r7"
	booted "$r7"
	tp=$(sed -n 's/^arg ttm.pages_limit=//p' "$r7/var/lib/amdgpu-tune/trial")
	regen "$r7" confirm > /dev/null 2> "$work/err"
	rc=$?
	tap_check "trial: confirm plans for the RAM the trial recorded when MemTotal moved a little (exit $rc): modprobe.d has the trial's pages_limit=$tp" \
		eval '[ $rc = 0 ] && [ -n "$tp" ] && grep -q "^options ttm pages_limit=$tp$" "$r7/etc/modprobe.d/90-amdgpu-tune.conf"'
	rm -f "$r7/proc/cmdline"
	regen "$r7" apply --trial rdna2 > /dev/null 2>&1
	echo garbage > "$r7/boot/grub/grubenv"
	echo "version 9" > "$r7/var/lib/amdgpu-tune/state"
	chmod 644 "$r7/var/lib/amdgpu-tune/state"
	: > "$r7/var/log/fake-regen.log"
	regen "$r7" remove --trial > /dev/null 2> "$work/err"
	rc=$?
	tap_check "trial: remove --trial with a grubenv that is no environment block (nothing selected: no grub-editenv) and a state that cannot be used (a warning) (exit $rc)" \
		eval '[ $rc = 0 ] && [ "$(runs "$r7")" = /usr/sbin/update-grub ] && [ ! -e "$r7/var/lib/amdgpu-tune/trial" ] && grep -q "state.* warning: corrupt state" "$work/err"'
	# apply --trial again replaces the trial: a new id.
	r=$work/trial2
	regen "$r" apply --trial test-mixed --memory 64GiB > /dev/null 2>&1
	id1=$(sed -n 's/^id //p' "$r/var/lib/amdgpu-tune/trial")
	regen "$r" apply --trial rdna2 > "$work/out" 2>&1
	rc=$?
	tap_check "trial: apply --trial again replaces it with a new id, and says so (exit $rc)" \
		eval '[ $rc = 0 ] && grep -q "^apply --trial: it replaces the trial of test-mixed (trial $id1)$" "$work/out" && grep -q "^profile rdna2$" "$r/var/lib/amdgpu-tune/trial" && ! grep -q "^id $id1$" "$r/var/lib/amdgpu-tune/trial"'
	# Failures: update-grub fails; the entry is not made; a kill in grub-reboot.
	r=$work/trial3
	trial_root "$r"
	: > "$r/etc/fake-regen/fail-once-update-grub"
	regen "$r" apply --trial test-mixed --memory 64GiB > "$work/out" 2>&1
	rc=$?
	f1=$([ $rc = 4 ] && [ ! -e "$r/etc/grub.d/42_amdgpu-tune-trial" ] && [ ! -e "$r/var/lib/amdgpu-tune/trial" ] && [ -z "$(next_entry "$r")" ] && ! grep -q grub-reboot "$r/var/log/fake-regen.log" && echo ok)
	: > "$r/etc/fake-regen/no-trial-entry"
	: > "$r/var/log/fake-regen.log"
	regen "$r" apply --trial test-mixed --memory 64GiB > "$work/out" 2>&1
	rc=$?
	rm -f "$r/etc/fake-regen/no-trial-entry"
	f2=$([ $rc = 4 ] && grep -q "update-grub made no entry 'amdgpu-tune-trial'" "$work/out" && [ ! -e "$r/etc/grub.d/42_amdgpu-tune-trial" ] && [ ! -e "$r/var/lib/amdgpu-tune/trial" ] && [ -z "$(next_entry "$r")" ] && [ "$(runs "$r" | tail -n 2)" = "$(printf "/usr/sbin/update-grub\n/usr/bin/grub-editenv /boot/grub/grubenv unset next_entry")" ] && echo ok)
	tap_check "trial: a failing update-grub is undone before grub-reboot runs; an entry update-grub did not make is undone, the selection taken back (${f1:-first failed}, ${f2:-second failed})" \
		[ "$f1$f2" = okok ]
	killed_in "$r" grub-reboot "apply --trial" apply --trial test-mixed --memory 64GiB
	regen "$r" remove > "$work/out" 2>&1
	rc=$?
	tap_check "trial: a run killed in grub-reboot is undone by the next: no script or record, next_entry unset (exit $rc)" \
		eval '[ "$journal" = left ] && [ $rc = 0 ] && [ -z "$(next_entry "$r")" ] && [ ! -e "$r/etc/grub.d/42_amdgpu-tune-trial" ] && [ ! -e "$r/var/lib/amdgpu-tune/trial" ] && [ ! -e "$r/var/lib/amdgpu-tune/transaction" ]'
	# An interrupted apply's recovery leaves a pending trial alone.
	regen "$r" apply --trial test-mixed --memory 64GiB > /dev/null 2>&1
	id1=$(sed -n 's/^id //p' "$r/var/lib/amdgpu-tune/trial")
	killed_in "$r" update-grub "apply rdna2" apply rdna2
	regen "$r" apply strix-halo-no-iommu --memory 64GiB > "$work/out" 2>&1
	rc=$?
	tap_check "trial: the recovery of an interrupted apply leaves the pending trial as it was: record, script, entry, next_entry (exit $rc)" \
		eval '[ "$journal" = left ] && [ $rc = 0 ] && grep -q "^id $id1$" "$r/var/lib/amdgpu-tune/trial" && [ -x "$r/etc/grub.d/42_amdgpu-tune-trial" ] && [ "$(next_entry "$r")" = amdgpu-tune-trial ] && grep -q amdgpu-tune-trial "$r/boot/grub/grub.cfg"'
	# A hostile record: refused by status and confirm, naming the line.
	printf 'version 1\nid 1\nprofile x\nloader debian-grub\narg a=$(reboot)\n' > "$r/var/lib/amdgpu-tune/trial"
	"$bin" --root "$r" status > /dev/null 2> "$work/err"
	rc=$?
	regen "$r" confirm --force > /dev/null 2> "$work/err2"
	rc2=$?
	regen "$r" apply --trial test-mixed --memory 64GiB > /dev/null 2> "$work/err3"
	rc3=$?
	tap_check "trial: a record with an argument apply never writes: status and confirm exit 2 naming its line (exit $rc, $rc2); apply --trial replaces it, saying so (exit $rc3)" \
		eval '[ $rc = 2 ] && [ $rc2 = 2 ] && grep -q "^var/lib/amdgpu-tune/trial:5: corrupt trial record: an argument" "$work/err" && grep -q "^var/lib/amdgpu-tune/trial:5: corrupt" "$work/err2" && [ $rc3 = 0 ] && grep -q "^var/lib/amdgpu-tune/trial: warning: replaced by this trial" "$work/err3" && grep -q "^profile test-mixed$" "$r/var/lib/amdgpu-tune/trial"'
	# A trial that replaces an older one and fails, or is rolled back: the older one's
	# record comes back, not selected (it was booted, or it is not what was asked for).
	r=$work/trial-older
	trial_root "$r"
	regen "$r" apply --trial test-mixed --memory 64GiB > /dev/null 2>&1
	old_trial=$(cat "$r/var/lib/amdgpu-tune/trial")
	grubenv_booted "$r"
	: > "$r/etc/fake-regen/no-trial-entry"
	regen "$r" apply --trial rdna2 > /dev/null 2>&1
	rc=$?
	rm -f "$r/etc/fake-regen/no-trial-entry"
	o1=$([ $rc = 4 ] && [ "$(cat "$r/var/lib/amdgpu-tune/trial")" = "$old_trial" ] && [ -z "$(next_entry "$r")" ] && echo ok)
	regen "$r" apply --trial rdna2 > /dev/null 2>&1
	regen "$r" rollback > /dev/null 2>&1
	rc=$?
	o2=$([ $rc = 0 ] && [ "$(cat "$r/var/lib/amdgpu-tune/trial")" = "$old_trial" ] && [ -z "$(next_entry "$r")" ] && echo ok)
	tap_check "trial: an apply --trial that fails after grub-reboot, or is rolled back, brings the older trial's record back without selecting it (${o1:-failed one wrong}, ${o2:-rollback wrong})" \
		[ "$o1$o2" = okok ]
	# An entry whose command line the kernel would cut short: the marker would go first.
	r=$work/trial-long
	trial_root "$r"
	printf 'GRUB_CMDLINE_LINUX_DEFAULT="quiet %s"\n' "$(printf 'x%.0s' $(seq 1900))" > "$r/etc/default/grub.d/99-long.cfg"
	before=$(tree_sum "$r")
	regen "$r" apply --trial test-mixed --memory 64GiB > /dev/null 2> "$work/err"
	rc=$?
	printf 'GRUB_CMDLINE_LINUX_DEFAULT="quiet $(cat /etc/x)"\n' > "$r/etc/default/grub.d/99-long.cfg"
	before=$(tree_sum "$r")
	regen "$r" apply --trial test-mixed --memory 64GiB > /dev/null 2> "$work/err2"
	rc2=$?
	tap_check "trial: refused when the entry's command line would be over the kernel's 2048 bytes (exit $rc), or is not known (exit $rc2), nothing written" \
		eval '[ $rc = 2 ] && grep -q "the trial entry.s kernel command line would be about [0-9]* bytes, over the kernel.s 2048" "$work/err" && [ $rc2 = 2 ] && grep -q "the next boot.s command line is not known (etc/default/grub.d/99-long.cfg:1: " "$work/err2" && [ "$(tree_sum "$r")" = "$before" ]'
	# Where it cannot: other boot loaders, --auto.
	r=$work/trial-sd
	build_case detect-systemd-boot "$r"
	"$bin" --root "$r" apply --trial test-mixed --memory 64GiB > /dev/null 2> "$work/err"
	rc=$?
	"$bin" --root "$r" apply --trial --auto > /dev/null 2> "$work/err2"
	rc2=$?
	"$bin" --root "$r" apply --trial test-mixed --kernel 6.12.117+deb12-amd64 > /dev/null 2> "$work/err3"
	rc3=$?
	tap_check "trial: refused with its reason on a systemd-boot tree it did not start (exit $rc), and with --auto or --kernel (exit $rc2, $rc3)" \
		eval '[ $rc = 4 ] && grep -q "this system was not started by systemd-boot (no LoaderInfo" "$work/err" && [ $rc2 = 2 ] && grep -q -- "--trial and --auto contradict" "$work/err2" && [ $rc3 = 2 ] && grep -q -- "leave out --kernel" "$work/err3"'
	# ---- systemd-boot: the trial's entry beside the default one, bootctl set-oneshot ----
	# Its entry file is written on the partition of the default entry (no regeneration:
	# systemd-boot reads it), and bootctl (the stand-in) sets LoaderEntryOneShot in the
	# root's sys/firmware/efi/efivars as efivarfs shows it. The real bootctl, FAT and
	# systemd-boot are tests/e2e/trial.sh's (QEMU with OVMF).
	sd_var=sys/firmware/efi/efivars
	sd_guid=4a67b082-0a4c-41cf-b6c7-440b29bb8c4f
	sd_trial_root() { # DIR: systemd-boot started the root (LoaderInfo), stand-ins
		sd_root "$1" entry
		mkdir -p "$1/$sd_var" "$1/usr/bin" "$1/var/log"
		printf '\007\000\000\000s\000d\000-\000b\000o\000o\000t\000\000\000' > "$1/$sd_var/LoaderInfo-$sd_guid"
		install -m 755 "$work/fake-regen" "$1/usr/bin/bootctl"
	}
	oneshot() { tail -c +5 "$1/$sd_var/LoaderEntryOneShot-$sd_guid" 2> /dev/null | tr -d '\000'; }
	sd_trial=efi/loader/entries/amdgpu-tune-trial.conf
	r=$work/sd-trial
	sd_trial_root "$r"
	before=$(tree_sum "$r")
	regen "$r" apply --trial test-mixed --memory 64GiB --dry-run > "$work/out" 2>&1
	rc=$?
	tap_check "systemd-boot trial: --dry-run shows the entry beside the default one, with its options and the trial's, and bootctl set-oneshot; writes nothing (exit $rc)" \
		eval '[ $rc = 0 ] && grep -q "^+++ $sd_trial$" "$work/out" && grep -q "^+options root=UUID=0b3c rw quiet systemd.machine_id=5f1e2d3c4b5a69788796a5b4c3d2e1f0 iommu=pt amdgpu.vm_fragment_size=9 amdgpu_tune.trial=[0-9]*$" "$work/out" && grep -q "^  chroot $r bootctl set-oneshot amdgpu-tune-trial.conf$" "$work/out" && [ "$(tree_sum "$r")" = "$before" ]'
	: > "$r/var/log/fake-regen.log"
	regen "$r" apply --trial test-mixed --memory 64GiB > "$work/out" 2>&1
	rc=$?
	tap_check "systemd-boot trial: apply --trial writes the entry (the default's kernel and initrd, no sort-key) and the record, runs bootctl set-oneshot alone; LoaderEntryOneShot names it; no state (exit $rc)" \
		eval '[ $rc = 0 ] && [ "$(runs "$r")" = "/usr/bin/bootctl set-oneshot amdgpu-tune-trial.conf" ] && [ "$(oneshot "$r")" = amdgpu-tune-trial.conf ] && grep -q "^title amdgpu-tune trial: test-mixed$" "$r/$sd_trial" && grep -q "^linux /5f1e2d3c4b5a69788796a5b4c3d2e1f0/6.12.117+deb12-amd64/linux$" "$r/$sd_trial" && grep -q "^initrd " "$r/$sd_trial" && ! grep -q "^sort-key" "$r/$sd_trial" && [ -e "$r/var/lib/amdgpu-tune/trial" ] && [ ! -e "$r/var/lib/amdgpu-tune/state" ]'
	"$bin" --root "$r" status > "$work/out" 2>&1
	"$bin" --root "$r" diff test-mixed --memory 64GiB > "$work/out2" 2>&1
	tap_check "systemd-boot trial: status says the entry amdgpu-tune-trial.conf is selected for the next boot; diff plans for the default entry, which lacks the settings" \
		eval 'grep -q "^Trial: test-mixed (trial [0-9]*, entry .amdgpu-tune-trial.conf. of systemd-boot)$" "$work/out" && grep -q "Selected for the next boot only" "$work/out" && grep -q "^iommu  *cmdline  *pt  *-  " "$work/out2"'
	# The trial's boot: systemd-boot took the variable away; confirm applies the
	# settings the ordinary way (kernel-install, here the stand-in, makes the default
	# entry again) and removes the trial's entry.
	rm -f "$r/$sd_var/LoaderEntryOneShot-$sd_guid"
	booted "$r"
	"$bin" --root "$r" status > "$work/out" 2>&1
	: > "$r/var/log/fake-regen.log"
	regen "$r" confirm > "$work/out2" 2>&1
	rc=$?
	tap_check "systemd-boot trial: status in the trial's boot says so; confirm applies it (update-initramfs makes the default entry with iommu=pt), removes the trial's entry and record; nothing to take back (exit $rc)" \
		eval 'grep -q "This boot is the trial" "$work/out" && [ $rc = 0 ] && [ "$(runs "$r")" = "/usr/sbin/update-initramfs -u -k all" ] && grep -q "^options .* iommu=pt$" "$r/$sd_entry" && [ ! -e "$r/$sd_trial" ] && [ ! -e "$r/var/lib/amdgpu-tune/trial" ] && grep -q "^profile test-mixed$" "$r/var/lib/amdgpu-tune/state"'
	rm -f "$r/proc/cmdline"
	# The applied profile's arguments are left out of the entry; remove --trial ends
	# it and takes the selection back.
	regen "$r" apply --trial strix-halo-no-iommu --memory 64GiB > /dev/null 2> "$work/err"
	rc=$?
	e1=$(grep "^options" "$r/$sd_trial")
	: > "$r/var/log/fake-regen.log"
	regen "$r" remove --trial > "$work/out" 2>&1
	rc2=$?
	tap_check "systemd-boot trial: the entry leaves out the applied profile's iommu=pt, and apply --trial names the module option it keeps (exit $rc); remove --trial removes it and runs bootctl set-oneshot '' (exit $rc2)" \
		eval '[ $rc = 0 ] && echo "$e1" | grep -q "^options root=UUID=0b3c rw quiet ttm.pages_limit=[0-9]* amd_iommu=off amdgpu_tune.trial=[0-9]*$" && grep -q "keeps the module options of test-mixed that strix-halo-no-iommu does not set (amdgpu.vm_fragment_size)" "$work/err" && [ $rc2 = 0 ] && [ "$(runs "$r")" = "/usr/bin/bootctl set-oneshot " ] && [ -z "$(oneshot "$r")" ] && [ ! -e "$r/$sd_trial" ] && grep -q "^profile test-mixed$" "$r/var/lib/amdgpu-tune/state"'
	# A kill in bootctl is undone by the next run: entry, record and selection go.
	killed_in "$r" bootctl "apply --trial" apply --trial rdna2
	regen "$r" status > /dev/null 2>&1
	regen "$r" apply test-mixed --memory 64GiB > "$work/out" 2>&1
	rc=$?
	tap_check "systemd-boot trial: a run killed in bootctl set-oneshot is undone by the next: no entry, no record, nothing selected (exit $rc)" \
		eval '[ "$journal" = left ] && [ $rc = 0 ] && [ ! -e "$r/$sd_trial" ] && [ ! -e "$r/var/lib/amdgpu-tune/trial" ] && [ -z "$(oneshot "$r")" ] && [ ! -e "$r/var/lib/amdgpu-tune/transaction" ]'
	# Where it cannot: not started by systemd-boot; entries that would make the trial's
	# the default (no sort-key, names that sort below it): written, checked, undone.
	r=$work/sd-trial2
	sd_trial_root "$r"
	rm "$r/$sd_var/LoaderInfo-$sd_guid"
	before=$(tree_sum "$r")
	regen "$r" apply --trial test-mixed --memory 64GiB > /dev/null 2> "$work/err"
	rc=$?
	sd_trial_root "$r"
	sed -i '/^sort-key/d' "$r/$sd_entry"
	mv "$r/$sd_entry" "$r/efi/loader/entries/aaa-debian.conf"
	echo "/efi/loader/entries/aaa-debian.conf" > "$r/etc/fake-regen/entry"
	before2=$(tree_sum "$r")
	: > "$r/var/log/fake-regen.log"
	regen "$r" apply --trial test-mixed --memory 64GiB > /dev/null 2> "$work/err2"
	rc2=$?
	tap_check "systemd-boot trial: refused when systemd-boot did not start the system (exit $rc); undone when the entry would be the default by sort order (exit $rc2); nothing left" \
		eval '[ $rc = 4 ] && grep -q "this system was not started by systemd-boot (no LoaderInfo" "$work/err" && [ "$(tree_sum "$work/sd-trial2")" = "$before2" ] && [ $rc2 = 4 ] && grep -q "systemd-boot would boot the trial.s entry by default" "$work/err2" && [ "$(runs "$r")" = "$(printf "/usr/bin/bootctl set-oneshot amdgpu-tune-trial.conf\n/usr/bin/bootctl set-oneshot ")" ] && [ -z "$(oneshot "$r")" ]'
	# loader.conf's default @saved: a boot chosen once is never saved
	# (save_selected_entry()), so the trial is made from the entry booted last.
	sd_trial_root "$r"
	echo "default @saved" >> "$r/efi/loader/loader.conf"
	printf '\007\000\000\000x\000.\000c\000o\000n\000f\000\000\000' > "$r/$sd_var/LoaderEntryLastBooted-$sd_guid"
	regen "$r" apply --trial test-mixed --memory 64GiB > /dev/null 2> "$work/err"
	rc=$?
	tap_check "systemd-boot trial: with a default of @saved, made from the entry systemd-boot would boot (exit $rc)" \
		eval '[ $rc = 0 ] && grep -q "^# Made from $sd_entry,$" "$r/$sd_trial"'
	# Another entry chosen once (bootctl set-oneshot, systemctl reboot
	# --boot-loader-entry) is the user's: refused, nothing written.
	sd_trial_root "$r"
	printf '\007\000\000\000m\000.\000c\000o\000n\000f\000\000\000' > "$r/$sd_var/LoaderEntryOneShot-$sd_guid"
	before=$(tree_sum "$r")
	regen "$r" apply --trial test-mixed --memory 64GiB > /dev/null 2> "$work/err"
	rc=$?
	tap_check "systemd-boot trial: refused while another entry is selected for the next boot, nothing written (exit $rc)" \
		eval '[ $rc = 4 ] && grep -q "another entry is selected for the next boot (LoaderEntryOneShot" "$work/err" && [ "$(tree_sum "$r")" = "$before" ]'
	# A default entry whose lines hide keys behind carriage returns, as systemd-boot
	# reads them: the trial's entry keeps only what boots (no sort-key, which would
	# sort it first); one that boots an EFI program is refused.
	sd_trial_root "$r"
	sed -i 's/^version .*/version 6.12.117+deb12-amd64\rsort-key a\rtitle x/' "$r/$sd_entry"
	regen "$r" apply --trial test-mixed --memory 64GiB > /dev/null 2> "$work/err"
	rc=$?
	c1=$([ $rc = 0 ] && ! grep -q "sort-key" "$r/$sd_trial" && ! grep -q "$(printf '\r')" "$r/$sd_trial" && [ "$(grep -c "^title" "$r/$sd_trial")" = 1 ] && grep -q "^version 6.12.117+deb12-amd64$" "$r/$sd_trial" && echo ok)
	sd_trial_root "$r"
	sed -i 's/^linux /efi /' "$r/$sd_entry"
	before=$(tree_sum "$r")
	regen "$r" apply --trial test-mixed --memory 64GiB > /dev/null 2> "$work/err"
	rc=$?
	tap_check "systemd-boot trial: a default entry with a sort-key behind a carriage return gives an entry without one (${c1:-not so}); one booting an efi program is refused naming its line, nothing written (exit $rc)" \
		eval '[ "$c1" = ok ] && [ $rc = 2 ] && grep -q "^$sd_entry:6: systemd-boot boots this entry by default, and its efi program" "$work/err" && [ "$(tree_sum "$r")" = "$before" ]'
	# The options as the kernel reads them: a value that would begin and end with a
	# quote keeps it (systemd-boot takes a pair off), and options that end inside a
	# quote are refused (the kernel would take the trial's arguments into it).
	sd_trial_root "$r"
	regen "$r" apply test-mixed --memory 64GiB > /dev/null 2>&1
	sed -i 's/^options .*/options iommu=pt "foo=a b" root=x -- init="z"/' "$r/$sd_entry"
	regen "$r" apply --trial strix-halo-no-iommu --memory 64GiB > /dev/null 2> "$work/err"
	rc=$?
	q1=$([ $rc = 0 ] && grep -q '^options ""foo=a b" root=x ttm.pages_limit=[0-9]* amd_iommu=off amdgpu_tune.trial=[0-9]* -- init="z""$' "$r/$sd_trial" && echo ok)
	regen "$r" remove --trial > /dev/null 2>&1
	sed -i 's/^options .*/options root=x foo="bar/' "$r/$sd_entry"
	before=$(tree_sum "$r")
	regen "$r" apply --trial strix-halo-no-iommu --memory 64GiB > /dev/null 2> "$work/err"
	rc=$?
	tap_check "systemd-boot trial: options that would begin and end with a quote are quoted once more (${q1:-not so}); a default whose options end inside a quote is refused, nothing written (exit $rc)" \
		eval '[ "$q1" = ok ] && [ $rc = 2 ] && grep -q "^$sd_entry:5: systemd-boot boots this entry by default, and its options end inside a quote" "$work/err" && [ "$(tree_sum "$r")" = "$before" ]'
	# LoaderEntryOneShot there but not readable as a variable: refused.
	sd_trial_root "$r"
	printf '\007' > "$r/$sd_var/LoaderEntryOneShot-$sd_guid"
	regen "$r" apply --trial test-mixed --memory 64GiB > /dev/null 2> "$work/err"
	rc=$?
	tap_check "systemd-boot trial: refused while LoaderEntryOneShot cannot be read (exit $rc)" \
		eval '[ $rc = 4 ] && grep -q "LoaderEntryOneShot is there but cannot be read" "$work/err"'
	# A trial entry left on the other partition (XBOOTLDR at boot) goes with the new
	# trial; a trial entry that became the default is warned about.
	sd_trial_root "$r"
	mkdir -p "$r/boot/loader/entries"
	printf 'title old\nlinux /x\noptions amdgpu_tune.trial=1\n' > "$r/boot/loader/entries/amdgpu-tune-trial.conf"
	: > "$r/boot/x"
	SYSTEMD_XBOOTLDR_PATH=/boot regen "$r" apply --trial test-mixed --memory 64GiB > "$work/out" 2>&1
	rc=$?
	tap_check "systemd-boot trial: an older trial's entry on XBOOTLDR is removed with the new trial (exit $rc)" \
		eval '[ $rc = 0 ] && [ ! -e "$r/boot/loader/entries/amdgpu-tune-trial.conf" ] && [ -e "$r/$sd_trial" ] && grep -q "removed  boot/loader/entries/amdgpu-tune-trial.conf" "$work/out"'
	# efi reached again as boot/efi (a bind mount, a symlink): the entry is not
	# taken for an older one there.
	r2=$work/sd-trial3
	sd_trial_root "$r2"
	mkdir -p "$r2/boot" && ln -s ../efi "$r2/boot/efi"
	regen "$r2" apply --trial test-mixed --memory 64GiB > /dev/null 2>&1
	regen "$r2" apply --trial rdna2 > "$work/out" 2>&1
	rc=$?
	tap_check "systemd-boot trial: apply --trial again with efi also reached as boot/efi keeps the new entry (exit $rc)" \
		eval '[ $rc = 0 ] && grep -q "^title amdgpu-tune trial: rdna2$" "$r2/$sd_trial" && ! grep -q "removed " "$work/out"'
	sed -i '/^sort-key/d' "$r/$sd_entry"
	mv "$r/$sd_entry" "$r/efi/loader/entries/aaa-debian.conf"
	"$bin" --root "$r" detect > /dev/null 2> "$work/err"
	tap_check "systemd-boot trial: detect warns when the trial's entry became the default" \
		grep -q "^$sd_trial: warning: systemd-boot boots the trial.s entry by default" "$work/err"
fi

# ---- 9. a boot loader it cannot write ----
r=$work/unknown
build_case diff-cloudimg "$r"
rm -rf "$r/etc/default"
before=$(tree_sum "$r")
"$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2> "$work/err"
rc=$?
if [ $rc = 4 ] && grep -q "add 'iommu=pt' to it by hand" "$work/err" && [ "$(tree_sum "$r")" = "$before" ]; then tap_ok "unknown boot loader with command-line settings: exit 4, says what to set by hand"; else tap_not_ok "unknown boot loader with command-line settings: exit 4, says what to set by hand"; fi

# ---- 10. privileges ----
r=$work/priv
build_case diff-cloudimg "$r"
if [ "$(id -u)" = 0 ]; then
	if command -v setpriv > /dev/null; then
		chown 65534 "$r"
		setpriv --bounding-set=-all --inh-caps=-all "$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2> "$work/err"
		rc=$?
		chown 0 "$r"
		if [ $rc = 3 ] && grep -q "needs root privileges.*sudo" "$work/err"; then tap_ok "without capabilities, on a root it does not own: exit 3, says sudo"; else tap_not_ok "without capabilities, on a root it does not own: exit 3, says sudo"; fi
	else
		tap_skip "exit 3 without capabilities" "no setpriv"
	fi
	cp -R "$work/profiles" "$work/gw"
	chmod 775 "$work/gw"
	AMDGPU_TUNE_PROFILE_DIR=$work/gw "$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2> "$work/err"
	rc=$?
	if [ $rc = 2 ] && grep -q "refusing profile 'test-mixed'.*gw is not owned by root or is writable" "$work/err"; then tap_ok "with privileges, a group-writable profile directory is refused (exit 2)"; else tap_not_ok "with privileges, a group-writable profile directory is refused (exit 2)"; fi
else
	"$bin" apply test-mixed > /dev/null 2> "$work/err"
	rc=$?
	if [ $rc = 3 ] && grep -q "needs root privileges.*sudo" "$work/err"; then tap_ok "an ordinary user applying to / gets exit 3 and 'use sudo'"; else tap_not_ok "an ordinary user applying to / gets exit 3 and 'use sudo'"; fi
	tap_skip "group-writable profiles refused with privileges" "not root"
fi
if command -v strace > /dev/null; then
	strace -f -e trace=capset -o "$work/strace" "$bin" --root "$r" diff test-mixed --memory 64GiB > /dev/null 2>&1
	tap_check "read-only commands drop every capability" grep -q 'capset(.*{effective=0, permitted=0, inheritable=0})' "$work/strace"
else
	tap_skip "read-only commands drop every capability" "no strace"
fi
# ... and set no-new-privs, so nothing they could start gains privileges (set-uid).
if command -v strace > /dev/null && strace -qq -o /dev/null true 2> /dev/null; then
	nnp_bad=
	for cmd in "status --memory 64GiB" "diff test-mixed --memory 64GiB" "show test-mixed --memory 64GiB" "detect --memory 64GiB" \
		"check test-mixed" "profiles" "snapshots" "apply test-mixed --dry-run --memory 64GiB" "remove --dry-run"; do
		# shellcheck disable=SC2086
		traced -f -qq -e trace=prctl -o "$work/strace" "$bin" --root "$r" $cmd > /dev/null 2>&1
		grep -Eq 'prctl\(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0\) += 0$' "$work/strace" || nnp_bad="$nnp_bad ${cmd%% *}"
	done
	tap_check "read-only commands (status, diff, show, detect, check, profiles, snapshots, --dry-run) set no-new-privs${nnp_bad:+ (not:$nnp_bad)}" [ -z "$nnp_bad" ]
else
	tap_skip "read-only commands set no-new-privs" "strace is missing or cannot trace here"
fi

# ---- 11. the lock ----
r=$work/lock
build_case diff-cloudimg "$r"
mkdir -p "$r/var/lib/amdgpu-tune"
before=$(tree_sum "$r")
mkfifo "$work/hold"
"$work/hold-lock" "$r/var/lib/amdgpu-tune/lock" < "$work/hold" > "$work/held" &
holder=$!
exec 9> "$work/hold"
while ! grep -q locked "$work/held"; do sleep 0.1; done
AMDGPU_TUNE_LOCK_TIMEOUT=1 "$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2> "$work/err"
rc=$?
exec 9>&-
wait $holder
if [ $rc = 4 ] && grep -q "gave up after 1 s" "$work/err" && grep -q "waiting for another amdgpu-tune (PID $holder) to finish" "$work/err" && [ "$(tree_sum "$r")" = "$before" ]; then tap_ok "a held lock: said while waiting, exit 4 after the timeout, naming the holder's PID; nothing written"; else tap_not_ok "a held lock: said while waiting, exit 4 after the timeout, naming the holder's PID; nothing written"; sed 's/^/# /' "$work/err"; fi

# ---- 12. concurrent applies end in the state of one of them ----
r=$work/conc
build_case diff-cloudimg "$r"
for p in test-mixed test-mixed2 strix-halo strix-halo-no-iommu; do
	"$bin" --root "$r" apply $p --memory 64GiB --force > "$work/conc-$p" 2>&1 &
done
wait
last=$(sed -n 's/^profile //p' "$r/var/lib/amdgpu-tune/state")
ref=$work/ref-conc
build_case diff-cloudimg "$ref"
"$bin" --root "$ref" apply "$last" --memory 64GiB --force > /dev/null 2>&1
# shellcheck disable=SC2317 # called by tap_check
all_applied() { ! grep -L "^Applied" "$work"/conc-* | grep -q .; }
tap_check "4 parallel applies: all exit 0" all_applied
if [ "$(tree_sum "$r")" = "$(tree_sum "$ref")" ] && cmp -s "$r/var/lib/amdgpu-tune/state" "$ref/var/lib/amdgpu-tune/state"; then tap_ok "4 parallel applies: the tree is exactly that of '$last' applied alone"; else tap_not_ok "4 parallel applies: the tree is exactly that of '$last' applied alone"; fi
tap_check "4 parallel applies: 4 snapshots" [ "$(ls "$r/var/lib/amdgpu-tune/snapshots" | wc -l)" = 4 ]

# ---- 13. regeneration commands, recorded inside the root ----
if [ "$as_root" = none ]; then
	for t in "regeneration argv and environment" "regeneration failure paths"; do
		tap_skip "$t" "needs chroot (root or a user namespace)"
	done
else
	r=$work/regen
	regen_root "$r"
	log=$r/var/log/fake-regen.log
	before=$(tree_sum "$r")
	regen "$r" apply test-mixed --memory 64GiB > "$work/out" 2>&1
	rc=$?
	expect='argv: /usr/sbin/update-grub
cwd: /
env: PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
env: LANG=C
env: AMDGPU_TUNE_REGENERATING=1
argv: /usr/sbin/update-initramfs -u -k all
cwd: /
env: PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
env: LANG=C
env: AMDGPU_TUNE_REGENERATING=1'
	if [ $rc = 0 ] && [ "$(cat "$log")" = "$expect" ]; then tap_ok "apply --update runs update-grub, then update-initramfs -u -k all, in the root, with only PATH, LANG and AMDGPU_TUNE_REGENERATING, no fd above 2"; else tap_not_ok "apply --update runs update-grub, then update-initramfs -u -k all, in the root, with only PATH, LANG and AMDGPU_TUNE_REGENERATING, no fd above 2"; fi
	tap_check "... and reports them" grep -q "ran      update-initramfs -u -k all" "$work/out"
	# The variables image builds drive kernel-install and bootctl with are passed on
	# (printable values only); nothing else of the caller's environment is.
	r5=$work/regen-env
	regen_root "$r5"
	KERNEL_INSTALL_LAYOUT=bls KERNEL_INSTALL_MACHINE_ID=0123 SYSTEMD_ESP_PATH=/efi SYSTEMD_RELAX_ESP_CHECKS=1 \
		KERNEL_INSTALL_PLUGINS=/home/u/x.install KERNEL_INSTALL_BYPASS=1 \
		KERNEL_INSTALL_X="$(printf 'a\033b')" KERNEL_INSTALLX=1 BOOT_ROOT=/boot LD_PRELOAD=/x.so pkgdatadir=/nonexistent \
		regen "$r5" apply test-mixed --memory 64GiB > /dev/null 2>&1
	envs=$(grep '^env:' "$r5/var/log/fake-regen.log" | sort -u | tr '\n' ' ')
	tap_check "the regeneration tools get KERNEL_INSTALL_*, SYSTEMD_ESP_PATH, SYSTEMD_RELAX_ESP_CHECKS and BOOT_ROOT, not KERNEL_INSTALL_PLUGINS or _BYPASS, a value with a control character nor anything else (got: $envs)" \
		[ "$envs" = "env: AMDGPU_TUNE_REGENERATING=1 env: BOOT_ROOT=/boot env: KERNEL_INSTALL_LAYOUT=bls env: KERNEL_INSTALL_MACHINE_ID=0123 env: LANG=C env: PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin env: SYSTEMD_ESP_PATH=/efi env: SYSTEMD_RELAX_ESP_CHECKS=1 " ]
	r=$work/regen # (regen sets r)
	: > "$log"
	regen "$r" apply test-mixed --memory 64GiB > /dev/null 2>&1
	tap_check "re-apply runs nothing" [ ! -s "$log" ]
	# A caller (a package hook) that ignores SIGINT/SIGHUP/SIGTERM: the tools get the
	# default dispositions, and no file size limit (up to the hard one).
	r3=$work/regen-sig
	regen_root "$r3"
	(trap '' INT HUP TERM && ulimit -S -f 1000000 && regen "$r3" apply test-mixed --memory 64GiB > /dev/null 2>&1)
	r=$work/regen # (regen sets r)
	log3=$r3/var/log/fake-regen.log
	if grep -q '^argv' "$log3" && ! grep -q '^ignored signal\|^blocked signal' "$log3" && { [ "$(ulimit -H -f)" != unlimited ] || ! grep -q '^file size limit' "$log3"; }; then tap_ok "regeneration tools get default signal dispositions and no inherited file size limit"; else tap_not_ok "regeneration tools get default signal dispositions and no inherited file size limit"; sed 's/^/# /' "$log3" | grep -v '^# env'; fi
	# A hard file size limit: lifted for the tools with CAP_SYS_RESOURCE; without that
	# capability nothing is written and no tool run (a rebuilt initramfs could be cut
	# short).
	if [ "$(id -u)" = 0 ] && [ -z "$as_root" ]; then
		r4=$work/regen-fsize
		noraise=
		if (ulimit -f 1000 && ulimit -H -f unlimited) 2> /dev/null; then
			regen_root "$r4"
			(ulimit -f 100000 && regen "$r4" apply test-mixed --memory 64GiB > /dev/null 2>&1)
			rc=$?
			log4=$r4/var/log/fake-regen.log
			tap_check "a hard file size limit is lifted for the tools with CAP_SYS_RESOURCE: exit $rc, no limit in the tools" \
				eval '[ $rc = 0 ] && grep -q "^argv" "$log4" && ! grep -q "^file size limit" "$log4"'
			rm -rf "$r4"
			noraise="setpriv --bounding-set -sys_resource --inh-caps -sys_resource"
		else
			tap_skip "a hard file size limit lifted for the tools" "this root has no CAP_SYS_RESOURCE"
		fi
		regen_root "$r4"
		before=$(tree_sum "$r4")
		# shellcheck disable=SC2086
		(ulimit -f 100000 && $noraise env -u AMDGPU_TUNE_PROFILE_DIR "$bin" --root "$r4" --update apply test-mixed --memory 64GiB > /dev/null 2> "$work/err")
		rc=$?
		tap_check "a hard file size limit that cannot be lifted: exit 4 naming it, no tool run, nothing written (exit $rc)" \
			eval '[ $rc = 4 ] && grep -q "the file size limit is 102400000 bytes and cannot be lifted" "$work/err" && [ ! -s "$r4/var/log/fake-regen.log" ] && [ "$(tree_sum "$r4")" = "$before" ] && [ ! -e "$r4/var/lib/amdgpu-tune/snapshots" ]'
		r=$work/regen # (regen sets r)
	else
		tap_skip "a hard file size limit lifted for the tools" "needs real root"
		tap_skip "a hard file size limit that cannot be lifted" "needs real root"
	fi
	# A caller with umask 000 (or 077): the tools get 022, as the files we write do.
	umask_bad=
	for m in 000 077; do
		r4=$work/regen-umask-$m
		regen_root "$r4"
		(umask $m && regen "$r4" apply test-mixed --memory 64GiB > /dev/null 2>&1)
		r=$work/regen # (regen sets r)
		log4=$r4/var/log/fake-regen.log
		if [ "$(grep -c '^argv' "$log4")" != 2 ] || grep -q '^umask' "$log4"; then umask_bad="$umask_bad $m($(grep '^umask' "$log4" | head -1))"; fi
		[ "$(stat -c %a "$r4/etc/modprobe.d/90-amdgpu-tune.conf")" = 644 ] || umask_bad="$umask_bad $m(fragment $(stat -c %a "$r4/etc/modprobe.d/90-amdgpu-tune.conf"))"
	done
	tap_check "a caller's umask 000 or 077: update-grub and update-initramfs run with umask 022, the drop-ins are 0644${umask_bad:+ (not:$umask_bad)}" [ -z "$umask_bad" ]
	printf '[profile]\ndescription = modprobe only\n[module amdgpu]\nvm_fragment_size = 9\n' > "$r/etc/amdgpu-tune/profiles/mod-a.conf"
	printf '[profile]\ndescription = modprobe only\n[module amdgpu]\nnoretry = 0\n' > "$r/etc/amdgpu-tune/profiles/mod-b.conf"
	regen "$r" apply mod-a --memory 64GiB > /dev/null 2>&1
	: > "$log"
	regen "$r" apply mod-b --memory 64GiB > /dev/null 2>&1
	if [ "$(grep -c '^argv' "$log")" = 1 ] && grep -q "^argv: /usr/sbin/update-initramfs" "$log"; then tap_ok "a change in modprobe.d only runs only update-initramfs"; else tap_not_ok "a change in modprobe.d only runs only update-initramfs"; fi
	: > "$log"
	DPKG_MAINTSCRIPT_PACKAGE=rocm-dkms regen "$r" apply test-mixed --memory 64GiB > /dev/null 2>&1
	# A bare -u would be deferred to dpkg's trigger, which rebuilds the newest kernel's
	# initramfs alone: every kernel's is rebuilt instead, and the tools see no dpkg
	# variable that could make them defer.
	tap_check "inside a dpkg maintainer script: update-initramfs -u -k all (not deferred to the trigger, which updates the newest kernel only)" \
		sh -c 'grep -q "^argv: /usr/sbin/update-initramfs -u -k all$" "$1" && ! grep -q "^argv: /usr/sbin/update-initramfs -u$" "$1" && ! grep -q "^env: DPKG_" "$1"' sh "$log"
	: > "$log"
	for k in 1 2 3 4; do regen "$r" rollback > /dev/null 2>&1; done
	tap_check "rollback regenerates too" grep -q "^argv: /usr/sbin/update-grub$" "$log"
	rm -f "$r"/etc/amdgpu-tune/profiles/mod-?.conf
	tap_check "four rollbacks give back the original tree" [ "$(tree_sum "$r")" = "$before" ]

	# Failures: the previous configuration comes back, and the boot files are
	# regenerated from it.
	: > "$log"
	touch "$r/etc/fake-regen/fail-once-update-grub"
	before=$(tree_sum "$r")
	regen "$r" apply test-mixed --memory 64GiB > /dev/null 2> "$work/err"
	rc=$?
	if [ $rc = 4 ] && [ "$(tree_sum "$r")" = "$before" ] && grep -q "update-grub failed (exit status 1)" "$work/err" && [ "$(grep -c '^argv: /usr/sbin/update-grub$' "$log")" = 2 ] && [ ! -e "$r/var/lib/amdgpu-tune/transaction" ]; then tap_ok "update-grub fails: exit 4, files restored, update-grub run again on them"; else tap_not_ok "update-grub fails: exit 4, files restored, update-grub run again on them"; fi
	: > "$log"
	touch "$r/etc/fake-regen/fail-once-update-initramfs"
	regen "$r" apply test-mixed --memory 64GiB > /dev/null 2> "$work/err"
	rc=$?
	if [ $rc = 4 ] && [ "$(tree_sum "$r")" = "$before" ] && [ "$(grep '^argv' "$log" | cut -c7- | tr '\n' ,)" = "/usr/sbin/update-grub,/usr/sbin/update-initramfs -u -k all,/usr/sbin/update-grub,/usr/sbin/update-initramfs -u -k all," ]; then tap_ok "update-initramfs fails once: exit 4, restored, both regenerated again from the old files"; else tap_not_ok "update-initramfs fails once: exit 4, restored, both regenerated again from the old files"; fi
	touch "$r/etc/fake-regen/fail-update-initramfs"
	regen "$r" apply test-mixed --memory 64GiB > /dev/null 2> "$work/err"
	rc=$?
	if [ $rc = 5 ] && [ "$(tree_sum "$r")" = "$before" ] && grep -q "run 'update-initramfs -u -k all' once the cause is fixed" "$work/err" && [ ! -e "$r/var/lib/amdgpu-tune/transaction" ]; then tap_ok "update-initramfs keeps failing: exit 5, files restored, says what to run"; else tap_not_ok "update-initramfs keeps failing: exit 5, files restored, says what to run"; fi
	rm "$r/etc/fake-regen/fail-update-initramfs"
	rm "$r/usr/sbin/update-initramfs"
	regen "$r" apply test-mixed --memory 64GiB > /dev/null 2> "$work/err"
	rc=$?
	tap_check "without the initramfs tool (nothing to rebuild) only update-grub runs" [ $rc = 0 ]

	# A failed apply's snapshot never took effect: the default rollback skips it.
	r2=$work/regen-failed
	regen_root "$r2"
	orig2=$(tree_sum "$r2")
	regen "$r2" apply test-mixed --memory 64GiB > /dev/null 2>&1
	touch "$r2/etc/fake-regen/fail-once-update-grub"
	regen "$r2" apply test-mixed2 --memory 64GiB > /dev/null 2>&1
	rc=$?
	regen "$r2" rollback > "$work/out" 2>&1
	rc2=$?
	"$bin" --root "$r2" snapshots > "$work/snaps" 2>&1
	if [ $rc = 4 ] && [ $rc2 = 0 ] && [ "$(tree_sum "$r2")" = "$orig2" ] && grep -q "apply (failed)" "$work/snaps"; then tap_ok "after a failed apply, rollback undoes the last apply that took effect; snapshots marks the failed one"; else tap_not_ok "after a failed apply, rollback undoes the last apply that took effect; snapshots marks the failed one"; fi

	r=$work/regen # (regen sets r)

	# Killed while regenerating from the restored files: the files are already
	# back, so the restore changes nothing, but grub.cfg may still be the undone
	# one; the journal says update-grub may have run, and recovery runs it again.
	install -m 755 "$work/fake-regen" "$r/usr/sbin/update-initramfs"
	: > "$log"
	touch "$r/etc/fake-regen/fail-once-update-initramfs" "$r/etc/fake-regen/sleep-update-grub"
	regen "$r" apply test-mixed2 --memory 64GiB > /dev/null 2>&1 &
	for _ in $(seq 1 150); do
		[ "$(grep -c '^argv: /usr/sbin/update-grub$' "$log")" -ge 2 ] && break
		sleep 0.1
	done
	pkill -9 -f -- "--root $r --update apply test-mixed2"
	wait 2> /dev/null
	rm -f "$r/etc/fake-regen/sleep-update-grub"
	journal=no
	[ -e "$r/var/lib/amdgpu-tune/transaction" ] && journal=yes
	: > "$log"
	regen "$r" apply test-mixed --memory 64GiB > /dev/null 2> "$work/err"
	if [ $journal = yes ] && grep -q "an interrupted run was undone" "$work/err" && grep -q '^argv: /usr/sbin/update-grub$' "$log"; then tap_ok "killed in the update-grub that regenerates from the restored files: the next run undoes it and runs update-grub again"; else tap_not_ok "killed in the update-grub that regenerates from the restored files: the next run undoes it and runs update-grub again"; fi

	# A journal that cannot be used, discarded: the files stay, and the boot files are
	# regenerated from them even when the command itself changes nothing.
	printf 'version 1\nsnapshot 999\nloader debian-grub\n' > "$r/var/lib/amdgpu-tune/transaction"
	chmod 600 "$r/var/lib/amdgpu-tune/transaction"
	before=$(tree_sum "$r")
	: > "$log"
	regen "$r" apply test-mixed --memory 64GiB --discard-journal > "$work/out" 2> "$work/err"
	rc=$?
	if [ $rc = 0 ] && [ "$(grep '^argv' "$log" | cut -c7- | tr '\n' ,)" = "/usr/sbin/update-grub,/usr/sbin/update-initramfs -u -k all," ] && [ "$(tree_sum "$r")" = "$before" ] && [ ! -e "$r/var/lib/amdgpu-tune/transaction" ] && grep -q "removed (--discard-journal).*the boot files are regenerated from them" "$work/err"; then
		tap_ok "apply --update --discard-journal of the profile in place: journal removed, files unchanged, update-grub and update-initramfs run on them"
	else
		tap_not_ok "apply --update --discard-journal of the profile in place (exit $rc): journal removed, files unchanged, update-grub and update-initramfs run on them"
		sed 's/^/# /' "$work/err" "$log"
	fi
fi

# ---- 13b. kill -9 at random points of apply, rollback, remove and recovery ----
# The stand-in regenerators record what they were built from (etc/fake-regen/record),
# so a grub.cfg or initrd that no longer matches the configuration is visible. Each case
# (every other one with a regenerator failing once) kills the command's whole process group (the tool and the regenerator it runs, as a
# power loss or a cgroup kill would) after a random delay, then runs the next apply;
# after it the boot files must match the configuration, and no journal may be left.
if [ "$as_root" = none ]; then
	tap_skip "kill -9 loop with regeneration" "needs chroot (root or a user namespace)"
else
	# What the recorders build from a root's configuration.
	expect_boot() { # expect_boot ROOT grub|initrd
		if [ "$2" = grub ]; then
			echo "== /etc/default/grub" && cat "$1/etc/default/grub"
			set -- "$1" etc/default/grub.d .cfg
		else
			set -- "$1" etc/modprobe.d .conf
		fi
		for f in $(cd "$1/$2" 2> /dev/null && ls -- *"$3" 2> /dev/null | LC_ALL=C sort); do
			echo "== /$2/$f" && cat "$1/$2/$f"
		done
	}
	boot_ok() { # boot_ok ROOT: both records match the configuration
		[ "$(expect_boot "$1" grub)" = "$(cat "$1/boot/grub/grub.cfg")" ] &&
			[ "$(expect_boot "$1" initrd)" = "$(cat "$1/boot/initrd.img-record" 2> /dev/null)" ]
	}
	kb1=$work/kill-base1 kb2=$work/kill-base2
	regen_root "$kb1"
	touch "$kb1/etc/fake-regen/record"
	regen "$kb1" apply test-mixed --memory 64GiB > /dev/null 2>&1 || tap_not_ok "kill loop: base apply"
	cp -a "$kb1" "$kb2"
	regen "$kb2" apply strix-halo --memory 64GiB --force > /dev/null 2>&1 || tap_not_ok "kill loop: base apply 2"
	# How long one run takes here (sanitizers make it longer): kills land in [0, 1.3x].
	cp -a "$kb1" "$work/kill-t"
	t0=$(date +%s%N)
	regen "$work/kill-t" apply strix-halo --memory 64GiB --force > /dev/null 2>&1
	dur=$((($(date +%s%N) - t0) / 1000000 * 13 / 10 + 1))
	[ "$dur" -lt 999 ] || dur=999
	cases=0 interrupted=0 recoveries=0 violations=0 deadline=$((SECONDS + ${KILL_LOOP_SECONDS:-40}))
	set -m
	while [ $cases -lt "${KILL_LOOP_CASES:-120}" ] && [ $SECONDS -lt $deadline ]; do
		k=$work/kill-case
		rm -rf "$k"
		case $((cases % 3)) in
		0) cp -a "$kb1" "$k" && op="apply strix-halo --memory 64GiB --force" ;;
		1) cp -a "$kb2" "$k" && op="rollback" ;;
		2) cp -a "$kb1" "$k" && op="remove" ;;
		esac
		# Every other case, one regenerator fails once: the run then restores the
		# files and regenerates from them, and the kill may land in that.
		case $((cases % 4)) in
		1) touch "$k/etc/fake-regen/fail-once-update-grub" ;;
		3) touch "$k/etc/fake-regen/fail-once-update-initramfs" ;;
		esac
		delay=$((RANDOM % dur))
		# shellcheck disable=SC2086
		regen "$k" $op > /dev/null 2>&1 &
		pid=$!
		sleep "$((delay / 1000)).$(printf %03d $((delay % 1000)))"
		kill -9 -- -$pid 2> /dev/null
		wait $pid 2> /dev/null
		# No member of the group still runs (zombies, reaped late, do not count).
		while awk -v g=$pid '$5 == g && $3 != "Z" { f = 1 } END { exit !f }' /proc/[0-9]*/stat 2> /dev/null; do
			sleep 0.01
		done
		cases=$((cases + 1))
		[ -e "$k/var/lib/amdgpu-tune/transaction" ] && interrupted=$((interrupted + 1))
		rm -f "$k"/etc/fake-regen/fail-once-*
		# The recovery is killed too, up to twice, while a journal is left: the
		# next run must undo a half-done undo.
		for _ in $(seq $((RANDOM % 3))); do
			[ -e "$k/var/lib/amdgpu-tune/transaction" ] || break
			delay=$((RANDOM % dur))
			regen "$k" apply test-mixed --memory 64GiB > /dev/null 2>&1 &
			pid=$!
			sleep "$((delay / 1000)).$(printf %03d $((delay % 1000)))"
			kill -9 -- -$pid 2> /dev/null
			wait $pid 2> /dev/null
			while awk -v g=$pid '$5 == g && $3 != "Z" { f = 1 } END { exit !f }' /proc/[0-9]*/stat 2> /dev/null; do
				sleep 0.01
			done
			# Counted when the kill left a journal: the recovery did not finish.
			[ -e "$k/var/lib/amdgpu-tune/transaction" ] && recoveries=$((recoveries + 1))
		done
		regen "$k" apply test-mixed --memory 64GiB > "$work/kill-out" 2>&1
		rc=$?
		if [ $rc != 0 ] || ! boot_ok "$k" || [ -e "$k/var/lib/amdgpu-tune/transaction" ]; then
			violations=$((violations + 1))
			if [ $violations -le 3 ]; then
				echo "# case $cases: '$op' killed after ${delay} ms; next apply exit $rc"
				sed 's/^/#   /' "$work/kill-out" | head -5
				diff <(expect_boot "$k" grub) "$k/boot/grub/grub.cfg" | sed 's/^/#   grub.cfg: /' | head -8
				diff <(expect_boot "$k" initrd) "$k/boot/initrd.img-record" | sed 's/^/#   initrd: /' | head -8
			fi
		fi
	done
	set +m
	if [ $violations = 0 ] && [ $interrupted -ge 3 ] && [ $recoveries -ge 1 ]; then
		tap_ok "kill -9 loop with regeneration: $cases cases, killed at 0-$dur ms ($interrupted left a journal; $recoveries recoveries killed too), boot files always match the configuration after the next run"
	else
		tap_not_ok "kill -9 loop with regeneration: $cases cases ($interrupted left a journal; $recoveries recoveries killed), $violations with stale boot files or a failed next run"
	fi
fi

# ---- 14. --memory against the MemTotal of the root (the machine's) ----
r=$work/mem
build_case show-memory-not-this-machine "$r"
before=$(tree_sum "$r")
"$bin" --root "$r" apply strix-halo --memory 1TiB > /dev/null 2> "$work/err"
rc=$?
if [ $rc = 2 ] && grep -q "memory 1TiB differs from this machine's MemTotal 23.34 GiB.*--force" "$work/err" && [ "$(tree_sum "$r")" = "$before" ] && [ ! -e "$r/var/lib/amdgpu-tune/state" ]; then tap_ok "apply --memory other than proc/meminfo's MemTotal: exit 2, names both, nothing written"; else tap_not_ok "apply --memory other than proc/meminfo's MemTotal: exit 2, names both, nothing written"; fi
"$bin" --root "$r" apply strix-halo --memory 1TiB --dry-run > /dev/null 2>&1
tap_check "... --dry-run refuses it too (exit 2)" [ $? = 2 ]
"$bin" --root "$r" apply strix-halo --memory 1TiB --force > /dev/null 2> "$work/err"
rc=$?
if [ $rc = 0 ] && grep -q "warning: --memory 1TiB differs.*accepted with --force" "$work/err" && grep -q "pages_limit=201326592" "$r/etc/modprobe.d/90-amdgpu-tune.conf"; then tap_ok "... --force applies it, with a warning"; else tap_not_ok "... --force applies it, with a warning"; fi
r=$work/mem-same
build_case show-memory-not-this-machine "$r"
"$bin" --root "$r" apply strix-halo --memory 24470000KiB > /dev/null 2> "$work/err"
rc=$?
if [ $rc = 0 ] && ! grep -q "differs" "$work/err"; then tap_ok "apply --memory equal to MemTotal: exit 0, no warning about it"; else tap_not_ok "apply --memory equal to MemTotal: exit 0, no warning about it"; fi
r=$work/mem-label
build_case show-memory-not-this-machine "$r"
"$bin" --root "$r" apply strix-halo --memory 24GiB > /dev/null 2> "$work/err"
rc=$?
if [ $rc = 0 ] && grep -q "warning: --memory 24GiB differs" "$work/err"; then tap_ok "apply --memory of the installed size (MemTotal 23.34 GiB, --memory 24GiB): applied, with the warning"; else tap_not_ok "apply --memory of the installed size (MemTotal 23.34 GiB, --memory 24GiB): applied, with the warning"; fi
r=$work/mem-less
build_case show-memory-not-this-machine "$r"
"$bin" --root "$r" apply strix-halo --memory 16GiB > /dev/null 2>&1
tap_check "apply --memory below MemTotal: refused (exit 2)" [ $? = 2 ]
r=$work/mem-none
build_case show-memory-not-this-machine "$r"
rm "$r/proc/meminfo"
"$bin" --root "$r" apply strix-halo --memory 1TiB > /dev/null 2> "$work/err"
rc=$?
if [ $rc = 0 ] && ! grep -q "differs" "$work/err"; then tap_ok "a root without proc/meminfo: --memory is the assumption, applied without a word"; else tap_not_ok "a root without proc/meminfo: --memory is the assumption, applied without a word"; fi

# ---- 15. status and diff compare with what apply recorded ----
r=$work/rec
build_case show-memory-not-this-machine "$r"
st=$r/var/lib/amdgpu-tune/state
"$bin" --root "$r" apply strix-halo --memory 128GiB --force > /dev/null 2>&1
if grep -qx "memory 137438953472" "$st" && grep -qx "setting modprobe ttm pages_limit=25165824" "$st" && grep -qx "version 2" "$st"; then tap_ok "apply records the RAM it planned for and the settings it wrote"; else tap_not_ok "apply records the RAM it planned for and the settings it wrote"; fi
# As after the reboot.
mkdir -p "$r/sys/module/ttm/parameters"
echo 25165824 > "$r/sys/module/ttm/parameters/pages_limit"
"$bin" --root "$r" status > "$work/out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q "^Status: *in effect" "$work/out" && grep -q "^ok *ttm.pages_limit=25165824: next boot 25165824" "$work/out"; then tap_ok "status after apply --memory: in effect with the values written (exit 0), not drifted"; else tap_not_ok "status after apply --memory: in effect with the values written (exit 0), not drifted"; fi
# The --memory was recorded as such: status compares with a plan for it again, as
# reapply would make, and says that MemTotal differs; it is no RAM change.
memw="warning: planned for 128.00 GiB of RAM again, the --memory recorded at apply; this machine's MemTotal is 23.34 GiB (proc/meminfo): 'amdgpu-tune apply strix-halo' plans for it"
if grep -qF "$memw" "$work/out" && ! grep -q "^Note" "$work/out"; then tap_ok "... and says that the plan is for the --memory recorded at apply, not this machine's MemTotal (no RAM change)"; else tap_not_ok "... and says that the plan is for the --memory recorded at apply, not this machine's MemTotal (no RAM change)"; sed 's/^/# /' "$work/out"; fi
"$bin" --root "$r" diff > "$work/out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -qF "$memw" "$work/out" && ! grep -q "^Note" "$work/out"; then tap_ok "diff of the applied profile: exit 0, the same"; else tap_not_ok "diff of the applied profile: exit 0, the same"; fi
# Recorded as the MemTotal of that day: the RAM changed, and re-planning would differ.
cp "$st" "$work/state.option"
sed -i 's/^memory-from option$/memory-from meminfo/' "$st"
"$bin" --root "$r" status > "$work/out" 2>&1
tap_check "a state that planned for MemTotal: a note says the RAM changed and what re-planning for it would set" grep -q "^Note: RAM changed since apply (planned for 128.00 GiB, now 23.34 GiB): re-planning now would set ttm.pages_limit=4588125; 'amdgpu-tune apply strix-halo' updates it$" "$work/out"
"$bin" --root "$r" --json status > "$work/out" 2> /dev/null
tap_check "status --json: the note and replan_differs true" grep -q '"notes":\["RAM changed since apply.*"replan_differs":true' "$work/out"
sed -i '/^memory-from /d' "$st"
"$bin" --root "$r" status > "$work/out" 2>&1
tap_check "a state from before memory-from: the note cannot tell a RAM change from a --memory, and says so" grep -q "^Note: RAM or --memory changed since apply (planned for 128.00 GiB, now 23.34 GiB)" "$work/out"
cp "$work/state.option" "$st"
"$bin" --root "$r" apply strix-halo > /dev/null 2>&1
"$bin" --root "$r" status > "$work/out" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q "^pending *ttm.pages_limit=4588125" "$work/out" && ! grep -q "^Note" "$work/out"; then tap_ok "apply for this machine: status pending on the new value, no note"; else tap_not_ok "apply for this machine: status pending on the new value, no note"; fi
s1=$(tree_stamp "$r")
"$bin" --root "$r" apply strix-halo > /dev/null 2>&1
tap_check "a second apply with the record in the state writes nothing" [ "$(tree_stamp "$r")" = "$s1" ]

# ---- 16. the applied profile's file is gone: status and diff work from the state ----
r=$work/gone
build_case diff-cloudimg "$r"
mkdir -p "$r/etc/amdgpu-tune/profiles"
printf '[profile]\ndescription = mine\n[kernel]\niommu = pt\n[module amdgpu]\nvm_fragment_size = 9\n' > "$r/etc/amdgpu-tune/profiles/mine.conf"
"$bin" --root "$r" apply mine --memory 64GiB > /dev/null 2>&1
rm "$r/etc/amdgpu-tune/profiles/mine.conf"
"$bin" --root "$r" status > "$work/out" 2> "$work/err"
rc=$?
if [ $rc = 0 ] && grep -q "^ok *iommu=pt" "$work/out" && grep -q "^ok *amdgpu.vm_fragment_size=9" "$work/out" && grep -q "^Note: profile mine is no longer installed (its file is gone)" "$work/out" && [ ! -s "$work/err" ]; then tap_ok "status without the profile file: exit 0, the recorded settings, a note that the file is gone"; else tap_not_ok "status without the profile file: exit 0, the recorded settings, a note that the file is gone"; fi
"$bin" --root "$r" diff > "$work/out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q "^Note: profile mine is no longer installed" "$work/out"; then tap_ok "diff without the profile file: exit 0, the same note"; else tap_not_ok "diff without the profile file: exit 0, the same note"; fi
printf '[profile]\ndescription = mine\n[kernel]\niommu = on-purpose-bad\n[bogus]\n' > "$r/etc/amdgpu-tune/profiles/mine.conf"
"$bin" --root "$r" status > "$work/out" 2> "$work/err"
rc=$?
if [ $rc = 0 ] && grep -q "^Note: profile mine no longer loads (see the warnings)" "$work/out" && grep -q "warning:" "$work/err" && ! grep -qv "warning:" "$work/err"; then tap_ok "a profile that no longer loads: status exit 0, its errors as warnings, a note"; else tap_not_ok "a profile that no longer loads: status exit 0, its errors as warnings, a note"; fi
"$bin" --root "$r" remove > /dev/null 2>&1
if [ ! -e "$r/etc/modprobe.d/90-amdgpu-tune.conf" ] && [ ! -e "$r/var/lib/amdgpu-tune/state" ]; then tap_ok "remove takes the settings of a lost profile away"; else tap_not_ok "remove takes the settings of a lost profile away"; fi

# ---- 17. our own state, snapshots and journal are data, never instructions ----
# forge_snapshot ROOT ID PATH MODE: a snapshot that would restore PATH (mode MODE, owned
# by the caller) with a shell script as its bytes.
forge_snapshot() {
	d=$1/var/lib/amdgpu-tune/snapshots/$2
	mkdir -p "$d"
	printf '#!/bin/sh\nid\n' > "$d/0"
	sum=$(sha256sum "$d/0" | cut -d' ' -f1)
	printf 'version 1\nid %s\ntime 1\noperation apply\nprofile -\nfile %s %s %s %s %s\n' \
		"$2" "$3" "$4" "$(id -u)" "$(id -g)" "$sum" > "$d/manifest"
}
hostile=$work/hostile
build_case diff-cloudimg "$hostile"
"$bin" --root "$hostile" apply test-mixed --memory 64GiB > /dev/null 2>&1
hbase=$work/hostile-base
cp -a "$hostile" "$hbase"
fresh() { rm -rf "$hostile" && cp -a "$hbase" "$hostile"; }

fresh
forge_snapshot "$hostile" 90 usr/bin/evil 0755
before=$(tree_sum "$hostile")
"$bin" --root "$hostile" rollback 90 > /dev/null 2> "$work/err"
rc=$?
if [ $rc = 2 ] && grep -q "manifest:6: .*a file amdgpu-tune does not manage" "$work/err" && [ ! -e "$hostile/usr/bin/evil" ] && [ "$(tree_sum "$hostile")" = "$before" ]; then tap_ok "rollback of a snapshot naming a file apply never writes: exit 2, names the line, nothing written"; else tap_not_ok "rollback of a snapshot naming a file apply never writes: exit 2, names the line, nothing written"; fi

for m in 04755 02644 01644 0666 0646; do
	fresh
	forge_snapshot "$hostile" 90 etc/modprobe.d/90-amdgpu-tune.conf $m
	before=$(tree_sum "$hostile")
	"$bin" --root "$hostile" rollback 90 > /dev/null 2> "$work/err"
	rc=$?
	if [ $rc = 2 ] && grep -q "a mode apply never writes" "$work/err" && [ "$(tree_sum "$hostile")" = "$before" ]; then tap_ok "a snapshot with mode $m (set-id, sticky or others may write) for a managed file: exit 2, nothing written"; else tap_not_ok "a snapshot with mode $m (set-id, sticky or others may write) for a managed file: exit 2, nothing written"; fi
done
if [ "$(id -u)" != 0 ]; then
	tap_skip "a forged group-writable file of a non-root group" "needs root (the caller's group is not root's)"
else
	fresh
	forge_snapshot "$hostile" 90 etc/modprobe.d/90-amdgpu-tune.conf 0664
	sed -i 's/^\(file .* 0664 0\) 0 /\1 65534 /' "$hostile/var/lib/amdgpu-tune/snapshots/90/manifest"
	before=$(tree_sum "$hostile")
	"$bin" --root "$hostile" rollback 90 > /dev/null 2> "$work/err"
	rc=$?
	if [ $rc = 2 ] && grep -q "a mode apply never writes" "$work/err" && [ "$(tree_sum "$hostile")" = "$before" ]; then tap_ok "a snapshot with a file group-writable by a non-root group: exit 2, nothing written"; else tap_not_ok "a snapshot with a file group-writable by a non-root group: exit 2, nothing written"; fi
fi
if [ "$(id -u)" != 0 ]; then
	tap_skip "a forged file owned by another user" "needs root"
else
	fresh
	forge_snapshot "$hostile" 90 etc/modprobe.d/90-amdgpu-tune.conf 0644
	sed -i 's/^\(file .* 0644\) 0 /\1 65534 /' "$hostile/var/lib/amdgpu-tune/snapshots/90/manifest"
	before=$(tree_sum "$hostile")
	"$bin" --root "$hostile" rollback 90 > /dev/null 2> "$work/err"
	rc=$?
	if [ $rc = 2 ] && grep -q "with owner 65534:0, which apply never writes" "$work/err" && [ "$(tree_sum "$hostile")" = "$before" ]; then tap_ok "a snapshot with a file owned by another user: exit 2, nothing written"; else tap_not_ok "a snapshot with a file owned by another user: exit 2, nothing written"; fi
fi

# A manifest's "dir" lines (directories apply created, removed again when empty) may
# name only the directories of the managed files, compared component by component.
dir_bad=
for dir in usr/bin etc/modprobe home/user/.config ../etc etc/modprobe.d/../../usr; do
	fresh
	forge_snapshot "$hostile" 90 etc/modprobe.d/90-amdgpu-tune.conf 0644
	echo "dir $dir" >> "$hostile/var/lib/amdgpu-tune/snapshots/90/manifest"
	mkdir -p "$hostile/usr/bin" "$hostile/etc/modprobe" "$hostile/home/user/.config"
	before=$(tree_sum "$hostile")
	"$bin" --root "$hostile" rollback 90 > /dev/null 2> "$work/err"
	rc=$?
	{ [ $rc = 2 ] && grep -q "manifest:7: .*a directory apply does not create" "$work/err" && [ "$(tree_sum "$hostile")" = "$before" ]; } || dir_bad="$dir_bad $dir(exit $rc)"
done
tap_check "a manifest whose dir line names an unmanaged directory (usr/bin, etc/modprobe, home/user/.config, ../etc, a path through ..): rollback exit 2 naming the line, nothing removed or written${dir_bad:+ (not:$dir_bad)}" [ -z "$dir_bad" ]

# A journal reached through a symlink is not read: every write command refuses it,
# status says so, and --discard-journal removes the link, never what it points to.
fresh
printf 'version 1\nsnapshot 1\nloader debian-grub\n' > "$work/journal.elsewhere"
chmod 600 "$work/journal.elsewhere"
ln -s "$work/journal.elsewhere" "$hostile/var/lib/amdgpu-tune/transaction"
before=$(tree_sum "$hostile")
jl_bad=
for cmd in "apply test-mixed2 --memory 64GiB" "remove" "rollback"; do
	# shellcheck disable=SC2086
	"$bin" --root "$hostile" $cmd > /dev/null 2> "$work/err"
	rc=$?
	{ [ $rc = 2 ] && grep -q "^var/lib/amdgpu-tune/transaction: not trusted: a symbolic link is on its path" "$work/err"; } || jl_bad="$jl_bad $cmd(exit $rc)"
done
"$bin" --root "$hostile" status > /dev/null 2> "$work/err"
grep -q "transaction: warning: not trusted: a symbolic link" "$work/err" || jl_bad="$jl_bad status"
if [ -z "$jl_bad" ] && [ "$(tree_sum "$hostile")" = "$before" ] && [ -L "$hostile/var/lib/amdgpu-tune/transaction" ]; then tap_ok "a symlinked journal: apply, remove and rollback exit 2 naming it, status warns, nothing written"; else tap_not_ok "a symlinked journal: apply, remove and rollback exit 2 naming it, status warns, nothing written${jl_bad:+ (not:$jl_bad)}"; fi
"$bin" --root "$hostile" remove --discard-journal > /dev/null 2> "$work/err"
rc=$?
if [ $rc = 0 ] && [ ! -e "$hostile/var/lib/amdgpu-tune/transaction" ] && [ ! -L "$hostile/var/lib/amdgpu-tune/transaction" ] && [ "$(cat "$work/journal.elsewhere")" = "$(printf 'version 1\nsnapshot 1\nloader debian-grub')" ]; then tap_ok "... remove --discard-journal removes the link, not its target"; else tap_not_ok "... remove --discard-journal (exit $rc) removes the link, not its target"; sed 's/^/# /' "$work/err"; fi

fresh
forge_snapshot "$hostile" 90 usr/bin/evil 04755
printf 'version 1\nsnapshot 90\nloader debian-grub\n' > "$hostile/var/lib/amdgpu-tune/transaction"
chmod 600 "$hostile/var/lib/amdgpu-tune/transaction"
"$bin" --root "$hostile" apply test-mixed2 --memory 64GiB > /dev/null 2> "$work/err"
rc=$?
if [ $rc = 2 ] && [ ! -e "$hostile/usr/bin/evil" ] && grep -q "transaction: names snapshot 90, which is not usable (above).*then run the next apply, rollback or remove with --discard-journal" "$work/err"; then tap_ok "a planted journal naming a forged snapshot: apply exit 2, says what to check and run, restores nothing"; else tap_not_ok "a planted journal naming a forged snapshot: apply exit 2, says what to check and run, restores nothing"; fi
for cmd in "remove" "rollback"; do
	"$bin" --root "$hostile" $cmd > /dev/null 2>&1
done
tap_check "... nor do remove and rollback" [ ! -e "$hostile/usr/bin/evil" ]

# A journal naming a snapshot that is gone: status says so and what to do, every write
# command refuses with the same instruction, and --discard-journal does it.
fresh
printf 'version 1\nsnapshot 7\nloader debian-grub\n' > "$hostile/var/lib/amdgpu-tune/transaction"
chmod 600 "$hostile/var/lib/amdgpu-tune/transaction"
howto="names snapshot 7, which is missing: the interrupted run cannot be undone from it; check usr/lib/bootc/kargs.d/90-amdgpu-tune.toml, etc/amdgpu-tune/rpm-ostree-kargs, etc/default/grub.d/90-amdgpu-tune.cfg, etc/modprobe.d/90-amdgpu-tune.conf, usr/lib/modprobe.d/90-amdgpu-tune.conf, etc/kernel/cmdline, etc/default/grub, efi/loader/entries/amdgpu-tune-trial.conf, boot/efi/loader/entries/amdgpu-tune-trial.conf, boot/loader/entries/amdgpu-tune-trial.conf and etc/grub.d/42_amdgpu-tune-trial by hand ('amdgpu-tune diff' shows them), then run the next apply, rollback or remove with --discard-journal"
"$bin" --root "$hostile" status > /dev/null 2> "$work/err"
rc=$?
if [ $rc = 0 ] && grep -qF "transaction: warning: $howto" "$work/err" && ! grep -q "undoes it first" "$work/err"; then tap_ok "a journal naming a missing snapshot: status warns that it cannot be undone and says what to do (not that the next run undoes it)"; else tap_not_ok "a journal naming a missing snapshot: status (exit $rc) warns that it cannot be undone and says what to do"; sed 's/^/# /' "$work/err"; fi
before=$(tree_sum "$hostile")
jbad=
for cmd in "apply test-mixed2 --memory 64GiB" "remove" "rollback" "reapply --memory 64GiB"; do
	# shellcheck disable=SC2086
	"$bin" --root "$hostile" $cmd > /dev/null 2> "$work/err"
	rc=$?
	{ [ $rc = 2 ] && grep -qF "transaction: $howto" "$work/err"; } || jbad="$jbad $cmd(exit $rc)"
done
if [ -z "$jbad" ] && [ "$(tree_sum "$hostile")" = "$before" ] && [ -f "$hostile/var/lib/amdgpu-tune/transaction" ]; then tap_ok "... apply, remove, rollback and reapply: exit 2 with that instruction, nothing written"; else tap_not_ok "... apply, remove, rollback and reapply: exit 2 with that instruction, nothing written${jbad:+ (not:$jbad)}"; fi
"$bin" --root "$hostile" remove --discard-journal > "$work/out" 2> "$work/err"
rc=$?
if [ $rc = 0 ] && [ ! -e "$hostile/var/lib/amdgpu-tune/transaction" ] && [ ! -e "$hostile/etc/modprobe.d/90-amdgpu-tune.conf" ] && grep -q "^Removed amdgpu-tune's settings" "$work/out" &&
	grep -q "transaction: warning: removed (--discard-journal): the files stay as the interrupted run left them" "$work/err" &&
	grep -qF "warning: the boot files may not match the files the interrupted run left: regenerate them before rebooting ('chroot $hostile update-grub', 'chroot $hostile update-initramfs -u -k all')" "$work/err"; then
	tap_ok "... remove --discard-journal: removes the journal, says which regenerations to run, then removes the settings"
else
	tap_not_ok "... remove --discard-journal (exit $rc): removes the journal, says which regenerations to run, then removes the settings"
	sed 's/^/# /' "$work/err"
fi
# A journal that cannot be read at all (too large, a directory, a FIFO): the same
# instruction, and --discard-journal removes it.
ubad=
for kind in large dir fifo; do
	fresh
	j=$hostile/var/lib/amdgpu-tune/transaction
	case $kind in
	large) head -c 20000 /dev/zero | tr '\0' x > "$j" && chmod 600 "$j" ;;
	dir) mkdir -m 700 "$j" && touch "$j/x" ;;
	fifo) mkfifo -m 600 "$j" ;;
	esac
	"$bin" --root "$hostile" apply test-mixed2 --memory 64GiB > /dev/null 2> "$work/err"
	rc=$?
	{ [ $rc = 2 ] && grep -q "transaction: cannot read: .*: the interrupted run cannot be undone; check .* with --discard-journal" "$work/err"; } || ubad="$ubad $kind(exit $rc)"
	"$bin" --root "$hostile" remove --discard-journal > /dev/null 2> "$work/err"
	rc=$?
	{ [ $rc = 0 ] && [ ! -e "$j" ] && grep -q "transaction: warning: removed (--discard-journal)" "$work/err" && [ ! -e "$hostile/etc/modprobe.d/90-amdgpu-tune.conf" ]; } || ubad="$ubad $kind-discard(exit $rc)"
done
tap_check "a journal that cannot be read (too large, a directory, a FIFO): exit 2 with the instruction, and --discard-journal removes it${ubad:+ (not:$ubad)}" [ -z "$ubad" ]
fresh
printf 'version 1\nsnapshot 1\nloader debian-grub\n' > "$hostile/var/lib/amdgpu-tune/transaction"
chmod 600 "$hostile/var/lib/amdgpu-tune/transaction"
"$bin" --root "$hostile" apply test-mixed2 --memory 64GiB --discard-journal > /dev/null 2> "$work/err"
rc=$?
if [ $rc = 0 ] && grep -q "an interrupted run was undone: snapshot 1 is restored" "$work/err" && ! grep -q "discard" "$work/err"; then tap_ok "--discard-journal with a journal that can be used: it is undone as always"; else tap_not_ok "--discard-journal with a journal that can be used (exit $rc): it is undone as always"; sed 's/^/# /' "$work/err"; fi
"$bin" --root "$hostile" remove --dry-run --discard-journal > /dev/null 2> "$work/err"
if [ $? = 2 ] && grep -q "discard-journal and --dry-run contradict each other" "$work/err"; then tap_ok "--discard-journal with --dry-run: a usage error"; else tap_not_ok "--discard-journal with --dry-run: a usage error"; fi
# A name that cannot be a profile or a kernel is refused before the lock and the
# recovery: an interrupted run's journal stays for the run the user meant.
fresh
printf 'version 1\nsnapshot 1\nloader debian-grub\n' > "$hostile/var/lib/amdgpu-tune/transaction"
chmod 600 "$hostile/var/lib/amdgpu-tune/transaction"
before=$(tree_stamp "$hostile")
nbad=
for args in "apply -- --dry-run" "apply -- -x" "apply -- Strix" "reapply -- -a" "reapply -- .hidden" "reapply -- a$(printf '\033')[31m"; do
	# shellcheck disable=SC2086
	"$bin" --root "$hostile" $args > /dev/null 2> "$work/err"
	rc=$?
	{ [ $rc = 2 ] && grep -q "is not a \(profile name\|kernel version\)" "$work/err" && ! grep -q "$(printf '\033')" "$work/err"; } || nbad="$nbad '$args'(exit $rc)"
done
tap_check "apply and reapply refuse a name that is not a profile or a kernel before the recovery: exit 2, the journal and every file untouched${nbad:+ (not:$nbad)}" \
	eval '[ -z "$nbad" ] && [ "$(tree_stamp "$hostile")" = "$before" ]'

fresh
mkdir -p "$work/elsewhere"
forge_snapshot "$work" 91 etc/modprobe.d/90-amdgpu-tune.conf 0644
mv "$work/var/lib/amdgpu-tune/snapshots/91" "$work/elsewhere/91"
rm -rf "$work/var"
ln -s "$work/elsewhere/91" "$hostile/var/lib/amdgpu-tune/snapshots/91"
"$bin" --root "$hostile" rollback 91 > /dev/null 2> "$work/err"
rc=$?
"$bin" --root "$hostile" snapshots > "$work/out" 2>&1
if [ $rc != 0 ] && ! grep -q "^ *91 " "$work/out" && [ -f "$work/elsewhere/91/manifest" ] && [ -f "$work/elsewhere/91/0" ]; then tap_ok "a symlinked snapshots/ID is never followed: rollback 91 fails, snapshots does not list it, its target is intact"; else tap_not_ok "a symlinked snapshots/ID is never followed: rollback 91 fails, snapshots does not list it, its target is intact"; fi

fresh
chmod 0777 "$hostile/var/lib/amdgpu-tune"
before=$(tree_sum "$hostile")
"$bin" --root "$hostile" status > /dev/null 2> "$work/err"
rc=$?
"$bin" --root "$hostile" remove > /dev/null 2>&1
if [ $rc = 2 ] && grep -q "var/lib/amdgpu-tune: not trusted: group or others may write to it" "$work/err" && [ "$(tree_sum "$hostile")" = "$before" ]; then tap_ok "a state directory others may write: status exit 2 naming it, remove changes nothing"; else tap_not_ok "a state directory others may write: status exit 2 naming it, remove changes nothing"; fi

# A symlinked state directory is refused before anything is created through it.
r=$work/state-link
build_case diff-cloudimg "$r"
mkdir -p "$work/state-target"
ln -s "$work/state-target" "$r/var/lib/amdgpu-tune"
before=$(tree_stamp "$r")
slbad=
for cmd in "apply test-mixed --memory 64GiB" "remove" "rollback" "reapply --memory 64GiB"; do
	# shellcheck disable=SC2086
	"$bin" --root "$r" $cmd > /dev/null 2> "$work/err"
	rc=$?
	{ [ $rc = 2 ] && grep -q "^var/lib/amdgpu-tune: not trusted: a symbolic link is on its path" "$work/err"; } || slbad="$slbad $cmd(exit $rc)"
done
if [ -z "$slbad" ] && [ "$(tree_stamp "$r")" = "$before" ] && [ -z "$(ls -A "$work/state-target")" ]; then tap_ok "a symlinked var/lib/amdgpu-tune: apply, remove, rollback and reapply exit 2 naming it, nothing written there or in the tree"; else tap_not_ok "a symlinked var/lib/amdgpu-tune: apply, remove, rollback and reapply exit 2 naming it, nothing written there or in the tree${slbad:+ (not:$slbad)}"; ls -A "$work/state-target" | sed 's/^/# /'; fi

fresh
chmod 0666 "$hostile/var/lib/amdgpu-tune/state"
"$bin" --root "$hostile" diff > /dev/null 2> "$work/err"
if [ $? = 2 ] && grep -q "state: not trusted" "$work/err"; then tap_ok "a state file others may write: diff exit 2"; else tap_not_ok "a state file others may write: diff exit 2"; fi

fresh
mv "$hostile/var/lib/amdgpu-tune/state" "$work/state.elsewhere"
ln -s "$work/state.elsewhere" "$hostile/var/lib/amdgpu-tune/state"
"$bin" --root "$hostile" status > /dev/null 2> "$work/err"
if [ $? = 2 ] && grep -q "not trusted: a symbolic link is on its path" "$work/err"; then tap_ok "a state file reached through a symlink: exit 2"; else tap_not_ok "a state file reached through a symlink: exit 2"; fi

r=$work/forged-token
build_case diff-systemd-boot "$r"
"$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2>&1
echo "token root=/dev/sda1" >> "$r/var/lib/amdgpu-tune/state"
cmdline=$(cat "$r/etc/kernel/cmdline")
"$bin" --root "$r" remove > /dev/null 2> "$work/err"
rc=$?
if [ $rc = 2 ] && grep -q "a token that is no setting the state records" "$work/err" && [ "$(cat "$r/etc/kernel/cmdline")" = "$cmdline" ]; then tap_ok "a forged 'token root=...' in the state: remove exit 2, etc/kernel/cmdline untouched"; else tap_not_ok "a forged 'token root=...' in the state: remove exit 2, etc/kernel/cmdline untouched"; fi

# A version 1 state (an older amdgpu-tune's, no settings recorded): its tokens are
# still taken away, and one that no setting could be is refused the same way.
r=$work/v1-token
build_case diff-systemd-boot "$r"
cp "$r/etc/kernel/cmdline" "$work/cmdline.orig"
"$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2>&1
sed -i -e 's/^version 2$/version 1/' -e '/^setting /d' -e '/^memory /d' -e '/^memory-from /d' -e '/^kernel /d' "$r/var/lib/amdgpu-tune/state"
cp -a "$r" "$r-forged"
"$bin" --root "$r" remove > /dev/null 2> "$work/err"
rc=$?
if [ $rc = 0 ] && cmp -s "$r/etc/kernel/cmdline" "$work/cmdline.orig"; then tap_ok "a version 1 state: remove takes its token away"; else tap_not_ok "a version 1 state: remove (exit $rc) takes its token away"; sed 's/^/# /' "$work/err"; fi
r=$r-forged
echo "token quiet,splash" >> "$r/var/lib/amdgpu-tune/state"
cmdline=$(cat "$r/etc/kernel/cmdline")
"$bin" --root "$r" remove > /dev/null 2> "$work/err"
rc=$?
if [ $rc = 2 ] && grep -q "state:[0-9]*: corrupt state: a token that is no command-line setting as apply writes it" "$work/err" && [ "$(cat "$r/etc/kernel/cmdline")" = "$cmdline" ]; then tap_ok "a version 1 state with a token no setting could be: remove exit 2 naming the line, etc/kernel/cmdline untouched"; else tap_not_ok "a version 1 state with a token no setting could be: remove (exit $rc) exit 2 naming the line, etc/kernel/cmdline untouched"; sed 's/^/# /' "$work/err"; fi

if [ "$(id -u)" = 0 ] && id nobody > /dev/null 2>&1; then
	fresh
	chown -R nobody "$hostile/var/lib/amdgpu-tune"
	before=$(tree_sum "$hostile")
	"$bin" --root "$hostile" apply test-mixed2 --memory 64GiB > /dev/null 2> "$work/err"
	rc=$?
	if [ $rc = 2 ] && grep -q "not trusted: owned by uid $(id -u nobody)" "$work/err" && [ "$(tree_sum "$hostile")" = "$before" ]; then tap_ok "root applying to a tree whose state another user owns: exit 2, names the owner, nothing written"; else tap_not_ok "root applying to a tree whose state another user owns: exit 2, names the owner, nothing written"; fi
	# The attack issue 11 showed: a tree an ordinary user owns, with a journal and a
	# snapshot of theirs that would restore a set-uid root binary; root applies.
	u=$work/user-journal
	build_case diff-cloudimg "$u"
	"$bin" --root "$u" apply test-mixed --memory 64GiB > /dev/null 2>&1
	forge_snapshot "$u" 90 usr/bin/evil 04755
	printf 'version 1\nsnapshot 90\nloader debian-grub\n' > "$u/var/lib/amdgpu-tune/transaction"
	chmod 600 "$u/var/lib/amdgpu-tune/transaction"
	chown -R nobody "$u"
	before=$(tree_sum "$u")
	bstate=$(tree_stamp "$u/var/lib/amdgpu-tune")
	uj_bad=
	for cmd in "apply test-mixed2 --memory 64GiB" "remove" "rollback" "rollback 90" "apply test-mixed2 --memory 64GiB --discard-journal"; do
		# shellcheck disable=SC2086
		"$bin" --root "$u" $cmd > /dev/null 2> "$work/err"
		rc=$?
		{ [ $rc = 2 ] && grep -q "^var/lib/amdgpu-tune: not trusted: owned by uid $(id -u nobody)" "$work/err"; } || uj_bad="$uj_bad $cmd(exit $rc)"
	done
	if [ -z "$uj_bad" ] && [ ! -e "$u/usr/bin/evil" ] && [ "$(tree_sum "$u")" = "$before" ] && [ "$(tree_stamp "$u/var/lib/amdgpu-tune")" = "$bstate" ]; then tap_ok "root on a tree another user owns, with their journal and a snapshot restoring a set-uid binary: apply, remove, rollback (and --discard-journal) exit 2 naming the state directory, nothing restored or written"; else tap_not_ok "root on a tree another user owns, with their journal and snapshot: exit 2, nothing restored or written${uj_bad:+ (not:$uj_bad)}"; fi
	u=$work/user-tree
	build_case diff-cloudimg "$u"
	mkdir -p "$u/usr/sbin"
	printf '#!/bin/sh\ntouch /planted\n' > "$u/usr/sbin/update-grub"
	chmod 755 "$u/usr/sbin/update-grub"
	chown -R nobody "$u"
	"$bin" --root "$u" apply test-mixed --memory 64GiB --update > /dev/null 2> "$work/err"
	rc=$?
	if [ $rc = 2 ] && grep -q "is owned by uid $(id -u nobody), and --update would run this tree's programs" "$work/err" && [ ! -e "$u/planted" ] && [ ! -e "$u/etc/modprobe.d/90-amdgpu-tune.conf" ]; then tap_ok "--update on a tree another user owns: exit 2, says why, nothing run or written"; else tap_not_ok "--update on a tree another user owns: exit 2, says why, nothing run or written"; fi
	# Every tool --update may choose, and what they source and run, is checked (a
	# root-owned tree, one thing in it another user's or writable by others).
	ut_bad=
	for plant in usr/sbin/grub2-mkconfig usr/sbin/dracut usr/bin/dracut etc/default/grub etc/default/grub.d/50-x.cfg \
		etc/grub.d/40_custom usr/share/grub/grub-mkconfig_lib usr/lib/grub/x86_64-efi etc/initramfs-tools/hooks/x etc/initramfs-tools/scripts/init-top/x \
		etc/initramfs-tools/conf.d/x etc/ld.so.preload etc/ld.so.conf.d/x.conf link:usr/sbin/update-grub writable:etc/ld.so.conf; do
		u=$work/user-tool
		rm -rf "$u"
		build_case diff-cloudimg "$u"
		p=${plant#*:}
		mkdir -p "$u/usr/sbin" "$u/$(dirname "$p")"
		case $plant in
		link:*)
			mkdir -p "$u/home" && printf '#!/bin/sh\ntouch /planted\n' > "$u/home/evil"
			chown nobody "$u/home/evil"
			chmod 755 "$u/home/evil"
			ln -sf /home/evil "$u/$p"
			want="$p: leads to home/evil, which is owned by uid $(id -u nobody), and --update"
			;;
		writable:*)
			echo /lib > "$u/$p"
			chmod 666 "$u/$p"
			want="$p: is writable by group or others, and --update"
			;;
		*)
			[ -e "$u/$p" ] || printf '#!/bin/sh\ntouch /planted\n' > "$u/$p"
			chmod 755 "$u/$p"
			chown nobody "$u/$p"
			want="$p: is owned by uid $(id -u nobody), and --update"
			;;
		esac
		before=$(tree_sum "$u")
		"$bin" --root "$u" apply test-mixed --memory 64GiB --update > /dev/null 2> "$work/err"
		rc=$?
		if [ $rc != 2 ] || ! grep -qF "$want" "$work/err" || [ -e "$u/planted" ] || [ "$(tree_sum "$u")" != "$before" ]; then
			ut_bad="$ut_bad $plant(exit $rc)"
			sed 's/^/# /' "$work/err" | head -3
		fi
	done
	# Everything but the data directories is walked, at any depth, whatever its name:
	# usr/local (first in the children's PATH: Debian's update-grub is "exec
	# grub-mkconfig"), etc/initramfs/post-update.d (run by update-initramfs),
	# usr/share/perl5 (loaded by linux-version), deep entries, a symlink to a directory
	# in var whose entry another user owns.
	walk_bad=
	for plant in usr/local/sbin/grub-mkconfig etc/initramfs/post-update.d/x usr/share/perl5/Linux/Version.pm \
		etc/default/grub.d/sub/x.cfg etc/initramfs-tools/scripts/init-top/sub/x usr/share/grub/a/b opt/x/bin/y \
		dirlink:usr/local/bin deep:usr/share/d; do
		u=$work/user-walk
		rm -rf "$u"
		regen_root "$u"
		p=${plant#*:}
		case $plant in
		dirlink:*)
			mkdir -p "$u/var/lib/x" "$u/$(dirname "$p")"
			printf '#!/bin/sh\ntouch /planted\n' > "$u/var/lib/x/grub-mkconfig"
			chmod 755 "$u/var/lib/x/grub-mkconfig"
			chown nobody "$u/var/lib/x/grub-mkconfig"
			rm -rf "${u:?}/$p" && ln -s /var/lib/x "$u/$p"
			want="var/lib/x/grub-mkconfig: is owned by uid $(id -u nobody), and --update"
			;;
		deep:*)
			d=$p
			for _ in $(seq 70); do d=$d/d; done
			mkdir -p "$u/$d"
			want=": lies deeper than 64 levels, and --update"
			;;
		*)
			mkdir -p "$u/$(dirname "$p")"
			printf '#!/bin/sh\ntouch /planted\n' > "$u/$p"
			chmod 755 "$u/$p"
			chown nobody "$u/$p"
			want="$p: is owned by uid $(id -u nobody), and --update"
			;;
		esac
		before=$(tree_sum "$u")
		regen "$u" apply test-mixed --memory 64GiB > /dev/null 2> "$work/err"
		rc=$?
		if [ $rc != 2 ] || ! grep -qF -- "$want" "$work/err" || [ -e "$u/planted" ] || [ "$(tree_sum "$u")" != "$before" ]; then
			walk_bad="$walk_bad $plant(exit $rc)"
			sed 's/^/# /' "$work/err" | head -3
		fi
	done
	# What a link passes through, what it names when missing, and the library
	# directories of ld.so.conf are judged too; devices, and a link through a sticky
	# directory to root's file, are not refused.
	via_bad=
	for plant in parentdir dangling ldso ldso-include; do
		u=$work/user-via
		rm -rf "$u"
		regen_root "$u"
		case $plant in
		parentdir)
			mkdir -p "$u/srv/x" "$u/usr/lib" && chmod 777 "$u/srv/x" && touch "$u/srv/x/plug.so"
			ln -s /srv/x/plug.so "$u/usr/lib/plug.so"
			want="usr/lib/plug.so: leads to srv/x, which is writable by group or others"
			;;
		dangling)
			mkdir -p "$u/tmp" "$u/usr/lib" && chmod 1777 "$u/tmp"
			ln -s /tmp/evil "$u/usr/lib/libevil.so"
			want="usr/lib/libevil.so: names tmp/evil, which is missing where others may create it"
			;;
		ldso)
			mkdir -p "$u/home/u/lib" && chmod 777 "$u/home/u/lib"
			echo /home/u/lib > "$u/etc/ld.so.conf"
			want="etc/ld.so.conf: leads to home/u/lib, which is writable by group or others"
			;;
		ldso-include)
			mkdir -p "$u/home/u/lib" "$u/etc/ld.so.conf.d" && chown nobody "$u/home/u/lib"
			echo 'include /etc/ld.so.conf.d/*.conf' > "$u/etc/ld.so.conf"
			echo '/home/u/lib' > "$u/etc/ld.so.conf.d/u.conf"
			want="etc/ld.so.conf.d/u.conf: leads to home/u/lib, which is owned by uid $(id -u nobody)"
			;;
		esac
		regen "$u" apply test-mixed --memory 64GiB > /dev/null 2> "$work/err"
		rc=$?
		{ [ $rc = 2 ] && grep -qF -- "$want" "$work/err" && [ ! -e "$u/var/log/fake-regen.log" ]; } || {
			via_bad="$via_bad $plant(exit $rc)"
			sed 's/^/# /' "$work/err" | head -3
		}
	done
	u=$work/user-via
	rm -rf "$u"
	regen_root "$u"
	mkdir -p "$u/dev" "$u/var/tmp" "$u/usr/lib/systemd/system" && chmod 1777 "$u/var/tmp"
	mknod -m 666 "$u/dev/null" c 1 3 2> /dev/null || { rm -f "$u/dev/null"; mkfifo -m 600 "$u/dev/null"; }
	ln -s /dev/null "$u/usr/lib/systemd/system/masked.service"
	ln -s ../var/tmp "$u/usr/tmp"
	regen "$u" apply test-mixed --memory 64GiB > /dev/null 2> "$work/err"
	rc=$?
	[ $rc = 0 ] || { via_bad="$via_bad stock-links(exit $rc)"; sed 's/^/# /' "$work/err" | head -3; }
	tap_check "--update judges every directory and link on a symlink's way, a missing target where others may create it, ld.so.conf's library directories (and its includes); a masked unit (-> dev/null) and usr/tmp -> ../var/tmp are not refused${via_bad:+ (not as expected:$via_bad)}" [ -z "$via_bad" ]
	tap_check "--update walks the whole tree but its data directories (usr/local, etc/initramfs/post-update.d, usr/share/perl5, any depth, opt, a symlink into var): another user's entry refused, exit 2 naming it, nothing run or written${walk_bad:+ (not refused:$walk_bad)}" [ -z "$walk_bad" ]
	# The data directories are not walked: the tools write there, and run nothing
	# from there.
	u=$work/user-data
	rm -rf "$u"
	regen_root "$u"
	for p in home/u/x var/lib/x/y var/tmp/z boot/x srv/x root/x tmp/x; do
		mkdir -p "$u/$(dirname "$p")" && touch "$u/$p" && chown nobody "$u/$p"
	done
	chmod 1777 "$u/var/tmp"
	regen "$u" apply test-mixed --memory 64GiB > /dev/null 2> "$work/err"
	rc=$?
	grep -q '^argv: /usr/sbin/update-grub$' "$u/var/log/fake-regen.log" || rc="$rc, the tools did not run"
	tap_check "--update: entries another user owns in home, var, boot, srv, root and tmp are not refused (data directories): exit 0, the tools ran${rc#0}" [ "$rc" = 0 ]
	tap_check "--update on a root-owned tree with one tool, configuration, script or hook another user may write (grub2-mkconfig, dracut, etc/default/grub, grub.d, usr/lib/grub, initramfs-tools hooks/scripts/conf.d, ld.so.*, a symlinked tool): exit 2 naming it, nothing run or written${ut_bad:+ (not refused:$ut_bad)}" [ -z "$ut_bad" ]
else
	tap_skip "ownership of the state by another user" "needs root and a 'nobody' user"
	tap_skip "a user-owned tree with a planted journal" "needs root and a 'nobody' user"
	tap_skip "--update on a tree another user owns" "needs root and a 'nobody' user"
	tap_skip "--update walks the whole tree but its data directories" "needs root and a 'nobody' user"
	tap_skip "--update: the data directories are not walked" "needs root and a 'nobody' user"
	tap_skip "--update judges a symlink's way and ld.so.conf" "needs root and a 'nobody' user"
	tap_skip "--update with one tool, configuration, script or hook another user may write" "needs root and a 'nobody' user"
fi

# ---- 17b. what apply snapshots, rollback restores: any mode and owner of a managed file ----
# A snapshot records a mode or owner outside what a restore may write (set-id bits,
# writable by others, writable by a group other than root's) clamped to it: recorded as
# it was, the snapshot would be refused and the change could not be undone.
for m in 0664 0660 0755 04755 0666; do
	r=$work/modes
	rm -rf "$r"
	build_case diff-systemd-boot "$r"
	chmod $m "$r/etc/kernel/cmdline"
	before=$(tree_sum "$r")
	"$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2>&1
	rc=$?
	"$bin" --root "$r" rollback > "$work/out" 2>&1
	rc2=$?
	# The group may keep its write access only when it is root's: as an ordinary user
	# the tree's group is the caller's own, so the rule clears it.
	case $m in
	04755) want=755 ;;
	0666) want=664 ;;
	*) want=${m#0} ;;
	esac
	[ "$(stat -c %g "$r/etc/kernel/cmdline")" = 0 ] || want=$(printf '%o' $((0$want & ~020)))
	got=$(stat -c %a "$r/etc/kernel/cmdline")
	if [ $rc = 0 ] && [ $rc2 = 0 ] && grep -q "^Restored snapshot 1" "$work/out" && [ "$got" = "$want" ] && { [ "$want" != "${m#0}" ] || [ "$(tree_sum "$r")" = "$before" ]; }; then
		tap_ok "etc/kernel/cmdline at mode $m: apply, rollback restores it (mode $want)"
	else
		tap_not_ok "etc/kernel/cmdline at mode $m: apply (exit $rc), rollback (exit $rc2) restores it (mode $want, got $got)"
		sed 's/^/# /' "$work/out"
	fi
done
if [ "$(id -u)" = 0 ] && getent group nogroup > /dev/null; then
	r=$work/modes
	rm -rf "$r"
	build_case diff-systemd-boot "$r"
	chgrp nogroup "$r/etc/kernel/cmdline"
	chmod 0664 "$r/etc/kernel/cmdline"
	sum=$(sha256sum < "$r/etc/kernel/cmdline")
	"$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2>&1
	rc=$?
	"$bin" --root "$r" rollback > "$work/out" 2>&1
	rc2=$?
	got=$(stat -c '%a %U:%G' "$r/etc/kernel/cmdline")
	if [ $rc = 0 ] && [ $rc2 = 0 ] && [ "$got" = "644 root:nogroup" ] && [ "$(sha256sum < "$r/etc/kernel/cmdline")" = "$sum" ]; then tap_ok "etc/kernel/cmdline group-writable by a non-root group: rollback restores its bytes and group, not the group's write access"; else tap_not_ok "etc/kernel/cmdline group-writable by a non-root group: rollback (exit $rc, $rc2) restores its bytes and group ($got)"; sed 's/^/# /' "$work/out"; fi
else
	tap_skip "a managed file of a non-root group" "needs root and a 'nogroup' group"
fi
# A failed apply undoes itself from the snapshot: EIO at the rename of the modprobe.d
# file, after etc/kernel/cmdline (mode 0664) was written.
if command -v strace > /dev/null && strace -qq -o /dev/null true 2> /dev/null; then
	r=$work/modes
	rm -rf "$r"
	build_case diff-systemd-boot "$r"
	# Group-writable where the group is root's (the rule clears it for any other).
	if [ "$(stat -c %g "$r/etc/kernel/cmdline")" = 0 ]; then fm=0664; else fm=0644; fi
	chmod $fm "$r/etc/kernel/cmdline"
	"$bin" --root "$r" diff test-mixed --memory 64GiB > /dev/null 2>&1 # (fills the cache)
	before=$(tree_sum "$r")
	cp -a "$r" "$work/modes-count"
	traced -f -qq -e trace=renameat -o "$work/trace" "$bin" --root "$work/modes-count" apply test-mixed --memory 64GiB > /dev/null 2>&1
	rm -rf "$work/modes-count"
	at=$(grep -E '^([0-9]+ +)?renameat\(' "$work/trace" | grep -n '"90-amdgpu-tune.conf")' | cut -d: -f1 | head -1)
	traced -f -qq -e trace=renameat -e inject=renameat:error=EIO:when=${at:-1} -o "$work/trace" "$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2> "$work/err"
	rc=$?
	after=$(tree_sum "$r")
	"$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2> "$work/err2"
	rc2=$?
	if [ -n "$at" ] && grep -q 'INJECTED' "$work/trace" && [ $rc = 4 ] && [ "$after" = "$before" ] && [ $rc2 = 0 ]; then tap_ok "a failed apply on a $fm etc/kernel/cmdline: exit 4, the files back as they were; the next apply succeeds"; else tap_not_ok "a failed apply on a $fm etc/kernel/cmdline: exit 4 (got $rc), the files back as they were; the next apply succeeds (exit $rc2)"; sed 's/^/# /' "$work/err" "$work/err2"; fi
else
	tap_skip "a failed apply on a 0664 etc/kernel/cmdline" "strace is missing or cannot trace here"
fi

# ---- 17c. a snapshot counts for rollback only when its operation committed ----
# Killed after the snapshot was renamed into place, before the journal was written:
# nothing changed, and the snapshot is of a run that never took effect.
if command -v strace > /dev/null && strace -qq -o /dev/null true 2> /dev/null; then
	r=$work/uncommitted
	rm -rf "$r"
	build_case diff-cloudimg "$r"
	orig=$(tree_sum "$r")
	"$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2>&1
	a=$(tree_sum "$r")
	# Counted on a copy and run on another (a copy's parameter cache is rewritten).
	cp -a "$r" "$work/uncommitted-count"
	cp -a "$r" "$r-case" && rm -rf "$r" && r=$r-case
	traced -f -qq -e trace=renameat -o "$work/trace" "$bin" --root "$work/uncommitted-count" apply strix-halo --memory 64GiB > /dev/null 2>&1
	rm -rf "$work/uncommitted-count"
	at=$(grep -E '^([0-9]+ +)?renameat\(' "$work/trace" | grep -n '"transaction")' | cut -d: -f1 | head -1)
	# (the rename does not happen: error=EIO; in a command substitution: no "Killed"
	# line from the shell)
	rc=$({
		traced -f -qq -e trace=renameat -e inject=renameat:error=EIO:signal=SIGKILL:when=${at:-1} -o "$work/trace" \
			"$bin" --root "$r" apply strix-halo --memory 64GiB > /dev/null 2>&1
		echo $?
	} 2> /dev/null)
	killed=no
	[ -n "$at" ] && [ "$rc" -ge 128 ] && grep -q 'killed by SIGKILL' "$work/trace" && [ -d "$r/var/lib/amdgpu-tune/snapshots/2" ] && [ ! -e "$r/var/lib/amdgpu-tune/transaction" ] && [ "$(tree_sum "$r")" = "$a" ] && killed=yes
	"$bin" --root "$r" snapshots > "$work/snaps" 2>&1
	"$bin" --root "$r" rollback > "$work/out" 2>&1
	rc=$?
	if [ $killed = yes ] && [ $rc = 0 ] && grep -q "^Restored snapshot 1" "$work/out" && [ "$(tree_sum "$r")" = "$orig" ] && grep -q "^ *2 .*apply (failed)" "$work/snaps"; then tap_ok "killed between the snapshot and the journal: that snapshot is shown failed, rollback undoes the last apply that took effect"; else tap_not_ok "killed between the snapshot and the journal (killed: $killed): that snapshot is shown failed, rollback (exit $rc) undoes the last apply that took effect"; sed 's/^/# /' "$work/out" "$work/snaps"; fi
else
	tap_skip "killed between the snapshot and the journal" "strace is missing or cannot trace here"
fi
# Snapshots taken before the "committed" mark (manifest version 1) count as they did:
# unless marked "undone".
r=$work/v1
rm -rf "$r"
build_case diff-cloudimg "$r"
orig=$(tree_sum "$r")
"$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2>&1
a=$(tree_sum "$r")
"$bin" --root "$r" apply strix-halo --memory 64GiB > /dev/null 2>&1
for id in 1 2; do
	sed -i 's/^version 2$/version 1/' "$r/var/lib/amdgpu-tune/snapshots/$id/manifest"
	rm -f "$r/var/lib/amdgpu-tune/snapshots/$id/committed"
done
: > "$r/var/lib/amdgpu-tune/snapshots/2/undone"
"$bin" --root "$r" rollback > "$work/out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q "^Restored snapshot 1" "$work/out"; then tap_ok "version 1 snapshots (before the committed mark): counted unless undone, as before"; else tap_not_ok "version 1 snapshots (before the committed mark): counted unless undone, as before (exit $rc)"; sed 's/^/# /' "$work/out"; fi

# ---- 18. a FIFO at a read path: never a hang, apply never stuck holding the lock ----
fifo_bad=
for p in etc/modprobe.d/50-fifo.conf etc/default/grub.d/50-fifo.cfg etc/default/grub proc/cmdline proc/meminfo \
	etc/amdgpu-tune/profiles/test-mixed.conf sys/module/ttm/parameters/pages_limit var/lib/amdgpu-tune/state \
	var/lib/amdgpu-tune/transaction var/lib/amdgpu-tune/snapshots/1/manifest etc/kernel/cmdline \
	lib/modules/6.12.117+deb12-amd64/modules.builtin var/cache/amdgpu-tune/6.12.117+deb12-amd64/ttm.params \
	lib/modules/6.12.117+deb12-amd64/modules.dep.bin lib/modules/6.12.117+deb12-amd64/modules.builtin.bin \
	lib/modules/6.12.117+deb12-amd64/modules.softdep lib/modules/6.12.117+deb12-amd64/kernel/drivers/gpu/drm/amd/amdgpu/amdgpu.ko.xz \
	boot/grub/grub.cfg; do
	r=$work/fifo
	rm -rf "$r"
	build_case diff-cloudimg "$r"
	mkdir -p "$r/${p%/*}"
	rm -f "$r/$p"
	mkfifo "$r/$p"
	for cmd in "status" "diff test-mixed" "apply test-mixed"; do
		# shellcheck disable=SC2086
		timeout 20 "$bin" --root "$r" $cmd --memory 64GiB > /dev/null 2>&1
		[ $? = 124 ] && fifo_bad="$fifo_bad $p($cmd)"
	done
done
tap_check "a FIFO at each read path (modprobe.d, grub.d, etc/default/grub, proc, a profile, sysfs, the state, journal, a manifest, etc/kernel/cmdline, modules.builtin, the cache, libkmod's modules.dep.bin, modules.builtin.bin and modules.softdep, a module file, grub.cfg): no command hangs${fifo_bad:+ (hung:$fifo_bad)}" [ -z "$fifo_bad" ]
# What libkmod would open blocking is judged first, and said.
k=lib/modules/6.12.117+deb12-amd64
fifo_bad=
for p in modules.dep.bin modules.builtin.bin modules.softdep kernel/drivers/gpu/drm/amd/amdgpu/amdgpu.ko.xz; do
	r=$work/fifo
	rm -rf "$r"
	build_case diff-cloudimg "$r"
	rm -f "$r/$k/$p"
	mkfifo "$r/$k/$p"
	timeout 20 "$bin" --root "$r" diff test-mixed --memory 64GiB > /dev/null 2> "$work/err"
	case $p in
	*.ko.xz) want="kernel 6.12.117+deb12-amd64: cannot read module amdgpu: not a regular file" ;;
	*) want="$k/$p is not a regular file: the modules of kernel 6.12.117+deb12-amd64 are not checked" ;;
	esac
	grep -qF "warning: $want" "$work/err" || fifo_bad="$fifo_bad $p"
done
tap_check "a FIFO at modules.dep.bin, modules.builtin.bin, modules.softdep or a module file: a warning says it is not a regular file${fifo_bad:+ (not said:$fifo_bad)}" [ -z "$fifo_bad" ]

# ---- 18b. a killed run's temporaries are removed by the next run (under the lock) ----
r=$work/stale
build_case diff-cloudimg "$r"
mkdir -p "$r/etc/modprobe.d" "$r/var/lib/amdgpu-tune"
: > "$r/etc/modprobe.d/.90-amdgpu-tune.conf.0123abcd.tmp"
: > "$r/var/lib/amdgpu-tune/.state.deadbeef.tmp"
: > "$r/etc/modprobe.d/.other.conf.0123abcd.tmp"
"$bin" --root "$r" apply test-mixed --memory 64GiB > /dev/null 2>&1
if [ ! -e "$r/etc/modprobe.d/.90-amdgpu-tune.conf.0123abcd.tmp" ] && [ ! -e "$r/var/lib/amdgpu-tune/.state.deadbeef.tmp" ] && [ -e "$r/etc/modprobe.d/.other.conf.0123abcd.tmp" ]; then tap_ok "a killed run's temporaries are removed by the next apply, and nothing else"; else tap_not_ok "a killed run's temporaries are removed by the next apply, and nothing else"; fi
# ... also those of a snapshot's mark and of a cache entry.
snap=$r/var/lib/amdgpu-tune/snapshots/1
cache=$r/var/cache/amdgpu-tune/6.12.117+deb12-amd64
stale_bad=
for f in "$snap/.committed.0123abcd.tmp" "$snap/.undone.89abcdef.tmp" "$cache/.ttm.params.0badf00d.tmp" "$cache/.amdgpu.params.00000000.tmp"; do
	if [ -d "${f%/*}" ]; then : > "$f"; else stale_bad="$stale_bad no:${f%/*}"; fi
done
: > "$snap/.committed.0123abcd.tmpx"
: > "$cache/.notes.0123abcd.tmp"
: > "$cache/.ttm.params.0123abcd.tmp.keep"
"$bin" --root "$r" apply strix-halo --memory 64GiB > /dev/null 2>&1
for f in "$snap/.committed.0123abcd.tmp" "$snap/.undone.89abcdef.tmp" "$cache/.ttm.params.0badf00d.tmp" "$cache/.amdgpu.params.00000000.tmp"; do
	[ -e "$f" ] && stale_bad="$stale_bad left:${f#"$r"/}"
done
for f in "$snap/.committed.0123abcd.tmpx" "$cache/.notes.0123abcd.tmp" "$cache/.ttm.params.0123abcd.tmp.keep"; do
	[ -e "$f" ] || stale_bad="$stale_bad removed:${f#"$r"/}"
done
tap_check "a killed run's temporaries of a snapshot's mark and of a cache entry are removed by the next apply, and nothing else${stale_bad:+ ($stale_bad)}" [ -z "$stale_bad" ]

# ---- 19. a file name from the machine never reaches the terminal raw ----
r=$work/esc
build_case diff-cloudimg "$r"
echo 'GRUB_CMDLINE_LINUX_DEFAULT="$(x)"' > "$r/etc/default/grub.d/a$(printf '\033')[31mX.cfg"
"$bin" --root "$r" detect --memory 1GiB > "$work/out" 2> "$work/err"
if ! grep -q "$(printf '\033')" "$work/out" "$work/err" && grep -q 'a\\x1b\[31mX.cfg:1: warning' "$work/err"; then tap_ok "a drop-in named with an escape sequence is shown escaped"; else tap_not_ok "a drop-in named with an escape sequence is shown escaped"; fi

# ---- 20. status --kernel-log run through sudo reads with the caller's rights ----
if [ "$(id -u)" = 0 ] && [ -z "$as_root" ] && id nobody > /dev/null 2>&1; then
	r=$work/klog-sudo
	build_case status-kernel-log "$r"
	secret=$work/klog-secret
	mkdir -m 700 "$secret"
	cp "$r/kernel-log.txt" "$secret/log"
	chmod 600 "$secret/log"
	mkdir -m 755 "$work/klog-open"
	cp "$r/kernel-log.txt" "$work/klog-open/log"
	chmod 644 "$work/klog-open/log"
	mkfifo -m 666 "$work/klog-open/fifo"
	nob=$(id -u nobody)
	ksbad=
	SUDO_UID=$nob SUDO_GID=$(id -g nobody) "$bin" --root "$r" status --memory 128GiB --kernel-log "$secret/log" > "$work/out" 2> "$work/err"
	{ grep -q "kernel log not read with the rights of uid $nob, who ran amdgpu-tune (through sudo, pkexec, doas or a set-uid bit): Permission denied" "$work/err" && ! grep -q "this boot" "$work/err" "$work/out"; } || ksbad="$ksbad root-only"
	SUDO_UID=$nob SUDO_GID=$(id -g nobody) "$bin" --root "$r" status --memory 128GiB --kernel-log "$work/klog-open/log" > /dev/null 2> "$work/err"
	grep -q "log:3: warning: this boot's AMD IOMMU driver ignored amd_iommu=pt" "$work/err" || ksbad="$ksbad readable"
	PKEXEC_UID=$nob "$bin" --root "$r" status --memory 128GiB --kernel-log "$secret/log" > /dev/null 2> "$work/err"
	grep -q "rights of uid $nob, .*: Permission denied" "$work/err" || ksbad="$ksbad pkexec"
	DOAS_USER=nobody "$bin" --root "$r" status --memory 128GiB --kernel-log "$secret/log" > /dev/null 2> "$work/err"
	grep -q "rights of uid $nob, .*: Permission denied" "$work/err" || ksbad="$ksbad doas"
	"$bin" --root "$r" status --memory 128GiB --kernel-log "$secret/log" > /dev/null 2> "$work/err"
	grep -q "log:3: warning: this boot's AMD IOMMU driver ignored amd_iommu=pt" "$work/err" || ksbad="$ksbad root-itself"
	timeout 10 env SUDO_UID=$nob "$bin" --root "$r" status --memory 128GiB --kernel-log "$work/klog-open/fifo" > /dev/null 2> "$work/err"
	{ [ $? != 124 ] && grep -q "kernel log not read .*: not a regular file" "$work/err"; } || ksbad="$ksbad fifo"
	tap_check "status --kernel-log through sudo, pkexec or doas: a file only root may read is not read (nothing of it shown), one the caller may read is, root itself reads both, a FIFO is refused without blocking${ksbad:+ (not:$ksbad)}" [ -z "$ksbad" ]
else
	tap_skip "status --kernel-log through sudo or pkexec" "needs real root and a 'nobody' user"
fi

tap_done
