#!/bin/sh
# The modprobe.d and GRUB readers against the real thing: libkmod reading the same
# modprobe.d directories (the host's own and hostile fake roots), and the real sh
# sourcing the GRUB defaults the way grub-mkconfig does. TAP output.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"
bin=$top_builddir/amdgpu-tune
check=$top_builddir/tests/kmod-crosscheck
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
LC_ALL=C
export LC_ALL

# --- modprobe.d against libkmod ---
"$check" /
tap_result "modprobe.d of this host as libkmod reads it" $?

mp() { # case file text
	mkdir -p "$work/mp-$1/$(dirname "$2")"
	printf "$3" > "$work/mp-$1/$2"
}
mp order etc/modprobe.d/10-a.conf 'options amdgpu noretry=0\noptions ttm pages_limit=1\n'
mp order lib/modprobe.d/20-b.conf 'options amdgpu noretry=1 vm-fragment-size=9\n'
mp order run/modprobe.d/05-c.conf 'options amdgpu dc=1\n'
mp order usr/local/lib/modprobe.d/30-d.conf 'options ttm page_pool_size=2\n'
mp shadow etc/modprobe.d/amdgpu.conf 'options amdgpu a=etc\n'
mp shadow lib/modprobe.d/amdgpu.conf 'options amdgpu a=lib\n'
mp shadow run/modprobe.d/amdgpu.conf 'options amdgpu a=run\n'
mp syntax etc/modprobe.d/x.conf 'options amdgpu a=1 \\\n b=2\n# options amdgpu c=3\n  options amdgpu d=4\n\toptions\tamdgpu\te=5\tf=6\noptions amd-gpu g=7\noptions amdgpu\noptions amdgpu h=\\8\n#x \\\noptions amdgpu i=9\n  # y\noptions amdgpu j="a b"\n'
mp syntax etc/modprobe.d/.hidden.conf 'options amdgpu hidden=1\n'
mp syntax etc/modprobe.d/notconf.txt 'options amdgpu txt=1\n'
mp syntax etc/modprobe.d/y.alias 'options amdgpu alias=1\n'
mp syntax etc/modprobe.d/z.conf 'options amdgpu last=1'
mkdir -p "$work/mp-syntax/etc/modprobe.d/dir.conf"
for c in order shadow syntax; do
	"$check" "$work/mp-$c"
	tap_result "modprobe.d case '$c' as libkmod reads it" $?
done

