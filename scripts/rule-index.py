#!/usr/bin/env python3
"""Writes docs/rule-index.md: for each rule id of docs/semantics.md, the Rego
rules of policies/ whose leading comment names it before its first colon
(the convention "# R-XXX-n, V-n: why"), with file:line. A rule that only
uses another rule's logic names the id after the colon, so it is not listed.

    python3 scripts/rule-index.py > docs/rule-index.md
"""
import collections
import glob
import re

ID = re.compile(r"(R-[A-Z]+-\d+|V-\d+|§\d+\.\d+)")
RANGE = re.compile(r"(R-[A-Z]+-|V-)(\d+)\.\.(?:R-[A-Z]+-|V-)?(\d+)")
RULE = re.compile(r"^(?:default\s+)?([a-z_][a-z0-9_]*)(?:\s*\(|\s*:=|\s+if\b|\s+contains\b|\s*\[|\s*=)")
HEAD = re.compile(r"[A-Za-z0-9§.,\- /()]+")


def ids(head):
    found = set(ID.findall(head))
    for prefix, lo, hi in RANGE.findall(head):
        found |= {f"{prefix}{i}" for i in range(int(lo), int(hi) + 1)}
    return found


def order(rule_id):
    m = re.match(r"(R-[A-Z]+-|V-|§)(\d+)(?:\.(\d+))?", rule_id)
    return (m.group(1), int(m.group(2)), int(m.group(3) or 0))


where = collections.defaultdict(dict)
for path in sorted(glob.glob("policies/**/*.rego", recursive=True)):
    if path.endswith("_test.rego"):
        continue
    comment = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f.read().split("\n"), 1):
            if line.startswith("#"):
                comment.append(line[1:].strip())
                continue
            m = RULE.match(line)
            if m and m.group(1) not in ("package", "import") and comment:
                head = comment[0].split(":")[0]
                if HEAD.fullmatch(head):
                    for rule_id in ids(head):
                        where[rule_id].setdefault((path, m.group(1)), n)
            comment = []

print("# Rule index (generated: `python3 scripts/rule-index.py > docs/rule-index.md`)")
print()
print("Each rule id of [semantics.md](semantics.md) and the Rego rules whose leading comment")
print("names it (`# <ids>: why`): where its logic is. Rules that only use it name it after the colon.")
print()
print("| Rule id | Rego rules |")
print("|---|---|")
for rule_id in sorted(where, key=order):
    sites = ", ".join(f"`{r}` ([{p.removeprefix('policies/')}:{n}](../{p}#L{n}))" for (p, r), n in where[rule_id].items())
    print(f"| {rule_id} | {sites} |")
