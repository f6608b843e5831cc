# -*- coding: utf-8 -*-
# Shared by the amdgpu_tune and amdgpu_tune_info modules: runs the amdgpu-tune binary
# installed on the target with --json (an argument list, never a shell) and returns
# the one JSON document it prints on every exit, success or failure.
#
# Every argument vector ends its options with "--" before the operands (a profile name),
# so that no value given to a task can read as an option, and in check mode a command
# that writes always carries --dry-run: tool_argv() builds them, run_json() refuses to run
# one that breaks either rule.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

# The exit codes of amdgpu-tune(8).
EXIT_MEANING = {
    1: "differs",
    2: "usage error or invalid/unsafe input, nothing changed",
    3: "insufficient privileges, nothing changed",
    4: "failed, previous configuration intact",
    5: "failed after a partial change that recovery could not undo",
}


def find_tool(module):
    """The amdgpu-tune binary on the target (sbin is not on every PATH)."""
    return module.get_bin_path(
        "amdgpu-tune", required=True, opt_dirs=["/usr/sbin", "/usr/local/sbin", "/sbin"]
    )


# The commands of amdgpu-tune(8): those that only read, and those that write unless
# given --dry-run. Any other is refused.
READ_ONLY_VERBS = ("detect", "profiles", "show", "check", "diff", "status", "snapshots")
WRITING_VERBS = ("apply", "reapply", "rollback", "remove")
# The commands whose operand is a profile name.
PROFILE_VERBS = ("apply", "diff", "show")

# A profile name, as the program's profile_name_is_valid() (src/profile.c) accepts it.
PROFILE_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}\Z")


def profile_name_is_valid(name):
    """True when name can be a profile name: [a-z0-9][a-z0-9._-]*, 1 to 64 characters."""
    try:
        return PROFILE_NAME.match(name) is not None
    except TypeError:
        return False


def quoted(s, limit=80):
    """s for a message: in double quotes, with JSON's escapes for control and non-ASCII
    characters, cut after limit characters."""
    text = "%s" % (s,)
    cut = text[:limit]
    return json.dumps(cut) + ("..." if len(text) > limit else "")


def check_profile_name(module, name, what="profile"):
    """Fails the task when name cannot be a profile name (what says where it came from)."""
    if not profile_name_is_valid(name):
        module.fail_json(
            msg="%s %s is not a profile name ([a-z0-9][a-z0-9._-]*, at most 64 characters); "
            "nothing changed" % (what, quoted(name))
        )


def tool_argv(tool, verb, options=(), operands=(), root=None, check_mode=False):
    """amdgpu-tune --json [--root=ROOT] VERB OPTIONS... [--dry-run] -- OPERANDS...

    Every option is one "--name" or "--name=value" element, so that a value is never
    read as an option; "--" ends the options, so that no operand is. In check mode a
    writing verb gets --dry-run. Raises ValueError for an unknown verb, an option that is
    not one, or a profile operand that is no profile name."""
    if verb not in READ_ONLY_VERBS + WRITING_VERBS:
        raise ValueError("unknown amdgpu-tune command %s" % quoted(verb))
    options = list(options)
    for o in options:
        if not o.startswith("--") or o == "--":
            raise ValueError("%s is not a long option" % quoted(o))
    for name in operands if verb in PROFILE_VERBS else ():
        if not profile_name_is_valid(name):
            raise ValueError("%s is not a profile name" % quoted(name))
    if check_mode and verb in WRITING_VERBS and "--dry-run" not in options:
        options.append("--dry-run")
    argv = [tool, "--json"]
    if root:
        argv.append("--root=" + root)
    return argv + [verb] + options + ["--"] + list(operands)


def argv_is_safe(argv, check_mode):
    """True when argv ends its options with "--" after a known verb, and, in check mode,
    names a command that only reads or carries --dry-run among its options."""
    if "--" not in argv:
        return False
    opts = argv[1 : argv.index("--")]
    verbs = [a for a in opts if not a.startswith("-")]
    if len(verbs) != 1 or verbs[0] not in READ_ONLY_VERBS + WRITING_VERBS:
        return False
    return not check_mode or verbs[0] in READ_ONLY_VERBS or "--dry-run" in opts


def run_json(module, tool, verb, options=(), operands=(), root=None):
    """Runs amdgpu-tune --json [--root=ROOT] VERB OPTIONS... -- OPERANDS... (with
    --dry-run in check mode for a writing verb); returns (rc, document, argv, stderr).
    Fails the task when the output is not one JSON object."""
    try:
        argv = tool_argv(tool, verb, options, operands, root, module.check_mode)
    except ValueError as e:
        module.fail_json(msg="refusing to run amdgpu-tune %s: %s; nothing changed" % (verb, e))
    # What check mode rests on, whatever built argv: in check mode it never writes.
    if not argv_is_safe(argv, module.check_mode):
        module.fail_json(
            msg="refusing to run amdgpu-tune with %s; nothing changed" % " ".join(quoted(a) for a in argv[1:]),
            cmd=argv,
        )
    rc, out, err = module.run_command(argv, environ_update={"LC_ALL": "C"})
    try:
        doc = json.loads(out)
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        module.fail_json(
            msg="amdgpu-tune printed no JSON document (exit %d): %s"
            % (rc, (err or out or "no output").strip()),
            rc=rc,
            cmd=argv,
            stderr=err,
        )
    return rc, doc, argv, err


def fail_from(module, rc, doc, argv, err, **extra):
    """Fails the task with amdgpu-tune's own error lines and its exit code."""
    errors = doc.get("errors") or []
    msg = "; ".join(errors) if errors else (err or "").strip()
    if not msg:
        msg = "amdgpu-tune exited %d" % rc
    meaning = EXIT_MEANING.get(rc)
    module.fail_json(
        msg=msg,
        rc=rc,
        exit_meaning=meaning,
        errors=errors,
        tool_warnings=doc.get("warnings") or [],
        cmd=argv,
        **extra
    )


def warn_all(module, doc):
    for w in doc.get("warnings") or []:
        module.warn(w)
