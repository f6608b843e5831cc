#!/usr/bin/python3
"""The Ansible modules' argument vectors and check mode, without Ansible (tests/ansible.sh).

The modules (ansible/plugins) are imported with a stand-in for AnsibleModule that runs
their commands for real: through a stand-in amdgpu-tune that records its arguments and
reads them with GNU getopt's rules, as the program does (permutation, "--" ends the
options, an option's argument is the next word), writing a file for every command that
would write; and through the real program on a fake root. Ensures that every argument
vector ends its options with "--" before a profile name, that check mode never runs a
command that writes, whatever the task's values, and that a value that cannot be a
profile name fails the task before anything runs.

Usage: modules.py SRCDIR AMDGPU-TUNE ROOT WORKDIR   (TAP on stdout)
"""
import importlib.util
import json
import os
import subprocess
import sys
import traceback
import types

src, real_tool, fake_root, work = sys.argv[1:5]
# The source tree stays as it is (read-only under make distcheck).
sys.dont_write_bytecode = True

# Profile names that read as options, or as the end of them.
HOSTILE = ["--", "--update", "-x", "-h", "--dry-run", "--discard-journal", "--root=/", "-"]
# And other things no profile is called.
INVALID = ["", "Strix", "../etc", "a b", "a\nb", "\x1b[31mred", "x" * 65, ".hidden"]

# ---- TAP ----
n = 0
failed = 0


def result(ok, what, detail=None):
    global n, failed
    n += 1
    if not ok:
        failed += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n, what))
    if not ok and detail is not None:
        lines = str(detail).splitlines() or [""]
        for line in lines[:20]:
            print("# " + line[:300])
        if len(lines) > 20:
            print("# ... (%d lines more)" % (len(lines) - 20))


def case(fn):
    """Runs a test function; an exception in it is a failed result with its traceback."""
    try:
        fn()
    except Exception:
        result(False, "%s: %s" % (fn.__name__, (fn.__doc__ or "").strip()), traceback.format_exc())
    return fn


# ---- a stand-in for ansible.module_utils.basic ----
class Exit(Exception):
    def __init__(self, failed, res):
        Exception.__init__(self, res.get("msg"))
        self.failed = failed
        self.res = res


