#!/bin/sh
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a bounded
# time on a copy of its seed corpus. Not part of make check.
# Usage: run.sh SRCDIR BUILDDIR   (env: CLANG, FUZZ_SECONDS, FUZZ_SOURCES)
set -eu
src=$1
build=$2
: "${CLANG:=clang}" "${FUZZ_SECONDS:=30}"
out=$build/tests/fuzz
mkdir -p "$out"
# The library's sources, as Makefile.am lists them (make fuzz passes FUZZ_SOURCES).
: "${FUZZ_SOURCES:?run it through make fuzz, which passes the sources of the library}"
common=
for f in $FUZZ_SOURCES; do
	case $f in
	*.c) common="$common $src/$f" ;;
	esac
done
common="$common $build/src/pciids.c"
flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -include $build/config.h -I$src/src -DPROFILEDIR=\"/nonexistent\""
for t in cmdline profile boot klog rpmhdr; do
	# shellcheck disable=SC2086
	$CLANG $flags -o "$out/fuzz-$t" "$src/tests/fuzz/fuzz-$t.c" $common $(pkg-config --cflags --libs inih libmd libkmod blkid libcap sqlite3)
	corpus=$(mktemp -d)
	cp "$src/tests/fuzz/corpus-$t/"* "$corpus/"
	echo "fuzz-$t: ${FUZZ_SECONDS}s"
	"$out/fuzz-$t" -artifact_prefix="$out/" -max_total_time="$FUZZ_SECONDS" -max_len=4096 -print_final_stats=1 "$corpus" 2>&1 | tail -4
	rm -rf "$corpus"
done
