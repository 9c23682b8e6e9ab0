"""trust_cli.py — the trust and lifecycle story (issue 12) through the real `frost` CLI, on
models trained here by real scikit-learn:

  - convert with metadata (--meta, --meta-file: typed numbers, booleans, nested metrics) and the
    seed's source checks (--expect-sha256 HEX|@model_hash.txt; --source-sig/--source-pub with a
    signature made by python3-cryptography exactly as the seed makes it), each refused source
    leaving no output;
  - keygen, sign, verify --pub (unsigned, wrong key, tampered bytes anywhere), signing changing
    no prediction, FROST_REQUIRE_SIGNATURE at open for predict;
  - the registry: push, list, show, promote, rollback, gc, ROOT/NAME@ALIAS predictions, names
    that are refused, unknown aliases named;
  - frost diff (readable and --json, exit status as diff(1); schema columns and categories);
  - the stress test: writers pushing and promoting while readers predict from NAME@prod (every
    prediction one of the pushed versions'), then a writer killed with SIGKILL at random points
    20 times, after each of which every reference still resolves and verifies.

Bounded: the stress phase runs for STRESS_SECONDS; every subprocess has a timeout.
  /usr/bin/python3 tests/trust/trust_cli.py --frost build/frost
Ends with "trust: N passed, M failed".
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import warnings

import joblib
import numpy as np
import pandas as pd
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from sklearn.compose import make_column_transformer
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.tree import DecisionTreeClassifier

warnings.filterwarnings("ignore")
STRESS_SECONDS = 4.0
KILLS = 20

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


def run(*args, env=None, timeout=60):
    e = dict(os.environ)
    e.pop("FROST_REQUIRE_SIGNATURE", None)
    if env:
        e.update(env)
    return subprocess.run([FROST] + [str(a) for a in args], capture_output=True, text=True,
                          env=e, timeout=timeout)


def said(r):
    return "exit %d: %s%s" % (r.returncode, r.stdout[-400:], r.stderr[-400:])


def predictions(r):
    return r.stdout.splitlines()[1:]


def main():
    global FROST
    ap = argparse.ArgumentParser()
    ap.add_argument("--frost", required=True)
    FROST = os.path.abspath(ap.parse_args().frost)
    tmp = tempfile.mkdtemp(prefix="frost-trust.")
    try:
        os.chdir(tmp)
        suite()
        stress()
    finally:
        os.chdir("/")
        shutil.rmtree(tmp, ignore_errors=True)
    print("trust: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def train():
    """Three models whose predictions on in.csv differ pairwise; their expected outputs."""
    X, y = load_iris(return_X_y=True)
    rows = X[::7]
    np.savetxt("in.csv", rows, delimiter=",", header="a,b,c,d", comments="", fmt="%.17g")
    models = {
        "v1": DecisionTreeClassifier(max_depth=1, random_state=0).fit(X, y),
        "v2": DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y),
        "v3": LogisticRegression(max_iter=1000).fit(X, y),
    }
    expected = {}
    for k, m in models.items():
        joblib.dump(m, k + ".joblib")
        expected[k] = [str(int(p)) for p in m.predict(rows)]
    assert len({tuple(v) for v in expected.values()}) == 3, "the models must differ"
    return expected


def suite():
    expected = train()

    # --- metadata -------------------------------------------------------------------------
    with open("meta.json", "w") as f:
        json.dump({"model_id": "iris-7", "training_date": "2026-12-01", "dataset_id": "iris-v3",
                   "metrics": {"accuracy": 0.953, "f1": 0.95}, "notes": "first cut"}, f)
    r = run("convert", "v1.joblib", "v1.frost", "--meta-file", "meta.json", "--meta", "epochs=12",
            "--meta", "approved=true", "--meta", "notes=overridden")
    check("convert --meta-file --meta", r.returncode == 0, said(r))
    r = run("inspect", "--json", "v1.frost")
    meta = json.loads(r.stdout).get("metadata", {}) if r.returncode == 0 else {}
    check("inspect --json: typed metadata (numbers, booleans, metrics.*, override)",
          meta.get("metrics.accuracy") == 0.953 and meta.get("epochs") == 12
          and meta.get("approved") is True and meta.get("model_id") == "iris-7"
          and meta.get("notes") == "overridden", str(meta))
    check("inspect --json: pickle protocol and joblib recorded from the file",
          "source_pickle_protocol" in meta and "source_joblib" in meta, str(meta))
    r = run("inspect", "v1.frost")
    check("inspect shows metadata as written", "0.953" in r.stdout and "iris-v3" in r.stdout,
          said(r))
    for bad, why in (({"a": [1, 2]}, "an array"), ({"m": {"x": {"y": 1}}}, "two levels"),
                     ({"estimator": "x"}, "a key frost records")):
        with open("bad.json", "w") as f:
            json.dump(bad, f)
        r = run("convert", "v1.joblib", "bad.frost", "--meta-file", "bad.json")
        check("--meta-file with %s refused, nothing written" % why,
              r.returncode != 0 and r.stderr and not os.path.exists("bad.frost"), said(r))
    with open("bad.json", "w") as f:
        f.write('{"a": 1, "a": 2}')
    r = run("convert", "v1.joblib", "bad.frost", "--meta-file", "bad.json")
    check("--meta-file with a duplicate key refused", r.returncode != 0, said(r))

    # --- the seed's source checks ---------------------------------------------------------
    digest = hashlib.sha256(open("v2.joblib", "rb").read()).hexdigest()
    with open("model_hash.txt", "w") as f:
        f.write(digest)
    r = run("convert", "v2.joblib", "v2.frost", "--expect-sha256", "@model_hash.txt")
    check("--expect-sha256 @model_hash.txt (the seed's file) accepted", r.returncode == 0, said(r))
    r = run("convert", "v1.joblib", "x.frost", "--expect-sha256", digest)
    check("--expect-sha256 of another file refused before parsing, nothing written",
          r.returncode == 1 and "sha" in r.stderr.lower() and not os.path.exists("x.frost"),
          said(r))

    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with open("rsa.pem", "wb") as f:
        f.write(private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with open("other_rsa.pem", "wb") as f:
        f.write(other.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    with open("v3.joblib", "rb") as f:
        model_data = f.read()
    signature = private_key.sign(  # exactly as the seed signs
        model_data,
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.MAX_LENGTH),
        hashes.SHA256())
    with open("model.sig", "wb") as f:
        f.write(signature)
    r = run("convert", "v3.joblib", "v3.frost", "--source-sig", "model.sig",
            "--source-pub", "rsa.pem", "--meta", "model_id=iris-7")
    check("--source-sig (python3-cryptography RSA-PSS) accepted", r.returncode == 0, said(r))
    r = run("convert", "v3.joblib", "x.frost", "--source-sig", "model.sig",
            "--source-pub", "other_rsa.pem")
    check("--source-sig under another RSA key refused, nothing written",
          r.returncode == 1 and not os.path.exists("x.frost"), said(r))
    with open("v3_tampered.joblib", "wb") as f:
        f.write(model_data[:-1] + bytes([model_data[-1] ^ 1]))
    r = run("convert", "v3_tampered.joblib", "x.frost", "--source-sig", "model.sig",
            "--source-pub", "rsa.pem")
    check("--source-sig over a changed source refused",
          r.returncode == 1 and not os.path.exists("x.frost"), said(r))

    # --- keys, signing, verification ------------------------------------------------------
    r = run("keygen", "ops")
    mode = stat.S_IMODE(os.stat("ops.key").st_mode) if os.path.exists("ops.key") else None
    check("keygen writes NAME.key 0600 and NAME.pub", r.returncode == 0 and mode == 0o600
          and os.path.exists("ops.pub"), said(r))
    key_before = open("ops.key", "rb").read()
    r = run("keygen", "ops")
    check("keygen refuses to overwrite", r.returncode == 1
          and open("ops.key", "rb").read() == key_before, said(r))
    run("keygen", "intruder")
    before = run("predict", "v1.frost", "in.csv").stdout
    r = run("sign", "v1.frost", "--key", "ops.key")
    check("sign", r.returncode == 0, said(r))
    after = run("predict", "v1.frost", "in.csv").stdout
    check("signing changes no prediction", before == after and predictions(
        run("predict", "v1.frost", "in.csv")) == expected["v1"], before + after)
    r = run("verify", "v1.frost", "--pub", "ops.pub")
    check("verify --pub: signed by the key", r.returncode == 0, said(r))
    r = run("verify", "v1.frost", "--pub", "intruder.pub", "--pub", "ops.pub")
    check("verify: any one --pub may match", r.returncode == 0, said(r))
    r = run("verify", "v1.frost", "--pub", "intruder.pub")
    check("verify: another key's signature names the wrong key",
          r.returncode == 1 and "wrong key" in r.stderr, said(r))
    r = run("verify", "v2.frost", "--pub", "ops.pub")
    check("verify: unsigned named", r.returncode == 1 and "unsigned" in r.stderr, said(r))
    r = run("sign", "v1.frost", "--key", "ops.key")
    r2 = run("verify", "v1.frost", "--pub", "ops.pub")
    check("re-signing replaces the signature", r.returncode == 0 and r2.returncode == 0,
          said(r) + said(r2))
    data = bytearray(open("v1.frost", "rb").read())
    rng = random.Random(12)
    # v1 holds one small block at 4096 and zero padding up to the trailer (168 bytes) and the
    # footer (32)
    padding_at = len(data) - 32 - 168 - 1
    regions = {"header": rng.randrange(0, 4096), "block": 4096 + rng.randrange(0, 16),
               "trailer": len(data) - 32 - rng.randrange(1, 168), "footer": len(data) - 5}
    for where, off in regions.items():
        bad = bytearray(data)
        bad[off] ^= 0x10
        with open("tampered.frost", "wb") as f:
            f.write(bad)
        r = run("verify", "tampered.frost", "--pub", "ops.pub")
        r2 = run("predict", "tampered.frost", "in.csv",
                 env={"FROST_REQUIRE_SIGNATURE": "ops.pub"})
        check("a changed %s byte (offset %d) is found by verify and refused under a required key"
              % (where, off), r.returncode == 1 and r2.returncode == 1, said(r) + said(r2))
    bad = bytearray(data)
    check("v1.frost pads its block with zeros", bad[padding_at] == 0)
    bad[padding_at] = 1
    with open("tampered.frost", "wb") as f:
        f.write(bad)
    r = run("verify", "tampered.frost", "--pub", "ops.pub")
    check("a changed padding byte is found by verify", r.returncode == 1
          and "padding" in r.stderr, said(r))
    os.chmod("ops.key", 0o644)
    r = run("sign", "v2.frost", "--key", "ops.key")
    check("a private key readable by others is a clear error", r.returncode == 1
          and "ops.key" in r.stderr, said(r))
    os.chmod("ops.key", 0o600)
    with open("short.key", "wb") as f:
        f.write(key_before[:40])
    os.chmod("short.key", 0o600)
    r = run("sign", "v2.frost", "--key", "short.key")
    check("a truncated key file is a clear error", r.returncode == 1 and "short.key" in r.stderr,
          said(r))
    req = {"FROST_REQUIRE_SIGNATURE": "intruder.pub:ops.pub"}
    r = run("predict", "v2.frost", "in.csv", env=req)
    check("FROST_REQUIRE_SIGNATURE: an unsigned file is refused at open",
          r.returncode == 1 and "unsigned" in r.stderr, said(r))
    r = run("predict", "v1.frost", "in.csv", env=req)
    check("FROST_REQUIRE_SIGNATURE=a.pub:b.pub: a signed file opens",
          r.returncode == 0 and predictions(r) == expected["v1"], said(r))
    r = run("predict", "v1.frost", "in.csv", env={"FROST_REQUIRE_SIGNATURE": "intruder.pub"})
    check("FROST_REQUIRE_SIGNATURE: a foreign signature is refused",
          r.returncode == 1 and "wrong key" in r.stderr, said(r))
    r = run("predict", "v2.frost", "in.csv", env={"FROST_REQUIRE_SIGNATURE": ""})
    check("FROST_REQUIRE_SIGNATURE set but empty is an error, not 'no key required'",
          r.returncode == 2 and "names no key" in r.stderr, said(r))
    for k in ("v2", "v3"):
        run("sign", k + ".frost", "--key", "ops.key")

    # --- diff -----------------------------------------------------------------------------
    r = run("diff", "v1.frost", "v1.frost")
    check("diff of a model with itself: exit 0", r.returncode == 0, said(r))
    r = run("diff", "v1.frost", "v3.frost")
    check("diff names the changed estimator and metadata", r.returncode == 1
          and "LogisticRegression" in r.stdout and "metrics.accuracy" in r.stdout, said(r))
    r = run("diff", "--json", "v1.frost", "v3.frost")
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        doc = None
    check("diff --json is JSON", r.returncode == 1 and isinstance(doc, dict), said(r))

    diff_schema()

    # --- the registry ---------------------------------------------------------------------
    reg = "reg"
    r = run("registry", "push", reg, "iris", "v1.frost", "--alias", "production")
    check("registry push (first version, alias)", r.returncode == 0, said(r))
    r = run("registry", "push", reg, "iris", "v2.frost")
    check("registry push (second version)", r.returncode == 0, said(r))
    r = run("predict", reg + "/iris@production", "in.csv")
    check("predict ROOT/NAME@production", predictions(r) == expected["v1"], said(r))
    r = run("predict", reg + "/iris@latest", "in.csv")
    check("predict ROOT/NAME@latest is the newest", predictions(r) == expected["v2"], said(r))
    r = run("registry", "promote", reg, "iris", "2", "production")
    r2 = run("predict", reg + "/iris@production", "in.csv")
    check("promote moves the alias", r.returncode == 0 and predictions(r2) == expected["v2"],
          said(r) + said(r2))
    r = run("registry", "rollback", reg, "iris", "production")
    r2 = run("predict", reg + "/iris@production", "in.csv")
    check("rollback returns to the previous target",
          r.returncode == 0 and predictions(r2) == expected["v1"], said(r) + said(r2))
    r = run("predict", reg + "/iris@1", "in.csv")
    check("predict ROOT/NAME@VERSION", predictions(r) == expected["v1"], said(r))
    r = run("registry", "show", reg, "iris@production")
    check("show: metadata, digest and size", r.returncode == 0 and "iris-7" in r.stdout
          and hashlib.sha256(open("v1.frost", "rb").read()).hexdigest() in r.stdout, said(r))
    r = run("registry", "list", reg)
    check("list names the model", r.returncode == 0 and "iris" in r.stdout, said(r))
    r = run("predict", reg + "/iris@staging", "in.csv")
    check("an unknown alias is an error naming it", r.returncode == 1 and "staging" in r.stderr,
          said(r))
    r = run("predict", reg + "/iris@7", "in.csv")
    check("an unknown version is an error naming it", r.returncode == 1 and "7" in r.stderr,
          said(r))
    for name in ("../evil", "a/b", ".hidden", "x y"):
        r = run("registry", "push", reg, name, "v1.frost")
        check("model name %r refused" % name, r.returncode != 0
              and not os.path.exists(os.path.join(reg, name)), said(r))
    r = run("registry", "promote", reg, "iris", "1", "../../up")
    check("alias name with a path refused", r.returncode != 0, said(r))
    r = run("registry", "push", reg, "iris", "v3.frost", "--pub", "intruder.pub")
    check("push refuses a model not signed by a required key", r.returncode == 1, said(r))
    run("registry", "push", reg, "iris", "v3.frost")  # version 3
    r = run("registry", "gc", reg, "iris", "--keep", "1")
    r2 = run("predict", reg + "/iris@production", "in.csv")
    r3 = run("predict", reg + "/iris@latest", "in.csv")
    check("gc --keep 1 keeps the newest and every aliased version",
          r.returncode == 0 and predictions(r2) == expected["v1"]
          and predictions(r3) == expected["v3"], said(r) + said(r2) + said(r3))
    r = run("predict", reg + "/iris@production", "in.csv",
            env={"FROST_REQUIRE_SIGNATURE": "ops.pub"})
    check("a registry reference under FROST_REQUIRE_SIGNATURE", r.returncode == 0, said(r))


def diff_schema():
    """frost diff on the input schema: a column added, a category learned."""
    for name, colors, extra in (("p1", ["red", "green"], False),
                                ("p2", ["red", "green", "blue"], True)):
        n = 12
        df = pd.DataFrame({"color": [colors[i % len(colors)] for i in range(n)],
                           "size": [float(i) for i in range(n)]})
        if extra:
            df["weight"] = 1.0
        ct = make_column_transformer((OneHotEncoder(handle_unknown="ignore"), ["color"]),
                                     remainder="passthrough")
        model = make_pipeline(ct, LogisticRegression()).fit(df, [i % 2 for i in range(n)])
        joblib.dump(model, name + ".joblib")
        run("convert", name + ".joblib", name + ".frost")
    r = run("diff", "--json", "p1.frost", "p2.frost")
    try:
        schema = json.loads(r.stdout)["schema"]
    except (ValueError, KeyError):
        schema = {}
    check("diff --json: a column added and a learned category added",
          "weight" in schema.get("added", {}) and
          schema.get("changed", {}).get("color", {}).get("categories_added") == ["blue"],
          said(r))
    r = run("diff", "p1.frost", "p2.frost")
    check("diff names them readably", "weight" in r.stdout and "+blue" in r.stdout, said(r))


def stress():
    """Writers pushing and promoting while readers predict from NAME@prod; then SIGKILL."""
    expected = {}
    for k in ("v1", "v2", "v3"):
        expected[tuple(predictions(run("predict", k + ".frost", "in.csv")))] = k
    reg = os.path.abspath("stress")
    r = run("registry", "push", reg, "m", "v1.frost", "--alias", "prod")
    r2 = run("registry", "push", reg, "m", "v2.frost")
    r3 = run("registry", "push", reg, "m", "v3.frost")  # versions 1-3 exist: promote may name any
    check("stress: registry seeded", r.returncode == r2.returncode == r3.returncode == 0,
          said(r) + said(r2) + said(r3))
    env = dict(os.environ)
    env.pop("FROST_REQUIRE_SIGNATURE", None)
    writer = r"""
