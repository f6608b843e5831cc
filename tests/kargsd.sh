#!/bin/sh
# bootc's kargs.d files, read by amdgpu-tune as a TOML parser reads them: for each file
# of tests/kargsd/, a bootc image's root with it in usr/lib/bootc/kargs.d, and detect's
# next boot compared with what Python's tomllib (a complete TOML 1.0 parser) reads from
# the same file, with bootc's architecture filter (lib/src/kargs.rs: match-architectures
# against Rust's ARCH). ok-*.toml files must be read exactly so, one at a time and all
# together in name order; no-*.toml files are outside what bootc takes or what the
# reader reads (a table, another key, a multi-line string, a \u escape) and must leave
# the next boot not known, naming the file. bootc itself is not in Debian: its parser is
# the toml crate, which reads TOML 1.0 as tomllib does. Needs python3 (make test-deps).
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"
bin=$top_builddir/amdgpu-tune
export LC_ALL=C
command -v python3 > /dev/null || tap_skip_all "no python3 (make test-deps installs it)"
python3 -c 'import tomllib' 2> /dev/null || tap_skip_all "python3 has no tomllib (3.11 and later)"
work=$(mktemp -d)
trap "${KEEP:+:} rm -rf \"$work\"" EXIT
corpus=$top_srcdir/tests/kargsd
files=$(cd "$corpus" && ls ./*.toml | sed 's|^\./||')
tap_plan $(($(echo "$files" | wc -l) + 5))

# image ROOT FILE...: a bootc image's tree with the files in its kargs.d.
image() {
	r=$1
	shift
	rm -rf "$r"
	mkdir -p "$r/usr/bin" "$r/usr/lib/bootc/kargs.d" "$r/sysroot"
	: > "$r/usr/bin/bootc"
	ln -s sysroot/ostree "$r/ostree"
	for f; do cp "$corpus/$f" "$r/usr/lib/bootc/kargs.d/"; done
}

# next ROOT: detect's next boot as JSON's string, or "null"; the errors after a tab.
next() {
	"$bin" --root "$1" detect --json 2> /dev/null | python3 -c '
import json, sys
j = json.load(sys.stdin)
print(json.dumps(j["cmdline_next_boot"]) + "\t" + " ".join(e.split(":")[0] for e in j["errors"]))'
}

# want FILE...: the arguments tomllib reads, in name order, those for another
# architecture left out, as a JSON string.
want() {
	python3 - "$corpus" "$@" <<'PY'
import json, platform, sys, tomllib
arch = {"ppc64le": "powerpc64", "ppc64": "powerpc64", "armv7l": "arm", "i686": "x86"}.get(
    platform.machine(), platform.machine())
args = []
for f in sorted(sys.argv[2:]):
    with open(sys.argv[1] + "/" + f, "rb") as fh:
        t = tomllib.load(fh)
    if "match-architectures" not in t or arch in t["match-architectures"]:
        args += t["kargs"]
print(json.dumps(" ".join(args)))
PY
}

for f in $files; do
	image "$work/r" "$f"
	got=$(next "$work/r")
	case $f in
	ok-*)
		w=$(want "$f")
		tap_check "$f: read as tomllib reads it ($w; got ${got%%	*})" [ "$got" = "$w	" ]
		;;
	*)
		tap_check "$f: not read, the next boot not known, the file named (got $got)" \
			[ "$got" = "null	usr/lib/bootc/kargs.d/$f" ]
		;;
	esac
done
ok=$(echo "$files" | grep '^ok-')
# shellcheck disable=SC2086
image "$work/r" $ok
got=$(next "$work/r")
# shellcheck disable=SC2086
w=$(want $ok)
tap_check "all ok-*.toml together: in name order ($w; got ${got%%	*})" [ "$got" = "$w	" ]
# What bootc lists: a name whose extension is toml, as Rust's Path::extension() has it
# (".x.toml" has one, ".toml" has none), all of it UTF-8, and text in UTF-8
# (read_to_string()).
image "$work/r" ok-10-one-line.toml
printf 'kargs = ["hidden"]\n' > "$work/r/usr/lib/bootc/kargs.d/.x.toml"
printf 'kargs = ["none"]\n' > "$work/r/usr/lib/bootc/kargs.d/.toml"
got=$(next "$work/r")
tap_check "a file named .x.toml is read, one named .toml is not, as bootc lists them (got ${got%%	*})" \
	[ "$got" = '"hidden console=tty0 console=ttyS0,115200n8"	' ]
image "$work/r" ok-10-one-line.toml
printf 'kargs = ["caf\351"]\n' > "$work/r/usr/lib/bootc/kargs.d/20-latin1.toml"
got=$(next "$work/r")
tap_check "a file in Latin-1 is not read: bootc refuses it (got $got)" \
	[ "$got" = "null	usr/lib/bootc/kargs.d/20-latin1.toml" ]
image "$work/r" ok-10-one-line.toml
: > "$work/r/usr/lib/bootc/kargs.d/$(printf 'caf\351.conf')"
got=$(next "$work/r")
tap_check "a file name that is not UTF-8 leaves the next boot not known: bootc's listing stops at it (got $got)" \
	[ "$got" = "null	usr/lib/bootc/kargs.d" ]
# A FIFO where a file is expected: read without waiting for a writer, named once.
image "$work/r" ok-10-one-line.toml
mkfifo "$work/r/usr/lib/bootc/kargs.d/50-fifo.toml"
got=$(timeout 20 sh -c '"$1" --root "$2" detect --json 2> /dev/null' sh "$bin" "$work/r" |
	python3 -c 'import json, sys; j = json.load(sys.stdin); print(json.dumps(j["cmdline_next_boot"]), len(j["errors"]), j["errors"][0])')
tap_check "a FIFO in kargs.d: no hang, one finding naming it, the next boot not known (got $got)" \
	[ "$got" = "null 1 usr/lib/bootc/kargs.d/50-fifo.toml: not read: not a regular file; the kernel arguments this image adds are not known" ]
tap_done
