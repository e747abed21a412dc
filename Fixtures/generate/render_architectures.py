"""Renders the architecture table of Docs/compatibility.md from the results a Swift test run wrote
(`WEIGHTBRIDGE_ARCHITECTURE_RESULTS`, see Tests/BridgeTests/ApplicationArchitectureTests.swift).

Usage: python render_architectures.py RESULTS.json
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
with open(sys.argv[1]) as f:
    results = json.load(f)
models = {}
for key, r in results.items():
    models.setdefault(r["name"], {})[r["format"]] = r
lines = ["| architecture | model | parameters | `.keras` | legacy `.h5` |", "|---|---|---|---|---|"]


def cell(r):
    if r is None:
        return "not run"
    if r.get("status") == "loaded":
        return "%.1e" % r["relativeDifference"]
    return r.get("status", "not run").replace("|", "/").replace("\n", " ")[:120]


for name in sorted(models, key=lambda n: next(iter(models[n].values()))["family"]):
    any_r = next(iter(models[name].values()))
    lines.append("| %s | `%s` | %s | %s | %s |" % (any_r["family"], name, format(any_r["parameters"], ","),
                                                  cell(models[name].get("keras")), cell(models[name].get("h5"))))
doc_path = os.path.join(ROOT, "Docs", "compatibility.md")
with open(doc_path) as f:
    doc = f.read()
begin, end = "<!-- architecture-table:begin -->", "<!-- architecture-table:end -->"
head, rest = doc.split(begin)
_, tail = rest.split(end)
with open(doc_path, "w") as f:
    f.write(head + begin + "\n" + "\n".join(lines) + "\n" + end + tail)
