#!/usr/bin/python3
"""spec_checks.py MODEL_DIR FROST_BIN - differential checks of frost against frost_decode.py.

Run by tests/stages/spec.sh after make_models (tree ensembles through the builder API) and
make_sk_models.py (scikit-learn pipelines, transformers, linear models and Voting / OneVsRest
combinations through `frost convert`) have written MODEL_DIR. Prints one line per check, "ok - NAME ..." or
"FAIL - NAME: why", and exits 1 when any check failed.

  1. every model: decoder JSON == `frost inspect --json`; decoder predictions (and
     probabilities) == `frost predict`; decoder transform == `frost transform` (PROGRAM);
     the mode a model does not support (predict on a transformer, transform without a
     PROGRAM, --proba of a decision-only LINEAR or a hard-voting COMBINE) is refused by both;
  2. damaged copies (header byte, block byte, truncation, ...) are rejected by the decoder CLI
     and by `frost verify`;
  3. edits that keep every checksum and the header digest valid:
       reject  - FORMAT.md forbids the result: both readers must refuse it;
       accept  - FORMAT.md allows it: both must accept it and agree on inspect and predictions;
       either  - FORMAT.md does not say: both must give the same answer (and agree if accepted);
  4. a seeded differential fuzz: single-byte changes of header sections and of tree data, with
     the digest and block checksums recomputed; both readers must agree;
  5. probes: inputs on which FORMAT.md can be read two ways (see probe_cases); a difference
     passes as "# AMBIGUOUS: ..." for the lead to settle in the spec;
  6. format 1.2 (labels starting "[1.2]"): edits adding CHECKS sections and FEATURES columns of
     kind unused to converted models (edits_v12), rows predicted and transformed through them
     (row_cases: a refused value makes both readers exit 1, frost naming the check's `who`; the
     other rows agree), a fuzz of a 1.2 file's CHECKS and FEATURES, and the "checks" key of
     `frost inspect --json`. In 1 a model with CHECKS is compared row by row (rows a check
     refuses are refused by both, the others agree), and one with unused columns also on its
     rows with text in those columns and without them.
  7. format 1.3 (labels starting "[1.3]"): make_models writes wide trees with categorical
     splits, the links EXP and SOFTMAX_NORM, PROBA_ARGMAX and ISOLATION ensembles (compared in
     1, score_samples included); edits_v13 changes their flags, links, ISOLATION fields, wide
     and categorical nodes, and the minor version under them; edits_v13_estimators does the
     same for the BAYES, CENTROIDS and MLP sections of make_sk_models.py's models.
"""
import concurrent.futures
import copy
import csv
import io
import json
import math
import os
import random
import struct
import subprocess
import sys
import tempfile
import time
import traceback

import xxhash

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import frost_decode as fd  # noqa: E402

DECODER = os.path.join(HERE, "frost_decode.py")
PY = sys.executable or "/usr/bin/python3"
REL_TOL = 1e-12

results = []  # (ok, line)

# Places where frost (C) and FORMAT.md, read literally, disagree, found by this suite. A check
# whose only failure is one of these passes with "# KNOWN: ..." so that `make test` stays usable;
# the lead decides whether the spec or the code changes (then delete the entry).
# (substring of the decoder's message, what differs)
KNOWN = [
    # (none: the five leniencies listed here before - header bytes outside every section,
    # invalid UTF-8 in a str, learning_rate on a MEAN model, RAW_ARGMAX with several trees,
    # SIGN_DECISION on a softmax model - are now refused by frost and checked as "reject")
]


def known(msg):
    for pat, why in KNOWN:
        if msg and pat in msg:
            return why
    return None


def report(ok, name, detail=""):
    line = ("ok - " if ok else "FAIL - ") + name + ((": " if not ok else " ") + detail
                                                    if detail else "")
    print(line, flush=True)
    results.append(ok)


def run(cmd, timeout=300):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


# ---- comparisons ------------------------------------------------------------------------------

def json_diff(a, b, path="$"):
    """First difference between two parsed JSON values (numbers compared exactly), or None."""
    num = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        return None if a is b else "%s: %r != %r" % (path, a, b)
    if isinstance(a, num) and isinstance(b, num):
        if a == b or (isinstance(a, float) and isinstance(b, float) and a != a and b != b):
            return None
        return "%s: %r != %r" % (path, a, b)
    if type(a) is not type(b):
        return "%s: %r != %r" % (path, a, b)
    if isinstance(a, dict):
        if list(a) != list(b):
            if set(a) != set(b):
                return "%s: keys %s != %s" % (path, sorted(a), sorted(b))
        for k in a:
            d = json_diff(a[k], b[k], "%s.%s" % (path, k))
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: length %d != %d" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = json_diff(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    return None if a == b else "%s: %r != %r" % (path, a, b)


def csv_diff(ours, theirs):
    """(first difference or None, number of numeric cells equal only within REL_TOL)."""
    a = list(csv.reader(io.StringIO(ours)))
    b = list(csv.reader(io.StringIO(theirs)))
    if not a or not b:
        return "empty output", 0
    if a[0] != b[0]:
        return "header %r != %r" % (a[0], b[0]), 0
    if len(a) != len(b):
        return "%d rows != %d rows" % (len(a) - 1, len(b) - 1), 0
    near = 0
    for i in range(1, len(a)):
        if len(a[i]) != len(b[i]):
            return "row %d: %d fields != %d" % (i, len(a[i]), len(b[i])), near
        for j, (x, y) in enumerate(zip(a[i], b[i])):
            if x == y:
                continue
            try:
                fx, fy = float(x), float(y)
            except ValueError:
                return "row %d column %d: %r != %r" % (i, j, x, y), near
            if fx == fy or (fx != fx and fy != fy):
                continue
            if math.isfinite(fx) and math.isfinite(fy) and \
                    abs(fx - fy) <= REL_TOL * max(abs(fx), abs(fy)):
                near += 1
                continue
            return "row %d column %d: %r != %r" % (i, j, x, y), near
    return None, near


def inspect_diff(ours, theirs):
    """json_diff of the decoder's inspect JSON and frost's. A frost without format 1.2 prints no
    "checks" key; it is not counted here when the decoder's is null (a file without CHECKS): one
    check of its own (check_checks_key) reports that key instead of every model."""
    if "checks" not in theirs and ours.get("checks", 0) is None:
        ours = dict(ours)
        del ours["checks"]
    return json_diff(ours, theirs)


# ---- CHECKS (format 1.2): rows a check refuses ------------------------------------------------

def csv_lines(rows):
    """The header and the non-empty data lines of a rows CSV (the decoder skips empty lines)."""
    with open(rows, newline="", encoding="utf-8") as f:
        lines = [ln for ln in csv.reader(f)]
    return lines[0], [ln for ln in lines[1:] if ln]


def write_csv(path, header, lines):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(lines)


def dec_call(m, rows, mode, proba):
    """The decoder's output for a rows file in a mode: "predict" (proba: --proba), "score"
    (--score-samples, format 1.3) or "transform"."""
    if mode == "transform":
        return fd.transform(m, rows)
    return fd.predict(m, rows, proba, mode == "score")


def dec_argv(path, mode, rows, flags):
    """The decoder CLI for the same (flags: what follows MODEL ROWS for frost)."""
    return [PY, DECODER, path, "--transform" if mode == "transform" else "--predict", rows] + flags


def mode_flags(mode, proba):
    return ["--proba"] if proba else ["--score-samples"] if mode == "score" else []


def refused_rows(m, rows, mode, proba):
    """[(data line index, fd.CheckRefused)] for the rows the decoder's CHECKS refuse in this
    mode (each row alone), or None when the rows cannot be read at all."""
    try:
        xs = fd.read_rows(m, rows)
    except (fd.InputError, ValueError, OSError):
        return None
    out = []
    for i, x in enumerate(xs):
        try:
            if mode != "transform":
                fd.predict_line(m, x, i + 1, proba, mode == "score")
            else:
                fd.transform_line(m, x, i + 1)
        except fd.CheckRefused as e:
            out.append((i, e))
        except (fd.InputError, ValueError):
            pass  # another input error: the whole-file comparison reports it
    return out


def decoder_run(m, path, rows, mode, proba, cli):
    """(rc, output, error text, exception) of the decoder on a rows file."""
    if cli:
        rc, out, err = run(dec_argv(path, mode, rows, mode_flags(mode, proba)))
        return rc, out, err, None
    try:
        out = dec_call(m, rows, mode, proba)
        return 0, out, "", None
    except (fd.InputError, ValueError) as e:
        return 1, "", str(e), e


def frost_refuses(frost, path, rows, args, flags, who):
    """None when `frost ARGS MODEL ROWS` exits 1 naming `who` (FORMAT.md CHECKS: "an error
    naming the row, the column the value comes from and who"), else what is wrong."""
    rc, _, err = run([frost, args[0], path, rows] + flags)
    if rc != 1:
        return "frost exit %d, expected 1 (%s)" % (rc, err.strip()[-200:] or "no error")
    if who not in err:
        return "frost's error does not name who %r: %s" % (who, err.strip()[-200:])
    return None


