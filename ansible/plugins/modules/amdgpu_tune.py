#!/usr/bin/python
# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: amdgpu_tune
short_description: Apply or remove an amdgpu-tune profile of AMD GPU kernel settings
version_added: "0.1.0"
description:
  - Applies a named amdgpu-tune profile (amdgpu and ttm module options, GTT size, IOMMU
    settings) to the target, or removes amdgpu-tune's settings, through the amdgpu-tune
    program installed there. Every value is planned for the target's RAM and checked
    against each installed kernel's own module metadata by the program; this module
    only passes its parameters on and reports its JSON output.
  - The program writes the GRUB and modprobe.d drop-ins, keeps a rollback snapshot and
    runs update-grub and update-initramfs. The change takes effect at the next boot;
    I(reboot_required) says when one is needed. This module never reboots.
  - In check mode the program plans without writing (C(apply --dry-run)); I(changed),
    I(reboot_required), the files and the commands are exactly what the real run then
    reports. In diff mode each file's whole contents before and after are returned.
    In check mode the module runs only commands that read or carry C(--dry-run), and
    refuses to run any other.
  - A drop-in edited by hand since amdgpu-tune wrote it is not overwritten; the task
    fails with the program's message unless I(force=true).
author:
  - amdgpu-tune authors (!UNKNOWN)
requirements:
  - amdgpu-tune installed on the target (the Debian package, or make install)
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: posix
options:
  profile:
    description:
      - The profile to apply (as C(amdgpu-tune profiles) lists them), for
        I(state=present). Mutually exclusive with I(auto).
      - A profile name is C([a-z0-9][a-z0-9._-]*), at most 64 characters; another value
        (C(--update), C(-h)) fails the task before anything runs. The name is passed
        after C(--), never as an option.
    type: str
  auto:
    description:
      - Apply the profile that matches the target's AMD GPU, as C(amdgpu-tune detect)
        names it. On a target without one the task does nothing (C(changed=false),
        I(profile) null) and says so in I(msg). GPUs matching different profiles fail
        the task; name one with I(profile).
    type: bool
    default: false
  state:
    description:
      - C(present) applies the profile (C(amdgpu-tune apply)); C(absent) takes every
        setting amdgpu-tune wrote away (C(amdgpu-tune remove), a snapshot first).
    type: str
    choices: [present, absent]
    default: present
  memory:
    description:
      - The RAM to plan for (for example C(128GiB)), for a I(root) without proc/meminfo.
        On a running system a size other than its own is refused unless I(force=true).
        Not used by I(state=absent).
    type: str
  force:
    description:
      - Accept what the program refuses by default (a hand-edited drop-in, a I(memory)
        of another machine, an over-long command line); its error names it.
    type: bool
    default: false
  update:
    description:
      - Regenerate the boot files (update-grub, update-initramfs). With I(root) they run
        inside that tree (chroot), and only when the tree and its tools are root-owned.
        C(false) writes the drop-ins only; I(commands) lists what to run.
    type: bool
    default: true
  root:
    description:
      - Operate on the tree at this path (an image being built) instead of C(/).
    type: path
notes:
  - Run with become; the program exits 3 without the privileges to write.
  - The program's manual page, amdgpu-tune(8), installed with it, says what each
    setting does and every exit code.
seealso:
  - module: amdgpu.tune.amdgpu_tune_info
"""

EXAMPLES = r"""
- name: Strix Halo boxes get 75% of RAM as GTT
  amdgpu.tune.amdgpu_tune:
    profile: strix-halo
  become: true
  register: tune

- name: Whatever profile matches each host's GPU (hosts without one are left alone)
  amdgpu.tune.amdgpu_tune:
    auto: true
  become: true

- name: An image tree without proc/meminfo, planned for 128 GiB
  amdgpu.tune.amdgpu_tune:
    profile: strix-halo
    root: /srv/images/node
    memory: 128GiB
  become: true

- name: Take amdgpu-tune's settings away again
  amdgpu.tune.amdgpu_tune:
    state: absent
  become: true
"""

RETURN = r"""
changed:
  description: Whether a file changed (check mode - would change).
  returned: always
  type: bool
profile:
  description: The profile applied (the matched one with I(auto)); null for I(state=absent)
    and when I(auto) found no matching GPU.
  returned: always
  type: str
  sample: strix-halo
reboot_required:
  description: Whether a boot setting changed, so the next boot differs (check mode - would).
  returned: always
  type: bool
snapshot:
  description: The id of the rollback snapshot this run made (C(amdgpu-tune rollback ID)
    restores it); null when nothing was written.
  returned: always
  type: int
files:
  description: The files written or removed, relative to the root.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The file, relative to the root.
      type: str
    action:
      description: C(write) or C(remove).
      type: str
    diff:
      description: The unified diff of the change.
      type: str
commands:
  description: The regeneration commands for this change (run unless I(update=false)).
  returned: always
  type: list
  elements: str
  sample: ["update-grub", "update-initramfs -u -k all"]
commands_ran:
  description: Whether the commands ran.
  returned: always
  type: bool
settings:
  description: For I(state=present), every setting of the profile after this run, as
    C(amdgpu-tune diff PROFILE --json) reports it (check mode - before it).
  returned: when state is present and a profile was applied
  type: list
  elements: dict
  contains:
    name:
      description: C(module.param) or a bare kernel parameter.
      type: str
    where:
      description: C(cmdline) or C(modprobe).
      type: str
    wanted:
      description: The value the profile plans.
      type: str
    next_boot:
      description: The value the next boot gets from the configuration on disk (null - unset).
      type: str
    next_boot_source:
      description: The file that decides it.
      type: str
    running:
      description: The value of the running kernel (null - unset or not known).
      type: str
    status:
      description: C(ok), C(change) (apply would change it), C(pending) (reboot) or C(unknown).
      type: str
