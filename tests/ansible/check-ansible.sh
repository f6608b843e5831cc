#!/bin/sh
# The Ansible collection (ansible/) on a small fleet of stock Debian 12 roots, with
# Debian 12's own ansible-core and community.general's chroot connection: copies of the
# cached stock root (tests/stock/root.sh) with python3, python3-apt and this tree's .deb
# installed, as four hosts -
#   strix   a Strix Halo GPU in its sysfs (1002:1586), the role's auto profile, 64 GiB,
#           the boot files regenerated (update-initramfs in the root);
#   rdna2   profile rdna2 given in the inventory, 32 GiB;
#   nogpu   no AMD GPU: the auto profile leaves it alone;
#   edited  rdna2 applied before, then its GRUB drop-in edited by hand;
#   fresh   no AMD GPU and the package not installed: the role installs it.
# Checked: check mode writes nothing and predicts exactly what the real run then reports
# (changed, reboot_required, every file's diff, the commands); diff mode shows whole
# before/after contents; the real run writes what the program plans; a second run changes
# nothing; the hand edit is reported (the host fails with the program's message) and left
# as it is; state=absent gives back every tree byte for byte (amdgpu-tune's own state and
# snapshots, and what apt and Ansible keep for themselves, aside; boot/initrd.img-* of the
# host that regenerated, which update-initramfs rebuilds with new timestamps);
# amdgpu_tune_info; ansible-doc on both modules; ansible-lint on the collection and role.
# TAP output. Needs root (chroot), ansible, ansible-lint, debhelper and the archive.
# Usage: check-ansible.sh SRCDIR
set -u
src=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
me=check-ansible
. "$src/tests/stock/lib.sh"

for t in ansible-playbook:ansible-core ansible-doc:ansible-core ansible-lint:ansible-lint python3:python3; do
	command -v "${t%%:*}" > /dev/null || bail "${t%%:*} is not installed (apt-get install ansible ${t#*:})"
done
[ -f /usr/lib/python3/dist-packages/ansible_collections/community/general/plugins/connection/chroot.py ] ||
	bail "community.general's chroot connection is missing (apt-get install ansible)"
[ "$(id -u)" = 0 ] || bail "needs root (the chroot connection)"
base=$(sh "$src/tests/stock/root.sh" "$cache") || bail "no stock root (tests/stock/root.sh failed)"
work=$(mktemp -d "$cache/ansible-run.XXXXXX") || bail "mktemp in $cache failed"
hosts="strix rdna2 nogpu edited fresh"
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
echo "# work directory: $work"
deb_or_bail

# ---- the fleet's base: the stock root with what Ansible needs on a target, cached ----
# The package's own dependencies too (the names of its Depends), so dpkg -i needs no network.
pkgs="python3 python3-apt $(dpkg-deb -f "$deb" Depends | tr ',|' '\n\n' | sed 's/(.*//; s/ //g' | grep . | sort -u | tr '\n' ' ')"
echo "# fleet base packages: $pkgs"
fkey=$( (echo "$base"; echo "$pkgs") | sha256sum | cut -c1-16)
fleet=$cache/fleet-bookworm-$fkey
if [ ! -f "$fleet/.complete" ]; then
	umount_below "$fleet.new"
	safe_rm "$fleet.new" || bail "cannot remove $fleet.new"
	cp -a "$base" "$fleet.new" || bail "copying the stock root failed"
	root=$fleet.new
	root_prepare
	root_mount dev proc
	in_root sh -ec "apt-get update -q; apt-get install -y -q --no-install-recommends $pkgs; apt-get clean" > "$cache/fleet-build.log" 2>&1
	rc=$?
	root_umount
	[ $rc = 0 ] || { tail -n 20 "$cache/fleet-build.log" >&2; bail "installing $pkgs in the fleet root failed"; }
	rm -f "$fleet.new/usr/sbin/policy-rc.d"
	touch "$fleet.new/.complete"
	safe_rm "$fleet" || bail "cannot remove $fleet"
	mv "$fleet.new" "$fleet"
