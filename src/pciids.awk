# Turns data/amd-gc-gfx.tsv (GC IP version -> gfx target, from kfd_device.c) and
# data/amd-pci-ids.tsv (device id, chip, family, gfx target, GC version, name) into the
# tables gpu.c looks up. GC -> gfx has one home, amd-gc-gfx.tsv: a PCI id row whose gfx
# target disagrees with it, or whose GC version it lacks, fails the build.
# Usage: awk -f pciids.awk amd-gc-gfx.tsv amd-pci-ids.tsv
BEGIN { FS = "\t"; print "/* Generated from data/amd-gc-gfx.tsv and data/amd-pci-ids.tsv by src/pciids.awk. */"
	print "#include \"gpu.h\"" }
function gc_split(s, v) { sub(/^GC /, "", s); return split(s, v, ".") == 3 }
FNR == 1 { file++ }
file == 1 && FNR > 1 {
	if (!gc_split($1, v) || $2 !~ /^gfx[0-9a-f]+$/) { print "amd-gc-gfx.tsv:" FNR ": bad row" > "/dev/stderr"; bad = 1; next }
	key = v[1] "." v[2] "." v[3]
	if (key in gfx) { print "amd-gc-gfx.tsv:" FNR ": GC " key " twice" > "/dev/stderr"; bad = 1 }
	gfx[key] = $2
	gc_rows = gc_rows sprintf("\t{ %d, %d, %d, \"%s\" },\n", v[1], v[2], v[3], $2)
}
file == 2 && FNR > 1 && $1 ~ /^0x[0-9a-f]+$/ {
	if (!gc_split($5, v)) { print "amd-pci-ids.tsv:" FNR ": bad GC version" > "/dev/stderr"; bad = 1; next }
	key = v[1] "." v[2] "." v[3]
	if (!(key in gfx)) { print "amd-pci-ids.tsv:" FNR ": GC " key " is not in amd-gc-gfx.tsv" > "/dev/stderr"; bad = 1 }
	else if (gfx[key] != $4) { print "amd-pci-ids.tsv:" FNR ": " $1 " says " $4 " for GC " key ", amd-gc-gfx.tsv says " gfx[key] > "/dev/stderr"; bad = 1 }
	id_rows = id_rows sprintf("\t{ %s, \"%s\", \"%s\", %d, %d, %d },\n", $1, $3, $4, v[1], v[2], v[3])
}
END {
	if (bad) exit 1
	print "const struct gpu_gc gpu_gc_table[] = {"; printf "%s", gc_rows; print "};"
	print "const size_t gpu_gc_table_len = sizeof(gpu_gc_table) / sizeof(gpu_gc_table[0]);"
	print "const struct gpu_id gpu_id_table[] = {"; printf "%s", id_rows; print "};"
	print "const size_t gpu_id_table_len = sizeof(gpu_id_table) / sizeof(gpu_id_table[0]);"
}
