#!/usr/bin/python3
"""Reads what ansible-playbook's json callback printed, for tests/ansible/check-ansible.sh.

report.py summary FILE                 one line per host and task: changed/failed/skipped, msg
report.py field FILE HOST TASK KEY     the result's KEY of the first task whose name holds TASK
                                       (plan: its files' path, action and diff, and commands)
report.py diff FILE HOST TASK PATH     that file's diff-mode entry: "before: LINE", "after: LINE"
report.py settings FILE HOST TASK      the settings table, one line per setting
report.py skipped FILE HOST TASK       whether the task was skipped (absent: never ran)
report.py changed FILE HOST            the play's count of changed tasks on HOST
"""
import json
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    # Warnings Ansible prints before the document, if any.
    return json.loads(text[text.index("{"):])


def results(doc, host):
    for play in doc.get("plays", []):
        for task in play.get("tasks", []):
            r = task.get("hosts", {}).get(host)
            if r is not None:
                yield task["task"]["name"], r


def find(doc, host, name):
    for n, r in results(doc, host):
        if name in n:
            return r
    return None


def show(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dict, list)):
        return json.dumps(v, sort_keys=True)
    return str(v)


def main(argv):
    cmd, doc = argv[1], load(argv[2])
    if cmd == "summary":
        for host in sorted(doc.get("stats", {})):
            for n, r in results(doc, host):
                state = "failed" if r.get("failed") else "skipped" if r.get("skipped") else \
                    "changed" if r.get("changed") else "ok"
                print("%s %s: %s %s" % (host, n, state, r.get("msg", "")))
        return 0
    if cmd == "changed":
        print(doc["stats"][argv[3]]["changed"])
        return 0
    r = find(doc, argv[3], argv[4])
    if cmd == "skipped":
        print("absent" if r is None else show(bool(r.get("skipped"))))
        return 0
    if r is None:
        print("no task %r for %s" % (argv[4], argv[3]), file=sys.stderr)
        return 1
    if cmd == "field":
        key = argv[5]
        if key == "plan":
            v = {"files": r.get("files"), "commands": r.get("commands")}
        elif key in r:
            v = r[key]
        else:
            v = r.get("ansible_facts", {}).get(key)
        print(show(v))
    elif cmd == "diff":
        for d in r.get("diff", []):
            if d.get("before_header") == argv[5]:
                for side in ("before", "after"):
                    lines = d.get(side, "").splitlines() or [""]
                    for line in lines:
                        print("%s: %s" % (side, line))
    elif cmd == "settings":
        for s in r.get("settings", []):
            print("%s %s wanted=%s next_boot=%s running=%s status=%s" % (
                s["name"], s["where"], s["wanted"], s["next_boot"], s["running"], s["status"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
