#!/bin/sh
# The Ansible modules without Ansible (tests/ansible/modules.py): the argument vectors
# they build, check mode, profile names, with a stand-in program and with the real one
# on a fake Strix Halo root. Needs python3. TAP output.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"
bin=$top_builddir/amdgpu-tune
command -v python3 > /dev/null || { echo "Bail out! python3 is not installed (apt-get install python3)"; exit 1; }
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
r=$work/root
mkdir -p "$r/proc" "$r/var/lib" "$r/var/cache"
if ! { cp -R "$top_srcdir/tests/golden/diff-cloudimg/root/." "$top_srcdir/tests/golden/show-auto-strix/root/." "$r/" &&
	chmod -R u+w "$r" &&
	printf 'MemTotal:       131072000 kB\nMemFree:        120000000 kB\n' > "$r/proc/meminfo" &&
	make_kernel "$r" 6.12.48+deb12-amd64 6.12 xz; }; then
	echo "Bail out! cannot build the fake root"
	exit 1
fi
AMDGPU_TUNE_PROFILE_DIR=$top_srcdir/profiles
export AMDGPU_TUNE_PROFILE_DIR
python3 "$top_srcdir/tests/ansible/modules.py" "$top_srcdir" "$bin" "$r" "$work"