fi

pci() { # ROOT ADDR DEVICE: an AMD display controller in ROOT's sysfs
	d=$1/sys/bus/pci/devices/$2
	mkdir -p "$d" && echo 0x1002 > "$d/vendor" && echo "$3" > "$d/device" && echo 0x030000 > "$d/class"
}
for h in $hosts; do
	root=$work/$h
	cp -a "$fleet" "$root" || bail "copying the fleet root for $h failed"
	rm -f "$root/.complete"
	cp "$deb" "$root/tmp/" || bail "copying the .deb failed"
	root_mount dev
	[ $h = fresh ] && continue
	in_root dpkg -i "/tmp/${deb##*/}" > "$work/$h.dpkg" 2>&1 || { cat "$work/$h.dpkg" >&2; bail "dpkg -i in $h failed"; }
done
pci "$work/strix" 0000:c3:00.0 0x1586
# debootstrap installs no boot loader: the installer's update-grub writes grub.cfg.
root=$work/strix
in_root update-grub > /dev/null 2>&1 || bail "update-grub in strix failed"
root=$work/edited
in_root amdgpu-tune apply rdna2 --memory 32GiB --no-update > /dev/null 2>&1 || bail "apply rdna2 in edited failed"
frag=etc/default/grub.d/90-amdgpu-tune.cfg
echo 'GRUB_CMDLINE_LINUX_DEFAULT="${GRUB_CMDLINE_LINUX_DEFAULT} amd_iommu=off"' >> "$work/edited/$frag"
edited_sum=$(sha256sum < "$work/edited/$frag")

# What state=absent must give back: every path's type, mode and owner and every file's
# bytes, but for amdgpu-tune's state and cache, what apt, dpkg and Ansible keep for
# themselves, and initrds update-initramfs rebuilt.
prune='( -path ./var/lib/amdgpu-tune -o -path ./var/cache/amdgpu-tune -o -path ./tmp -o -path ./root/.ansible
	-o -path ./var/cache/apt -o -path ./var/lib/apt -o -path ./var/lib/dpkg -o -path ./var/log -o -path ./var/cache/debconf
	-o -path ./dev -o -name initrd.img-* )'
tree_sum() {
	# shellcheck disable=SC2086 # $prune is find's words, the glob quoted by set -f
	(set -f && cd "$1" && find . $prune -prune -o -printf '%P %y %m %U:%G %l\n' | sort &&
		find . $prune -prune -o -type f -print0 | sort -z | xargs -0 -r sha256sum)
}
for h in $hosts; do tree_sum "$work/$h" > "$work/$h.orig"; done

