#!/bin/sh
# Builds a synthetic kernel module: a relocatable object whose .modinfo section holds
# name=, parm= and parmtype= strings, which libkmod and depmod read like a real module.
# Usage: mkmod.sh OUT NAME < params   (lines "param type [description...]")
# OUT ending in .xz is compressed with xz, as Debian 6.12 ships modules; .zst with zstd,
# as Arch Linux's kernels ship them.
set -eu
out=$1
name=$2
: "${CC:=cc}" "${XZ:=xz}" "${ZSTD:=zstd}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{
	echo 'static const char modinfo[] __attribute__((section(".modinfo"), used, aligned(1))) ='
	printf '\t"name=%s\\0"\n' "$name"
	while read -r param type desc; do
		[ -n "$param" ] || continue
		case $param in \#*) continue ;; esac
		printf '\t"parm=%s:%s\\0"\n' "$param" "${desc:-synthetic $param}"
		printf '\t"parmtype=%s:%s\\0"\n' "$param" "$type"
	done
	echo '	;'
} > "$tmp/m.c"
mkdir -p "$(dirname "$out")"
case $out in
*.xz)
	$CC -c "$tmp/m.c" -o "$tmp/m.ko"
	$XZ --check=crc32 -c "$tmp/m.ko" > "$out"
	;;
*.zst)
	$CC -c "$tmp/m.c" -o "$tmp/m.ko"
	$ZSTD -q -c "$tmp/m.ko" > "$out"
	;;
*)
	$CC -c "$tmp/m.c" -o "$out"
	;;
esac
