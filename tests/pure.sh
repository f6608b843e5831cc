#!/bin/sh
# The layers of Makefile.am (pure_sources, io_sources, cli_sources): (1) every source file
# under src/ is in exactly one of them, so a new file cannot go unchecked; (2) no pure unit
# or its header includes an I/O header; (3) the pure units link into a program with only
# inih (profile.c's INI parser, which parses a string): no sysroot, libkmod, libblkid,
# libcap or reader, so they can be unit-tested and fuzzed on their own; (4) no unit of
# the library (pure or I/O) includes a header of the command line, which alone prints and
# chooses exit codes. TAP output.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"
# The files of one Makefile.am variable, continuation lines joined, without "src/".
layer() {
	awk -v v="$1" '
		cont { line = line " " $0 }
		!cont && $1 == v && $2 == "=" { line = $0; cont = 1 }
		cont && !/\\$/ { cont = 0; print line }
	' "$top_srcdir/Makefile.am" | tr ' \t\\' '\n\n\n' | sed -n 's|^src/||p'
}
pure_files=$(layer pure_sources)
io_files=$(layer io_sources)
cli_files=$(layer cli_sources)
pure=$(printf '%s\n' $pure_files | sed -n 's/\.c$//p')
io_headers='<unistd.h> <fcntl.h> <dirent.h> <sys/stat.h> <sys/wait.h> <sys/syscall.h>
<sys/prctl.h> <sys/capability.h> <libkmod.h> <blkid.h> <linux/openat2.h> "sysroot.h"
"facts.h" "paramcache.h" "modinfo.h" "privs.h" "regen.h" "txn.h" "klogread.h"
"profiledir.h"'
cli_headers='"cli.h" "verbs.h" "change.h"'
work=$(mktemp -d)
trap "${KEEP:+:} rm -rf \"$work\"" EXIT
tap_plan 4

# 1. Every file in one layer (main.c is the program; pciids.c is generated).
bad=
for f in $(cd "$top_srcdir/src" && ls -- *.c *.h); do
	case $f in main.c | pciids.c) continue ;; esac
	n=$(printf '%s\n' $pure_files $io_files $cli_files | grep -cxF "$f")
	[ "$n" = 1 ] || bad="$bad $f($n)"
done
if [ -z "$bad" ] && [ -n "$pure" ]; then
	tap_ok "every source file is in exactly one layer of Makefile.am"
else
	tap_not_ok "source files in no layer, or in several, of Makefile.am:$bad"
fi

# includes HEADERS FILE...: "src/FILE:HEADER" for each FILE that includes one of HEADERS.
includes() {
	hs=$1
	shift
	for f in "$@"; do
		for h in $hs; do
			grep -qF "#include $h" "$top_srcdir/src/$f" && printf ' src/%s:%s' "$f" "$h"
		done
	done
}
# shellcheck disable=SC2086 # the lists are words
bad=$(includes "$io_headers" $pure_files)
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

# shellcheck disable=SC2086 # the lists are words
bad=$(includes "$cli_headers" $pure_files $io_files)
if [ -z "$bad" ]; then
	tap_ok "no library unit includes a header of the command line"
else
	tap_not_ok "library units include command-line headers:$bad"
fi
tap_done