# ---- the inventory, the playbook, the collection where Ansible finds it ----
coll=$work/collections/ansible_collections/amdgpu/tune
mkdir -p "$coll" "$work/ansible-tmp" && cp -R "$src/ansible/." "$coll/" || bail "copying the collection failed"
cat > "$work/inventory.yml" << EOF
all:
  vars:
    ansible_connection: community.general.chroot
    ansible_python_interpreter: /usr/bin/python3
    amdgpu_tune_package: /tmp/${deb##*/}
    amdgpu_tune_update: false
  hosts:
    strix: {ansible_host: $work/strix, amdgpu_tune_memory: 64GiB, amdgpu_tune_update: true}
    rdna2: {ansible_host: $work/rdna2, amdgpu_tune_profile: rdna2, amdgpu_tune_memory: 32GiB}
    nogpu: {ansible_host: $work/nogpu}
    edited: {ansible_host: $work/edited, amdgpu_tune_profile: rdna2, amdgpu_tune_memory: 32GiB}
    fresh: {ansible_host: $work/fresh}
EOF
cat > "$work/site.yml" << 'EOF'
- name: AMD GPU kernel settings
  hosts: all
  gather_facts: false
  roles:
    - amdgpu.tune.amdgpu_tune
EOF
play() { # NAME ARGS...: the playbook, its JSON report in $work/NAME.json
	name=$1
	shift
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$work" LANG=C.UTF-8 \
		ANSIBLE_COLLECTIONS_PATH="$work/collections" ANSIBLE_LOCAL_TEMP="$work/ansible-tmp" \
		ANSIBLE_REMOTE_TEMP=/tmp/.ansible ANSIBLE_STDOUT_CALLBACK=json ANSIBLE_HOST_KEY_CHECKING=False \
		ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=False ANSIBLE_DEPRECATION_WARNINGS=False \
		ansible-playbook -i "$work/inventory.yml" "$work/site.yml" "$@" > "$work/$name.json" 2> "$work/$name.err"
	rc=$?
	python3 "$src/tests/ansible/report.py" summary "$work/$name.json" | sed "s/^/# $name: /"
	sed 's/^/# stderr: /' "$work/$name.err" | head -n 10
	return $rc
}
report() { python3 "$src/tests/ansible/report.py" "$@"; }
unchanged() { # SUFFIX: 0 when every host's tree still sums as $work/HOST.SUFFIX says
	u=0
	for h in $hosts; do
		tree_sum "$work/$h" | cmp -s - "$work/$h.$1" || { echo "# $h changed in check mode"; u=1; }
	done
	return $u
}
predicted() { # CHECK REAL: 0 when the check-mode report CHECK.json said what REAL.json did
	p=0
	for h in strix rdna2 nogpu; do
		for k in changed reboot_required plan; do
			a=$(report field "$work/$1.json" $h 'Apply the profile' $k)
			b=$(report field "$work/$2.json" $h 'Apply the profile' $k)
			[ "$a" = "$b" ] || { echo "# $h $k: check mode said $a, the real run $b"; p=1; }
		done
	done
	return $p
}

# ---- check mode, with diff ----
play check --check --diff
echo "# (exit $?: edited fails, as it must)"
unchanged orig
same=$?
[ -s "$work/check.json" ] && [ $same = 0 ] && [ ! -e "$work/strix/var/lib/amdgpu-tune/state" ] && [ ! -e "$work/rdna2/var/lib/amdgpu-tune/state" ]
result "check mode: no tree changed (no state written anywhere)" $?
[ "$(report field "$work/check.json" strix 'Apply the profile' profile)" = strix-halo ] &&
	[ "$(report field "$work/check.json" strix 'Apply the profile' changed)" = true ] &&
	[ "$(report field "$work/check.json" rdna2 'Apply the profile' changed)" = true ] &&
	[ "$(report field "$work/check.json" nogpu 'Apply the profile' changed)" = false ] &&
	report field "$work/check.json" nogpu 'Apply the profile' msg | grep -q '^no AMD GPU'
result "check mode: strix gets strix-halo (auto), rdna2 would change, nogpu is left alone" $?
report diff "$work/check.json" strix 'Apply the profile' etc/modprobe.d/90-amdgpu-tune.conf > "$work/strix.diff"
sed 's/^/# diff: /' "$work/strix.diff"
grep -qx 'before: ' "$work/strix.diff" && grep -qx 'after: options ttm pages_limit=12582912' "$work/strix.diff" &&
	grep -qx 'after: options amdgpu gttsize=49152' "$work/strix.diff"
result "diff mode: strix's modprobe.d file, before empty, after with pages_limit=12582912 and gttsize=49152" $?
[ "$(report field "$work/check.json" edited 'Apply the profile' failed)" = true ] &&
	report field "$work/check.json" edited 'Apply the profile' msg | grep -q "$frag: edited by hand since amdgpu-tune wrote it" &&
	[ "$(report field "$work/check.json" edited 'Apply the profile' rc)" = 2 ]
result "check mode: edited fails with the program's message and exit code 2" $?
[ "$(report field "$work/check.json" fresh 'Report a host check mode cannot plan' skipped)" = None ] &&
	[ "$(report skipped "$work/check.json" fresh 'Apply the profile')" = true ] &&
	[ "$(report field "$work/check.json" fresh 'Report a host check mode cannot plan' failed)" = None ]
result "check mode on a host without the package: says so, does not fail" $?

# ---- the real run ----
play real --diff
echo "# (exit $?)"
predicted check real &&
	[ "$(report field "$work/real.json" rdna2 'Apply the profile' changed)" = true ]
result "check mode predicted the real run exactly: changed, reboot_required, every file's diff, the commands" $?
grep -qx 'options ttm pages_limit=12582912' "$work/strix/etc/modprobe.d/90-amdgpu-tune.conf" &&
	grep -q 'iommu=pt' "$work/rdna2/$frag" && [ ! -e "$work/nogpu/var/lib/amdgpu-tune/state" ] &&
	chroot "$work/strix" lsinitramfs "/boot/initrd.img-$(ls "$work/strix/lib/modules" | head -n 1)" | grep -q 'etc/modprobe.d/90-amdgpu-tune.conf'
result "the real run: strix's modprobe.d file in its rebuilt initrd, rdna2's GRUB drop-in, nothing on nogpu" $?
[ "$(report field "$work/real.json" rdna2 'Apply the profile' reboot_required)" = true ] &&
	[ "$(report field "$work/real.json" rdna2 'Export whether the next boot' amdgpu_tune_reboot_required)" = true ] &&
	[ "$(report field "$work/real.json" rdna2 'Ask for a reboot' changed)" = false ] &&
	[ "$(report skipped "$work/real.json" rdna2 'Reboot for amdgpu-tune')" = absent ]
result "rdna2: reboot_required, amdgpu_tune_reboot_required exported, no reboot (amdgpu_tune_reboot_ok false)" $?
[ -x "$work/fresh/usr/sbin/amdgpu-tune" ] && [ "$(report field "$work/real.json" fresh 'Install amdgpu-tune from a .deb' changed)" = true ] &&
	report field "$work/real.json" fresh 'Apply the profile' msg | grep -q '^no AMD GPU'
result "fresh: the role installs the package from the .deb, then finds no GPU to tune" $?
[ "$(report field "$work/real.json" edited 'Apply the profile' failed)" = true ] && [ "$(sha256sum < "$work/edited/$frag")" = "$edited_sum" ]
result "the hand-edited drop-in is reported (the host fails) and left as it is" $?
report field "$work/real.json" strix 'Apply the profile' warnings | grep -q "kernel 6.1.*predates amdgpu's GC 11.5.1 support"
result "the program's warnings are the task's Ansible warnings (strix: 6.1 predates gfx1151 support)" $?
report settings "$work/real.json" rdna2 'Apply the profile' | sed 's/^/# rdna2 settings: /'
report settings "$work/real.json" rdna2 'Apply the profile' | grep -q '^iommu cmdline wanted=pt next_boot=pt '
result "the settings table: iommu=pt wanted and next boot" $?
[ "$(report field "$work/real.json" rdna2 'Read back' applied)" = rdna2 ] &&
	[ "$(report field "$work/real.json" strix 'Read back' profile)" = strix-halo ] &&
	[ "$(report field "$work/real.json" nogpu 'Read back' applied)" = None ]
result "amdgpu_tune_info: the applied profile and the matching one" $?

# ---- idempotence ----
play again
echo "# (exit $?)"
[ "$(report changed "$work/again.json" strix)" = 0 ] && [ "$(report changed "$work/again.json" rdna2)" = 0 ] &&
	[ "$(report changed "$work/again.json" nogpu)" = 0 ] && [ "$(report changed "$work/again.json" fresh)" = 0 ]
result "a second run changes nothing (changed=0 on every host that succeeds)" $?

# ---- state=absent: check mode first, then the real run, then again ----
for h in $hosts; do tree_sum "$work/$h" > "$work/$h.applied"; done
play absent_check --check --diff -e amdgpu_tune_state=absent
echo "# (exit $?)"
unchanged applied &&
	[ "$(report field "$work/absent_check.json" rdna2 'Apply the profile' changed)" = true ] &&
	report diff "$work/absent_check.json" rdna2 'Apply the profile' "$frag" | grep -qx 'after: '
result "state=absent in check mode: nothing changes, rdna2 would lose its drop-in (diff: after empty)" $?
play absent -e amdgpu_tune_state=absent
echo "# (exit $?)"
predicted absent_check absent
result "state=absent: check mode predicted the real run exactly" $?
[ "$(report field "$work/absent.json" edited 'Apply the profile' failed)" = true ] &&
	[ "$(report field "$work/absent.json" edited 'Apply the profile' rc)" = 2 ] && [ "$(sha256sum < "$work/edited/$frag")" = "$edited_sum" ]
result "state=absent: the hand-edited drop-in is refused again (rc 2) and stays" $?
! chroot "$work/strix" lsinitramfs "/boot/initrd.img-$(ls "$work/strix/lib/modules" | head -n 1)" | grep -q 'etc/modprobe.d/90-amdgpu-tune.conf'
result "state=absent: strix's initrd, rebuilt, no longer holds the modprobe.d file" $?
ok=0
# fresh has the package now, which it did not have before.
for h in strix rdna2 nogpu edited; do
	tree_sum "$work/$h" > "$work/$h.after"
	cmp -s "$work/$h.orig" "$work/$h.after" || { echo "# $h differs:"; diff "$work/$h.orig" "$work/$h.after" | head -n 10 | sed 's/^/#   /'; ok=1; }
done
[ $ok = 0 ] && [ "$(report field "$work/absent.json" rdna2 'Apply the profile' changed)" = true ] &&
	[ "$(report field "$work/absent.json" strix 'Apply the profile' changed)" = true ]
result "state=absent: every tree byte for byte as before the first run" $?
play absent_again -e amdgpu_tune_state=absent
echo "# (exit $?)"
[ "$(report changed "$work/absent_again.json" strix)" = 0 ] && [ "$(report changed "$work/absent_again.json" rdna2)" = 0 ] &&
	[ "$(report changed "$work/absent_again.json" nogpu)" = 0 ]
result "state=absent again changes nothing" $?

# ---- the collection itself ----
ok=0
for m in amdgpu_tune amdgpu_tune_info; do
	env ANSIBLE_COLLECTIONS_PATH="$work/collections" HOME="$work" ansible-doc -t module "amdgpu.tune.$m" > "$work/doc.$m" 2>&1 || ok=1
	grep -q '^EXAMPLES:' "$work/doc.$m" && grep -q '^RETURN VALUES:' "$work/doc.$m" || ok=1
done
[ $ok = 0 ]
result "ansible-doc renders both modules' DOCUMENTATION, EXAMPLES and RETURN" $?
# ansible-lint cannot load the collection's own modules here, so it does not check their
# options (the playbook runs above do); it checks the role and the YAML.
(cd "$coll" && env HOME="$work" ANSIBLE_COLLECTIONS_PATH="$work/collections" ansible-lint --offline --nocolor -p roles/amdgpu_tune plugins) > "$work/lint.out" 2>&1
rc=$?
sed 's/^/# ansible-lint: /' "$work/lint.out" | tail -n 20
result "ansible-lint (offline) on the role and the modules: no finding" $rc
# ansible-test sanity: the tests that need no virtualenv (the others download pip).
tests=
for t in action-plugin-docs compile empty-init future-import-boilerplate line-endings metaclass-boilerplate no-assert \
	no-basestring no-dict-iteritems no-dict-iterkeys no-dict-itervalues no-get-exception no-illegal-filenames \
	no-main-display no-smart-quotes no-unicode-literals replace-urlopen shebang symlinks use-argspec-type-path use-compat-six; do
	tests="$tests --test $t"
done
# shellcheck disable=SC2086
(cd "$coll" && env HOME="$work" ansible-test sanity --python "$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')" $tests) > "$work/sanity.out" 2>&1
rc=$?
grep -v '^Running sanity test' "$work/sanity.out" | sed 's/^/# ansible-test: /' | tail -n 20
[ $rc = 0 ] && [ "$(grep -c '^Running sanity test' "$work/sanity.out")" -ge 20 ]
result "ansible-test sanity, the 21 tests that run offline: no finding" $?

finish
