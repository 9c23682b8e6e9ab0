#!/usr/bin/python3
"""spec_checks.py MODEL_DIR FROST_BIN - differential checks of frost against frost_decode.py.

Run by tests/stages/spec.sh after make_models has written MODEL_DIR. Prints one line per check,
"ok - NAME ..." or "FAIL - NAME: why", and exits 1 when any check failed.

  1. every model: decoder JSON == `frost inspect --json`; decoder predictions (and
     probabilities) == `frost predict`;
  2. damaged copies (header byte, block byte, truncation, ...) are rejected by the decoder CLI
     and by `frost verify`;
  3. edits that keep every checksum and the header digest valid:
       reject  - FORMAT.md forbids the result: both readers must refuse it;
       accept  - FORMAT.md allows it: both must accept it and agree on inspect and predictions;
       either  - FORMAT.md does not say: both must give the same answer (and agree if accepted);
  4. a seeded differential fuzz: single-byte changes of header sections and of tree data, with
     the digest and block checksums recomputed; both readers must agree.
"""
import concurrent.futures
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
    ("outside every section",
     "FORMAT.md: 'Bytes of the header region not covered by the superblock, the table or a "
     "section are zero' - frost does not check them"),
    ("not valid UTF-8",
     "FORMAT.md: 'str = u32 length then length bytes of UTF-8 with no NUL byte' - frost rejects "
     "NUL but accepts invalid UTF-8"),
    ("MEAN model with learning_rate",
     "FORMAT.md: 'f64 learning_rate (BOOSTED), else 0' - frost accepts a non-zero rate on MEAN"),
    ("RAW_ARGMAX with",
     "FORMAT.md: RAW_ARGMAX is for 'a single DecisionTreeClassifier' / 'the (only) tree' - "
     "frost accepts it with several trees"),
    ("SIGN_DECISION on a non-binary model",
     "FORMAT.md: 'bit 1 SIGN_DECISION (BOOSTED binary)' - frost accepts it on softmax models"),
]


# Why a prediction can be inexact although both readers follow FORMAT.md (by link).
NEAR_HINT = {
    2: " - FORMAT.md's softmax 'Σ exp(raw[c] - m)' does not say how to sum; the decoder sums in "
       "order, frost (like scipy's logsumexp, np.sum) with numpy's pairwise sum",
}


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


# ---- 1. every model ---------------------------------------------------------------------------

def check_model(frost, path, rows, cli):
    """Returns a list of (ok, name, detail). With cli, the decoder runs as a command (as a user
    would); otherwise in this process (the same code, one decode for all the comparisons)."""
    out = []
    name = os.path.basename(path)
    how = " (decoder CLI)" if cli else ""
    m = None
    if cli:
        rc, ours, err = run([PY, DECODER, path])
        if rc != 0:
            return [(False, "inspect %s" % name, "decoder refused a valid file: " + err.strip())]
        ours = json.loads(ours)
    else:
        try:
            m = fd.Frost(path)
        except fd.Damaged as e:
            return [(False, "inspect %s" % name, "decoder refused a valid file: %s" % e)]
        ours = json.loads(json.dumps(m.inspect()))
    rc2, theirs, err2 = run([frost, "inspect", path, "--json"])
    if rc2 != 0:
        return [(False, "inspect %s" % name, "frost inspect failed: " + err2.strip())]
    d = json_diff(ours, json.loads(theirs))
    out.append((d is None, "inspect %s%s" % (name, how),
                d or "(%d blocks, %d chunks, %d trees)" % (len(ours["blocks"]),
                                                           len(ours["chunks"]),
                                                           len(ours["trees"]))))
    rc, _, err = run([frost, "verify", path])
    out.append((rc == 0, "verify %s" % name, "" if rc == 0 else err.strip()))
    if rows is None:
        return out
    modes = [[]]
    if ours["ensemble"]["task"] == "classifier":
        modes.append(["--proba"])
    for mode in modes:
        what = "predict%s %s%s" % (" --proba" if mode else "", name, how)
        if cli:
            rc, mine, err = run([PY, DECODER, path, "--predict", rows] + mode)
        else:
            try:
                rc, mine, err = 0, fd.predict(m, rows, bool(mode)), ""
            except (fd.InputError, ValueError) as e:
                rc, mine, err = 1, "", str(e)
        rc2, theirs, err2 = run([frost, "predict", path, rows] + mode)
        if rc != 0 or rc2 != 0:
            out.append((False, what, "decoder rc %d (%s), frost rc %d (%s)"
                        % (rc, err.strip(), rc2, err2.strip())))
            continue
        d, near = csv_diff(mine, theirs)
        n_rows = mine.count("\n") - 1
        detail = d or "(%d rows, %s)" % (n_rows, "exact" if near == 0 else
                                          "%d cells not exact, within %g%s"
                                          % (near, REL_TOL, NEAR_HINT.get(ours["ensemble"]["link"],
                                                                          "")))
        out.append((d is None, what, detail))
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
    return ens(m) + 48 + 4 * n_cls + 8 * m.n_raw + 32 * t


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
        ci, pos = rec["body_chunk"], off - rec["top_size"]
    c = m.chunks[ci]
    bi = c["first_block"] + pos // m.block_size
    blk = m.blocks[bi]
    assert blk["codec"] == 0, "tree edits need an uncompressed model"
    return bi, blk["offset"] + pos % m.block_size


