#!/usr/bin/python3
"""Writes tests/unit/staged-vectors.h: run/ostree/staged-deployment files as libostree
writes them (a GVariantBuilder of type a{sv}: "target", optional "locked",
"merge-deployment", "kargs", "overlay-initrds"), serialized by GLib itself through
PyGObject (python3-gi). Run it again to check the header: make check does (staged.sh).
With --file OUT [--locked] ARG...: one such file with those kernel arguments (the golden
cases' run/ostree/staged-deployment)."""
import sys
from gi.repository import GLib


def dep(name):
    return GLib.Variant("a{sv}", {"name": GLib.Variant("s", name),
                                  "osname": GLib.Variant("s", "fedora"),
                                  "bootcsum": GLib.Variant("s", "ab" * 32)})


def staged(kargs, locked=None, merge=True):
    b = GLib.VariantBuilder.new(GLib.VariantType.new("a{sv}"))
    b.add_value(GLib.Variant("{sv}", ("target", dep("c" * 64 + ".0"))))
    if locked is not None:
        b.add_value(GLib.Variant("{sv}", ("locked", GLib.Variant("b", locked))))
    if merge:
        b.add_value(GLib.Variant("{sv}", ("merge-deployment", dep("d" * 64 + ".1"))))
    if kargs is not None:
        b.add_value(GLib.Variant("{sv}", ("kargs", GLib.Variant("as", kargs))))
        b.add_value(GLib.Variant("{sv}", ("overlay-initrds", GLib.Variant("as", ["e" * 64]))))
    return b.end().get_data_as_bytes().get_data()


CASES = [
    ("small", ["rhgb", "quiet"], None, False),
    ("fedora", ["rhgb", "quiet", "root=UUID=1234-abcd", "rootflags=subvol=root", "rw",
                "amdgpu.gttsize=126976"], None, True),
    ("locked", ["quiet"], True, True),
    ("unlocked", ["quiet"], False, True),
    ("no_kargs", None, None, True),
    ("empty_kargs", [], None, True),
    ("big", ["arg%d=%s" % (i, "x" * 40) for i in range(40)], None, True),
]

if len(sys.argv) > 2 and sys.argv[1] == "--file":
    locked = len(sys.argv) > 3 and sys.argv[3] == "--locked"
    args = sys.argv[4:] if locked else sys.argv[3:]
    with open(sys.argv[2], "wb") as f:
        f.write(staged(args, True if locked else None, True))
    sys.exit(0)

out = ["/* Made by tests/staged/vectors.py with GLib's own serializer: do not edit. */"]
for name, kargs, locked, merge in CASES:
    data = staged(kargs, locked, merge)
    out.append("static const unsigned char vec_%s[] = {" % name)
    for i in range(0, len(data), 12):
        out.append("\t" + " ".join("0x%02x," % b for b in data[i:i + 12]))
    out.append("};")
sys.stdout.write("\n".join(out) + "\n")
