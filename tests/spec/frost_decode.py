#!/usr/bin/python3
"""frost_decode.py - an independent reader of .frost files, written from format/FORMAT.md alone.

    frost_decode.py FILE                          JSON like `frost inspect FILE --json`
    frost_decode.py MODEL --predict ROWS.csv [--proba]   CSV like `frost predict MODEL ROWS.csv`

Every rule of FORMAT.md is checked and every block is verified and decompressed; every tree is
walked. On damage it prints "frost_decode: FILE: <rule>" on stderr and exits 1 (exit 3 for a
newer major version, 4 for an unsupported required section, 2 for usage errors).

Only the Python standard library and the `xxhash` module are used. LZ4 block decoding is
implemented here from the public LZ4 block format description.
"""
import array
import csv
import io
import json
import math
import struct
import sys

import xxhash

PAGE = 4096
MAGIC = b"\x89FROST\r\n"
END_MAGIC = b"FROSTEND"
NONE32 = 0xFFFFFFFF

SEC_BLOCKS, SEC_CHUNKS, SEC_ENSEMBLE, SEC_FEATURES, SEC_CLASSES, SEC_METADATA = 1, 2, 3, 4, 5, 6
SECTION_NAMES = {1: "BLOCKS", 2: "CHUNKS", 3: "ENSEMBLE", 4: "FEATURES", 5: "CLASSES",
                 6: "METADATA"}

TASK_CLASSIFIER, TASK_REGRESSOR = 1, 2
KIND_MEAN, KIND_BOOSTED = 1, 2
FLAG_NORMALIZE, FLAG_SIGN, FLAG_RAW_ARGMAX = 1, 2, 4
LINK_IDENTITY, LINK_LOGISTIC, LINK_SOFTMAX = 0, 1, 2
LABEL_KINDS = {1: "int", 2: "float", 3: "str", 4: "bool"}


class Damaged(Exception):
    """The file breaks a rule of FORMAT.md (exit 1)."""
    code = 1


class NewerVersion(Damaged):
    code = 3


class Unsupported(Damaged):
    code = 4


