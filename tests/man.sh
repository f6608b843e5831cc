#!/bin/sh
# The man pages render without warnings (man-db's man --warnings, groff), and every
# option and command that --help lists is documented in amdgpu-tune(8), and the other
# way round: every option and command the page's OPTIONS and COMMANDS describe is in
# --help. TAP output.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"
bin=$top_builddir/amdgpu-tune
LC_ALL=C
export LC_ALL
command -v man >/dev/null || { echo "Bail out! man (man-db) is not installed"; exit 1; }
for page in amdgpu-tune.8 amdgpu-tune.conf.5; do
	warn=$(MANWIDTH=80 man --warnings -l -Tutf8 "$top_srcdir/man/$page" 2>&1 >/dev/null)
	[ -z "$warn" ]
	st=$?
	[ $st -eq 0 ] || printf '%s\n' "$warn" | sed 's/^/# /'
	tap_result "man/$page renders without warnings" $st
done
help=$("$bin" --help) || { echo "Bail out! $bin --help failed"; exit 1; }
printf '%s\n' "$help" | grep -q -- '--root' || { echo "Bail out! $bin --help lists no options"; exit 1; }
# The man page source spells options as \-\-name.
documented=$(sed 's/\\-/-/g' "$top_srcdir/man/amdgpu-tune.8")
missing=
for opt in $(printf '%s\n' "$help" | grep -o -- '--[a-z][a-z-]*' | sort -u); do
	printf '%s\n' "$documented" | grep -q -- "$opt" || missing="$missing $opt"
done
[ -z "$missing" ]
st=$?
[ $st -eq 0 ] || echo "# not in man/amdgpu-tune.8:$missing"
tap_result "every option of --help is in amdgpu-tune(8)" $st
missing=
for verb in $(printf '%s\n' "$help" | awk '/^Commands:/ {c = 1; next} c && /^  [a-z]/ {print $1} c && /^$/ {c = 0}'); do
	printf '%s\n' "$documented" | grep -Eq -- "^\.BI? \"?$verb( |\"|\$)" || missing="$missing $verb"
done
[ -z "$missing" ]
st=$?
[ $st -eq 0 ] || echo "# not in man/amdgpu-tune.8:$missing"
tap_result "every command of --help is in amdgpu-tune(8)" $st
# The tagged paragraphs of a section: the line after each .TP.
tags() { printf '%s\n' "$documented" | awk -v s="$1" '/^\.SH/ {on = ($0 == ".SH " s)} on && tp {print; tp = 0} on && /^\.TP/ {tp = 1}'; }
missing=
for opt in $(tags OPTIONS | grep -o -- '--[a-z][a-z-]*' | sort -u); do
	printf '%s\n' "$help" | grep -q -- "$opt\b" || missing="$missing $opt"
done
n=$(tags OPTIONS | grep -c -- '--')
[ -z "$missing" ] && [ "$n" -gt 10 ]
st=$?
[ $st -eq 0 ] || echo "# in amdgpu-tune(8)'s OPTIONS ($n) but not in --help:$missing"
tap_result "every option of amdgpu-tune(8)'s OPTIONS is in --help" $st
missing=
for verb in $(tags COMMANDS | awk '{print $2}' | tr -d '"' | sort -u); do
	printf '%s\n' "$help" | grep -q "^  $verb\b" || missing="$missing $verb"
done
n=$(tags COMMANDS | wc -l)
[ -z "$missing" ] && [ "$n" -gt 8 ]
st=$?
[ $st -eq 0 ] || echo "# in amdgpu-tune(8)'s COMMANDS ($n) but not in --help:$missing"
tap_result "every command of amdgpu-tune(8)'s COMMANDS is in --help" $st
tap_done