# --- GRUB defaults against sh ---
gr() { # case file text
	mkdir -p "$work/gr-$1/etc/default/grub.d"
	printf '%s' "$3" > "$work/gr-$1/$2"
}
gr plain etc/default/grub 'GRUB_DEFAULT=0
GRUB_CMDLINE_LINUX_DEFAULT="quiet splash"
GRUB_CMDLINE_LINUX=""
'
gr cloud etc/default/grub 'GRUB_CMDLINE_LINUX_DEFAULT="quiet"
GRUB_CMDLINE_LINUX="root=/dev/vda1"
'
gr cloud etc/default/grub.d/50-cloudimg-settings.cfg 'GRUB_CMDLINE_LINUX_DEFAULT="console=tty1 console=ttyS0"
'
gr cloud etc/default/grub.d/90-amdgpu-tune.cfg '# Written by amdgpu-tune
GRUB_CMDLINE_LINUX_DEFAULT="${GRUB_CMDLINE_LINUX_DEFAULT} iommu=pt ttm.pages_limit=25165824"
'
gr cloud etc/default/grub.d/.hidden.cfg 'GRUB_CMDLINE_LINUX_DEFAULT="hidden"
'
gr cloud etc/default/grub.d/notcfg 'GRUB_CMDLINE_LINUX_DEFAULT="notcfg"
'
gr quoting etc/default/grub "X=pt
export GRUB_CMDLINE_LINUX_DEFAULT='a \$b'\"  c=\$X\"\\ d
GRUB_CMDLINE_LINUX=\"one \\
two\" ; Y=1 GRUB_CMDLINE_LINUX=\"\$GRUB_CMDLINE_LINUX \${Y}\" # comment
"
gr quoting etc/default/grub.d/10-a.cfg 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT
multi
line"
'
gr quoting etc/default/grub.d/20-b.cfg "GRUB_CMDLINE_LINUX_DEFAULT=\"\$GRUB_CMDLINE_LINUX_DEFAULT \\\"q\\\" \\\\x\"
"
for c in plain cloud quoting; do
	root=$work/gr-$c
	# grub-mkconfig: . etc/default/grub, then each etc/default/grub.d/*.cfg; 10_linux
	# joins the two variables with a space.
	want=$(cd "$root" && sh -ec '
		unset GRUB_CMDLINE_LINUX GRUB_CMDLINE_LINUX_DEFAULT
		if test -f etc/default/grub; then . ./etc/default/grub; fi
		for x in etc/default/grub.d/*.cfg; do
			if [ -e "$x" ]; then . "./$x"; fi
		done
		l=${GRUB_CMDLINE_LINUX-}; d=${GRUB_CMDLINE_LINUX_DEFAULT-}
		if [ -n "$l" ] && [ -n "$d" ]; then printf "%s %s" "$l" "$d"; else printf "%s%s" "$l" "$d"; fi' | od -An -c)
	mkdir -p "$root/usr/sbin" && : > "$root/usr/sbin/update-grub"
	got=$("$bin" --root "$root" --json detect --memory 1GiB 2>/dev/null |
		sed -n 's/.*"cmdline_next_boot":"\(\([^"\\]\|\\.\)*\)".*/\1/p' |
		sed 's/\\u000a/\n/g; s/\\"/"/g; s/\\\\/\\/g' | head -c -1 | od -An -c)
	[ -n "$want" ] && [ "$want" = "$got" ]
	st=$?
	[ $st -eq 0 ] || printf '# sh:\n%s\n# amdgpu-tune:\n%s\n' "$want" "$got"
	tap_result "GRUB defaults '$c' as sh sources them" $st
done

mkdir -p "$work/rand"
awk -v n="${CROSSCHECK_RANDOM:-300}" -v dir="$work/rand" -f "$top_srcdir/tests/shgen.awk"
known=0 agree=0 total=0
for f in "$work/rand"/*; do
	total=$((total + 1))
	root=$work/rr
	rm -rf "$root"
	mkdir -p "$root/etc/default" "$root/usr/sbin"
	cp "$f" "$root/etc/default/grub"
	: > "$root/usr/sbin/update-grub"
	json=$("$bin" --root "$root" --json detect --memory 1GiB 2>/dev/null)
	case $json in
	*'"cmdline_next_boot":null'*) continue ;;
	*'"cmdline_next_boot":"'*) ;;
	*) echo "# ${f##*/}: no output from detect"; known=$((known + 1)); continue ;;
	esac
	known=$((known + 1))
	# As grub-mkconfig sources it: with set -e; a failure there means grub.cfg is
	# not rewritten, so a reader that claims a value is wrong.
	want=$(cd "$root" && env -i PATH=/usr/bin:/bin sh -ec '
		. ./etc/default/grub >/dev/null
		l=${GRUB_CMDLINE_LINUX-}; d=${GRUB_CMDLINE_LINUX_DEFAULT-}
		if [ -n "$l" ] && [ -n "$d" ]; then printf "%s %s" "$l" "$d"; else printf "%s%s" "$l" "$d"; fi
		echo "rc=0"' 2>/dev/null | od -An -c)
	got=$(printf '%s\n' "$json" | sed -n 's/.*"cmdline_next_boot":"\(\([^"\\]\|\\.\)*\)".*/\1/p' |
		sed 's/\\u000a/\n/g; s/\\"/"/g; s/\\\\/\\/g' | head -c -1 | { cat; echo "rc=0"; } | od -An -c)
	if [ "$want" = "$got" ]; then
		agree=$((agree + 1))
	else
		printf '# %s:\n' "${f##*/}"; sed 's/^/#   /' "$f"
		printf '# sh:%s\n# amdgpu-tune:%s\n' "$want" "$got"
	fi
done
echo "# random files: $known of $total computed by the reader, $agree of them as sh computes them"
[ "$known" -gt 0 ] && [ "$agree" -eq "$known" ]
tap_result "random shell files: every command line the reader computes equals sh's" $?
tap_done