class InputError(Exception):
    """A rows CSV that does not fit the model (exit 1, like `frost predict`)."""


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

    FORMAT.md says a block holds LZ4_compress_default output, so the LZ4 format's end-of-block
    conditions hold and are enforced (the LZ4 block format lets a decoder reject blocks that
    break them): the last match starts at least 12 bytes before the end of the block and the
    last 5 bytes are literals. Offset 0 is invalid."""
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
            raise NewerVersion("superblock: major version %d needs a newer frost" % self.major)
        if self.major != 1:
            damaged("superblock: major version %d is not 1" % self.major)
        # The digest covers [0, header_size): header_size must be read (and bounded by the real
        # size) before the digest can be computed.
        header_size = struct.unpack_from("<Q", buf, 24)[0]
        if header_size < PAGE or header_size % PAGE:
            damaged("superblock: header_size %d not a multiple of 4096 >= 4096" % header_size)
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
        for t in (SEC_BLOCKS, SEC_CHUNKS, SEC_ENSEMBLE, SEC_FEATURES):
            if t not in bodies:
                damaged("section table: required section %s missing" % SECTION_NAMES[t])
        self.decode_blocks(bodies[SEC_BLOCKS])
        self.decode_chunks(bodies[SEC_CHUNKS])
        self.decode_ensemble(bodies[SEC_ENSEMBLE])
        self.decode_features(bodies[SEC_FEATURES])
        if self.task == TASK_CLASSIFIER:
            if SEC_CLASSES not in bodies:
                damaged("section table: a classifier without a CLASSES section")
            self.decode_classes(bodies[SEC_CLASSES])
        else:
            if SEC_CLASSES in bodies:
                damaged("section table: a regressor with a CLASSES section")
            self.classes = None
        self.metadata = {}
        if SEC_METADATA in bodies:
            self.decode_metadata(bodies[SEC_METADATA])

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
        self.task = r.u32("task")
        self.kind = r.u32("kind")
        self.n_features = r.u32("n_features")
        self.n_outputs = r.u32("n_outputs")
        self.n_trees = r.u32("n_trees")
        self.leaf_width = r.u32("leaf_width")
        self.eflags = r.u32("flags")
        self.link = r.u32("link")
        self.n_raw = r.u32("n_raw")
        self.top_chunk = r.u32("top_chunk")
        self.learning_rate = r.f64("learning_rate")
        E = "ENSEMBLE"
        if self.task not in (TASK_CLASSIFIER, TASK_REGRESSOR):
            damaged("%s: task %d" % (E, self.task))
        if self.kind not in (KIND_MEAN, KIND_BOOSTED):
            damaged("%s: kind %d" % (E, self.kind))
        if not 1 <= self.n_features < (1 << 24):
            damaged("%s: n_features %d outside 1..2^24-1" % (E, self.n_features))
        if self.n_outputs < 1:
            damaged("%s: n_outputs 0" % E)
        if self.eflags & ~7:
            damaged("%s: reserved flags 0x%x set" % (E, self.eflags & ~7))
        clf = self.task == TASK_CLASSIFIER
        if self.link not in (0, 1, 2):
            damaged("%s: link %d" % (E, self.link))
        self.n_classes = []
        if clf:
            # n_outputs entries; bound the loop by the body length before trusting n_outputs
            r.need(4 * self.n_outputs, "n_classes")
            for k in range(self.n_outputs):
                c = r.u32("n_classes")
                if c < 1:
                    damaged("%s: output %d has 0 classes" % (E, k))
                self.n_classes.append(c)
        r.need(8 * self.n_raw, "init_raw")
        self.init_raw = [r.f64("init_raw") for _ in range(self.n_raw)]
        if self.kind == KIND_MEAN:
            if self.eflags & FLAG_SIGN:
                damaged("%s: SIGN_DECISION on a MEAN model" % E)
            if not clf and self.eflags & (FLAG_NORMALIZE | FLAG_RAW_ARGMAX):
                damaged("%s: NORMALIZE_LEAVES/RAW_ARGMAX on a regressor" % E)
            want = sum(self.n_classes) if clf else self.n_outputs
            if self.leaf_width != want:
                damaged("%s: leaf_width %d, expected %d" % (E, self.leaf_width, want))
            if self.link != LINK_IDENTITY:
                damaged("%s: MEAN model with link %d" % (E, self.link))
            if self.n_raw != 0:
                damaged("%s: MEAN model with n_raw %d" % (E, self.n_raw))
            if self.learning_rate != 0:
                damaged("%s: MEAN model with learning_rate %r" % (E, self.learning_rate))
            if self.eflags & FLAG_RAW_ARGMAX and self.n_trees != 1:
                damaged("%s: RAW_ARGMAX with %d trees" % (E, self.n_trees))
        else:
            if self.eflags & (FLAG_NORMALIZE | FLAG_RAW_ARGMAX):
                damaged("%s: NORMALIZE_LEAVES/RAW_ARGMAX on a BOOSTED model" % E)
            if self.leaf_width != 1:
                damaged("%s: BOOSTED model with leaf_width %d" % (E, self.leaf_width))
            if self.n_outputs != 1:
                damaged("%s: BOOSTED model with n_outputs %d" % (E, self.n_outputs))
            if clf:
                if self.link == LINK_LOGISTIC:
                    if self.n_classes[0] != 2 or self.n_raw != 1:
                        damaged("%s: logistic link needs n_classes 2 and n_raw 1" % E)
                elif self.link == LINK_SOFTMAX:
                    if self.n_classes[0] < 3 or self.n_raw != self.n_classes[0]:
                        damaged("%s: softmax link needs n_raw = n_classes >= 3" % E)
                else:
                    damaged("%s: BOOSTED classifier with identity link" % E)
                if self.eflags & FLAG_SIGN and self.link != LINK_LOGISTIC:
                    damaged("%s: SIGN_DECISION on a non-binary model" % E)
            else:
                if self.link != LINK_IDENTITY or self.n_raw != 1:
                    damaged("%s: BOOSTED regressor needs link 0 and n_raw 1" % E)
                if self.eflags & FLAG_SIGN:
                    damaged("%s: SIGN_DECISION on a regressor" % E)
        if self.n_trees == 0:
            if self.top_chunk != NONE32:
                damaged("%s: top_chunk %d with no trees" % (E, self.top_chunk))
        else:
            if self.top_chunk >= len(self.chunks):
                damaged("%s: top_chunk %d beyond the chunk directory" % (E, self.top_chunk))
            if self.chunks[self.top_chunk]["kind"] != 1:
                damaged("%s: top chunk %d is not of kind 1" % (E, self.top_chunk))
        r.need(32 * self.n_trees, "tree records")
        self.trees = []
        owner = {}
        for t in range(self.n_trees):
            rec = r.raw(32, "tree %d" % t)
            top_off, top_size, body, rawcol, root, n_splits, n_leaves = \
                struct.unpack("<QIIIIII", rec)
            name = "tree %d" % t
            if top_off % 8:
                damaged("%s: top_offset not 8-aligned" % name)
            if top_size < 8 or top_size % 8:
                damaged("%s: top_size %d not >= 8 and 8-aligned" % (name, top_size))
            if top_off + top_size > self.chunks[self.top_chunk]["raw_size"]:
                damaged("%s: top part beyond the top chunk" % name)
            if body != NONE32:
                if body >= len(self.chunks):
                    damaged("%s: body_chunk %d beyond the chunk directory" % (name, body))
                if self.chunks[body]["kind"] != 2:
                    damaged("%s: body chunk %d is not of kind 2" % (name, body))
                if body in owner:
                    damaged("%s: body chunk %d already belongs to tree %d"
                            % (name, body, owner[body]))
                owner[body] = t
            if self.kind == KIND_BOOSTED:
                if rawcol >= self.n_raw:
                    damaged("%s: raw_column %d >= n_raw" % (name, rawcol))
            elif rawcol != 0:
                damaged("%s: raw_column %d in a MEAN model" % (name, rawcol))
            if root not in (0, 1):
                damaged("%s: root is not a ref with offset 0" % name)
            if n_leaves != n_splits + 1:
                damaged("%s: n_leaves != n_splits + 1" % name)
            self.trees.append({"top_offset": top_off, "top_size": top_size, "body_chunk": body,
                               "raw_column": rawcol, "root": root, "n_splits": n_splits,
                               "n_leaves": n_leaves})
        r.end()
        for i, c in enumerate(self.chunks):
            if c["kind"] == 2 and i not in owner:
                damaged("chunk %d: body chunk of no tree" % i)
            if c["kind"] == 1 and i != self.top_chunk:
                damaged("chunk %d: a top chunk that is not ENSEMBLE's top_chunk" % i)

    def decode_features(self, body):
        r = Reader(body, "FEATURES")
        n = r.u32("n_features")
        if n != self.n_features:
            damaged("FEATURES: n_features %d differs from ENSEMBLE's %d" % (n, self.n_features))
        flags = r.u32("flags")
        if flags & ~1:
            damaged("FEATURES: reserved flags set")
        self.feature_names = None
        if flags & 1:
            self.feature_names = [r.string("feature name %d" % j) for j in range(n)]
        r.end()

    def decode_classes(self, body):
        r = Reader(body, "CLASSES")
        n = r.u32("n_outputs")
        if n != self.n_outputs:
            damaged("CLASSES: n_outputs %d differs from ENSEMBLE's %d" % (n, self.n_outputs))
        self.classes = []
        for k in range(n):
            kind = r.u32("kind")
            if kind not in LABEL_KINDS:
                damaged("CLASSES: output %d: kind %d" % (k, kind))
            count = r.u32("count")
            if count != self.n_classes[k]:
                damaged("CLASSES: output %d: count %d differs from n_classes %d"
                        % (k, count, self.n_classes[k]))
            labels = [r.string("output %d label %d" % (k, j)) for j in range(count)]
            self.classes.append({"kind": LABEL_KINDS[kind], "labels": labels})
        r.end()

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

    # -- trees: walk every node, enforce the node/ref rules, build an evaluable form --
    def build_trees(self):
        self.compiled = []
        bs = self.block_size
        lw = self.leaf_width
        for t, rec in enumerate(self.trees):
            name = "tree %d" % t
            top_chunk = self.chunk_data[self.top_chunk]
            top_off = rec["top_offset"]
            top_size = rec["top_size"]
            if rec["body_chunk"] != NONE32:
                body = self.chunk_data[rec["body_chunk"]]
            else:
                body = b""

            def locate(off, size, what):
                """(bytes, position) of `size` bytes at tree-space offset `off`."""
                if off < top_size:
                    if off + size > top_size:
                        damaged("%s: %s at %d runs past the top part (top_size %d)"
                                % (name, what, off, top_size))
                    pos = top_off + off  # position in the top chunk
                    if pos // bs != (pos + size - 1) // bs:
                        damaged("%s: %s at %d straddles a block of the top chunk"
                                % (name, what, off))
                    return top_chunk, pos
                pos = off - top_size
                if pos + size > len(body):
                    damaged("%s: %s at %d outside the tree's space" % (name, what, off))
                if pos // bs != (pos + size - 1) // bs:
                    damaged("%s: %s at %d straddles a block of its body chunk" % (name, what, off))
                return body, pos

            # nodes[0] is the root: ["S", threshold, feature, nan_left, left index, right index]
            # or ["L", leaf values]
            nodes = []
            n_splits = 0
            n_leaves = 0
            limit = rec["n_splits"] + rec["n_leaves"]

            # iterative depth-first walk: (ref, parent offset, what, parent index, side)
            stack = [(rec["root"], None, "root", -1, 0)]
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
                data, pos = locate(off, 16, "split node")
                thr, fw, left, right = struct.unpack_from("<fIII", data, pos)
                feat = fw & 0xFFFFFF
                if fw & 0x7F000000:
                    damaged("%s: split node at %d: reserved bits 24-30 set" % (name, off))
                if feat >= self.n_features:
                    damaged("%s: split node at %d: feature %d >= n_features %d"
                            % (name, off, feat, self.n_features))
                n_splits += 1
                nodes.append(["S", thr, feat, bool(fw >> 31), -1, -1])
                stack.append((right, off, "right", idx, 5))
                stack.append((left, off, "left", idx, 4))

            if n_splits != rec["n_splits"] or n_leaves != rec["n_leaves"]:
                damaged("%s: walk found %d splits and %d leaves, the record says %d and %d"
                        % (name, n_splits, n_leaves, rec["n_splits"], rec["n_leaves"]))
            self.compiled.append(nodes)

    # -- inspect --
    def inspect(self):
        def hexsum(b):
            return b.hex()
        e = {"task": "classifier" if self.task == TASK_CLASSIFIER else "regressor",
             "kind": "mean" if self.kind == KIND_MEAN else "boosted",
             "n_features": self.n_features, "n_outputs": self.n_outputs,
             "n_trees": self.n_trees, "leaf_width": self.leaf_width, "flags": self.eflags,
             "link": self.link, "n_raw": self.n_raw,
             "top_chunk": None if self.top_chunk == NONE32 else self.top_chunk,
             "learning_rate": self.learning_rate, "n_classes": self.n_classes,
             "init_raw": self.init_raw}
        return {
            "path": self.path,
            "major": self.major, "minor": self.minor, "flags": self.flags,
            "block_shift": self.block_shift, "block_size": self.block_size,
            "header_size": self.header_size, "data_size": self.data_size,
            "trailer_size": self.trailer_size, "file_size": self.file_size,
            "digest": self.digest,
            "blocks": [{"offset": b["offset"], "stored_size": b["stored_size"],
                        "raw_size": b["raw_size"], "codec": "lz4" if b["codec"] == 1 else "none",
                        "checksum": hexsum(b["checksum"])} for b in self.blocks],
            "chunks": [{"kind": "top" if c["kind"] == 1 else "body",
                        "first_block": c["first_block"], "block_count": c["block_count"],
                        "raw_size": c["raw_size"]} for c in self.chunks],
            "ensemble": e,
            "trees": [dict(t, body_chunk=None if t["body_chunk"] == NONE32 else t["body_chunk"])
                      for t in self.trees],
            "features": {"count": self.n_features, "names": self.feature_names},
            "classes": self.classes,
            "metadata": self.metadata,
        }

    # -- prediction --
    def leaf(self, t, x):
        nodes = self.compiled[t]
        n = nodes[0]
        while n[0] == "S":
            v = x[n[2]]
            if v != v:
                go_left = n[3]
            else:
                go_left = v <= n[1]
            n = nodes[n[4] if go_left else n[5]]
        return n[1]

    def predict_row(self, x):
        """x: float32 values (as Python floats). Returns (labels or values, proba or None)."""
        if self.kind == KIND_MEAN:
            width = self.leaf_width
            acc = None
            first_leaf = None
            for t in range(self.n_trees):
                v = self.leaf(t, x)
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
            v = self.leaf(t, x)
            col = self.trees[t]["raw_column"]
            raw[col] = raw[col] + self.learning_rate * v[0]
        if self.task == TASK_REGRESSOR:
            return [raw[0]], None
        labels = self.classes[0]["labels"]
        if self.link == LINK_LOGISTIC:
            try:
                e = math.exp(-raw[0])
            except OverflowError:
                e = math.inf
            p1 = 1.0 / (1.0 + e)
            p0 = 1.0 - p1
            if self.eflags & FLAG_SIGN:
                cls = 1 if raw[0] >= 0 else 0
            else:
                cls = argmax([p0, p1])
            return [labels[cls]], [p0, p1]
        m = max(raw)
        s = 0.0
        for r_ in raw:  # FORMAT.md: "Σ exp(raw[c] - m)" - in order (it names no other order)
            s += math.exp(r_ - m)
        lse = m + math.log(s)
        proba = [math.exp(r_ - lse) for r_ in raw]
        return [labels[argmax(raw)]], proba


def argmax(v):
    best = 0
    for i in range(1, len(v)):
        if v[i] > v[best]:
            best = i
    return best


def pairwise_sum(a):
    """numpy's pairwise sum as FORMAT.md describes it: sequential below 8 values, else 8
    interleaved partial sums combined as ((s0+s1)+(s2+s3))+((s4+s5)+(s6+s7)), then the
    remainder added in order."""
    n = len(a)
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


def read_rows(model, path):
    """Rows of a CSV file as float32 values in the model's column order."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise InputError("%s: empty CSV" % path)
    header = rows[0]
    if model.feature_names is not None:
        pos = {}
        for i, h in enumerate(header):
            pos.setdefault(h, i)
        cols = []
        for name in model.feature_names:
            if name not in pos:
                raise InputError("%s: no column named %r" % (path, name))
            cols.append(pos[name])
    else:
        if len(header) < model.n_features:
            raise InputError("%s: %d columns, the model needs %d"
                             % (path, len(header), model.n_features))
        cols = list(range(model.n_features))
    out = []
    for line in rows[1:]:
        if not line:
            continue  # an empty line is no row
        vals = []
        for c in cols:
            s = line[c].strip() if c < len(line) else ""
            vals.append(math.nan if s == "" else float(s))
        out.append(list(array.array("f", vals)))  # the float32 cast (C semantics, no overflow error)
    return out