msg:
  description: What happened, in one line.
  returned: always
  type: str
rc:
  description: The program's exit code (on failure; see amdgpu-tune(8)).
  returned: failed
  type: int
errors:
  description: The program's error messages (on failure).
  returned: failed
  type: list
  elements: str
exit_meaning:
  description: What the exit code I(rc) means, from amdgpu-tune(8).
  returned: failed
  type: str
  sample: usage error or invalid/unsafe input, nothing changed
tool_warnings:
  description: The program's warnings of the failed run (also shown as Ansible warnings).
  returned: failed
  type: list
  elements: str
cmd:
  description: The command that failed, as an argument list.
  returned: failed
  type: list
  elements: str
stderr:
  description: The program's standard error, when it printed no JSON document.
  returned: failed
  type: str
matched:
  description: The profiles the host's GPUs match, when they are more than one (I(auto)).
  returned: failed
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.amdgpu.tune.plugins.module_utils.amdgpu_tune import (
    check_profile_name,
    fail_from,
    find_tool,
    run_json,
    warn_all,
)


def matched_profile(module, tool, root):
    """The profile detect names for the target's AMD GPUs, or None without one."""
    rc, doc, argv, err = run_json(module, tool, "detect", root=root)
    if rc != 0:
        fail_from(module, rc, doc, argv, err)
    names = sorted(set(g.get("profile") for g in doc.get("gpus") or [] if g.get("profile")))
    if len(names) > 1:
        module.fail_json(
            msg="this host's AMD GPUs match different profiles (%s): name one with profile"
            % ", ".join(names),
            matched=names,
        )
    if names:
        check_profile_name(module, names[0], "the matched profile")
    return names[0] if names else None


def file_diffs(files):
    """Ansible's diff-mode entries: one per file, whole contents before and after."""
    return [
        {
            "before_header": f.get("path"),
            "after_header": f.get("path"),
            "before": f.get("before") or "",
            "after": f.get("after") or "",
        }
        for f in files
    ]


def main():
    module = AnsibleModule(
        argument_spec=dict(
            profile=dict(type="str"),
            auto=dict(type="bool", default=False),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            memory=dict(type="str"),
            force=dict(type="bool", default=False),
            update=dict(type="bool", default=True),
            root=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if p["profile"] and p["auto"]:
        module.fail_json(msg="profile and auto=true exclude each other: name a profile, or let auto pick one")
    if p["state"] == "present" and not p["profile"] and not p["auto"]:
        module.fail_json(msg="state=present needs profile, or auto=true")
    if p["state"] == "absent" and (p["profile"] or p["auto"]):
        module.fail_json(msg="state=absent takes no profile and no auto: it removes whatever is applied")
    # Before anything runs: a name is an operand after "--" and still never reaches the
    # program unless it can be a profile's.
    if p["profile"]:
        check_profile_name(module, p["profile"])
    tool = find_tool(module)
    root = p["root"]

    profile = None
    if p["state"] == "present":
        profile = p["profile"] or matched_profile(module, tool, root)
        if not profile:
            module.exit_json(
                changed=False,
                profile=None,
                reboot_required=False,
                snapshot=None,
                files=[],
                commands=[],
                commands_ran=False,
                msg="no AMD GPU that a profile matches: nothing to do",
            )
        verb, operands = "apply", [profile]
    else:
        verb, operands = "remove", []
    opts = []
    if p["memory"] and p["state"] == "present":
        opts.append("--memory=" + p["memory"])
    if p["force"]:
        opts.append("--force")
    if not p["update"]:
        opts.append("--no-update")
    elif root:
        opts.append("--update")
    if module.check_mode:
        opts.append("--dry-run")

    rc, doc, argv, err = run_json(module, tool, verb, opts, operands, root)
    warn_all(module, doc)
    if rc != 0:
        fail_from(module, rc, doc, argv, err, profile=profile)

    files = doc.get("files") or []
    result = dict(
        changed=bool(doc.get("changed")),
        profile=profile,
        reboot_required=bool(doc.get("reboot_required")),
        snapshot=doc.get("snapshot"),
        files=[{"path": f.get("path"), "action": f.get("action"), "diff": f.get("diff")} for f in files],
        commands=doc.get("commands") or [],
        commands_ran=bool(doc.get("commands_ran")),
    )
    if module._diff:
        result["diff"] = file_diffs(files)
    if profile:
        dopts = ["--memory=" + p["memory"]] if p["memory"] else []
        drc, ddoc, dargv, derr = run_json(module, tool, "diff", dopts, [profile], root)
        if drc not in (0, 1):
            fail_from(module, drc, ddoc, dargv, derr, **result)
        # diff repeats most of apply's warnings: only the new ones.
        seen = set(doc.get("warnings") or [])
        warn_all(module, {"warnings": [w for w in ddoc.get("warnings") or [] if w not in seen]})
        result["settings"] = ddoc.get("settings") or []
    verb = "would be" if module.check_mode else "was"
    if p["state"] == "present":
        what = "%s %s applied" % (profile, verb) if result["changed"] else "%s is applied already" % profile
    else:
        what = "amdgpu-tune's settings %s removed" % verb if result["changed"] else "nothing of amdgpu-tune's to remove"
    if result["reboot_required"]:
        what += "; the next boot uses the new settings"
    result["msg"] = what
    module.exit_json(**result)


if __name__ == "__main__":
    main()
