#!/usr/bin/python3
"""frost_decode.py - an independent reader of .frost files, written from format/FORMAT.md alone.

    frost_decode.py FILE [--json]                        JSON like `frost inspect FILE --json`
    frost_decode.py MODEL --predict ROWS.csv [--proba|--score-samples]
                                                         CSV like `frost predict MODEL ROWS.csv`
    frost_decode.py MODEL --transform ROWS.csv           CSV like `frost transform MODEL ROWS.csv`

Every rule of FORMAT.md is checked and every block is verified and decompressed; every tree is
walked; a PROGRAM is checked operation by operation (slot types included); a COMBINE (format
1.1) member by member, each tree member over its range of the MEMBERS tree table; CHECKS (format
1.2) check by check, and applied to every row predicted or transformed (a refused value is an
input error naming the row, exit 1); FEATURES columns of kind unused (1.2) are neither required
in the rows nor parsed. Format 1.3: wide and categorical split nodes (float64 comparisons), the
links EXP and SOFTMAX_NORM, PROBA_ARGMAX, and ISOLATION ensembles, whose score_samples
`--predict ROWS.csv --score-samples` prints. On damage it prints "frost_decode: FILE: <rule>" on stderr and exits 1
(exit 3 for a newer major version, 4 for an unsupported required section, 2 for usage errors).

Only the Python standard library and the `xxhash` module are used (Frost.verify, the full
check `frost verify` makes, also python3-cryptography's Ed25519). LZ4 block decoding is
implemented here from the public LZ4 block format description.
"""
import array
import csv
import decimal
import io
import json
import math
import re
import struct
import sys

import xxhash

PAGE = 4096
MAGIC = b"\x89FROST\r\n"
END_MAGIC = b"FROSTEND"
NONE32 = 0xFFFFFFFF

SEC_BLOCKS, SEC_CHUNKS, SEC_ENSEMBLE, SEC_FEATURES, SEC_CLASSES, SEC_METADATA = 1, 2, 3, 4, 5, 6
SEC_PROGRAM, SEC_LINEAR, SEC_COMBINE, SEC_CHECKS, SEC_METADATA_TYPES = 7, 8, 9, 10, 11
SECTION_NAMES = {1: "BLOCKS", 2: "CHUNKS", 3: "ENSEMBLE", 4: "FEATURES", 5: "CLASSES",
                 6: "METADATA", 7: "PROGRAM", 8: "LINEAR", 9: "COMBINE", 10: "CHECKS",
                 11: "METADATA_TYPES", 12: "BAYES", 13: "CENTROIDS", 14: "MLP", 15: "TARGET"}
SEC_BAYES, SEC_CENTROIDS, SEC_MLP = 12, 13, 14
SEC_TARGET = 15                                 # format 1.3
# TARGET step kinds (format 1.3)
TGT_AFFINE, TGT_UFUNC = 1, 2

# BAYES kinds (format 1.3)
NB_GAUSSIAN, NB_MULTINOMIAL, NB_COMPLEMENT, NB_BERNOULLI, NB_CATEGORICAL = range(1, 6)
NB_NAMES = {1: "GaussianNB", 2: "MultinomialNB", 3: "ComplementNB", 4: "BernoulliNB",
            5: "CategoricalNB"}
TWO_PI = 2.0 * math.pi
# CENTROIDS kinds and metrics (format 1.3)
CEN_NEAREST, CEN_KMEANS = 1, 2
CEN_EUCLIDEAN, CEN_MANHATTAN = 1, 2
# MLP activations (format 1.3)
ACT_IDENTITY, ACT_LOGISTIC, ACT_TANH, ACT_RELU, ACT_SOFTMAX = 1, 2, 3, 4, 5
ACT_NAMES = {1: "identity", 2: "logistic", 3: "tanh", 4: "relu", 5: "softmax"}

TASK_CLASSIFIER, TASK_REGRESSOR = 1, 2
KIND_MEAN, KIND_BOOSTED, KIND_MEMBERS, KIND_ISOLATION = 1, 2, 3, 4
FLAG_NORMALIZE, FLAG_SIGN, FLAG_RAW_ARGMAX = 1, 2, 4
FLAG_WIDE, FLAG_PROBA_ARGMAX = 8, 16            # format 1.3
LINK_IDENTITY, LINK_LOGISTIC, LINK_SOFTMAX = 0, 1, 2
LINK_EXP, LINK_SOFTMAX_NORM = 3, 4              # format 1.3
CATEGORICAL = 0x40000000                        # wide split word bit 30 (1.3)
LABEL_KINDS = {1: "int", 2: "float", 3: "str", 4: "bool"}
TREE_RECORD = 40

# LINEAR rules
RULE_IDENTITY, RULE_LOGISTIC, RULE_OVR, RULE_SOFTMAX, RULE_BIN_SOFTMAX, RULE_DECISION = range(1, 7)

# COMBINE rules, member kinds and scores
COMB_SOFT, COMB_HARD, COMB_MEAN, COMB_OVR = 1, 2, 3, 4
COMB_NAMES = {1: "soft vote", 2: "hard vote", 3: "weighted mean", 4: "one-vs-rest"}
MEMBER_TREES, MEMBER_LINEAR = 1, 2
SCORE_NONE, SCORE_DECISION, SCORE_PROBA = 0, 1, 2
SCORE_NAMES = {0: "none", 1: "decision", 2: "proba"}

# PROGRAM opcodes
OP_IMPUTE, OP_IMPUTE_STR, OP_INDICATOR, OP_SCALE, OP_ENCODE, OP_NORMALIZE, OP_POLY, OP_BINS = \
    range(1, 9)
OP_UFUNC, OP_PROJECT = 9, 10                    # format 1.3
OP_NAMES = {1: "IMPUTE", 2: "IMPUTE_STR", 3: "INDICATOR", 4: "SCALE", 5: "ENCODE",
            6: "NORMALIZE", 7: "POLY", 8: "BINS", 9: "UFUNC", 10: "PROJECT"}
MAX_PROJECT = 1 << 24                           # PROJECT: n_in x n_out weights at most
# UFUNC functions (format 1.3): numpy's names
UFUNC_NAMES = {1: "log", 2: "log1p", 3: "exp", 4: "expm1", 5: "sqrt", 6: "square",
               7: "absolute", 8: "reciprocal"}
NUM, STR, UNUSED = 0, 1, 2  # slot / feature kinds (UNUSED: FEATURES only, format 1.2)

# CHECKS rule bits (format 1.2)
CHECK_NAN, CHECK_INF, CHECK_F32, CHECK_ESTIMATOR = 1, 2, 4, 8
CHECK_RULE_BITS = 15
# FORMAT.md CHECKS F32: "a value whose float32 rounding (round to nearest) is infinite". The
# largest float32 is 2^128 - 2^104; halfway to the next step (2^128) is 2^128 - 2^103, which
# rounds to even, i.e. up to infinity: every |x| >= 2^128 - 2^103 rounds to an infinite float32,
# everything below to a finite one (the boundary is exact in f64).
F32_OVERFLOW = 2.0 ** 128 - 2.0 ** 103


class Damaged(Exception):
    """The file breaks a rule of FORMAT.md (exit 1)."""
    code = 1


class NewerVersion(Damaged):
    code = 3


class Unsupported(Damaged):
    code = 4


class InputError(Exception):
    """A rows CSV that does not fit the model (exit 1, like `frost predict`)."""


class CheckRefused(InputError):
    """A value a CHECKS check refuses (FORMAT.md 1.2): an input error naming the row (exit 1)."""

    def __init__(self, msg, row, check):
        InputError.__init__(self, msg)
        self.row = row
        self.check = check


def damaged(msg):
    raise Damaged(msg)


def round_up(x, m):
    return (x + m - 1) // m * m


# ---- LZ4 block format -------------------------------------------------------------------------

def lz4_block_decode(src, raw_size):
    """Decodes one LZ4 block (no frame) that must expand to exactly raw_size bytes.

    A block is a series of sequences: token (hi nibble literal length, lo nibble match length-4),
    optional length bytes (255 = continue), literals, then a 2-byte little-endian offset and
    optional match-length bytes. The last sequence has literals only and ends the input.

    FORMAT.md (BLOCKS): "LZ4 blocks follow the LZ4 block format including its end-of-block
    rules - the last sequence is literals only, the last 5 bytes are literals, the last match
    starts at least 12 bytes before the end - and no match offset is 0"."""
    out = bytearray()
    ip = 0
    n = len(src)
    while True:
        if ip >= n:
            raise ValueError("input ends before a token")
        token = src[ip]
        ip += 1
        lit = token >> 4
        if lit == 15:
            while True:
                if ip >= n:
                    raise ValueError("input ends inside a literal length")
                b = src[ip]
                ip += 1
                lit += b
                if b != 255:
                    break
        if ip + lit > n:
            raise ValueError("literals run past the input")
        if len(out) + lit > raw_size:
            raise ValueError("literals run past raw_size")
        out += src[ip:ip + lit]
        ip += lit
        if ip == n:
            break  # the last sequence: literals only
        if ip + 2 > n:
            raise ValueError("input ends inside a match offset")
        offset = src[ip] | (src[ip + 1] << 8)
        ip += 2
        if offset == 0 or offset > len(out):
            raise ValueError("match offset %d outside the output" % offset)
        mlen = token & 15
        if mlen == 15:
            while True:
                if ip >= n:
                    raise ValueError("input ends inside a match length")
                b = src[ip]
                ip += 1
                mlen += b
                if b != 255:
                    break
        mlen += 4
        if len(out) + mlen > raw_size:
            raise ValueError("match runs past raw_size")
        if len(out) > raw_size - 12:
            raise ValueError("a match starts in the last 12 bytes of the block")
        if len(out) + mlen > raw_size - 5:
            raise ValueError("a match covers the last 5 bytes of the block")
        start = len(out) - offset
        if offset >= mlen:
            out += out[start:start + mlen]
        else:
            # overlapping copy: the pattern of `offset` bytes repeats
            pattern = bytes(out[start:])
            reps = mlen // offset + 1
            out += (pattern * reps)[:mlen]
    if len(out) != raw_size:
        raise ValueError("produced %d bytes, raw_size is %d" % (len(out), raw_size))
    return bytes(out)


def lz4_compress_bound(n):
    return n + n // 255 + 16


# ---- little readers ---------------------------------------------------------------------------

class Reader:
    """Bounds-checked little-endian reads over one section body."""

    def __init__(self, data, name):
        self.data = data
        self.pos = 0
        self.name = name

    def need(self, n, what):
        if self.pos + n > len(self.data):
            damaged("%s: body too short for %s" % (self.name, what))

    def u32(self, what):
        self.need(4, what)
        v = struct.unpack_from("<I", self.data, self.pos)[0]
        self.pos += 4
        return v

    def u64(self, what):
        self.need(8, what)
        v = struct.unpack_from("<Q", self.data, self.pos)[0]
        self.pos += 8
        return v

    def f64(self, what):
        self.need(8, what)
        v = struct.unpack_from("<d", self.data, self.pos)[0]
        self.pos += 8
        return v

    def raw(self, n, what):
        self.need(n, what)
        v = self.data[self.pos:self.pos + n]
        self.pos += n
        return v

    def string(self, what):
        n = self.u32(what + " length")
        b = self.raw(n, what)
        if b"\x00" in b:
            damaged("%s: %s contains a NUL byte" % (self.name, what))
        try:
            return b.decode("utf-8")
        except UnicodeDecodeError:
            damaged("%s: %s is not valid UTF-8" % (self.name, what))

    def end(self):
        if self.pos != len(self.data):
            damaged("%s: %d bytes after the last field (length %d)"
                    % (self.name, len(self.data) - self.pos, len(self.data)))


# ---- the decoder ------------------------------------------------------------------------------

def read_linear(o, body):
    """A LINEAR body (FORMAT.md LINEAR) into o's attributes."""
    r = Reader(body, "LINEAR")
    L = "LINEAR"
    o.task = r.u32("task")
    o.rule = r.u32("rule")
    o.n_features = r.u32("n_features")
    o.n_rows = r.u32("n_rows")
    if o.task not in (TASK_CLASSIFIER, TASK_REGRESSOR):
        damaged("%s: task %d" % (L, o.task))
    if not RULE_IDENTITY <= o.rule <= RULE_DECISION:
        damaged("%s: rule %d" % (L, o.rule))
    if o.n_features < 1:
        damaged("%s: n_features 0" % L)
    if o.n_rows < 1:
        damaged("%s: n_rows 0" % L)
    if o.task == TASK_REGRESSOR:
        if o.rule != RULE_IDENTITY:
            damaged("%s: regressor with rule %d (regression is rule 1)" % (L, o.rule))
        o.n_outputs = o.n_rows          # "coefficient rows: targets"
    else:
        if o.rule == RULE_IDENTITY:
            damaged("%s: classifier with rule 1 (identity is regression)" % L)
        if o.rule in (RULE_LOGISTIC, RULE_BIN_SOFTMAX) and o.n_rows != 1:
            damaged("%s: binary rule %d with %d coefficient rows" % (L, o.rule, o.n_rows))
        if o.rule in (RULE_OVR, RULE_SOFTMAX) and o.n_rows < 2:
            damaged("%s: rule %d needs a row per class" % (L, o.rule))
        o.n_outputs = 1
        # "1 for binary classifiers, or classes"
        o.n_classes = [2 if o.n_rows == 1 else o.n_rows]
    r.need(8 * o.n_rows * o.n_features, "coef")
    raw = r.raw(8 * o.n_rows * o.n_features, "coef")
    flat = struct.unpack("<%dd" % (o.n_rows * o.n_features), raw)
    o.coef = [list(flat[i * o.n_features:(i + 1) * o.n_features])
                 for i in range(o.n_rows)]
    r.need(8 * o.n_rows, "intercept")
    o.intercept = [r.f64("intercept") for _ in range(o.n_rows)]
    r.end()


def check_raw_column(o, name, rawcol):
    if o.kind == KIND_BOOSTED:
        if rawcol >= o.n_raw:
            damaged("%s: raw_column %d >= n_raw" % (name, rawcol))
    elif rawcol != 0:
        damaged("%s: raw_column %d in a MEAN model" % (name, rawcol))


