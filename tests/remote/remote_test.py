"""frost over HTTP(S) and S3, against a real server on 127.0.0.1 (tests/pylib/range_server.py).

    /usr/bin/python3 tests/remote/remote_test.py --frost build/frost

What it holds: predictions over http://, https:// and s3:// are byte-identical to the local
file's; the first round trip is two ranged requests (the first 256 KiB and the last 32 bytes);
a one-row prediction of a 200-tree forest fetches well under a third of the file (counted by the
server); verify reads in large ranges; SigV4 is checked by the server with botocore's signer
(a wrong secret is 403 and frost says "access denied"); 503s, dropped connections (resumed from
the bytes received), slow answers, 404/403, a server ignoring Range and an object replaced
between requests each end as they must; credentials never appear in a message; the disk cache
serves a second process with no request; libfrost.so loaded by ctypes opens URLs, and loads
libcurl only then; frost.load and frost.dask.predict take URLs, and so does frost serve (the
model named by the URL's last segment); the static frost hands URLs to frost-remote and never
needs it for files.
Servers are threads of this process, on free ports, stopped at the end; every frost run has a
timeout. Prints one line per check, then "remote: N passed, M failed".
"""

import argparse
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pylib"))
from range_server import Fault, RangeServer  # noqa: E402

PY = "/usr/bin/python3"
CORPUS = os.path.join(os.environ.get("FROST_SHARED", os.path.join(HERE, "..", "..", "..",
                                                                   "shared")), "corpus")
MODELS = ["1_0_1-random_forest_clf-joblib_zlib_proto3.joblib",
          "1_1_3-pipeline_column_transformer-joblib_proto4.joblib",
          "1_2_1-logistic_regression-joblib_proto4.joblib",
          "1_2_2-random_forest_reg-joblib_zlib_proto4.pkl.z"]
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzEJr//////////wEaDMsessiontoken=="
KEY_ODD = "models/v 2/forêt+200 (copy).frost"

passed = failed = 0


def check(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   " + what)
    else:
        failed += 1
        print("FAIL " + what + (": " + detail if detail else ""))
    sys.stdout.flush()
    return ok


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "FROST_REMOTE", "FROST_CACHE", "FROST_CA"))}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run(cmd, env=None, timeout=60):
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, env=env or clean_env(), timeout=timeout)
    p.seconds = time.monotonic() - t0
    p.out, p.err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    return p


