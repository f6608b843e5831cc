#!/bin/sh
# The pure units (parsers, planning, rules, the layer comparison, rendering) do no I/O:
# they must build and link without sysroot, libkmod, libblkid, libcap or any reader, so
# they can be unit-tested and fuzzed on their own. Checked two ways: (1) no pure unit or
# its header includes an I/O header; (2) the pure units link into a program with only
# inih (profile.c's INI parser, which parses a string). TAP output.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"
pure="util strv cmdline kparam size diag json gpu kfacts rules logline klog bls plan layers
fragment srcline udiff render render-plan render-machine render-layers render-change machine profile"
io_headers='<unistd.h> <fcntl.h> <dirent.h> <sys/stat.h> <sys/wait.h> <sys/syscall.h>
<sys/prctl.h> <sys/capability.h> <libkmod.h> <blkid.h> <linux/openat2.h> "sysroot.h"
"facts.h" "paramcache.h" "modinfo.h" "privs.h" "regen.h" "txn.h" "klogread.h"
"profiledir.h"'
work=$(mktemp -d)
trap "${KEEP:+:} rm -rf \"$work\"" EXIT
tap_plan 2

bad=
for m in $pure; do
	for f in "$top_srcdir/src/$m.c" "$top_srcdir/src/$m.h"; do
		[ -f "$f" ] || continue
		for h in $io_headers; do
			if grep -qF "#include $h" "$f"; then
				bad="$bad ${f#"$top_srcdir"/}:$h"
			fi
		done
	done
done
if [ -z "$bad" ]; then
	tap_ok "no pure unit includes an I/O header"
else
	tap_not_ok "pure units include I/O headers:$bad"
fi

srcs=
for m in $pure; do
	srcs="$srcs $top_srcdir/src/$m.c"
done
echo 'int main(void) { return 0; }' > "$work/main.c"
inih=$(pkg-config --libs inih 2> /dev/null || echo -linih)
# shellcheck disable=SC2086 # word splitting of the source list is wanted
if ${CC:-cc} -std=gnu11 -include "$top_builddir/config.h" -I"$top_srcdir/src" -o "$work/pure" \
	"$work/main.c" $srcs "$top_builddir/src/pciids.c" $inih > "$work/link.out" 2>&1; then
	tap_ok "the pure units link with inih alone (no sysroot, libkmod, libblkid, libcap)"
else
	tap_not_ok "the pure units do not link on their own"
	grep -o "undefined reference to \`[A-Za-z_0-9]*'" "$work/link.out" | sort -u | sed 's/^/# /'
	grep -v 'undefined reference' "$work/link.out" | head -20 | sed 's/^/# /'
fi
tap_done