def read_agg(o, r, E, minor, members_ok=False):
    """ENSEMBLE's fields from offset 0 up to the tree records, read into o's attributes and
    checked (FORMAT.md ENSEMBLE); a COMBINE tree member repeats the same layout. minor: the
    file's minor version (1.3 added kind 4, links 3 and 4, flags bits 3 and 4)."""
    o.task = r.u32("task")
    o.kind = r.u32("kind")
    o.n_features = r.u32("n_features")
    o.n_outputs = r.u32("n_outputs")
    o.n_trees = r.u32("n_trees")
    o.leaf_width = r.u32("leaf_width")
    o.eflags = r.u32("flags")
    o.link = r.u32("link")
    o.n_raw = r.u32("n_raw")
    o.top_chunk = r.u32("top_chunk")
    o.learning_rate = r.f64("learning_rate")
    if not (members_ok and o.kind == KIND_MEMBERS) and o.task not in (TASK_CLASSIFIER,
                                                                       TASK_REGRESSOR):
        damaged("%s: task %d" % (E, o.task))
    if members_ok and o.kind == KIND_MEMBERS:
        # FORMAT.md: every field from offset 0 to 47 is zero except kind, n_trees, top_chunk
        if (o.task or o.n_features or o.n_outputs or o.leaf_width or o.eflags or o.link or
                o.n_raw or o.learning_rate != 0):
            damaged("%s: kind MEMBERS with aggregation fields set" % E)
        o.n_classes = []
        o.init_raw = []
        return
    if o.kind not in (KIND_MEAN, KIND_BOOSTED, KIND_ISOLATION):
        damaged("%s: kind %d" % (E, o.kind))
    if not 1 <= o.n_features < (1 << 24):
        damaged("%s: n_features %d outside 1..2^24-1" % (E, o.n_features))
    if o.n_outputs < 1:
        damaged("%s: n_outputs 0" % E)
    if o.eflags & ~0x1F:
        damaged("%s: reserved flags 0x%x set" % (E, o.eflags & ~0x1F))
    clf = o.task == TASK_CLASSIFIER
    if o.link not in (0, 1, 2, 3, 4):
        damaged("%s: link %d" % (E, o.link))
    if minor < 3 and (o.kind == KIND_ISOLATION or o.link > 2 or
                      o.eflags & (FLAG_WIDE | FLAG_PROBA_ARGMAX)):
        damaged("%s: kind %d, link %d, flags 0x%x need format 1.3 (file says 1.%d)"
                % (E, o.kind, o.link, o.eflags, minor))
    o.n_classes = []
    if clf:
        # n_outputs entries; bound the loop by the body length before trusting n_outputs
        r.need(4 * o.n_outputs, "n_classes")
        for k in range(o.n_outputs):
            c = r.u32("n_classes")
            if c < 1:
                damaged("%s: output %d has 0 classes" % (E, k))
            o.n_classes.append(c)
    r.need(8 * o.n_raw, "init_raw")
    o.init_raw = [r.f64("init_raw") for _ in range(o.n_raw)]
    if o.kind == KIND_ISOLATION:
        # FORMAT.md 1.3: a classifier of one output with 2 classes, leaf_width 1, link 0,
        # n_raw 0, learning_rate 0, no flag but WIDE_SPLITS; path_norm and offset follow
        o.path_norm = r.f64("path_norm")
        o.offset = r.f64("offset")
        if (not clf or o.n_outputs != 1 or o.n_classes != [2] or o.leaf_width != 1 or
                o.link != LINK_IDENTITY or o.n_raw != 0 or o.learning_rate != 0 or
                o.eflags & ~FLAG_WIDE):
            damaged("%s: ISOLATION model with task %d, n_outputs %d, n_classes %r, leaf_width "
                    "%d, link %d, n_raw %d, learning_rate %r, flags 0x%x"
                    % (E, o.task, o.n_outputs, o.n_classes, o.leaf_width, o.link, o.n_raw,
                       o.learning_rate, o.eflags))
        if not (math.isfinite(o.path_norm) and o.path_norm >= 0 and math.isfinite(o.offset)):
            damaged("%s: path_norm %r / offset %r" % (E, o.path_norm, o.offset))
        return
    if o.kind == KIND_MEAN:
        if o.eflags & (FLAG_SIGN | FLAG_PROBA_ARGMAX):
            damaged("%s: SIGN_DECISION or PROBA_ARGMAX on a MEAN model" % E)
        if not clf and o.eflags & (FLAG_NORMALIZE | FLAG_RAW_ARGMAX):
            damaged("%s: NORMALIZE_LEAVES/RAW_ARGMAX on a regressor" % E)
        want = sum(o.n_classes) if clf else o.n_outputs
        if o.leaf_width != want:
            damaged("%s: leaf_width %d, expected %d" % (E, o.leaf_width, want))
        if o.link != LINK_IDENTITY:
            damaged("%s: MEAN model with link %d" % (E, o.link))
        if o.n_raw != 0:
            damaged("%s: MEAN model with n_raw %d" % (E, o.n_raw))
        if o.learning_rate != 0:
            damaged("%s: MEAN model with learning_rate %r" % (E, o.learning_rate))
        if o.eflags & FLAG_RAW_ARGMAX and o.n_trees != 1:
            damaged("%s: RAW_ARGMAX with %d trees" % (E, o.n_trees))
    else:
        if o.eflags & (FLAG_NORMALIZE | FLAG_RAW_ARGMAX):
            damaged("%s: NORMALIZE_LEAVES/RAW_ARGMAX on a BOOSTED model" % E)
        if o.leaf_width != 1:
            damaged("%s: BOOSTED model with leaf_width %d" % (E, o.leaf_width))
        if o.n_outputs != 1:
            damaged("%s: BOOSTED model with n_outputs %d" % (E, o.n_outputs))
        if clf:
            if o.link == LINK_LOGISTIC:
                if o.n_classes[0] != 2 or o.n_raw != 1:
                    damaged("%s: logistic link needs n_classes 2 and n_raw 1" % E)
            elif o.link in (LINK_SOFTMAX, LINK_SOFTMAX_NORM):
                if o.n_classes[0] < 3 or o.n_raw != o.n_classes[0]:
                    damaged("%s: softmax link needs n_raw = n_classes >= 3" % E)
            else:
                damaged("%s: BOOSTED classifier with link %d" % (E, o.link))
            if o.eflags & FLAG_SIGN and o.link != LINK_LOGISTIC:
                damaged("%s: SIGN_DECISION on a non-binary model" % E)
            if o.eflags & FLAG_PROBA_ARGMAX and o.link not in (LINK_SOFTMAX, LINK_SOFTMAX_NORM):
                damaged("%s: PROBA_ARGMAX without a softmax link" % E)
        else:
            if o.link not in (LINK_IDENTITY, LINK_EXP) or o.n_raw != 1:
                damaged("%s: BOOSTED regressor needs link 0 or 3 and n_raw 1" % E)
            if o.eflags & (FLAG_SIGN | FLAG_PROBA_ARGMAX):
                damaged("%s: SIGN_DECISION or PROBA_ARGMAX on a regressor" % E)