def make_forest(d):
    """A 200-tree forest whose files are large beside the blocks one row walks, and a forest of
    stumps whose header is larger than the first read."""
    code = r"""
import sys, joblib, numpy as np, pandas as pd
from sklearn.ensemble import RandomForestRegressor
rng = np.random.RandomState(0)
X = pd.DataFrame(rng.rand(3000, 8), columns=['f%d' % i for i in range(8)])
y = X.f0 * 3 + np.sin(X.f1 * 6) + rng.normal(0, 0.3, 3000)
m = RandomForestRegressor(n_estimators=200, max_features=0.5, random_state=0).fit(X, y)
joblib.dump(m, sys.argv[1] + '/forest.joblib')
X.head(1).to_csv(sys.argv[1] + '/row1.csv', index=False)
X.iloc[[7]].to_csv(sys.argv[1] + '/row7.csv', index=False)
X.head(2000).to_csv(sys.argv[1] + '/rows.csv', index=False)
# 7000 stumps: a header larger than the first read
from sklearn.ensemble import ExtraTreesRegressor
W = pd.DataFrame(rng.rand(50, 2), columns=['a', 'b'])
w = ExtraTreesRegressor(n_estimators=7000, max_depth=1, random_state=0).fit(W, W.a)
joblib.dump(w, sys.argv[1] + '/wide.joblib')
W.head(1).to_csv(sys.argv[1] + '/wide_row.csv', index=False)
"""
    subprocess.run([PY, "-c", code, d], check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frost", required=True)
    args = ap.parse_args()
    frost = os.path.abspath(args.frost)
    build = os.path.dirname(frost)
    tmp = tempfile.mkdtemp(prefix="frost-remote-")
    servers = []

    def overtime(*_):
        raise TimeoutError("the suite ran over 300 s")

    signal.signal(signal.SIGALRM, overtime)
    signal.alarm(300)
    try:
        suite(frost, build, tmp, servers)
    except Exception as e:  # noqa: BLE001 — reported as a failure, servers still stopped
        check(False, "the suite stopped", repr(e))
    finally:
        signal.alarm(0)
        for s in servers:
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("remote: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


def suite(frost, build, tmp, servers):
    www = os.path.join(tmp, "www")
    os.makedirs(www)
    inputs = {}
    for name in MODELS:
        base = name.split(".")[0]
        out = os.path.join(www, base + ".frost")
        subprocess.run([frost, "convert", "-q", os.path.join(CORPUS, name), out], check=True)
        inputs[base] = os.path.join(CORPUS, base + ".input.csv")
    make_forest(tmp)
    subprocess.run([frost, "convert", "-q", os.path.join(tmp, "forest.joblib"),
                    os.path.join(www, "forest.frost")], check=True)
    subprocess.run([frost, "convert", "-q", os.path.join(tmp, "wide.joblib"),
                    os.path.join(www, "wide.frost")], check=True)
    forest = os.path.join(www, "forest.frost")
    size = os.path.getsize(forest)
    small = os.path.join(www, MODELS[0].split(".")[0] + ".frost")
    shutil.copy(small, os.path.join(www, "small.frost"))

    srv = RangeServer(www).start()
    servers.append(srv)

    def local(model, csv, *opts):
        return run([frost, "predict", model, csv] + list(opts))

    # ---- predictions over http are the local file's, byte for byte
    for base, csv in inputs.items():
        for opts in ([], ["--proba"]):
            want = local(os.path.join(www, base + ".frost"), csv, *opts)
            got = run([frost, "predict", srv.url(base + ".frost"), csv] + opts)
            if want.returncode == 0 or got.returncode == 0:
                check(got.returncode == want.returncode and got.stdout == want.stdout,
                      "http predict %s %s = local" % (base, " ".join(opts)), got.err[-300:])
    want_rows = local(forest, os.path.join(tmp, "rows.csv")).stdout
    got = run([frost, "predict", srv.url("forest.frost"), os.path.join(tmp, "rows.csv"),
               "--threads", "2"])
    check(got.returncode == 0 and got.stdout == want_rows,
          "http predict 2000 rows of the forest on 2 threads = local", got.err[-300:])

    # ---- a required signature is checked over the URL as on a file (the trailer by a range)
    run([frost, "keygen", os.path.join(tmp, "ops")])
    shutil.copy(forest, os.path.join(www, "signed.frost"))
    run([frost, "sign", os.path.join(www, "signed.frost"), "--key", os.path.join(tmp, "ops.key")])
    need = clean_env(FROST_REQUIRE_SIGNATURE=os.path.join(tmp, "ops.pub"))
    got = run([frost, "predict", srv.url("signed.frost"), os.path.join(tmp, "rows.csv")],
              env=need)
    check(got.returncode == 0 and got.stdout == want_rows,
          "http predict of a signed model with its key required = local", got.err[-300:])
    got = run([frost, "predict", srv.url("forest.frost"), os.path.join(tmp, "rows.csv")],
              env=need)
    check(got.returncode == 1 and "unsigned" in got.err and not got.stdout,
          "http predict of an unsigned model with a key required is refused", got.err[-300:])
    got = run([frost, "verify", srv.url("signed.frost"), "--pub", os.path.join(tmp, "ops.pub")])
    check(got.returncode == 0 and "signed by required key" in got.out,
          "http verify --pub checks the signed digest of every byte", got.err[-300:] + got.out)
    os.unlink(os.path.join(www, "signed.frost"))

    # ---- the first round trip, and a one-row prediction's bytes
    srv.reset()
    got = run([frost, "predict", srv.url("forest.frost"), os.path.join(tmp, "row1.csv"),
               "--timing"])
    want = local(forest, os.path.join(tmp, "row1.csv"))
    check(got.returncode == 0 and got.stdout == want.stdout, "one row of the forest = local",
          got.err[-300:])
    log = srv.requests()
    first = sorted(r["range"] for r in log[:2])
    check(first == ["bytes=-32", "bytes=0-262143"],
          "open starts with bytes=0-262143 and bytes=-32", str(first))
    header_size = json.loads(run([frost, "inspect", "--json", forest]).out)["header_size"]
    check(header_size < 262144 and all(int(r["range"][6:].partition("-")[0] or 0) >= 262144
                                       for r in log[2:]),
          "the forest's %d-byte header and top levels come with the first read" % header_size,
          str([r["range"] for r in log[2:5]]))
    fetched = sum(r["bytes"] for r in log)
    check(fetched < size / 3, "one row of a 200-tree forest fetches %d of %d bytes (%.1f%%)"
          % (fetched, size, 100.0 * fetched / size))
    # the blocks a walk is likely to need next (those after a needed one in its tree's body)
    # come in its range: about one request per tree, not one per level of blocks (365 before)
    check(len(log) <= 2 + 1.1 * 200, "one row of a 200-tree forest takes %d requests" % len(log))
    check(all(r["if_match"] for r in log[2:]), "every request after the first two has If-Match")
    log_forest = log
    wide = os.path.join(www, "wide.frost")
    wide_row = os.path.join(tmp, "wide_row.csv")
    srv.reset()
    got_wide = run([frost, "predict", srv.url("wide.frost"), wide_row])
    wide_header = json.loads(run([frost, "inspect", "--json", wide]).out)["header_size"]
    log_wide = srv.requests()
    check(got_wide.returncode == 0 and got_wide.stdout == local(wide, wide_row).stdout and
          len(log_wide) > 2 and log_wide[2]["range"] == "bytes=262144-%d" % (wide_header - 1),
          "a %d-byte header takes one more request for its rest" % wide_header,
          str([r["range"] for r in log_wide[:4]]) + got_wide.err[-200:])
    log = log_forest
    check(all("," not in (r["range"] or "") for r in log), "one range per request")
    check("remote: %d requests" % len(log) in got.err, "--timing counts the requests",
          got.err.strip().splitlines()[-1] if got.err.strip() else "")

    # ---- what the first read brought (header and the blocks after it) is never asked again
    for base, csv in inputs.items():
        if os.path.getsize(os.path.join(www, base + ".frost")) <= 262144:
            continue  # read whole by the first request
        srv.reset()
        got = run([frost, "predict", srv.url(base + ".frost"), csv])
        again = [r["range"] for r in srv.requests()[2:]
                 if int(r["range"][6:].partition("-")[0] or 262144) < 262144]
        check(got.returncode == 0 and not again,
              "%s: no byte of the first 256 KiB is requested again" % base,
              str(again[:3]) + got.err[-200:])

    srv.reset()
    got = run([frost, "verify", srv.url("forest.frost")])
    log = srv.requests()
    biggest = max(int(r["range"].split("-")[1]) - int(r["range"][6:].split("-")[0]) + 1
                  for r in log[2:])
    # two passes in ranges of up to 8 MiB: the blocks (checksums, decoding), then the whole data
    # region in order (zero padding; the signed digest when there is a signature)
    check(got.returncode == 0 and "ok" in got.out and len(log) <= 3 + 2 * (size // (8 << 20) + 2),
          "verify reads everything in %d requests (largest range %d bytes)"
          % (len(log), biggest), got.err)

    want = run([frost, "inspect", "--json", forest])
    got = run([frost, "inspect", "--json", srv.url("forest.frost")])
    a, b = json.loads(want.out), json.loads(got.out)
    a.pop("path", None), b.pop("path", None)
    check(got.returncode == 0 and a == b, "inspect --json over http = local")

    # a model no larger than the first read is read once
    srv.reset()
    got = run([frost, "predict", srv.url("small.frost"), inputs[MODELS[0].split(".")[0]]])
    check(got.returncode == 0 and len(srv.requests()) == 2,
          "a %d-byte model takes its first two requests only" % os.path.getsize(small),
          "%d requests" % len(srv.requests()))

    faults(frost, srv, www, tmp, inputs, forest)
    s3(frost, tmp, www, inputs, servers)
    cache(frost, srv, www, tmp, forest)
    tls(frost, tmp, www, inputs, servers)
    library(frost, build, srv, tmp, forest)
    python_binding(build, srv, tmp, www, inputs)
    serve(frost, build, srv, tmp, www, inputs)
    twin(frost, build, srv, tmp, inputs)


def faults(frost, srv, www, tmp, inputs, forest):
    base = MODELS[0].split(".")[0]
    csv = inputs[base]
    want = run([frost, "predict", os.path.join(www, base + ".frost"), csv]).stdout
    big_csv = os.path.join(tmp, "row1.csv")
    want_big = run([frost, "predict", forest, big_csv]).stdout

    srv.reset()
    srv.faults.append(Fault("status", code=503, times=2, match="forest"))
    got = run([frost, "predict", srv.url("forest.frost"), big_csv, "--timing"])
    check(got.returncode == 0 and got.stdout == want_big and " 2 retries" in got.err
          and sum(r["status"] == 503 for r in srv.requests()) == 2,
          "two 503s are retried", got.err[-300:])

    srv.reset()
    srv.faults.append(Fault("status", code=503, times=100, match="forest"))
    got = run([frost, "predict", srv.url("forest.frost"), big_csv],
              env=clean_env(FROST_REMOTE_ATTEMPTS=3))
    check(got.returncode == 1 and "HTTP 503" in got.err and "gave up after 3 attempts" in got.err
          and not got.stdout, "503 on every attempt: an error after 3 attempts (%.1f s)"
          % got.seconds, got.err[-300:])

    # a connection dropped mid-body: the retry asks for the rest only
    srv.reset()
    srv.faults.append(Fault("drop", after=1000, skip=2, match="forest"))
    got = run([frost, "predict", srv.url("forest.frost"), big_csv])
    log = srv.requests()
    dropped = [r for r in log if r["bytes"] == 1000]
    resumed = dropped and [r for r in log if r["range"] == "bytes=%d-%s" % (
        int(dropped[0]["range"][6:].split("-")[0]) + 1000, dropped[0]["range"].split("-")[1])]
    check(got.returncode == 0 and got.stdout == want_big and bool(resumed),
          "a connection dropped after 1000 bytes is resumed from there",
          "%s %s" % ([r["range"] for r in log[:4]], got.err[-200:]))

    srv.reset()
    srv.faults.append(Fault("delay", seconds=0.5, times=3, match="forest"))
    got = run([frost, "predict", srv.url("forest.frost"), big_csv])
    check(got.returncode == 0 and got.stdout == want_big, "slow answers (0.5 s) are waited for")

    srv.reset()
    srv.faults.append(Fault("delay", seconds=4, times=10, match="forest"))
    got = run([frost, "predict", srv.url("forest.frost"), big_csv],
              env=clean_env(FROST_REMOTE_TIMEOUT="1"))
    check(got.returncode == 1 and "gave up" in got.err and got.seconds < 3.5,
          "an answer slower than FROST_REMOTE_TIMEOUT=1 fails in %.1f s" % got.seconds,
          got.err[-300:])

    got = run([frost, "predict", srv.url("forest.frost"), big_csv],
              env=clean_env(FROST_REMOTE_TIMEOUT="soon"))
    check(got.returncode == 1 and "FROST_REMOTE_TIMEOUT=soon" in got.err,
          "a malformed FROST_REMOTE_TIMEOUT is named", got.err[-200:])

    # the object replaced between the open and the reads after it
    shutil.copy(forest, os.path.join(www, "swap.frost"))
    srv.reset()
    with open(os.path.join(www, base + ".frost"), "rb") as f:
        srv.faults.append(Fault("replace", skip=2, match="swap", data=f.read()))
    got = run([frost, "predict", srv.url("swap.frost"), big_csv])
    check(got.returncode == 1 and "the object changed since it was opened" in got.err
          and got.out.strip() in ("", "prediction") and
          any(r["status"] == 412 for r in srv.requests()),
          "an object replaced after the open fails cleanly", got.out + got.err[-300:])

    got = run([frost, "predict", srv.url("missing.frost"), csv])
    check(got.returncode == 1 and "not found" in got.err and "missing.frost" in got.err,
          "404: not found, naming the URL", got.err)
    srv.faults.append(Fault("status", code=403, times=2, match="forest"))
    got = run([frost, "predict", srv.url("forest.frost"), big_csv])
    check(got.returncode == 1 and "access denied" in got.err, "403: access denied", got.err)
    srv.reset()

    url = srv.url("missing.frost").replace("http://", "http://alice:hunter2@")
    got = run([frost, "predict", url + "?X-Amz-Signature=feedc0de", csv])
    check(got.returncode == 1 and "hunter2" not in got.err and "alice" not in got.err and
          "feedc0de" not in got.err and "not found" in got.err,
          "no userinfo or query in messages", got.err)
    got = run([frost, "predict", srv.url(base + ".frost") + "?X-Amz-Signature=feedc0de", csv])
    check(got.returncode == 0 and got.stdout == want, "a presigned-style URL works as a URL")

    # a server that ignores Range
    srv.faults.append(Fault("ignore_range", times=100, match="forest"))
    got = run([frost, "predict", srv.url("forest.frost"), big_csv])
    check(got.returncode == 1 and "ignores Range" in got.err, "a big object from a server "
          "ignoring Range is refused", got.err)
    srv.reset()
    srv.faults.append(Fault("ignore_range", times=100, match="small"))
    got = run([frost, "predict", srv.url("small.frost"), csv])
    check(got.returncode == 0 and got.stdout == want,
          "a small object from a server ignoring Range is read whole", got.err)
    srv.reset()

    got = run([frost, "predict", srv.url("forest.frost"), big_csv, "--io", "uring"])
    check(got.returncode == 1 and "does not apply" in got.err, "--io uring with a URL is refused",
          got.err)
    got = run([frost, "predict", "http://127.0.0.1:1/x.frost", csv],
              env=clean_env(FROST_REMOTE_ATTEMPTS=2))
    check(got.returncode == 1 and "connect" in got.err.lower(), "a refused connection is an "
          "error after its attempts", got.err)


def s3(frost, tmp, www, inputs, servers):
    root = os.path.join(tmp, "s3")
    os.makedirs(os.path.join(root, "bucket-1", os.path.dirname(KEY_ODD)))
    for base in inputs:
        shutil.copy(os.path.join(www, base + ".frost"), os.path.join(root, "bucket-1",
                                                                      base + ".frost"))
    shutil.copy(os.path.join(www, "forest.frost"), os.path.join(root, "bucket-1", KEY_ODD))
    srv = RangeServer(root, s3_credentials={"AKIDFROSTTEST": (SECRET, None),
                                            "ASIAFROSTTEST": (SECRET, TOKEN)},
                      region="eu-west-3").start()
    servers.append(srv)
    endpoint = "http://127.0.0.1:%d" % srv.port
    env = clean_env(AWS_ACCESS_KEY_ID="AKIDFROSTTEST", AWS_SECRET_ACCESS_KEY=SECRET,
                    AWS_REGION="eu-west-3", AWS_ENDPOINT_URL_S3=endpoint)
    for base, csv in inputs.items():
        want = run([frost, "predict", os.path.join(www, base + ".frost"), csv])
        got = run([frost, "predict", "s3://bucket-1/%s.frost" % base, csv], env=env)
        check(got.returncode == want.returncode and got.stdout == want.stdout,
              "s3 predict %s = local (signatures verified by botocore)" % base, got.err[-300:])
    log = srv.requests()
    check(log and all(r["status"] in (200, 206) for r in log) and all(
        "SignedHeaders=host;" in r["headers"]["Authorization"] and
        "x-amz-content-sha256;x-amz-date" in r["headers"]["Authorization"] for r in log),
        "every S3 request signs host, x-amz-content-sha256 and x-amz-date")

    import botocore.utils
    srv.reset()
    row = os.path.join(tmp, "row1.csv")
    want = run([frost, "predict", os.path.join(www, "forest.frost"), row])
    got = run([frost, "predict", "s3://bucket-1/" + KEY_ODD, row], env=env)
    path = "/bucket-1/" + botocore.utils.percent_encode(KEY_ODD, safe="/~")
    check(got.returncode == 0 and got.stdout == want.stdout and
          all(r["path"] == path for r in srv.requests()),
          "a key with spaces, '+', '(' and UTF-8 is encoded as botocore encodes it",
          got.err[-300:] + str(srv.requests()[:1]))

    env_token = dict(env, AWS_ACCESS_KEY_ID="ASIAFROSTTEST", AWS_SESSION_TOKEN=TOKEN)
    got = run([frost, "predict", "s3://bucket-1/" + KEY_ODD, row], env=env_token)
    check(got.returncode == 0 and got.stdout == want.stdout, "a session token is sent and signed",
          got.err[-300:])

    env_default = dict(env)
    del env_default["AWS_ENDPOINT_URL_S3"]
    env_default.update(AWS_ENDPOINT_URL=endpoint, AWS_REGION="", AWS_DEFAULT_REGION="eu-west-3")
    got = run([frost, "predict", "s3://bucket-1/" + KEY_ODD, row], env=env_default)
    check(got.returncode == 0 and got.stdout == want.stdout,
          "AWS_ENDPOINT_URL and AWS_DEFAULT_REGION are used", got.err[-300:])

    got = run([frost, "predict", "s3://bucket-1/" + KEY_ODD, row],
              env=dict(env, AWS_SECRET_ACCESS_KEY="not-the-secret"))
    check(got.returncode == 1 and "access denied" in got.err and "SignatureDoesNotMatch" in got.err
          and "not-the-secret" not in got.err and SECRET not in got.err,
          "a wrong secret: 403, access denied, no secret in the message", got.err)
    got = run([frost, "predict", "s3://bucket-1/" + KEY_ODD, row],
              env=dict(env, AWS_REGION="us-east-1"))
    check(got.returncode == 1 and "access denied" in got.err, "the wrong region is refused",
          got.err)
    anon = dict(env)
    del anon["AWS_ACCESS_KEY_ID"], anon["AWS_SECRET_ACCESS_KEY"]
    got = run([frost, "predict", "s3://bucket-1/" + KEY_ODD, row], env=anon)
    check(got.returncode == 1 and "no AWS credentials" in got.err,
          "no credentials: unsigned, and the 403 says so", got.err)
    got = run([frost, "predict", "s3://bucket-1/nothing-here.frost", row], env=env)
    check(got.returncode == 1 and "not found" in got.err and "NoSuchKey" in got.err,
          "a missing key: not found (NoSuchKey)", got.err)
    got = run([frost, "predict", "s3://b/", row], env=env)
    check(got.returncode == 1 and "S3 bucket name" in got.err, "a malformed s3:// URL is named",
          got.err)


def cache(frost, srv, www, tmp, forest):
    cdir = os.path.join(tmp, "cache")
    env = clean_env(FROST_CACHE_DIR=cdir)
    row, row7, rows = (os.path.join(tmp, n) for n in ("row1.csv", "row7.csv", "rows.csv"))
    shutil.copy(forest, os.path.join(www, "cached.frost"))
    url = srv.url("cached.frost")
    want = run([frost, "predict", forest, row]).stdout
    srv.reset()
    first = run([frost, "predict", url, row], env=env)
    n_first = len(srv.requests())
    srv.reset()
    second = run([frost, "predict", url, row, "--timing"], env=env)
    check(first.returncode == 0 and second.returncode == 0 and first.stdout == want and
          second.stdout == want and n_first > 0 and len(srv.requests()) == 0 and
          "remote: 0 requests" in second.err,
          "a second process finds the model in FROST_CACHE_DIR: %d requests, then 0" % n_first,
          "%s %s %s" % (first.stdout == want, second.stdout == want, srv.requests()[:2]))
    # the blocks cached are those of row 1: one of them damaged
    blocks = sorted(glob.glob(os.path.join(cdir, "frost-cache-v1", "*", "*-*")))
    victim = blocks[len(blocks) // 2]
    with open(victim, "r+b") as f:
        f.seek(10)
        f.write(b"\xff\x00\xff")
    srv.reset()
    got = run([frost, "predict", url, row], env=env)
    with open(victim, "rb") as f:
        import xxhash
        repaired = xxhash.xxh3_64_intdigest(f.read()) == int(os.path.basename(victim)[:16], 16)
    check(got.returncode == 0 and got.stdout == want and len(srv.requests()) == 1 and repaired,
          "a damaged cached block is fetched again and repaired (%d request)"
          % len(srv.requests()))

    srv.reset()
    got = run([frost, "predict", url, row7], env=env)
    bytes7 = sum(r["bytes"] for r in srv.requests())
    check(got.returncode == 0 and got.stdout == run([frost, "predict", forest, row7]).stdout
          and 0 < len(srv.requests()) < n_first,
          "another row fetches only the blocks not cached (%d requests, %d bytes)"
          % (len(srv.requests()), bytes7))

    # The object replaced: what is cached is served as it was; a block still to fetch meets
    # If-Match, fails cleanly and drops the index, so the next open sees the new object.
    with open(os.path.join(www, MODELS[3].split(".")[0] + ".frost"), "rb") as f:
        new = f.read()
    with open(os.path.join(www, "cached.frost"), "wb") as f:
        f.write(new)
    srv.reset()
    got = run([frost, "predict", url, row], env=env)
    check(got.returncode == 0 and got.stdout == want and not srv.requests(),
          "a fully cached model is served from the cache without a request")
    got = run([frost, "predict", url, rows], env=env)
    check(got.returncode == 1 and "changed since it was opened" in got.err and
          got.out.strip() == "prediction",
          "blocks still to fetch of a replaced object: a clean failure, no prediction",
          got.err[-300:])
    base = MODELS[3].split(".")[0]
    csv = os.path.join(CORPUS, base + ".input.csv")
    got = run([frost, "predict", url, csv], env=env)
    check(got.returncode == 0 and got.stdout == run([frost, "predict", os.path.join(
        www, base + ".frost"), csv]).stdout, "the next open reads the new object", got.err[-300:])
    entries = glob.glob(os.path.join(cdir, "frost-cache-v1", "*", "*"))
    check(not [e for e in entries if ".tmp." in e], "no temporary file left in the cache")


def tls(frost, tmp, www, inputs, servers):
    if not shutil.which("openssl"):
        check(False, "https: the openssl command is needed to make a certificate")
        return
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                    "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    srv = RangeServer(www, tls=(cert, key)).start()
    servers.append(srv)
    base = MODELS[0].split(".")[0]
    csv = inputs[base]
    want = run([frost, "predict", os.path.join(www, base + ".frost"), csv]).stdout
    got = run([frost, "predict", srv.url(base + ".frost"), csv])
    check(got.returncode == 1 and "certificate" in got.err.lower() and got.seconds < 5,
          "https with an unknown CA is refused", got.err)
    got = run([frost, "predict", srv.url(base + ".frost"), csv],
              env=clean_env(FROST_CA_BUNDLE=cert))
    check(got.returncode == 0 and got.stdout == want, "https with FROST_CA_BUNDLE = local",
          got.err[-300:])


LIBRARY_PROBE = r"""
import ctypes, sys, threading
so, local, url, rows = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
lib = ctypes.CDLL(so)
lib.frost_open.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)]
lib.frost_errmsg.restype = ctypes.c_char_p
lib.frost_errmsg.argtypes = [ctypes.c_void_p]
lib.frost_predict.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_double), ctypes.c_size_t,
                              ctypes.POINTER(ctypes.c_double)]
lib.frost_close.argtypes = [ctypes.c_void_p]
def maps():
    text = open("/proc/self/maps").read()
    return "libcurl" in text, "libfrost_remote" in text
def opened(path):
    m = ctypes.c_void_p()
    if lib.frost_open(path.encode(), None, ctypes.byref(m)) != 0:
        sys.exit("open %s: %s" % (path, lib.frost_errmsg(None).decode()))
    return m
def predict(m, row):
    x = (ctypes.c_double * len(row))(*row)
    y = ctypes.c_double()
    if lib.frost_predict(m, x, 1, ctypes.byref(y)) != 0:
        raise RuntimeError(lib.frost_errmsg(m).decode())
    return y.value
rows = [[float(v) for v in r.split(",")] for r in rows]
m = opened(local)
want = [predict(m, r) for r in rows]
print("local", *maps())
r = opened(url)
got = [None] * len(rows)
def work(i):
    got[i] = predict(r, rows[i])
threads = [threading.Thread(target=work, args=(i,)) for i in range(len(rows))]
[t.start() for t in threads]
[t.join() for t in threads]
print("url", *maps())
print("same", got == want)
"""


def library(frost, build, srv, tmp, forest):
    so = os.path.join(build, "libfrost.so")
    ldd = run(["ldd", so]).out
    check("libcurl" not in ldd, "libfrost.so does not link libcurl")
    with open(os.path.join(tmp, "rows.csv")) as f:
        rows = f.read().splitlines()[1:9]
    got = run([PY, "-c", LIBRARY_PROBE, so, forest, srv.url("forest.frost")] + rows)
    lines = got.out.splitlines()
    check(got.returncode == 0 and "local False False" in lines,
          "a process on libfrost.so that opens files maps neither libcurl nor the plugin",
          got.out + got.err[-300:])
    check("url True True" in lines, "opening a URL loads libfrost_remote.so and libcurl",
          got.out)
    check("same True" in lines, "ctypes on libfrost.so: 8 threads predict from one URL = local",
          got.out + got.err[-300:])


PYTHON_PROBE = r"""
import json, logging, os, sys
import numpy as np, pandas as pd
import frost, frost.dask
url_of, www, rows_csv, clf, clf_csv = sys.argv[1:]
out = {}
X = pd.read_csv(rows_csv)
with frost.load(os.path.join(www, "forest.frost")) as a, frost.load(url_of % "forest") as b:
    out["forest"] = bool(np.array_equal(a.predict(X), b.predict(X)))
    out["stats"] = b.stats()
    out["repr"] = repr(b)
C = pd.read_csv(clf_csv)
with frost.load(os.path.join(www, clf + ".frost")) as a, frost.load(url_of % clf) as b:
    out["proba"] = bool(np.array_equal(a.predict_proba(C), b.predict_proba(C)) and
                        np.array_equal(a.predict(C), b.predict(C)))
try:
    frost.load((url_of % "missing").replace("http://", "http://alice:hunter2@") + "?sig=feed")
    out["missing"] = "opened"
except frost.ModelNotFound as e:
    out["missing"] = "ModelNotFound " + str(e)
try:
    frost.load("http://127.0.0.1:1/m.frost")
    out["refused"] = "opened"
except frost.FrostError as e:
    out["refused"] = type(e).__name__ + " " + str(e)
import dask.dataframe as dd, distributed
cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True,
                                   host="127.0.0.1", dashboard_address=None,
                                   silence_logs=logging.ERROR, death_timeout=30)
client = distributed.Client(cluster, timeout=30)
try:
    ddf = dd.from_pandas(X, npartitions=4)
    got = frost.dask.predict(ddf, url_of % "forest").compute()
    with frost.load(os.path.join(www, "forest.frost")) as a:
        want = a.predict(X)
    out["dask"] = bool(np.array_equal(got.to_numpy(), want) and got.index.equals(X.index))
    out["dask_opens"] = client.run(lambda: dict(frost.dask.opened()))
finally:
    client.close(timeout=10)
    cluster.close(timeout=10)
print(json.dumps(out, default=str))
"""


def python_binding(build, srv, tmp, www, inputs):
    """frost.load and frost.dask.predict take a URL: the package's libfrost.so finds
    libfrost_remote.so beside it (the install stage holds the installed layout)."""
    base = MODELS[0].split(".")[0]
    env = clean_env(PYTHONPATH=os.path.join(HERE, "..", "..", "tools", "python"),
                    FROST_LIBRARY_PATH=build)
    env.pop("FROST_REMOTE_PLUGIN", None)
    srv.reset()
    got = run([PY, "-c", PYTHON_PROBE, srv.url("") + "%s.frost", www,
               os.path.join(tmp, "rows.csv"), base, inputs[base]], env=env, timeout=120)
    try:
        out = json.loads(got.out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        check(False, "python: the probe ran", got.out[-300:] + got.err[-600:])
        return
    check(out.get("forest") is True, "python: frost.load(URL).predict of 2000 rows = local")
    stats = out.get("stats") or {}
    check(stats.get("remote_requests", 0) > 2 and stats.get("remote_bytes", 0) > 0,
          "python: Model.stats() counts the requests (%s) and bytes (%s)"
          % (stats.get("remote_requests"), stats.get("remote_bytes")))
    check(out.get("proba") is True, "python: predict and predict_proba over a URL = local")
    check("forest.frost" in out.get("repr", "") and "127.0.0.1" in out.get("repr", ""),
          "python: repr names the URL", out.get("repr", ""))
    missing = out.get("missing", "")
    check(missing.startswith("ModelNotFound") and "not found" in missing and
          "hunter2" not in missing and "feed" not in missing,
          "python: a 404 is ModelNotFound, with no credential in it", missing)
    refused = out.get("refused", "")
    check(not refused.startswith(("ModelNotFound", "opened")) and "connect" in refused.lower(),
          "python: a refused connection is a FrostError, not ModelNotFound", refused)
    opens = out.get("dask_opens") or {}
    check(out.get("dask") is True and list(opens.values()) == [{srv.url("forest.frost"): 1}],
          "python: frost.dask.predict(ddf, URL) on a worker process = local, opened once",
          str(opens) + got.err[-300:])


def serve(frost, build, srv, tmp, www, inputs):
    """frost serve URL: frost-serve (dynamic libc) loads the plugin through its RUNPATH; the
    model's name is the URL's last segment without .frost; a presigned query is no part of it."""
    base = MODELS[0].split(".")[0]
    env = clean_env()
    env.pop("FROST_REMOTE_PLUGIN", None)
    url = srv.url(base + ".frost").replace("http://", "http://bob:s3cret@") + "?X-Sig=beef"
    srv.reset()
    p = subprocess.Popen([frost, "serve", url, srv.url("forest.frost"), "--port", "0",
                          "--threads", "2"], stderr=subprocess.PIPE, env=env)
    try:
        line = p.stderr.readline().decode()
        if not check("listening on http://" in line, "serve: frost serve URL listens", line):
            return
        addr = line.split("listening on ")[1].strip()
        import urllib.request

        def ask(path, body=None, ctype="text/csv"):
            req = urllib.request.Request(addr + path, data=body,
                                         headers={"Content-Type": ctype} if body else {})
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    return r.status, r.read().decode()
            except urllib.error.HTTPError as e:
                return e.code, e.read().decode()

        status, body = ask("/v2/health/ready")
        deadline = time.monotonic() + 30
        while status != 200 and time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.05)
            status, body = ask("/v2/health/ready")
        check(status == 200, "serve: both URLs open (ready)", body)
        status, meta = ask("/v2/models/" + base)
        check(status == 200 and json.loads(meta).get("name") == base,
              "serve: a URL's model is named by its last segment without .frost or query",
              meta[:200])
        with open(inputs[base], "rb") as f:
            csv = f.read()
        want = run([frost, "predict", os.path.join(www, base + ".frost"), inputs[base]]).stdout
        status, body = ask("/v2/models/%s/predict" % base, csv)
        check(status == 200 and body.encode() == want, "serve: CSV predictions over a URL = "
              "frost predict on the file", body[:200])
        with open(os.path.join(tmp, "row1.csv"), "rb") as f:
            row = f.read()
        want = run([frost, "predict", os.path.join(www, "forest.frost"),
                    os.path.join(tmp, "row1.csv")]).stdout
        status, body = ask("/v2/models/forest/predict", row)
        check(status == 200 and body.encode() == want, "serve: one row of the forest = local",
              body[:200])
        fetched = sum(r["bytes"] for r in srv.requests("/forest.frost"))
        size = os.path.getsize(os.path.join(www, "forest.frost"))
        check(0 < fetched < size / 3, "serve: one row of the forest fetches %d of %d bytes"
              % (fetched, size))
    finally:
        p.terminate()
        try:
            _, err = p.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            _, err = p.communicate()
    err = err.decode(errors="replace")
    check("s3cret" not in err and "beef" not in err, "serve: no credential in its log", err)
    got = run([frost, "serve", "http://127.0.0.1:1/gone.frost", "--port", "0"],
              env=dict(env, FROST_REMOTE_ATTEMPTS="1"))
    check(got.returncode == 1 and "Failed to connect" in got.err and
          "needs libfrost_remote" not in got.err,
          "serve: an unreachable URL fails at start, after the plugin loaded", got.err[-300:])


def twin(frost, build, srv, tmp, inputs):
    solo = os.path.join(tmp, "solo")
    os.makedirs(solo)
    shutil.copy(frost, solo)
    base = MODELS[0].split(".")[0]
    csv = inputs[base]
    model = os.path.join(tmp, "www", base + ".frost")
    want = run([frost, "predict", model, csv])
    got = run([os.path.join(solo, "frost"), "predict", model, csv])
    check(got.returncode == 0 and got.stdout == want.stdout,
          "the static frost reads files without frost-remote beside it")
    got = run([os.path.join(solo, "frost"), "predict", srv.url(base + ".frost"), csv])
    check(got.returncode == 1 and "frost-remote" in got.err,
          "without frost-remote a URL is a clear error", got.err)
    ldd = run(["ldd", frost]).out + run(["ldd", frost]).err
    check("not a dynamic executable" in ldd or "statically linked" in ldd,
          "build/frost is still a static executable")


if __name__ == "__main__":
    sys.exit(main())
