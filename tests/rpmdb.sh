#!/bin/sh
# rpm's database as rpm itself writes it: Debian's rpm (4.18, SQLite backend, as Fedora's
# and RHEL 9's) builds a stand-in kmod package with rpmbuild and records it in a root
# laid out as Fedora lays it out (usr/lib/sysimage/rpm, var/lib/rpm an absolute link to
# it; before Fedora 36, var/lib/rpm itself). detect must name the kmod version and read
# modprobe.d by its rules, and leave the database's directory as it was. Fedora's dnf
# and its own rpm are not run here (not in Debian): the database format is the same
# rpm's. Needs rpm and rpmbuild (make test-deps), else skipped. TAP output.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"
bin=$top_builddir/amdgpu-tune
export LC_ALL=C
command -v rpmbuild > /dev/null && command -v rpm > /dev/null ||
	tap_skip_all "no rpm or rpmbuild (make test-deps installs them): rpm's own databases not tested"
work=$(mktemp -d)
trap "${KEEP:+:} rm -rf \"$work\"" EXIT
tap_plan 9

# package NAME EPOCH VERSION RELEASE: an empty rpm of that name and version, its path.
package() {
	mkdir -p "$work/top"
	{
		echo "Name: $1"
		[ -z "$2" ] || echo "Epoch: $2"
		echo "Version: $3"
		echo "Release: $4"
		echo "Summary: a stand-in"
		echo "License: none"
		echo "BuildArch: noarch"
		echo "%description"
		echo "A stand-in."
		echo "%files"
	} > "$work/$1.spec"
	HOME=$work rpmbuild -bb --quiet --define "_topdir $work/top" "$work/$1.spec" > /dev/null 2>&1 &&
		echo "$work/top/RPMS/noarch/$1-$3-$4.noarch.rpm"
}

# record ROOT DBPATH RPM...: rpm's database at DBPATH in ROOT, with the packages in it.
record() {
	r=$1 dbpath=$2
	shift 2
	mkdir -p "$r/$dbpath" &&
		HOME=$work rpm --root "$r" --dbpath "/$dbpath" --initdb &&
		HOME=$work rpm --root "$r" --dbpath "/$dbpath" -i --justdb --nodeps --noscripts \
			--ignorearch "$@" > /dev/null 2>&1
}

kmod=$(package kmod "" 34 2.fc43) && libs=$(package kmod-libs "" 30 1.fc43) &&
	epoch=$(package kmod 1 31 4.el9) && bad=$(package amd-gpu-firmware "" 20251125 1.fc43) &&
	good=$(package amd-gpu-firmware "" 20260110 1.fc43) ||
	{
		tap_not_ok "rpmbuild builds the stand-in packages"
		tap_done
		exit
	}

# 1-2. Fedora 36 and later.
root=$work/fedora
mkdir -p "$root/var/lib" "$root/etc/modprobe.d"
ln -s /usr/lib/sysimage/rpm "$root/var/lib/rpm"
if record "$root" usr/lib/sysimage/rpm "$libs" "$kmod"; then
	ls -la --time-style=full-iso "$root/usr/lib/sysimage/rpm" > "$work/before"
	"$bin" --root "$root" detect > "$work/out" 2>&1
	tap_check "Fedora's layout: kmod 34 from rpm's database, in usr/lib/sysimage/rpm" \
		grep -qxF "modprobe.d:  as kmod 34 reads it (rpm's database): *.conf, usr/lib/modprobe.d too" "$work/out"
	ls -la --time-style=full-iso "$root/usr/lib/sysimage/rpm" > "$work/after"
	tap_check "reading rpm's database writes nothing beside it (no journal, lock or shared memory)" \
		cmp -s "$work/before" "$work/after"
else
	tap_not_ok "rpm records the packages in usr/lib/sysimage/rpm"
	tap_skip "reading writes nothing" "no database"
fi

# 3. Before Fedora 36 (and RHEL 9): var/lib/rpm; kmod 31 with an epoch, whose rules
# differ (kmod before 32 reads no usr/lib/modprobe.d).
root=$work/rhel
if record "$root" var/lib/rpm "$epoch"; then
	"$bin" --root "$root" detect > "$work/out" 2>&1
	tap_check "var/lib/rpm: kmod 1:31-4.el9 read as kmod 31 (the epoch is not the version)" \
		grep -qxF "modprobe.d:  as kmod 31 reads it (rpm's database): *.conf and *.alias" "$work/out"
else
	tap_not_ok "rpm records the package in var/lib/rpm"
fi

# 4. The JSON says the same.
"$bin" --root "$work/fedora" detect --json > "$work/json" 2>&1
tap_check "detect --json has kmod_version 34" grep -q '"kmod_version": *34' "$work/json"

# 5. A database rpm cannot read either: not known, exit 0.
root=$work/broken
mkdir -p "$root/usr/lib/sysimage/rpm"
head -c 8192 /dev/urandom > "$root/usr/lib/sysimage/rpm/rpmdb.sqlite"
"$bin" --root "$root" detect > "$work/out" 2>&1
rc=$?
tap_check "a database that is not one: kmod's version not known, detect still exits 0" \
	sh -c "[ $rc = 0 ] && grep -q \"kmod's version not known\" '$work/out'"

# 6-7. A Strix Halo (gfx1151) with Fedora's amd-gpu-firmware of linux-firmware 20251125,
# whose MES firmware breaks ROCm there, and with 20260110, which fixed it.
for fw in bad good; do
	root=$work/fw-$fw
	mkdir -p "$root/sys/bus/pci/devices"
	cp -R "$top_srcdir/tests/golden/detect-strix-npu/root/sys/bus/pci/devices/0000:c3:00.0" \
		"$root/sys/bus/pci/devices/"
	pkg=$good
	[ $fw = good ] || pkg=$bad
	record "$root" usr/lib/sysimage/rpm "$pkg" || echo "# rpm did not record $pkg"
	"$bin" --root "$root" detect > "$work/out-$fw" 2>&1
done
tap_check "amd-gpu-firmware 20251125 on gfx1151: warned, from rpm's database" \
	grep -qF "warning: amd-gpu-firmware 20251125-1.fc43 (rpm's database) is linux-firmware 20251125" "$work/out-bad"
tap_check "amd-gpu-firmware 20260110: no firmware warning" \
	sh -c "! grep -q 'is linux-firmware 20251125' '$work/out-good' && grep -q 'gfx1151' '$work/out-good'"

# 8. Without /proc (a chroot being set up): sqlite reads the descriptor opened in the
# root, never a /proc/self/fd path.
wrap=$(proc_hider "$work")
if [ -n "$wrap" ]; then
	$wrap "$bin" --root "$work/fedora" detect > "$work/out" 2>&1
	rc=$?
fi
if [ -z "$wrap" ] || [ "$rc" = 77 ] || grep -q Sanitizer "$work/out"; then
	tap_skip "without /proc, rpm's database is read all the same" "cannot hide /proc here (or a sanitizer build, which needs it)"
else
	tap_check "without /proc, rpm's database is read all the same" \
		grep -qxF "modprobe.d:  as kmod 34 reads it (rpm's database): *.conf, usr/lib/modprobe.d too" "$work/out"
fi

# 9. The package removed: not installed, so not known.
HOME=$work rpm --root "$work/fedora" --dbpath /usr/lib/sysimage/rpm -e --justdb --nodeps kmod > /dev/null 2>&1
"$bin" --root "$work/fedora" detect > "$work/out" 2>&1
tap_check "after rpm -e kmod, kmod's version is not known" grep -q "kmod's version not known" "$work/out"
tap_done
