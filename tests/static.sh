#!/bin/sh
# make check-static: cppcheck and clang-tidy over every C file of the tree (the program,
# the tests, the fuzzers, the benchmark); any finding fails.
#
# clang-tidy runs a fixed list of checks: bugprone-* as clang-tidy 14 (Debian 12) has
# them, less easily-swappable-parameters (a style rule, not a bug), and cert-err34-c
# (sscanf/atoi without error detection). The list is spelled out, not a glob, so a newer
# clang-tidy does not bring checks no one has read the tree against. The attribute
# macros _cleanup_*_ and _printf_ are the house style (systemd's names, STYLE.md), so
# reserved-identifier lets those names through, read from the headers; any other name
# with a leading underscore is a finding.
#
# cppcheck runs its warning and portability classes. It does not know the cleanup
# attribute (_cleanup_ in util.h) in 2.10, so it calls every early return after a
# _cleanup_ variable was set a leak: a memleak or resourceLeak report at a return, goto
# or closing brace, on a variable that its function declares with a _cleanup_
# attribute, is dropped (and counted). Any other report stands, a leak by reassigning
# such a variable among them (cppcheck reports that at the assignment).
#
# Usage: static.sh SRCDIR BUILDDIR "CPPFLAGS" SOURCE...  (the program's sources, relative
# to SRCDIR; the C files among them are checked, and every C file of the tests, the
# fuzzers, the helpers and the benchmark)
set -eu

srcdir=$1 builddir=$2 cppflags=$3
shift 3
cd "$srcdir"
files=
for f in "$@" tests/unit/*.c tests/kmod-crosscheck.c tests/fuzz/*.c tests/helpers/*.c \
	bench/rusage.c; do
	case $f in *.c) files="$files $f" ;; esac
done
# shellcheck disable=SC2086 # the file names have no blanks (Makefile.am, the globs)
set -- $files

checks='-*,cert-err34-c'
for c in argument-comment assert-side-effect bad-signal-to-kill-thread \
	bool-pointer-implicit-conversion branch-clone copy-constructor-init dangling-handle \
	dynamic-static-initializers exception-escape fold-init-type \
	forward-declaration-namespace forwarding-reference-overload \
	implicit-widening-of-multiplication-result inaccurate-erase incorrect-roundings \
	infinite-loop integer-division lambda-function-name macro-parentheses \
	macro-repeated-side-effects misplaced-operator-in-strlen-in-alloc \
	misplaced-pointer-arithmetic-in-alloc misplaced-widening-cast \
	move-forwarding-reference multiple-statement-macro narrowing-conversions no-escape \
	not-null-terminated-result parent-virtual-call posix-return \
	redundant-branch-condition reserved-identifier signal-handler signed-char-misuse \
	sizeof-container sizeof-expression spuriously-wake-up-functions string-constructor \
	string-integer-assignment string-literal-with-embedded-nul stringview-nullptr \
	suspicious-enum-usage suspicious-include suspicious-memory-comparison \
	suspicious-memset-usage suspicious-missing-comma suspicious-semicolon \
	suspicious-string-compare swapped-arguments terminating-continue \
	throw-keyword-missing too-small-loop-variable undefined-memory-manipulation \
	undelegated-constructor unhandled-exception-at-new unhandled-self-assignment \
	unused-raii unused-return-value use-after-move virtual-near-miss; do
	checks="$checks,bugprone-$c"
done

allowed=$(sed -n 's/^#define \(_cleanup_[a-z_]*\|_printf_\).*/\1/p' src/*.h | sort -u |
	tr '\n' ';')
config="{CheckOptions: [{key: bugprone-reserved-identifier.AllowedIdentifiers, value: '$allowed'}]}"

for tool in clang-tidy cppcheck; do
	command -v "$tool" > /dev/null || {
		echo "check-static: no $tool (make test-deps TEST_DEPS=static installs it)" >&2
		exit 1
	}
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

