#!/bin/sh
# The files real systems carry, read by amdgpu-tune exactly as grub-mkconfig's sh and
# libkmod read them. Taken at test time from Debian 12's packages (bookworm, -updates and
# -security, through the private apt configuration of tests/apt.sh, whatever release the
# host runs: the archive's Contents lists say which packages ship them, as apt-file would,
# and apt-get download + dpkg-deb -x fetch them, cached outside the tree):
#   - grub2-common's /etc/default/grub template (what every Debian system carries);
#   - every /etc/default/grub.d/*.cfg a Debian package ships, each on top of the template;
#   - grub-cloud-amd64's /etc/default/grub;
#   - every modprobe.d file a Debian package ships, each alone and all together;
# plus the stock Ubuntu 22.04 and 24.04 defaults and the Ubuntu cloud image's drop-ins,
# written into tests/corpus/ubuntu/ from their published text.
# GRUB files are sourced by the real sh with grub-mkconfig's own sourcing code, cut out
# of the packaged /usr/sbin/grub-mkconfig, after its grub-mkconfig_lib; modprobe.d files
# are read by libkmod (tests/kmod-crosscheck). TAP output; needs the Debian archive (or
# the cache).
# Usage: check-corpus.sh AMDGPU_TUNE KMOD_CROSSCHECK
set -u
bin=$1 kcheck=$2
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
cache=${AMDGPU_TUNE_TEST_CACHE:-/var/tmp/amdgpu-tune-test-cache}/corpus
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
LC_ALL=C
export LC_ALL
mkdir -p "$cache/debs"

bail() {
	echo "Bail out! $*"
	echo "check-corpus: $*" >&2
	exit 1
}

command -v apt-get >/dev/null || bail "apt-get is needed to download the packages"
fail() { bail "$*"; }
. "$top_srcdir/tests/apt.sh"
papt_setup bookworm --contents bookworm bookworm-updates bookworm-security
papt_update
# Only the lines of the two kinds of file: all of them are about 670 MB.
papt_contents | grep -E '^(etc/default/grub\.d/|(etc|lib|usr/lib|usr/local/lib|run)/modprobe\.d/)' > "$work/contents"
[ -s "$work/contents" ] || bail "no grub.d or modprobe.d line in the Contents lists of $papt_suites"

# Which packages ship the files: a Contents line is the path (no leading /), blanks,
# then SECTION/PACKAGE[,SECTION/PACKAGE...].
search() { # EXTENDED-REGEX of the path, without its leading /
	awk -v re="$1" '{p = $0; sub(/[ \t]+[^ \t]+$/, "", p); if (p ~ re) {n = split($NF, a, ","); for (i = 1; i <= n; i++) {sub(/.*\//, "", a[i]); print a[i]}}}' \
		"$work/contents" | sort -u
}
grub_pkgs=$(search '^etc/default/grub\.d/[^/]*\.cfg$')
mp_pkgs=$(search '^(etc|lib|usr/lib|usr/local/lib|run)/modprobe\.d/[^/]*\.conf$')
if [ -z "$grub_pkgs" ] || [ -z "$mp_pkgs" ]; then
	bail "the Contents lists of $papt_suites name no package shipping grub.d or modprobe.d files"
fi

