#!/usr/bin/python
# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: amdgpu_tune_info
short_description: What amdgpu-tune knows about a host - its GPUs, kernels and applied profile
version_added: "0.1.0"
description:
  - Runs C(amdgpu-tune detect) and C(amdgpu-tune status) on the target and returns their
    JSON documents. Reads only; safe in check mode, where it runs the same way.
  - I(status.status) is C(in-effect), C(pending) (configured, waiting for a reboot),
    C(drifted) (the configuration on disk no longer gives the profile) or C(unknown);
    null when no profile is applied.
  - The documents are returned as the module's own keys, not as C(ansible_facts), as for
    every C(_info) module; register the result to use them.
author:
  - amdgpu-tune authors (!UNKNOWN)
requirements:
  - amdgpu-tune installed on the target
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  memory:
    description:
      - The RAM to plan for, for a I(root) without proc/meminfo.
    type: str
  root:
    description:
      - Describe the tree at this path instead of C(/).
    type: path
seealso:
  - module: amdgpu.tune.amdgpu_tune
"""

EXAMPLES = r"""
- name: Read the state of every host
  amdgpu.tune.amdgpu_tune_info:
  become: true
  register: gpu

- name: Report hosts whose settings wait for a reboot
  ansible.builtin.debug:
    msg: "{{ inventory_hostname }}: {{ gpu.status.status }}"
  when: gpu.status.status == 'pending'
"""

RETURN = r"""
detect:
  description: The document of C(amdgpu-tune detect --json) - C(gpus) (each with its
    C(pci), C(vendor), C(device), C(gfx), C(driver) and matching C(profile)),
    C(memory_bytes), C(kernels), C(bootloader), C(cmdline_next_boot) and more; see
    amdgpu-tune(8).
  returned: always
  type: dict
status:
  description: The document of C(amdgpu-tune status --json) - C(profile), C(status),
    C(settings) (wanted / next boot / running for each), C(notes), C(replan_differs).
  returned: always
  type: dict
profile:
  description: The profile that matches this host's AMD GPUs (null - none, or GPUs that
    match different profiles; I(profiles) lists them).
  returned: always
  type: str
profiles:
  description: Every profile this host's AMD GPUs match, sorted.
  returned: always
  type: list
  elements: str
applied:
  description: The applied profile (null - none).
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.amdgpu.tune.plugins.module_utils.amdgpu_tune import (
    fail_from,
    find_tool,
    run_json,
    warn_all,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(memory=dict(type="str"), root=dict(type="path")),
        supports_check_mode=True,
    )
    tool = find_tool(module)
    root = module.params["root"]
    opts = ["--memory=" + module.params["memory"]] if module.params["memory"] else []

    rc, detect, argv, err = run_json(module, tool, "detect", opts, root=root)
    if rc != 0:
        fail_from(module, rc, detect, argv, err)
    warn_all(module, detect)
    # status follows diff(1): 1 says the next boot changes something (pending).
    rc, status, argv, err = run_json(module, tool, "status", root=root)
    if rc not in (0, 1):
        fail_from(module, rc, status, argv, err, detect=detect)
    warn_all(module, status)
    names = sorted(set(g.get("profile") for g in detect.get("gpus") or [] if g.get("profile")))
    module.exit_json(
        changed=False,
        detect=detect,
        status=status,
        profile=names[0] if len(names) == 1 else None,
        profiles=names,
        applied=status.get("profile"),
    )


if __name__ == "__main__":
    main()