class Frost:
    def __init__(self, path, data=None):
        self.path = path
        if data is None:
            with open(path, "rb") as f:
                data = f.read()
        self.buf = bytes(data)
        self.decode_header()
        self.decode_sections()
        self.load_blocks()
        self.build_trees()
        if self.combine is not None:
            for m in self.combine["members"]:
                if m.member_kind == MEMBER_TREES:
                    m.compiled = self.compiled[m.first_tree:m.first_tree + m.n_trees]

    # -- superblock, digest, sizes, footer --
    def decode_header(self):
        buf = self.buf
        real = len(buf)
        if real < 128:
            damaged("file shorter than the 128-byte superblock (%d bytes)" % real)
        if buf[0:8] != MAGIC:
            damaged("superblock: bad magic")
        self.major, self.minor = struct.unpack_from("<HH", buf, 8)
        if self.major > 1:
            # FORMAT.md superblock `reader`: a later major names the frost that reads it
            reader = bytes(buf[80:112]).split(b"\0")[0]
            hint = (reader.decode() + " or newer" if reader and all(0x20 <= c < 0x7f for c in reader)
                    else "a newer frost")
            raise NewerVersion("superblock: major version %d needs %s" % (self.major, hint))
        if self.major != 1:
            damaged("superblock: major version %d is not 1" % self.major)
        # The digest covers [0, header_size): header_size must be read (and bounded by the real
        # size) before the digest can be computed.
        header_size = struct.unpack_from("<Q", buf, 24)[0]
        if header_size < PAGE or header_size % PAGE:
            damaged("superblock: header_size %d not a multiple of 4096 >= 4096" % header_size)
        if header_size > 1 << 30:
            damaged("superblock: header_size %d above 1 GiB" % header_size)
        if header_size > real:
            damaged("superblock: header_size %d beyond the end of the file (%d bytes)"
                    % (header_size, real))
        stored_digest = buf[64:80]
        h = xxhash.xxh3_128()
        h.update(buf[0:64])
        h.update(b"\x00" * 16)
        h.update(buf[80:header_size])
        if h.digest() != stored_digest:
            damaged("superblock: header digest mismatch")
        self.digest = stored_digest.hex()
        (self.flags, self.block_shift, self.section_count, self.header_size, self.data_size,
         self.trailer_size, self.file_size, reserved56) = struct.unpack_from("<IIIQQQQQ", buf, 12)
        if self.flags & ~1:
            damaged("superblock: reserved flags 0x%x set" % (self.flags & ~1))
        if not 12 <= self.block_shift <= 20:
            damaged("superblock: block_shift %d outside 12..20" % self.block_shift)
        self.block_size = 1 << self.block_shift
        if not 1 <= self.section_count <= 256:
            damaged("superblock: section_count %d outside 1..256" % self.section_count)
        if reserved56:
            damaged("superblock: reserved field at offset 56 not zero")
        if any(buf[80:128]):
            damaged("superblock: reserved bytes 80..127 not zero")
        if self.data_size % PAGE:
            damaged("superblock: data_size %d not a multiple of 4096" % self.data_size)
        if self.flags & 1:
            if self.trailer_size < 8:
                damaged("superblock: trailer_size %d < 8 with a signature trailer"
                        % self.trailer_size)
        elif self.trailer_size != 0:
            damaged("superblock: trailer_size %d without the signature flag" % self.trailer_size)
        if self.file_size != real:
            damaged("superblock: file_size %d but the file has %d bytes (truncated or appended)"
                    % (self.file_size, real))
        if self.header_size + self.data_size + self.trailer_size + 32 != self.file_size:
            damaged("superblock: header_size + data_size + trailer_size + 32 != file_size")
        foot = buf[real - 32:]
        if foot[0:8] != END_MAGIC:
            damaged("footer: bad end magic")
        f_header, f_file, f_res = struct.unpack_from("<QQQ", foot, 8)
        if f_header != self.header_size:
            damaged("footer: header_size differs from the superblock")
        if f_file != self.file_size:
            damaged("footer: file_size differs from the superblock")
        if f_res:
            damaged("footer: reserved field not zero")
        self.data_start = self.header_size
        self.data_end = self.header_size + self.data_size

    # -- section table and section bodies --
    def decode_sections(self):
        buf = self.buf
        table_end = 128 + 32 * self.section_count
        if table_end > self.header_size:
            damaged("section table: %d entries do not fit in the header" % self.section_count)
        covered = [(0, table_end)]
        bodies = {}
        self.sections = []
        for i in range(self.section_count):
            stype, sflags, off, length, res = struct.unpack_from("<IIQQQ", buf, 128 + 32 * i)
            name = "section %d" % i
            if sflags & ~1:
                damaged("%s: reserved flags 0x%x set" % (name, sflags & ~1))
            if res:
                damaged("%s: reserved field not zero" % name)
            if off % 8:
                damaged("%s: offset %d not 8-aligned" % (name, off))
            if off < table_end:
                damaged("%s: body at %d overlaps the superblock or the section table" % (name, off))
            if off + length > self.header_size:
                damaged("%s: body [%d, %d) outside the header region" % (name, off, off + length))
            self.sections.append((stype, sflags, off, length))
            covered.append((off, off + length))
            if stype in SECTION_NAMES:
                if stype in bodies:
                    damaged("section table: %s appears twice" % SECTION_NAMES[stype])
                bodies[stype] = buf[off:off + length]
            elif sflags & 1:
                raise Unsupported("section %d: unknown type %d is marked REQUIRED" % (i, stype))
        covered.sort()
        for (a0, a1), (b0, b1) in zip(covered, covered[1:]):
            if b0 < a1:
                damaged("section table: section bodies overlap at offset %d" % b0)
        pos = 0
        for a0, a1 in covered:
            if any(buf[pos:a0]):
                damaged("header: non-zero byte in [%d, %d), outside every section" % (pos, a0))
            pos = max(pos, a1)
        if any(buf[pos:self.header_size]):
            damaged("header: non-zero byte in [%d, %d), outside every section"
                    % (pos, self.header_size))
        for t in (SEC_BLOCKS, SEC_CHUNKS, SEC_FEATURES):
            if t not in bodies:
                damaged("section table: required section %s missing" % SECTION_NAMES[t])
        # "A file holds exactly one estimator - ENSEMBLE or LINEAR - or none, in which case it
        # must hold a PROGRAM"
        if SEC_ENSEMBLE in bodies and SEC_LINEAR in bodies:
            damaged("section table: both ENSEMBLE and LINEAR (a file holds one estimator)")
        if SEC_COMBINE in bodies and self.minor < 1:
            damaged("section table: COMBINE in a format 1.%d file (it needs 1.1)" % self.minor)
        if SEC_CHECKS in bodies and self.minor < 2:
            damaged("section table: CHECKS in a format 1.%d file (it needs 1.2)" % self.minor)
        if SEC_COMBINE in bodies and SEC_LINEAR in bodies:
            damaged("section table: both COMBINE and LINEAR (a file holds one estimator)")
        for t in (SEC_BAYES, SEC_CENTROIDS, SEC_MLP):
            if t in bodies and self.minor < 3:
                damaged("section table: %s in a format 1.%d file (it needs 1.3)"
                        % (SECTION_NAMES[t], self.minor))
            others = {SEC_ENSEMBLE, SEC_LINEAR, SEC_COMBINE, SEC_BAYES, SEC_CENTROIDS,
                      SEC_MLP} - {t}
            if t in bodies and others & set(bodies):
                damaged("section table: %s beside another estimator (a file holds one)"
                        % SECTION_NAMES[t])
        if SEC_TARGET in bodies and self.minor < 3:
            damaged("section table: TARGET in a format 1.%d file (it needs 1.3)" % self.minor)
        if not ({SEC_ENSEMBLE, SEC_LINEAR, SEC_PROGRAM, SEC_COMBINE, SEC_BAYES, SEC_CENTROIDS,
                 SEC_MLP} & set(bodies)):
            damaged("section table: no estimator (ENSEMBLE, LINEAR, COMBINE, BAYES, CENTROIDS, "
                    "MLP) and no PROGRAM")
        self.decode_blocks(bodies[SEC_BLOCKS])
        self.decode_chunks(bodies[SEC_CHUNKS])
        self.estimator = None
        self.task = None
        self.n_features = None      # the estimator's features
        self.n_outputs = None
        self.n_classes = []
        self.trees = []
        self.n_trees = 0
        self.top_chunk = NONE32
        self.tree_lw = []           # per tree: leaf width and feature count of its estimator
        self.tree_nf = []
        self.tree_wide = []         # per tree: its splits are wide nodes (1.3 WIDE_SPLITS)
        self.combine = None
        if SEC_ENSEMBLE in bodies:
            self.estimator = "ensemble"
            self.decode_ensemble(bodies[SEC_ENSEMBLE])
            if self.kind == KIND_MEMBERS:
                self.estimator = None   # the trees of COMBINE's members
                if SEC_COMBINE not in bodies:
                    damaged("ENSEMBLE: kind MEMBERS without a COMBINE section")
            elif SEC_COMBINE in bodies:
                damaged("COMBINE with an ENSEMBLE that is not of kind MEMBERS")
        else:
            # no trees: every chunk would be a top chunk that is no ENSEMBLE's top_chunk or a
            # body chunk that holds no body
            for i, c in enumerate(self.chunks):
                damaged("chunk %d: %s chunk in a file without an ENSEMBLE"
                        % (i, "top" if c["kind"] == 1 else "body"))
        if SEC_LINEAR in bodies:
            self.estimator = "linear"
            self.decode_linear(bodies[SEC_LINEAR])
        self.bayes = None
        if SEC_BAYES in bodies:
            self.estimator = "bayes"
            self.decode_bayes(bodies[SEC_BAYES])
        self.centroids = None
        if SEC_CENTROIDS in bodies:
            self.estimator = "centroids"
            self.decode_centroids(bodies[SEC_CENTROIDS])
        self.mlp = None
        if SEC_MLP in bodies:
            self.estimator = "mlp"
            self.decode_mlp(bodies[SEC_MLP])
        has_program = SEC_PROGRAM in bodies
        if has_program:
            pb = bodies[SEC_PROGRAM]
            expect = struct.unpack_from("<I", pb)[0] if len(pb) >= 4 else None
            self.decode_features(bodies[SEC_FEATURES], expect, "PROGRAM n_inputs", has_program)
        elif SEC_COMBINE in bodies:
            # members read input columns by index: no column count to compare with
            self.decode_features(bodies[SEC_FEATURES], None, "", has_program)
        else:
            self.decode_features(bodies[SEC_FEATURES], self.n_features, "the estimator's",
                                 has_program)
        self.program = None
        if SEC_PROGRAM in bodies:
            self.decode_program(bodies[SEC_PROGRAM])
            if self.estimator is not None and self.n_features != self.program["n_outputs"]:
                damaged("PROGRAM: n_outputs %d, but the estimator reads %d features"
                        % (self.program["n_outputs"], self.n_features))
        else:
            if STR in self.feature_kinds:
                damaged("FEATURES: a string column without a PROGRAM (the estimator's own "
                        "features are numeric)")
        if SEC_COMBINE in bodies:
            self.estimator = "combine"
            self.decode_combine(bodies[SEC_COMBINE])
            self.n_features = (self.program["n_outputs"] if self.program is not None
                               else self.n_features_in)
        self.checks = None
        if SEC_CHECKS in bodies:
            self.decode_checks(bodies[SEC_CHECKS])
        if self.task == TASK_CLASSIFIER:
            if SEC_CLASSES not in bodies:
                damaged("section table: a classifier without a CLASSES section")
            self.decode_classes(bodies[SEC_CLASSES])
        else:
            if SEC_CLASSES in bodies:
                damaged("section table: a CLASSES section without a classifier")
            self.classes = None
        self.metadata = {}
        if SEC_METADATA in bodies:
            self.decode_metadata(bodies[SEC_METADATA])
        if SEC_METADATA_TYPES in bodies:
            self.decode_metadata_types(bodies[SEC_METADATA_TYPES], SEC_METADATA in bodies)
        self.target = None
        if SEC_TARGET in bodies:
            self.decode_target(bodies[SEC_TARGET])

    def pred_width(self):
        """Values per prediction: n_outputs, one for a boosted ENSEMBLE (FORMAT.md TARGET)."""
        if self.estimator == "ensemble" and self.kind == KIND_BOOSTED:
            return 1
        return self.n_outputs

    def decode_target(self, body):
        """FORMAT.md TARGET (1.3): a TransformedTargetRegressor's inverse transform."""
        r = Reader(body, "TARGET")
        n_targets = r.u32("n_targets")
        n_steps = r.u32("n_steps")
        if not 1 <= n_targets <= 1 << 20 or not 1 <= n_steps <= 16:
            damaged("TARGET: %d targets, %d steps" % (n_targets, n_steps))
        if self.estimator is None or self.task != TASK_REGRESSOR:
            damaged("TARGET: the estimator is not a regressor")
        if n_targets != self.pred_width():
            damaged("TARGET: n_targets %d, but a prediction holds %d values"
                    % (n_targets, self.pred_width()))
        steps = []
        for i in range(n_steps):
            kind = r.u32("kind")
            if kind == TGT_AFFINE:
                r.need(16 * n_targets, "a and b")
                a = [r.f64("a") for _ in range(n_targets)]
                b = [r.f64("b") for _ in range(n_targets)]
                steps.append({"kind": kind, "a": a, "b": b})
            elif kind == TGT_UFUNC:
                f = r.u32("function")
                if f not in UFUNC_NAMES:
                    damaged("TARGET: step %d: unknown function %d" % (i, f))
                steps.append({"kind": kind, "ufunc": f})
            else:
                damaged("TARGET: step %d: unknown kind %d" % (i, kind))
        r.end()
        self.target = {"n_targets": n_targets, "steps": steps}

    def apply_target(self, pred):
        """FORMAT.md TARGET: the steps in order over each predicted value of column j."""
        if self.target is None:
            return pred
        out = list(pred)
        for st in self.target["steps"]:
            for j, y in enumerate(out):
                out[j] = (ufunc(st["ufunc"], y) if st["kind"] == TGT_UFUNC
                          else y * st["a"][j] + st["b"][j])
        return out

    def decode_blocks(self, body):
        r = Reader(body, "BLOCKS")
        count = r.u32("count")
        if r.u32("reserved"):
            damaged("BLOCKS: reserved field not zero")
        self.blocks = []
        for i in range(count):
            e = r.raw(32, "block %d" % i)
            off, stored, raw, codec = struct.unpack_from("<QIIB", e, 0)
            name = "block %d" % i
            if any(e[17:24]):
                damaged("%s: reserved bytes not zero" % name)
            if stored < 1:
                damaged("%s: stored_size 0" % name)
            if not 1 <= raw <= self.block_size:
                damaged("%s: raw_size %d outside 1..block_size" % (name, raw))
            if codec == 0:
                if stored != raw:
                    damaged("%s: codec none but stored_size != raw_size" % name)
            elif codec == 1:
                if stored > lz4_compress_bound(raw):
                    damaged("%s: stored_size above LZ4_compressBound(raw_size)" % name)
                if raw > 255 * stored:
                    damaged("%s: raw_size above 255 x stored_size" % name)
            else:
                damaged("%s: unknown codec %d" % (name, codec))
            if off < self.data_start or off + stored > self.data_end:
                damaged("%s: stored bytes [%d, %d) outside the data region"
                        % (name, off, off + stored))
            self.blocks.append({"offset": off, "stored_size": stored, "raw_size": raw,
                                "codec": codec, "checksum": e[24:32]})
        r.end()

    def decode_chunks(self, body):
        r = Reader(body, "CHUNKS")
        count = r.u32("count")
        if r.u32("reserved"):
            damaged("CHUNKS: reserved field not zero")
        self.chunks = []
        next_block = 0
        prev_end = None
        for i in range(count):
            kind, first, nblk, res, raw = struct.unpack_from("<IIIIQ", r.raw(24, "chunk %d" % i))
            name = "chunk %d" % i
            if kind not in (1, 2):
                damaged("%s: kind %d is neither 1 (top) nor 2 (body)" % (name, kind))
            if res:
                damaged("%s: reserved field not zero" % name)
            if nblk < 1:
                damaged("%s: block_count 0" % name)
            if first != next_block:
                damaged("%s: first block %d, expected %d (chunks must cover the blocks in order)"
                        % (name, first, next_block))
            if first + nblk > len(self.blocks):
                damaged("%s: blocks [%d, %d) beyond the block table (%d blocks)"
                        % (name, first, first + nblk, len(self.blocks)))
            next_block = first + nblk
            blks = self.blocks[first:first + nblk]
            if sum(b["raw_size"] for b in blks) != raw:
                damaged("%s: raw_size %d differs from the sum of its blocks" % (name, raw))
            for j, b in enumerate(blks[:-1]):
                if b["raw_size"] != self.block_size:
                    damaged("%s: block %d is not the last but raw_size %d != block_size"
                            % (name, first + j, b["raw_size"]))
            start = blks[0]["offset"]
            if start % PAGE:
                damaged("%s: first block not page-aligned" % name)
            if i == 0 and start != self.header_size:
                damaged("%s: does not start at header_size" % name)
            if prev_end is not None and start < round_up(prev_end, PAGE):
                damaged("%s: starts before the previous chunk's end rounded up to a page" % name)
            for j in range(1, nblk):
                if blks[j]["offset"] != blks[j - 1]["offset"] + blks[j - 1]["stored_size"]:
                    damaged("%s: block %d does not start right after block %d"
                            % (name, first + j, first + j - 1))
            end = blks[-1]["offset"] + blks[-1]["stored_size"]
            self.chunks.append({"kind": kind, "first_block": first, "block_count": nblk,
                                "raw_size": raw, "start": start, "end": end})
            prev_end = end
        r.end()
        if next_block != len(self.blocks):
            damaged("CHUNKS: blocks %d.. belong to no chunk" % next_block)
        expect_end = round_up(prev_end, PAGE) if prev_end is not None else self.header_size
        if self.data_end != expect_end:
            damaged("CHUNKS: data region ends at %d, not at the last chunk's end rounded up (%d)"
                    % (self.data_end, expect_end))

    def decode_ensemble(self, body):
        r = Reader(body, "ENSEMBLE")
        E = "ENSEMBLE"
        read_agg(self, r, E, self.minor, members_ok=True)
        if self.n_trees == 0:
            damaged("%s: n_trees 0 (FORMAT.md: n_trees >= 1)" % E)
        else:
            if self.top_chunk >= len(self.chunks):
                damaged("%s: top_chunk %d beyond the chunk directory" % (E, self.top_chunk))
            if self.chunks[self.top_chunk]["kind"] != 1:
                damaged("%s: top chunk %d is not of kind 1" % (E, self.top_chunk))
        r.need(TREE_RECORD * self.n_trees, "tree records")
        self.trees = []
        last_body = {}   # body chunk -> (tree, end of its last body)
        for t in range(self.n_trees):
            rec = r.raw(TREE_RECORD, "tree %d" % t)
            (top_off, top_size, body, body_off, body_size, rawcol, n_splits,
             n_leaves) = struct.unpack("<QIIQIIII", rec)
            name = "tree %d" % t
            if top_off % 8:
                damaged("%s: top_offset not 8-aligned" % name)
            if top_size < 8 or top_size % 8:
                damaged("%s: top_size %d not >= 8 and 8-aligned" % (name, top_size))
            if top_off + top_size > self.chunks[self.top_chunk]["raw_size"]:
                damaged("%s: top part beyond the top chunk" % name)
            if body == NONE32:
                if body_off != 0 or body_size != 0:
                    damaged("%s: body_offset/body_size not 0 without a body" % name)
            else:
                if body >= len(self.chunks):
                    damaged("%s: body_chunk %d beyond the chunk directory" % (name, body))
                if self.chunks[body]["kind"] != 2:
                    damaged("%s: body chunk %d is not of kind 2" % (name, body))
                if body_off % 8:
                    damaged("%s: body_offset %d not 8-aligned" % (name, body_off))
                if body_size % 8:
                    damaged("%s: body_size %d not 8-aligned" % (name, body_size))
                if body_size == 0:
                    # FORMAT.md: "0 without a body"; a body chunk with an empty body is read
                    # here as no body at all
                    damaged("%s: body_chunk %d with body_size 0" % (name, body))
                if body_off + body_size > self.chunks[body]["raw_size"]:
                    damaged("%s: body [%d, %d) outside body chunk %d (raw_size %d)"
                            % (name, body_off, body_off + body_size, body,
                               self.chunks[body]["raw_size"]))
                if body in last_body and body_off < last_body[body][1]:
                    damaged("%s: body at %d in chunk %d overlaps or precedes tree %d's body "
                            "(bodies are in record order, not overlapping)"
                            % (name, body_off, body, last_body[body][0]))
                last_body[body] = (t, body_off + body_size)
            if top_size + body_size >= 1 << 32:
                damaged("%s: top_size + body_size >= 2^32" % name)
            if self.kind != KIND_MEMBERS:   # MEMBERS: checked against the member (COMBINE)
                check_raw_column(self, name, rawcol)
                self.tree_lw.append(self.leaf_width)
                self.tree_nf.append(self.n_features)
                self.tree_wide.append(bool(self.eflags & FLAG_WIDE))
            if n_leaves != n_splits + 1:
                damaged("%s: n_leaves != n_splits + 1" % name)
            self.trees.append({"top_offset": top_off, "top_size": top_size, "body_chunk": body,
                               "body_offset": body_off, "body_size": body_size,
                               "raw_column": rawcol, "n_splits": n_splits,
                               "n_leaves": n_leaves})
        r.end()
        for i, c in enumerate(self.chunks):
            if c["kind"] == 2 and i not in last_body:
                damaged("chunk %d: body chunk that holds no tree's body" % i)
            if c["kind"] == 1 and i != self.top_chunk:
                damaged("chunk %d: a top chunk that is not ENSEMBLE's top_chunk" % i)

    def decode_features(self, body, expect, against, has_program):
        """expect: the column count FEATURES must have (the estimator's n_features, or the
        PROGRAM's n_inputs), checked before any per-column list is built. Kind 2 (unused, 1.2)
        only with a PROGRAM and minor >= 2; whether anything reads such a column is checked
        with the PROGRAM, COMBINE and CHECKS."""
        r = Reader(body, "FEATURES")
        n = r.u32("n_features")
        flags = r.u32("flags")
        if flags & ~3:
            damaged("FEATURES: reserved flags 0x%x set" % (flags & ~3))
        if expect is not None and n != expect:
            damaged("FEATURES: n_features %d differs from %s %d" % (n, against, expect))
        self.n_features_in = n
        self.feature_flags = flags
        if flags & 2:
            kinds = r.raw(n, "kinds")
            for j, k in enumerate(kinds):
                if k not in (NUM, STR, UNUSED):
                    damaged("FEATURES: column %d has kind %d (0 numeric, 1 string, 2 unused)"
                            % (j, k))
                if k == UNUSED and self.minor < 2:
                    damaged("FEATURES: column %d is unused (kind 2) in a format 1.%d file "
                            "(it needs 1.2)" % (j, self.minor))
                if k == UNUSED and not has_program:
                    damaged("FEATURES: column %d is unused (kind 2) in a file without a PROGRAM"
                            % j)
            self.feature_kinds = list(kinds)
        else:
            self.feature_kinds = [NUM] * n
        self.feature_names = None
        if flags & 1:
            r.need(4 * n, "feature names")
            self.feature_names = [r.string("feature name %d" % j) for j in range(n)]
        r.end()

    def decode_classes(self, body):
        r = Reader(body, "CLASSES")
        n = r.u32("n_outputs")
        if n != self.n_outputs:
            damaged("CLASSES: n_outputs %d differs from the estimator's %d" % (n, self.n_outputs))
        self.classes = []
        for k in range(n):
            kind = r.u32("kind")
            if kind not in LABEL_KINDS:
                damaged("CLASSES: output %d: kind %d" % (k, kind))
            count = r.u32("count")
            if count != self.n_classes[k]:
                damaged("CLASSES: output %d: count %d differs from n_classes %d"
                        % (k, count, self.n_classes[k]))
            r.need(4 * count, "labels")
            labels = [r.string("output %d label %d" % (k, j)) for j in range(count)]
            self.classes.append({"kind": LABEL_KINDS[kind], "labels": labels})
        r.end()

    def decode_linear(self, body):
        read_linear(self, body)

    def decode_bayes(self, body):
        """FORMAT.md BAYES (1.3): a naive Bayes classifier's priors and per-class statistics."""
        r = Reader(body, "BAYES")
        B = "BAYES"
        task, kind, nf, nc, flags = (r.u32("task"), r.u32("kind"), r.u32("n_features"),
                                     r.u32("n_classes"), r.u32("flags"))
        if r.u32("reserved"):
            damaged("%s: reserved field not zero" % B)
        threshold = r.f64("threshold")
        if task != TASK_CLASSIFIER:
            damaged("%s: task %d (a classifier is 1)" % (B, task))
        if kind not in NB_NAMES:
            damaged("%s: kind %d" % (B, kind))
        if not 1 <= nf < 1 << 24:
            damaged("%s: n_features %d outside 1..2^24-1" % (B, nf))
        if not 1 <= nc <= 1 << 20:
            damaged("%s: n_classes %d outside 1..2^20" % (B, nc))
        if flags & ~1:
            damaged("%s: reserved flag bits 0x%x" % (B, flags & ~1))
        if flags & 1 and kind != NB_BERNOULLI:
            damaged("%s: BINARIZE on kind %d" % (B, kind))
        if (flags & 1 and threshold != threshold) or (not flags & 1 and threshold != 0.0):
            damaged("%s: threshold %r" % (B, threshold))

        def f64s(n, what):
            r.need(8 * n, what)
            return list(struct.unpack("<%dd" % n, r.raw(8 * n, what)))
        nb = {"kind": kind, "n_features": nf, "n_classes": nc, "binarize": bool(flags & 1),
              "threshold": threshold, "prior": f64s(nc, "prior")}
        if kind == NB_GAUSSIAN:
            nb["theta"] = f64s(nc * nf, "theta")
            nb["var"] = f64s(nc * nf, "var")
        elif kind == NB_CATEGORICAL:
            r.need(4 * nf, "n_categories")
            ncat = [r.u32("n_categories") for _ in range(nf)]
            for j, k in enumerate(ncat):
                if not 1 <= k <= 1 << 24:
                    damaged("%s: feature %d has %d categories" % (B, j, k))
            nb["n_categories"] = ncat
            nb["tables"] = [f64s(nc * k, "feature_log_prob") for k in ncat]
        else:
            nb["flp"] = f64s(nc * nf, "feature_log_prob")
        r.end()
        self.bayes = nb
        self.task = TASK_CLASSIFIER
        self.n_features = nf
        self.n_outputs = 1
        self.n_classes = [nc]

    def decode_centroids(self, body):
        """FORMAT.md CENTROIDS (1.3): a nearest-centroid classifier or a k-means clustering."""
        r = Reader(body, "CENTROIDS")
        C = "CENTROIDS"
        task, kind, metric, nc, nf = (r.u32("task"), r.u32("kind"), r.u32("metric"),
                                      r.u32("n_centroids"), r.u32("n_features"))
        flags = r.u32("flags")
        if flags & ~1:
            damaged("%s: reserved flag bits 0x%x" % (C, flags & ~1))
        if flags & 1 and kind != CEN_KMEANS:
            damaged("%s: NAMES on kind %d (only KMEANS transforms)" % (C, kind))
        if task != TASK_CLASSIFIER:
            damaged("%s: task %d (1: classifier)" % (C, task))
        if kind not in (CEN_NEAREST, CEN_KMEANS):
            damaged("%s: kind %d" % (C, kind))
        if metric not in (CEN_EUCLIDEAN, CEN_MANHATTAN) or \
                (kind == CEN_KMEANS and metric != CEN_EUCLIDEAN):
            damaged("%s: metric %d with kind %d" % (C, metric, kind))
        if not 1 <= nc <= 1 << 20:
            damaged("%s: n_centroids %d outside 1..2^20" % (C, nc))
        if not 1 <= nf < 1 << 24:
            damaged("%s: n_features %d outside 1..2^24-1" % (C, nf))
        r.need(8 * nc * nf, "centroids")
        flat = struct.unpack("<%dd" % (nc * nf), r.raw(8 * nc * nf, "centroids"))
        names = [r.string("name") for _ in range(nc)] if flags & 1 else None
        r.end()
        self.centroids = {"kind": kind, "metric": metric, "n_centroids": nc, "n_features": nf,
                          "c": [list(flat[k * nf:(k + 1) * nf]) for k in range(nc)],
                          "names": names}
        self.task = TASK_CLASSIFIER
        self.n_features = nf
        self.n_outputs = 1
        self.n_classes = [nc]

    def decode_mlp(self, body):
        """FORMAT.md MLP (1.3): a multi-layer perceptron's widths, activations and weights."""
        r = Reader(body, "MLP")
        M = "MLP"
        task, act, out, nl = r.u32("task"), r.u32("activation"), r.u32("output"), r.u32("n_layers")
        if task not in (TASK_CLASSIFIER, TASK_REGRESSOR):
            damaged("%s: task %d" % (M, task))
        if act not in (ACT_IDENTITY, ACT_LOGISTIC, ACT_TANH, ACT_RELU):
            damaged("%s: hidden activation %d" % (M, act))
        if out not in ((ACT_IDENTITY,) if task == TASK_REGRESSOR else (ACT_LOGISTIC, ACT_SOFTMAX)):
            damaged("%s: output activation %d for task %d" % (M, out, task))
        if not 1 <= nl <= 1024:
            damaged("%s: n_layers %d outside 1..1024" % (M, nl))
        r.need(4 * (nl + 1), "widths")
        widths = [r.u32("width") for _ in range(nl + 1)]
        for i, w in enumerate(widths):
            if not 1 <= w < 1 << 24:
                damaged("%s: layer %d has width %d" % (M, i, w))
        if out == ACT_SOFTMAX and widths[-1] < 2:
            damaged("%s: a softmax over %d output" % (M, widths[-1]))
        layers = []
        for i in range(nl):
            a, b = widths[i], widths[i + 1]
            r.need(8 * (a * b + b), "layer %d" % i)
            flat = struct.unpack("<%dd" % (a * b), r.raw(8 * a * b, "coefs"))
            icpt = struct.unpack("<%dd" % b, r.raw(8 * b, "intercepts"))
            layers.append(([list(flat[l_ * b:(l_ + 1) * b]) for l_ in range(a)], list(icpt)))
        r.end()
        self.mlp = {"task": task, "activation": act, "output": out, "widths": widths,
                    "layers": layers}
        self.task = task
        self.n_features = widths[0]
        n = widths[-1]
        if task == TASK_REGRESSOR:
            self.n_outputs = n
            self.n_classes = []
        elif out == ACT_SOFTMAX:
            self.n_outputs = 1
            self.n_classes = [n]
        else:
            self.n_outputs = n
            self.n_classes = [2] * n

    def predict_mlp(self, x):
        """FORMAT.md MLP: each layer's in-order sums plus intercepts, then the activation."""
        mlp = self.mlp
        n_layers = len(mlp["layers"])
        for i, (coefs, icpt) in enumerate(mlp["layers"]):
            y = [0.0] * len(icpt)
            for xl, wl in zip(x, coefs):
                for j, w in enumerate(wl):
                    y[j] += xl * w
            y = [a + b for a, b in zip(y, icpt)]
            act = mlp["activation"] if i + 1 < n_layers else mlp["output"]
            if act == ACT_LOGISTIC:
                y = [logistic(v) for v in y]
            elif act == ACT_TANH:
                y = [math.tanh(v) for v in y]
            elif act == ACT_RELU:
                y = [v if v >= 0 or v != v else 0.0 for v in y]
            elif act == ACT_SOFTMAX:
                y = softmax(y)
            x = y
        if mlp["task"] == TASK_REGRESSOR:
            return x, None
        if mlp["output"] == ACT_SOFTMAX:
            best = next((j for j, v in enumerate(x) if v != v), argmax(x))
            return [self.classes[0]["labels"][best]], x
        pred = [self.classes[k]["labels"][1 if v > 0.5 else 0] for k, v in enumerate(x)]
        return pred, [w for v in x for w in (1.0 - v, v)]

    def centroid_distances(self, x):
        """CENTROIDS transform (KMEANS): sqrt(max(((-2 dot) + nsq(x)) + nsq(c), 0))."""
        cen = self.centroids
        xx = einsum_sq(x)
        out = []
        for c in cen["c"]:
            d = ((-2.0 * seq_dot(x, c)) + xx) + einsum_sq(c)
            out.append(math.sqrt(d) if d > 0 else (0.0 if d == d else d))
        return out

    def predict_centroids(self, x):
        """CENTROIDS predict: the first centroid with the smallest score."""
        cen = self.centroids
        best, best_d = 0, None
        for k, c in enumerate(cen["c"]):
            if cen["metric"] == CEN_MANHATTAN:
                d = 0.0
                for a, b in zip(x, c):
                    d += abs(a - b)
            else:
                norm = einsum_sq(c) if cen["kind"] == CEN_KMEANS else seq_dot(c, c)
                d = (-2.0 * seq_dot(x, c)) + norm
            if best_d is None or d < best_d:
                best, best_d = k, d
        return [self.classes[0]["labels"][best]], None

    def predict_bayes(self, x, row):
        """FORMAT.md BAYES: the classes' joint log-likelihoods, then the first argmax and
        exp(jll - logsumexp(jll))."""
        nb = self.bayes
        nc, nf, kind = nb["n_classes"], nb["n_features"], nb["kind"]

        def dot(w):
            s = 0.0
            for j in range(nf):
                s += x[j] * w[j]
            return s
        jll = []
        if kind == NB_GAUSSIAN:
            for c in range(nc):
                th, var = nb["theta"][c * nf:(c + 1) * nf], nb["var"][c * nf:(c + 1) * nf]
                k = -0.5 * pairwise_sum([flog(TWO_PI * v) for v in var])
                t = [fdiv((x[j] - th[j]) * (x[j] - th[j]), var[j]) for j in range(nf)]
                jll.append(flog(nb["prior"][c]) + (k - 0.5 * pairwise_sum(t)))
        elif kind in (NB_MULTINOMIAL, NB_COMPLEMENT):
            for c in range(nc):
                v = dot(nb["flp"][c * nf:(c + 1) * nf])
                if kind == NB_MULTINOMIAL or nc == 1:
                    v += nb["prior"][c]
                jll.append(v)
        elif kind == NB_BERNOULLI:
            if nb["binarize"]:
                x = [1.0 if v > nb["threshold"] else 0.0 for v in x]
            for c in range(nc):
                flp = nb["flp"][c * nf:(c + 1) * nf]
                neg = [flog(1.0 - fexp(v)) for v in flp]
                jll.append(dot([a - b for a, b in zip(flp, neg)]) +
                           (nb["prior"][c] + pairwise_sum(neg)))
        else:
            jll = [0.0] * nc
            for j in range(nf):
                k_ = nb["n_categories"][j]
                if not -1.0 < x[j] < k_:
                    raise InputError("row %d: feature %d: %r is %s" % (
                        row, j, x[j], "negative" if x[j] <= -1.0 else
                        "a category not seen in fitting"))
                k = int(x[j])  # truncates toward zero, as astype(int)
                t = nb["tables"][j]
                jll = [jll[c] + t[c * k_ + k] for c in range(nc)]
            jll = [jll[c] + nb["prior"][c] for c in range(nc)]
        m = max(jll)
        if not math.isfinite(m):
            m = 0.0
        lse = flog(pairwise_sum([fexp(v - m) for v in jll])) + m
        return [self.classes[0]["labels"][argmax(jll)]], [fexp(v - lse) for v in jll]

    def decode_combine(self, body):
        """FORMAT.md COMBINE: members (tree ensembles over ranges of the MEMBERS tree table, or
        LINEAR bodies) reading their own slots, and the rule that combines them."""
        r = Reader(body, "COMBINE")
        C = "COMBINE"
        task, rule, n_members, n_classes = (r.u32("task"), r.u32("rule"), r.u32("n_members"),
                                            r.u32("n_classes"))
        if r.u32("reserved") or r.u32("reserved"):
            damaged("%s: reserved fields not zero" % C)
        if rule not in COMB_NAMES:
            damaged("%s: rule %d" % (C, rule))
        clf = rule != COMB_MEAN
        if task != (TASK_CLASSIFIER if clf else TASK_REGRESSOR):
            damaged("%s: task %d with rule %d" % (C, task, rule))
        if clf and not 2 <= n_classes <= 1 << 20:
            damaged("%s: n_classes %d outside 2..2^20" % (C, n_classes))
        if not clf and n_classes != 0:
            damaged("%s: n_classes %d on a regressor" % (C, n_classes))
        if n_members < 1:
            damaged("%s: no members" % C)
        if rule == COMB_OVR and n_members != (1 if n_classes == 2 else n_classes):
            damaged("%s: one-vs-rest over %d classes with %d members" % (C, n_classes, n_members))
        r.need(24 * n_members, "members")
        if self.program is not None:
            n_slots, kinds = self.program["n_slots"], self.program["types"]
        else:
            n_slots, kinds = self.n_features_in, self.feature_kinds
        members = []
        next_tree = 0
        for i in range(n_members):
            M = "%s member %d" % (C, i)
            kind, score = r.u32("kind"), r.u32("score")
            weight = r.f64("weight")
            n_in = r.u32("n_in")
            if r.u32("reserved"):
                damaged("%s: reserved field not zero" % M)
            if kind not in (MEMBER_TREES, MEMBER_LINEAR):
                damaged("%s: kind %d" % (M, kind))
            if not math.isfinite(weight) or weight < 0 or (rule == COMB_OVR and weight != 1.0):
                damaged("%s: weight %r" % (M, weight))
            if rule == COMB_OVR:
                if score not in (SCORE_DECISION, SCORE_PROBA):
                    damaged("%s: score %d in a one-vs-rest" % (M, score))
            elif score != SCORE_NONE:
                damaged("%s: score %d outside a one-vs-rest" % (M, score))
            if not 1 <= n_in < 1 << 24:
                damaged("%s: n_in %d" % (M, n_in))
            r.need(4 * n_in, "slots")
            slots = [r.u32("slot") for _ in range(n_in)]
            for sl in slots:
                if sl >= n_slots:
                    damaged("%s: slot %d >= %d slots" % (M, sl, n_slots))
                if kinds[sl] == UNUSED:
                    damaged("%s: slot %d is an unused column (FEATURES kind 2)" % (M, sl))
                if kinds[sl] != NUM:
                    damaged("%s: slot %d is a string slot" % (M, sl))
            if kind == MEMBER_TREES:
                first = r.u32("first_tree")
                m = Agg()
                read_agg(m, r, M, self.minor)
                m.first_tree = first
                if m.kind == KIND_ISOLATION:
                    damaged("%s: an ISOLATION model cannot be a member" % M)
                if not self.trees or self.kind != KIND_MEMBERS:
                    damaged("%s: tree member without a MEMBERS ENSEMBLE" % M)
                if m.top_chunk != self.top_chunk:
                    damaged("%s: top_chunk %d is not ENSEMBLE's %d" % (M, m.top_chunk,
                                                                       self.top_chunk))
                if m.n_trees < 1:
                    damaged("%s: n_trees 0" % M)
                if first != next_tree or first + m.n_trees > self.n_trees:
                    damaged("%s: trees [%d, %d) do not continue at tree %d of %d"
                            % (M, first, first + m.n_trees, next_tree, self.n_trees))
                next_tree = first + m.n_trees
                if m.n_features != n_in:
                    damaged("%s: n_features %d but %d slots" % (M, m.n_features, n_in))
                for t in range(first, next_tree):
                    check_raw_column(m, "tree %d" % t, self.trees[t]["raw_column"])
                    self.tree_lw.append(m.leaf_width)
                    self.tree_nf.append(m.n_features)
                    self.tree_wide.append(bool(m.eflags & FLAG_WIDE))
                m.trees = self.trees[first:next_tree]
                m_task, m_out = m.task, m.n_outputs
                m_classes = sum(m.n_classes)
                has_proba = m.task == TASK_CLASSIFIER
                has_decision = (m.task == TASK_CLASSIFIER and m.kind == KIND_BOOSTED and
                                m.link == LINK_LOGISTIC)
            else:
                length = r.u32("length")
                m = LinearMember()
                read_linear(m, r.raw(length, "LINEAR body"))
                if m.n_features != n_in:
                    damaged("%s: n_features %d but %d slots" % (M, m.n_features, n_in))
                m_task, m_out = m.task, m.n_outputs
                m_classes = m.n_classes[0] if m.task == TASK_CLASSIFIER else 0
                has_proba = m.task == TASK_CLASSIFIER and m.rule != RULE_DECISION
                has_decision = m.task == TASK_CLASSIFIER and m.n_rows == 1
            want = 2 if rule == COMB_OVR else n_classes
            if m_task != task or m_out != 1 or (clf and m_classes != want):
                damaged("%s: task %d, %d outputs, %d classes do not fit the combination"
                        % (M, m_task, m_out, m_classes))
            if score == SCORE_DECISION and not has_decision:
                damaged("%s: a DECISION score from a member without a binary decision" % M)
            if (score == SCORE_PROBA or rule == COMB_SOFT) and not has_proba:
                damaged("%s: probabilities from a member without them" % M)
            m.member_kind, m.score, m.weight, m.slots = kind, score, weight, slots
            m.has_proba = has_proba
            # the member's class index is the combination's (label-encoded) class
            m.classes = [{"labels": list(range(want))}] if clf else None
            members.append(m)
        r.end()
        if next_tree != len(self.trees):
            damaged("%s: tree members cover %d of %d trees" % (C, next_tree, len(self.trees)))
        total = 0.0
        for m in members:
            total += m.weight
        if rule in (COMB_SOFT, COMB_MEAN) and not (total > 0 and math.isfinite(total)):
            damaged("%s: the weights sum to %r (FORMAT.md: finite, more than 0)" % (C, total))
        self.combine = {"task": task, "rule": rule, "n_classes": n_classes, "members": members}
        self.task = task
        self.n_outputs = 1
        self.n_classes = [n_classes] if clf else []
        self.combine_has_proba = rule == COMB_SOFT or (
            rule == COMB_OVR and all(m.has_proba for m in members))

    def decode_program(self, body):
        r = Reader(body, "PROGRAM")
        P = "PROGRAM"
        n_inputs = r.u32("n_inputs")
        n_slots = r.u32("n_slots")
        n_ops = r.u32("n_ops")
        n_outputs = r.u32("n_outputs")
        if n_inputs != self.n_features_in:
            damaged("%s: n_inputs %d differs from FEATURES n_features %d"
                    % (P, n_inputs, self.n_features_in))
        if n_outputs < 1:
            damaged("%s: n_outputs 0" % P)
        types = list(self.feature_kinds)
        origin = [[j] for j in range(len(types))]
        r.need(16 * n_ops, "operations")
        ops = []
        for k in range(n_ops):
            name = "%s: op %d" % (P, k)
            opcode = r.u32("opcode")
            n_in = r.u32("n_in")
            n_out = r.u32("n_out")
            if r.u32("reserved"):
                damaged("%s: reserved field not zero" % name)
            if opcode not in OP_NAMES:
                damaged("%s: unknown opcode %d" % (name, opcode))
            name += " (%s)" % OP_NAMES[opcode]
            r.need(4 * n_in, "input slots")
            ins = [r.u32("input slot") for _ in range(n_in)]
            first_new = len(types)
            for s in ins:
                if s >= first_new:
                    damaged("%s: input slot %d not lower than its first output slot %d"
                            % (name, s, first_new))
            in_types = [types[s] for s in ins]
            for s, t in zip(ins, in_types):
                # FORMAT.md FEATURES 1.2: "no operation, output, COMBINE member or check may
                # read" an unused column
                if t == UNUSED:
                    damaged("%s: input slot %d is an unused column (FEATURES kind 2)"
                            % (name, s))
            op = {"opcode": opcode, "ins": ins, "n_out": n_out}

            def need_types(want, what="input"):
                for s, t in zip(ins, in_types):
                    if t != want:
                        damaged("%s: %s slot %d is %s, the operation reads %s"
                                % (name, what, s, "a string" if t == STR else "numeric",
                                   "strings" if want == STR else "numbers"))

            def need_same():
                if n_out != n_in:
                    damaged("%s: n_in %d != n_out %d" % (name, n_in, n_out))

            out_type = NUM
            if opcode == OP_IMPUTE:
                need_same()
                need_types(NUM)
                r.need(8 * n_in, "fill values")
                op["fill"] = [r.f64("fill value") for _ in range(n_in)]
            elif opcode == OP_IMPUTE_STR:
                need_same()
                need_types(STR)
                r.need(4 * n_in, "fill values")
                op["fill"] = [r.string("fill value") for _ in range(n_in)]
                out_type = STR
            elif opcode == OP_INDICATOR:
                need_same()
                op["in_types"] = in_types
            elif opcode == OP_SCALE:
                need_same()
                need_types(NUM)
                op["mode"] = r.u32("mode")
                op["clip"] = r.u32("clip")
                op["lo"] = r.f64("lo")
                op["hi"] = r.f64("hi")
                if op["mode"] not in (0, 1, 2):
                    damaged("%s: mode %d (0, 1 or 2)" % (name, op["mode"]))
                if op["clip"] not in (0, 1):
                    damaged("%s: clip %d (a flag: 0 or 1)" % (name, op["clip"]))
                if op["clip"] and not op["lo"] <= op["hi"]:
                    damaged("%s: clip bounds lo %r > hi %r (FORMAT.md: lo <= hi when clipping)"
                            % (name, op["lo"], op["hi"]))
                r.need(16 * n_in, "a and b")
                op["a"] = [r.f64("a") for _ in range(n_in)]
                op["b"] = [r.f64("b") for _ in range(n_in)]
            elif opcode == OP_ENCODE:
                if n_in != 1:
                    damaged("%s: n_in %d (ENCODE reads 1 slot)" % (name, n_in))
                if n_out < 1:
                    damaged("%s: n_out 0" % name)
                kind = r.u32("category kind")
                n_cat = r.u32("n_cat")
                unknown = r.u32("unknown")
                missing_cat = r.u32("missing_cat")
                unknown_target = r.f64("unknown_target")
                if kind not in (NUM, STR):
                    damaged("%s: category kind %d" % (name, kind))
                if kind != in_types[0]:
                    damaged("%s: category kind %d does not match input slot %d"
                            % (name, kind, ins[0]))
                if unknown not in (0, 1):
                    damaged("%s: unknown %d (0 or 1)" % (name, unknown))
                if missing_cat != NONE32 and missing_cat >= n_cat:
                    damaged("%s: missing_cat %d >= n_cat %d" % (name, missing_cat, n_cat))
                if kind == NUM:
                    r.need(8 * n_cat, "categories")
                    cats = [r.f64("category") for _ in range(n_cat)]
                    seen = set()
                    for c in cats:
                        if c != c:
                            damaged("%s: a NaN category" % name)
                        if c in seen:  # == comparison: 0.0 and -0.0 are the same category
                            damaged("%s: category %r appears twice" % (name, c))
                        seen.add(c)
                else:
                    r.need(4 * n_cat, "categories")
                    cats = [r.string("category") for _ in range(n_cat)]
                    if len(set(cats)) != len(cats):
                        damaged("%s: a string category appears twice" % name)
                r.need(8 * n_cat, "targets")
                targets = [r.f64("target") for _ in range(n_cat)]
                if n_out > 1:
                    checked = list(targets)
                    if unknown == 1:
                        # FORMAT.md: "every target is an integer column in [-1, n_out)";
                        # unknown_target is read as one of them when it is used
                        checked.append(unknown_target)
                    for v in checked:
                        if not (math.isfinite(v) and v == int(v) and -1 <= v < n_out):
                            damaged("%s: one-hot target %r not an integer in [-1, %d)"
                                    % (name, v, n_out))
                op.update(kind=kind, unknown=unknown, missing_cat=missing_cat,
                          unknown_target=unknown_target, cats=cats, targets=targets)
                op["index"] = {c: i for i, c in enumerate(cats)}
            elif opcode == OP_NORMALIZE:
                need_same()
                need_types(NUM)
                op["norm"] = r.u32("norm")
                if op["norm"] not in (1, 2, 3):
                    damaged("%s: norm %d (1 l1, 2 l2, 3 max)" % (name, op["norm"]))
            elif opcode == OP_POLY:
                need_types(NUM)
                r.need(4 * n_out, "terms")
                terms = []
                for j in range(n_out):
                    degree = r.u32("degree")
                    r.need(4 * degree, "term positions")
                    pos = [r.u32("position") for _ in range(degree)]
                    for p in pos:
                        if p >= n_in:
                            damaged("%s: term %d uses input position %d >= n_in %d"
                                    % (name, j, p, n_in))
                    terms.append(pos)
                op["terms"] = terms
            elif opcode == OP_UFUNC:
                need_same()
                if n_in == 0:
                    damaged("%s: no inputs" % name)
                need_types(NUM)
                if self.minor < 3:
                    damaged("%s: opcode 9 in a format 1.%d file (it needs 1.3)"
                            % (name, self.minor))
                op["ufunc"] = r.u32("function")
                if op["ufunc"] not in UFUNC_NAMES:
                    damaged("%s: unknown function %d (1..8)" % (name, op["ufunc"]))
            elif opcode == OP_PROJECT:
                if n_in == 0:
                    damaged("%s: no inputs" % name)
                need_types(NUM)
                if self.minor < 3:
                    damaged("%s: opcode 10 in a format 1.%d file (it needs 1.3)"
                            % (name, self.minor))
                if n_in * n_out > MAX_PROJECT:
                    damaged("%s: %d x %d weights (at most 2^24)" % (name, n_out, n_in))
                r.need(8 * n_in * (1 + n_out), "center and weights")
                op["center"] = [r.f64("center") for _ in range(n_in)]
                op["w"] = [[r.f64("weight") for _ in range(n_in)] for _ in range(n_out)]
            elif opcode == OP_BINS:
                if n_in != 1:
                    damaged("%s: n_in %d (BINS reads 1 slot)" % (name, n_in))
                need_types(NUM)
                op["rule"] = r.u32("rule")
                n_edges = r.u32("n_edges")
                if op["rule"] not in (1, 2):
                    damaged("%s: rule %d (1 or 2)" % (name, op["rule"]))
                if n_edges < 2:
                    damaged("%s: n_edges %d (a bin needs 2 edges)" % (name, n_edges))
                r.need(8 * n_edges, "edges")
                op["edges"] = [r.f64("edge") for _ in range(n_edges)]
                if n_out != 1 and n_out != n_edges - 1:
                    damaged("%s: n_out %d is neither 1 nor n_edges - 1 = %d"
                            % (name, n_out, n_edges - 1))
            types.extend([out_type] * n_out)
            # where each new slot's value comes from (input columns), for check messages
            if opcode in (OP_IMPUTE, OP_IMPUTE_STR, OP_INDICATOR, OP_SCALE, OP_NORMALIZE,
                          OP_UFUNC):
                origin.extend(origin[s] for s in ins)
            elif opcode == OP_POLY:
                origin.extend(sorted(set(c for p_ in term for c in origin[ins[p_]]))
                              for term in op["terms"])
            elif opcode == OP_PROJECT:
                every = sorted(set(c for s_ in ins for c in origin[s_]))
                origin.extend([every] * n_out)
            else:
                origin.extend([origin[ins[0]]] * n_out)
            ops.append(op)
        if n_slots != len(types):
            damaged("%s: n_slots %d, but n_inputs + the operations' n_out = %d"
                    % (P, n_slots, len(types)))
        r.need(4 * n_outputs, "outputs")
        outputs = [r.u32("output slot") for _ in range(n_outputs)]
        for s in outputs:
            if s >= n_slots:
                damaged("%s: output slot %d >= n_slots %d" % (P, s, n_slots))
            if types[s] == UNUSED:
                damaged("%s: output slot %d is an unused column (FEATURES kind 2)" % (P, s))
            if types[s] != NUM:
                damaged("%s: output slot %d is a string slot" % (P, s))
        flags = r.u32("flags")
        if flags & ~1:
            damaged("%s: reserved flags 0x%x set" % (P, flags & ~1))
        names = None
        if flags & 1:
            r.need(4 * n_outputs, "output names")
            names = [r.string("output name %d" % j) for j in range(n_outputs)]
        r.end()
        self.program = {"n_inputs": n_inputs, "n_slots": n_slots, "ops": ops,
                        "outputs": outputs, "n_outputs": n_outputs, "names": names,
                        "types": types, "origin": origin}

    def decode_metadata(self, body):
        r = Reader(body, "METADATA")
        n = r.u32("count")
        self.metadata = {}
        for i in range(n):
            key = r.string("key %d" % i)
            value = r.string("value %d" % i)
            if key in self.metadata:
                damaged("METADATA: key %r appears twice" % key)
            self.metadata[key] = value
        r.end()

    def decode_metadata_types(self, body, have_metadata):
        """FORMAT.md METADATA_TYPES (type 11): a type per METADATA entry; numbers are JSON number
        texts below 1e308 in magnitude, booleans true/false."""
        r = Reader(body, "METADATA_TYPES")
        n = r.u32("count")
        if not have_metadata or n != len(self.metadata):
            damaged("METADATA_TYPES: %d types for %d METADATA entries" % (n, len(self.metadata)))
        types = r.raw(n, "types")
        r.end()
        number = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?\Z")
        for (key, value), t in zip(list(self.metadata.items()), types):
            if t == 0:
                continue
            if t == 1:
                if (len(value.encode()) > 64 or not number.match(value) or
                        abs(decimal.Decimal(value)) >= decimal.Decimal("1e308")):
                    damaged("METADATA_TYPES: %r is typed number but its value is not one" % key)
                self.metadata[key] = json.loads(value)
            elif t == 2:
                if value not in ("true", "false"):
                    damaged("METADATA_TYPES: %r is typed boolean but its value is not one" % key)
                self.metadata[key] = value == "true"
            else:
                damaged("METADATA_TYPES: entry for %r has unknown type %d" % (key, t))

    def decode_checks(self, body):
        """FORMAT.md CHECKS (type 10, format 1.2): n_checks >= 1 checks, each a rule, its slots
        and who refuses."""
        r = Reader(body, "CHECKS")
        K = "CHECKS"
        n = r.u32("n_checks")
        if n < 1:
            damaged("%s: n_checks 0" % K)
        # a check takes at least 16 bytes (rule, n_slots, one slot, who's length)
        r.need(16 * n, "checks")
        if self.program is not None:
            n_slots, kinds, what = self.program["n_slots"], self.program["types"], "n_slots"
        else:
            n_slots, kinds, what = self.n_features_in, self.feature_kinds, "n_features"
        checks = []
        for i in range(n):
            C = "%s: check %d" % (K, i)
            rule = r.u32("rule")
            if rule & ~CHECK_RULE_BITS:
                damaged("%s: reserved rule bits 0x%x set" % (C, rule & ~CHECK_RULE_BITS))
            if not rule & (CHECK_NAN | CHECK_INF):
                damaged("%s: rule 0x%x sets neither NAN nor INF" % (C, rule))
            if rule & CHECK_F32 and not rule & CHECK_INF:
                damaged("%s: F32 without INF (rule 0x%x)" % (C, rule))
            if rule & CHECK_ESTIMATOR and self.estimator is None:
                damaged("%s: ESTIMATOR in a file without an estimator" % C)
            n_sl = r.u32("n_slots")
            if n_sl < 1:
                damaged("%s: n_slots 0" % C)
            r.need(4 * n_sl, "slots")
            slots = [r.u32("slot") for _ in range(n_sl)]
            for sl in slots:
                if sl >= n_slots:
                    damaged("%s: slot %d >= %s %d" % (C, sl, what, n_slots))
                if kinds[sl] == UNUSED:
                    damaged("%s: slot %d is an unused column (FEATURES kind 2)" % (C, sl))
                # "numeric, or string when INF and F32 are clear"
                if kinds[sl] == STR and rule & (CHECK_INF | CHECK_F32):
                    damaged("%s: string slot %d with rule 0x%x (INF or F32 on a string)"
                            % (C, sl, rule))
            who = r.string("who")
            checks.append({"rule": rule, "slots": slots, "who": who})
        r.end()
        self.checks = checks

    # -- blocks: checksum, then decompression --
    def load_blocks(self):
        self.chunk_data = []
        for ci, c in enumerate(self.chunks):
            parts = []
            for bi in range(c["first_block"], c["first_block"] + c["block_count"]):
                b = self.blocks[bi]
                stored = self.buf[b["offset"]:b["offset"] + b["stored_size"]]
                if xxhash.xxh3_64_digest(stored) != b["checksum"]:
                    damaged("block %d: checksum mismatch" % bi)
                if b["codec"] == 1:
                    try:
                        raw = lz4_block_decode(stored, b["raw_size"])
                    except ValueError as e:
                        damaged("block %d: LZ4 decompression failed (%s)" % (bi, e))
                else:
                    raw = stored
                parts.append(raw)
            self.chunk_data.append(b"".join(parts))
        # page padding between chunks: zero per the spec, but a reader does not check it
        # (FORMAT.md "Where the reader is lenient"); we only warn.
        self.warnings = []
        pos = self.data_start
        for ci, c in enumerate(self.chunks):
            if any(self.buf[pos:c["start"]]):
                self.warnings.append("non-zero padding before chunk %d" % ci)
            pos = c["end"]
        if any(self.buf[pos:self.data_end]):
            self.warnings.append("non-zero padding after the last chunk")

    # -- the full check (`frost verify`): padding and the signature trailer --
    def verify(self):
        """What FORMAT.md asks of a full check beyond loading: every data-region byte outside a
        block is zero, and a signature trailer is an Ed25519 record that verifies (under the key
        it names: whether to trust that key is the caller's question). Ed25519 comes from
        python3-cryptography, BLAKE2b from hashlib; only this method needs them."""
        pos = self.data_start
        for b in sorted(self.blocks, key=lambda b: b["offset"]):
            if any(self.buf[pos:b["offset"]]):
                damaged("non-zero padding before block at offset %d" % b["offset"])
            pos = max(pos, b["offset"] + b["stored_size"])
        if any(self.buf[pos:self.data_end]):
            damaged("non-zero padding after the last block")
        if not self.flags & 1:
            return
        t = self.buf[self.data_end:self.data_end + self.trailer_size]
        rtype, length = struct.unpack_from("<II", t, 0)
        if rtype != 1:
            damaged("signature trailer: record type %d is not Ed25519 (1)" % rtype)
        if length != 160 or len(t) != 168:
            damaged("signature trailer: an Ed25519 record is 168 bytes, length %d in %d"
                    % (length, len(t)))
        import hashlib
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        key, header_hash, data_hash, sig = t[8:40], t[40:72], t[72:104], t[104:168]
        try:
            Ed25519PublicKey.from_public_bytes(key).verify(sig, b"frost signature\0" + t[0:104])
        except InvalidSignature:
            damaged("signature trailer: the signature does not verify")
        if hashlib.blake2b(self.buf[0:self.header_size], digest_size=32).digest() != header_hash:
            damaged("signature trailer: header_hash does not match the header")
        if hashlib.blake2b(self.buf[self.data_start:self.data_end],
                           digest_size=32).digest() != data_hash:
            damaged("signature trailer: data_hash does not match the data region")

    # -- trees: walk every node, enforce the node/ref rules, build an evaluable form --
    def build_trees(self):
        self.compiled = []
        bs = self.block_size
        for t, rec in enumerate(self.trees):
            name = "tree %d" % t
            lw, nf, wide = self.tree_lw[t], self.tree_nf[t], self.tree_wide[t]
            top_chunk = self.chunk_data[self.top_chunk]
            top_off = rec["top_offset"]
            top_size = rec["top_size"]
            body_off = rec["body_offset"]
            body_size = rec["body_size"]
            if rec["body_chunk"] != NONE32:
                body = self.chunk_data[rec["body_chunk"]]
            else:
                body = b""

            def locate(off, size, what):
                """(bytes, position) of `size` bytes at tree-space offset `off`: the top part is
                [0, top_size), the body [top_size, top_size + body_size). The block grid is the
                chunk's, counted from the chunk start after adding top_offset / body_offset."""
                if off < top_size:
                    if off + size > top_size:
                        damaged("%s: %s at %d runs past the top part (top_size %d)"
                                % (name, what, off, top_size))
                    pos = top_off + off  # position in the top chunk
                    if pos // bs != (pos + size - 1) // bs:
                        damaged("%s: %s at %d straddles a block of the top chunk"
                                % (name, what, off))
                    return top_chunk, pos
                rel = off - top_size
                if rel + size > body_size:
                    damaged("%s: %s at %d outside the tree's space (top_size %d + body_size %d)"
                            % (name, what, off, top_size, body_size))
                pos = body_off + rel  # position in the body chunk
                if pos // bs != (pos + size - 1) // bs:
                    damaged("%s: %s at %d straddles a block of its body chunk" % (name, what, off))
                return body, pos

            # nodes[0] is the root: ["S", threshold, feature, nan_left, left index, right index]
            # (f32 threshold), ["W", ...] (a wide split: f64 threshold), ["C", category set
            # words, feature, nan_left, left, right] (a categorical split), or ["L", leaf values]
            nodes = []
            n_splits = 0
            n_leaves = 0
            limit = rec["n_splits"] + rec["n_leaves"]

            # the root is a split at offset 0, or a leaf at offset 0 when n_splits is 0
            root = 0 if rec["n_splits"] > 0 else 1
            # iterative depth-first walk: (ref, parent offset, what, parent index, side)
            stack = [(root, None, "root", -1, 0)]
            while stack:
                ref, parent_off, what, parent, side = stack.pop()
                kind = ref & 3
                if kind > 1:
                    damaged("%s: %s ref 0x%x has reserved kind %d" % (name, what, ref, kind))
                if ref & 4:
                    damaged("%s: %s ref 0x%x has bit 2 set" % (name, what, ref))
                off = ref & ~7
                if parent_off is not None and off <= parent_off:
                    damaged("%s: child offset %d not greater than its parent's %d"
                            % (name, off, parent_off))
                if n_splits + n_leaves >= limit:
                    damaged("%s: more nodes than n_splits + n_leaves = %d" % (name, limit))
                idx = len(nodes)
                if parent >= 0:
                    nodes[parent][side] = idx
                if kind == 1:
                    data, pos = locate(off, 8 * lw, "leaf")
                    n_leaves += 1
                    nodes.append(["L", struct.unpack_from("<%dd" % lw, data, pos)])
                    continue
                if wide:
                    # FORMAT.md 1.3 wide split node: f64 threshold, word, left, right, reserved;
                    # a categorical one (bit 30) has its 32-byte category set right after
                    data, pos = locate(off, 24, "wide split node")
                    thr, fw, left, right, res = struct.unpack_from("<dIIII", data, pos)
                    if fw & 0x3F000000:
                        damaged("%s: wide split node at %d: reserved bits 24-29 set" % (name, off))
                    if res:
                        damaged("%s: wide split node at %d: reserved field not zero" % (name, off))
                    if fw & CATEGORICAL:
                        data, pos = locate(off, 56, "categorical split")
                        if any(data[pos:pos + 8]):
                            damaged("%s: categorical split at %d: threshold bytes not zero"
                                    % (name, off))
                        words = struct.unpack_from("<8I", data, pos + 24)
                        node = ["C", words]
                    else:
                        node = ["W", thr]
                else:
                    data, pos = locate(off, 16, "split node")
                    thr, fw, left, right = struct.unpack_from("<fIII", data, pos)
                    if fw & 0x7F000000:
                        damaged("%s: split node at %d: reserved bits 24-30 set" % (name, off))
                    node = ["S", thr]
                feat = fw & 0xFFFFFF
                if feat >= nf:
                    damaged("%s: split node at %d: feature %d >= n_features %d"
                            % (name, off, feat, nf))
                n_splits += 1
                nodes.append(node + [feat, bool(fw >> 31), -1, -1])
                stack.append((right, off, "right", idx, 5))
                stack.append((left, off, "left", idx, 4))

            if n_splits != rec["n_splits"] or n_leaves != rec["n_leaves"]:
                damaged("%s: walk found %d splits and %d leaves, the record says %d and %d"
                        % (name, n_splits, n_leaves, rec["n_splits"], rec["n_leaves"]))
            self.compiled.append(nodes)

    # -- inspect --
    def inspect(self):
        """What `frost inspect --json` prints. FORMAT.md does not define this JSON; the field
        names follow frost's output (NaN and infinities as the strings "nan", "inf", "-inf")."""
        e = None
        if self.trees and self.kind == KIND_MEMBERS:
            e = {"kind": "members", "n_trees": self.n_trees, "top_chunk": self.top_chunk}
        if self.estimator == "ensemble":
            e = {"task": "classifier" if self.task == TASK_CLASSIFIER else "regressor",
                 "kind": {KIND_MEAN: "mean", KIND_BOOSTED: "boosted",
                          KIND_ISOLATION: "isolation"}[self.kind],
                 "n_features": self.n_features, "n_outputs": self.n_outputs,
                 "n_trees": self.n_trees, "leaf_width": self.leaf_width, "flags": self.eflags,
                 "link": self.link, "n_raw": self.n_raw,
                 "top_chunk": None if self.top_chunk == NONE32 else self.top_chunk,
                 "learning_rate": jnum(self.learning_rate), "n_classes": self.n_classes,
                 "init_raw": [jnum(v) for v in self.init_raw],
                 "path_norm": jnum(self.path_norm) if self.kind == KIND_ISOLATION else None,
                 "offset": jnum(self.offset) if self.kind == KIND_ISOLATION else None}
        return {
            "path": self.path,
            "major": self.major, "minor": self.minor, "flags": self.flags,
            "block_shift": self.block_shift, "block_size": self.block_size,
            "header_size": self.header_size, "data_size": self.data_size,
            "trailer_size": self.trailer_size, "file_size": self.file_size,
            "digest": self.digest,
            "blocks": [{"offset": b["offset"], "stored_size": b["stored_size"],
                        "raw_size": b["raw_size"], "codec": "lz4" if b["codec"] == 1 else "none",
                        "checksum": b["checksum"].hex()} for b in self.blocks],
            "chunks": [{"kind": "top" if c["kind"] == 1 else "body",
                        "first_block": c["first_block"], "block_count": c["block_count"],
                        "raw_size": c["raw_size"]} for c in self.chunks],
            "ensemble": e,
            "trees": [dict(t, body_chunk=None if t["body_chunk"] == NONE32 else t["body_chunk"])
                      for t in self.trees],
            "features": {"count": self.n_features_in,
                         "kinds": (None if not self.feature_flags & 2 else
                                   [KIND_NAMES[k] for k in self.feature_kinds]),
                         "names": self.feature_names},
            "program": self.inspect_program(),
            "linear": None if self.estimator != "linear" else {
                "task": "classifier" if self.task == TASK_CLASSIFIER else "regressor",
                "rule": self.rule, "n_features": self.n_features, "n_rows": self.n_rows,
                "coef": [jnum(v) for row in self.coef for v in row],
                "intercept": [jnum(v) for v in self.intercept]},
            "combine": self.inspect_combine(),
            # FORMAT.md 1.2 CHECKS, in file order (null without the section)
            "checks": None if self.checks is None else [
                {"rule": c["rule"], "slots": c["slots"], "who": c["who"]} for c in self.checks],
            "bayes": None if self.bayes is None else {
                "kind": NB_NAMES[self.bayes["kind"]], "n_classes": self.bayes["n_classes"],
                "n_features": self.bayes["n_features"], "binarize": self.bayes["binarize"]},
            "centroids": None if self.centroids is None else {
                "kind": "kmeans" if self.centroids["kind"] == CEN_KMEANS else "nearest",
                "metric": "manhattan" if self.centroids["metric"] == CEN_MANHATTAN
                else "euclidean",
                "n_centroids": self.centroids["n_centroids"],
                "n_features": self.centroids["n_features"]},
            "mlp": None if self.mlp is None else {
                "task": self.mlp["task"], "activation": ACT_NAMES[self.mlp["activation"]],
                "output": ACT_NAMES[self.mlp["output"]], "widths": self.mlp["widths"]},
            "target": None if self.target is None else {
                "n_targets": self.target["n_targets"],
                "steps": [{"kind": "ufunc", "ufunc": UFUNC_NAMES[st["ufunc"]]}
                          if st["kind"] == TGT_UFUNC else
                          {"kind": "affine", "a": [jnum(v) for v in st["a"]],
                           "b": [jnum(v) for v in st["b"]]}
                          for st in self.target["steps"]]},
            "classes": self.classes,
            "metadata": self.metadata,
        }

    def inspect_combine(self):
        cb = self.combine
        if cb is None:
            return None
        members = []
        for m in cb["members"]:
            d = {"kind": "trees" if m.member_kind == MEMBER_TREES else "linear",
                 "score": SCORE_NAMES[m.score], "weight": jnum(m.weight), "slots": m.slots}
            if m.member_kind == MEMBER_TREES:
                d["trees"] = {
                    "task": "classifier" if m.task == TASK_CLASSIFIER else "regressor",
                    "kind": "mean" if m.kind == KIND_MEAN else "boosted",
                    "first_tree": m.first_tree, "n_trees": m.n_trees,
                    "n_features": m.n_features, "n_outputs": m.n_outputs,
                    "leaf_width": m.leaf_width, "flags": m.eflags, "link": m.link,
                    "n_raw": m.n_raw, "learning_rate": jnum(m.learning_rate),
                    "n_classes": m.n_classes, "init_raw": [jnum(v) for v in m.init_raw],
                    "path_norm": None, "offset": None}
            else:
                d["linear"] = {
                    "task": "classifier" if m.task == TASK_CLASSIFIER else "regressor",
                    "rule": m.rule, "n_features": m.n_features, "n_rows": m.n_rows,
                    "coef": [jnum(v) for row in m.coef for v in row],
                    "intercept": [jnum(v) for v in m.intercept]}
            members.append(d)
        return {"task": "classifier" if cb["task"] == TASK_CLASSIFIER else "regressor",
                "rule": COMB_NAMES[cb["rule"]], "n_classes": cb["n_classes"],
                "members": members}

    def inspect_program(self):
        p = self.program
        if p is None:
            return None
        ops = []
        for op in p["ops"]:
            code = op["opcode"]
            o = {"op": OP_NAMES[code].lower(), "in": op["ins"], "n_out": op["n_out"]}
            if code in (OP_IMPUTE, OP_IMPUTE_STR):
                o["fill"] = [jnum(v) for v in op["fill"]]
            elif code == OP_SCALE:
                o.update(mode=op["mode"], clip=op["clip"], lo=jnum(op["lo"]), hi=jnum(op["hi"]),
                         a=[jnum(v) for v in op["a"]], b=[jnum(v) for v in op["b"]])
            elif code == OP_ENCODE:
                # frost prints unknown_target as a one-element list
                o.update(kind=KIND_NAMES[op["kind"]], unknown=op["unknown"],
                         missing_cat=None if op["missing_cat"] == NONE32 else op["missing_cat"],
                         unknown_target=[jnum(op["unknown_target"])],
                         categories=[jnum(v) for v in op["cats"]],
                         targets=[jnum(v) for v in op["targets"]])
            elif code == OP_NORMALIZE:
                o["norm"] = op["norm"]
            elif code == OP_POLY:
                o["terms"] = op["terms"]
            elif code == OP_BINS:
                o.update(rule=op["rule"], edges=[jnum(v) for v in op["edges"]])
            elif code == OP_UFUNC:
                o["ufunc"] = UFUNC_NAMES[op["ufunc"]]
            elif code == OP_PROJECT:
                o.update(center=[jnum(v) for v in op["center"]],
                         w=[jnum(v) for row in op["w"] for v in row])
            ops.append(o)
        return {"n_inputs": p["n_inputs"], "n_slots": p["n_slots"], "outputs": p["outputs"],
                "output_names": p["names"], "ops": ops}

    # -- prediction --
    def leaf(self, t, x, xf):
        """The leaf tree t reaches for a row: x its float64 values, xf their float32 casts
        (what "S" splits compare; wide splits compare x as it is)."""
        nodes = self.compiled[t]
        n = nodes[0]
        while n[0] != "L":
            if n[0] == "C":
                go_left = category_goes_left(n[1], x[n[2]], n[3])
            else:
                v = (xf if n[0] == "S" else x)[n[2]]
                if v != v:
                    go_left = n[3]
                else:
                    go_left = v <= n[1]
            n = nodes[n[4] if go_left else n[5]]
        return n[1]

    def predict_row(self, x):
        """x: the estimator's features (f64; the ENSEMBLE casts them to float32 except through
        wide splits). Returns (labels or values, proba or None); for ISOLATION (1.3) (label,
        (score_samples, decision))."""
        if self.estimator == "linear":
            return self.predict_linear(x)
        xf = f32(x)
        if self.kind == KIND_ISOLATION:
            s = 0.0
            for t in range(self.n_trees):
                s = s + self.leaf(t, x, xf)[0]
            # score = -(2^(-(s / path_norm))), -0.5 when path_norm is 0
            q = fdiv(s, self.path_norm) if self.path_norm != 0 else 1.0
            score = -fpow2(-q)
            decision = score - self.offset
            return [self.classes[0]["labels"][0 if decision < 0 else 1]], (score, decision)
        if self.kind == KIND_MEAN:
            width = self.leaf_width
            acc = None
            first_leaf = None
            for t in range(self.n_trees):
                v = self.leaf(t, x, xf)
                if first_leaf is None:
                    first_leaf = v
                if self.eflags & FLAG_NORMALIZE:
                    p = []
                    off = 0
                    for k in self.n_classes:
                        part = v[off:off + k]
                        s = pairwise_sum(part)
                        if s == 0:
                            s = 1.0
                        p.extend(val / s for val in part)
                        off += k
                else:
                    p = v
                acc = list(p) if acc is None else [a + b for a, b in zip(acc, p)]
            out = [a / self.n_trees for a in acc] if acc is not None else [math.nan] * width
            if self.task == TASK_REGRESSOR:
                return out, None
            src = first_leaf if self.eflags & FLAG_RAW_ARGMAX else out
            pred = []
            off = 0
            for o, k in enumerate(self.n_classes):
                pred.append(self.classes[o]["labels"][argmax(src[off:off + k])])
                off += k
            return pred, out
        raw = list(self.init_raw)
        for t in range(self.n_trees):
            v = self.leaf(t, x, xf)
            col = self.trees[t]["raw_column"]
            raw[col] = raw[col] + self.learning_rate * v[0]
        if self.task == TASK_REGRESSOR:
            return [fexp(raw[0]) if self.link == LINK_EXP else raw[0]], None
        labels = self.classes[0]["labels"]
        if self.link == LINK_LOGISTIC:
            p1 = logistic(raw[0])
            p0 = 1.0 - p1
            if self.eflags & FLAG_SIGN:
                cls = 1 if raw[0] >= 0 else 0
            else:
                cls = argmax([p0, p1])
            return [labels[cls]], [p0, p1]
        if self.link == LINK_SOFTMAX_NORM:
            # FORMAT.md 1.3: exp(raw[c] - m) / S, m the largest raw score, S their pairwise sum
            m = max(raw)
            e = [fexp(r_ - m) for r_ in raw]
            s_ = pairwise_sum(e)
            proba = [fdiv(v, s_) for v in e]
        else:
            # FORMAT.md: logsumexp(raw) = m + log(S), m = max(raw) (0 when not finite), S the
            # pairwise sum of exp(raw[c] - m)
            m = max(raw)
            if not math.isfinite(m):
                m = 0.0
            lse = m + math.log(pairwise_sum([fexp(r_ - m) for r_ in raw]))
            proba = [fexp(r_ - lse) for r_ in raw]
        src = proba if self.eflags & FLAG_PROBA_ARGMAX else raw
        return [labels[argmax(src)]], proba

    def predict_linear(self, x):
        """FORMAT.md LINEAR: d_r = Σ_j x_j · coef[r][j] + intercept[r] (j in order)."""
        d = []
        for r_ in range(self.n_rows):
            s = 0.0
            row = self.coef[r_]
            for j in range(self.n_features):
                s += x[j] * row[j]
            d.append(s + self.intercept[r_])
        if self.task == TASK_REGRESSOR:
            return d, None
        labels = self.classes[0]["labels"]
        if self.n_rows == 1:
            cls = 1 if d[0] > 0 else 0
        else:
            cls = argmax(d)
        rule = self.rule
        proba = None
        if rule == RULE_LOGISTIC:
            p1 = logistic(d[0])
            proba = [1.0 - p1, p1]
        elif rule == RULE_OVR:
            p = [logistic(v) for v in d]
            s = SOFTMAX_SUM(p)
            proba = [fdiv(v, s) for v in p]
        elif rule == RULE_SOFTMAX:
            proba = softmax(d)
        elif rule == RULE_BIN_SOFTMAX:
            proba = softmax([-d[0], d[0]])
        return [labels[cls]], proba


