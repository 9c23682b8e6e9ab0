#!/usr/bin/python3
"""check_layout.py FORMAT.md < layout-lines — holds format/layout.h (as tests/layers/layout.c
prints it) against the offset tables of FORMAT.md: every field the code names must sit in the
document's table at the same offset, and each table must have the size the code gives it.
Prints one line per check and "layout: N passed, M failed"."""
import re
import sys

doc = open(sys.argv[1], encoding="utf-8").read().split("\n")

# Each table is found by where it starts in the document: a heading or a lead-in line.
STARTS = {"Superblock": r"^## Superblock", "Section table": r"^## Section table",
          "BLOCKS": r"^### BLOCKS", "CHUNKS": r"^### CHUNKS", "Tree record": r"^Tree record:",
          "Split node": r"^A split node is \d+ bytes:", "Wide split node": r"\*\*wide split$",
          "Footer": r"^## Footer", "Signature trailer": r"^## Signature trailer"}
SIZES = {"Superblock": r"^## Superblock \(offset 0, (\d+) bytes\)",
         "Section table": r"× (\d+) bytes\)",
         "BLOCKS": r"entries of (\d+) bytes", "CHUNKS": r"entries of (\d+) bytes",
         "Tree record": r"\| (\d+) bytes × n_trees \| tree records",
         "Split node": r"^A split node is (\d+) bytes:",
         "Wide split node": r"^node\*\* of (\d+) bytes:",
         "Footer": r"^## Footer \(last (\d+) bytes\)",
         "Signature trailer": r"pure Ed25519\), (\d+) bytes"}


def table_rows(name):
    """The (offset, field text) rows of the first table after the table's start."""
    start = next(i for i, ln in enumerate(doc) if re.search(STARTS[name], ln))
    rows, seen = [], False
    for ln in doc[start + 1:]:
        if ln.startswith("|"):
            seen = True
            cells = [c.strip() for c in ln.strip("|").split("|")]
            if cells and cells[0].isdigit():
                rows.append((int(cells[0]), cells[2] if len(cells) > 2 else ""))
        elif seen:
            break
    return rows


def doc_size(name):
    """The size FORMAT.md gives the table's entries: said at its start or just below it."""
    start = next(i for i, ln in enumerate(doc) if re.search(STARTS[name], ln))
    for ln in doc[start:] + doc[:start]:  # the tree record's size is said in ENSEMBLE's table
        m = re.search(SIZES[name], ln)
        if m:
            return int(m.group(1))
    return None


passed = failed = 0


def report(ok, what):
    global passed, failed
    print(("ok   " if ok else "FAIL ") + what)
    passed += ok
    failed += not ok


for line in sys.stdin:
    parts = line.rstrip("\n").split(" ")
    if "size" in parts:
        k = parts.index("size")
        table, size = " ".join(parts[:k]), int(parts[k + 1])
        want = doc_size(table)
        report(want == size, "%s: %s bytes in the code, %s in FORMAT.md" % (table, size, want))
        continue
    tables = [t for t in STARTS if line.startswith(t + " ")]
    table = max(tables, key=len)
    rest = line[len(table) + 1:].rstrip("\n").split(" ", 1)
    off, field = int(rest[0]), rest[1]
    rows = table_rows(table)
    ok = any(o == off and text.startswith(field) for o, text in rows)
    report(ok, "%s: %s at offset %d" % (table, field, off))
print("layout: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