# clang-tidy: the flags the build compiles with. A check the installed clang-tidy lacks
# is simply not run; one that it has runs on every file and on the tree's headers.
# shellcheck disable=SC2086 # cppflags is a list of flags
rc=0
clang-tidy --quiet --checks="$checks" --config="$config" --header-filter="^$(pwd)/(src|tests|bench)/" \
	"$@" -- -std=gnu11 -include "$builddir/config.h" -I"$builddir" $cppflags \
	>"$tmp/tidy" 2>"$tmp/tidy.err" || rc=$?
if [ "$rc" -gt 1 ]; then
	# 1 is its status for findings; anything else is a tool that did not run.
	cat "$tmp/tidy.err" >&2
	echo "check-static: clang-tidy did not run (exit $rc)" >&2
	exit 1
fi
if grep -E ': (warning|error): ' "$tmp/tidy" "$tmp/tidy.err" >"$tmp/tidy.found"; then
	cat "$tmp/tidy"
	echo "check-static: clang-tidy: $(wc -l <"$tmp/tidy.found") findings" >&2
	status=1
else
	echo "check-static: clang-tidy: $# files, no findings"
fi

# cppcheck: the same files, with the build's include directories.
includes=
for f in $cppflags; do
	case $f in -I*) includes="$includes $f" ;; esac
done
# shellcheck disable=SC2086 # includes is a list of flags
cppcheck -q --enable=warning,portability --std=c11 --include="$builddir/config.h" \
	-I"$builddir" $includes --template='{file}:{line}:{id}:{message}' \
	"$@" 2>"$tmp/cpp" || {
	echo "check-static: cppcheck failed to run" >&2
	cat "$tmp/cpp" >&2
	exit 1
}
# A leak report on a _cleanup_ variable at an exit: the report's line is a return, goto
# or "}"; the function is the lines from the last "{" in column 0 before it; a line
# there with _cleanup_ declares the variable (in one of its declarators, before any
# "=": "_cleanup_free_ char *a = NULL, *b = x;" declares a and b, not x).
awk -F: -v out="$tmp/cpp.kept" '
function declares(l, var,    parts, k, i, d) {
	k = split(l, parts, ",")
	for (i = 1; i <= k; i++) {
		d = parts[i]
		sub(/=.*/, "", d)
		sub(/[ \t;]*$/, "", d)
		if (d ~ ("(^|[ *])" var "(\\[[^]]*\\])?$"))
			return 1
	}
	return 0
}
function cleanup_declared(file, line, var,    n, l, start, text, i, found) {
	n = 0
	while ((getline l < file) > 0 && n < line)
		text[++n] = l
	close(file)
	if (text[n] !~ /^[ \t]*(return([ \t(;]|$)|goto[ \t]|\})/)
		return 0
	start = 1
	for (i = n; i >= 1; i--)
		if (text[i] == "{") {
			start = i
			break
		}
	found = 0
	for (i = start; i <= n; i++)
		if (text[i] ~ /_cleanup_/ && declares(text[i], var))
			found = 1
	return found
}
{
	var = $0
	sub(/.*: /, "", var)
	if (($3 == "memleak" || $3 == "resourceLeak") && var ~ /^[A-Za-z_][A-Za-z0-9_]*$/ &&
	    cleanup_declared($1, $2, var)) {
		dropped++
		next
	}
	print > out
}
END { printf "%d\n", dropped }' "$tmp/cpp" >"$tmp/cpp.dropped"
if [ -s "$tmp/cpp.kept" ]; then
	cat "$tmp/cpp.kept"
	echo "check-static: cppcheck: $(wc -l <"$tmp/cpp.kept") findings" >&2
	status=1
else
	echo "check-static: cppcheck: $# files, no findings" \
		"($(cat "$tmp/cpp.dropped") leak reports on _cleanup_ variables dropped)"
fi
exit $status