class FakeAnsibleModule:
    """What the modules use of AnsibleModule. The task is set in FakeAnsibleModule.task
    before the module's main() runs; run_command runs the command (no shell)."""

    task = {}

    def __init__(self, argument_spec, supports_check_mode=False):
        t = FakeAnsibleModule.task
        unknown = set(t["params"]) - set(argument_spec)
        if unknown:
            raise AssertionError("unknown module options %s" % sorted(unknown))
        self.params = dict((k, v.get("default")) for k, v in argument_spec.items())
        self.params.update(t["params"])
        self.check_mode = t.get("check_mode", False)
        assert supports_check_mode or not self.check_mode
        self._diff = t.get("diff", False)
        self.warnings = []

    def get_bin_path(self, name, required=False, opt_dirs=None):
        assert name == "amdgpu-tune"
        return FakeAnsibleModule.task["tool"]

    def run_command(self, args, environ_update=None):
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            raise AssertionError("run_command takes an argument list, got %r" % (args,))
        env = dict(os.environ)
        env.update(environ_update or {})
        p = subprocess.run(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
        return p.returncode, p.stdout, p.stderr

    def fail_json(self, **kw):
        raise Exit(True, kw)

    def exit_json(self, **kw):
        raise Exit(False, kw)

    def warn(self, msg):
        self.warnings.append(msg)


def package(name):
    m = types.ModuleType(name)
    m.__path__ = []
    sys.modules[name] = m
    return m


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    m = importlib.util.module_from_spec(spec)
    sys.modules[name] = m
    spec.loader.exec_module(m)
    return m


# The stand-ins take the place of an installed Ansible, if there is one.
for name in ("ansible", "ansible.module_utils", "ansible_collections", "ansible_collections.amdgpu",
             "ansible_collections.amdgpu.tune", "ansible_collections.amdgpu.tune.plugins",
             "ansible_collections.amdgpu.tune.plugins.module_utils"):
    package(name)
basic = types.ModuleType("ansible.module_utils.basic")
basic.AnsibleModule = FakeAnsibleModule
sys.modules["ansible.module_utils.basic"] = basic
utils = load("ansible_collections.amdgpu.tune.plugins.module_utils.amdgpu_tune",
             os.path.join(src, "ansible/plugins/module_utils/amdgpu_tune.py"))
tune = load("amdgpu_tune_module", os.path.join(src, "ansible/plugins/modules/amdgpu_tune.py"))
info = load("amdgpu_tune_info_module", os.path.join(src, "ansible/plugins/modules/amdgpu_tune_info.py"))

# ---- the stand-in program ----
calls = os.path.join(work, "calls")
written = os.path.join(work, "written")
fake = os.path.join(work, "fake-amdgpu-tune")
with open(fake, "w") as f:
    f.write("#!" + sys.executable + "\n" + r'''
# amdgpu-tune's command line read with GNU getopt's rules (src/main.c: getopt_long,
# ":qvhV"); records each call; a command that writes without --dry-run "writes".
import getopt, json, os, sys
longopts = ["root=", "json", "kernel=", "memory=", "force", "dry-run", "no-update", "update",
            "discard-journal", "kernel-log=", "auto", "strict", "quiet", "verbose", "help", "version"]
rec = {"argv": sys.argv[1:]}
try:
    opts, args = getopt.gnu_getopt(sys.argv[1:], "qvhV", longopts)
except getopt.GetoptError as e:
    rec["error"] = str(e)
    opts, args = [], []
rec["opts"], rec["args"] = opts, args
with open(os.environ["FAKE_CALLS"], "a") as f:
    f.write(json.dumps(rec) + "\n")
names = [o for o, v in opts]
if "error" in rec or not args:
    print(json.dumps({"errors": ["usage"], "warnings": []}))
    sys.exit(2)
if "--help" in names or "-h" in names:
    print("Usage: amdgpu-tune [OPTIONS] COMMAND [ARGS]")
    sys.exit(0)
verb, operands = args[0], args[1:]
dry = "--dry-run" in names
if verb in ("apply", "reapply", "rollback", "remove") and not dry:
    with open(os.environ["FAKE_WRITTEN"], "a") as f:
        f.write(json.dumps(args) + "\n")
doc = {"errors": [], "warnings": []}
if verb == "detect":
    doc["gpus"] = [{"pci": "0000:03:00.0", "profile": p} for p in json.loads(os.environ.get("FAKE_DETECT", "[]"))]
elif verb in ("apply", "remove", "rollback", "reapply"):
    doc.update(changed=True, dry_run=dry, files=[], commands=[], commands_ran=False,
               reboot_required=False, snapshot=None if dry else 1)
elif verb == "diff":
    doc.update(profile=operands[0] if operands else None, settings=[])
elif verb == "status":
    doc.update(profile=None, status=None)
print(json.dumps(doc))
''')
os.chmod(fake, 0o755)
os.environ["FAKE_CALLS"] = calls
os.environ["FAKE_WRITTEN"] = written


def reset():
    for p in (calls, written):
        if os.path.exists(p):
            os.unlink(p)


def recorded():
    if not os.path.exists(calls):
        return []
    with open(calls) as f:
        return [json.loads(line) for line in f]


def nothing_written():
    return not os.path.exists(written)


def run(module, params, check_mode=False, tool=fake, detect=None):
    """Runs module's main() for a task; returns (failed, result)."""
    FakeAnsibleModule.task = {"params": params, "check_mode": check_mode, "tool": tool}
    os.environ["FAKE_DETECT"] = json.dumps(detect or [])
    try:
        module.main()
    except Exit as e:
        return e.failed, e.res
    raise AssertionError("main() returned without exit_json or fail_json")


def ends_options(rec, operands):
    """The call's argv ends with "--" and then exactly operands, and getopt read them
    as operands."""
    argv = rec["argv"]
    k = len(argv) - len(operands) - 1
    return k >= 0 and argv[k] == "--" and argv[k + 1:] == operands and rec["args"][1:] == operands


def is_dry(rec):
    return "--dry-run" in [o for o, v in rec["opts"]]


def verbs(recs):
    return [r["args"][0] if r.get("args") else None for r in recs]


def fake_module(check_mode):
    m = FakeAnsibleModule.__new__(FakeAnsibleModule)
    m.check_mode = check_mode
    return m


# ---- the amdgpu_tune module, with the stand-in program ----
def module_rejects(mode):
    what = "check mode" if mode else "normal mode"
    bad = []
    for x in HOSTILE + INVALID[1:]:
        for params in ({"profile": x}, {"profile": x, "memory": "64GiB", "root": "/srv/img", "force": True}):
            reset()
            failed_, res = run(tune, params, check_mode=mode)
            msg = res.get("msg", "")
            if not failed_ or not msg.startswith("profile %s is not a profile name" % json.dumps(x[:80])) or \
                    "\n" in msg or "\x1b" in msg:
                bad.append("%r: %r %r" % (x, res, recorded()))
            elif recorded() or not nothing_written():
                bad.append("%r: the program ran: %r" % (x, recorded()))
    result(not bad, "amdgpu_tune, %s: profile --, --update, -x, -h, ... and other non-names fail the task with a "
           "clear message (control characters escaped); the program never runs, nothing written" % what,
           "\n".join(bad))


def module_rejects_matched(mode):
    what = "check mode" if mode else "normal mode"
    bad = []
    for x in HOSTILE + INVALID[1:]:
        reset()
        failed_, res = run(tune, {"auto": True}, check_mode=mode, detect=[x])
        r = recorded()
        if not failed_ or "is not a profile name" not in res.get("msg", "") or verbs(r) != ["detect"] or \
                not ends_options(r[0], []) or not nothing_written():
            bad.append("%r: %r %r" % (x, res, r))
    result(not bad, "amdgpu_tune auto, %s: a matched profile that is no profile name fails the task; "
           "only detect ran" % what, "\n".join(bad))


for mode in (True, False):
    case(lambda: module_rejects(mode))
    case(lambda: module_rejects_matched(mode))


@case
def check_mode_values():
    """values that look like options"""
    reset()
    failed_, res = run(tune, {"profile": "strix-halo", "memory": "--update", "root": "--dry-run", "update": False},
                       check_mode=True)
    r = recorded()
    ok = not failed_ and verbs(r) == ["apply", "diff"] and all(ends_options(c, ["strix-halo"]) for c in r) and \
        is_dry(r[0]) and nothing_written() and \
        ("--memory", "--update") in [tuple(o) for o in r[0]["opts"]] and \
        ("--root", "--dry-run") in [tuple(o) for o in r[0]["opts"]] and \
        "--update" not in [o for o, v in r[0]["opts"]] and res.get("changed") is True
    result(ok, "amdgpu_tune, check mode: apply --dry-run -- strix-halo, then diff -- strix-halo; memory and root "
           "values that look like options are read as their values; nothing written", json.dumps([res] + r, indent=1))


def check_mode_task(params):
    reset()
    failed_, res = run(tune, params, check_mode=True, detect=["strix-halo"])
    r = recorded()
    writing = [c for c in r if c["args"][0] in ("apply", "reapply", "rollback", "remove")]
    ok = not failed_ and len(writing) == 1 and all(is_dry(c) for c in writing) and nothing_written() and \
        all(c["argv"][-1 - len(c["args"][1:])] == "--" for c in r) and \
        set(verbs(r)) <= set(["detect", "diff", "status", "apply", "remove"])
    result(ok, "amdgpu_tune, check mode, %s: every command ends its options with '--', the one that writes has "
           "--dry-run, nothing written" % json.dumps(params, sort_keys=True), json.dumps([res] + r, indent=1))


for params in ({"profile": "strix-halo"}, {"auto": True}, {"state": "absent"},
               {"profile": "rdna2", "root": "/srv/img", "force": True, "memory": "32GiB"}):
    case(lambda: check_mode_task(params))


@case
def normal_mode_writes():
    """normal mode"""
    # The stand-in's "written" file, which the cases above look at, is written.
    reset()
    failed_, res = run(tune, {"profile": "strix-halo", "update": False})
    r = recorded()
    ok = not failed_ and verbs(r) == ["apply", "diff"] and not is_dry(r[0]) and not nothing_written() and \
        r[0]["argv"] == ["--json", "apply", "--no-update", "--", "strix-halo"]
    result(ok, "amdgpu_tune, normal mode: apply --no-update -- strix-halo runs, and writes",
           json.dumps([res] + r, indent=1))


@case
def info_module():
    """amdgpu_tune_info"""
    bad = []
    for mode in (False, True):
        reset()
        failed_, res = run(info, {"memory": "--force", "root": "/srv/img"}, check_mode=mode)
        r = recorded()
        if failed_ or verbs(r) != ["detect", "status"] or not all(ends_options(c, []) for c in r) or \
                ("--memory", "--force") not in [tuple(o) for o in r[0]["opts"]] or not nothing_written():
            bad.append(json.dumps([res] + r))
    result(not bad, "amdgpu_tune_info, both modes: detect and status only, each ending its options with '--'; "
           "a memory value that looks like an option is read as the value", "\n".join(bad))


# ---- the argument vectors, as module_utils builds them ----
def operands_after_dashdash(mode):
    what = "check mode" if mode else "normal mode"
    bad = []
    for x in HOSTILE + INVALID:
        reset()
        try:
            # rollback's operand is an id, check's a profile name or a file: the module
            # checks neither, so they reach the program - after "--".
            for verb in ("rollback", "check"):
                utils.run_json(fake_module(mode), fake, verb, [], [x])
        except Exit as e:
            bad.append("%r: %s" % (x, e.res.get("msg")))
            continue
        r = recorded()
        if len(r) != 2 or not all(ends_options(c, [x]) for c in r):
            bad.append("%r: %r" % (x, r))
        elif mode and not is_dry(r[0]):
            bad.append("%r: rollback without --dry-run: %r" % (x, r[0]["argv"]))
        elif mode and not nothing_written():
            bad.append("%r: written" % x)
    result(not bad, "run_json, %s: an operand that reads as an option (--, --update, -x, -h, ...) comes after '--', "
           "the program reads it as an operand%s" % (what, "; rollback has --dry-run, nothing written" if mode else ""),
           "\n".join(bad))


for mode in (True, False):
    case(lambda: operands_after_dashdash(mode))


@case
def profile_operands():
    """tool_argv and profile operands"""
    bad = []
    for x in HOSTILE + INVALID:
        for verb in ("apply", "diff", "show"):
            try:
                utils.tool_argv(fake, verb, [], [x])
                bad.append("%s %r accepted" % (verb, x))
            except ValueError:
                pass
    for x in ("strix-halo", "rdna2", "0", "a._-z", "x" * 64):
        argv = utils.tool_argv("/t", "apply", ["--force"], [x], "/r", True)
        if argv != ["/t", "--json", "--root=/r", "apply", "--force", "--dry-run", "--", x]:
            bad.append("%r: %r" % (x, argv))
    result(not bad, "tool_argv: a profile operand must be a profile name ([a-z0-9][a-z0-9._-]*, 1-64 characters); "
           "a valid one follows '--' and, in check mode, --dry-run", "\n".join(bad))


@case
def options_are_options():
    """tool_argv and options"""
    bad = []
    for verb, opts in (("apply", ["64GiB"]), ("apply", ["--"]), ("apply", ["-x"]), ("frobnicate", []),
                       ("--update", [])):
        try:
            utils.tool_argv(fake, verb, opts, [])
            bad.append("%s %r accepted" % (verb, opts))
        except ValueError:
            pass
    result(not bad, "tool_argv: an option that is not one '--name[=value]' word, or an unknown command, is refused",
           "\n".join(bad))


@case
def guard():
    """run_json's guard"""
    # An argument vector that would write in check mode is never run, whoever built it.
    bad = []
    saved = utils.tool_argv
    try:
        for argv in (["T", "--json", "apply", "--", "x"], ["T", "--json", "apply", "x"],
                     ["T", "--json", "remove", "--update"], ["T", "--json", "apply", "--", "--dry-run"],
                     ["T", "--json", "--dry-run", "--", "apply"]):
            reset()
            utils.tool_argv = lambda *a, argv=argv: [fake] + argv[1:]
            try:
                utils.run_json(fake_module(True), fake, "apply", [], [])
                bad.append("%r was run" % (argv,))
            except Exit as e:
                if not e.failed or not e.res["msg"].startswith("refusing to run amdgpu-tune") or recorded():
                    bad.append("%r: %r, %r" % (argv, e.res, recorded()))
    finally:
        utils.tool_argv = saved
    ok = utils.argv_is_safe(["T", "--json", "--root=/r", "apply", "--dry-run", "--", "x"], True) and \
        utils.argv_is_safe(["T", "--json", "apply", "--", "x"], False) and \
        utils.argv_is_safe(["T", "--json", "status", "--"], True)
    result(not bad and ok, "run_json refuses to run, in check mode, a writing command without --dry-run before '--' "
           "(or any argv without '--')", "\n".join(bad))


# ---- the real program, on a fake root ----
def stamp(root):
    """Every path with its inode, mtime and size, but amdgpu-tune's cache and lock."""
    out = []
    for d, dirs, files in os.walk(root):
        rel = os.path.relpath(d, root)
        if rel == "var/cache":
            dirs[:] = []
            continue
        for f in sorted(files):
            p = os.path.join(d, f)
            if os.path.relpath(p, root) == "var/lib/amdgpu-tune/lock":
                continue
            st = os.lstat(p)
            out.append((os.path.relpath(p, root), st.st_ino, st.st_mtime_ns, st.st_size))
        out.append((rel + "/",))
    return sorted(x for x in out if x != ("var/lib/amdgpu-tune/",))


wrapper = os.path.join(work, "real-amdgpu-tune")
with open(wrapper, "w") as f:
    f.write("#!/bin/sh\nexec %s \"$@\"\n" % real_tool)
os.chmod(wrapper, 0o755)
frag = os.path.join(fake_root, "etc/modprobe.d/90-amdgpu-tune.conf")
before = stamp(fake_root)


@case
def real_check_mode():
    """the real program, check mode"""
    failed_, res = run(tune, {"profile": "strix-halo", "root": fake_root, "update": False}, check_mode=True,
                       tool=wrapper)
    ok = not failed_ and res.get("changed") is True and res.get("snapshot") is None and \
        stamp(fake_root) == before and \
        any(f["path"] == "etc/modprobe.d/90-amdgpu-tune.conf" for f in res.get("files", []))
    result(ok, "the real program, check mode: apply --dry-run -- strix-halo on a fake root plans the modprobe.d "
           "file, the tree is unchanged", json.dumps(res, indent=1))
    failed_, res = run(tune, {"profile": "--update", "root": fake_root}, check_mode=True, tool=wrapper)
    result(failed_ and stamp(fake_root) == before, "the real program, check mode: profile --update fails the task, "
           "the tree is unchanged", json.dumps(res))


@case
def real_operands():
    """the real program and '--'"""
    bad = []
    for x in ("--update", "-h", "--dry-run", "--"):
        rc, doc, argv, err = utils.run_json(fake_module(False), wrapper, "check", [], [x], root=fake_root)
        if rc != 2 or not any(x in e for e in doc.get("errors", [])):
            bad.append("%r: exit %d, %r" % (x, rc, doc))
    result(not bad and stamp(fake_root) == before, "the real program reads what follows '--' as an operand "
           "(check -- --update: no such profile, exit 2)", "\n".join(bad))


@case
def real_normal_mode():
    """the real program, normal mode"""
    failed_, res = run(tune, {"profile": "strix-halo", "root": fake_root, "update": False}, tool=wrapper)
    ok = not failed_ and res.get("changed") is True and res.get("snapshot") == 1 and os.path.exists(frag)
    failed2, res2 = run(tune, {"state": "absent", "root": fake_root, "update": False}, check_mode=True, tool=wrapper)
    ok2 = not failed2 and res2.get("changed") is True and os.path.exists(frag)
    result(ok and ok2, "the real program, normal mode: strix-halo applied (snapshot 1); state=absent in check mode "
           "would remove it and leaves it", json.dumps([res, res2], indent=1))


print("1..%d" % n)
sys.exit(1 if failed else 0)
