#!/bin/sh
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a bounded
# time on a copy of its seed corpus. Not part of make check.
# Usage: run.sh SRCDIR BUILDDIR   (env: CLANG, FUZZ_SECONDS)
set -eu
src=$1
build=$2
: "${CLANG:=clang}" "${FUZZ_SECONDS:=30}"
out=$build/tests/fuzz
mkdir -p "$out"
common="$src/src/util.c $src/src/strv.c $src/src/diag.c $src/src/size.c $src/src/cmdline.c $src/src/profile.c $src/src/srcline.c $src/src/grub.c $src/src/modprobe.c $src/src/state.c $src/src/snapshot.c $src/src/sysroot.c $src/src/plan.c $src/src/kparam.c $src/src/machine.c $src/src/facts.c $src/src/modinfo.c $src/src/paramcache.c $src/src/gpu.c $src/src/kfacts.c $src/src/rules.c $src/src/klog.c $build/src/pciids.c"
flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -include $build/config.h -I$src/src"
for t in cmdline profile boot klog; do
	# shellcheck disable=SC2086
	$CLANG $flags -o "$out/fuzz-$t" "$src/tests/fuzz/fuzz-$t.c" $common $(pkg-config --cflags --libs inih libmd libkmod)
	corpus=$(mktemp -d)
	cp "$src/tests/fuzz/corpus-$t/"* "$corpus/"
	echo "fuzz-$t: ${FUZZ_SECONDS}s"
	"$out/fuzz-$t" -artifact_prefix="$out/" -max_total_time="$FUZZ_SECONDS" -max_len=4096 -print_final_stats=1 "$corpus" 2>&1 | tail -4
	rm -rf "$corpus"
done
