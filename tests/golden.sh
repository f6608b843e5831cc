#!/bin/sh
# Golden tests of the real binary on fake roots. Each directory under tests/golden/ is a
# case: "cmd" (the arguments), optional "kernels" (make_kernel lines), "root/" (files
# copied into the root, optional "setup" run inside it) and "env" (NAME=VALUE words the
# binary runs with), the expected "stdout", "stderr" and "rc", and "what": one sentence
# saying what the case proves, shown in its TAP line (a case without one fails). The root
# is built in a temporary directory (srcdir is read-only under make distcheck) and the
# command runs there with --root; paths are shown as @ROOT@ and @PROFILES@. TAP output.
# UPDATE_GOLDEN=1 rewrites the expectations from what the binary prints now.
# GOLDEN_WRAP, when set, is a command the binary runs under (tests/no-openat2.sh).
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"
bin=$top_builddir/amdgpu-tune
AMDGPU_TUNE_PROFILE_DIR=$top_srcdir/profiles
export AMDGPU_TUNE_PROFILE_DIR
LC_ALL=C
export LC_ALL

cases=$(cd "$top_srcdir/tests/golden" && ls -d */ | tr -d /)
n=$(echo "$cases" | wc -w)
tap_plan "$n"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for c in $cases; do
	src=$top_srcdir/tests/golden/$c
	root=$work/$c/root
	mkdir -p "$root"
	if [ -d "$src/root" ]; then
		cp -R "$src/root/." "$root/"
		chmod -R u+w "$root"
	fi
	if [ -f "$src/kernels" ]; then
		while read -r line; do
			[ -n "$line" ] || continue
			# shellcheck disable=SC2086
			make_kernel "$root" $line || echo "bail: cannot build kernel $line" >&2
		done < "$src/kernels"
	fi
	# Optional setup run inside the root, for what files cannot carry (mtimes).
	if [ -f "$src/setup" ]; then
		(cd "$root" && sh "$src/setup") || echo "bail: setup of $c failed" >&2
	fi
	cmd=$(cat "$src/cmd")
	envw=
	[ -f "$src/env" ] && envw="env $(cat "$src/env")"
	# shellcheck disable=SC2086
	(cd "$root" && eval "$envw \${GOLDEN_WRAP:-} \"\$bin\" --root \"\$root\" $cmd") > "$work/$c/out" 2> "$work/$c/err"
	echo $? > "$work/$c/rc"
	for f in out err; do
		sed -e "s|$root|@ROOT@|g" -e "s|$AMDGPU_TUNE_PROFILE_DIR|@PROFILES@|g" "$work/$c/$f" > "$work/$c/$f.n"
	done
	if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
		cp "$work/$c/out.n" "$src/stdout"
		cp "$work/$c/err.n" "$src/stderr"
		cp "$work/$c/rc" "$src/rc"
	fi
	what=$(head -n 1 "$src/what" 2> /dev/null)
	if [ -z "$what" ]; then
		tap_not_ok "$c: no 'what' file saying what the case proves"
	elif cmp -s "$work/$c/out.n" "$src/stdout" && cmp -s "$work/$c/err.n" "$src/stderr" &&
		cmp -s "$work/$c/rc" "$src/rc"; then
		tap_ok "$c: $what"
	else
		tap_not_ok "$c: $what"
		diff -u "$src/rc" "$work/$c/rc" | sed 's/^/# /'
		diff -u "$src/stdout" "$work/$c/out.n" | sed 's/^/# /'
		diff -u "$src/stderr" "$work/$c/err.n" | sed 's/^/# /'
	fi
done
tap_done