# Downloads (once) and unpacks a package's files into $cache/x/PKG.
fetch() {
	pkg=$1
	ver=$(papt apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ {print $2}')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || bail "no candidate version of $pkg in $papt_suites"
	key=$(printf '%s' "$ver" | tr ':/' '%_')
	dir=$cache/x/$pkg-$key
	if [ ! -f "$dir/.complete" ]; then
		dl=$cache/debs/$pkg-$key
		if ! ls "$dl"/*.deb >/dev/null 2>&1; then
			rm -rf "$dl" && mkdir -p "$dl"
			(cd "$dl" && papt apt-get download "$pkg=$ver" >/dev/null 2>&1) ||
				bail "apt-get download $pkg=$ver failed"
		fi
		rm -rf "$dir"
		mkdir -p "$dir"
		dpkg-deb -x "$(ls "$dl"/*.deb | head -n 1)" "$dir" || bail "dpkg-deb -x of $pkg failed"
		touch "$dir/.complete"
	fi
	echo "$dir"
}

gc=$(fetch grub-common) || exit 1
g2=$(fetch grub2-common) || exit 1
template=$g2/usr/share/grub/default/grub
[ -f "$template" ] || bail "grub2-common has no usr/share/grub/default/grub"
mkconfig=$gc/usr/sbin/grub-mkconfig
[ -f "$mkconfig" ] || bail "grub-common has no usr/sbin/grub-mkconfig"
# grub-mkconfig's own code that sources the defaults: from 'if test -f
# ${sysconfdir}/default/grub' to the end of the grub.d loop.
sed -n '/^if test -f \${sysconfdir}\/default\/grub ; then$/,/^done$/p' "$mkconfig" > "$work/source.sh"
grep -q 'default/grub.d/\*.cfg' "$work/source.sh" || bail "grub-mkconfig's sourcing code not found in $mkconfig"

i=0
failed=0
exact=0
total=0
result() { # name status
	i=$((i + 1))
	if [ "$2" -eq 0 ]; then echo "ok $i - $1"; else echo "not ok $i - $1"; failed=$((failed + 1)); fi
}

# The next-boot command line of normal entries as 10_linux builds it, from the real sh.
sh_cmdline() { # root
	(cd "$1" && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin sh -ec '
		pkgdatadir=$1/usr/share/grub
		. "$pkgdatadir/grub-mkconfig_lib"
		sysconfdir=$2/etc
		. "$3"
		l=${GRUB_CMDLINE_LINUX-}; d=${GRUB_CMDLINE_LINUX_DEFAULT-}
		if [ -n "$l" ] && [ -n "$d" ]; then printf "%s %s" "$l" "$d"; else printf "%s%s" "$l" "$d"; fi
	' sh "$gc" "$1" "$work/source.sh" 2>/dev/null) | od -An -c
}

tool_cmdline() { # root
	mkdir -p "$1/usr/sbin" && : > "$1/usr/sbin/update-grub"
	"$bin" --root "$1" --json detect --memory 1GiB 2>/dev/null |
		sed -n 's/.*"cmdline_next_boot":"\(\([^"\\]\|\\.\)*\)".*/\1/p' |
		sed 's/\\u000a/\n/g; s/\\"/"/g; s/\\\\/\\/g' | head -c -1 | od -An -c
}

grub_case() { # name root
	total=$((total + 1))
	want=$(sh_cmdline "$2")
	got=$(tool_cmdline "$2")
	st=1
	if [ -n "$got" ] || [ -z "$want" ]; then
		[ "$want" = "$got" ] && st=0
	fi
	# An empty command line is shown as "" in JSON: od prints nothing for both.
	if [ -z "$want" ] && "$bin" --root "$2" --json detect --memory 1GiB 2>/dev/null | grep -q '"cmdline_next_boot":null'; then
		st=1
	fi
	[ $st -eq 0 ] && exact=$((exact + 1))
	[ $st -eq 0 ] || printf '# sh:\n#%s\n# amdgpu-tune:\n#%s\n' "$want" "$got"
	result "GRUB: $1 read as grub-mkconfig's sh sources it" $st
}

new_root() { # name
	r=$work/roots/$1
	rm -rf "$r"
	mkdir -p "$r/etc/default/grub.d"
	echo "$r"
}

r=$(new_root debian-template)
cp "$template" "$r/etc/default/grub"
grub_case "Debian 12's etc/default/grub (grub2-common's template)" "$r"

# Debian's own grub-mkconfig beside update-grub: it sources etc/default/grub.d, so the
# drop-in is where our arguments go (an update-grub that runs a grub-mkconfig without
# that loop, as Manjaro's does, is no Debian GRUB: tests/golden/apply-manjaro-grub).
r=$(new_root debian-mkconfig)
cp "$template" "$r/etc/default/grub"
mkdir -p "$r/usr/sbin" && cp "$mkconfig" "$r/usr/sbin/grub-mkconfig" && : > "$r/usr/sbin/update-grub"
"$bin" --root "$r" --json detect --memory 1GiB 2>/dev/null | grep -q '"bootloader":"debian-grub"'
result "Debian 12's grub-mkconfig and update-grub: detected as debian-grub (it sources the drop-ins)" $?

for pkg in $grub_pkgs; do
	d=$(fetch "$pkg") || exit 1
	for f in "$d"/etc/default/grub.d/*.cfg; do
		[ -f "$f" ] || continue
		r=$(new_root "$pkg-${f##*/}")
		cp "$template" "$r/etc/default/grub"
		cp "$f" "$r/etc/default/grub.d/"
		grub_case "$pkg's etc/default/grub.d/${f##*/} on the template" "$r"
	done