def predict(model, rows_path, proba):
    """The CSV `frost predict MODEL ROWS [--proba]` prints, as a string."""
    if model.n_trees == 0:
        # FORMAT.md divides by n_trees (MEAN) and defines nothing for an empty ensemble
        raise InputError("the model has no trees: FORMAT.md defines no prediction")
    rows = read_rows(model, rows_path)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    clf = model.task == TASK_CLASSIFIER
    if proba:
        if not clf:
            raise InputError("--proba needs a classifier")
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
    for x in rows:
        pred, p = model.predict_row(x)
        if proba:
            w.writerow([repr(v) for v in p])
        elif clf:
            w.writerow(pred)
        else:
            w.writerow([repr(v) for v in pred])
    return buf.getvalue()


def main(argv):
    args = argv[1:]
    path = None
    rows = None
    proba = False
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--predict" and i + 1 < len(args):
            rows = args[i + 1]
            i += 2
            continue
        if a == "--proba":
            proba = True
        elif a == "--json":
            pass
        elif a.startswith("--") or path is not None:
            print("usage: frost_decode.py FILE [--json] | MODEL --predict ROWS.csv [--proba]",
                  file=sys.stderr)
            return 2
        else:
            path = a
        i += 1
    if path is None:
        print("usage: frost_decode.py FILE [--json] | MODEL --predict ROWS.csv [--proba]",
              file=sys.stderr)
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
            out = predict(model, rows, proba)
        except (InputError, OSError, ValueError) as e:
            print("frost_decode: %s" % e, file=sys.stderr)
            return 1
        sys.stdout.buffer.write(out.encode("utf-8"))
    else:
        sys.stdout.write(json.dumps(model.inspect()) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
