#!/bin/sh
# The staged deployment files the unit tests read (tests/unit/staged-vectors.h) are what
# GLib's own serializer makes of them: tests/staged/vectors.py, run with Debian's
# python3 and its GObject bindings (python3-gi, make test-deps), must write the header
# byte for byte. TAP output.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"
export LC_ALL=C
py=/usr/bin/python3
[ -x "$py" ] && "$py" -c 'from gi.repository import GLib' 2> /dev/null ||
	tap_skip_all "no python3-gi for /usr/bin/python3 (make test-deps installs it)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tap_plan 1
"$py" "$top_srcdir/tests/staged/vectors.py" > "$work/vectors.h"
tap_check "tests/unit/staged-vectors.h is what GLib serializes from tests/staged/vectors.py" \
	cmp -s "$work/vectors.h" "$top_srcdir/tests/unit/staged-vectors.h"
tap_done
