#!/bin/sh
# The staged deployment files the unit tests read (tests/unit/staged-vectors.h) are what
# GLib's own serializer makes of them: tests/staged/vectors.py, run with Debian's
# python3 and its GObject bindings (python3-gi, make test-deps), must write the header
# byte for byte. Then random argument lists, serialized by GLib as libostree writes the
# file, each read back by detect from a booted rpm-ostree root. TAP output.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"
bin=$top_builddir/amdgpu-tune
export LC_ALL=C
py=/usr/bin/python3
[ -x "$py" ] && "$py" -c 'from gi.repository import GLib' 2> /dev/null ||
	tap_skip_all "no python3-gi for /usr/bin/python3 (make test-deps installs it)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tap_plan 2
"$py" "$top_srcdir/tests/staged/vectors.py" > "$work/vectors.h"
tap_check "tests/unit/staged-vectors.h is what GLib serializes from tests/staged/vectors.py" \
	cmp -s "$work/vectors.h" "$top_srcdir/tests/unit/staged-vectors.h"

# A booted rpm-ostree root (the golden case's files, without kernels: detect needs none).
r=$work/root
cp -R "$top_srcdir/tests/golden/detect-rpm-ostree/root/." "$r/"
(cd "$r" && sh "$top_srcdir/tests/golden/detect-rpm-ostree/setup")
mkdir -p "$r/run/ostree"
bad=
for i in $(seq 40); do
	# Arguments of every length from 1 to 60 bytes, in number 0 to 70 (offsets of
	# one and two bytes), with quotes, '=' and UTF-8.
	args=$(awk -v seed="$i" 'BEGIN {
		srand(seed); n = int(rand() * 71)
		split("a b c = . , - _ 0 9 x y \"", ch, " ")
		for (k = 0; k < n; k++) {
			len = 1 + int(rand() * 60); s = ""
			for (j = 0; j < len; j++) s = s ch[1 + int(rand() * 13)]
			if (rand() < 0.1) s = s "é"
			printf "%s%s", k ? " " : "", s
		}
	}')
	# shellcheck disable=SC2086
	"$py" "$top_srcdir/tests/staged/vectors.py" --file "$r/run/ostree/staged-deployment" $args
	got=$("$bin" --root "$r" detect --json 2> /dev/null | "$py" -c 'import json, sys; print(json.load(sys.stdin)["cmdline_next_boot"])' 2> /dev/null)
	[ "$got" = "$args" ] || bad="$bad $i"
done
tap_check "40 staged deployments with random arguments, serialized by GLib: detect reads each one's arguments exactly (failed:${bad:- none})" \
	[ -z "$bad" ]
tap_done
