"""compat.py — every released format version still loads and scores (tests/compat/fixtures/,
made by make_fixtures.py with the frost that released each version), and a file of a newer
major version is refused with a message naming the frost it needs.

For each fixture: its format version is the one its name says, `frost verify` passes (with
--pub for a signed one, and FROST_REQUIRE_SIGNATURE accepts it), predict equals scikit-learn's
labels exactly and --proba its probabilities within 1e-9, in every I/O mode.
  /usr/bin/python3 tests/compat/compat.py --frost build/frost
Ends with "compat: N passed, M failed".
"""
import argparse
import glob
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import xxhash

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
passed = 0
failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL " + name + (": " + detail if detail else ""))


def run(frost, *args, env=None):
    e = dict(os.environ)
    e.pop("FROST_REQUIRE_SIGNATURE", None)
    e.update(env or {})
    return subprocess.run([frost] + list(args), capture_output=True, text=True, env=e,
                          timeout=120)


def said(r):
    return "exit %d: %s" % (r.returncode, (r.stdout + r.stderr)[-500:])


def table(text):
    lines = text.splitlines()
    return lines[0], [line.split(",") for line in lines[1:]]


def close(got, want):
    g_head, g = table(got)
    w_head, w = table(want)
    if g_head != w_head or len(g) != len(w):
        return False
    for gr, wr in zip(g, w):
        for a, b in zip(gr, wr):
            if abs(float(a) - float(b)) > 1e-9:
                return False
    return True


def newer_major(src, dst):
    """src with major version 2 naming 'frost 2.0.0' (FORMAT.md superblock `reader`),
    header digest resealed so the version is the only thing wrong."""
    b = bytearray(open(src, "rb").read())
    struct.pack_into("<H", b, 8, 2)
    b[80:112] = b"frost 2.0.0".ljust(32, b"\0")
    hs = struct.unpack_from("<Q", b, 24)[0]
    h = xxhash.xxh3_128()
    h.update(bytes(b[0:64]))
    h.update(b"\0" * 16)
    h.update(bytes(b[80:hs]))
    b[64:80] = h.digest()
    open(dst, "wb").write(b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frost", required=True)
    frost = os.path.abspath(ap.parse_args().frost)
    names = sorted(os.path.basename(p)[:-6] for p in glob.glob(FIXTURES + "/*.frost"))
    check("fixtures of formats 1.0, 1.1 and 1.2 are present",
          {n.split("-")[1] for n in names} >= {"1.0", "1.1", "1.2"}, str(names))
    for name in names:
        base = os.path.join(FIXTURES, name)
        path = base + ".frost"
        version = name.split("-")[1]
        r = run(frost, "inspect", "--json", path)
        doc = json.loads(r.stdout) if r.returncode == 0 else {}
        check("%s: inspect reads format %s" % (name, version),
              "%s.%s" % (doc.get("major"), doc.get("minor")) == version, said(r))
        if version >= "1.2":
            meta = doc.get("metadata", {})
            check("%s: typed metadata read back (METADATA_TYPES)" % name,
                  meta.get("accuracy") == 0.96 and meta.get("approved") is True
                  and meta.get("model_id") == "iris-compat", str(meta))
        pub = base + ".pub"
        args = ["--pub", pub] if os.path.exists(pub) else []
        r = run(frost, "verify", path, *args)
        check("%s: verify%s" % (name, " --pub (signed)" if args else ""), r.returncode == 0,
              said(r))
        env = {"FROST_REQUIRE_SIGNATURE": pub} if args else {}
        want = open(base + ".expected.csv").read()
        want_proba = open(base + ".expected_proba.csv").read()
        for io in ("pread", "mmap"):
            r = run(frost, "predict", path, base + ".input.csv", "--io", io, env=env)
            check("%s: predict (--io %s%s) equals scikit-learn" %
                  (name, io, ", signature required" if env else ""),
                  r.returncode == 0 and r.stdout == want, said(r))
            r = run(frost, "predict", path, base + ".input.csv", "--proba", "--io", io, env=env)
            check("%s: predict --proba (--io %s) within 1e-9" % (name, io),
                  r.returncode == 0 and close(r.stdout, want_proba), said(r))
    tmp = tempfile.mkdtemp(prefix="frost-compat.")
    try:
        newer = os.path.join(tmp, "newer.frost")
        newer_major(os.path.join(FIXTURES, names[0] + ".frost"), newer)
        for cmd in (["predict", newer, os.path.join(FIXTURES, names[0] + ".input.csv")],
                    ["inspect", newer], ["verify", newer]):
            r = run(frost, *cmd)
            check("format 2.0 refused by %s, naming the frost it needs" % cmd[0],
                  r.returncode == 1 and "needs frost 2.0.0 or newer" in r.stderr, said(r))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("compat: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