class Agg:
    """One COMBINE tree member: the ENSEMBLE aggregation over its own range of trees."""
    estimator = "ensemble"
    leaf = Frost.leaf
    predict_row = Frost.predict_row


class LinearMember:
    """One COMBINE linear member: a LINEAR body."""
    estimator = "linear"
    predict_linear = Frost.predict_linear
    predict_row = Frost.predict_row


def member_decision(m, x):
    """decision_function of a binary member: LINEAR's d, a BOOSTED member's raw score."""
    if m.estimator == "linear":
        s = 0.0
        for j in range(m.n_features):
            s += x[j] * m.coef[0][j]
        return s + m.intercept[0]
    xf = f32(x)
    raw = m.init_raw[0]
    for t in range(m.n_trees):
        raw = raw + m.learning_rate * m.leaf(t, x, xf)[0]
    return raw


def combine_row(model, slots):
    """FORMAT.md COMBINE, for one row: (class index or value, proba or None). Sums over members
    in member order from 0.0; W = the pairwise sum of the weights."""
    cb = model.combine
    rule, K, members = cb["rule"], cb["n_classes"], cb["members"]
    W = pairwise_sum([m.weight for m in members])
    xs = [[slots[s_] for s_ in m.slots] for m in members]
    if rule == COMB_SOFT:
        acc = [0.0] * K
        for m, x in zip(members, xs):
            p = m.predict_row(x)[1]
            acc = [a + v * m.weight for a, v in zip(acc, p)]
        p = [fdiv(a, W) for a in acc]
        return argmax(p), p
    if rule == COMB_HARD:
        votes = [0.0] * K
        for m, x in zip(members, xs):
            votes[m.predict_row(x)[0][0]] += m.weight
        return argmax(votes), None
    if rule == COMB_MEAN:
        acc = 0.0
        for m, x in zip(members, xs):
            acc += m.predict_row(x)[0][0] * m.weight
        return fdiv(acc, W), None
    # one-vs-rest
    scores = []
    probas = []
    for m, x in zip(members, xs):
        p = m.predict_row(x)[1]
        probas.append(p[1] if p is not None else None)
        scores.append(member_decision(m, x) if m.score == SCORE_DECISION else p[1])
    if len(members) == 1:
        t = 0.0 if members[0].score == SCORE_DECISION else 0.5
        cls = 1 if scores[0] > t else 0
    else:
        mx, cls = -math.inf, 0
        for i, s_ in enumerate(scores):
            mx = math.nan if (mx != mx or s_ != s_) else max(mx, s_)
            if mx == s_:
                cls = i
    proba = None
    if model.combine_has_proba:
        y = [1.0 - probas[0], probas[0]] if len(members) == 1 else list(probas)
        tot = 0.0
        for v in y:
            tot += v
        proba = [fdiv(v, tot) for v in y]
    return cls, proba