import random, subprocess, sys, time
frost, reg, stop, seed = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
rng = random.Random(seed)
bad = 0
while time.time() < stop:
    if rng.random() < 0.4:
        r = subprocess.run([frost, "registry", "push", reg, "m", rng.choice(["v1", "v2", "v3"]) + ".frost"],
                           capture_output=True, text=True, timeout=60)
    else:
        r = subprocess.run([frost, "registry", "promote", reg, "m", str(rng.randint(1, 3)), "prod"],
                           capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        bad += 1
        print(r.stderr.strip(), file=sys.stderr)
sys.exit(1 if bad else 0)
"""
    reader = r"""
import subprocess, sys, time
frost, ref, stop = sys.argv[1], sys.argv[2], float(sys.argv[3])
n = 0
while time.time() < stop:
    r = subprocess.run([frost, "predict", ref, "in.csv"], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        print("FAILED " + r.stderr.strip())
    else:
        print("|".join(r.stdout.splitlines()[1:]))
    n += 1
"""
    wall_stop = time.time() + STRESS_SECONDS
    procs = []
    for i in range(2):
        procs.append(subprocess.Popen([sys.executable, "-c", writer, FROST, reg, str(wall_stop),
                                       str(i)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True, env=env))
    readers = []
    for i in range(3):
        readers.append(subprocess.Popen([sys.executable, "-c", reader, FROST, reg + "/m@prod",
                                         str(wall_stop)], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, env=env))
    wrote_ok = True
    for p in procs:
        out, err = p.communicate(timeout=STRESS_SECONDS + 120)
        if p.returncode != 0:
            wrote_ok = False
            print("  writer: " + err.strip()[-600:])
    check("stress: concurrent pushes and promotions all succeed (writers wait for the lock)",
          wrote_ok)
    seen, bad, total = set(), [], 0
    for p in readers:
        out, _ = p.communicate(timeout=STRESS_SECONDS + 120)
        for line in out.splitlines():
            total += 1
            got = tuple(line.split("|"))
            if got in expected:
                seen.add(expected[got])
            else:
                bad.append(line)
    check("stress: %d predictions from m@prod while it moved, each one a pushed version's "
          "(versions seen: %s)" % (total, ",".join(sorted(seen))),
          total > 0 and not bad, "; ".join(bad[:3]))

    # SIGKILL a writer (push, promote, rollback, gc) at random points: every reference must
    # still resolve afterwards.
    rng = random.Random(2026)
    consistent = True
    killed = 0
    for i in range(KILLS):
        cmd = [FROST, "registry"] + [
            ["push", reg, "m", rng.choice(["v1", "v2", "v3"]) + ".frost", "--alias", "canary"],
            ["promote", reg, "m", "1", "prod"],
            ["rollback", reg, "m", "prod"],
            ["push", reg, "m", "v3.frost"],
            ["gc", reg, "m", "--keep", "2"]][i % 5]
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        time.sleep(rng.uniform(0, 0.008))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            killed += 1
        p.wait(timeout=60)
        refs = ["m@prod", "m@latest"]
        if os.path.exists(os.path.join(reg, "m", "aliases", "canary")):
            refs.append("m@canary")
        vdir = os.path.join(reg, "m", "versions")
        partial = [v for v in os.listdir(vdir) if v.isdigit() and sorted(
            os.listdir(os.path.join(vdir, v))) != ["info", "model.frost"]]
        if partial:
            consistent = False
            print("  after kill %d: partial versions %s" % (i, partial))
        listing = run("registry", "list", reg, "m")
        if listing.returncode != 0:
            consistent = False
            print("  after kill %d: list: %s" % (i, listing.stderr.strip()))
        for ref in refs:
            r = run("verify", reg + "/" + ref)
            if r.returncode != 0:
                consistent = False
                print("  after kill %d: %s: %s" % (i, ref, r.stderr.strip()))
    check("stress: %d writers killed with SIGKILL (%d mid-run) leave every reference resolvable"
          % (KILLS, killed), consistent)
    def leftovers():
        return [n for _, ds, fs in os.walk(reg) for n in fs + ds
                if n.startswith(".tmp-") or n.startswith("lock")]
    before = leftovers()
    r = run("registry", "push", reg, "m", "v2.frost", "--alias", "prod", "--wait", "10")
    r2 = run("predict", reg + "/m@prod", "in.csv")
    after = leftovers()
    check("stress: the next push works and clears what the killed writers left (%d names)"
          % len(before), r.returncode == 0 and expected.get(tuple(predictions(r2))) == "v2"
          and not after, said(r) + " left: %s" % after)


if __name__ == "__main__":
    sys.exit(main())
