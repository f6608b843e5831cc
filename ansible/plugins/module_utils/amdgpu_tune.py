# -*- coding: utf-8 -*-
# Shared by the amdgpu_tune and amdgpu_tune_info modules: runs the amdgpu-tune binary
# installed on the target with --json (an argument list, never a shell) and returns
# the one JSON document it prints on every exit, success or failure.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

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


def run_json(module, tool, args, root=None):
    """Runs amdgpu-tune --json [--root ROOT] ARGS; returns (rc, document, argv, stderr).
    Fails the task when the output is not one JSON object."""
    argv = [tool, "--json"]
    if root:
        argv += ["--root", root]
    argv += list(args)
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