KIND_NAMES = {NUM: "numeric", STR: "string", UNUSED: "unused"}


def jnum(v):
    """A float as frost's JSON writes it: NaN and infinities as strings."""
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if v != v else ("inf" if v > 0 else "-inf")
    return v


def ufunc(f, x):
    """FORMAT.md PROGRAM UFUNC: numpy's float64 ufunc f of x; outside the domain what the C
    library gives (Python's math raises there instead)."""
    if x != x:
        return x
    if f == 1 or f == 2:  # log, log1p
        edge = 0.0 if f == 1 else -1.0
        if x < edge:
            return math.nan
        if x == edge:
            return -math.inf
        if x == math.inf:
            return x
        return math.log(x) if f == 1 else math.log1p(x)
    if f == 3 or f == 4:  # exp, expm1
        try:
            return math.exp(x) if f == 3 else math.expm1(x)
        except OverflowError:
            return math.inf
    if f == 5:
        return math.nan if x < 0 else math.sqrt(x)
    if f == 6:
        return x * x
    if f == 7:
        return abs(x)
    return fdiv(1.0, x)


def fdiv(a, b):
    """IEEE-754 division (Python raises on a zero divisor)."""
    try:
        return a / b
    except ZeroDivisionError:
        if a != a or a == 0:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)