def check_split(frost, path, m, rows, args, mode, proba, cli, refused):
    """A rows file with rows the decoder's CHECKS refuse: both readers refuse the whole file
    (frost exits 1 naming who of the first refused row's first refusing check), both accept the
    other rows with equal outputs, and frost refuses each of (up to) three refused rows alone.
    Returns (ok, detail)."""
    flags = mode_flags(mode, proba)
    header, lines = csv_lines(rows)
    first = refused[0][1]
    who = m.checks[first.check]["who"]
    rc, _, err, _ = decoder_run(m, path, rows, mode, proba, cli)
    if rc != 1 or "row %d:" % first.row not in err:
        return False, "decoder rc %d, expected 1 naming row %d: %s" % (rc, first.row, err.strip())
    why = frost_refuses(frost, path, rows, args, flags, who)
    if why:
        return False, "row %d refused by the decoder (%s); %s" % (first.row, first, why)
    bad = set(i for i, _ in refused)
    base = os.path.join(CTX["tmpdir"], "%d-split" % os.getpid())
    kept = base + ".kept.csv"
    write_csv(kept, header, [ln for i, ln in enumerate(lines) if i not in bad])
    rc, mine, err, _ = decoder_run(m, path, kept, mode, proba, cli)
    rc2, theirs, err2 = run([frost, args[0], path, kept] + flags)
    if rc != 0 or rc2 != 0:
        return False, "without the %d refused rows: decoder rc %d (%s), frost rc %d (%s)" % (
            len(bad), rc, err.strip(), rc2, err2.strip())
    d, near = csv_diff(mine, theirs)
    if d:
        return False, "without the %d refused rows: %s" % (len(bad), d)
    picks = sorted(set([refused[0], refused[len(refused) // 2], refused[-1]]),
                   key=lambda r: r[0])
    for i, e in picks:
        one = base + ".one.csv"
        write_csv(one, header, [lines[i]])
        why = frost_refuses(frost, path, one, args, flags, m.checks[e.check]["who"])
        if why:
            return False, "row %d alone (%s): %s" % (i + 1, e, why)
    return True, "(%d rows agree; %d refused by a check, by both)" % (len(lines) - len(bad),
                                                                       len(bad))


# ---- 1. every model ----------------------------------------------------------------------------

def modes_of(m):
    """[(CLI arguments after MODEL ROWS, decoder mode, proba, expected to work)] for a model."""
    out = []
    if m.estimator is not None:
        out.append((["predict"], "predict", False, True))
        if m.task == fd.TASK_CLASSIFIER:
            isolation = m.estimator == "ensemble" and m.kind == fd.KIND_ISOLATION
            no_proba = ((m.estimator == "linear" and m.rule == fd.RULE_DECISION) or
                        (m.estimator == "combine" and not m.combine_has_proba) or
                        m.estimator == "centroids" or isolation)
            out.append((["predict", "--proba"], "predict", True, not no_proba))
            # format 1.3: score_samples, only for ISOLATION
            out.append((["predict", "--score-samples"], "score", False, isolation))
    else:
        out.append((["predict"], "predict", False, False))  # a transformer does not predict
    out.append((["transform"], "transform", False,
                m.program is not None or fd.kmeans_transforms(m)))
    return out


def run_outputs(frost, path, rows, m, cli, name, how):
    """Predictions, probabilities and transforms of one model by both readers."""
    out = []
    for args, mode, proba, works in modes_of(m):
        flags = mode_flags(mode, proba)
        what = "%s %s%s" % (" ".join(args), name, how)
        if cli:
            rc, mine, err = run(dec_argv(path, mode, rows, flags))
        else:
            try:
                mine = dec_call(m, rows, mode, proba)
                rc, err = 0, ""
            except (fd.InputError, ValueError) as e:
                rc, mine, err = 1, "", str(e)
        rc2, theirs, err2 = run([frost, args[0], path, rows] + flags)
        if not works:
            ok = rc != 0 and rc2 != 0
            out.append((ok, what + " refused", "(both refuse: %s)" % err2.strip() if ok else
                        "decoder rc %d (%s), frost rc %d (%s)" % (rc, err.strip(), rc2,
                                                                  err2.strip())))
            continue
        refused = refused_rows(m, rows, mode, proba) if m.checks is not None else None
        if refused:
            ok, detail = check_split(frost, path, m, rows, args, mode, proba, cli, refused)
            out.append((ok, what, detail))
            continue
        if rc != 0 or rc2 != 0:
            out.append((False, what, "decoder rc %d (%s), frost rc %d (%s)"
                        % (rc, err.strip(), rc2, err2.strip())))
            continue
        d, near = csv_diff(mine, theirs)
        n_rows = mine.count("\n") - 1
        detail = d or "(%d rows, %s)" % (n_rows, "exact" if near == 0 else
                                          "%d cells not exact, within %g" % (near, REL_TOL))
        out.append((d is None, what, detail))
    return out


def uses_1_3(m):
    """Whether the file's ENSEMBLE (or a COMBINE tree member) holds what format 1.3 added."""
    def agg(a):
        return (a.kind == fd.KIND_ISOLATION or a.link > fd.LINK_SOFTMAX or
                a.eflags & (fd.FLAG_WIDE | fd.FLAG_PROBA_ARGMAX))
    if m.combine is not None:
        return any(mb.member_kind == fd.MEMBER_TREES and agg(mb) for mb in m.combine["members"])
    return m.estimator == "ensemble" and agg(m)


def check_model(frost, path, rows, cli):
    """Returns a list of (ok, name, detail). With cli, the decoder runs as a command (as a user
    would); otherwise in this process (the same code, one decode for all the comparisons)."""
    out = []
    name = os.path.basename(path)
    how = " (decoder CLI)" if cli else ""
    try:
        m = fd.Frost(path)
    except fd.Damaged as e:
        return [(False, "inspect %s" % name, "decoder refused a valid file: %s" % e)]
    if cli:
        rc, ours, err = run([PY, DECODER, path, "--json"])
        if rc != 0:
            return [(False, "inspect %s" % name, "decoder refused a valid file: " + err.strip())]
        ours = json.loads(ours)
    else:
        ours = json.loads(json.dumps(m.inspect()))
    rc2, theirs, err2 = run([frost, "inspect", path, "--json"])
    if rc2 != 0:
        out.append((False, "inspect %s" % name, "frost inspect failed (rc %d): %s"
                    % (rc2, err2.strip()[-300:])))
    else:
        d = inspect_diff(ours, json.loads(theirs))
        what = []
        if m.estimator:
            what.append(m.estimator)
        if m.program:
            what.append("program of %d ops" % len(m.program["ops"]))
        out.append((d is None, "inspect %s%s" % (name, how),
                    d or "(%s; %d blocks, %d chunks, %d trees)"
                    % (", ".join(what), len(ours["blocks"]), len(ours["chunks"]),
                       len(ours["trees"]))))
    rc, _, err = run([frost, "verify", path])
    out.append((rc == 0, "verify %s" % name, "" if rc == 0 else err.strip()))
    # FORMAT.md: "Writers set REQUIRED on every section except METADATA"
    bad = ["%s flags %d" % (fd.SECTION_NAMES.get(t, t), f) for (t, f, _, _) in m.sections
           if (f & 1) != (0 if t in (fd.SEC_METADATA, fd.SEC_METADATA_TYPES) else 1)]
    out.append((not bad, "section flags %s" % name, "; ".join(bad) or "(REQUIRED on every "
                "section but METADATA)"))
    # FORMAT.md: "frost writes the smallest minor the file needs (3 with a 1.3 section or
    # value, else 2 with CHECKS or an unused column, else 1 with a COMBINE, else 0)"
    need = 3 if uses_1_3(m) or m.bayes is not None or m.centroids is not None or \
        m.mlp is not None or m.target is not None or (m.program is not None and any(
            op["opcode"] in (fd.OP_UFUNC, fd.OP_PROJECT) for op in m.program["ops"])) else \
        2 if (m.checks is not None or fd.UNUSED in m.feature_kinds) else \
        1 if m.combine is not None else 0
    out.append((m.minor == need, "minor version %s" % name, "(1.%d, the smallest it needs)" % need
                if m.minor == need else "minor %d, the file needs %d" % (m.minor, need)))
    if rows is not None:
        out += run_outputs(frost, path, rows, m, cli, name, how)
        stem = os.path.join(CTX["tmpdir"], "%d-%s.unused" % (os.getpid(), name))
        for what, variant in unused_variants(m, rows, stem):
            out += run_outputs(frost, path, variant, m, cli, name, how + " (%s)" % what)
    return out


def unused_variants(m, rows, stem):
    """For a model with unused columns (FEATURES kind 2, format 1.2): its rows with text in every
    unused column, and without those columns (by name); both readers must accept them as the
    rows themselves ("any value is accepted ... a reader does not require it to be given")."""
    if fd.UNUSED not in m.feature_kinds:
        return []
    header, lines = csv_lines(rows)
    if m.feature_names is not None:
        cols = [header.index(n) for n, k in zip(m.feature_names, m.feature_kinds)
                if k == fd.UNUSED and n in header]
    else:
        cols = [j for j, k in enumerate(m.feature_kinds) if k == fd.UNUSED and j < len(header)]
    out = []
    text = [[("not a number: 2024-02-30" if j in cols else v) for j, v in enumerate(ln)]
            for ln in lines]
    write_csv(stem + ".text.csv", header, text)
    out.append(("unused columns hold text", stem + ".text.csv"))
    if m.feature_names is not None:
        keep = [j for j in range(len(header)) if j not in cols]
        write_csv(stem + ".absent.csv", [header[j] for j in keep],
                  [[ln[j] if j < len(ln) else "" for j in keep] for ln in lines])
        out.append(("unused columns left out", stem + ".absent.csv"))
    return out


# ---- file editing helpers ---------------------------------------------------------------------

def fix_digest(b):
    hs = struct.unpack_from("<Q", b, 24)[0]
    hs = min(hs, len(b))
    h = xxhash.xxh3_128()
    h.update(bytes(b[0:64]))
    h.update(b"\x00" * 16)
    h.update(bytes(b[80:hs]))
    b[64:80] = h.digest()
    return b


def section(m, stype):
    """(table index, body offset, body length) of the first section of a type."""
    for i, (t, f, off, ln) in enumerate(m.sections):
        if t == stype:
            return i, off, ln
    raise KeyError(stype)


def put(b, off, fmt, *vals):
    struct.pack_into("<" + fmt, b, off, *vals)
    return b


def get(b, off, fmt):
    return struct.unpack_from("<" + fmt, b, off)[0]


def block_entry(m, i):
    return section(m, fd.SEC_BLOCKS)[1] + 8 + 32 * i


def chunk_entry(m, i):
    return section(m, fd.SEC_CHUNKS)[1] + 8 + 24 * i


def ens(m):
    return section(m, fd.SEC_ENSEMBLE)[1]


def tree_record(m, t):
    n_cls = len(m.n_classes)
    iso = 16 if m.kind == fd.KIND_ISOLATION else 0   # format 1.3: path_norm, offset
    return ens(m) + 48 + 4 * n_cls + 8 * m.n_raw + iso + fd.TREE_RECORD * t


# tree record fields: (offset, struct format)
TR_TOP_OFFSET, TR_TOP_SIZE, TR_BODY_CHUNK, TR_BODY_OFFSET, TR_BODY_SIZE, TR_RAW_COLUMN, \
    TR_N_SPLITS, TR_N_LEAVES = (0, "Q"), (8, "I"), (12, "I"), (16, "Q"), (24, "I"), (28, "I"), \
    (32, "I"), (36, "I")


def fix_block(b, m, i):
    """Recomputes block i's checksum after its stored bytes changed, then the digest."""
    e = block_entry(m, i)
    off, stored = get(b, e, "Q"), get(b, e + 8, "I")
    b[e + 24:e + 32] = xxhash.xxh3_64_digest(bytes(b[off:off + stored]))
    return fix_digest(b)


def tree_file_pos(m, t, off):
    """(block index, file offset) of tree-space offset `off` of tree t (uncompressed chunks)."""
    rec = m.trees[t]
    if off < rec["top_size"]:
        ci, pos = m.top_chunk, rec["top_offset"] + off
    else:
        ci, pos = rec["body_chunk"], rec["body_offset"] + off - rec["top_size"]
    c = m.chunks[ci]
    bi = c["first_block"] + pos // m.block_size
    blk = m.blocks[bi]
    assert blk["codec"] == 0, "tree edits need an uncompressed model"
    return bi, blk["offset"] + pos % m.block_size


def tree_nodes(m, t):
    """[(offset, kind, fields)] of tree t in walk order, read from the decoded chunks."""
    rec = m.trees[t]
    out = []
    stack = [0 if rec["n_splits"] else 1]
    while stack:
        ref = stack.pop()
        off = ref & ~7
        if off < rec["top_size"]:
            data, pos = m.chunk_data[m.top_chunk], rec["top_offset"] + off
        else:
            data, pos = (m.chunk_data[rec["body_chunk"]],
                         rec["body_offset"] + off - rec["top_size"])
        if ref & 3 == 1:
            out.append((off, "leaf", None))
            continue
        if m.eflags & fd.FLAG_WIDE:   # format 1.3 wide split node (24 bytes)
            thr, fw, left, right, _ = struct.unpack_from("<dIIII", data, pos)
        else:
            thr, fw, left, right = struct.unpack_from("<fIII", data, pos)
        out.append((off, "split", (thr, fw, left, right)))
        stack.append(right)
        stack.append(left)
    return out


class Parts:
    """A file taken apart (superblock fields, sections, data region, trailer) and put back
    together with a fresh section table, digest and footer."""

    def __init__(self, m):
        b = m.buf
        self.major, self.minor, self.flags, self.block_shift = \
            m.major, m.minor, m.flags, m.block_shift
        self.sections = [[t, f, bytearray(b[off:off + ln])] for (t, f, off, ln) in m.sections]
        self.header_size = m.header_size
        self.data = bytearray(b[m.header_size:m.header_size + m.data_size])
        self.trailer = bytearray(b[m.data_end:m.data_end + m.trailer_size])

    def body(self, stype):
        for s in self.sections:
            if s[0] == stype:
                return s[2]
        raise KeyError(stype)

    def assemble(self, header_size=None, body_order=None, table_pad=0):
        n = len(self.sections)
        pos = 128 + 32 * n + table_pad
        order = body_order or list(range(n))
        places = [None] * n
        for i in order:
            pos = fd.round_up(pos, 8)
            places[i] = pos
            pos += len(self.sections[i][2])
        hs = header_size or max(self.header_size, fd.round_up(pos, fd.PAGE))
        if pos > hs:
            raise ValueError("sections do not fit in %d bytes" % hs)
        delta = hs - self.header_size
        out = bytearray(hs)
        for i, (t, f, body) in enumerate(self.sections):
            body = bytearray(body)
            if t == fd.SEC_BLOCKS and delta:
                for k in range(get(body, 0, "I")):
                    e = 8 + 32 * k
                    put(body, e, "Q", get(body, e, "Q") + delta)
            out[places[i]:places[i] + len(body)] = body
            put(out, 128 + 32 * i, "IIQQQ", t, f, places[i], len(body), 0)
        file_size = hs + len(self.data) + len(self.trailer) + 32
        out[0:8] = fd.MAGIC
        put(out, 8, "HHIIIQQQQQ", self.major, self.minor, self.flags, self.block_shift, n, hs,
            len(self.data), len(self.trailer), file_size, 0)
        fix_digest(out)
        footer = fd.END_MAGIC + struct.pack("<QQQ", hs, file_size, 0)
        return bytes(out) + bytes(self.data) + bytes(self.trailer) + footer


def relayout(p, m, encode):
    """Re-encodes every block: encode(block index, raw bytes, old codec, old stored bytes) ->
    (codec, stored bytes); blocks are laid out again (chunks page-aligned, blocks contiguous)."""
    data = bytearray()
    entries = []
    for ci, c in enumerate(m.chunks):
        data += bytes(-len(data) % fd.PAGE)
        raw_all = m.chunk_data[ci]
        for k in range(c["block_count"]):
            bi = c["first_block"] + k
            raw = raw_all[k * m.block_size:(k + 1) * m.block_size]
            old = m.blocks[bi]
            codec, st = encode(bi, raw, old["codec"],
                               m.buf[old["offset"]:old["offset"] + old["stored_size"]])
            entries.append(struct.pack("<QIIB3sI", p.header_size + len(data), len(st), len(raw),
                                       codec, b"", 0) + xxhash.xxh3_64_digest(st))
            data += st
    data += bytes(-len(data) % fd.PAGE)
    p.data = data
    body = p.body(fd.SEC_BLOCKS)
    body[8:] = b"".join(entries)


def lz4_literals(raw, tail=b""):
    """An LZ4 block holding raw as literals only (a valid, if useless, encoding)."""
    n = len(raw)
    if n < 15:
        return bytes([n << 4]) + raw + tail
    out = bytearray([0xF0])
    k = n - 15
    while k >= 255:
        out.append(255)
        k -= 255
    out.append(k)
    return bytes(out) + raw


def lz4_lit_then_match(raw, match_len, offset):
    """Literals raw[:-match_len], then one match (offset) and an empty last sequence: the block
    breaks LZ4's end-of-block conditions (last 5 bytes literals, last match >= 12 bytes before
    the end) but decodes to raw with any decoder that does not enforce them."""
    lit = raw[:-match_len]
    n = len(lit)
    ml = match_len - 4
    tok_l = min(n, 15)
    tok_m = min(ml, 15)
    out = bytearray([(tok_l << 4) | tok_m])
    if n >= 15:
        k = n - 15
        while k >= 255:
            out.append(255)
            k -= 255
        out.append(k)
    out += lit
    out += struct.pack("<H", offset)
    if ml >= 15:
        k = ml - 15
        while k >= 255:
            out.append(255)
            k -= 255
        out.append(k)
    out.append(0)  # the last sequence: no literals
    return bytes(out)


def lz4_one_match(raw, q, length):
    """Literals raw[:q], one match of `length` bytes at q copying an earlier occurrence, then the
    rest as literals; None when raw[q:q+length] does not occur before q."""
    j = raw.rfind(raw[q:q + length], max(0, q - 65535), q)
    if j < 0 or j + length > q:
        return None
    out = bytearray()

    def lens(n):
        while n >= 255:
            out.append(255)
            n -= 255
        out.append(n)
    ml = length - 4
    out.append((min(q, 15) << 4) | min(ml, 15))
    if q >= 15:
        lens(q - 15)
    out += raw[:q]
    out += struct.pack("<H", q - j)
    if ml >= 15:
        lens(ml - 15)
    rest = raw[q + length:]
    out.append(min(len(rest), 15) << 4)
    if len(rest) >= 15:
        lens(len(rest) - 15)
    out += rest
    return bytes(out)


def s_bytes(s):
    e = s.encode("utf-8")
    return struct.pack("<I", len(e)) + e


def rechunk(p, m, raws, kinds=None, encode=None):
    """Lays the data region out again from new raw chunk contents (blocks of block_size, codec
    none or, with encode, LZ4 bytes from encode(raw); chunks page-aligned), rewriting BLOCKS and
    CHUNKS (kinds kept unless given)."""
    kinds = kinds or [c["kind"] for c in m.chunks]
    data = bytearray()
    blocks = []
    chunks = []
    bs = m.block_size
    for ci, raw in enumerate(raws):
        data += bytes(-len(data) % fd.PAGE)
        first = len(blocks)
        for k in range(0, len(raw), bs):
            part = raw[k:k + bs]
            st = encode(part) if encode else part
            blocks.append(struct.pack("<QIIB3sI", p.header_size + len(data), len(st),
                                      len(part), 1 if encode else 0, b"", 0) +
                          xxhash.xxh3_64_digest(st))
            data += st
        chunks.append(struct.pack("<IIIIQ", kinds[ci], first, len(blocks) - first, 0, len(raw)))
    data += bytes(-len(data) % fd.PAGE)
    p.data = data
    body = p.body(fd.SEC_BLOCKS)
    body[:] = struct.pack("<II", len(blocks), 0) + b"".join(blocks)
    body = p.body(fd.SEC_CHUNKS)
    body[:] = struct.pack("<II", len(chunks), 0) + b"".join(chunks)


def set_section(p, stype, body, flags=None):
    """Replaces (or adds, or with body None removes) the section of a type."""
    for i, sec in enumerate(p.sections):
        if sec[0] == stype:
            if body is None:
                del p.sections[i]
            else:
                sec[2] = bytearray(body)
                if flags is not None:
                    sec[1] = flags
            return
    if body is not None:
        p.sections.append([stype, 1 if flags is None else flags, bytearray(body)])


def features_bytes(n, kinds=None, names=None):
    flags = (1 if names is not None else 0) | (2 if kinds is not None else 0)
    b = struct.pack("<II", n, flags)
    if kinds is not None:
        b += bytes(kinds)
    if names is not None:
        b += b"".join(s_bytes(x) for x in names)
    return b


def op_bytes(op):
    """One PROGRAM operation, serialized per FORMAT.md (keys as frost_decode parses them)."""
    code = op["opcode"]
    ins = op["ins"]
    b = struct.pack("<IIII", code, len(ins), op["n_out"], op.get("reserved", 0))
    b += struct.pack("<%dI" % len(ins), *ins)
    if code == fd.OP_IMPUTE:
        b += struct.pack("<%dd" % len(op["fill"]), *op["fill"])
    elif code == fd.OP_IMPUTE_STR:
        b += b"".join(s_bytes(x) for x in op["fill"])
    elif code == fd.OP_SCALE:
        b += struct.pack("<IIdd", op["mode"], op["clip"], op["lo"], op["hi"])
        b += struct.pack("<%dd" % len(op["a"]), *op["a"])
        b += struct.pack("<%dd" % len(op["b"]), *op["b"])
    elif code == fd.OP_ENCODE:
        cats = op["cats"]
        b += struct.pack("<IIIId", op["kind"], len(cats), op["unknown"], op["missing_cat"],
                         op["unknown_target"])
        if op["kind"] == fd.NUM:
            b += struct.pack("<%dd" % len(cats), *cats)
        else:
            b += b"".join(s_bytes(x) for x in cats)
        b += struct.pack("<%dd" % len(op["targets"]), *op["targets"])
    elif code == fd.OP_NORMALIZE:
        b += struct.pack("<I", op["norm"])
    elif code == fd.OP_POLY:
        for term in op["terms"]:
            b += struct.pack("<I%dI" % len(term), len(term), *term)
    elif code == fd.OP_BINS:
        b += struct.pack("<II%dd" % len(op["edges"]), op["rule"], len(op["edges"]),
                         *op["edges"])
    elif code == fd.OP_UFUNC:
        b += struct.pack("<I", op["ufunc"])
    elif code == fd.OP_PROJECT:
        flat = op["center"] + [v for row in op["w"] for v in row]
        b += struct.pack("<%dd" % len(flat), *flat)
    return b + op.get("extra", b"")


def program_bytes(n_inputs, ops, outputs, names=None, n_slots=None, flags=None):
    slots = n_inputs + sum(op["n_out"] for op in ops)
    b = struct.pack("<IIII", n_inputs, slots if n_slots is None else n_slots, len(ops),
                    len(outputs))
    b += b"".join(op_bytes(op) for op in ops)
    b += struct.pack("<%dI" % len(outputs), *outputs)
    b += struct.pack("<I", (1 if names is not None else 0) if flags is None else flags)
    if names is not None:
        b += b"".join(s_bytes(x) for x in names)
    return b


def program_of(m):
    """A deep copy of the decoded PROGRAM (ops as dicts) for editing."""
    return copy.deepcopy(m.program)


def linear_bytes(task, rule, coef, intercept):
    n_rows, n_features = len(coef), len(coef[0]) if coef else 0
    flat = [v for row in coef for v in row]
    return struct.pack("<IIII", task, rule, n_features, n_rows) + \
        struct.pack("<%dd" % len(flat), *flat) + struct.pack("<%dd" % len(intercept), *intercept)


def classes_bytes(labels, kind=1):
    return struct.pack("<III", 1, kind, len(labels)) + b"".join(s_bytes(x) for x in labels)


# ---- 3. edits with valid checksums ------------------------------------------------------------

def rebuilt(fn, **kw):
    """An edit (bytes, Frost) -> bytes: the file taken apart, fn(parts, model), put together."""
    def f(b, m):
        p = Parts(m)
        fn(p, m)
        return p.assemble(**kw)
    return f


def edits_structural(models):
    """[(name, expectation, base model name, function(bytes, Frost) -> bytes)]."""
    E = []

    def hdr(name, expect, base, fn):
        E.append((name, expect, base, fn))

    U = "rf_binary"              # uncompressed, block_shift 12, 6 positional features
    C = "small_named_lz4"        # lz4, names, metadata, string labels
    G = "gb_binary_sign"         # boosted, named
    T = "tree_raw_argmax"        # one tree, raw_argmax, uncompressed, NaN-left bits
    SC = "sk_ct"                 # PROGRAM only: ColumnTransformer, string and numeric columns

    def sb(off, fmt, val, digest=True):
        def f(b, m):
            b = bytearray(b)
            put(b, off, fmt, val)
            return fix_digest(b) if digest else b
        return f

    # superblock and footer
    hdr("major version 2", "reject", U, sb(8, "H", 2))
    hdr("major version 0", "reject", U, sb(8, "H", 0))
    hdr("major version 2 naming the frost that reads it", "reject",
        U, lambda b, m: sb(80, "11s", b"frost 2.0.0")(sb(8, "H", 2)(b, m), m))
    hdr("superblock `reader` set in a major 1 file", "reject", U, sb(80, "11s", b"frost 1.0.0"))
    hdr("minor version 9 (newer minors are accepted)", "accept", U, sb(10, "H", 9))
    hdr("superblock reserved flag bit 1", "reject", U, sb(12, "I", 2))
    hdr("block_shift 11", "reject", U, sb(16, "I", 11))
    hdr("block_shift 21", "reject", U, sb(16, "I", 21))
    hdr("block_shift 13 on a 4 KiB-block file", "reject", U, sb(16, "I", 13))
    hdr("section_count 0", "reject", U, sb(20, "I", 0))
    hdr("section_count 257", "reject", U, sb(20, "I", 257))
    hdr("header_size 0", "reject", U, sb(24, "Q", 0))
    hdr("header_size 2^40 (digest not recomputed: it cannot be)", "reject", U,
        sb(24, "Q", 1 << 40, digest=False))
    hdr("section_count 200 (the table overruns the header)", "reject", U, sb(20, "I", 200))
    hdr("header_size not a page multiple", "reject", U, sb(24, "Q", 4097))
    hdr("data_size + 4096", "reject", U,
        lambda b, m: sb(32, "Q", m.data_size + 4096)(b, m))
    hdr("trailer_size 8 without the flag", "reject", U, sb(40, "Q", 8))
    hdr("file_size + 1", "reject", U, lambda b, m: sb(48, "Q", m.file_size + 1)(b, m))
    hdr("superblock reserved u64 at 56", "reject", U, sb(56, "Q", 1))
    hdr("superblock reserved byte 100", "reject", U, sb(100, "B", 1))
    hdr("digest byte flipped", "reject", U,
        lambda b, m: bytes(b[:70]) + bytes([b[70] ^ 1]) + bytes(b[71:]))
    hdr("footer end magic", "reject", U, lambda b, m: bytes(b[:-32]) + b"FROSTENX" + bytes(b[-24:]))
    hdr("footer header_size", "reject", U,
        lambda b, m: bytes(b[:-24]) + struct.pack("<Q", m.header_size + 4096) + bytes(b[-16:]))
    hdr("footer file_size", "reject", U,
        lambda b, m: bytes(b[:-16]) + struct.pack("<Q", m.file_size - 1) + bytes(b[-8:]))
    hdr("footer reserved", "reject", U, lambda b, m: bytes(b[:-8]) + struct.pack("<Q", 1))

    # section table
    def entry(stype, field_off, fmt, val):
        def f(b, m):
            b = bytearray(b)
            i = section(m, stype)[0]
            put(b, 128 + 32 * i + field_off, fmt, val)
            return fix_digest(b)
        return f

    hdr("section reserved flag bit 1", "reject", U, entry(fd.SEC_METADATA, 4, "I", 3))
    hdr("section reserved u64", "reject", U, entry(fd.SEC_METADATA, 24, "Q", 1))
    hdr("section offset not 8-aligned", "reject", U,
        lambda b, m: entry(fd.SEC_METADATA, 8, "Q", section(m, fd.SEC_METADATA)[1] + 4)(b, m))
    hdr("section body past header_size", "reject", U,
        lambda b, m: entry(fd.SEC_METADATA, 16, "Q", m.header_size)(b, m))
    hdr("section body over the section table", "reject", U, entry(fd.SEC_METADATA, 8, "Q", 128))
    hdr("METADATA typed as CLASSES (a known type twice)", "reject", U,
        entry(fd.SEC_METADATA, 0, "I", fd.SEC_CLASSES))
    hdr("METADATA typed 77, REQUIRED (unknown required section)", "reject", U,
        lambda b, m: entry(fd.SEC_METADATA, 4, "I", 1)(entry(fd.SEC_METADATA, 0, "I", 77)(b, m),
                                                       m))
    hdr("METADATA typed 77, not required (unknown section is skipped)", "accept", U,
        entry(fd.SEC_METADATA, 0, "I", 77))
    hdr("CLASSES typed 77 on a classifier (CLASSES missing)", "reject", U,
        entry(fd.SEC_CLASSES, 0, "I", 77))
    hdr("FEATURES typed 77 (required section missing)", "reject", U,
        entry(fd.SEC_FEATURES, 0, "I", 77))
    hdr("BLOCKS without the REQUIRED flag", "accept", U, entry(fd.SEC_BLOCKS, 4, "I", 0))
    hdr("METADATA with the REQUIRED flag", "accept", U, entry(fd.SEC_METADATA, 4, "I", 1))

    def header_gap_byte(b, m):
        b = bytearray(b)
        end = max(off + ln for (_, _, off, ln) in m.sections)
        b[fd.round_up(end, 8) + 8] = 0x5A
        return fix_digest(b)
    hdr("non-zero byte in the header outside every section", "reject", U, header_gap_byte)

    # BLOCKS
    def blk(i, field_off, fmt, val_fn):
        def f(b, m):
            b = bytearray(b)
            e = block_entry(m, i if i >= 0 else len(m.blocks) + i)
            put(b, e + field_off, fmt, val_fn(m, get(b, e + field_off, fmt)))
            return fix_digest(b)
        return f

    hdr("BLOCKS reserved u32", "reject", U,
        lambda b, m: fix_digest(put(bytearray(b), section(m, 1)[1] + 4, "I", 1)))
    hdr("BLOCKS count - 1", "reject", U,
        lambda b, m: fix_digest(put(bytearray(b), section(m, 1)[1], "I", len(m.blocks) - 1)))
    hdr("block reserved byte 17", "reject", U, blk(1, 17, "B", lambda m, v: 1))
    hdr("block reserved u32 at 20", "reject", U, blk(1, 20, "I", lambda m, v: 1))
    hdr("block codec 2", "reject", U, blk(1, 16, "B", lambda m, v: 2))
    hdr("block codec lz4 on raw bytes", "reject", U, blk(1, 16, "B", lambda m, v: 1))
    hdr("block stored_size 0", "reject", U, blk(1, 8, "I", lambda m, v: 0))
    hdr("block raw_size 0", "reject", U, blk(1, 12, "I", lambda m, v: 0))
    hdr("block raw_size != stored_size (codec none)", "reject", U,
        blk(1, 12, "I", lambda m, v: v - 8))
    hdr("block offset before the data region", "reject", U,
        blk(0, 0, "Q", lambda m, v: m.header_size - 4096))
    hdr("block offset past the data region", "reject", U,
        blk(-1, 0, "Q", lambda m, v: m.data_end))
    hdr("block checksum byte (stored bytes intact)", "reject", U,
        blk(3, 24, "B", lambda m, v: v ^ 0x10))
    hdr("lz4 block stored_size > LZ4_compressBound(raw_size)", "reject", C,
        lambda b, m: blk(0, 12, "I", lambda m, v: 16)(b, m))

    def lz4_short(b, m):
        # the last block of a chunk loses its last stored byte; checksum recomputed
        b = bytearray(b)
        i = m.chunks[1]["first_block"] + m.chunks[1]["block_count"] - 1
        e = block_entry(m, i)
        put(b, e + 8, "I", get(b, e + 8, "I") - 1)
        return fix_block(b, m, i)
    hdr("lz4 block truncated by one byte (checksum recomputed)", "reject", C, lz4_short)

    def lz4_raw_size(b, m):
        # a last block claims 8 raw bytes fewer (its chunk too): decompression size mismatch
        b = bytearray(b)
        i = m.chunks[1]["first_block"] + m.chunks[1]["block_count"] - 1
        e = block_entry(m, i)
        put(b, e + 12, "I", get(b, e + 12, "I") - 8)
        ce = chunk_entry(m, 1)
        put(b, ce + 16, "Q", get(b, ce + 16, "Q") - 8)
        return fix_digest(b)
    hdr("lz4 block raw_size - 8 (and its chunk's)", "reject", C, lz4_raw_size)

    def lz4_bad_offset(b, m):
        # the first sequence of a block gets a match offset of 0xFFFF (past the output)
        b = bytearray(b)
        i = m.chunks[1]["first_block"]
        blk_ = m.blocks[i]
        off = blk_["offset"]
        src = bytes(b[off:off + blk_["stored_size"]])
        tok = src[0]
        lit = tok >> 4
        p = 1
        if lit == 15:
            while src[p] == 255:
                lit += 255
                p += 1
            lit += src[p]
            p += 1
        p += lit
        put(b, off + p, "H", 0xFFFF)
        return fix_block(b, m, i)
    hdr("lz4 match offset beyond the output (checksum recomputed)", "reject", C, lz4_bad_offset)

    # CHUNKS
    def chk(i, field_off, fmt, val_fn):
        def f(b, m):
            b = bytearray(b)
            e = chunk_entry(m, i)
            put(b, e + field_off, fmt, val_fn(m, get(b, e + field_off, fmt)))
            return fix_digest(b)
        return f

    hdr("CHUNKS reserved u32", "reject", U,
        lambda b, m: fix_digest(put(bytearray(b), section(m, 2)[1] + 4, "I", 1)))
    hdr("chunk kind 3", "reject", U, chk(1, 0, "I", lambda m, v: 3))
    hdr("body chunk marked kind 1", "reject", U, chk(1, 0, "I", lambda m, v: 1))
    hdr("chunk reserved", "reject", U, chk(1, 12, "I", lambda m, v: 1))
    hdr("chunk raw_size + 8", "reject", U, chk(1, 16, "Q", lambda m, v: v + 8))
    hdr("chunk first_block + 1", "reject", U, chk(1, 4, "I", lambda m, v: v + 1))
    hdr("chunk block_count 0", "reject", U, chk(1, 8, "I", lambda m, v: 0))

    def split_body(p, m):
        """The (single) body chunk cut in two at the start of a body on a block boundary; the
        later trees point into the new chunk. Blocks re-encoded as literal-only LZ4, so that
        chunks do not end on a page boundary."""
        bs = m.block_size
        body_ci = m.trees[with_body(m)]["body_chunk"]
        cut_t = [t for t, r in enumerate(m.trees) if r["body_chunk"] == body_ci and
                 r["body_offset"] and r["body_offset"] % bs == 0][0]
        cut = m.trees[cut_t]["body_offset"]
        raws = [m.chunk_data[ci] for ci in range(len(m.chunks))]
        raws[body_ci:body_ci + 1] = [raws[body_ci][:cut], raws[body_ci][cut:]]
        kinds = [c["kind"] for c in m.chunks]
        kinds[body_ci:body_ci + 1] = [2, 2]
        rechunk(p, m, raws, kinds=kinds, encode=lz4_literals)
        e = p.body(fd.SEC_ENSEMBLE)
        for t, r in enumerate(m.trees):
            at = tree_record(m, t) - ens(m)
            if r["body_chunk"] != fd.NONE32 and r["body_chunk"] > body_ci:
                put(e, at + 12, "I", r["body_chunk"] + 1)
            if r["body_chunk"] == body_ci and t >= cut_t:
                put(e, at + 12, "I", body_ci + 1)
                put(e, at + 16, "Q", r["body_offset"] - cut)
    hdr("packed body chunk cut in two at a block boundary (two body chunks)", "accept", C,
        rebuilt(split_body))

    def merge_chunks(b, m):
        # on the two-body-chunk file: chunk 1 also claims chunk 2's first block, which starts on
        # a new page, not right after chunk 1's last block
        b = bytearray(rebuilt(split_body)(b, m))
        m2 = fd.Frost("split", b)
        e1, e2 = chunk_entry(m2, 1), chunk_entry(m2, 2)
        moved = m2.blocks[m2.chunks[2]["first_block"]]["raw_size"]
        put(b, e1 + 8, "I", m2.chunks[1]["block_count"] + 1)
        put(b, e1 + 16, "Q", m2.chunks[1]["raw_size"] + moved)
        put(b, e2 + 4, "I", m2.chunks[2]["first_block"] + 1)
        put(b, e2 + 8, "I", m2.chunks[2]["block_count"] - 1)
        put(b, e2 + 16, "Q", m2.chunks[2]["raw_size"] - moved)
        return fix_digest(b)
    hdr("chunk claims a block that does not follow its last one", "reject", C, merge_chunks)

    # ENSEMBLE
    def ef(field_off, fmt, val_fn):
        def f(b, m):
            b = bytearray(b)
            e = ens(m) + field_off
            put(b, e, fmt, val_fn(m, get(b, e, fmt)))
            return fix_digest(b)
        return f

    hdr("ENSEMBLE task 3", "reject", U, ef(0, "I", lambda m, v: 3))
    hdr("ENSEMBLE task regressor on a classifier", "reject", U, ef(0, "I", lambda m, v: 2))
    hdr("ENSEMBLE kind 3", "reject", U, ef(4, "I", lambda m, v: 3))
    hdr("ENSEMBLE n_features 0", "reject", U, ef(8, "I", lambda m, v: 0))
    hdr("ENSEMBLE n_features 2^24", "reject", U, ef(8, "I", lambda m, v: 1 << 24))
    hdr("ENSEMBLE n_outputs 0", "reject", U, ef(12, "I", lambda m, v: 0))
    hdr("ENSEMBLE n_trees - 1", "reject", U, ef(16, "I", lambda m, v: v - 1))
    hdr("ENSEMBLE leaf_width + 1", "reject", U, ef(20, "I", lambda m, v: v + 1))
    hdr("ENSEMBLE reserved flag bit 3", "reject", U, ef(24, "I", lambda m, v: v | 8))
    hdr("ENSEMBLE link 3", "reject", U, ef(28, "I", lambda m, v: 3))
    hdr("ENSEMBLE MEAN with link 1", "reject", U, ef(28, "I", lambda m, v: 1))
    hdr("ENSEMBLE top_chunk = a body chunk", "reject", U, ef(36, "I", lambda m, v: 1))
    hdr("ENSEMBLE top_chunk out of range", "reject", U, ef(36, "I", lambda m, v: 1000))
    hdr("ENSEMBLE top_chunk 0xFFFFFFFF with trees", "reject", U,
        ef(36, "I", lambda m, v: 0xFFFFFFFF))
    hdr("ENSEMBLE MEAN with learning_rate 0.5", "reject", U, ef(40, "d", lambda m, v: 0.5))
    hdr("ENSEMBLE n_classes 3 on a 2-class forest", "reject", U, ef(48, "I", lambda m, v: 3))
    hdr("ENSEMBLE BOOSTED binary with n_classes 3", "reject", G, ef(48, "I", lambda m, v: 3))
    hdr("ENSEMBLE BOOSTED with link 2 and n_raw 1", "reject", G, ef(28, "I", lambda m, v: 2))
    hdr("ENSEMBLE BOOSTED regressor link 1", "reject", "gb_regressor",
        ef(28, "I", lambda m, v: 1))
    hdr("ENSEMBLE BOOSTED with leaf_width 2", "reject", G, ef(20, "I", lambda m, v: 2))
    hdr("ENSEMBLE NORMALIZE_LEAVES on a regressor", "reject", "rf_regressor",
        ef(24, "I", lambda m, v: v | 1))
    hdr("ENSEMBLE RAW_ARGMAX on a 40-tree forest", "reject", U, ef(24, "I", lambda m, v: v | 4))
    hdr("ENSEMBLE SIGN_DECISION on a MEAN classifier", "reject", U,
        ef(24, "I", lambda m, v: v | 2))
    hdr("ENSEMBLE SIGN_DECISION on a softmax model", "reject", "gb_softmax",
        ef(24, "I", lambda m, v: v | 2))
    hdr("ENSEMBLE NORMALIZE_LEAVES on a BOOSTED model", "reject", G,
        ef(24, "I", lambda m, v: v | 1))
    hdr("ENSEMBLE n_classes 0 on one output", "reject", "rf_multioutput",
        lambda b, m: ef(48 + 4, "I", lambda m, v: 0)(b, m))

    def tr(t, field_off, fmt, val_fn):
        def f(b, m):
            b = bytearray(b)
            e = tree_record(m, t) + field_off
            put(b, e, fmt, val_fn(m, get(b, e, fmt)))
            return fix_digest(b)
        return f

    def rec_at(field):
        return lambda t: tr(t, field[0], field[1], lambda m, v: v)

    def trf(t, field, val_fn):
        """Edits one tree record field; t may be a function of the model."""
        def f(b, m):
            tt = t(m) if callable(t) else t
            return tr(tt, field[0], field[1], val_fn)(b, m)
        return f

    def with_body(m, k=0):
        """The k-th tree that has a body."""
        return [t for t, r in enumerate(m.trees) if r["body_chunk"] != fd.NONE32][k]

    def next_body(m, t):
        """Start of the next body in tree t's chunk (or the chunk's raw_size)."""
        r = m.trees[t]
        later = [q["body_offset"] for q in m.trees[t + 1:] if q["body_chunk"] == r["body_chunk"]]
        return later[0] if later else m.chunks[r["body_chunk"]]["raw_size"]

    def with_gap(m):
        """A tree with at least 8 free bytes after its body."""
        for t, r in enumerate(m.trees):
            if r["body_chunk"] != fd.NONE32 and \
                    next_body(m, t) >= r["body_offset"] + r["body_size"] + 8:
                return t
        raise ValueError("no body followed by free space")

    def before_adjacent(m):
        """A tree whose body is immediately followed by another tree's body."""
        for t, r in enumerate(m.trees):
            if r["body_chunk"] != fd.NONE32 and t + 1 < len(m.trees) and \
                    next_body(m, t) == r["body_offset"] + r["body_size"] and \
                    any(q["body_chunk"] == r["body_chunk"] for q in m.trees[t + 1:]):
                return t
        raise ValueError("no two adjacent bodies")

    def no_body_leaf(m):
        for t, r in enumerate(m.trees):
            if r["body_chunk"] == fd.NONE32 and r["n_splits"] == 0:
                return t
        raise ValueError("no single-leaf tree without a body")

    def last_in_chunk(m):
        t = with_body(m)
        c = m.trees[t]["body_chunk"]
        return max(q for q, r in enumerate(m.trees) if r["body_chunk"] == c)

    hdr("tree top_offset not 8-aligned", "reject", U, trf(2, TR_TOP_OFFSET, lambda m, v: v + 4))
    hdr("tree top part past the top chunk", "reject", U,
        trf(39, TR_TOP_OFFSET, lambda m, v: m.chunks[m.top_chunk]["raw_size"]))
    hdr("tree top_size 0", "reject", U, trf(2, TR_TOP_SIZE, lambda m, v: 0))
    hdr("tree top_size not 8-aligned", "reject", U, trf(2, TR_TOP_SIZE, lambda m, v: v + 4))
    hdr("tree body_chunk out of range", "reject", U, trf(2, TR_BODY_CHUNK, lambda m, v: 1000))
    hdr("tree body_chunk = the top chunk", "reject", U, trf(2, TR_BODY_CHUNK, lambda m, v: 0))
    hdr("tree body_chunk none though its nodes are in the body", "reject", U,
        trf(with_body, TR_BODY_CHUNK, lambda m, v: 0xFFFFFFFF))
    hdr("tree body_chunk none, body_offset/body_size 0, though its nodes are in the body",
        "reject", U, lambda b, m: trf(with_body, TR_BODY_CHUNK, lambda m, v: 0xFFFFFFFF)(
            trf(with_body, TR_BODY_SIZE, lambda m, v: 0)(
                trf(with_body, TR_BODY_OFFSET, lambda m, v: 0)(b, m), m), m))
    hdr("tree body_offset not 8-aligned", "reject", U,
        trf(with_body, TR_BODY_OFFSET, lambda m, v: v + 4))
    hdr("tree body_size not 8-aligned", "reject", U,
        trf(with_gap, TR_BODY_SIZE, lambda m, v: v + 4))
    hdr("tree body runs 8 bytes past the end of its chunk", "reject", U,
        lambda b, m: trf(last_in_chunk, TR_BODY_SIZE,
                         lambda m, v: v + 8 + m.chunks[m.trees[last_in_chunk(m)]["body_chunk"]]
                         ["raw_size"] - m.trees[last_in_chunk(m)]["body_offset"] - v)(b, m))
    hdr("tree body overlaps the next tree's body by 8 bytes", "reject", U,
        trf(before_adjacent, TR_BODY_SIZE, lambda m, v: v + 8))
    hdr("tree body grown by 8 unused bytes (free space before the next body)", "accept", U,
        trf(with_gap, TR_BODY_SIZE, lambda m, v: v + 8))

    def swap_records(b, m):
        # two consecutive trees with bodies in one chunk trade records: their bodies are then
        # out of record order (every other rule still holds)
        t = before_adjacent(m)
        b = bytearray(b)
        e1, e2 = tree_record(m, t), tree_record(m, t + 1)
        r1, r2 = bytes(b[e1:e1 + fd.TREE_RECORD]), bytes(b[e2:e2 + fd.TREE_RECORD])
        b[e1:e1 + fd.TREE_RECORD] = r2
        b[e2:e2 + fd.TREE_RECORD] = r1
        return fix_digest(b)
    hdr("two tree records swapped (bodies out of record order in their chunk)", "reject", U,
        swap_records)
    hdr("tree without a body: body_offset 8", "reject", U,
        trf(no_body_leaf, TR_BODY_OFFSET, lambda m, v: 8))
    hdr("tree without a body: body_size 8", "reject", U,
        trf(no_body_leaf, TR_BODY_SIZE, lambda m, v: 8))
    hdr("single-leaf tree naming a body chunk with body_size 0", "either", U,
        trf(no_body_leaf, TR_BODY_CHUNK, lambda m, v: 1))
    hdr("tree raw_column 1 in a MEAN model", "reject", U, trf(2, TR_RAW_COLUMN, lambda m, v: 1))
    hdr("tree raw_column = n_raw (softmax)", "reject", "gb_softmax",
        trf(0, TR_RAW_COLUMN, lambda m, v: m.n_raw))
    hdr("tree n_leaves != n_splits + 1", "reject", U, trf(2, TR_N_LEAVES, lambda m, v: v + 1))
    hdr("tree n_splits and n_leaves + 1 (walk disagrees)", "reject", U,
        lambda b, m: trf(2, TR_N_SPLITS, lambda m, v: v + 1)(
            trf(2, TR_N_LEAVES, lambda m, v: v + 1)(b, m), m))
    hdr("tree n_splits 0, n_leaves 1 on a split root (root read as a leaf, body unused)",
        "either", U, lambda b, m: trf(with_body, TR_N_SPLITS, lambda m, v: 0)(
            trf(with_body, TR_N_LEAVES, lambda m, v: 1)(b, m), m))
    hdr("ENSEMBLE body with 8 trailing zero bytes", "reject", U,
        rebuilt(lambda p, m: p.body(fd.SEC_ENSEMBLE).extend(bytes(8))))

    # FEATURES / CLASSES / METADATA
    def feat(field_off, fmt, val_fn, base_sec=fd.SEC_FEATURES):
        def f(b, m):
            b = bytearray(b)
            e = section(m, base_sec)[1] + field_off
            put(b, e, fmt, val_fn(m, get(b, e, fmt)))
            return fix_digest(b)
        return f

    hdr("FEATURES n_features + 1", "reject", U, feat(0, "I", lambda m, v: v + 1))
    hdr("FEATURES reserved flag bit 2", "reject", U, feat(4, "I", lambda m, v: v | 4))
    hdr("FEATURES kinds flag without the kinds", "reject", U, feat(4, "I", lambda m, v: v | 2))
    hdr("FEATURES named flag without names", "reject", U, feat(4, "I", lambda m, v: 1))
    hdr("FEATURES name with invalid UTF-8", "reject", C, feat(8 + 4, "B", lambda m, v: 0xFF))
    hdr("FEATURES name with a NUL byte", "reject", C, feat(8 + 4, "B", lambda m, v: 0))
    hdr("FEATURES name length past the body", "reject", C, feat(8, "I", lambda m, v: 1 << 30))
    hdr("CLASSES n_outputs + 1", "reject", U, feat(0, "I", lambda m, v: v + 1, fd.SEC_CLASSES))
    hdr("CLASSES kind 5", "reject", U, feat(4, "I", lambda m, v: 5, fd.SEC_CLASSES))
    hdr("CLASSES kind 0", "reject", U, feat(4, "I", lambda m, v: 0, fd.SEC_CLASSES))
    hdr("CLASSES count + 1", "reject", U, feat(8, "I", lambda m, v: v + 1, fd.SEC_CLASSES))
    hdr("CLASSES label kind int -> str (labels unchanged)", "accept", U,
        feat(4, "I", lambda m, v: 3, fd.SEC_CLASSES))
    hdr("CLASSES label '1.5' under kind int (spelling not checked)", "accept", U,
        rebuilt(lambda p, m: set_section(p, fd.SEC_CLASSES, classes_bytes(["0", "1.5"], 1))))
    hdr("METADATA count + 1", "reject", U, feat(0, "I", lambda m, v: v + 1, fd.SEC_METADATA))

    def meta_value(raw):
        def f(b, m):
            b = bytearray(b)
            e = section(m, fd.SEC_METADATA)[1] + 4 + 4 + len("sklearn_version") + 4
            b[e:e + len(raw)] = raw
            return fix_digest(b)
        return f
    hdr("METADATA value with an overlong UTF-8 form (E0 80 AF)", "reject", C,
        meta_value(b"\xe0\x80\xaf"))
    hdr("METADATA value with a UTF-16 surrogate (ED A0 80)", "reject", C,
        meta_value(b"\xed\xa0\x80"))
    hdr("METADATA value with a 3-byte UTF-8 character (E2 9C 93, valid)", "accept", C,
        meta_value(b"\xe2\x9c\x93"))
    hdr("METADATA value with invalid UTF-8", "reject", C,
        lambda b, m: feat(4 + 4 + len("sklearn_version") + 4, "B", lambda m, v: 0xC0,
                          fd.SEC_METADATA)(b, m))

    # tree nodes (uncompressed model, checksums recomputed)
    def node_edit(t, which, fn):
        """fn(fields, m, rec, nodes, off) -> new (thr, fw, left, right) for the `which`-th split
        (in walk order) of tree t (an index or a function of the model)."""
        def f(b, m):
            tt = t(m) if callable(t) else t
            b = bytearray(b)
            nodes = [n for n in tree_nodes(m, tt) if n[1] == "split"]
            off, _, fields = nodes[which]
            new = fn(fields, m, m.trees[tt], nodes, off)
            bi, fpos = tree_file_pos(m, tt, off)
            put(b, fpos, "fIII", *new)
            return fix_block(b, m, bi)
        return f

    def big_body(m):
        """A tree whose body spans several blocks and does not start on a block boundary, when
        there is one (else one that spans several blocks)."""
        cands = [t for t, r in enumerate(m.trees)
                 if r["body_chunk"] != fd.NONE32 and r["body_size"] > m.block_size + 64]
        odd = [t for t in cands if m.trees[t]["body_offset"] % m.block_size]
        return (odd or cands)[0]

    def straddle(m, r, parent_off):
        """A tree-space offset whose 16 bytes straddle a block boundary of the body chunk's grid
        (counted from the chunk start), after parent_off and inside the body."""
        bs = m.block_size
        rel = (bs - 8 - r["body_offset"] % bs) % bs
        while r["top_size"] + rel <= parent_off:
            rel += bs
        assert rel + 16 <= r["body_size"], "the body has no block boundary after the parent"
        return r["top_size"] + rel

    hdr("split left child = its own offset", "reject", U,
        node_edit(2, 0, lambda x, m, r, n, o: (x[0], x[1], 0, x[3])))
    hdr("split child offset before the parent", "reject", U,
        node_edit(2, 3, lambda x, m, r, n, o: (x[0], x[1], n[0][0], x[3])))
    hdr("split child ref kind 2", "reject", U,
        node_edit(2, 0, lambda x, m, r, n, o: (x[0], x[1], (x[2] & ~7) | 2, x[3])))
    hdr("split child ref kind 3", "reject", U,
        node_edit(2, 0, lambda x, m, r, n, o: (x[0], x[1], x[2], (x[3] & ~7) | 3)))
    hdr("split child ref bit 2 set", "reject", U,
        node_edit(2, 0, lambda x, m, r, n, o: (x[0], x[1], x[2] | 4, x[3])))
    hdr("split feature = n_features", "reject", U,
        node_edit(2, 1, lambda x, m, r, n, o: (x[0], (x[1] & 0x80000000) | m.n_features, x[2],
                                            x[3])))
    hdr("split reserved bit 24", "reject", U,
        node_edit(2, 1, lambda x, m, r, n, o: (x[0], x[1] | (1 << 24), x[2], x[3])))
    hdr("split child past the tree's space", "reject", U,
        node_edit(2, 1, lambda x, m, r, n, o: (x[0], x[1], x[2],
                                            r["top_size"] + r["body_size"])))
    hdr("split child is a leaf whose values run past the body", "reject", U,
        node_edit(2, 1, lambda x, m, r, n, o: (x[0], x[1], x[2],
                                            (r["top_size"] + r["body_size"] - 8) | 1)))
    hdr("split child is a split node straddling two blocks of the chunk", "reject", U,
        node_edit(big_body, 0, lambda x, m, r, n, o: (x[0], x[1], x[2], straddle(m, r, o))))
    hdr("split child is a leaf straddling two blocks of the chunk", "reject", U,
        node_edit(big_body, 0, lambda x, m, r, n, o: (x[0], x[1], x[2],
                                                      straddle(m, r, o) | 1)))
    hdr("split child at the end of its body (the next tree's bytes)", "reject", U,
        node_edit(before_adjacent, 1, lambda x, m, r, n, o: (x[0], x[1], x[2],
                                                             r["top_size"] + r["body_size"])))
    hdr("split children swapped (valid, predictions change)", "accept", U,
        node_edit(2, 0, lambda x, m, r, n, o: (x[0], x[1], x[3], x[2])))
    hdr("split NaN-goes-left bit flipped (valid)", "accept", T,
        node_edit(0, 0, lambda x, m, r, n, o: (x[0], x[1] ^ 0x80000000, x[2], x[3])))
    hdr("split threshold NaN", "accept", U,
        node_edit(2, 0, lambda x, m, r, n, o: (math.nan, x[1], x[2], x[3])))
    hdr("split threshold +inf", "accept", U,
        node_edit(2, 0, lambda x, m, r, n, o: (math.inf, x[1], x[2], x[3])))
    hdr("both children of a split are the same subtree (a DAG)", "reject", U,
        node_edit(2, 0, lambda x, m, r, n, o: (x[0], x[1], x[2], x[2])))
    hdr("a top-part node whose child crosses into the body mid-node", "reject", T,
        node_edit(0, 0, lambda x, m, r, n, o: (x[0], x[1], x[2], r["top_size"] - 8)))

    # lenient / layout freedom (rebuilt files)
    hdr("re-assembled unchanged", "accept", U, rebuilt(lambda p, m: None))
    hdr("unknown optional section added", "accept", U,
        rebuilt(lambda p, m: p.sections.append([1000, 0, bytearray(b"hello, future")])))
    hdr("unknown optional empty section", "accept", U,
        rebuilt(lambda p, m: p.sections.insert(0, [99, 0, bytearray()])))
    hdr("section bodies in reverse order", "accept", C,
        lambda b, m: Parts(m).assemble(body_order=list(range(len(m.sections)))[::-1]))
    hdr("section table entries reordered", "accept", C,
        rebuilt(lambda p, m: p.sections.reverse()))
    hdr("zero gap between the table and the bodies", "accept", U,
        lambda b, m: Parts(m).assemble(table_pad=64))
    hdr("header 2 pages larger (block offsets moved)", "accept", C,
        lambda b, m: Parts(m).assemble(header_size=m.header_size + 8192))

    def signed(damage=None):
        """The file signed as FORMAT.md's signature trailer says, by a key made here; damage
        names one thing then done wrong."""
        def f(b, m):
            import hashlib
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
            from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
            p = Parts(m)
            p.flags |= 1
            p.trailer = bytearray(168)
            out = bytearray(p.assemble())
            hs, ds = get(out, 24, "Q"), get(out, 32, "Q")
            end = hs + ds
            key = Ed25519PrivateKey.generate()
            rec = bytearray(struct.pack("<II", 1, 160))
            rec += key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
            rec += hashlib.blake2b(bytes(out[:hs]), digest_size=32).digest()
            data = bytearray(out[hs:end])
            if damage == "data_hash":
                data[0] ^= 1
            rec += hashlib.blake2b(bytes(data), digest_size=32).digest()
            rec += key.sign(b"frost signature\0" + bytes(rec))
            if damage == "signature":
                rec[-1] ^= 1
            if damage == "block":
                out[hs] ^= 1
            out[end:end + 168] = rec
            return out
        return f
    hdr("signature trailer: an Ed25519 signature (frost verify checks it)", "accept", U,
        signed())
    hdr("signature trailer: a signature byte changed", "reject", U, signed("signature"))
    hdr("signature trailer: data_hash of other data (signed)", "reject", U, signed("data_hash"))
    hdr("signature trailer: a block byte changed after signing", "reject", U, signed("block"))

    def trailer_short(p, m):
        p.flags |= 1
        p.trailer = bytearray(struct.pack("<II", 1, 8) + b"signatur")
    hdr("signature trailer: an Ed25519 record of 16 bytes (loads; verify refuses)", "reject", U,
        rebuilt(trailer_short))

    def trailer_small(p, m):
        p.flags |= 1
        p.trailer = bytearray(4)
    hdr("signature trailer of 4 bytes", "reject", U, rebuilt(trailer_small))

    def no_metadata(p, m):
        p.sections = [s for s in p.sections if s[0] != fd.SEC_METADATA]
    hdr("no METADATA section", "accept", U, rebuilt(no_metadata))

    def dup_key(p, m):
        body = bytearray(struct.pack("<I", 2) + s_bytes("k") + s_bytes("a") + s_bytes("k") +
                         s_bytes("b"))
        for s in p.sections:
            if s[0] == fd.SEC_METADATA:
                s[2] = body
    hdr("METADATA duplicate key", "reject", U, rebuilt(dup_key))

    def meta_trailing(p, m):
        p.body(fd.SEC_METADATA).extend(b"\0" * 8)
    hdr("METADATA body with 8 trailing zero bytes", "reject", U, rebuilt(meta_trailing))

    def classes_on_regressor(p, m):
        p.sections.append([fd.SEC_CLASSES, 1, bytearray(struct.pack("<III", 1, 1, 2) +
                                                         s_bytes("0") + s_bytes("1"))])
    hdr("CLASSES section on a regressor", "reject", "rf_regressor", rebuilt(classes_on_regressor))

    def repeated_names(p, m):
        body = bytearray(struct.pack("<II", m.n_features, 1))
        for j in range(m.n_features):
            body += s_bytes("same")
        for s in p.sections:
            if s[0] == fd.SEC_FEATURES:
                s[2] = body
    hdr("FEATURES names repeated (allowed; not predicted: CSV columns match by name)", "accept",
        U + ":norows", rebuilt(repeated_names))

    def page_gap(p, m):
        # one extra zero page before the last chunk (a chunk may start after the rounded end)
        last = m.chunks[-1]
        start = last["start"] - m.header_size
        p.data[start:start] = bytearray(fd.PAGE)
        blocks = p.body(fd.SEC_BLOCKS)
        for k in range(last["first_block"], last["first_block"] + last["block_count"]):
            e = 8 + 32 * k
            put(blocks, e, "Q", get(blocks, e, "Q") + fd.PAGE)
    hdr("a zero page between two chunks", "accept", U, rebuilt(page_gap))

    def padding_byte(b, m):
        b = bytearray(b)
        b[m.chunks[0]["end"] + 1] = 0xAA
        return b
    hdr("non-zero page padding between chunks (loads; verify refuses)", "reject", U,
        padding_byte)

    def shift_blocks(p, first, delta):
        blocks = p.body(fd.SEC_BLOCKS)
        for k in range(first, get(blocks, 0, "I")):
            e = 8 + 32 * k
            put(blocks, e, "Q", get(blocks, e, "Q") + delta)

    def lead_page(p, m):
        p.data[0:0] = bytearray(fd.PAGE)
        shift_blocks(p, 0, fd.PAGE)
    hdr("a zero page before chunk 0 (chunk 0 not at header_size)", "reject", U,
        rebuilt(lead_page))

    def tail_page(p, m):
        p.data.extend(bytearray(fd.PAGE))
    hdr("a zero page after the last chunk (data_size too large)", "reject", U, rebuilt(tail_page))

    def extra_chunk(kind):
        def f(p, m):
            # one more chunk (one 16-byte block on a new page) that no tree uses
            raw = bytes(16)
            blocks = p.body(fd.SEC_BLOCKS)
            n = get(blocks, 0, "I")
            put(blocks, 0, "I", n + 1)
            blocks += struct.pack("<QIIB3sI", m.header_size + len(p.data), 16, 16, 0, b"", 0)
            blocks += xxhash.xxh3_64_digest(raw)
            p.data += raw + bytes(fd.PAGE - 16)
            chunks = p.body(fd.SEC_CHUNKS)
            put(chunks, 0, "I", get(chunks, 0, "I") + 1)
            chunks += struct.pack("<IIIIQ", kind, n, 1, 0, 16)
        return f
    hdr("a body chunk that belongs to no tree", "reject", U, rebuilt(extra_chunk(2)))
    hdr("a second top chunk that no tree uses", "either", U, rebuilt(extra_chunk(1)))
    hdr("top chunk marked kind 2", "reject", U, chk(0, 0, "I", lambda m, v: 2))

    def trailer_lies(p, m):
        p.flags |= 1
        p.trailer = bytearray(struct.pack("<II", 0xDEAD, 0xFFFFFFFF) + b"x" * 13)
    hdr("signature trailer of an unknown type with a wrong length (loads; verify refuses)",
        "reject", U, rebuilt(trailer_lies))

    # LZ4 streams other than LZ4_compress_default's (checksums valid)
    hdr("every block re-encoded as codec none", "accept", C,
        rebuilt(lambda p, m: relayout(p, m, lambda i, raw, c, st: (0, raw))))
    hdr("every block re-encoded as literal-only LZ4", "accept", C,
        rebuilt(lambda p, m: relayout(p, m, lambda i, raw, c, st: (1, lz4_literals(raw)))))
    hdr("an uncompressed model re-encoded as LZ4", "accept", U,
        rebuilt(lambda p, m: relayout(p, m, lambda i, raw, c, st: (1, lz4_literals(raw)))))

    def end_match(p, m):
        done = []

        def enc(i, raw, c, st):
            if not done and len(raw) > 64:
                tail = raw[-4:]
                j = raw.rfind(tail, 0, len(raw) - 5)
                if j >= 0:
                    done.append(i)
                    return 1, lz4_lit_then_match(raw, 4, len(raw) - 4 - j)
            return c, st
        relayout(p, m, enc)
        if not done:
            raise ValueError("no block ends with 4 bytes seen earlier")
    hdr("lz4 block ending in a match (breaks LZ4's end-of-block conditions)", "reject", C,
        rebuilt(end_match))

    def boundary_match(back_start, back_end):
        # one block re-encoded with a match from n-back_start to n-back_end (n = raw size)
        def f(p, m):
            done = []

            def enc(i, raw, c, st):
                n = len(raw)
                if not done and n > 64:
                    b = lz4_one_match(raw, n - back_start, back_start - back_end)
                    if b is not None:
                        done.append(i)
                        return 1, b
                return c, st
            relayout(p, m, enc)
            if not done:
                raise ValueError("no block has the bytes for this match")
        return f
    hdr("lz4 last match from 12 to 5 bytes before the end (the limits, valid)", "accept",
        "rf_multioutput", rebuilt(boundary_match(12, 5)))
    hdr("lz4 last match starting 11 bytes before the end", "reject", "rf_multioutput",
        rebuilt(boundary_match(11, 5)))
    hdr("lz4 last match ending 4 bytes before the end", "reject", "rf_multioutput",
        rebuilt(boundary_match(12, 4)))

    def offset_zero(p, m):
        done = []

        def enc(i, raw, c, st):
            if not done and len(raw) > 64 and raw[-4:] == bytes(4):
                done.append(i)
                return 1, lz4_lit_then_match(raw, 4, 0)
            return c, st
        relayout(p, m, enc)
        if not done:
            raise ValueError("no block ends with 4 zero bytes")
    hdr("lz4 match with offset 0 (invalid in LZ4's block format)", "reject", U,
        rebuilt(offset_zero))

    def empty_model(p, m):
        # n_trees 0: no blocks, no chunks, top_chunk 0xFFFFFFFF, data_size 0
        p.data = bytearray()
        e = p.body(fd.SEC_ENSEMBLE)
        new = bytearray(e[:48 + 4 * len(m.n_classes) + 8 * m.n_raw])
        put(new, 16, "I", 0)
        put(new, 36, "I", 0xFFFFFFFF)
        for s in p.sections:
            if s[0] == fd.SEC_ENSEMBLE:
                s[2] = new
            if s[0] in (fd.SEC_BLOCKS, fd.SEC_CHUNKS):
                s[2] = bytearray(8)
    hdr("a model with no trees (n_trees 0)", "reject", "rf_regressor", rebuilt(empty_model))

    # tree spaces relocated inside their chunks (rebuilt, codec none)
    def first_split_pos(m, which):
        """Chunk position of the first split node stored in the top chunk / a body chunk."""
        for t, r in enumerate(m.trees):
            for off, kind, _ in tree_nodes(m, t):
                if kind != "split":
                    continue
                if which == "top" and off < r["top_size"]:
                    return r["top_offset"] + off
                if which == "body" and off >= r["top_size"]:
                    return r["body_offset"] + off - r["top_size"]
        raise ValueError("no split node in a %s chunk" % which)

    def shift_chunk(which, by):
        """Prefixes the top chunk ("top") or every body chunk ("body") with zero bytes and moves
        every top_offset / body_offset along: valid exactly when no node or leaf ends up across
        a block boundary of the chunk's grid (counted from the chunk start). by: a byte count,
        or "straddle": the shift that puts the first split node 8 bytes before a boundary."""
        def f(p, m):
            n = by
            if by == "straddle":
                n = (m.block_size - 8 - first_split_pos(m, which) % m.block_size) % m.block_size
                assert n >= 8
            raws = []
            for ci, c in enumerate(m.chunks):
                raw = m.chunk_data[ci]
                if (which == "top") == (c["kind"] == 1):
                    raw = bytes(n) + raw
                raws.append(raw)
            rechunk(p, m, raws)
            e = p.body(fd.SEC_ENSEMBLE)
            for t, r in enumerate(m.trees):
                at = tree_record(m, t) - ens(m)
                if which == "top":
                    put(e, at, "Q", r["top_offset"] + n)
                elif r["body_chunk"] != fd.NONE32:
                    put(e, at + 16, "Q", r["body_offset"] + n)
        return f
    hdr("body chunk starts with a whole zero block (every body_offset + block_size)", "accept",
        T, rebuilt(shift_chunk("body", 4096)))
    hdr("body chunk starts with 8 zero bytes (body_offset 8; no node crosses a block)",
        "accept", T, rebuilt(shift_chunk("body", 8)))
    hdr("body chunk shifted so that a split node straddles a block of the chunk", "reject", T,
        rebuilt(shift_chunk("body", "straddle")))
    hdr("top chunk starts with a whole zero block (every top_offset + block_size)", "accept",
        "gb_softmax", rebuilt(shift_chunk("top", 4096)))
    hdr("top chunk starts with 8 zero bytes (no node crosses a block)", "accept", "gb_softmax",
        rebuilt(shift_chunk("top", 8)))
    hdr("top chunk shifted so that a split node straddles a block of the chunk", "reject",
        "gb_softmax", rebuilt(shift_chunk("top", "straddle")))
    hdr("packed bodies, body chunk shifted by a whole block", "accept", U,
        rebuilt(shift_chunk("body", 4096)))
    hdr("packed bodies, body chunk shifted so that a split node straddles a block", "reject", U,
        rebuilt(shift_chunk("body", "straddle")))

    # FEATURES kinds
    def features_edit(kinds_fn=None, names=True, n_fn=None):
        def f(p, m):
            n = m.n_features_in if n_fn is None else n_fn(m)
            kinds = kinds_fn(m) if kinds_fn else None
            set_section(p, fd.SEC_FEATURES,
                        features_bytes(n, kinds, m.feature_names if names else None))
        return rebuilt(f)
    hdr("FEATURES kinds present, all numeric", "accept", U,
        features_edit(lambda m: [0] * m.n_features_in))
    hdr("FEATURES kind 2", "reject", U, features_edit(lambda m: [0, 2] + [0] * 4))
    hdr("FEATURES string column without a PROGRAM (tree model)", "either", U,
        features_edit(lambda m: [0, 1] + [0] * 4))
    hdr("FEATURES string column retyped numeric (PROGRAM reads it as a string)", "reject", SC,
        features_edit(lambda m: [0] * m.n_features_in))
    hdr("FEATURES kinds flag cleared on a PROGRAM with string columns", "reject", SC,
        features_edit(None))
    hdr("FEATURES numeric column retyped string (PROGRAM imputes it as a number)", "reject", SC,
        features_edit(lambda m: [1] + m.feature_kinds[1:]))
    hdr("FEATURES passthrough column retyped string (a string output slot)", "reject", SC,
        features_edit(lambda m: m.feature_kinds[:4] + [1]))
    hdr("FEATURES one more column (PROGRAM n_inputs differs)", "reject", SC,
        rebuilt(lambda p, m: set_section(p, fd.SEC_FEATURES, features_bytes(
            m.n_features_in + 1, m.feature_kinds + [0], m.feature_names + ["extra"]))))

    # LINEAR
    def lin(field_off, fmt, val_fn):
        return feat(field_off, fmt, val_fn, fd.SEC_LINEAR)
    LR, LG, LS = "sk_linreg", "sk_logreg", "sk_pipe_softmax"
    hdr("LINEAR task 3", "reject", LG, lin(0, "I", lambda m, v: 3))
    hdr("LINEAR rule 0", "reject", LG, lin(4, "I", lambda m, v: 0))
    hdr("LINEAR rule 7", "reject", LG, lin(4, "I", lambda m, v: 7))
    hdr("LINEAR binary logistic as rule 5 (binary softmax)", "accept", LG,
        lin(4, "I", lambda m, v: 5))
    hdr("LINEAR binary logistic as rule 6 (decision only)", "accept", LG,
        lin(4, "I", lambda m, v: 6))
    hdr("LINEAR softmax as rule 3 (one-vs-rest)", "accept", LS, lin(4, "I", lambda m, v: 3))
    hdr("LINEAR softmax as rule 6 (decision only)", "accept", LS, lin(4, "I", lambda m, v: 6))
    hdr("LINEAR regressor with rule 2", "either", LR, lin(4, "I", lambda m, v: 2))
    hdr("LINEAR binary classifier with rule 1", "either", LG, lin(4, "I", lambda m, v: 1))
    hdr("LINEAR rule 4 (softmax) with one row", "either", LG, lin(4, "I", lambda m, v: 4))
    hdr("LINEAR rule 2 (binary logistic) with 3 rows", "either", LS, lin(4, "I", lambda m, v: 2))
    hdr("LINEAR n_rows + 1", "reject", LR, lin(12, "I", lambda m, v: v + 1))
    hdr("LINEAR n_features + 1", "reject", LR, lin(8, "I", lambda m, v: v + 1))
    hdr("LINEAR body 8 bytes longer", "reject", LR,
        rebuilt(lambda p, m: p.body(fd.SEC_LINEAR).extend(bytes(8))))
    hdr("LINEAR coefficient NaN (regressor)", "accept", LR,
        lin(16, "d", lambda m, v: math.nan))
    hdr("LINEAR coefficient +inf (regressor)", "accept", LR,
        lin(16, "d", lambda m, v: math.inf))

    def lin_fewer(p, m):
        set_section(p, fd.SEC_LINEAR, linear_bytes(m.task, m.rule, [r[:-1] for r in m.coef],
                                                   m.intercept))
    hdr("LINEAR n_features != PROGRAM n_outputs", "reject", "sk_pipe_logreg", rebuilt(lin_fewer))

    def lin_multi_target(p, m):
        set_section(p, fd.SEC_LINEAR, linear_bytes(2, 1, m.coef + [[-v for v in m.coef[0]],
                                                                   [0.5, 0.25]],
                                                   m.intercept + [1.5, -3.0]))
    hdr("LINEAR regressor with 3 target rows", "accept", LR, rebuilt(lin_multi_target))

    def lin_classes3(p, m):
        set_section(p, fd.SEC_CLASSES, classes_bytes(["a", "b", "c"], 3))
    hdr("CLASSES with 3 labels on a one-row LINEAR classifier", "reject", LG,
        rebuilt(lin_classes3))

    def both_estimators(p, m):
        set_section(p, fd.SEC_LINEAR, linear_bytes(1, 2, [[0.5] * m.n_features], [0.25]))
    hdr("ENSEMBLE and LINEAR in one file", "reject", U, rebuilt(both_estimators))

    def drop(*types):
        def f(p, m):
            for t in types:
                set_section(p, t, None)
        return rebuilt(f)
    hdr("LINEAR and CLASSES removed (no estimator, no PROGRAM)", "reject", LG,
        drop(fd.SEC_LINEAR, fd.SEC_CLASSES))
    # (CHECKS go too: the estimator's own checks would name an estimator no longer there)
    hdr("LINEAR and CLASSES removed from a pipeline (a transformer remains)", "accept",
        "sk_pipe_logreg", drop(fd.SEC_LINEAR, fd.SEC_CLASSES, fd.SEC_CHECKS))
    hdr("LINEAR removed, CLASSES kept (CLASSES without an estimator)", "reject",
        "sk_pipe_logreg", drop(fd.SEC_LINEAR))
    hdr("CLASSES removed from a LINEAR classifier", "reject", LG, drop(fd.SEC_CLASSES))

    def no_trees(p, m):
        set_section(p, fd.SEC_ENSEMBLE, None)
        set_section(p, fd.SEC_CLASSES, None)
        set_section(p, fd.SEC_CHECKS, None)
        rechunk(p, m, [])
    hdr("ENSEMBLE, CLASSES and chunks removed from a tree pipeline (a transformer remains)",
        "accept", "sk_pipe_rf", rebuilt(no_trees))

    def orphan_chunks(p, m):
        set_section(p, fd.SEC_ENSEMBLE, None)
        set_section(p, fd.SEC_CLASSES, None)
    hdr("ENSEMBLE removed, its chunks left (chunks of no tree)", "reject", "sk_pipe_rf",
        rebuilt(orphan_chunks))
    hdr("PROGRAM removed from a pipeline (FEATURES no longer match LINEAR)", "reject",
        "sk_pipe_logreg", drop(fd.SEC_PROGRAM))

    # PROGRAM
    def prog_edit(fn, **kw):
        """fn(prog, m) edits a copy of the decoded program; it is written back per FORMAT.md."""
        def f(p, m):
            prog = program_of(m)
            res = fn(prog, m)
            if res is not None:
                prog = res
            set_section(p, fd.SEC_PROGRAM,
                        program_bytes(prog["n_inputs"], prog["ops"], prog["outputs"],
                                      prog["names"], **prog.get("kw", {})))
        return rebuilt(f)

    def op_of(prog, code, k=0):
        return [op for op in prog["ops"] if op["opcode"] == code][k]

    def setter(code, key, val, k=0):
        def f(prog, m):
            op_of(prog, code, k)[key] = val(op_of(prog, code, k)) if callable(val) else val
        return f

    def pkw(**kw):
        def f(prog, m):
            prog["kw"] = kw
        return f
    hdr("PROGRAM written back unchanged", "accept", SC, prog_edit(lambda prog, m: None))
    hdr("PROGRAM n_inputs + 1", "reject", SC,
        prog_edit(lambda prog, m: prog.update(n_inputs=prog["n_inputs"] + 1)))
    hdr("PROGRAM n_slots + 1", "reject", SC,
        prog_edit(lambda prog, m: pkw(n_slots=prog["n_slots"] + 1)(prog, m)))
    hdr("PROGRAM n_outputs 0", "reject", "sk_scaler",
        prog_edit(lambda prog, m: prog.update(outputs=[], names=[])))
    hdr("PROGRAM reserved flag bit 1", "reject", SC, prog_edit(pkw(flags=3)))
    hdr("PROGRAM output names removed (flag 0)", "accept", SC,
        prog_edit(lambda prog, m: prog.update(names=None)))
    hdr("PROGRAM body 8 bytes longer", "reject", SC,
        rebuilt(lambda p, m: p.body(fd.SEC_PROGRAM).extend(bytes(8))))
    hdr("PROGRAM opcode 11", "reject", SC, prog_edit(setter(fd.OP_IMPUTE, "opcode", 11)))
    hdr("PROGRAM opcode 0", "reject", SC, prog_edit(setter(fd.OP_IMPUTE, "opcode", 0)))
    hdr("PROGRAM operation reserved field", "reject", SC,
        prog_edit(setter(fd.OP_SCALE, "reserved", 1)))
    hdr("PROGRAM input slot = the operation's own first output", "reject", SC,
        prog_edit(lambda prog, m: op_of(prog, fd.OP_SCALE)["ins"].__setitem__(
            0, m.n_features_in + sum(op["n_out"] for op in prog["ops"][:1]))))
    hdr("PROGRAM input slot after the operation's outputs", "reject", SC,
        prog_edit(lambda prog, m: op_of(prog, fd.OP_IMPUTE)["ins"].__setitem__(
            0, prog["n_slots"] - 1)))
    hdr("PROGRAM IMPUTE reads a string slot", "reject", SC,
        prog_edit(lambda prog, m: op_of(prog, fd.OP_IMPUTE)["ins"].__setitem__(
            0, m.feature_kinds.index(fd.STR))))
    hdr("PROGRAM IMPUTE_STR reads a numeric slot", "reject", SC,
        prog_edit(lambda prog, m: op_of(prog, fd.OP_IMPUTE_STR)["ins"].__setitem__(0, 0)))
    hdr("PROGRAM SCALE mode 3", "reject", SC, prog_edit(setter(fd.OP_SCALE, "mode", 3)))
    hdr("PROGRAM SCALE mode 0 -> 2 (x * a, b unused; valid, values change)", "accept", SC,
        prog_edit(setter(fd.OP_SCALE, "mode", 2)))
    hdr("PROGRAM SCALE clip 2", "either", SC, prog_edit(setter(fd.OP_SCALE, "clip", 2)))
    hdr("PROGRAM SCALE mode 0 -> 1 (valid, values change)", "accept", SC,
        prog_edit(setter(fd.OP_SCALE, "mode", 1)))

    def clip_it(prog, m):
        op = op_of(prog, fd.OP_SCALE)
        op.update(clip=1, lo=-0.75, hi=0.5)
    hdr("PROGRAM SCALE with clip [-0.75, 0.5] before a forest", "accept", "sk_pipe_rf",
        prog_edit(clip_it))
    hdr("PROGRAM SCALE with clip [-0.75, 0.5] before a linear model", "accept", "sk_pipe_logreg",
        prog_edit(clip_it))
    hdr("PROGRAM SCALE with clip lo > hi", "either", SC,
        prog_edit(lambda prog, m: op_of(prog, fd.OP_SCALE).update(clip=1, lo=1.0, hi=-1.0)))

    def numeric_table(prog, m):
        op = op_of(prog, fd.OP_ENCODE)
        op.update(kind=fd.NUM, cats=[float(i) for i in range(len(op["cats"]))])
    hdr("PROGRAM ENCODE numeric categories on a string slot", "reject", SC,
        prog_edit(numeric_table))
    hdr("PROGRAM ENCODE unknown 2", "reject", SC, prog_edit(setter(fd.OP_ENCODE, "unknown", 2)))
    hdr("PROGRAM ENCODE missing_cat = n_cat", "reject", SC,
        prog_edit(setter(fd.OP_ENCODE, "missing_cat", lambda op: len(op["cats"]))))
    hdr("PROGRAM ENCODE a string category twice", "reject", SC,
        prog_edit(lambda prog, m: op_of(prog, fd.OP_ENCODE)["cats"].__setitem__(
            1, op_of(prog, fd.OP_ENCODE)["cats"][0])))
    hdr("PROGRAM ENCODE one-hot target = n_out", "reject", SC,
        prog_edit(lambda prog, m: op_of(prog, fd.OP_ENCODE)["targets"].__setitem__(
            0, float(op_of(prog, fd.OP_ENCODE)["n_out"]))))
    hdr("PROGRAM ENCODE one-hot target 1.5", "reject", SC,
        prog_edit(lambda prog, m: op_of(prog, fd.OP_ENCODE)["targets"].__setitem__(0, 1.5)))
    hdr("PROGRAM ENCODE one-hot target -2", "reject", SC,
        prog_edit(lambda prog, m: op_of(prog, fd.OP_ENCODE)["targets"].__setitem__(0, -2.0)))
    hdr("PROGRAM ENCODE one-hot target -1 (a dropped category)", "accept", SC,
        prog_edit(lambda prog, m: op_of(prog, fd.OP_ENCODE)["targets"].__setitem__(0, -1.0)))
    hdr("PROGRAM ENCODE one-hot: unknown values go to column 1", "accept", SC,
        prog_edit(setter(fd.OP_ENCODE, "unknown_target", 1.0)))
    hdr("PROGRAM ENCODE one-hot: unknown_target 2.5", "either", SC,
        prog_edit(setter(fd.OP_ENCODE, "unknown_target", 2.5)))
    hdr("PROGRAM ENCODE unknown 0 (unknown values are an error)", "accept", SC,
        prog_edit(setter(fd.OP_ENCODE, "unknown", 0)))
    hdr("PROGRAM ENCODE one-hot with 0 categories", "accept", SC,
        prog_edit(lambda prog, m: op_of(prog, fd.OP_ENCODE).update(cats=[], targets=[],
                                                                   missing_cat=fd.NONE32)))
    hdr("PROGRAM ENCODE numeric NaN category", "reject", "sk_onehot_numeric",
        prog_edit(lambda prog, m: op_of(prog, fd.OP_ENCODE)["cats"].__setitem__(1, math.nan)))
    hdr("PROGRAM ENCODE numeric category twice", "reject", "sk_onehot_numeric",
        prog_edit(lambda prog, m: op_of(prog, fd.OP_ENCODE)["cats"].__setitem__(
            1, op_of(prog, fd.OP_ENCODE)["cats"][0])))
    hdr("PROGRAM ENCODE numeric categories 0.0 and -0.0", "either", "sk_onehot_numeric",
        prog_edit(lambda prog, m: op_of(prog, fd.OP_ENCODE)["cats"].__setitem__(
            1, -0.0 if op_of(prog, fd.OP_ENCODE)["cats"][0] == 0 else 0.0)))

    def odd_targets(prog, m):
        op = op_of(prog, fd.OP_ENCODE)
        op["targets"][:2] = [math.nan, 1e300]
    hdr("PROGRAM ENCODE ordinal targets NaN and 1e300", "accept", "sk_ordinal",
        prog_edit(odd_targets))
    hdr("PROGRAM output slot = n_slots", "reject", SC,
        prog_edit(lambda prog, m: prog["outputs"].__setitem__(0, prog["n_slots"])))
    hdr("PROGRAM output slot is a string slot", "reject", SC,
        prog_edit(lambda prog, m: prog["outputs"].__setitem__(0, m.feature_kinds.index(fd.STR))))
    hdr("PROGRAM outputs the raw numeric input a (NaN passes through)", "accept", SC,
        prog_edit(lambda prog, m: prog["outputs"].__setitem__(0, 0)))
    hdr("PROGRAM with no operations (outputs = numeric inputs)", "accept", "sk_scaler",
        prog_edit(lambda prog, m: prog.update(ops=[], outputs=[1, 0, 1], names=["b", "a", "b2"])))

    # every opcode, written by hand (the converter may not emit them all)
    def all_ops(prog, m):
        a, b = 0, 1
        ops = [
            dict(opcode=fd.OP_ENCODE, ins=[a], n_out=1, kind=fd.NUM, unknown=1, missing_cat=0,
                 unknown_target=0.0, cats=[12345.0], targets=[1.0]),                  # 2
            dict(opcode=fd.OP_ENCODE, ins=[b], n_out=1, kind=fd.NUM, unknown=1, missing_cat=0,
                 unknown_target=0.0, cats=[-12345.0], targets=[1.0]),                 # 3
            dict(opcode=fd.OP_IMPUTE, ins=[a, b], n_out=2, fill=[0.5, -2.0]),         # 4, 5
            dict(opcode=fd.OP_SCALE, ins=[4, 5], n_out=2, mode=1, clip=1, lo=-1.0, hi=1.0,
                 a=[0.7, 0.01], b=[0.1, -0.2]),                                      # 6, 7
            dict(opcode=fd.OP_NORMALIZE, ins=[4, 5], n_out=2, norm=1),                # 8, 9
            dict(opcode=fd.OP_NORMALIZE, ins=[4, 5], n_out=2, norm=2),                # 10, 11
            dict(opcode=fd.OP_NORMALIZE, ins=[5, 4, 6], n_out=3, norm=3),             # 12-14
            dict(opcode=fd.OP_POLY, ins=[4, 5], n_out=6,
                 terms=[[], [0], [1], [0, 0], [0, 1], [1, 1, 0]]),                   # 15-20
            dict(opcode=fd.OP_BINS, ins=[4], n_out=1, rule=1,
                 edges=[-1e9, -1.0, 0.0, 0.5, 2.0, 1e9]),                            # 21
            dict(opcode=fd.OP_BINS, ins=[5], n_out=4, rule=2,
                 edges=[-500.0, -50.0, 0.0, 50.0, 500.0]),                           # 22-25
            dict(opcode=fd.OP_BINS, ins=[4], n_out=3, rule=1, edges=[-3.0, -0.1, 0.1, 3.0]),
            # 26-28
            dict(opcode=fd.OP_ENCODE, ins=[21], n_out=3, kind=fd.NUM, unknown=1,
                 missing_cat=fd.NONE32, unknown_target=-1.0, cats=[0.0, 1.0, 2.0, 3.0],
                 targets=[-1.0, 0.0, 1.0, 2.0]),                                      # 29-31
            dict(opcode=fd.OP_ENCODE, ins=[21], n_out=1, kind=fd.NUM, unknown=1,
                 missing_cat=fd.NONE32, unknown_target=99.0, cats=[0.0, 1.0, 2.0, 3.0],
                 targets=[0.5, math.nan, 2.0, 7.0]),                                  # 32
            dict(opcode=fd.OP_ENCODE, ins=[a], n_out=1, kind=fd.NUM, unknown=1, missing_cat=0,
                 unknown_target=0.0, cats=[12345.0], targets=[1.0]),                  # 33
            dict(opcode=fd.OP_BINS, ins=[5], n_out=1, rule=2, edges=[0.0, 1.0]),      # 34
            dict(opcode=fd.OP_SCALE, ins=[4, 5], n_out=2, mode=2, clip=0, lo=0.0, hi=0.0,
                 a=[3.0, -0.5], b=[math.nan, 7.0]),                                  # 35, 36
        ]
        n = 2 + sum(op["n_out"] for op in ops)
        prog.update(ops=ops, outputs=list(range(2, n)) + [a, b],
                    names=["o%d" % i for i in range(2, n)] + ["a", "b"])
    hdr("PROGRAM using every opcode but INDICATOR (transformer)", "accept", "sk_scaler",
        prog_edit(all_ops))

    def indicator_ops(prog, m):
        ops = [dict(opcode=fd.OP_INDICATOR, ins=[0, 1, 0], n_out=3)] + prog["ops"]
        shift = 3
        for op in ops[1:]:
            op["ins"] = [i + shift if i >= 2 else i for i in op["ins"]]
        prog.update(ops=ops, outputs=[2, 3, 4] + [o + shift for o in prog["outputs"]],
                    names=["ind_a", "ind_b", "ind_a2"] + prog["names"])
    hdr("PROGRAM INDICATOR on numeric inputs (transformer)", "accept", "sk_scaler",
        prog_edit(indicator_ops))

    def ops_before_linear(p, m):
        ops = [dict(opcode=fd.OP_NORMALIZE, ins=[0, 1], n_out=2, norm=2),
               dict(opcode=fd.OP_POLY, ins=[2, 3], n_out=2, terms=[[0, 1], [1]])]
        set_section(p, fd.SEC_PROGRAM, program_bytes(2, ops, [4, 5], ["p0", "p1"]), flags=1)
    hdr("PROGRAM added in front of a bare linear model (NORMALIZE, POLY)", "accept", LR,
        rebuilt(ops_before_linear))

    def string_ops(prog, m):
        c = m.feature_names.index("c")
        # the category at missing_cat is a value no row holds (see the probes for one that is)
        cats = ["x", "y", "z", "a,b", "(missing)"]
        ops = prog["ops"] + [
            dict(opcode=fd.OP_ENCODE, ins=[c], n_out=3, kind=fd.STR, unknown=1,
                 missing_cat=4, unknown_target=0.0, cats=cats,
                 targets=[0.0, 1.0, 2.0, -1.0, 2.0]),
            dict(opcode=fd.OP_ENCODE, ins=[c], n_out=1, kind=fd.STR, unknown=1,
                 missing_cat=fd.NONE32, unknown_target=-5.0, cats=cats[:4],
                 targets=[10.0, 20.0, math.nan, 40.0]),
        ]
        n = prog["n_slots"]
        added = list(range(n, n + 4))
        prog.update(ops=ops, outputs=prog["outputs"] + added,
                    names=prog["names"] + ["oh0", "oh1", "oh2", "ord"])
    hdr("PROGRAM ENCODE of a raw string column, with missing_cat (transformer)", "accept",
        SC, prog_edit(string_ops))

    def string_indicator(prog, m):
        c, d = m.feature_names.index("c"), m.feature_names.index("d")
        n = prog["n_slots"]
        prog.update(ops=prog["ops"] + [dict(opcode=fd.OP_INDICATOR, ins=[c, 0, d], n_out=3)],
                    outputs=prog["outputs"] + [n, n + 1, n + 2],
                    names=prog["names"] + ["ind_c", "ind_a", "ind_d"])
    hdr("PROGRAM INDICATOR on string and numeric inputs (transformer)", "accept", SC,
        prog_edit(string_indicator))

    # COMBINE (format 1.1) on a soft VotingClassifier without a PROGRAM: member 0 LINEAR over
    # slots (0, 1) at body offset 24 (its LINEAR body of 40 bytes ends at 100), member 1 a tree
    # member at 100 (slots at 124, first_tree at 132, its aggregation block from 136)
    V = "sk_vote_plain_soft"

    def comb(field_off, fmt, val_fn):
        return feat(field_off, fmt, val_fn, fd.SEC_COMBINE)
    hdr("COMBINE rule 7", "reject", V, comb(4, "I", lambda m, v: 7))
    hdr("COMBINE task regressor on a vote", "reject", V, comb(0, "I", lambda m, v: 2))
    hdr("COMBINE soft vote made hard (predictions agree, no probabilities)", "accept", V,
        comb(4, "I", lambda m, v: fd.COMB_HARD))
    hdr("COMBINE soft vote made one-vs-rest (scores are 0)", "reject", V,
        comb(4, "I", lambda m, v: fd.COMB_OVR))
    hdr("COMBINE n_members + 1", "reject", V, comb(8, "I", lambda m, v: v + 1))
    hdr("COMBINE n_members 1 (a member's bytes left over)", "reject", V,
        comb(8, "I", lambda m, v: 1))
    hdr("COMBINE n_members 2^31", "reject", V, comb(8, "I", lambda m, v: 1 << 31))
    hdr("COMBINE n_classes 3", "reject", V, comb(12, "I", lambda m, v: 3))
    hdr("COMBINE reserved", "reject", V, comb(20, "I", lambda m, v: 1))
    hdr("COMBINE member kind 3", "reject", V, comb(24, "I", lambda m, v: 3))
    hdr("COMBINE member 0 weight 3.5 (predictions agree)", "accept", V,
        comb(32, "d", lambda m, v: 3.5))
    hdr("COMBINE member 0 weight 0 (predictions agree)", "accept", V,
        comb(32, "d", lambda m, v: 0.0))
    hdr("COMBINE member 0 weight NaN", "reject", V, comb(32, "d", lambda m, v: math.nan))
    hdr("COMBINE member 0 weight -1", "reject", V, comb(32, "d", lambda m, v: -1.0))
    hdr("COMBINE member 0 weight inf", "reject", V, comb(32, "d", lambda m, v: math.inf))
    hdr("COMBINE member 0 slot 99", "reject", V, comb(48, "I", lambda m, v: 99))
    hdr("COMBINE member 0 slot 0 reads x1 (predictions agree)", "accept", V,
        comb(48, "I", lambda m, v: 1))
    hdr("COMBINE member 0 n_in 2^30", "reject", V, comb(40, "I", lambda m, v: 1 << 30))
    hdr("COMBINE member 0 LINEAR length + 8", "reject", V, comb(56, "I", lambda m, v: v + 8))
    hdr("COMBINE member 1 score DECISION outside one-vs-rest", "reject", V,
        comb(104, "I", lambda m, v: fd.SCORE_DECISION))
    hdr("COMBINE member 1 slot 1 twice (predictions agree)", "accept", V,
        comb(124, "I", lambda m, v: 1))
    hdr("COMBINE member 1 first_tree 1", "reject", V, comb(132, "I", lambda m, v: 1))
    hdr("COMBINE member 1 n_features 3 (its slots are 2)", "reject", V,
        comb(144, "I", lambda m, v: 3))
    hdr("COMBINE member 1 n_trees 2 (past the tree table)", "reject", V,
        comb(152, "I", lambda m, v: 2))
    hdr("COMBINE member 1 top_chunk 1", "reject", V, comb(172, "I", lambda m, v: 1))
    hdr("ENSEMBLE of kind MEMBERS made MEAN", "reject", V,
        feat(4, "I", lambda m, v: fd.KIND_MEAN, fd.SEC_ENSEMBLE))
    hdr("ENSEMBLE of kind MEMBERS with a task", "reject", V,
        feat(0, "I", lambda m, v: 1, fd.SEC_ENSEMBLE))

    hdr("COMBINE in a file that says format 1.0", "reject", V, sb(10, "H", 0))
    hdr("COMBINE in a file that says format 1.5 (newer minors are accepted)", "accept", V,
        sb(10, "H", 5))

    def combine_unknown(b, m):
        b = bytearray(b)
        put(b, 128 + 32 * section(m, fd.SEC_COMBINE)[0], "I", 99)
        return fix_digest(b)
    hdr("COMBINE as an unknown REQUIRED type (a 1.0 reader's view)", "reject", V,
        combine_unknown)
    return E


# ---- format 1.3: wide and categorical splits, links EXP and SOFTMAX_NORM, PROBA_ARGMAX,
# ISOLATION ensembles. Every label starts with "[1.3]": against a frost without format 1.3 the
# files make_models writes for it are refused, and these checks fail, only these.

V13 = "[1.3] "


def edits_v13(models):
    """[(name, expectation, base model name, function(bytes, Frost) -> bytes)]."""
    E = []
    HC = "hgb_softmax_norm_cat"     # uncompressed, 4 KiB blocks, categorical splits, PROBA_ARGMAX
    HB = "hgb_binary_wide"          # uncompressed, 8 KiB blocks, categorical splits
    IF = "iso_forest"               # ISOLATION, float32 splits, uncompressed
    GP = "gb_softmax_proba_argmax"  # SOFTMAX with PROBA_ARGMAX, float32 splits
    if not all(b in models for b in (HC, HB, IF, GP)):
        return E

    def hdr(name, expect, base, fn):
        E.append((V13 + name, expect, base, fn))

    def sb(off, fmt, val):
        def f(b, m):
            return fix_digest(put(bytearray(b), off, fmt, val))
        return f

    def ens_field(off, fmt, val, minor=None):
        """One field of ENSEMBLE (offset from its start; val a function of the model), and the
        superblock's minor version when given."""
        def f(b, m):
            b = bytearray(b)
            put(b, ens(m) + off, fmt, val(m) if callable(val) else val)
            if minor is not None:
                put(b, 10, "H", minor)
            return fix_digest(b)
        return f

    def iso_field(k, val):
        """ISOLATION's path_norm (k 0) or offset (k 1), after its n_classes."""
        return ens_field(48 + 4 * 1 + 8 * k, "d", val)

    def split_edit(pick, edit):
        """A split of the model's trees chosen by pick(fields) (the first in walk order over
        the trees), its item edited in place by edit(bytearray, file position), its block's
        checksum recomputed."""
        def f(b, m):
            for t in range(len(m.trees)):
                for off, kind, fields in tree_nodes(m, t):
                    if kind == "split" and pick(fields):
                        bi, pos = tree_file_pos(m, t, off)
                        b = bytearray(b)
                        edit(b, pos)
                        return fix_block(b, m, bi)
            raise ValueError("no such split")
        return f

    def cat(fields):
        return bool(fields[1] & fd.CATEGORICAL)

    def xor_at(at, fmt, mask):
        def e(b, pos):
            put(b, pos + at, fmt, get(b, pos + at, fmt) ^ mask)
        return e

    # the minor version: what 1.3 added needs 1.3
    hdr("wide splits in a file that says format 1.2", "reject", HC, sb(10, "H", 2))
    hdr("ISOLATION in a file that says format 1.2", "reject", IF, sb(10, "H", 2))
    hdr("PROBA_ARGMAX in a file that says format 1.0", "reject", GP, sb(10, "H", 0))
    hdr("wide splits in a file that says format 1.7 (newer minors are accepted)", "accept", HC,
        sb(10, "H", 7))
    # flags and links
    hdr("PROBA_ARGMAX on a logistic model", "reject", HB,
        ens_field(24, "I", lambda m: m.eflags | fd.FLAG_PROBA_ARGMAX))
    hdr("PROBA_ARGMAX cleared (the class from the raw scores)", "accept", HC,
        ens_field(24, "I", lambda m: m.eflags & ~fd.FLAG_PROBA_ARGMAX))
    hdr("PROBA_ARGMAX set on a softmax model without it (and minor 3)", "accept", "gb_softmax",
        ens_field(24, "I", lambda m: m.eflags | fd.FLAG_PROBA_ARGMAX, minor=3))
    hdr("PROBA_ARGMAX set on a format 1.0 softmax model", "reject", "gb_softmax",
        ens_field(24, "I", lambda m: m.eflags | fd.FLAG_PROBA_ARGMAX))
    hdr("flag bit 5 (reserved)", "reject", HC, ens_field(24, "I", lambda m: m.eflags | 32))
    hdr("WIDE_SPLITS cleared on wide trees (nodes read as 16 bytes)", "either", HB,
        ens_field(24, "I", lambda m: m.eflags & ~fd.FLAG_WIDE))
    hdr("WIDE_SPLITS set on float32 trees (nodes read as 24 bytes)", "either", GP,
        ens_field(24, "I", lambda m: m.eflags | fd.FLAG_WIDE))
    hdr("link SOFTMAX_NORM made SOFTMAX", "accept", HC, ens_field(28, "I", fd.LINK_SOFTMAX))
    hdr("link SOFTMAX made SOFTMAX_NORM", "accept", GP, ens_field(28, "I", fd.LINK_SOFTMAX_NORM))
    hdr("link EXP made IDENTITY", "accept", "hgb_exp_cat_lz4", ens_field(28, "I", 0))
    hdr("link IDENTITY made EXP on a regressor (and minor 3)", "accept", "gb_regressor",
        ens_field(28, "I", fd.LINK_EXP, minor=3))
    hdr("link EXP on a format 1.0 regressor", "reject", "gb_regressor",
        ens_field(28, "I", fd.LINK_EXP))
    hdr("link EXP on a classifier", "reject", HB, ens_field(28, "I", fd.LINK_EXP))
    hdr("link SOFTMAX_NORM on a binary model", "reject", HB,
        ens_field(28, "I", fd.LINK_SOFTMAX_NORM))
    hdr("link 5 (unknown)", "reject", HC, ens_field(28, "I", 5))
    # ISOLATION's fields
    hdr("kind ISOLATION on a boosted model", "reject", HB, ens_field(4, "I", fd.KIND_ISOLATION))
    hdr("ISOLATION made MEAN (its parameters left over)", "reject", IF,
        ens_field(4, "I", fd.KIND_MEAN))
    hdr("ISOLATION path_norm NaN", "reject", IF, iso_field(0, math.nan))
    hdr("ISOLATION path_norm -1", "reject", IF, iso_field(0, -1.0))
    hdr("ISOLATION path_norm +inf", "reject", IF, iso_field(0, math.inf))
    hdr("ISOLATION path_norm 0 (every score -0.5)", "accept", IF, iso_field(0, 0.0))
    hdr("ISOLATION path_norm 1e-300 (scores underflow)", "accept", IF, iso_field(0, 1e-300))
    hdr("ISOLATION offset -inf", "reject", IF, iso_field(1, -math.inf))
    hdr("ISOLATION offset 1e300 (every row an outlier)", "accept", IF, iso_field(1, 1e300))
    hdr("ISOLATION offset -0.9 (another threshold)", "accept", IF, iso_field(1, -0.9))
    hdr("ISOLATION with 3 classes", "reject", IF, ens_field(48, "I", 3))
    hdr("ISOLATION with a learning rate", "reject", IF, ens_field(40, "d", 0.5))
    hdr("ISOLATION with SIGN_DECISION", "reject", IF, ens_field(24, "I", fd.FLAG_SIGN))
    hdr("ISOLATION with PROBA_ARGMAX", "reject", IF, ens_field(24, "I", fd.FLAG_PROBA_ARGMAX))
    # wide and categorical nodes
    hdr("wide node reserved field set", "reject", HB,
        split_edit(lambda f: True, xor_at(20, "I", 1)))
    hdr("wide node word bit 24 set", "reject", HB,
        split_edit(lambda f: True, xor_at(8, "I", 1 << 24)))
    hdr("wide node word bit 29 set", "reject", HC,
        split_edit(cat, xor_at(8, "I", 1 << 29)))
    hdr("categorical split with a threshold", "reject", HB,
        split_edit(cat, xor_at(6, "H", 0x3ff0)))
    hdr("numeric wide split made categorical (its threshold stays)", "reject", HB,
        split_edit(lambda f: not cat(f) and f[0] != 0.0, xor_at(8, "I", fd.CATEGORICAL)))
    hdr("categorical split: category 3's bit flipped", "accept", HC,
        split_edit(cat, xor_at(24, "I", 1 << 3)))
    hdr("categorical split: category 200's bit flipped", "accept", HB,
        split_edit(cat, xor_at(24 + 4 * 6, "I", 1 << 8)))
    hdr("categorical split: its NaN-left bit flipped", "accept", HC,
        split_edit(cat, xor_at(8, "I", 1 << 31)))
    hdr("wide numeric split: threshold one ulp up", "accept", HB,
        split_edit(lambda f: not cat(f), lambda b, pos: put(
            b, pos, "d", math.nextafter(get(b, pos, "d"), math.inf))))
    hdr("wide numeric split: threshold NaN (lenient: every value goes right)", "accept", HC,
        split_edit(lambda f: not cat(f), lambda b, pos: put(b, pos, "d", math.nan)))
    return E


# ---- format 1.2: CHECKS and the FEATURES kind unused ------------------------------------------
# frost writes neither yet for most models; these edits add them to converted models. Every label
# starts with "[1.2]": against a frost without format 1.2 (CHECKS is then an unknown REQUIRED
# section, FEATURES kind 2 invalid) the "accept" edits, the row cases and the fuzz of a 1.2 file
# fail, and only those.

V12 = "[1.2] "
NAN_, INF_, F32_, EST_ = fd.CHECK_NAN, fd.CHECK_INF, fd.CHECK_F32, fd.CHECK_ESTIMATOR


def check_bytes(checks, n_checks=None):
    """A CHECKS body from [(rule, [slots], who)]; who may be bytes (written as they are)."""
    b = struct.pack("<I", len(checks) if n_checks is None else n_checks)
    for rule, slots, who in checks:
        b += struct.pack("<II%dI" % len(slots), rule, len(slots), *slots)
        b += (struct.pack("<I", len(who)) + who) if isinstance(who, bytes) else s_bytes(who)
    return b


def v12_parts(p, m, checks=None, kinds=None, minor=2, flags=1, body=None):
    """Makes a Parts a format 1.2 file: minor (None keeps it), FEATURES kinds (a function of the
    model: the kinds list, names kept), a CHECKS section ([(rule, slots, who)] or raw body)."""
    if minor is not None:
        p.minor = minor
    if kinds is not None:
        set_section(p, fd.SEC_FEATURES, features_bytes(m.n_features_in, kinds(m),
                                                       m.feature_names))
    if checks is not None or body is not None:
        set_section(p, fd.SEC_CHECKS, body if body is not None else check_bytes(checks), flags)


def v12(checks=None, kinds=None, minor=2, flags=1, body=None, then=None, **kw):
    """An edit (bytes, Frost) -> bytes making the model a 1.2 file (see v12_parts); then(p, m)
    edits further before the file is put together again."""
    def f(b, m):
        p = Parts(m)
        v12_parts(p, m, checks, kinds, minor, flags, body)
        if then is not None:
            then(p, m)
        return p.assemble(**kw)
    return f


def unused(*cols):
    """FEATURES kinds with the named columns made unused (kind 2)."""
    def f(m):
        return [fd.UNUSED if n in cols else k for n, k in zip(m.feature_names, m.feature_kinds)]
    return f


def numeric(*cols):
    """FEATURES kinds with the named columns made numeric (kind 0): frost's converter marks
    columns nothing reads unused, so an edit that makes something read one turns it back."""
    def f(m):
        return [fd.NUM if n in cols else k for n, k in zip(m.feature_names, m.feature_kinds)]
    return f


def with_program(fn):
    """then= helper: fn(prog, m) edits a copy of the decoded PROGRAM, written back."""
    def f(p, m):
        prog = program_of(m)
        fn(prog, m)
        set_section(p, fd.SEC_PROGRAM, program_bytes(prog["n_inputs"], prog["ops"],
                                                     prog["outputs"], prog["names"]))
    return f


def append_op(op):
    """A PROGRAM operation added after the others, its outputs read by nothing."""
    def f(prog, m):
        prog["ops"].append(op)
    return f


def put_in(stype, off, fmt, val):
    """then= helper: one field of a section body."""
    def f(p, m):
        put(p.body(stype), off, fmt, val)
    return f


# sk_pipe_logreg: a b c d e -> IMPUTE 5 6, SCALE 7 8, IMPUTE_STR 9 10, one-hot c 11-18, d 19-21
# (22 slots; e is read by nothing: remainder='drop')
PL = "sk_pipe_logreg"
U_ = "rf_binary"
PL_OUT = [7, 8] + list(range(11, 22))
WHO_IMP = "pipeline/ct/num/imp (SimpleImputer)"
WHO_SC = "pipeline/ct/num/sc (StandardScaler)"
WHO_LR = "pipeline/m (LogisticRegression)"
WHO_OH = "pipeline/ct/cat/oh (OneHotEncoder)"


V13 = "[1.3] "


def edits_v13_estimators(models):
    """BAYES, CENTROIDS and MLP (format 1.3) edits: [(name, expectation, base,
    function(bytes, Frost) -> bytes)]."""
    E = []
    GN, BE, CA, MN = ("sk_nb_gaussian", "sk_nb_bernoulli", "sk_nb_categorical",
                      "sk_pipe_nb_multinomial")
    LR = "sk_linreg"

    def hdr(name, expect, base, fn):
        if base in models:
            E.append((V13 + name, expect, base, fn))

    def field(off, fmt, val_fn, stype=fd.SEC_BAYES):
        """An edit setting one field of a section body (the digest recomputed)."""
        def f(b, m):
            b = bytearray(b)
            e = section(m, stype)[1] + off
            put(b, e, fmt, val_fn(m, get(b, e, fmt)))
            return fix_digest(b)
        return f

    def minor(v):
        def f(p, m):
            p.minor = v
        return f

    def body(fn):
        def f(p, m):
            sec = [s_ for s_ in p.sections if s_[0] == fd.SEC_BAYES][0]
            sec[2] = bytearray(fn(bytes(sec[2]), m))
        return f

    hdr("BAYES in a minor 2 file", "reject", GN, rebuilt(minor(2)))
    hdr("BAYES in a minor 4 file (newer minors are read)", "accept", GN, rebuilt(minor(4)))
    hdr("BAYES task 2", "reject", GN, field(0, "I", lambda m, v: 2))
    hdr("BAYES kind 0", "reject", GN, field(4, "I", lambda m, v: 0))
    hdr("BAYES kind 6", "reject", GN, field(4, "I", lambda m, v: 6))
    hdr("BAYES n_features + 1", "reject", GN, field(8, "I", lambda m, v: v + 1))
    hdr("BAYES n_classes 0", "reject", GN, field(12, "I", lambda m, v: 0))
    hdr("BAYES n_classes huge", "reject", GN, field(12, "I", lambda m, v: 0xFFFFFFFF))
    hdr("BAYES BINARIZE on GaussianNB", "reject", GN, field(16, "I", lambda m, v: 1))
    hdr("BAYES reserved flag bit 1", "reject", BE, field(16, "I", lambda m, v: v | 2))
    hdr("BAYES reserved field", "reject", GN, field(20, "I", lambda m, v: 1))
    hdr("BAYES threshold NaN", "reject", BE, field(24, "d", lambda m, v: math.nan))
    hdr("BAYES threshold without BINARIZE", "reject", GN, field(24, "d", lambda m, v: 0.5))
    hdr("BAYES threshold -2.5 (a different binarize)", "accept", BE,
        field(24, "d", lambda m, v: -2.5))
    hdr("BAYES BINARIZE cleared on BernoulliNB (raw values)", "accept", BE,
        rebuilt(body(lambda x, m: x[:16] + struct.pack("<I", 0) + x[20:24] +
                   struct.pack("<d", 0.0) + x[32:])))
    hdr("BAYES prior -inf (a class never predicted)", "accept", MN,
        field(32, "d", lambda m, v: -math.inf))
    hdr("BAYES body 8 bytes longer", "reject", GN, rebuilt(body(lambda x, m: x + bytes(8))))
    hdr("BAYES body 8 bytes shorter", "reject", GN, rebuilt(body(lambda x, m: x[:-8])))
    # CATEGORICAL: n_categories after the priors
    nc_off = 32 + 8 * 3
    hdr("BAYES categorical n_categories 0", "reject", CA, field(nc_off, "I", lambda m, v: 0))
    hdr("BAYES categorical n_categories + 1 (tables short)", "reject", CA,
        field(nc_off, "I", lambda m, v: v + 1))
    hdr("BAYES categorical n_categories 2^31", "reject", CA,
        field(nc_off, "I", lambda m, v: 1 << 31))
    hdr("BAYES categorical one category fewer, its table too", "accept", CA,
        rebuilt(body(lambda x, m: x[:nc_off] + struct.pack("<I", 4) + x[nc_off + 4:-8 * 3])))

    def with_linear(p, m):
        set_section(p, fd.SEC_LINEAR, linear_bytes(1, 4, [[0.5] * m.n_features] * 3,
                                                   [0.25] * 3))
    hdr("BAYES and LINEAR in one file", "reject", GN, rebuilt(with_linear))

    def bayes_into_linear_file(p, m):
        nb = base_model(models[GN])
        set_section(p, fd.SEC_BAYES, section_body(nb, fd.SEC_BAYES))
        p.minor = 3
    hdr("BAYES added to a LINEAR file", "reject", LR, rebuilt(bayes_into_linear_file))
    hdr("BAYES marked not REQUIRED (a known type: flag ignored)", "accept", GN,
        rebuilt(lambda p, m: [s_.__setitem__(1, 0) for s_ in p.sections
                            if s_[0] == fd.SEC_BAYES]))

    def no_classes(p, m):
        set_section(p, fd.SEC_CLASSES, None)
    hdr("BAYES without CLASSES", "reject", GN, rebuilt(no_classes))

    # CENTROIDS
    NC, NM, KM, PK = "sk_nearest", "sk_nearest_manhattan", "sk_kmeans", "sk_pipe_kmeans"

    def cfield(off, fmt, val_fn):
        return field(off, fmt, val_fn, fd.SEC_CENTROIDS)
    hdr("CENTROIDS in a minor 2 file", "reject", KM, rebuilt(minor(2)))
    hdr("CENTROIDS task 2", "reject", NC, cfield(0, "I", lambda m, v: 2))
    hdr("CENTROIDS kind 3", "reject", NC, cfield(4, "I", lambda m, v: 3))
    hdr("CENTROIDS k-means read as nearest centroid (kind 1) with its NAMES", "reject", KM,
        cfield(4, "I", lambda m, v: 1))
    hdr("CENTROIDS nearest centroid read as k-means (kind 2: it transforms)", "accept", NC,
        cfield(4, "I", lambda m, v: 2))
    hdr("CENTROIDS k-means with metric manhattan", "reject", KM, cfield(8, "I", lambda m, v: 2))
    hdr("CENTROIDS metric 3", "reject", NM, cfield(8, "I", lambda m, v: 3))
    hdr("CENTROIDS euclidean instead of manhattan", "accept", NM, cfield(8, "I", lambda m, v: 1))
    hdr("CENTROIDS n_centroids + 1", "reject", NC, cfield(12, "I", lambda m, v: v + 1))
    hdr("CENTROIDS n_centroids 0", "reject", NC, cfield(12, "I", lambda m, v: 0))
    hdr("CENTROIDS n_features + 1", "reject", KM, cfield(16, "I", lambda m, v: v + 1))
    hdr("CENTROIDS reserved flag bit 1", "reject", KM, cfield(20, "I", lambda m, v: v | 2))
    hdr("CENTROIDS NAMES on a nearest centroid", "reject", NC, cfield(20, "I", lambda m, v: 1))
    hdr("CENTROIDS NAMES cleared, the names left (trailing bytes)", "reject", KM,
        cfield(20, "I", lambda m, v: 0))

    def names_dropped(p, m):
        sec = [s_ for s_ in p.sections if s_[0] == fd.SEC_CENTROIDS][0]
        nc, nf = m.centroids["n_centroids"], m.centroids["n_features"]
        sec[2] = sec[2][:24 + 8 * nc * nf]
        sec[2][20:24] = struct.pack("<I", 0)
    hdr("CENTROIDS k-means without names (transform headed x0, x1, ...)", "accept", KM,
        rebuilt(names_dropped))

    def name_invalid(p, m):
        sec = [s_ for s_ in p.sections if s_[0] == fd.SEC_CENTROIDS][0]
        sec[2][-1] = 0xFF
    hdr("CENTROIDS a name that is not UTF-8", "reject", KM, rebuilt(name_invalid))
    hdr("CENTROIDS a centroid value NaN (scored as FORMAT.md says)", "accept", NC,
        cfield(24, "d", lambda m, v: math.nan))
    hdr("CENTROIDS body 8 bytes longer", "reject", KM,
        rebuilt(lambda p, m: [s_[2].extend(bytes(8)) for s_ in p.sections
                              if s_[0] == fd.SEC_CENTROIDS]))
    hdr("CENTROIDS n_features != PROGRAM n_outputs", "reject", PK, cfield(16, "I",
                                                                          lambda m, v: v - 1))

    def cen_and_bayes(p, m):
        set_section(p, fd.SEC_BAYES, section_body(base_model(models[GN]), fd.SEC_BAYES))
    hdr("CENTROIDS and BAYES in one file", "reject", NC, rebuilt(cen_and_bayes))

    # MLP: task, activation, output, n_layers, widths (u32 each), then the weights
    ML, MB, MM, MR = ("sk_mlp_relu", "sk_mlp_tanh_binary", "sk_mlp_multilabel",
                      "sk_pipe_mlp_regressor2")

    def mfield(off, fmt, val_fn):
        return field(off, fmt, val_fn, fd.SEC_MLP)

    def mbody(fn):
        def f(p, m):
            sec = [s_ for s_ in p.sections if s_[0] == fd.SEC_MLP][0]
            sec[2] = bytearray(fn(bytes(sec[2]), m))
        return f

    def first_weight(m):
        return 16 + 4 * len(m.mlp["widths"])
    hdr("MLP in a minor 2 file", "reject", ML, rebuilt(minor(2)))
    hdr("MLP in a minor 4 file (newer minors are read)", "accept", ML, rebuilt(minor(4)))
    hdr("MLP task 3", "reject", ML, mfield(0, "I", lambda m, v: 3))
    hdr("MLP classifier read as a regressor (CLASSES left)", "reject", ML,
        mfield(0, "I", lambda m, v: 2))
    hdr("MLP hidden activation 0", "reject", ML, mfield(4, "I", lambda m, v: 0))
    hdr("MLP hidden activation softmax", "reject", ML, mfield(4, "I", lambda m, v: 5))
    hdr("MLP hidden tanh instead of relu (scored as FORMAT.md says)", "accept", ML,
        mfield(4, "I", lambda m, v: 3))
    hdr("MLP hidden identity instead of logistic", "accept", MM, mfield(4, "I", lambda m, v: 1))
    hdr("MLP classifier with an identity output", "reject", MB, mfield(8, "I", lambda m, v: 1))
    hdr("MLP regressor with a logistic output", "reject", MR, mfield(8, "I", lambda m, v: 2))
    hdr("MLP multi-label read as softmax (one output, CLASSES has two)", "reject", MM,
        mfield(8, "I", lambda m, v: 5))
    hdr("MLP softmax read as logistic (three outputs, CLASSES has one)", "reject", ML,
        mfield(8, "I", lambda m, v: 2))
    hdr("MLP n_layers 0", "reject", ML, mfield(12, "I", lambda m, v: 0))
    hdr("MLP n_layers + 1", "reject", ML, mfield(12, "I", lambda m, v: v + 1))
    hdr("MLP n_layers 2^31", "reject", ML, mfield(12, "I", lambda m, v: 1 << 31))
    hdr("MLP n_layers 1025", "reject", ML, mfield(12, "I", lambda m, v: 1025))
    hdr("MLP input width + 1", "reject", ML, mfield(16, "I", lambda m, v: v + 1))
    hdr("MLP hidden width 0", "reject", ML, mfield(20, "I", lambda m, v: 0))
    hdr("MLP hidden width 2^24", "reject", ML, mfield(20, "I", lambda m, v: 1 << 24))
    hdr("MLP hidden width 2^30 (weights far beyond the section)", "reject", ML,
        mfield(20, "I", lambda m, v: 1 << 30))
    hdr("MLP n_features != PROGRAM n_outputs", "reject", MR, mfield(16, "I", lambda m, v: v - 1))
    hdr("MLP a weight NaN (scored as FORMAT.md says)", "accept", ML,
        lambda b, m: mfield(first_weight(m), "d", lambda m_, v: math.nan)(b, m))
    hdr("MLP an intercept -inf (scored as FORMAT.md says)", "accept", MB,
        rebuilt(mbody(lambda x, m: x[:-8] + struct.pack("<d", -math.inf))))
    hdr("MLP body 8 bytes longer", "reject", ML, rebuilt(mbody(lambda x, m: x + bytes(8))))
    hdr("MLP body 8 bytes shorter", "reject", ML, rebuilt(mbody(lambda x, m: x[:-8])))
    hdr("MLP body cut inside the widths", "reject", ML, rebuilt(mbody(lambda x, m: x[:22])))
    hdr("MLP marked not REQUIRED (a known type: flag ignored)", "accept", ML,
        rebuilt(lambda p, m: [s_.__setitem__(1, 0) for s_ in p.sections
                            if s_[0] == fd.SEC_MLP]))

    def mlp_and_bayes(p, m):
        set_section(p, fd.SEC_BAYES, section_body(base_model(models[GN]), fd.SEC_BAYES))
    hdr("MLP and BAYES in one file", "reject", ML, rebuilt(mlp_and_bayes))
    hdr("MLP without CLASSES", "reject", ML, rebuilt(no_classes))
    return E


def edits_target(models):
    """PROGRAM UFUNC and TARGET (format 1.3) edits: [(name, expectation, base, function)]."""
    E = []
    TT, TE, UC, LG = "sk_f13_ufunc_ttr", "sk_f13_ttr_expm1", "sk_f13_ufunc_ct", "sk_logreg"
    if not all(b in models for b in (TT, TE, UC, LG)):
        return E

    def hdr(name, expect, base, fn):
        E.append((V13 + name, expect, base, fn))

    def minor(v):
        def f(p, m):
            p.minor = v
        return f

    def tfield(off, fmt, val):
        """Sets one field of the TARGET body (the digest recomputed)."""
        def f(b, m):
            b = bytearray(b)
            put(b, section(m, fd.SEC_TARGET)[1] + off, fmt, val)
            return fix_digest(b)
        return f

    def target(body):
        def f(p, m):
            set_section(p, fd.SEC_TARGET, body(m) if callable(body) else body)
        return f

    def ufunc_prog(fn):
        """fn(prog) edits a copy of the decoded PROGRAM, written back per FORMAT.md."""
        def f(p, m):
            prog = program_of(m)
            fn(prog)
            set_section(p, fd.SEC_PROGRAM, program_bytes(prog["n_inputs"], prog["ops"],
                                                         prog["outputs"], prog["names"]))
        return f

    # TARGET
    hdr("TARGET in a minor 2 file", "reject", TE, rebuilt(minor(2)))
    hdr("TARGET in a minor 5 file (newer minors are read)", "accept", TE, rebuilt(minor(5)))
    hdr("TARGET removed (the regressor's own predictions)", "accept", TT,
        rebuilt(target(None)))
    hdr("TARGET n_targets 2 for one output", "reject", TE, tfield(0, "I", 2))
    hdr("TARGET n_steps 0", "reject", TE, rebuilt(target(struct.pack("<II", 1, 0))))
    hdr("TARGET n_steps 17", "reject", TE,
        rebuilt(target(struct.pack("<II", 1, 17) + struct.pack("<II", 2, 3) * 17)))
    hdr("TARGET step kind 3", "reject", TE, tfield(8, "I", 3))
    hdr("TARGET step kind 0", "reject", TE, tfield(8, "I", 0))
    hdr("TARGET function 0", "reject", TE, tfield(12, "I", 0))
    hdr("TARGET function 9", "reject", TE, tfield(12, "I", 9))
    for f, name in sorted(fd.UFUNC_NAMES.items()):
        hdr("TARGET function %d (%s)" % (f, name), "accept", TE, tfield(12, "I", f))
    hdr("TARGET body 4 bytes longer", "reject", TE,
        rebuilt(lambda p, m: [s_[2].extend(bytes(4)) for s_ in p.sections
                              if s_[0] == fd.SEC_TARGET]))
    hdr("TARGET body truncated in a step", "reject", TT,
        rebuilt(lambda p, m: [s_[2].__delitem__(slice(-4, None)) for s_ in p.sections
                              if s_[0] == fd.SEC_TARGET]))
    hdr("TARGET three steps: affine, expm1, absolute", "accept", TE, rebuilt(target(
        struct.pack("<III", 1, 3, 1) + struct.pack("<dd", -0.5, 2.0) +
        struct.pack("<IIII", 2, 4, 2, 7))))
    hdr("TARGET affine with NaN and infinite factors", "accept", TE, rebuilt(target(
        struct.pack("<III", 1, 1, 1) + struct.pack("<dd", math.inf, math.nan))))
    hdr("TARGET on a classifier", "reject", LG, rebuilt(target(struct.pack("<IIII", 1, 1, 2, 3))))
    hdr("TARGET on a transformer (no estimator)", "reject", UC,
        rebuilt(target(struct.pack("<IIII", 1, 1, 2, 3))))
    # PROGRAM UFUNC
    hdr("UFUNC in a minor 2 file", "reject", UC, rebuilt(minor(2)))

    def set_fn(v):
        def f(prog):
            [op for op in prog["ops"] if op["opcode"] == fd.OP_UFUNC][0]["ufunc"] = v
        return f
    hdr("UFUNC function 0", "reject", UC, rebuilt(ufunc_prog(set_fn(0))))
    hdr("UFUNC function 9", "reject", UC, rebuilt(ufunc_prog(set_fn(9))))

    def every_function(prog):
        ops = [dict(opcode=fd.OP_UFUNC, ins=[0, 1], n_out=2, ufunc=f) for f in range(1, 9)]
        n = prog["n_inputs"] + 16
        prog.update(ops=ops, outputs=list(range(prog["n_inputs"], n)),
                    names=["u%d" % i for i in range(16)])
    hdr("UFUNC every function over a and b (missing, negative, zero values)", "accept", UC,
        rebuilt(ufunc_prog(every_function)))

    def n_out_1(prog):
        prog.update(ops=[dict(opcode=fd.OP_UFUNC, ins=[0, 1], n_out=1, ufunc=1)],
                    outputs=[prog["n_inputs"]], names=["u"])
    hdr("UFUNC 2 inputs, 1 output", "reject", UC, rebuilt(ufunc_prog(n_out_1)))

    def on_string(prog):
        prog.update(ops=[dict(opcode=fd.OP_UFUNC, ins=[2], n_out=1, ufunc=1)],
                    outputs=[prog["n_inputs"]], names=["u"])
    hdr("UFUNC on a string column", "reject", UC, rebuilt(ufunc_prog(on_string)))
    # PROGRAM PROJECT
    PC, SV = "sk_f13_pca_ridge", "sk_f13_svd"
    if PC not in models or SV not in models:
        return E
    hdr("PROJECT in a minor 2 file", "reject", SV, rebuilt(minor(2)))

    def project(fn):
        def f(prog):
            fn([op for op in prog["ops"] if op["opcode"] == fd.OP_PROJECT][0], prog)
        return f
    hdr("PROJECT a NaN weight and an infinite center", "accept", SV, rebuilt(ufunc_prog(project(
        lambda op, prog: (op["w"][0].__setitem__(0, math.nan),
                          op["center"].__setitem__(1, math.inf))))))
    hdr("PROJECT weights one row short", "reject", PC, rebuilt(ufunc_prog(project(
        lambda op, prog: op["w"].pop()))))

    def svd_on_string(prog):
        prog.update(ops=[dict(opcode=fd.OP_PROJECT, ins=[0, 2], n_out=1, center=[0.0, 0.0],
                              w=[[1.0, 1.0]])], outputs=[prog["n_inputs"]], names=["u"])
    hdr("PROJECT on a string column", "reject", UC, rebuilt(ufunc_prog(svd_on_string)))
    return E


def section_body(m, stype):
    """The body of section stype of a decoded model."""
    off, length = section(m, stype)[1], section(m, stype)[2]
    return m.buf[off:off + length]


def edits_v12(models):
    E = []

    def hdr(name, expect, base, fn):
        E.append((V12 + name, expect, base, fn))

    U, SC, LR, V, VS = "rf_binary", "sk_ct", "sk_linreg", "sk_vote_plain_soft", "sk_vote_soft"
    OR, GBR = "sk_ordinal", "sk_pipe_gbr"
    ok_checks = [(INF_, [0, 1], WHO_IMP), (NAN_ | INF_ | EST_, PL_OUT, WHO_LR)]

    # the superblock minor
    hdr("minor 2 with nothing of 1.2", "accept", U, v12())
    hdr("minor 2 on a COMBINE file", "accept", V, v12())

    # CHECKS that FORMAT.md allows
    hdr("CHECKS INF on inputs a, b; NAN INF ESTIMATOR on the estimator's features", "accept", PL,
        v12(ok_checks))
    hdr("CHECKS NAN INF F32 ESTIMATOR (rule 15) on every feature, no PROGRAM", "accept", U,
        v12([(15, list(range(6)), "forest (RandomForestClassifier)")]))
    hdr("CHECKS NAN INF ESTIMATOR on a bare LINEAR", "accept", LR,
        v12([(NAN_ | INF_ | EST_, [0, 1], "LinearRegression")]))
    hdr("CHECKS on computed slots (SCALE outputs), INF F32, not ESTIMATOR", "accept", PL,
        v12([(INF_ | F32_, [7, 8], WHO_SC)]))
    hdr("CHECKS NAN on a string input (c) of a transformer", "accept", SC,
        v12([(NAN_, [2], WHO_OH)]))
    hdr("CHECKS NAN on string slots an IMPUTE_STR computed", "accept", SC,
        v12([(NAN_, [9, 10], WHO_OH)]))
    hdr("CHECKS 4 checks, a slot listed twice, slots out of order", "accept", PL,
        v12([(NAN_, [1, 0, 1], WHO_IMP), (INF_, [8, 7], WHO_SC), (NAN_, [3, 2], WHO_OH),
             (INF_ | F32_ | EST_, PL_OUT[::-1], WHO_LR)]))
    hdr("CHECKS who empty", "accept", PL, v12([(INF_, [0], "")]))
    hdr("CHECKS who in 3- and 4-byte UTF-8", "accept", PL,
        v12([(INF_, [0], "pipe/日本 (Ünïcode 𝔉)")]))
    hdr("CHECKS without the REQUIRED flag (a known type: the flag is ignored)", "accept", PL,
        v12(ok_checks, flags=0))
    hdr("CHECKS in a file that says minor 7", "accept", PL, v12(ok_checks, minor=7))
    hdr("CHECKS ESTIMATOR on a COMBINE without a PROGRAM", "accept", V,
        v12([(NAN_ | INF_ | EST_, [0, 1], "voting/lr (LogisticRegression)"),
             (NAN_ | INF_ | F32_ | EST_, [1, 0], "voting/dt (DecisionTreeClassifier)")]))
    hdr("CHECKS on a COMBINE with a PROGRAM (members' slots and a raw input)", "accept", VS,
        v12([(INF_, [0, 1, 4], WHO_IMP), (NAN_ | INF_ | EST_, PL_OUT, "voting/lr")],
            kinds=numeric("e")))
    hdr("CHECKS F32 on the imputed features of a boosted regressor", "accept", GBR,
        v12([(INF_ | F32_ | EST_, [3, 4, 5], "pipeline/m (GradientBoostingRegressor)")]))

    def first_reversed(b, m):
        p = Parts(m)
        v12_parts(p, m, ok_checks)
        p.sections.insert(0, p.sections.pop())
        return p.assemble(body_order=list(range(len(p.sections)))[::-1])
    hdr("CHECKS section first in the table, bodies in reverse order", "accept", PL,
        first_reversed)

    # CHECKS that FORMAT.md forbids
    hdr("CHECKS in a format 1.1 file", "reject", V, v12([(INF_, [0], "x")], minor=1))
    hdr("CHECKS in a format 1.0 file", "reject", PL, v12(ok_checks, minor=0))
    hdr("CHECKS in a format 1.1 file without the REQUIRED flag", "reject", PL,
        v12(ok_checks, minor=1, flags=0))
    hdr("CHECKS n_checks 0", "reject", PL, v12(body=struct.pack("<I", 0)))
    hdr("CHECKS n_checks + 1", "reject", PL, v12(body=check_bytes(ok_checks, n_checks=3)))
    hdr("CHECKS n_checks 1 (a check's bytes left over)", "reject", PL,
        v12(body=check_bytes(ok_checks, n_checks=1)))
    hdr("CHECKS n_checks 2^31", "reject", PL, v12(body=check_bytes(ok_checks, n_checks=1 << 31)))
    hdr("CHECKS body with 8 trailing zero bytes", "reject", PL,
        v12(body=check_bytes(ok_checks) + bytes(8)))
    hdr("CHECKS empty body", "reject", PL, v12(body=b""))
    for rule, why in ((0, "rule 0"), (EST_, "ESTIMATOR alone (neither NAN nor INF)"),
                      (F32_, "F32 alone"), (NAN_ | F32_, "NAN F32 (F32 without INF)"),
                      (NAN_ | F32_ | EST_, "NAN F32 ESTIMATOR (F32 without INF)"),
                      (NAN_ | 16, "reserved rule bit 4"), (INF_ | (1 << 31), "reserved bit 31")):
        hdr("CHECKS %s" % why, "reject", PL, v12([(rule, [0], WHO_IMP)]))
    hdr("CHECKS ESTIMATOR in a saved transformer", "reject", SC,
        v12([(NAN_ | EST_, [0], "ct (ColumnTransformer)")]))
    hdr("CHECKS ESTIMATOR in a pipeline whose estimator was removed", "reject", PL,
        v12(ok_checks, then=lambda p, m: (set_section(p, fd.SEC_LINEAR, None),
                                          set_section(p, fd.SEC_CLASSES, None))))
    hdr("CHECKS without ESTIMATOR in a pipeline whose estimator was removed", "accept", PL,
        v12([(INF_, [0, 1], WHO_IMP)], then=lambda p, m: (set_section(p, fd.SEC_LINEAR, None),
                                                          set_section(p, fd.SEC_CLASSES, None))))
    hdr("CHECKS slot = PROGRAM n_slots", "reject", PL, v12([(INF_, [0, 22], WHO_IMP)]))
    hdr("CHECKS slot 2^32 - 1", "reject", PL, v12([(INF_, [0xFFFFFFFF], WHO_IMP)]))
    hdr("CHECKS slot = n_features without a PROGRAM", "reject", U, v12([(INF_, [6], "forest")]))
    hdr("CHECKS slot = n_features - 1 without a PROGRAM", "accept", U,
        v12([(INF_, [5], "forest")]))
    hdr("CHECKS n_slots 0", "reject", PL, v12([(INF_, [], WHO_IMP)]))
    hdr("CHECKS n_slots 2^30 (past the body)", "reject", PL,
        v12(body=struct.pack("<III", 1, INF_, 1 << 30) + bytes(12)))
    for rule, why in ((INF_, "INF"), (NAN_ | INF_, "NAN INF"), (NAN_ | INF_ | F32_, "NAN INF F32")):
        hdr("CHECKS %s on a string input (c)" % why, "reject", SC, v12([(rule, [2], WHO_OH)]))
    hdr("CHECKS INF on a string IMPUTE_STR output", "reject", SC, v12([(INF_, [9], WHO_OH)]))
    # a string slot takes any rule with INF and F32 clear (no estimator reads a string, but
    # the ESTIMATOR bit is no rule on values)
    hdr("CHECKS NAN ESTIMATOR on a string input", "accept", PL,
        v12([(NAN_ | EST_, [2], WHO_LR)]))
    hdr("CHECKS on an unused column", "reject", PL,
        v12([(INF_, [0, 4], WHO_IMP)], kinds=unused("e")))
    hdr("CHECKS who with invalid UTF-8", "reject", PL, v12([(INF_, [0], b"pipe\xff")]))
    hdr("CHECKS who with a NUL byte", "reject", PL, v12([(INF_, [0], b"pipe\x00x")]))
    hdr("CHECKS who with an overlong UTF-8 form", "reject", PL, v12([(INF_, [0], b"\xc0\xaf")]))
    hdr("CHECKS who with a UTF-16 surrogate", "reject", PL, v12([(INF_, [0], b"\xed\xa0\x80")]))
    hdr("CHECKS who length past the body", "reject", PL,
        v12(body=struct.pack("<IIII", 1, INF_, 1, 0) + struct.pack("<I", 1 << 20) + b"who"))
    hdr("CHECKS twice", "reject", PL,
        v12(ok_checks, then=lambda p, m: p.sections.append(
            [fd.SEC_CHECKS, 1, bytearray(check_bytes(ok_checks))])))

    # sections a 1.2 reader does not know
    def add_section(stype, flags):
        return lambda p, m: p.sections.append([stype, flags, bytearray(b"from a newer frost")])
    hdr("unknown REQUIRED section type 99 (needs a newer frost)", "reject", PL,
        v12(ok_checks, then=add_section(99, 1)))
    hdr("unknown optional section type 99", "accept", PL, v12(ok_checks, then=add_section(99, 0)))

    # METADATA_TYPES (type 11): optional, one type per METADATA entry, typed texts checked
    def meta_types(types_of, count=None, drop_metadata=False):
        def then(p, m):
            keys = list(m.metadata)
            n = len(keys) if count is None else count
            set_section(p, fd.SEC_METADATA_TYPES,
                        struct.pack("<I", n) + bytes(types_of(keys))[:n], 0)
            if drop_metadata:
                set_section(p, fd.SEC_METADATA, None)
        return then

    def typed(**kinds):
        return lambda keys: [kinds.get(k, 0) for k in keys]
    hdr("METADATA_TYPES all strings", "accept", PL, v12(then=meta_types(typed())))
    hdr("METADATA_TYPES source_size a number", "accept", PL,
        v12(then=meta_types(typed(source_size=1))))
    hdr("METADATA_TYPES sklearn_version a number (1.2.1 is not one)", "reject", PL,
        v12(then=meta_types(typed(sklearn_version=1))))
    hdr("METADATA_TYPES source_size a boolean", "reject", PL,
        v12(then=meta_types(typed(source_size=2))))
    hdr("METADATA_TYPES unknown type 3", "reject", PL, v12(then=meta_types(typed(source_size=3))))
    hdr("METADATA_TYPES one type short", "reject", PL,
        v12(then=meta_types(typed(), count=1)))
    hdr("METADATA_TYPES without METADATA", "reject", PL,
        v12(then=meta_types(typed(), drop_metadata=True)))

    # FEATURES kind 2 (unused)
    hdr("FEATURES e unused (nothing reads it)", "accept", PL, v12(kinds=unused("e")))
    hdr("FEATURES a, b unused before an ordinal encoder (nothing reads them)", "accept", OR,
        v12(kinds=unused("a", "b")))
    hdr("FEATURES e unused, with CHECKS", "accept", PL, v12(ok_checks, kinds=unused("e")))
    hdr("FEATURES e unused in a COMBINE with a PROGRAM", "accept", VS,
        v12(kinds=unused("e")))
    hdr("FEATURES e unused without names (by position)", "accept", PL + ":norows",
        v12(then=lambda p, m: set_section(p, fd.SEC_FEATURES, features_bytes(
            5, [0, 0, 1, 1, 2], None))))
    hdr("FEATURES unused in a format 1.1 file", "reject", VS, v12(kinds=unused("e"), minor=1))
    hdr("FEATURES unused in a format 1.0 file", "reject", PL, v12(kinds=unused("e"), minor=0))
    hdr("FEATURES unused without a PROGRAM", "reject", U,
        v12(then=lambda p, m: set_section(p, fd.SEC_FEATURES, features_bytes(
            6, [0, 0, 2, 0, 0, 0]))))
    hdr("FEATURES unused on a column IMPUTE reads (a)", "reject", PL, v12(kinds=unused("a")))
    hdr("FEATURES unused on a column IMPUTE_STR reads (c)", "reject", PL,
        v12(kinds=unused("c")))
    hdr("FEATURES unused on a column ENCODE reads (c)", "reject", OR, v12(kinds=unused("c")))
    hdr("FEATURES unused on a column SCALE reads (e)", "reject", OR, v12(kinds=unused("e")))
    ind = append_op(dict(opcode=fd.OP_INDICATOR, ins=[4], n_out=1))
    enc = append_op(dict(opcode=fd.OP_ENCODE, ins=[4], n_out=1, kind=fd.NUM, unknown=1,
                         missing_cat=fd.NONE32, unknown_target=0.0, cats=[1.0], targets=[2.0]))
    bins = append_op(dict(opcode=fd.OP_BINS, ins=[4], n_out=1, rule=1, edges=[0.0, 1.0, 2.0]))
    for op, what in ((ind, "an INDICATOR"), (enc, "an ENCODE"), (bins, "a BINS")):
        hdr("%s of e whose output nothing reads" % what, "accept", PL,
            v12(kinds=numeric("e"), then=with_program(op)))
        hdr("FEATURES unused on e, read by %s whose output nothing reads" % what, "reject",
            PL, v12(kinds=unused("e"), then=with_program(op)))
    out_e = with_program(lambda prog, m: prog["outputs"].__setitem__(0, 4))
    hdr("PROGRAM output 0 = the raw input e", "accept", PL, v12(kinds=numeric("e"), then=out_e))
    hdr("FEATURES unused on e, a PROGRAM output", "reject", PL,
        v12(kinds=unused("e"), then=out_e))
    # sk_vote_soft: COMBINE member 0's first slot (body offset 48) made the raw input e (4)
    mem_e = put_in(fd.SEC_COMBINE, 48, "I", 4)
    hdr("COMBINE member 0 reads the raw input e", "accept", VS,
        v12(kinds=numeric("e"), then=mem_e))
    hdr("FEATURES unused on e, read by a COMBINE member", "reject", VS,
        v12(kinds=unused("e"), then=mem_e))
    hdr("FEATURES kind 3", "reject", PL,
        v12(kinds=lambda m: [0, 0, 1, 1, 3]))
    hdr("FEATURES every column unused", "reject", PL, v12(kinds=lambda m: [2] * 5))
    return E


# rows for sk_pipe_logreg (a b c d e): no missing or extreme value
PL_HEAD = ["a", "b", "c", "d", "e"]
PL_CLEAN = [["0.5", "10", "x", "p", "1"], ["-1.25", "-200.5", "y", "q", "0"],
            ["2", "3", "z", "r", "4"], ["1e-310", "-0.0", "a,b", "p", "2"]]
F32_EDGE = repr(fd.F32_OVERFLOW)                        # 3.4028235677973366e+38: rounds to inf
F32_BELOW = repr(math.nextafter(fd.F32_OVERFLOW, 0.0))  # the double below: FLT_MAX


def pl_rows(*extra, head=PL_HEAD, clean=PL_CLEAN):
    """The clean rows, then one row per dict of extra (column -> value, the rest clean)."""
    rows = [list(head)] + [[r[PL_HEAD.index(h)] for h in head] for r in clean]
    for k, e in enumerate(extra):
        base = dict(zip(PL_HEAD, clean[k % len(clean)]))
        base.update(e)
        rows.append([base[h] for h in head])
    return rows


def row_cases():
    """[(label, base model, edit or None, rows [header, row...], expectation per mode, cli)]:
    rows predicted / transformed by both readers. Expectations (per "predict", "proba",
    "transform"; "*" for every mode the model has): "accept" (both, equal outputs),
    ("refuse", who, row) (a check refuses: the decoder names that row and check, frost exits 1
    naming who), "error" (both refuse the rows, exit 1)."""
    R = []
    ok_checks = [(INF_, [0, 1], WHO_IMP), (NAN_ | INF_ | EST_, PL_OUT, WHO_LR)]

    def case(label, base, edit, rows, expect, cli=False, v=V12):
        R.append((v + label, base, edit, rows, expect if isinstance(expect, dict) else
                  {"*": expect}, cli))

    def refuse(who, row):
        return ("refuse", who, row)
    nan_a = v12([(NAN_, [0], WHO_IMP)])
    case("NAN on a: a row with a missing a", PL, nan_a, pl_rows({"a": ""}),
         refuse(WHO_IMP, 5), cli=True)
    case("NAN on a: rows without a missing a (an infinite a passes)", PL, nan_a,
         pl_rows({"a": "inf"}, {"a": "-1e308"}), "accept")
    inf_a = v12([(INF_, [0], WHO_IMP)])
    case("INF on a: a = inf", PL, inf_a, pl_rows({"a": "inf"}), refuse(WHO_IMP, 5))
    case("INF on a: a = -inf in the last of 200 rows", PL, inf_a,
         pl_rows(*([{}] * 195 + [{"a": "-inf"}])), refuse(WHO_IMP, 200))
    case("INF on a: missing, 1e308 and 1e39 pass", PL, inf_a,
         pl_rows({"a": ""}, {"a": "1e308"}, {"a": "1e39"}), "accept")
    f32_a = v12([(INF_ | F32_, [0], WHO_IMP)])
    case("INF F32 on a: a = 1e39", PL, f32_a, pl_rows({"a": "1e39"}), refuse(WHO_IMP, 5))
    case("INF F32 on a: a = -1e39", PL, f32_a, pl_rows({}, {"a": "-1e39"}),
         refuse(WHO_IMP, 6))
    case("INF F32 on a: a = 2^128 - 2^103 (float32 rounds it to inf)", PL, f32_a,
         pl_rows({"a": F32_EDGE}), refuse(WHO_IMP, 5))
    case("INF F32 on a: a = -(2^128 - 2^103)", PL, f32_a, pl_rows({"a": "-" + F32_EDGE}),
         refuse(WHO_IMP, 5))
    case("INF F32 on a: the double below 2^128 - 2^103, 3e38 and a missing a pass", PL, f32_a,
         pl_rows({"a": F32_BELOW}, {"a": "-" + F32_BELOW}, {"a": "3e38"}, {"a": ""}), "accept")
    f32_scaled = v12([(INF_ | F32_, [8], WHO_SC)])
    case("INF F32 on scaled b: b = 1e40 scales to 1e38 (passes)", PL, f32_scaled,
         pl_rows({"b": "1e40"}, {"b": "-1e40"}), "accept")
    case("INF F32 on scaled b: b = 1e41 scales to 1e39", PL, f32_scaled,
         pl_rows({"b": "1e41"}), refuse(WHO_SC, 5))
    est_a = v12([(NAN_ | EST_, [0], WHO_LR)])
    case("ESTIMATOR NAN on a: a missing a (transform skips the check)", PL, est_a,
         pl_rows({"a": ""}), {"predict": refuse(WHO_LR, 5), "proba": refuse(WHO_LR, 5),
                              "transform": "accept"}, cli=True)
    est_out = v12([(NAN_ | INF_ | EST_, PL_OUT, WHO_LR)])
    case("ESTIMATOR INF on the estimator's features: b = inf", PL, est_out,
         pl_rows({}, {"b": "inf"}), {"predict": refuse(WHO_LR, 6), "proba": refuse(WHO_LR, 6),
                                     "transform": "accept"})
    case("ESTIMATOR NAN on the estimator's features: missing a, c (imputed) pass", PL, est_out,
         pl_rows({"a": "", "c": ""}, {"b": "", "d": ""}), "accept")
    nan_c = v12([(NAN_, [2], WHO_OH)])
    case("NAN on the string c: a missing c", PL, nan_c, pl_rows({}, {}, {"c": ""}),
         refuse(WHO_OH, 7))
    case("NAN on the string c: a missing a, d and an unknown c pass", PL, nan_c,
         pl_rows({"a": ""}, {"d": ""}, {"c": "w"}), "accept")
    case("NAN on the imputed c (slot 9): a missing c is imputed", PL,
         v12([(NAN_, [9], WHO_OH)]), pl_rows({"c": ""}), "accept")
    two = v12([(NAN_, [1], "check 0: NAN on b"), (INF_, [0], "check 1: INF on a")])
    case("two checks: the first row with a refused value decides", PL, two,
         pl_rows({"a": "inf"}, {"b": ""}), refuse("check 1: INF on a", 5))
    case("two checks: in one row, the first check decides", PL, two,
         pl_rows({}, {"a": "-inf", "b": ""}), refuse("check 0: NAN on b", 6))
    case("two checks over 2 slots: a slot of a later check", PL,
         v12([(INF_, [1, 0], "check 0"), (NAN_, [2, 3], "check 1")]),
         pl_rows({"d": ""}), refuse("check 1", 5))
    un_e = v12(kinds=unused("e"))
    head_e = ["b", "d", "a", "c"]
    case("unused e: rows without an e column", PL, un_e, pl_rows({"a": ""}, head=head_e),
         "accept", cli=True)
    case("unused e: text, inf and nothing in e", PL, un_e,
         pl_rows({"e": "not a number"}, {"e": "inf"}, {"e": ""}, {"e": "1e999"}), "accept")
    case("unused e with CHECKS: rows without e, a = inf", PL, v12(ok_checks, kinds=unused("e")),
         pl_rows({}, {"a": "inf"}, head=head_e), refuse(WHO_IMP, 6))
    case("unused e with CHECKS: rows without e", PL, v12(ok_checks, kinds=unused("e")),
         pl_rows({"e": "x"}, head=head_e), "accept")
    case("control: text in the numeric column e (both refuse the rows)", PL,
         v12(kinds=numeric("e")),
         pl_rows({"e": "not a number"}), "error", v="")
    case("unused a, b before an ordinal encoder: rows without a and b", "sk_ordinal",
         v12(kinds=unused("a", "b")), pl_rows({"c": ""}, head=["e", "d", "c"]), "accept")
    f_head = ["f%d" % j for j in range(6)]
    f_clean = [["0.5", "-1", "2", "300", "-4", "0"], ["", "1e-3", "", "7", "1", "2"]]
    forest = v12([(INF_ | F32_ | EST_, list(range(6)), "forest (RandomForestClassifier)")])
    case("no PROGRAM: INF F32 ESTIMATOR on every feature: f4 = 1e39", U_, forest,
         [f_head] + f_clean + [["1", "2", "3", "4", "1e39", "6"]],
         refuse("forest (RandomForestClassifier)", 3))
    case("no PROGRAM: INF F32 ESTIMATOR: FLT_MAX, missing and tiny values pass", U_, forest,
         [f_head] + f_clean + [[F32_BELOW, "-" + F32_BELOW, "", "5e-324", "-0.0", "1e38"]],
         "accept")
    lin = v12([(NAN_ | INF_ | EST_, [0, 1], "LinearRegression")])
    case("bare LINEAR: NAN INF ESTIMATOR: b = nan", "sk_linreg", lin,
         [["b", "a"], ["1", "2"], ["nan", "3"]], refuse("LinearRegression", 2))
    case("bare LINEAR: NAN INF ESTIMATOR: 1e300 and 1e39 pass", "sk_linreg", lin,
         [["b", "a"], ["1", "2"], ["1e300", "-1e39"]], "accept")
    vote = v12([(NAN_ | INF_ | EST_, [0, 1], "voting/lr (LogisticRegression)")])
    case("COMBINE without a PROGRAM: ESTIMATOR NAN INF: a missing b", "sk_vote_plain_soft", vote,
         [["a", "b"], ["1", "2"], ["0.5", ""]], refuse("voting/lr (LogisticRegression)", 2))
    case("COMBINE without a PROGRAM: ESTIMATOR NAN INF: clean rows", "sk_vote_plain_soft", vote,
         [["a", "b"], ["1", "2"], ["0.5", "1e300"]], "accept")
    case("COMBINE with a PROGRAM, e unused: rows without e", "sk_vote_soft",
         v12([(NAN_ | INF_ | EST_, PL_OUT, "voting")], kinds=unused("e")),
         pl_rows({"a": ""}, {"c": ""}, head=head_e), "accept")
    gbr = v12([(INF_ | F32_ | EST_, [3, 4, 5], "pipeline/m (GradientBoostingRegressor)")])
    case("boosted regressor after an imputer: missing values are imputed", "sk_pipe_gbr", gbr,
         [["a", "b", "e"], ["1", "", "2"], ["", "", ""]], "accept")
    case("boosted regressor after an imputer: e = 1e39 (transform skips ESTIMATOR)",
         "sk_pipe_gbr", gbr, [["a", "b", "e"], ["1", "", "2"], ["1", "2", "1e39"]],
         {"predict": refuse("pipeline/m (GradientBoostingRegressor)", 2),
          "transform": "accept"})
    case("transformer: NAN on c: a missing c", "sk_ct", v12([(NAN_, [2], WHO_OH)]),
         pl_rows({}, {"c": ""}), refuse(WHO_OH, 6))
    return R



def run_row_case(frost, path, label, base, edit, rows, expect, cli):
    bm = base_model(CTX["models"][base])
    with open(path, "wb") as f:
        f.write(edit(bm.buf, bm) if edit is not None else bm.buf)
    try:
        m = fd.Frost(path)
    except fd.Damaged as e:
        return [(False, "rows " + label, "the decoder refuses the model: %s" % e)]
    rows_path = os.path.splitext(path)[0] + ".rows.csv"
    write_csv(rows_path, rows[0], rows[1:])
    out = []
    for args, mode, proba, works in modes_of(m):
        key = "proba" if proba else mode
        exp = expect.get(key, expect.get("*"))
        if not works or exp is None:
            continue
        flags = mode_flags(mode, proba)
        name = "rows %s: %s" % (label, " ".join(args))
        rc, mine, err, exc = decoder_run(m, path, rows_path, mode, proba, cli)
        if exp == "accept":
            rc2, theirs, err2 = run([frost, args[0], path, rows_path] + flags)
            if rc != 0 or rc2 != 0:
                out.append((False, name, "both should accept: decoder rc %d (%s), frost rc %d "
                            "(%s)" % (rc, err.strip(), rc2, err2.strip()[-200:])))
                continue
            d, _ = csv_diff(mine, theirs)
            out.append((d is None, name, d or "(both accept, %d rows agree)" % (len(rows) - 1)))
        elif exp == "error":
            rc2, _, err2 = run([frost, args[0], path, rows_path] + flags)
            ok = rc == 1 and rc2 == 1
            out.append((ok, name, "(both refuse: %s)" % err2.strip() if ok else
                        "decoder rc %d (%s), frost rc %d (%s)" % (rc, err.strip(), rc2,
                                                                  err2.strip())))
        else:
            _, who, row = exp
            if cli:
                good = rc == 1 and who in err and ("row %d:" % row) in err
            else:
                good = (isinstance(exc, fd.CheckRefused) and exc.row == row and
                        m.checks[exc.check]["who"] == who)
            if not good:
                out.append((False, name, "the decoder should refuse row %d (%s): rc %d, %s"
                            % (row, who, rc, err.strip() or "no error")))
                continue
            why = frost_refuses(frost, path, rows_path, args, flags, who)
            out.append((why is None, name, why or "(both refuse row %d: %s)" % (row, who)))
    return out


def v12_fuzz_base(b, m):
    """sk_pipe_logreg as a 1.2 file: e unused, three checks (one on a string slot)."""
    return v12([(INF_, [0, 1], WHO_IMP), (NAN_, [2], WHO_OH),
                (NAN_ | INF_ | F32_ | EST_, PL_OUT, WHO_LR)], kinds=unused("e"))(b, m)


def fuzz_v12_cases(n, seed=20261207):
    """[(label, function)]: single-byte changes of the CHECKS and FEATURES bodies of the 1.2
    fuzz base, the digest recomputed; both readers must agree."""
    rnd = random.Random(seed)
    cases = []
    for k in range(n):
        stype = fd.SEC_CHECKS if k % 3 else fd.SEC_FEATURES
        r1, r2 = rnd.random(), rnd.randrange(1, 256)

        def f(b, m, stype=stype, r1=r1, r2=r2):
            _, off, ln = section(m, stype)
            b = bytearray(b)
            b[off + int(r1 * ln)] ^= r2
            return fix_digest(b)
        cases.append(("%sfuzz %s of a 1.2 file #%d" % (V12, fd.SECTION_NAMES[stype], k), f))
    return cases


def check_checks_key(frost):
    """frost inspect --json prints "checks" after "combine": null without the section (a model
    the builder API wrote, which adds none), a list for a converted pipeline (which has some)."""
    out_ = []
    for model, want_null in ((U_, True), (PL, False)):
        rc, out, err = run([frost, "inspect", CTX["models"][model], "--json"])
        name = V12 + "frost inspect --json has a \"checks\" key (%s) on %s" % (
            "null without CHECKS" if want_null else "a list", model)
        if rc != 0:
            out_.append((False, name, "frost inspect failed: " + err.strip()))
            continue
        d = json.loads(out)
        if "checks" not in d:
            out_.append((False, name, "no \"checks\" key in frost's JSON"))
            continue
        keys = list(d)
        ok = (d["checks"] is None) == want_null and \
            keys.index("checks") == keys.index("combine") + 1
        out_.append((ok, name, "" if ok else "checks %r at key %d" % (d["checks"],
                                                                     keys.index("checks"))))
    return out_


_bases = {}


def base_model(path):
    if path not in _bases:
        _bases[path] = fd.Frost(path)
    return _bases[path]


def check_edit(frost, path, name, expect, base_path, rows, fn):
    base = base_model(base_path)
    try:
        data = fn(base.buf, base)
    except Exception as e:  # a bug in the edit itself
        return [(False, "edit %s" % name, "cannot build the edit: %r" % e)]
    with open(path, "wb") as f:
        f.write(data)
    return compare_file(frost, path, rows, "edit " + name, expect)


def compare_file(frost, path, rows, label, expect):
    try:
        m = fd.Frost(path)
        m.verify()  # frost verify is the full check: padding and signature trailer too
        ours = None
    except fd.Damaged as e:
        m = None
        ours = str(e)
    rc, _, err = run([frost, "verify", path])
    theirs = None if rc == 0 else (err.strip().splitlines() or ["rc %d" % rc])[-1]
    if rc not in (0, 1):
        return [(False, label, "frost verify exit %d (crash?): %s" % (rc, err.strip()[-300:]))]
    verdict = "decoder: %s | frost: %s" % ("accepts" if ours is None else "rejects (%s)" % ours,
                                           "accepts" if theirs is None else
                                           "rejects (%s)" % theirs)
    if expect == "reject":
        if ours is None:
            return [(False, label, "FORMAT.md forbids it but the decoder accepts; " + verdict)]
        if theirs is None:
            if known(ours):
                return [(True, label, "# KNOWN: " + known(ours))]
            return [(False, label, "FORMAT.md forbids it but frost accepts; " + verdict)]
        return [(True, label, "(both reject)")]
    if (ours is None) != (theirs is None):
        if theirs is None and known(ours):
            return [(True, label, "# KNOWN: " + known(ours))]
        if expect == "accept":
            return [(False, label, "FORMAT.md allows it; " + verdict)]
        return [(False, label, "readers disagree; " + verdict)]
    if ours is not None:
        if expect == "accept":
            return [(False, label, "FORMAT.md allows it but both reject; " + verdict)]
        return [(True, label, "(both reject)")]
    # both accept: inspect and predictions must agree
    rc, out, err = run([frost, "inspect", path, "--json"])
    if rc != 0:
        return [(False, label, "verify accepts but inspect fails: " + err.strip())]
    d = inspect_diff(json.loads(json.dumps(m.inspect())), json.loads(out))
    if d:
        return [(False, label, "both accept, inspect differs: " + d)]
    if rows:
        for args, mode, proba, works in modes_of(m):
            what = " ".join(args)
            flags = mode_flags(mode, proba)
            refused = refused_rows(m, rows, mode, proba) if works and m.checks else None
            if refused:
                ok, detail = check_split(frost, path, m, rows, args, mode, proba, False, refused)
                if not ok:
                    return [(False, label, "both accept, %s: %s" % (what, detail))]
                continue
            rc, out, err = run([frost, args[0], path, rows] + flags)
            try:
                mine = dec_call(m, rows, mode, proba)
                why = None
            except (fd.InputError, ValueError) as e:
                mine, why = None, str(e)
            if rc not in (0, 1, 2):
                return [(False, label, "frost %s exit %d (crash?): %s"
                         % (what, rc, err.strip()[-300:]))]
            if rc != 0 and mine is None:
                continue  # e.g. a renamed feature, a transformer asked to predict: both refuse
            if rc != 0:
                return [(False, label, "both accept, frost %s fails: %s" % (what, err.strip()))]
            if mine is None:
                return [(False, label, "both accept, the decoder cannot %s: %s" % (what, why))]
            d, near = csv_diff(mine, out)
            if d:
                return [(False, label, "both accept, %s differs: %s" % (what, d))]
    return [(True, label, "(both accept%s)" % (", inspect and predictions agree"
                                               if rows else ", inspect agrees"))]


# ---- 4. fuzz ----------------------------------------------------------------------------------

def fuzz_cases(models, n_header, n_tree, seed=20240601):
    """[(label, base, function)] of single-byte changes with digest/checksums recomputed."""
    rnd = random.Random(seed)
    cases = []
    header_bases = [b for b in ("tree_raw_argmax_multiout", "small_named_lz4", "gb_softmax",
                                "single_leaf_clf", "gb_binary_sign", "sk_pipe_logreg", "sk_ct",
                                "sk_pipe_softmax", "sk_onehot_drop", "sk_pipe_rf")
                    if b in models]
    for k in range(n_header):
        base = header_bases[k % len(header_bases)]
        r1, r2 = rnd.random(), rnd.randrange(1, 256)

        def f(b, m, r1=r1, r2=r2):
            # a byte of a section body (the table and superblock have their own edits)
            lo = 128 + 32 * len(m.sections)
            end = max(off + ln for (_, _, off, ln) in m.sections)
            pos = lo + int(r1 * (end - lo))
            b = bytearray(b)
            b[pos] ^= r2
            return fix_digest(b)
        cases.append(("fuzz header %s #%d" % (base, k), base, f))
    tree_bases = [b for b in ("tree_raw_argmax", "rf_binary", "rf_bool_fractions")
                  if b in models]
    for k in range(n_tree):
        base = tree_bases[k % len(tree_bases)]
        r1, r2, r3 = rnd.random(), rnd.randrange(0, 8), rnd.random()

        def f(b, m, r1=r1, r2=r2, r3=r3):
            # one bit of the stored bytes of a block (checksum recomputed)
            bi = int(r1 * len(m.blocks))
            blk_ = m.blocks[bi]
            pos = blk_["offset"] + int(r3 * blk_["stored_size"])
            b = bytearray(b)
            b[pos] ^= 1 << r2
            return fix_block(b, m, bi)
        cases.append(("fuzz tree data %s #%d" % (base, k), base, f))
    return cases


# ---- 2. damaged copies through the CLI ------------------------------------------------------

def damaged_copies(frost, path, src, base):
    """Damaged copies of one model must be refused by the decoder CLI and by `frost verify`."""
    m = fd.Frost(src)
    buf = m.buf

    def flip(pos, bit):
        return bytes(buf[:pos]) + bytes([buf[pos] ^ bit]) + bytes(buf[pos + 1:])
    cases = [
        ("flipped header byte", flip(200, 0x40)),
        ("flipped magic byte", flip(0, 0x01)),
    ]
    if m.blocks:
        blk_ = m.blocks[len(m.blocks) // 2]
        cases.append(("flipped block byte", flip(blk_["offset"] + blk_["stored_size"] // 2, 4)))
    else:
        cases.append(("flipped last header byte of a section",
                      flip(max(off + ln for (_, _, off, ln) in m.sections) - 1, 0x10)))
    cases += [
        ("truncated by 1 byte", bytes(buf[:-1])),
        ("truncated to the header", bytes(buf[:m.header_size])),
        ("truncated to 100 bytes", bytes(buf[:100])),
        ("one byte appended", bytes(buf) + b"\0"),
        ("empty file", b""),
    ]
    out = []
    for what, data in cases:
        with open(path, "wb") as f:
            f.write(data)
        label = "damaged %s: %s" % (base, what)
        rc, _, err = run([PY, DECODER, path])
        rc2, _, err2 = run([frost, "verify", path])
        if rc == 0:
            out.append((False, label, "the decoder accepts it"))
        elif rc2 == 0:
            out.append((False, label, "frost verify accepts it"))
        else:
            out.append((True, label, "(decoder: %s; frost: %s)"
                        % (err.strip().split(": ", 2)[-1],
                           err2.strip().split(": ")[-1] if err2.strip() else "rc %d" % rc2)))
    return out


# ---- 5. probes of what FORMAT.md leaves open --------------------------------------------------

def probe_cases():
    """[(label, base model, mode, rows function(m) -> [header, row...], note)]: inputs on which
    FORMAT.md can be read two ways. Both readers must not crash; when they differ the check
    passes with "# AMBIGUOUS: note" so that the question reaches the lead without failing
    `make test`."""
    def encode_op(m, kind):
        for op in m.program["ops"]:
            if op["opcode"] == fd.OP_ENCODE and op["kind"] == kind and \
                    op["missing_cat"] != fd.NONE32:
                return op
        raise ValueError("no ENCODE with a missing_cat")

    def named_row(m, values):
        header = list(m.feature_names)
        return [header, [values.get(h, "") for h in header]]

    def stand_in_num(m):
        op = encode_op(m, fd.NUM)
        name = m.feature_names[op["ins"][0]]
        rows = named_row(m, {name: repr(op["cats"][op["missing_cat"]])})
        return rows + [named_row(m, {})[1]]

    def stand_in_str(m):
        op = encode_op(m, fd.STR)
        name = m.feature_names[op["ins"][0]]
        return named_row(m, {name: op["cats"][op["missing_cat"]]}) + [named_row(m, {})[1]]

    def nan_linear(m):
        return [list(m.feature_names), ["", "1.5"], ["", ""], ["0.5", "nan"]]

    def nan_rows(m):
        return [list(m.feature_names), ["", ""], ["", "0.5"], ["1.0", ""]]

    def nan_ops(b, m):
        """sk_scaler's program replaced by BINS, NORMALIZE and POLY of the raw inputs."""
        ops = [dict(opcode=fd.OP_BINS, ins=[0], n_out=1, rule=1, edges=[-1.0, 0.0, 1.0]),
               dict(opcode=fd.OP_BINS, ins=[0], n_out=2, rule=1, edges=[-1.0, 0.0, 1.0]),
               dict(opcode=fd.OP_BINS, ins=[1], n_out=1, rule=2, edges=[-1.0, 0.0, 1.0]),
               dict(opcode=fd.OP_NORMALIZE, ins=[0, 1], n_out=2, norm=3),
               dict(opcode=fd.OP_SCALE, ins=[0], n_out=1, mode=0, clip=1, lo=-1.0, hi=1.0,
                    a=[0.0], b=[1.0])]
        p = Parts(m)
        set_section(p, fd.SEC_PROGRAM, program_bytes(
            2, ops, list(range(2, 9)), ["bin", "oh0", "oh1", "bin2", "n0", "n1", "clip"]))
        return p.assemble()
    def wide_rows(m):
        return [list(m.feature_names), ["0.1", "12345.678"], ["1e-8", "3.3"],
                ["-7.25", "1e16"], ["0.3", "-0.1"], ["1e300", "1e300"]]

    def wide_normalize(b, m):
        """NORMALIZE l1 / l2 over 12 inputs (a and b repeated, very different magnitudes)."""
        ins = [0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1]
        ops = [dict(opcode=fd.OP_NORMALIZE, ins=ins, n_out=12, norm=1),
               dict(opcode=fd.OP_NORMALIZE, ins=ins, n_out=12, norm=2)]
        p = Parts(m)
        set_section(p, fd.SEC_PROGRAM, program_bytes(
            2, ops, list(range(2, 26)), ["n%d" % i for i in range(24)]))
        return p.assemble()
    return [
        ("NORMALIZE l1 and l2 over 12 inputs (order of the sum)", "sk_scaler", "transform",
         wide_rows, "FORMAT.md NORMALIZE: 'the row's norm over the n inputs' does not say in "
         "which order the norm's sum is taken (in order, or numpy's pairwise sum from 8 values "
         "on); the decoder sums in order", wide_normalize),
        ("a present value equal to the category stored at missing_cat (numeric)",
         "sk_onehot_numeric", "transform", stand_in_num,
         "FORMAT.md ENCODE: missing_cat is 'the category a missing input matches'; it does not "
         "say whether a present value equal to that category (frost convert stores NaN's "
         "category as a stand-in value) matches it too; the decoder matches categories by value"),
        ("a present value equal to the category stored at missing_cat (string)", "sk_ordinal",
         "transform", stand_in_str,
         "as above, for string categories"),
        ("a missing input to a bare LINEAR classifier (softmax, no imputer)", "sk_logreg12",
         "predict", nan_linear,
         "FORMAT.md LINEAR: d is NaN; 'the first argmax' of NaN values is not defined"),
        ("a missing input to a bare LINEAR classifier (probabilities)", "sk_logreg12",
         "proba", nan_linear, "as above"),
        ("missing inputs to BINS, NORMALIZE max and a clipping SCALE", "sk_scaler", "transform",
         nan_rows, "FORMAT.md BINS counts edges <= x (a NaN x: no edge, bin 0) and NORMALIZE "
         "max takes the largest |x| - neither says what a NaN input gives; SCALE's clip "
         "'min(max(v, lo), hi)' does not say whether NaN stays NaN", nan_ops),
    ]


def run_probe(frost, path, label, base, mode, rows_fn, note, edit=None):
    m = base_model(CTX["models"][base])
    model_path = CTX["models"][base]
    if edit is not None:
        with open(path, "wb") as f:
            f.write(edit(m.buf, m))
        model_path = path
        m = fd.Frost(path)
    rows = os.path.join(CTX["tmpdir"], "%d-probe.csv" % os.getpid())
    with open(rows, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows_fn(m))
    cmd = "transform" if mode == "transform" else "predict"
    flags = ["--proba"] if mode == "proba" else []
    rc, theirs, err = run([frost, cmd, model_path, rows] + flags)
    if rc not in (0, 1, 2):
        return [(False, "probe " + label, "frost %s exit %d (crash?): %s"
                 % (cmd, rc, err.strip()[-300:]))]
    try:
        mine = fd.transform(m, rows) if mode == "transform" else \
            fd.predict(m, rows, mode == "proba")
        why = None
    except (fd.InputError, ValueError) as e:
        mine, why = None, str(e)
    if rc != 0 or mine is None:
        same = rc != 0 and mine is None
        d = None if same else "decoder: %s | frost: %s" % (
            "refuses (%s)" % why if mine is None else "accepts",
            "refuses (%s)" % err.strip() if rc else "accepts")
    else:
        d, _ = csv_diff(mine, theirs)
        if d:
            d = "%s (decoder %s | frost %s)" % (d, mine.strip().replace("\n", " / ")[:300],
                                               theirs.strip().replace("\n", " / ")[:300])
    if d is None:
        return [(True, "probe " + label, "(readers agree)")]
    return [(True, "probe " + label, "# AMBIGUOUS: %s; %s" % (note, d))]


CTX = {}  # filled by main before the worker processes fork
CLI_MODELS = ("rf_multioutput", "gb_binary_old", "single_leaf_reg", "sk_pipe_softmax", "sk_ct",
              "iso_forest", "hgb_exp_cat_lz4")


def rows_of(name):
    p = os.path.join(CTX["model_dir"], name + ".csv")
    return p if os.path.exists(p) else None


def tmp_path():
    CTX["n"] = CTX.get("n", 0) + 1
    return os.path.join(CTX["tmpdir"], "%d-%d.frost" % (os.getpid(), CTX["n"]))


def task(kind, arg):
    frost, models = CTX["frost"], CTX["models"]
    try:
        if kind == "model":
            return check_model(frost, models[arg], rows_of(arg), arg in CLI_MODELS)
        if kind == "damaged":
            return damaged_copies(frost, tmp_path(), models[arg], arg)
        if kind == "edit":
            name, expect, base, fn = CTX["edits"][arg]
            base, _, opt = base.partition(":")
            if base not in models:
                return [(False, "edit " + name, "base model %s missing" % base)]
            rows = None if opt == "norows" else rows_of(base)
            return check_edit(frost, tmp_path(), name, expect, models[base], rows, fn)
        if kind == "probe":
            return run_probe(frost, tmp_path(), *CTX["probes"][arg])
        if kind == "rows":
            return run_row_case(frost, tmp_path(), *CTX["rows"][arg])
        if kind == "checkskey":
            return check_checks_key(frost)
        if kind == "fuzz12":
            label, fn = CTX["fuzz12"][arg]
            b = base_model(CTX["v12_base"])
            path = tmp_path()
            with open(path, "wb") as f:
                f.write(fn(b.buf, b))
            return compare_file(frost, path, rows_of(PL), label, "either")
        label, base, fn = CTX["fuzz"][arg]
        b = base_model(models[base])
        path = tmp_path()
        with open(path, "wb") as f:
            f.write(fn(b.buf, b))
        return compare_file(frost, path, rows_of(base), label, "either")
    except Exception:  # a bug in this script: report it as a failed check
        return [(False, "%s %s" % (kind, arg), "exception: %s" % traceback.format_exc()
                 .strip().replace("\n", " | "))]


def main(argv):
    if len(argv) != 3:
        print("usage: spec_checks.py MODEL_DIR FROST_BIN", file=sys.stderr)
        return 2
    model_dir, frost = argv[1], os.path.abspath(argv[2])
    models = {}
    for fn in sorted(os.listdir(model_dir)):
        if fn.endswith(".frost"):
            models[fn[:-6]] = os.path.join(model_dir, fn)
    if not models:
        report(False, "models", "no .frost files in %s" % model_dir)
        return 1
    jobs = int(os.environ.get("SPEC_JOBS", "2"))
    with tempfile.TemporaryDirectory(prefix="frost-spec-") as tmpdir:
        CTX.update(frost=frost, model_dir=model_dir, models=models, tmpdir=tmpdir,
                   edits=edits_structural(models) + edits_v12(models) + edits_v13(models) +
                   edits_v13_estimators(models) + edits_target(models),
                   fuzz=fuzz_cases(models, 60, 60),
                   rows=[rc for rc in row_cases() if rc[1] in models])
        if PL in models:
            # the base of the format 1.2 fuzz: an edited sk_pipe_logreg
            CTX["v12_base"] = os.path.join(tmpdir, "v12_fuzz_base.frost")
            with open(CTX["v12_base"], "wb") as f:
                f.write(v12_fuzz_base(base_model(models[PL]).buf, base_model(models[PL])))
            CTX["fuzz12"] = fuzz_v12_cases(24)
        # largest models first, so that the pool stays busy to the end
        tasks = [("model", n) for n in sorted(models, key=lambda n: -os.path.getsize(models[n]))]
        tasks += [("damaged", b) for b in ("rf_binary", "small_named_lz4", "sk_pipe_logreg")
                  if b in models]
        tasks += [("edit", i) for i in range(len(CTX["edits"]))]
        tasks += [("fuzz", i) for i in range(len(CTX["fuzz"]))]
        tasks += [("rows", i) for i in range(len(CTX["rows"]))]
        tasks += [("fuzz12", i) for i in range(len(CTX.get("fuzz12", [])))]
        if PL in models:
            tasks.append(("checkskey", 0))
        CTX["probes"] = [pc for pc in probe_cases() if pc[1] in models]
        tasks += [("probe", i) for i in range(len(CTX["probes"]))]
        t0 = time.time()
        ctx = __import__("multiprocessing").get_context("fork")
        with concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as ex:
            futs = [ex.submit(task, k, a) for k, a in tasks]
            # report in a stable order: models by name, then the rest as listed
            order = sorted(range(len(tasks)),
                           key=lambda i: (0, tasks[i][1]) if tasks[i][0] == "model" else (1, i))
            for i in order:
                for ok, name, detail in futs[i].result():
                    report(ok, name, detail)
        print("# %d checks in %.1f s" % (len(results), time.time() - t0), flush=True)
    return 1 if results.count(False) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
