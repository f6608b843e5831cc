#!/bin/sh
# The settings corpus (tests/settings/corpus.tsv): settings users posted in issue threads
# and guides, each put on a fake root with the GPU (its GC version in sysfs), RAM and
# Debian kernels the row names, on the command line (etc/default/grub) or in the
# modprobe.d file it names; 'amdgpu-tune detect' must print the row's verdict, or, for
# "-", no finding that names the setting. One TAP line per row. The kernels' metadata is
# synthetic (data/amdgpu-ttm-params-6.1-vs-6.12.tsv; 7.3 with 6.12's names): real
# modules are check-real's.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"
bin=$top_builddir/amdgpu-tune
corpus=$top_srcdir/tests/settings/corpus.tsv
LC_ALL=C
export LC_ALL
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One tree of kernels per line of Debian's, built once and copied into each root.
for k in 6.1:6.1.0-57-amd64:6.1 6.12:6.12.118+deb12-amd64:6.12 7.3:7.3.4+deb13-amd64:6.12; do
	name=${k%%:*} rest=${k#*:}
	make_kernel "$work/k-$name" "${rest%%:*}" "${rest#*:}" xz || { echo "Bail out! cannot build kernel $name"; exit 1; }
	mkdir -p "$work/k-$name/boot" && : > "$work/k-$name/boot/vmlinuz-${rest%%:*}"
done

grep -v '^#' "$corpus" | tail -n +2 > "$work/rows"
tap_plan "$(wc -l < "$work/rows")"
i=0
while IFS='	' read -r id gfx gc memory kernels file setting verdict source; do
	i=$((i + 1))
	root=$work/root-$i
	mkdir -p "$root/etc/default" "$root/etc/modprobe.d" "$root/usr/sbin" "$root/boot/grub"
	for k in $kernels; do
		cp -R "$work/k-$k/." "$root/"
	done
	printf '#!/bin/sh\nexec grub-mkconfig -o /boot/grub/grub.cfg "$@"\n' > "$root/usr/sbin/update-grub"
	chmod 755 "$root/usr/sbin/update-grub"
	: > "$root/boot/grub/grub.cfg"
	cmdline=quiet
	if [ "$file" = cmdline ]; then
		cmdline="quiet $setting"
		name=${setting%%=*}
	else
		mkdir -p "$root/${file%/*}"
		printf '%s\n' "$setting" > "$root/$file"
		set -- $setting
		name=$2.${3%%=*}
	fi
	printf 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="%s"\nGRUB_CMDLINE_LINUX=""\n' "$cmdline" > "$root/etc/default/grub"
	dev=$root/sys/bus/pci/devices/0000:c3:00.0
	mkdir -p "$dev/ip_discovery/die/0/GC/0" "$root/sys/bus/pci/drivers/amdgpu"
	echo 0x1002 > "$dev/vendor"
	echo 0x030000 > "$dev/class"
	echo 0x1586 > "$dev/device"
	IFS=. read -r maj min rev <<-GC
	$gc
	GC
	echo "$maj" > "$dev/ip_discovery/die/0/GC/0/major"
	echo "$min" > "$dev/ip_discovery/die/0/GC/0/minor"
	echo "$rev" > "$dev/ip_discovery/die/0/GC/0/revision"
	ln -s ../../../../bus/pci/drivers/amdgpu "$dev/driver"
	"$bin" --root "$root" detect --memory "$memory" > "$root.out" 2> "$root.err"
	what="$id: $setting on $gfx, $kernels ($source)"
	if [ "$verdict" = - ]; then
		if grep -F "$name" "$root.err" | grep -q 'warning\|error'; then
			tap_not_ok "$what: expected no finding"
			sed 's/^/# /' "$root.err"
		else
			tap_ok "$what: no finding"
		fi
	elif grep -qF "$verdict" "$root.err"; then
		tap_ok "$what: $verdict"
	else
		tap_not_ok "$what: expected '$verdict'"
		sed 's/^/# /' "$root.err"
	fi
	rm -rf "$root" "$root.out" "$root.err"
done < "$work/rows"
tap_done
