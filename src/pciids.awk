# Turns data/amd-pci-ids.tsv (device id, chip, family, gfx target, GC version, name) into
# the table gpu.c looks ids up in.
BEGIN { FS = "\t"; print "/* Generated from data/amd-pci-ids.tsv by src/pciids.awk. */"
	print "#include \"gpu.h\""; print "const struct gpu_id gpu_id_table[] = {" }
NR > 1 && $1 ~ /^0x[0-9a-f]+$/ {
	gc = $5; sub(/^GC /, "", gc); split(gc, v, ".")
	printf "\t{ %s, \"%s\", \"%s\", %d, %d, %d },\n", $1, $3, $4, v[1], v[2], v[3]
}
END { print "};"; print "const size_t gpu_id_table_len = sizeof(gpu_id_table) / sizeof(gpu_id_table[0]);" }
