#!/bin/bash
# The bash completion (completion/amdgpu-tune, as built) against the binary: the
# commands are those of --help, each command is offered exactly the options the binary
# accepts for it, and profile names, kernel versions and snapshot ids come from the
# root on the command line. Needs bash-completion (Debian package bash-completion).
# TAP output.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"
bin=$top_builddir/amdgpu-tune
comp=$top_builddir/completion/amdgpu-tune
export LC_ALL=C
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bc=/usr/share/bash-completion/bash_completion
if [ ! -r "$bc" ]; then
	echo "1..1"
	echo "not ok 1 - $bc is missing: install the Debian package bash-completion"
	exit 1
fi
# shellcheck disable=SC1090
. "$bc"
# shellcheck disable=SC1090
. "$comp" || exit 99
tap_plan 7

# complete WORD...: what TAB offers after the words (the last one is being typed).
complete() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_amdgpu_tune amdgpu-tune "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sort -u | sed '/^$/d'
}

commands=$("$bin" --help | awk '/^Commands:/ {on = 1; next} /^$/ {on = 0} on && /^  [a-z]/ {print $1}' | sort)
offered=$(complete amdgpu-tune "")
if [ -n "$commands" ] && [ "$offered" = "$commands" ]; then tap_ok "the commands offered are --help's: $(echo $commands)"; else tap_not_ok "the commands offered are --help's"; diff <(echo "$commands") <(echo "$offered") | sed 's/^/# /'; fi

# Every long option of --help, and what the binary says when a command does not take it.
options=$("$bin" --help | grep -o '^  *\(-[a-zA-Z], \)\?--[a-z-]*' | grep -o -- '--[a-z-]*' | sort -u)
empty=$work/empty
mkdir -p "$empty"
bad=
for c in $commands; do
	want=
	for opt in $options; do
		case $opt in
		--help | --version) want="$want $opt"; continue ;;
		--kernel | --memory | --kernel-log | --root) arg=x ;;
		*) arg= ;;
		esac
		[ "$opt" = --memory ] && arg=1GiB
		[ "$opt" = --kernel-log ] && arg=/dev/null
		[ "$opt" = --root ] && arg=$empty
		# shellcheck disable=SC2086
		"$bin" --root "$empty" "$c" $opt $arg < /dev/null > /dev/null 2> "$work/err"
		grep -q -- "$opt does not apply to $c" "$work/err" || want="$want $opt"
	done
	want=$(echo $want | tr ' ' '\n' | sort)
	got=$(complete amdgpu-tune "$c" --)
	[ "$got" = "$want" ] || bad="$bad $c(offered: $(echo $got); takes: $(echo $want))"
done
tap_check "each command is offered exactly the options it takes${bad:+:$bad}" [ -z "$bad" ]

r=$work/root
mkdir -p "$r/etc/amdgpu-tune/profiles" "$r/lib/modules/6.1.0-28-amd64" "$r/lib/modules/6.12.48+deb12-amd64" \
	"$r/var/lib/amdgpu-tune/snapshots/1" "$r/var/lib/amdgpu-tune/snapshots/12" "$r/var/lib/amdgpu-tune/snapshots/.tmp-3"
pkgdatadir=$(sed -n 's|.*for f in .*"\$root"\([^ ]*\)/profiles/\*\.conf.*|\1|p' "$comp")
mkdir -p "$r$pkgdatadir/profiles"
: > "$r/etc/amdgpu-tune/profiles/mine.conf"
: > "$r$pkgdatadir/profiles/strix-halo.conf"
: > "$r$pkgdatadir/profiles/rdna2.conf"
: > "$r/etc/amdgpu-tune/profiles/rdna2.conf"
got=$(complete amdgpu-tune --root "$r" apply "")
tap_check "apply offers the profiles of both directories under --root, once each: $(echo $got)" [ "$got" = "$(printf 'mine\nrdna2\nstrix-halo')" ]
got=$(complete amdgpu-tune --root "$r" show "s")
tap_check "... and completes a prefix" [ "$got" = strix-halo ]
got=$(complete amdgpu-tune --root "$r" reapply "")
tap_check "reapply offers the installed kernels" [ "$got" = "$(printf '6.1.0-28-amd64\n6.12.48+deb12-amd64')" ]
got=$(complete amdgpu-tune --root "$r" diff --kernel "6.12")
tap_check "--kernel offers the installed kernels" [ "$got" = "6.12.48+deb12-amd64" ]
got=$(complete amdgpu-tune --root "$r" rollback "")
tap_check "rollback offers the snapshot ids, not the temporaries" [ "$got" = "$(printf '1\n12')" ]

tap_done