done

d=$(fetch grub-cloud-amd64) || exit 1
r=$(new_root grub-cloud)
cp "$d/etc/default/grub" "$r/etc/default/grub"
grub_case "grub-cloud-amd64's etc/default/grub" "$r"

ub=$top_srcdir/tests/corpus/ubuntu
for rel in 22.04 24.04; do
	r=$(new_root "ubuntu-$rel")
	cp "$ub/$rel/grub" "$r/etc/default/grub"
	grub_case "Ubuntu $rel's stock etc/default/grub" "$r"
	r=$(new_root "ubuntu-$rel-cloud")
	cp "$ub/$rel/grub" "$r/etc/default/grub"
	cp "$ub/$rel"/grub.d/*.cfg "$r/etc/default/grub.d/"
	grub_case "Ubuntu $rel's cloud image (40-force-partuuid.cfg, 50-cloudimg-settings.cfg)" "$r"
done

# Every shipped drop-in together, in glob order, on the template.
r=$(new_root all)
cp "$template" "$r/etc/default/grub"
for pkg in $grub_pkgs; do
	d=$(fetch "$pkg") || exit 1
	cp "$d"/etc/default/grub.d/*.cfg "$r/etc/default/grub.d/" 2>/dev/null
done
grub_case "every Debian 12 drop-in together" "$r"
echo "# GRUB: $exact of $total files read exactly as sh reads them"
grub_exact=$exact grub_total=$total

# --- modprobe.d against libkmod ---
exact=0
total=0
all=$work/roots/modprobe-all
mkdir -p "$all"
for pkg in $mp_pkgs; do
	d=$(fetch "$pkg") || exit 1
	for f in $(cd "$d" && find etc lib usr/lib usr/local/lib run -path '*/modprobe.d/*.conf' 2>/dev/null | sort); do
		[ -f "$d/$f" ] || continue
		total=$((total + 1))
		r=$work/roots/mp-$pkg-${f##*/}
		mkdir -p "$r/${f%/*}" "$all/${f%/*}"
		cp "$d/$f" "$r/$f"
		cp "$d/$f" "$all/$f"
		out=$("$kcheck" "$r" 2>&1)
		st=$?
		[ $st -eq 0 ] && exact=$((exact + 1))
		[ $st -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /'
		result "modprobe.d: $pkg's /$f read as libkmod reads it" $st
	done
done
"$kcheck" "$all" > "$work/all.out" 2>&1
st=$?
[ $st -eq 0 ] || sed 's/^/# /' "$work/all.out"
result "modprobe.d: all $total files together read as libkmod reads them" $st
echo "# modprobe.d: $exact of $total files read exactly as libkmod reads them"
echo "# corpus: GRUB $grub_exact of $grub_total, modprobe.d $exact of $total read exactly"
echo "1..$i"
[ "$failed" -eq 0 ]