def tree_nodes(m, t):
    """[(offset, kind, fields)] of tree t in walk order, read from the decoded chunks."""
    rec = m.trees[t]
    out = []
    stack = [rec["root"]]
    while stack:
        ref = stack.pop()
        off = ref & ~7
        if off < rec["top_size"]:
            data, pos = m.chunk_data[m.top_chunk], rec["top_offset"] + off
        else:
            data, pos = m.chunk_data[rec["body_chunk"]], off - rec["top_size"]
        if ref & 3 == 1:
            out.append((off, "leaf", None))
            continue
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


# ---- 3. edits with valid checksums ------------------------------------------------------------

def edits_structural(models):
    """[(name, expectation, base model name, function(bytes, Frost) -> bytes)]."""
    E = []

    def hdr(name, expect, base, fn):
        E.append((name, expect, base, fn))

    U = "rf_binary"              # uncompressed, block_shift 12, 6 positional features
    C = "small_named_lz4"        # lz4, names, metadata, string labels
    G = "gb_binary_sign"         # boosted, named
    T = "tree_raw_argmax"        # one tree, raw_argmax, uncompressed, NaN-left bits

    def sb(off, fmt, val, digest=True):
        def f(b, m):
            b = bytearray(b)
            put(b, off, fmt, val)
            return fix_digest(b) if digest else b
        return f

    # superblock and footer
    hdr("major version 2", "reject", U, sb(8, "H", 2))
    hdr("major version 0", "either", U, sb(8, "H", 0))
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
    hdr("BLOCKS without the REQUIRED flag", "either", U, entry(fd.SEC_BLOCKS, 4, "I", 0))
    hdr("METADATA with the REQUIRED flag", "either", U, entry(fd.SEC_METADATA, 4, "I", 1))

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
    hdr("chunk kind 3", "reject", U, chk(2, 0, "I", lambda m, v: 3))
    hdr("body chunk marked kind 1", "reject", U, chk(2, 0, "I", lambda m, v: 1))
    hdr("chunk reserved", "reject", U, chk(2, 12, "I", lambda m, v: 1))
    hdr("chunk raw_size + 8", "reject", U, chk(2, 16, "Q", lambda m, v: v + 8))
    hdr("chunk first_block + 1", "reject", U, chk(2, 4, "I", lambda m, v: v + 1))
    hdr("chunk block_count 0", "reject", U, chk(2, 8, "I", lambda m, v: 0))

    def merge_chunks(b, m):
        # chunk 10 has 2 blocks: its second block moved to start a page... instead, make
        # chunk 1 also claim the next chunk's block (blocks not contiguous in the file)
        b = bytearray(b)
        e1, e2 = chunk_entry(m, 1), chunk_entry(m, 2)
        put(b, e1 + 8, "I", 2)
        put(b, e1 + 16, "Q", m.chunks[1]["raw_size"] + m.chunks[2]["raw_size"])
        put(b, e2 + 4, "I", 3)
        return fix_digest(b)
    hdr("chunk claims a block that does not follow its last one", "reject", U, merge_chunks)

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
    hdr("ENSEMBLE MEAN with learning_rate 0.5", "either", U, ef(40, "d", lambda m, v: 0.5))
    hdr("ENSEMBLE n_classes 3 on a 2-class forest", "reject", U, ef(48, "I", lambda m, v: 3))
    hdr("ENSEMBLE BOOSTED binary with n_classes 3", "reject", G, ef(48, "I", lambda m, v: 3))
    hdr("ENSEMBLE BOOSTED with link 2 and n_raw 1", "reject", G, ef(28, "I", lambda m, v: 2))
    hdr("ENSEMBLE BOOSTED regressor link 1", "reject", "gb_regressor",
        ef(28, "I", lambda m, v: 1))
    hdr("ENSEMBLE BOOSTED with leaf_width 2", "reject", G, ef(20, "I", lambda m, v: 2))
    hdr("ENSEMBLE NORMALIZE_LEAVES on a regressor", "either", "rf_regressor",
        ef(24, "I", lambda m, v: v | 1))
    hdr("ENSEMBLE RAW_ARGMAX on a 40-tree forest", "either", U, ef(24, "I", lambda m, v: v | 4))
    hdr("ENSEMBLE SIGN_DECISION on a MEAN classifier", "either", U,
        ef(24, "I", lambda m, v: v | 2))
    hdr("ENSEMBLE SIGN_DECISION on a softmax model", "either", "gb_softmax",
        ef(24, "I", lambda m, v: v | 2))
    hdr("ENSEMBLE NORMALIZE_LEAVES on a BOOSTED model", "either", G,
        ef(24, "I", lambda m, v: v | 1))
    hdr("ENSEMBLE n_classes 0 on one output", "either", "rf_multioutput",
        lambda b, m: ef(48 + 4, "I", lambda m, v: 0)(b, m))

    def tr(t, field_off, fmt, val_fn):
        def f(b, m):
            b = bytearray(b)
            e = tree_record(m, t) + field_off
            put(b, e, fmt, val_fn(m, get(b, e, fmt)))
            return fix_digest(b)
        return f

    hdr("tree top_offset not 8-aligned", "reject", U, tr(2, 0, "Q", lambda m, v: v + 4))
    hdr("tree top part past the top chunk", "reject", U,
        tr(39, 0, "Q", lambda m, v: m.chunks[m.top_chunk]["raw_size"]))
    hdr("tree top_size 0", "reject", U, tr(2, 8, "I", lambda m, v: 0))
    hdr("tree top_size not 8-aligned", "reject", U, tr(2, 8, "I", lambda m, v: v + 4))
    hdr("tree body_chunk out of range", "reject", U, tr(2, 12, "I", lambda m, v: 1000))
    hdr("tree body_chunk = the top chunk", "reject", U, tr(2, 12, "I", lambda m, v: 0))
    hdr("two trees share a body chunk", "reject", U, tr(2, 12, "I", lambda m, v: v + 1))
    hdr("tree body_chunk none though its nodes are in the body", "reject", U,
        tr(2, 12, "I", lambda m, v: 0xFFFFFFFF))
    hdr("tree raw_column 1 in a MEAN model", "reject", U, tr(2, 16, "I", lambda m, v: 1))
    hdr("tree raw_column = n_raw (softmax)", "reject", "gb_softmax",
        tr(0, 16, "I", lambda m, v: m.n_raw))
    hdr("tree root 8 (offset not 0)", "reject", U, tr(2, 20, "I", lambda m, v: 8))
    hdr("tree root kind 2", "reject", U, tr(2, 20, "I", lambda m, v: 2))
    hdr("tree root leaf instead of split", "reject", U, tr(2, 20, "I", lambda m, v: 1))
    hdr("tree n_leaves != n_splits + 1", "reject", U, tr(2, 28, "I", lambda m, v: v + 1))
    hdr("tree n_splits and n_leaves + 1 (walk disagrees)", "reject", U,
        lambda b, m: tr(2, 24, "I", lambda m, v: v + 1)(tr(2, 28, "I", lambda m, v: v + 1)(b, m),
                                                        m))
    hdr("ENSEMBLE body 8 bytes longer", "either", U,
        lambda b, m: fix_digest(put(bytearray(b), 128 + 32 * section(m, 3)[0] + 16, "Q",
                                    section(m, 3)[2] + 8)))

    # FEATURES / CLASSES / METADATA
    def feat(field_off, fmt, val_fn, base_sec=fd.SEC_FEATURES):
        def f(b, m):
            b = bytearray(b)
            e = section(m, base_sec)[1] + field_off
            put(b, e, fmt, val_fn(m, get(b, e, fmt)))
            return fix_digest(b)
        return f

    hdr("FEATURES n_features + 1", "reject", U, feat(0, "I", lambda m, v: v + 1))
    hdr("FEATURES reserved flag", "reject", U, feat(4, "I", lambda m, v: v | 2))
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
    hdr("METADATA count + 1", "reject", U, feat(0, "I", lambda m, v: v + 1, fd.SEC_METADATA))
    hdr("METADATA value with invalid UTF-8", "reject", C,
        lambda b, m: feat(4 + 4 + len("sklearn_version") + 4, "B", lambda m, v: 0xC0,
                          fd.SEC_METADATA)(b, m))

    # tree nodes (uncompressed model, checksums recomputed)
    def node_edit(t, which, fn, base_tree_has_body=True):
        """fn(fields, m, rec, nodes) -> new (thr, fw, left, right) for the `which`-th split."""
        def f(b, m):
            b = bytearray(b)
            nodes = [n for n in tree_nodes(m, t) if n[1] == "split"]
            off, _, fields = nodes[which]
            new = fn(fields, m, m.trees[t], nodes)
            bi, fpos = tree_file_pos(m, t, off)
            put(b, fpos, "fIII", *new)
            return fix_block(b, m, bi)
        return f

    hdr("split left child = its own offset", "reject", U,
        node_edit(2, 0, lambda x, m, r, n: (x[0], x[1], 0, x[3])))
    hdr("split child offset before the parent", "reject", U,
        node_edit(2, 3, lambda x, m, r, n: (x[0], x[1], n[0][0], x[3])))
    hdr("split child ref kind 2", "reject", U,
        node_edit(2, 0, lambda x, m, r, n: (x[0], x[1], (x[2] & ~7) | 2, x[3])))
    hdr("split child ref kind 3", "reject", U,
        node_edit(2, 0, lambda x, m, r, n: (x[0], x[1], x[2], (x[3] & ~7) | 3)))
    hdr("split child ref bit 2 set", "reject", U,
        node_edit(2, 0, lambda x, m, r, n: (x[0], x[1], x[2] | 4, x[3])))
    hdr("split feature = n_features", "reject", U,
        node_edit(2, 1, lambda x, m, r, n: (x[0], (x[1] & 0x80000000) | m.n_features, x[2],
                                            x[3])))
    hdr("split reserved bit 24", "reject", U,
        node_edit(2, 1, lambda x, m, r, n: (x[0], x[1] | (1 << 24), x[2], x[3])))
    hdr("split child past the tree's space", "reject", U,
        node_edit(2, 1, lambda x, m, r, n: (x[0], x[1], x[2],
                                            r["top_size"] + m.chunks[r["body_chunk"]]["raw_size"])))
    hdr("split child is a leaf whose values run past the body", "reject", U,
        node_edit(2, 1, lambda x, m, r, n: (x[0], x[1], x[2],
                                            (r["top_size"] + m.chunks[r["body_chunk"]]["raw_size"]
                                             - 8) | 1)))
    hdr("split child is a split node straddling two blocks", "reject", U,
        node_edit(10, 0, lambda x, m, r, n: (x[0], x[1], x[2],
                                             r["top_size"] + m.block_size - 8)))
    hdr("split child is a leaf straddling two blocks", "reject", U,
        node_edit(10, 0, lambda x, m, r, n: (x[0], x[1], x[2],
                                             (r["top_size"] + m.block_size - 8) | 1)))
    hdr("split children swapped (valid, predictions change)", "accept", U,
        node_edit(2, 0, lambda x, m, r, n: (x[0], x[1], x[3], x[2])))
    hdr("split NaN-goes-left bit flipped (valid)", "accept", T,
        node_edit(0, 0, lambda x, m, r, n: (x[0], x[1] ^ 0x80000000, x[2], x[3])))
    hdr("split threshold NaN", "either", U,
        node_edit(2, 0, lambda x, m, r, n: (math.nan, x[1], x[2], x[3])))
    hdr("split threshold +inf", "accept", U,
        node_edit(2, 0, lambda x, m, r, n: (math.inf, x[1], x[2], x[3])))
    hdr("both children of a split are the same subtree (a DAG)", "either", U,
        node_edit(2, 0, lambda x, m, r, n: (x[0], x[1], x[2], x[2])))
    hdr("a top-part node whose child crosses into the body mid-node", "either", T,
        node_edit(0, 0, lambda x, m, r, n: (x[0], x[1], x[2], r["top_size"] - 8)))

    # lenient / layout freedom (rebuilt files)
    def rebuilt(fn, **kw):
        def f(b, m):
            p = Parts(m)
            fn(p, m)
            return p.assemble(**kw)
        return f

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

    def trailer(p, m):
        p.flags |= 1
        p.trailer = bytearray(struct.pack("<II", 1, 8) + b"signatur")
    hdr("signature trailer present", "accept", U, rebuilt(trailer))

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
    hdr("METADATA body with 8 trailing zero bytes", "either", U, rebuilt(meta_trailing))

    def classes_on_regressor(p, m):
        p.sections.append([fd.SEC_CLASSES, 1, bytearray(struct.pack("<III", 1, 1, 2) +
                                                         s_bytes("0") + s_bytes("1"))])
    hdr("CLASSES section on a regressor", "either", "rf_regressor", rebuilt(classes_on_regressor))

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
    hdr("a zero page between two chunks", "either", U, rebuilt(page_gap))

    def padding_byte(b, m):
        b = bytearray(b)
        b[m.chunks[0]["end"] + 1] = 0xAA
        return b
    hdr("non-zero page padding between chunks (not checksummed)", "either", U, padding_byte)

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
    hdr("signature trailer whose own length field is wrong (content unchecked)", "accept", U,
        rebuilt(trailer_lies))

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
    hdr("lz4 match with offset 0 (invalid in LZ4's block format)", "either", U,
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
    hdr("a model with no trees (n_trees 0)", "either", "rf_regressor", rebuilt(empty_model))
    return E


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
    d = json_diff(m.inspect(), json.loads(out))
    if d:
        return [(False, label, "both accept, inspect differs: " + d)]
    if rows:
        modes = [[]] + ([["--proba"]] if m.task == fd.TASK_CLASSIFIER else [])
        for mode in modes:
            rc, out, err = run([frost, "predict", path, rows] + mode)
            try:
                mine, why = fd.predict(m, rows, bool(mode)), None
            except (fd.InputError, ValueError) as e:
                mine, why = None, str(e)
            if rc != 0 and mine is None:
                continue  # e.g. a renamed feature: both refuse the rows
            if rc != 0:
                return [(False, label, "both accept, frost predict fails: " + err.strip())]
            if mine is None:
                return [(False, label, "both accept, the decoder cannot predict: " + why)]
            d, near = csv_diff(mine, out)
            if d:
                return [(False, label, "both accept, predictions%s differ: %s"
                         % (" --proba" if mode else "", d))]
    return [(True, label, "(both accept%s)" % (", inspect and predictions agree"
                                               if rows else ", inspect agrees"))]


# ---- 4. fuzz ----------------------------------------------------------------------------------

def fuzz_cases(models, n_header, n_tree, seed=20240601):
    """[(label, base, function)] of single-byte changes with digest/checksums recomputed."""
    rnd = random.Random(seed)
    cases = []
    header_bases = [b for b in ("tree_raw_argmax_multiout", "small_named_lz4", "gb_softmax",
                                "single_leaf_clf", "gb_binary_sign") if b in models]
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
    blk_ = m.blocks[len(m.blocks) // 2]
    p = blk_["offset"] + blk_["stored_size"] // 2

    def flip(pos, bit):
        return bytes(buf[:pos]) + bytes([buf[pos] ^ bit]) + bytes(buf[pos + 1:])
    cases = [
        ("flipped header byte", flip(200, 0x40)),
        ("flipped magic byte", flip(0, 0x01)),
        ("flipped block byte", flip(p, 0x04)),
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


CTX = {}  # filled by main before the worker processes fork
CLI_MODELS = ("rf_multioutput", "gb_binary_old", "single_leaf_reg")


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
                   edits=edits_structural(models), fuzz=fuzz_cases(models, 60, 60))
        # largest models first, so that the pool stays busy to the end
        tasks = [("model", n) for n in sorted(models, key=lambda n: -os.path.getsize(models[n]))]
        tasks += [("damaged", b) for b in ("rf_binary", "small_named_lz4") if b in models]
        tasks += [("edit", i) for i in range(len(CTX["edits"]))]
        tasks += [("fuzz", i) for i in range(len(CTX["fuzz"]))]
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