def f32(x):
    """float32 cast with C semantics (no overflow error)."""
    return list(array.array("f", x))


def category_goes_left(words, v, nan_left):
    """FORMAT.md 1.3 categorical split: NaN and v < 0 go as missing values do; else the
    category is v truncated toward zero, modulo 256, below 2^31 (0 from 2^31 on), and goes left
    when its bit of the set is."""
    if v != v or v < 0:
        return nan_left
    c = int(v) % 256 if v < 2.0 ** 31 else 0
    return bool((words[c // 32] >> (c % 32)) & 1)


def fpow2(v):
    """2 ** v as C's pow(2, v) (no overflow error)."""
    try:
        return math.pow(2.0, v)
    except OverflowError:
        return math.inf


def fexp(v):
    try:
        return math.exp(v)
    except OverflowError:
        return math.inf


def seq_dot(x, c):
    """Σ x_j c_j added in order from 0.0."""
    s = 0.0
    for a, b in zip(x, c):
        s += a * b
    return s


def einsum_sq(v):
    """FORMAT.md CENTROIDS nsq: numpy's einsum of a row with itself, two lanes."""
    acc = [0.0, 0.0]
    n, i = len(v), 0
    while n - i >= 8:
        for l_ in range(2):
            s = v[i + 6 + l_] * v[i + 6 + l_] + acc[l_]
            s = v[i + 4 + l_] * v[i + 4 + l_] + s
            s = v[i + 2 + l_] * v[i + 2 + l_] + s
            acc[l_] = v[i + l_] * v[i + l_] + s
        i += 8
    while i < n:
        for l_ in range(2):
            acc[l_] = (v[i + l_] * v[i + l_] if i + l_ < n else 0.0) + acc[l_]
        i += 2
    return (acc[0] + acc[1]) + 0.0


def flog(v):
    """IEEE-754 log: -inf at 0, NaN below (Python raises)."""
    if v > 0:
        return math.log(v)
    return -math.inf if v == 0 else math.nan


def logistic(v):
    try:
        e = math.exp(-v)
    except OverflowError:
        e = math.inf
    return 1.0 / (1.0 + e)


def softmax(v):
    """exp(v_r - max) over their sum (FORMAT.md LINEAR rule 4)."""
    m = max(v)
    e = [math.exp(a - m) for a in v]
    s = SOFTMAX_SUM(e)
    return [fdiv(a, s) for a in e]


def argmax(v):
    best = 0
    for i in range(1, len(v)):
        if v[i] > v[best]:
            best = i
    return best


def pairwise_sum(a):
    """numpy's pairwise sum as FORMAT.md describes it: below 8 values, added in order starting
    from 0.0; from 8 to 128 values, 8 interleaved partial sums over the largest multiple of 8,
    combined as ((s0+s1)+(s2+s3))+((s4+s5)+(s6+s7)), then the remaining values added in order;
    above 128, with h = n/2 rounded down to a multiple of 8, the sum of the first h values plus
    the sum of the rest, each computed the same way."""
    n = len(a)
    if n > 128:
        h = n // 2
        h -= h % 8
        return pairwise_sum(a[:h]) + pairwise_sum(a[h:])
    if n < 8:
        res = 0.0
        for v in a:
            res += v
        return res
    r = list(a[0:8])
    i = 8
    while i < n - (n % 8):
        for j in range(8):
            r[j] += a[i + j]
        i += 8
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < n:
        res += a[i]
        i += 1
    return res


# The sum in LINEAR's softmax and one-vs-rest normalization. FORMAT.md's LINEAR section says
# "over their sum" / "divided by their sum" without an order (its ENSEMBLE softmax says pairwise);
# numpy (scikit-learn's softmax, `prob.sum(axis=1)`) sums pairwise, and so does this reader.
SOFTMAX_SUM = pairwise_sum


# ---- PROGRAM evaluation -----------------------------------------------------------------------

class MISSING_STR:
    """A missing string slot ("missing = absent")."""


def is_missing(v):
    return v is MISSING_STR or (isinstance(v, float) and v != v)


def run_program(prog, inputs):
    """inputs: the n_inputs slot values (float, NaN = missing; str, or MISSING_STR). Returns
    every slot. Raises InputError for an unknown category where the table says it is an error."""
    slots = list(inputs)
    for k, op in enumerate(prog["ops"]):
        code = op["opcode"]
        xs = [slots[s] for s in op["ins"]]
        if code == OP_IMPUTE:
            out = [f if x != x else x for x, f in zip(xs, op["fill"])]
        elif code == OP_IMPUTE_STR:
            out = [f if x is MISSING_STR else x for x, f in zip(xs, op["fill"])]
        elif code == OP_INDICATOR:
            out = [1.0 if is_missing(x) else 0.0 for x in xs]
        elif code == OP_SCALE:
            out = []
            for x, a, b in zip(xs, op["a"], op["b"]):
                if op["mode"] == 0:
                    v = fdiv(x - a, b)
                elif op["mode"] == 1:
                    v = x * a + b
                else:
                    v = x * a  # mode 2: b unused
                if op["clip"]:
                    # min(max(v, lo), hi); a NaN stays NaN (FORMAT.md does not say)
                    if v == v:
                        v = min(max(v, op["lo"]), op["hi"])
                out.append(v)
        elif code == OP_ENCODE:
            x = xs[0]
            if is_missing(x):
                i = op["missing_cat"] if op["missing_cat"] != NONE32 else None
            else:
                i = op["index"].get(x)
            if i is None:
                if op["unknown"] == 0:
                    raise InputError("PROGRAM op %d: unknown category %r" % (k, x))
                t = op["unknown_target"]
            else:
                t = op["targets"][i]
            if op["n_out"] == 1:
                out = [t]
            else:
                out = [0.0] * op["n_out"]
                if t != -1:
                    out[int(t)] = 1.0
        elif code == OP_NORMALIZE:
            norm = op["norm"]
            if norm == 1:
                n = 0.0
                for x in xs:
                    n += abs(x)
            elif norm == 2:
                n = 0.0
                for x in xs:
                    n += x * x
                n = math.sqrt(n)
            else:
                n = 0.0
                for x in xs:
                    n = max(n, abs(x))
            if n == 0:
                n = 1.0
            out = [fdiv(x, n) for x in xs]
        elif code == OP_POLY:
            out = []
            for term in op["terms"]:
                v = 1.0
                for j, p in enumerate(term):
                    v = xs[p] if j == 0 else v * xs[p]
                out.append(v)
        elif code == OP_UFUNC:
            out = [ufunc(op["ufunc"], x) for x in xs]
        elif code == OP_PROJECT:
            out = []
            for row in op["w"]:
                v = 0.0
                for x, c, w in zip(xs, op["center"], row):
                    v += (x - c) * w
                out.append(v)
        elif code == OP_BINS:
            x = xs[0]
            e = op["edges"]
            ne = len(e)
            if op["rule"] == 1:
                b = sum(1 for v in e[1:ne - 1] if v <= x)
            else:
                xe = x + (1e-8 + 1e-5 * abs(x))
                b = min(sum(1 for v in e[1:ne] if v <= xe), ne - 2)
            if op["n_out"] == 1:
                out = [float(b)]
            else:
                out = [0.0] * op["n_out"]
                out[b] = 1.0
        slots.extend(out)
    return slots


# ---- rows ------------------------------------------------------------------------------------

# What pandas.read_csv reads as missing (its default na_values, pandas 2's list), which the CLI's
# CSV contract follows; compared exactly, after the quotes are removed.
NA_SPELLINGS = {"", "NA", "N/A", "n/a", "NULL", "null", "NaN", "nan", "-NaN", "-nan", "<NA>",
                "None", "#N/A", "#N/A N/A", "#NA", "1.#IND", "-1.#IND", "1.#QNAN", "-1.#QNAN"}


def read_rows(model, path):
    """Rows of a CSV file as input values in the file's column order (FEATURES): numeric
    columns as float (NaN for an NA spelling, true/false as 1/0), string columns as str
    (MISSING_STR for an NA spelling). Columns match by name when FEATURES has names, else by
    position, exactly as many as the model takes. An unused column (FEATURES kind 2, format 1.2)
    is never parsed: its value is None (nothing reads it); by name it need not be given."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise InputError("%s: empty CSV" % path)
    header = rows[0]
    n = model.n_features_in
    kinds = model.feature_kinds
    if model.feature_names is not None:
        pos = {}
        for i, h in enumerate(header):
            pos.setdefault(h, i)
        cols = []
        for j, name in enumerate(model.feature_names):
            if kinds[j] == UNUSED:
                cols.append(None)
            elif name not in pos:
                raise InputError("%s: no column named %r" % (path, name))
            else:
                cols.append(pos[name])
    else:
        if len(header) != n:
            raise InputError("%s: %d columns, the model takes %d" % (path, len(header), n))
        cols = [None if kinds[j] == UNUSED else j for j in range(n)]
    out = []
    for line in rows[1:]:
        if not line:
            continue  # an empty line is no row
        vals = []
        for j, c in enumerate(cols):
            if c is None:
                vals.append(None)  # unused: never looked at
                continue
            s = line[c] if c < len(line) else ""
            if kinds[j] == STR:
                vals.append(MISSING_STR if s in NA_SPELLINGS else s)
            elif s in NA_SPELLINGS:
                vals.append(math.nan)
            elif s.lower() in ("true", "false"):
                vals.append(1.0 if s.lower() == "true" else 0.0)
            else:
                vals.append(float(s))
        out.append(vals)
    return out


def apply_checks(model, slots, row, transforming):
    """FORMAT.md CHECKS: once the PROGRAM has computed the row's slots, the checks in order, each
    to its slots in order; the first refused value stops the call (CheckRefused naming the row,
    the column the value comes from and who). A transform skips the ESTIMATOR checks; a file
    without CHECKS refuses nothing."""
    if model.checks is None:
        return
    for k, c in enumerate(model.checks):
        rule = c["rule"]
        if transforming and rule & CHECK_ESTIMATOR:
            continue
        for sl in c["slots"]:
            v = slots[sl]
            why = None
            if v is MISSING_STR:
                if rule & CHECK_NAN:
                    why = "a missing value"
            elif isinstance(v, float):
                if v != v:
                    if rule & CHECK_NAN:
                        why = "a missing value (NaN)"
                elif math.isinf(v):
                    if rule & CHECK_INF:
                        why = "an infinite value (%r)" % v
                elif rule & CHECK_F32 and abs(v) >= F32_OVERFLOW:
                    why = "a value too large for float32 (%r)" % v
            if why is not None:
                raise CheckRefused("row %d: column %s (slot %d): %s refuses %s (check %d)"
                                   % (row, slot_columns(model, sl), sl, c["who"], why, k),
                                   row, k)


def slot_columns(model, sl):
    """The input column(s) a slot's value comes from, by name where FEATURES has names."""
    cols = [sl] if model.program is None else model.program["origin"][sl]
    names = model.feature_names
    return "+".join(repr(names[j]) if names is not None else str(j) for j in cols) or "-"


def row_slots(model, x, row, transforming=False):
    """Every slot of one row (the inputs without a PROGRAM), the checks applied."""
    slots = x if model.program is None else run_program(model.program, x)
    apply_checks(model, slots, row, transforming)
    return slots


def features_of(model, x, row=0):
    """The estimator's features for one row of inputs."""
    slots = row_slots(model, x, row)
    if model.program is None:
        return slots
    return [slots[s] for s in model.program["outputs"]]


def fmt(v):
    return repr(v)


def predict(model, rows_path, proba, score=False):
    """The CSV `frost predict MODEL ROWS [--proba|--score-samples]` prints, as a string."""
    if model.estimator is None:
        raise InputError("the file holds no estimator (a PROGRAM only): use --transform")
    if model.estimator == "ensemble" and model.n_trees == 0:
        # FORMAT.md divides by n_trees (MEAN) and defines nothing for an empty ensemble
        raise InputError("the model has no trees: FORMAT.md defines no prediction")
    clf = model.task == TASK_CLASSIFIER
    if proba:
        if not clf:
            raise InputError("--proba needs a classifier")
        if model.estimator == "linear" and model.rule == RULE_DECISION:
            raise InputError("LINEAR rule 6: decision only, no probabilities")
        if model.estimator == "combine" and not model.combine_has_proba:
            raise InputError("COMBINE: hard voting, or members without probabilities")
        if model.estimator == "centroids":
            raise InputError("CENTROIDS: nearest centroid and k-means give no probabilities")
        if model.estimator == "ensemble" and model.kind == KIND_ISOLATION:
            raise InputError("ISOLATION: no probabilities")
    if score and not (model.estimator == "ensemble" and model.kind == KIND_ISOLATION):
        raise InputError("--score-samples needs an ISOLATION ensemble")
    rows = read_rows(model, rows_path)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if score:
        w.writerow(["score_samples"])
    elif proba:
        if model.n_outputs == 1:
            w.writerow(model.classes[0]["labels"])
        else:
            w.writerow(["%d:%s" % (o, lab) for o, c in enumerate(model.classes)
                        for lab in c["labels"]])
    else:
        if model.n_outputs == 1:
            w.writerow(["prediction"])
        else:
            w.writerow(["prediction_%d" % o for o in range(model.n_outputs)])
    for i, x in enumerate(rows):
        w.writerow(predict_line(model, x, i + 1, proba, score))
    return buf.getvalue()


def predict_line(model, x, row, proba, score=False):
    """The CSV fields `frost predict` prints for one row of inputs (row: its 1-based number)."""
    clf = model.task == TASK_CLASSIFIER
    if model.estimator == "combine":
        slots = row_slots(model, x, row)
        v, p = combine_row(model, slots)
        pred = [model.classes[0]["labels"][v]] if clf else [v]
    elif model.estimator == "centroids":
        pred, p = model.predict_centroids(features_of(model, x, row))
    elif model.estimator == "bayes":
        pred, p = model.predict_bayes(features_of(model, x, row), row)
    elif model.estimator == "mlp":
        pred, p = model.predict_mlp(features_of(model, x, row))
    else:
        pred, p = model.predict_row(features_of(model, x, row))
    if score:
        return [fmt(p[0])]
    if proba:
        return [fmt(v) for v in p]
    if clf:
        return pred
    return [fmt(v) for v in model.apply_target(pred)]


def kmeans_transforms(model):
    """FORMAT.md CENTROIDS: a KMEANS file transforms to the distances (with or without a
    PROGRAM), applying the estimator's checks as its predict does."""
    return model.centroids is not None and model.centroids["kind"] == CEN_KMEANS


def transform_line(model, x, row):
    """The CSV fields `frost transform` prints for one row of inputs."""
    if kmeans_transforms(model):
        return [fmt(v) for v in model.centroid_distances(features_of(model, x, row))]
    slots = row_slots(model, x, row, transforming=True)
    return [fmt(slots[s]) for s in model.program["outputs"]]


def transform(model, rows_path):
    """The CSV `frost transform MODEL ROWS` prints: the PROGRAM's outputs, headed by the output
    names (FORMAT.md PROGRAM flags bit 0)."""
    if model.program is None and not kmeans_transforms(model):
        raise InputError("the file has no PROGRAM: nothing to transform")
    rows = read_rows(model, rows_path)
    prog = model.program
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if kmeans_transforms(model):
        # FORMAT.md CENTROIDS NAMES; frost's CLI heads unnamed columns x0, x1, …
        names = model.centroids["names"] or ["x%d" % j
                                             for j in range(model.centroids["n_centroids"])]
    else:
        names = prog["names"]
    if names is None:
        # FORMAT.md names no header for unnamed outputs; frost's CLI help: "headed by
        # get_feature_names_out() where the file records them"
        names = ["x%d" % j for j in range(prog["n_outputs"])]
    w.writerow(names)
    for i, x in enumerate(rows):
        w.writerow(transform_line(model, x, i + 1))
    return buf.getvalue()


USAGE = ("usage: frost_decode.py FILE [--json] | MODEL --predict ROWS.csv "
         "[--proba|--score-samples] | MODEL --transform ROWS.csv")


def main(argv):
    args = argv[1:]
    path = None
    rows = None
    mode = "inspect"
    proba = score = False
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("--predict", "--transform") and i + 1 < len(args) and rows is None:
            mode = a[2:]
            rows = args[i + 1]
            i += 2
            continue
        if a == "--proba":
            proba = True
        elif a == "--score-samples":
            score = True
        elif a == "--json":
            pass
        elif a.startswith("--") or path is not None:
            print(USAGE, file=sys.stderr)
            return 2
        else:
            path = a
        i += 1
    if path is None or ((proba or score) and mode != "predict") or (proba and score):
        print(USAGE, file=sys.stderr)
        return 2
    try:
        model = Frost(path)
    except Damaged as e:
        print("frost_decode: %s: %s" % (path, e), file=sys.stderr)
        return e.code
    except OSError as e:
        print("frost_decode: %s: %s" % (path, e), file=sys.stderr)
        return 1
    for w in model.warnings:
        print("frost_decode: %s: warning: %s" % (path, w), file=sys.stderr)
    if rows is not None:
        try:
            if mode == "predict":
                out = predict(model, rows, proba, score)
            else:
                out = transform(model, rows)
        except (InputError, OSError, ValueError) as e:
            print("frost_decode: %s" % e, file=sys.stderr)
            return 1
        sys.stdout.buffer.write(out.encode("utf-8"))
    else:
        sys.stdout.write(json.dumps(model.inspect()) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
