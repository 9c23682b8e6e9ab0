#!/usr/bin/python3
"""serve_test.py — `frost serve` with real clients on 127.0.0.1, against the real scikit-learn.

Fits with Debian's scikit-learn (fixed seeds) a Pipeline over a DataFrame with string columns
(imputers, a scaler, OneHotEncoder(handle_unknown='ignore'), RandomForestClassifier with string
labels), an unnamed RandomForestRegressor, an unnamed GradientBoostingClassifier with integer
labels, a LinearSVC (no predict_proba) and a DecisionTreeClassifier with boolean labels; converts
them with `frost convert`, serves them with `frost serve --port 0`, and checks:

  - the listening line, health, readiness and model metadata (columns and datatypes, classes);
  - /infer and /predict (JSON rows, and text/csv byte for byte against `frost predict`) against
    predict / predict_proba on rows with missing values and unseen categories, in every input
    datatype and both tensor data forms (flat and nested);
  - every error: malformed JSON, NaN, wrong types, data shorter than its shape, absurd shapes,
    unknown datatypes, invalid UTF-8, missing columns (400 naming the field or column); unknown
    model or path (404); wrong method (405); bodies over --max-body (413, with and without
    Content-Length); too many connections (503); a stalled client is cut off after --timeout;
    the server still answers after all of them;
  - 200 concurrent requests from 16 client threads, every answer correct; /metrics counts them;
  - what README shows, with curl;
  - hot reload: the served file replaced (renamed over) every 200 ms while 4 clients send:
    no failed request, every answer entirely one version's, both versions seen, and replaced
    versions closed;
  - registry references: ROOT/NAME@ALIAS served as NAME with the registry version as its
    model_version; `frost registry promote` and `rollback` every 200 ms while 4 clients send:
    no failed request, every answer one version's and its model_version saying which, the last
    move served within a second; NAME@latest follows a push; a removed alias is reported;
  - signatures: --require-signature (repeatable) and FROST_REQUIRE_SIGNATURE refuse unsigned
    and foreign-signed models at start; a promote to an unsigned version is reported and the
    signed version keeps serving;
  - SIGTERM while a request's body is half sent: no new connection is accepted, the request is
    answered, exit status 0; SIGTERM while 16 clients send large requests to a model whose trees
    are still loading: every answer whole and right, those being scored finish, exit status 0;
  - start-up failures (missing, damaged file; a saved transformer) exit 1 naming the file.

    /usr/bin/python3 tests/serve/serve_test.py [--frost build/frost] [--keep DIR]

Prints one line per check ("ok   ...", "FAIL ...") and ends with exactly
"serve: N passed, M failed"; exits 1 on any failure. Every server is stopped on exit; every wait
is bounded.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from frost_numbers import close, label_text  # noqa: E402

import joblib  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.ensemble import (GradientBoostingClassifier, RandomForestClassifier,  # noqa: E402
                              RandomForestRegressor)
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402

PASSED = 0
FAILED = 0
SERVERS = []


def emit(ok, name, detail=""):
    global PASSED, FAILED
    if ok:
        PASSED += 1
    else:
        FAILED += 1
    print(("ok   " if ok else "FAIL ") + name + (f": {detail}" if detail and not ok else ""),
          flush=True)
    return ok


# ---- servers -------------------------------------------------------------------------------

class Server:
    """frost serve on 127.0.0.1, a free port; stopped at exit whatever happens."""

    def __init__(self, frost, models, *extra, expect_fail=False, sigint_ignored=False,
                 env=None):
        self.err_path = tempfile.mktemp(prefix="frost-serve-", suffix=".log")
        self.err = open(self.err_path, "w+b")
        self.frost = frost
        # sigint_ignored: started as a shell starts a background job
        pre = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if sigint_ignored else None
        self.p = subprocess.Popen([frost, "serve", *models, "--port", "0", *extra],
                                  stdout=subprocess.DEVNULL, stderr=self.err, preexec_fn=pre,
                                  env=env)
        SERVERS.append(self)
        self.port = None
        if expect_fail:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.port is None:
            m = re.search(rb"frost serve: listening on http://127\.0\.0\.1:(\d+)\n",
                          self.stderr_bytes())
            if m:
                self.port = int(m.group(1))
            elif self.p.poll() is not None:
                break
            else:
                time.sleep(0.005)

    def stderr_bytes(self):
        with open(self.err_path, "rb") as f:
            return f.read()

    def conn(self, timeout=10):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=20):
        c = self.conn(timeout)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
                headers = {"Content-Type": "application/json", **(headers or {})}
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, dict(r.getheaders()), data
        finally:
            c.close()

    def json(self, method, path, body=None, headers=None):
        st, hd, data = self.request(method, path, body, headers)
        try:
            return st, json.loads(data)
        except ValueError:
            return st, {"_raw": data.decode("utf-8", "replace")}

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.p.poll() is None:
            self.p.send_signal(sig)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        return self.p.returncode


def stop_all():
    for s in SERVERS:
        if s.p.poll() is None:
            s.p.kill()
            s.p.wait()
        try:
            os.unlink(s.err_path)
        except OSError:
            pass


# ---- models --------------------------------------------------------------------------------

COLORS = ["red", "green", "blue", "black, or \"white\""]
CITIES = ["Zürich", "Oslo", "Lima", "Pune"]


def frame(n, seed, unseen=False):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "age": rng.normal(40, 12, n).round(1),
        "income": rng.normal(52000, 15000, n).round(0),
        "color": rng.choice(COLORS + (["purple", "teal"] if unseen else []), n).astype(object),
        "city": rng.choice(CITIES + (["Nowhere"] if unseen else []), n).astype(object),
        "score": rng.uniform(0, 1, n),
    })
    df.loc[rng.random(n) < 0.1, "age"] = np.nan
    df.loc[rng.random(n) < 0.1, "city"] = np.nan
    if unseen:
        df.loc[rng.random(n) < 0.05, "color"] = np.nan
    return df


def fit_models(tmp, frost):
    train = frame(600, 0)
    y = np.where((train.color == "red") | (train.age.fillna(40) > 47) | (train.score > 0.8),
                 "churn", "stay")
    cat = Pipeline([("imp", SimpleImputer(strategy="constant", fill_value="?")),
                    ("ohe", OneHotEncoder(handle_unknown="ignore"))])
    num = Pipeline([("imp", SimpleImputer(strategy="median")), ("sc", StandardScaler())])
    pipe = Pipeline([("pre", ColumnTransformer([("num", num, ["age", "income", "score"]),
                                                ("cat", cat, ["color", "city"])])),
                     ("rf", RandomForestClassifier(n_estimators=30, max_depth=8,
                                                   random_state=0))]).fit(train, y)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(500, 6))
    yr = X @ np.array([1.5, -2.0, 0.5, 3.0, 0.0, 1.0]) + rng.normal(size=500)
    reg = RandomForestRegressor(n_estimators=20, max_depth=8, random_state=0).fit(X, yr)
    reg2 = RandomForestRegressor(n_estimators=20, max_depth=8, random_state=7).fit(X, -yr)
    yc = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5).astype(int)
    gbc = GradientBoostingClassifier(n_estimators=20, max_depth=2, random_state=0).fit(X, yc)
    # a classifier without predict_proba, and one whose labels are booleans
    svc = LinearSVC(random_state=0).fit(X, np.where(X[:, 2] > 0, 4, 1))
    flag = DecisionTreeClassifier(max_depth=4, random_state=0).fit(X, X[:, 3] > 0.2)
    models = {}
    for name, est in [("churn", pipe), ("reg", reg), ("reg_b", reg2), ("gbc", gbc),
                      ("svc", svc), ("flag", flag)]:
        jl = os.path.join(tmp, name + ".joblib")
        joblib.dump(est, jl)
        out = os.path.join(tmp, name + ".frost")
        subprocess.run([frost, "convert", jl, out], check=True, capture_output=True)
        models[name] = (est, out)
    # a saved transformer, which serve must refuse
    jl = os.path.join(tmp, "scaler.joblib")
    joblib.dump(StandardScaler().fit(X), jl)
    subprocess.run([frost, "convert", jl, os.path.join(tmp, "scaler.frost")], check=True,
                   capture_output=True)
    return models


# ---- request builders ----------------------------------------------------------------------

def jval(v):
    if isinstance(v, float) and np.isnan(v):
        return None
    if isinstance(v, (np.floating,)):
        return None if np.isnan(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    return v


def infer_body(df, types=None, outputs=None, rid=None):
    types = types or {}
    inputs = []
    for c in df.columns:
        dt = types.get(c, "BYTES" if df[c].dtype == object else "FP64")
        data = [jval(v) for v in df[c].tolist()]
        if dt == "INT64":
            data = [None if v is None else int(v) for v in data]
        if dt == "BOOL":
            data = [None if v is None else bool(v) for v in data]
        inputs.append({"name": c, "shape": [len(df)], "datatype": dt, "data": data})
    body = {"inputs": inputs}
    if outputs is not None:
        body["outputs"] = [{"name": o} for o in outputs]
    if rid is not None:
        body["id"] = rid
    return body


def matrix_body(X, nested=False):
    data = [[float(v) for v in row] for row in X] if nested else \
        [float(v) for v in np.asarray(X).ravel()]
    return {"inputs": [{"name": "input", "shape": list(np.shape(X)), "datatype": "FP64",
                        "data": data}]}


def outputs_of(resp):
    return {o["name"]: o for o in resp.get("outputs", [])}


def same_labels(got, exp):
    return len(got) == len(exp) and all(label_text(g) == label_text(e) if isinstance(g, str)
                                        else g == e for g, e in zip(got, exp))


def same_numbers(got, exp):
    exp = list(np.asarray(exp, dtype=float).ravel())
    return len(got) == len(exp) and all(g is not None and close(float(g), float(e))
                                        for g, e in zip(got, exp))


# ---- the checks ----------------------------------------------------------------------------

def check_basics(S, models):
    st, j = S.json("GET", "/v2/health/live")
    emit(st == 200 and j.get("live") is True, "GET /v2/health/live", f"{st} {j}")
    st, j = S.json("GET", "/v2/health/ready")
    emit(st == 200 and j.get("ready") is True, "GET /v2/health/ready", f"{st} {j}")
    st, j = S.json("GET", "/v2")
    emit(st == 200 and j.get("name") == "frost", "GET /v2 (server metadata)", f"{st} {j}")
    for name in ["churn", "reg", "gbc"]:
        st, j = S.json("GET", f"/v2/models/{name}/ready")
        emit(st == 200 and j == {"name": name, "ready": True}, f"GET /v2/models/{name}/ready",
             f"{st} {j}")
    st, j = S.json("GET", "/v2/models/churn")
    ver = (j.get("versions") or ["?"])[0]
    st, j = S.json("GET", f"/v2/models/churn/versions/{ver}/ready")
    emit(st == 200 and j == {"name": "churn", "ready": True},
         "GET /v2/models/churn/versions/V/ready for the version served", f"{ver} {st} {j}")
    pipe = models["churn"][0]
    st, j = S.json("GET", "/v2/models/churn")
    want_inputs = [{"name": c, "datatype": "BYTES" if c in ("color", "city") else "FP64",
                    "shape": [-1]} for c in pipe.feature_names_in_]
    ok = (st == 200 and j.get("name") == "churn" and j.get("platform") == "frost" and
          j.get("inputs") == want_inputs and
          j.get("parameters", {}).get("classes") == [str(c) for c in pipe.classes_] and
          [o["name"] for o in j.get("outputs", [])] == ["label", "probabilities"] and
          j["outputs"][0]["datatype"] == "BYTES" and j["outputs"][1]["shape"] == [-1, 2] and
          isinstance(j.get("versions"), list))
    emit(ok, "GET /v2/models/churn: columns (BYTES for strings), classes, outputs", f"{st} {j}")
    st, j = S.json("GET", "/v2/models/reg")
    ok = (st == 200 and j.get("inputs") == [{"name": "input", "datatype": "FP64",
                                             "shape": [-1, 6]}] and
          j.get("outputs") == [{"name": "label", "datatype": "FP64", "shape": [-1]}] and
          "parameters" not in j)
    emit(ok, "GET /v2/models/reg: one input [-1, F], label FP64, no classes", f"{st} {j}")
    st, j = S.json("GET", "/v2/models/gbc")
    ok = (st == 200 and j["outputs"][0]["datatype"] == "INT64" and
          j.get("parameters", {}).get("classes") == [0, 1, 2])
    emit(ok, "GET /v2/models/gbc: integer labels as INT64, classes as numbers", f"{st} {j}")


def check_parity(S, models, tmp, frost):
    pipe = models["churn"][0]
    df = frame(150, 5, unseen=True)
    X = df[list(pipe.feature_names_in_)]
    exp_lab = list(pipe.predict(X))
    exp_p = pipe.predict_proba(X)
    st, j = S.json("POST", "/v2/models/churn/infer", infer_body(df, rid="req-7"))
    o = outputs_of(j)
    ok = (st == 200 and j.get("model_name") == "churn" and j.get("id") == "req-7" and
          set(o) == {"label", "probabilities"} and o["label"]["shape"] == [150] and
          o["label"]["datatype"] == "BYTES" and same_labels(o["label"]["data"], exp_lab) and
          o["probabilities"]["shape"] == [150, 2] and
          same_numbers(o["probabilities"]["data"], exp_p))
    emit(ok, "/infer churn (string columns, NaN, unseen categories) = predict, predict_proba",
         f"{st} {str(j)[:300]}")
    # shuffled inputs, an extra input, and one output asked for
    cols = list(df.columns)[::-1]
    body = infer_body(df[cols].assign(extra=1.0), outputs=["probabilities"])
    st, j = S.json("POST", "/v2/models/churn/infer", body)
    o = outputs_of(j)
    emit(st == 200 and set(o) == {"probabilities"} and
         same_numbers(o["probabilities"]["data"], exp_p),
         "/infer churn: inputs in any order, extra input ignored, outputs=[probabilities] only",
         f"{st} {str(j)[:300]}")
    st, j = S.json("POST", "/v2/models/churn/infer", infer_body(df, outputs=["label"]))
    o = outputs_of(j)
    emit(st == 200 and set(o) == {"label"} and same_labels(o["label"]["data"], exp_lab),
         "/infer churn: outputs=[label] only", f"{st} {str(j)[:200]}")
    # other datatypes: INT64 income, FP32 score, BOOL age (1/0)
    d2 = df.copy()
    d2["income"] = d2["income"].round(0)
    d2["age"] = (d2["age"] > 40).astype(float).where(d2["age"].notna())
    X2 = d2[list(pipe.feature_names_in_)].copy()
    X2["score"] = X2["score"].astype(np.float32).astype(np.float64)
    st, j = S.json("POST", "/v2/models/churn/infer",
                   infer_body(d2, types={"income": "INT64", "score": "FP32", "age": "BOOL"}))
    o = outputs_of(j)
    emit(st == 200 and same_labels(o.get("label", {}).get("data", []), list(pipe.predict(X2)))
         and same_numbers(o["probabilities"]["data"], pipe.predict_proba(X2)),
         "/infer churn: INT64, FP32 (rounded as numpy does) and BOOL columns",
         f"{st} {str(j)[:300]}")
    # /predict, JSON rows: a key absent from a row is missing
    rows = []
    for rec in df.to_dict("records"):
        rows.append({k: jval(v) for k, v in rec.items() if jval(v) is not None})
    st, j = S.json("POST", "/v2/models/churn/predict", {"rows": rows})
    emit(st == 200 and same_labels(j.get("predictions", []), exp_lab) and
         same_numbers([v for r in j.get("probabilities", []) for v in r], exp_p) and
         j.get("classes") == [str(c) for c in pipe.classes_],
         "/predict churn JSON rows (absent keys missing) = predict, predict_proba, classes",
         f"{st} {str(j)[:300]}")
    # /predict, text/csv: byte for byte what frost predict prints
    csv_path = os.path.join(tmp, "churn_rows.csv")
    df.to_csv(csv_path, index=False)
    body = open(csv_path, "rb").read()
    for q, flag in [("", []), ("?proba=1", ["--proba"])]:
        want = subprocess.run([frost, "predict", models["churn"][1], csv_path, *flag],
                              capture_output=True).stdout
        st, hd, got = S.request("POST", "/v2/models/churn/predict" + q, body,
                                {"Content-Type": "text/csv"})
        emit(st == 200 and got == want and hd.get("Content-Type", "").startswith("text/csv"),
             f"/predict churn text/csv{q} = frost predict{' --proba' if flag else ''}, byte for "
             "byte", f"{st} {got[:120]!r} vs {want[:120]!r}")
    # the unnamed regressor
    reg = models["reg"][0]
    Xr = np.random.default_rng(9).normal(size=(64, 6))
    Xr[3, 2] = 1e6
    exp = reg.predict(Xr)
    for nested in (False, True):
        st, j = S.json("POST", "/v2/models/reg/infer", matrix_body(Xr, nested))
        o = outputs_of(j)
        emit(st == 200 and set(o) == {"label"} and o["label"]["datatype"] == "FP64" and
             o["label"]["shape"] == [64] and same_numbers(o["label"]["data"], exp),
             f"/infer reg (unnamed, [N, F] {'nested' if nested else 'flat'}) = predict",
             f"{st} {str(j)[:300]}")
    st, j = S.json("POST", "/v2/models/reg/predict", {"rows": Xr.tolist()})
    emit(st == 200 and same_numbers(j.get("predictions", []), exp) and "classes" not in j,
         "/predict reg (array rows) = predict", f"{st} {str(j)[:300]}")
    csv_path = os.path.join(tmp, "reg_rows.csv")
    pd.DataFrame(Xr, columns=[f"x{i}" for i in range(6)]).to_csv(csv_path, index=False)
    want = subprocess.run([frost, "predict", models["reg"][1], csv_path],
                          capture_output=True).stdout
    st, hd, got = S.request("POST", "/v2/models/reg/predict", open(csv_path, "rb").read(),
                            {"Content-Type": "text/csv"})
    emit(st == 200 and got == want, "/predict reg text/csv = frost predict, byte for byte",
         f"{st} {got[:100]!r}")
    gbc = models["gbc"][0]
    st, j = S.json("POST", "/v2/models/gbc/infer", matrix_body(Xr))
    o = outputs_of(j)
    emit(st == 200 and o["label"]["datatype"] == "INT64" and
         o["label"]["data"] == [int(v) for v in gbc.predict(Xr)] and
         same_numbers(o["probabilities"]["data"], gbc.predict_proba(Xr)),
         "/infer gbc: integer labels as JSON integers, probabilities", f"{st} {str(j)[:300]}")
    svc = models["svc"][0]
    st, j = S.json("POST", "/v2/models/svc/infer", matrix_body(Xr))
    o = outputs_of(j)
    st2, meta = S.json("GET", "/v2/models/svc")
    emit(st == 200 and set(o) == {"label"} and
         o["label"]["data"] == [int(v) for v in svc.predict(Xr)] and
         [x["name"] for x in meta.get("outputs", [])] == ["label"] and
         meta.get("parameters", {}).get("classes") == [1, 4],
         "/infer svc (no predict_proba): label only, classes [1, 4]",
         f"{st} {str(j)[:200]} {meta}")
    st, j = S.json("POST", "/v2/models/svc/infer", {**matrix_body(Xr),
                                                    "outputs": [{"name": "probabilities"}]})
    emit(st == 400 and "probabilities" in j.get("error", ""),
         "400 probabilities from a classifier without predict_proba", f"{st} {j}")
    flag = models["flag"][0]
    st, j = S.json("POST", "/v2/models/flag/infer", matrix_body(Xr))
    o = outputs_of(j)
    st2, meta = S.json("GET", "/v2/models/flag")
    emit(st == 200 and o["label"]["datatype"] == "BOOL" and
         o["label"]["data"] == [bool(v) for v in flag.predict(Xr)] and
         same_numbers(o["probabilities"]["data"], flag.predict_proba(Xr)) and
         meta.get("parameters", {}).get("classes") == [False, True],
         "/infer flag: boolean labels as JSON booleans, probabilities",
         f"{st} {str(j)[:200]} {meta}")
    st, j = S.json("POST", "/v2/models/reg/infer",
                   {"inputs": [{"name": "input", "shape": [0, 6], "datatype": "FP64",
                                "data": []}]})
    emit(st == 200 and outputs_of(j)["label"]["data"] == [], "/infer with zero rows",
         f"{st} {j}")


def check_errors(S, models):
    def err(method, path, body, want, must, headers=None, name=None):
        st, hd, data = S.request(method, path, body, headers)
        try:
            msg = json.loads(data).get("error", "")
        except ValueError:
            msg = None
        ok = st == want and msg is not None and all(m in msg for m in must)
        emit(ok, name or f"{want}: {must}", f"{st} {data[:300]!r}")
        return hd

    df = frame(3, 11)
    good = infer_body(df)
    err("POST", "/v2/models/churn/infer", b'{"inputs": [', 400, ["malformed JSON"],
        name="400 malformed JSON")
    err("POST", "/v2/models/churn/infer", b"", 400, ["empty body"],
        headers={"Content-Type": "application/json"}, name="400 an empty body")
    err("POST", "/v2/models/churn/predict", b"", 400, ["empty body"],
        headers={"Content-Type": "application/json"}, name="400 an empty /predict body")
    err("POST", "/v2/models/reg/infer",
        b'{"inputs":[{"name":"input","shape":[1,6],"datatype":"FP64","data":[NaN,1,2,3,4,5]}]}',
        400, ["malformed JSON", "null"], name="400 NaN (not JSON) with a hint to send null")
    err("POST", "/v2/models/churn/infer", b"[1, 2]", 400, ["inputs"],
        name="400 a body that is not an object")
    bad = json.loads(json.dumps(good))
    bad["inputs"][0]["data"][1] = "forty"
    err("POST", "/v2/models/churn/infer", bad, 400, ["age", "a string"],
        name="400 a string in a numeric column, naming the column")
    bad = json.loads(json.dumps(good))
    ci = [i["name"] for i in bad["inputs"]].index("color")
    bad["inputs"][ci]["data"][0] = 3
    err("POST", "/v2/models/churn/infer", bad, 400, ["color", "strings"],
        name="400 a number in a string column, naming the column")
    bad = json.loads(json.dumps(good))
    bad["inputs"][ci]["datatype"] = "FP64"
    err("POST", "/v2/models/churn/infer", bad, 400, ["color", "BYTES"],
        name="400 a numeric datatype for a string column")
    bad = json.loads(json.dumps(good))
    bad["inputs"][1]["data"] = bad["inputs"][1]["data"][:2]
    err("POST", "/v2/models/churn/infer", bad, 400, ["inputs[1].data", "shape"],
        name="400 data shorter than its shape, naming the field")
    for shape, what in [([-1], "negative"), ([1e30], "real"), ([2 ** 62, 2 ** 62], "overflow"),
                        ([1, 2, 3], "rank 3"), ("3", "not an array")]:
        bad = json.loads(json.dumps(good))
        bad["inputs"][0]["shape"] = shape
        err("POST", "/v2/models/churn/infer", bad, 400, ["inputs[0].shape"],
            name=f"400 absurd shape ({what})")
    err("POST", "/v2/models/reg/infer",
        {"inputs": [{"name": "input", "shape": [1000000000, 6], "datatype": "FP64",
                     "data": [1, 2, 3, 4, 5, 6]}]}, 400, ["inputs[0].data"],
        name="400 a huge shape with little data")
    bad = json.loads(json.dumps(good))
    bad["inputs"][0]["datatype"] = "FP128"
    err("POST", "/v2/models/churn/infer", bad, 400, ["inputs[0].datatype", "FP128"],
        name="400 unknown datatype, naming the field")
    bad = json.loads(json.dumps(good))
    bad["inputs"][0]["datatype"] = "INT64"
    bad["inputs"][0]["data"] = [1.5, 2, 3]
    err("POST", "/v2/models/churn/infer", bad, 400, ["age", "fraction"],
        name="400 a fraction in an INT64 column")
    body = json.dumps(good).encode().replace(b'"age"', b'"a\xffe"', 1)
    err("POST", "/v2/models/churn/infer", body, 400, ["malformed JSON"],
        name="400 invalid UTF-8")
    bad = json.loads(json.dumps(good))
    bad["inputs"] = [i for i in bad["inputs"] if i["name"] not in ("income", "city")]
    err("POST", "/v2/models/churn/infer", bad, 400, ["income", "city"],
        name="400 missing columns, naming every one")
    err("POST", "/v2/models/churn/predict", {"rows": [{"age": 1, "color": "red"},
                                                      {"income": 3, "color": "red"}]},
        400, ["city", "score"], name="400 /predict: a column absent from every row, named")
    err("POST", "/v2/models/churn/predict", {"rows": [{"age": "x", "income": 1, "color": "red",
                                                       "city": "Oslo", "score": 1}]},
        400, ["row 1", "age"], name="400 /predict: a string in a numeric column, row and column")
    err("POST", "/v2/models/churn/predict", b"age,income\n1,2\n", 400, ["malformed JSON"],
        name="400 /predict: CSV without Content-Type: text/csv is read as JSON")
    err("POST", "/v2/models/churn/predict", b"age,income\n1,2\n", 400, ["city"],
        headers={"Content-Type": "text/csv"},
        name="400 /predict text/csv: missing columns, as frost predict says")
    err("POST", "/v2/models/reg/predict?proba=1", b"a,b,c,d,e,f\n1,2,3,4,5,6\n", 400, ["proba"],
        headers={"Content-Type": "text/csv"}, name="400 /predict ?proba=1 on a regressor")
    err("POST", "/v2/models/churn/infer", {**good, "outputs": [{"name": "logits"}]}, 400,
        ["logits"], name="400 unknown output name")
    err("POST", "/v2/models/reg/infer", {**good, "outputs": [{"name": "probabilities"}]}, 400,
        ["probabilities"], name="400 probabilities from a regressor")
    err("POST", "/v2/models/reg/infer",
        {"inputs": [{"name": "input", "shape": [1, 5], "datatype": "FP64",
                     "data": [1, 2, 3, 4, 5]}]}, 400, ["6"],
        name="400 an unnamed model given the wrong column count")
    err("POST", "/v2/models/churn/infer", {"inputs": [], "id": 3}, 400, ["id"],
        name="400 a non-string id")
    err("POST", "/v2/models/nope/infer", good, 404, ["nope", "churn"],
        name="404 unknown model, listing the served ones")
    err("GET", "/v2/models/churn/versions/zzz", None, 404, ["zzz"],
        name="404 a version not served")
    err("GET", "/v2/models/churn/versions/zzz/ready", None, 404, ["zzz"],
        name="404 readiness of a version not served")
    err("GET", "/v2/models/nope/ready", None, 404, ["nope"],
        name="404 readiness of an unknown model")
    err("GET", "/v3/everything", None, 404, ["no such endpoint"], name="404 unknown path")
    hd = err("GET", "/v2/models/churn/infer", None, 405, ["POST"], name="405 GET on /infer")
    emit(hd.get("Allow") == "POST", "405 names the allowed method (Allow: POST)", str(hd))
    err("POST", "/v2/health/live", b"{}", 405, ["GET"], name="405 POST on /v2/health/live")
    err("DELETE", "/v2/models/churn", None, 405, ["GET"], name="405 DELETE on model metadata")


def check_limits(frost, models):
    """A second server with small limits: 413, 503, the connection timeout."""
    S = Server(frost, [models["reg"][1]], "--max-body", "4K", "--max-connections", "4",
               "--timeout", "2", "--threads", "2")
    if not emit(S.port is not None, "a server with --max-body 4K --max-connections 4 "
                "--timeout 2 starts", S.stderr_bytes().decode()):
        return
    big = {"inputs": [{"name": "input", "shape": [200, 6], "datatype": "FP64",
                       "data": [1.25] * 1200}]}
    st, hd, data = S.request("POST", "/v2/models/reg/infer", json.dumps(big).encode(),
                             {"Content-Type": "application/json"})
    emit(st == 413 and b"max-body" in data, "413 a body over --max-body (Content-Length)",
         f"{st} {data[:200]!r}")
    c = S.conn()
    try:
        payload = json.dumps(big).encode()
        c.request("POST", "/v2/models/reg/infer", body=iter([payload[i:i + 1000] for i in
                                                             range(0, len(payload), 1000)]),
                  headers={"Content-Type": "application/json"}, encode_chunked=True)
        r = c.getresponse()
        st, data = r.status, r.read()
    except (ConnectionError, http.client.HTTPException) as e:
        st, data = None, repr(e).encode()
    finally:
        c.close()
    emit(st == 413, "413 a chunked body that passes --max-body", f"{st} {data[:200]!r}")
    # connections over the limit get 503
    idle = []
    for _ in range(5):
        s = socket.create_connection(("127.0.0.1", S.port), timeout=5)
        idle.append(s)
    time.sleep(0.2)
    st, hd, data = S.request("GET", "/v2/health/live")
    emit(st == 503 and b"too many connections" in data,
         "503 a request on a connection over --max-connections", f"{st} {data[:200]!r}")
    for s in idle:
        s.close()
    time.sleep(0.3)
    st, hd, data = S.request("GET", "/v2/health/live")
    emit(st == 200, "200 again once connections are closed", f"{st} {data[:100]!r}")
    # a client that stalls mid-headers is cut off after --timeout
    s = socket.create_connection(("127.0.0.1", S.port), timeout=8)
    s.sendall(b"POST /v2/models/reg/infer HTTP/1.1\r\nHost: x\r\nContent-Le")
    t0 = time.monotonic()
    try:
        got = s.recv(100)
    except (socket.timeout, ConnectionError):
        got = b"(timeout)"
    waited = time.monotonic() - t0
    s.close()
    emit(got in (b"",) and 1.0 < waited < 7.0,
         "a stalled client is disconnected after --timeout", f"{got!r} after {waited:.1f} s")
    st, _, _ = S.request("GET", "/v2/health/live")
    rc = S.stop()
    emit(st == 200 and rc == 0, "after every limit: still answering, stops with exit 0",
         f"{st} rc={rc}")


def check_concurrency(S, models):
    pipe, reg = models["churn"][0], models["reg"][0]
    df = frame(20, 21, unseen=True)
    exp_c = list(pipe.predict(df[list(pipe.feature_names_in_)]))
    Xr = np.random.default_rng(22).normal(size=(20, 6))
    exp_r = reg.predict(Xr)
    body_c, body_r = infer_body(df), matrix_body(Xr)
    rows_c = {"rows": [{k: jval(v) for k, v in r.items()} for r in df.to_dict("records")]}
    results = []
    lock = threading.Lock()

    def client(k):
        c = S.conn(30)
        for i in range(k * 200 // 16, (k + 1) * 200 // 16):
            try:
                kind = i % 3
                if kind == 0:
                    body, path = body_c, "/v2/models/churn/infer"
                elif kind == 1:
                    body, path = body_r, "/v2/models/reg/infer"
                else:
                    body, path = rows_c, "/v2/models/churn/predict"
                c.request("POST", path, body=json.dumps(body),
                          headers={"Content-Type": "application/json"})
                r = c.getresponse()
                j = json.loads(r.read())
                if kind == 0:
                    ok = r.status == 200 and same_labels(outputs_of(j)["label"]["data"], exp_c)
                elif kind == 1:
                    ok = r.status == 200 and same_numbers(outputs_of(j)["label"]["data"], exp_r)
                else:
                    ok = r.status == 200 and same_labels(j["predictions"], exp_c)
            except Exception as e:  # noqa: BLE001 - every failure counts
                ok = False
                c.close()
                c = S.conn(30)
                j = repr(e)
            with lock:
                results.append((ok, str(j)[:200]))
        c.close()

    ts = [threading.Thread(target=client, args=(k,)) for k in range(16)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    bad = [r for r in results if not r[0]]
    emit(len(results) == 200 and not bad, "200 requests from 16 client threads, all correct",
         f"{len(results)} answered, {len(bad)} wrong: {bad[:2]}")


def check_metrics(S):
    st, hd, data = S.request("GET", "/metrics")
    text = data.decode()
    samples = {}
    well_formed = True
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        m = re.fullmatch(r'([a-z_]+)(\{[^}]*\})? (\S+)', line)
        if not m:
            well_formed = False
            break
        samples[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    emit(st == 200 and well_formed and hd.get("Content-Type", "").startswith("text/plain"),
         "GET /metrics: Prometheus text format", text[:300])
    n_infer = samples.get('frost_requests_total{model="churn",endpoint="infer",code="200"}', 0)
    n_400 = samples.get('frost_requests_total{model="churn",endpoint="infer",code="400"}', 0)
    emit(n_infer >= 70 and n_400 >= 10, "metrics count requests by model, endpoint and status",
         f"infer 200: {n_infer}, 400: {n_400}")
    emit(samples.get('frost_rows_scored_total{model="churn"}', 0) >= 70 * 20 and
         samples.get('frost_blocks_loaded_total{model="churn"}', 0) > 0 and
         samples.get('frost_bytes_read_total{model="churn"}', -1) >= 0,
         "metrics: rows scored, blocks loaded, bytes read",
         str({k: v for k, v in samples.items() if "rows" in k or "blocks" in k}))
    cnt = samples.get('frost_request_duration_seconds_count{model="churn",endpoint="infer"}', 0)
    inf = samples.get('frost_request_duration_seconds_bucket{model="churn",endpoint="infer",'
                      'le="+Inf"}', -1)
    emit(cnt > 0 and cnt == inf, "metrics: latency histogram (+Inf bucket = count)",
         f"{cnt} {inf}")


class Clients:
    """Threads that send one request over and over (keep-alive) until finish(): every answer
    must be a 200 whose labels are exactly one version's of exp ({tag: predictions})."""

    def __init__(self, S, path, body, exp, threads=4):
        self.S, self.path, self.body, self.exp = S, path, body, exp
        self.stop = threading.Event()
        self.results = []
        self.lock = threading.Lock()
        self.versions = {}  # model_version -> the tags answered under it
        self.ts = [threading.Thread(target=self.client) for _ in range(threads)]
        for t in self.ts:
            t.start()

    def client(self):
        S, exp = self.S, self.exp
        results, versions, lock = self.results, self.versions, self.lock
        body, path = self.body, self.path
        c = S.conn(30)
        n = 0
        while not self.stop.is_set() and n < 2000:
            n += 1
            try:
                c.request("POST", path, body=body,
                          headers={"Content-Type": "application/json"})
                r = c.getresponse()
                j = json.loads(r.read())
                got = outputs_of(j)["label"]["data"] if r.status == 200 else None
                which = [k for k, e in exp.items() if got is not None and
                         same_numbers(got, e)]
                ok = r.status == 200 and len(which) == 1
                if ok:
                    with lock:
                        versions.setdefault(j.get("model_version"), set()).add(which[0])
            except Exception as e:  # noqa: BLE001
                ok, which, j = False, [], repr(e)
                c.close()
                c = S.conn(30)
            with lock:
                results.append((ok, which[0] if which else str(j)[:200]))
        c.close()

    def finish(self):
        """Stops the clients: (every (ok, tag or error) answered, {model_version: tags})."""
        self.stop.set()
        for t in self.ts:
            t.join(60)
        return self.results, self.versions


def under_load(S, path, body, exp, change, seconds=3.0):
    """change(0), change(1), … every 200 ms for seconds while 4 Clients send: (changes made,
    answers, {model_version: tags})."""
    clients = Clients(S, path, body, exp)
    k = 0
    t_end = time.monotonic() + seconds
    try:
        while time.monotonic() < t_end:
            change(k)
            k += 1
            time.sleep(0.2)
    finally:
        results, versions = clients.finish()
    return k, results, versions


def check_reload(frost, models, tmp):
    a, b = models["reg"], models["reg_b"]
    served = os.path.join(tmp, "live.frost")
    shutil.copyfile(a[1], served)
    S = Server(frost, [served], "--threads", "2", "--preload")
    if not emit(S.port is not None, "reload: server starts", S.stderr_bytes().decode()):
        return
    Xr = np.random.default_rng(31).normal(size=(16, 6))
    exp = {"A": a[0].predict(Xr), "B": b[0].predict(Xr)}
    body = json.dumps(matrix_body(Xr))

    def swap(k):
        shutil.copyfile(b[1] if k % 2 == 0 else a[1], served + ".tmp")
        os.replace(served + ".tmp", served)  # the atomic rename frost convert does

    swaps, results, versions = under_load(S, "/v2/models/live/infer", body, exp, swap)
    bad = [r for r in results if not r[0]]
    seen = {r[1] for r in results if r[0]}
    emit(len(results) > 50 and not bad,
         "reload: file replaced every 200 ms under 4 clients, no failed or mixed answer",
         f"{len(results)} answers, {len(bad)} bad: {bad[:3]}")
    emit(seen == {"A", "B"}, "reload: both versions answered", str(seen))
    emit(all(len(v) == 1 for v in versions.values()) and len(versions) == 2,
         "reload: model_version names the version that answered", str(versions))
    # the last swap is picked up within a second
    final = "A" if swaps % 2 == 0 else "B"
    deadline = time.monotonic() + 1.0
    got = None
    while time.monotonic() < deadline:
        st, j = S.json("POST", "/v2/models/live/infer", json.loads(body))
        got = outputs_of(j).get("label", {}).get("data")
        if got is not None and same_numbers(got, exp[final]):
            break
        time.sleep(0.05)
    emit(got is not None and same_numbers(got, exp[final]),
         "reload: the last replacement serves within a second", final)
    # replaced versions are closed: no more than the current file (and perhaps one in
    # flight) held open
    time.sleep(0.3)
    held = [os.readlink(f"/proc/{S.p.pid}/fd/{fd}") for fd in os.listdir(f"/proc/{S.p.pid}/fd")]
    deleted = [h for h in held if "(deleted)" in h]
    emit(len(deleted) <= 1, "reload: replaced versions are closed after their last request",
         str(deleted))
    # a damaged replacement leaves the old version serving
    with open(served + ".tmp", "wb") as f:
        f.write(b"not a frost file at all")
    os.replace(served + ".tmp", served)
    time.sleep(0.6)
    st, j = S.json("POST", "/v2/models/live/infer", json.loads(body))
    emit(st == 200 and same_numbers(outputs_of(j)["label"]["data"], exp[final]) and
         b"reload failed" in S.stderr_bytes(),
         "reload: a damaged replacement is reported, the previous version keeps serving",
         f"{st} {str(j)[:200]}")
    st, hd, data = S.request("GET", "/metrics")
    m = re.search(rb'frost_model_reloads_total\{model="live"\} (\d+)', data)
    emit(m and int(m.group(1)) >= 5, "metrics: reloads counted", str(m and m.group(1)))
    emit(S.stop() == 0, "reload: stops with exit 0")


def registry(frost, *args):
    p = subprocess.run([frost, "registry", *args], capture_output=True, timeout=30)
    if p.returncode != 0:
        raise RuntimeError(f"frost registry {' '.join(args)}: {p.stderr.decode()}")
    return p


def served_version(S, path, body):
    """(model_version, labels) of one answer, or (None, the error)."""
    st, j = S.json("POST", path, json.loads(body))
    if st != 200:
        return None, f"{st} {str(j)[:200]}"
    return j.get("model_version"), outputs_of(j)["label"]["data"]


def served_within(S, path, body, version, seconds=1.0):
    """The first answer of model_version version within seconds, else the last answer."""
    deadline = time.monotonic() + seconds
    got = served_version(S, path, body)
    while got[0] != version and time.monotonic() < deadline:
        time.sleep(0.05)
        got = served_version(S, path, body)
    return got


def check_registry(frost, models, tmp):
    """Serving ROOT/NAME@ALIAS: served as NAME, model_version the registry version; promote and
    rollback every 200 ms while 4 clients send: no failed request, every answer one version's,
    and the model_version says which."""
    a, b = models["reg"], models["reg_b"]
    root = os.path.join(tmp, "registry")
    registry(frost, "push", root, "forest", a[1], "--alias", "production")  # forest@1
    registry(frost, "push", root, "forest", b[1])                          # forest@2
    registry(frost, "push", root, "newest", a[1])                          # newest@1
    S = Server(frost, [root + "/forest@production", root + "/newest@latest"], "--threads", "2",
               "--preload")
    if not emit(S.port is not None, "registry: serves ROOT/NAME@ALIAS and ROOT/NAME@latest",
                S.stderr_bytes().decode()):
        return
    st, j = S.json("GET", "/v2/models/forest")
    emit(st == 200 and j.get("name") == "forest" and j.get("versions") == ["1"],
         "registry: served under NAME, the registry version as its version", f"{st} {j}")
    Xr = np.random.default_rng(33).normal(size=(16, 6))
    exp = {"A": a[0].predict(Xr), "B": b[0].predict(Xr)}
    tag = {"1": "A", "2": "B"}
    body = json.dumps(matrix_body(Xr))

    def move(k):
        if k % 2 == 0:
            registry(frost, "promote", root, "forest", "2", "production")
        else:
            registry(frost, "rollback", root, "forest", "production")

    ops, results, versions = under_load(S, "/v2/models/forest/infer", body, exp, move)
    bad = [r for r in results if not r[0]]
    seen = {r[1] for r in results if r[0]}
    emit(len(results) > 50 and not bad,
         f"registry: promote and rollback every 200 ms ({ops}) under 4 clients, no failed or "
         "mixed answer", f"{len(results)} answers, {len(bad)} bad: {bad[:3]}")
    emit(seen == {"A", "B"}, "registry: both versions answered", str(seen))
    emit(set(versions) == {"1", "2"} and all(versions[v] == {tag[v]} for v in versions),
         "registry: model_version is the registry version that answered", str(versions))
    # the alias's last move is served within a second
    want = "1" if ops % 2 == 0 else "2"
    got = served_within(S, "/v2/models/forest/infer", body, want)
    emit(got[0] == want and same_numbers(got[1], exp[tag[want]]),
         "registry: the alias's last move serves within a second", f"want {want}, got {got}")
    st, _ = S.json("POST", f"/v2/models/forest/versions/{want}/infer", json.loads(body))
    other = "2" if want == "1" else "1"
    st2, j2 = S.json("POST", f"/v2/models/forest/versions/{other}/infer", json.loads(body))
    emit(st == 200 and st2 == 404, "registry: /versions/V names the registry version",
         f"{st} {st2} {j2}")
    # @latest follows a push
    registry(frost, "push", root, "newest", b[1])
    got = served_within(S, "/v2/models/newest/infer", body, "2")
    emit(got[0] == "2" and same_numbers(got[1], exp["B"]),
         "registry: NAME@latest serves a pushed version within a second", str(got))
    st, hd, data = S.request("GET", "/metrics")
    m = re.search(rb'frost_model_reloads_total\{model="forest"\} (\d+)', data)
    emit(m and int(m.group(1)) >= 5, "registry: reloads counted", str(m and m.group(1)))
    # an alias that stops resolving is reported; the version in use keeps serving
    os.unlink(os.path.join(root, "forest", "aliases", "production"))
    time.sleep(0.6)
    got = served_version(S, "/v2/models/forest/infer", body)
    emit(got[0] == want and b"no alias 'production'" in S.stderr_bytes(),
         "registry: a removed alias is reported, the version in use keeps serving",
         f"{got} {S.stderr_bytes()[-300:]!r}")
    emit(S.stop() == 0, "registry: stops with exit 0")
    S = Server(frost, [root + "/forest@staging"], expect_fail=True)
    rc = S.p.wait(10)
    emit(rc == 1 and b"no alias 'staging'" in S.stderr_bytes() and
         b"listening" not in S.stderr_bytes(),
         "registry: a reference that does not resolve exits 1 before listening, naming it",
         f"rc={rc} {S.stderr_bytes()!r}")


def check_signatures(frost, models, tmp):
    """--require-signature and FROST_REQUIRE_SIGNATURE: nothing opens unless a required key
    signed it; a reload to an unsigned version is reported and the signed one keeps serving."""
    a, b = models["reg"], models["reg_b"]
    keys = os.path.join(tmp, "keys")
    os.makedirs(keys, exist_ok=True)
    for k in ("release", "other"):
        subprocess.run([frost, "keygen", os.path.join(keys, k)], check=True,
                       capture_output=True)
    pub = os.path.join(keys, "release.pub")
    signed = {}
    for name, m in (("a", a), ("b", b)):
        signed[name] = os.path.join(tmp, f"signed_{name}.frost")
        subprocess.run([frost, "sign", m[1], "--key", os.path.join(keys, "release.key"), "-o",
                        signed[name]], check=True, capture_output=True)
    root = os.path.join(tmp, "registry")
    registry(frost, "push", root, "trusted", signed["a"], "--alias", "production")  # @1
    registry(frost, "push", root, "trusted", b[1])                                   # @2
    registry(frost, "push", root, "trusted", signed["b"])                            # @3
    Xr = np.random.default_rng(35).normal(size=(8, 6))
    body = json.dumps(matrix_body(Xr))
    S = Server(frost, [root + "/trusted@production"], "--require-signature", pub,
               "--require-signature", os.path.join(keys, "other.pub"))
    if not emit(S.port is not None, "signatures: serves a signed version under "
                "--require-signature (twice: any key will do)", S.stderr_bytes().decode()):
        return
    registry(frost, "promote", root, "trusted", "2", "production")
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline and b"reload failed" not in S.stderr_bytes():
        time.sleep(0.05)
    got = served_version(S, "/v2/models/trusted/infer", body)
    err = S.stderr_bytes()
    emit(got[0] == "1" and same_numbers(got[1], a[0].predict(Xr)) and b"reload failed" in err
         and b"no signature" in err,
         "signatures: an unsigned version promoted is reported, the signed one keeps serving",
         f"{got} {err[-300:]!r}")
    st, hd, data = S.request("GET", "/metrics")
    m = re.search(rb'frost_model_reload_errors_total\{model="trusted"\} (\d+)', data)
    emit(m and int(m.group(1)) == 1, "signatures: the failed reload counted once",
         str(m and m.group(1)))
    registry(frost, "promote", root, "trusted", "3", "production")
    got = served_within(S, "/v2/models/trusted/infer", body, "3")
    emit(got[0] == "3" and same_numbers(got[1], b[0].predict(Xr)),
         "signatures: a signed version promoted next serves within a second", str(got))
    emit(S.stop() == 0, "signatures: stops with exit 0")

    env = dict(os.environ, FROST_REQUIRE_SIGNATURE=os.path.join(keys, "other.pub") + ":" + pub)
    S = Server(frost, [signed["a"]], env=env)
    got = served_version(S, "/v2/models/signed_a/infer", body) if S.port else (None, None)
    emit(got[0] is not None and same_numbers(got[1], a[0].predict(Xr)),
         "signatures: FROST_REQUIRE_SIGNATURE=other.pub:release.pub serves a signed file",
         f"{got} {S.stderr_bytes()!r}")
    S.stop()
    for what, args, env_over, rc_want, says in [
        ("FROST_REQUIRE_SIGNATURE refuses an unsigned file at start", [a[1]],
         {"FROST_REQUIRE_SIGNATURE": pub}, 1, b"no signature"),
        ("--require-signature refuses a file signed by another key", [signed["a"],
         "--require-signature", os.path.join(keys, "other.pub")], {}, 1, b"signed_a.frost"),
        ("--require-signature with a missing key file exits 1 naming it",
         [a[1], "--require-signature", os.path.join(keys, "none.pub")], {}, 1, b"none.pub"),
        ("--require-signature with a file that is no key exits 1", [a[1],
         "--require-signature", a[1]], {}, 1, b"--require-signature"),
        ("FROST_REQUIRE_SIGNATURE set but empty is a usage error", [a[1]],
         {"FROST_REQUIRE_SIGNATURE": ""}, 2, b"FROST_REQUIRE_SIGNATURE"),
    ]:
        S = Server(frost, args, expect_fail=True, env=dict(os.environ, **env_over))
        rc = S.p.wait(10)
        emit(rc == rc_want and says in S.stderr_bytes(), "signatures: " + what,
             f"rc={rc} {S.stderr_bytes()!r}")


def check_sigterm(frost, models):
    S = Server(frost, [models["reg"][1]], "--threads", "2")
    if not emit(S.port is not None, "sigterm: server starts"):
        return
    Xr = np.random.default_rng(41).normal(size=(300, 6))
    exp = models["reg"][0].predict(Xr)
    payload = json.dumps(matrix_body(Xr)).encode()
    s = socket.create_connection(("127.0.0.1", S.port), timeout=10)
    s.sendall(b"POST /v2/models/reg/infer HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(payload))
    half = len(payload) // 2
    s.sendall(payload[:half])
    time.sleep(0.2)
    S.p.send_signal(signal.SIGTERM)
    # no new connection once it stops accepting
    refused = False
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and not refused:
        try:
            c = socket.create_connection(("127.0.0.1", S.port), timeout=1)
            c.close()
            time.sleep(0.05)
        except OSError:
            refused = True
    emit(refused, "sigterm: new connections are refused")
    s.sendall(payload[half:])
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        pass
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    ok = head.startswith(b"HTTP/1.1 200")
    if ok:
        try:
            ok = same_numbers(outputs_of(json.loads(body))["label"]["data"], exp)
        except (ValueError, KeyError):
            ok = False
    emit(ok, "sigterm: the request in flight (body half sent) is answered in full",
         repr(data[:200]))
    try:
        rc = S.p.wait(10)
    except subprocess.TimeoutExpired:
        rc = None
    emit(rc == 0, "sigterm: exit status 0", f"rc={rc} {S.stderr_bytes()[-300:]!r}")


def check_sigterm_under_load(frost, models):
    """SIGTERM while 16 clients keep sending large requests to a model whose trees are still
    loading (no --preload) to 2 request threads: every answer that comes is whole and right,
    requests being scored when the signal arrives are finished, and so are those still waiting
    in the listening socket's backlog; then connections are refused and the exit is 0."""
    S = Server(frost, [models["churn"][1]], "--threads", "2")
    if not emit(S.port is not None, "sigterm under load: server starts"):
        return
    pipe = models["churn"][0]
    df = frame(2000, 71, unseen=True)
    exp = list(pipe.predict(df[list(pipe.feature_names_in_)]))
    payload = json.dumps(infer_body(df)).encode()
    head = (b"POST /v2/models/churn/infer HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nConnection: close\r\n"
            b"Content-Length: %d\r\n\r\n" % len(payload))
    lock = threading.Lock()
    out = {"ok": 0, "ok_after": 0, "refused": 0, "dropped": 0, "bad": []}
    signalled = threading.Event()
    go = threading.Event()
    t_signal = [float("inf")]

    def client():
        go.wait(10)
        for _ in range(500):  # bounded; the server stops long before
            try:
                s = socket.create_connection(("127.0.0.1", S.port), timeout=20)
            except OSError:
                with lock:
                    out["refused"] += 1
                return
            data = b""
            t_conn = time.monotonic()
            exc = None
            try:
                s.sendall(head + payload)
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except OSError as e:
                exc = e
            finally:
                s.close()
            after = signalled.is_set()
            if not data:
                # no answer: allowed only to a connection made as the server stopped listening
                # (it may have raced the stop); one made before the signal was sent was in the
                # server's backlog at least, and must be answered
                with lock:
                    out["dropped"] += 1
                    if t_conn < t_signal[0] - 0.02:
                        out["bad"].append(f"no answer ({exc!r}) to a connection made "
                                          f"{t_signal[0] - t_conn:.3f} s before the signal")
                continue
            hd, _, body = data.partition(b"\r\n\r\n")
            try:
                good = hd.startswith(b"HTTP/1.1 200") and same_labels(
                    outputs_of(json.loads(body))["label"]["data"], exp)
            except (ValueError, KeyError):
                good = False
            with lock:
                if good:
                    out["ok"] += 1
                    out["ok_after"] += after
                else:
                    out["bad"].append(data[:160])

    ts = [threading.Thread(target=client) for _ in range(16)]
    for t in ts:
        t.start()
    go.set()
    time.sleep(0.6)
    t_signal[0] = time.monotonic()
    signalled.set()
    S.p.send_signal(signal.SIGTERM)
    for t in ts:
        t.join(60)
    try:
        rc = S.p.wait(20)
    except subprocess.TimeoutExpired:
        rc = None
    emit(out["ok"] > 0 and not out["bad"],
         "sigterm under load: every answer whole and right, every connection made before the "
         "signal answered (none cut, reset or refused with 5xx)",
         str(out))
    emit(out["ok_after"] > 0, "sigterm under load: requests being scored at the signal finish",
         str(out))
    emit(out["refused"] > 0 and out["dropped"] <= 16,
         "sigterm under load: then new connections are refused", str(out))
    emit(rc == 0 and b"stopped" in S.stderr_bytes(), "sigterm under load: exit status 0",
         f"rc={rc} {S.stderr_bytes()[-300:]!r}")


def check_curl(S, models, tmp):
    """What README shows, with curl: infer, a CSV body, and the status of a wrong method."""
    if not shutil.which("curl"):
        emit(False, "curl is installed (scripts/deps.sh)")
        return
    url = f"http://127.0.0.1:{S.port}"
    req = os.path.join(tmp, "req.json")
    df = frame(4, 61)
    with open(req, "w") as f:
        json.dump(infer_body(df), f)
    p = subprocess.run(["curl", "-sS", "-d", "@" + req, url + "/v2/models/churn/infer"],
                       capture_output=True, timeout=30)
    pipe = models["churn"][0]
    try:
        got = outputs_of(json.loads(p.stdout))["label"]["data"]
    except (ValueError, KeyError):
        got = None
    emit(got is not None and same_labels(got, list(pipe.predict(df[list(
        pipe.feature_names_in_)]))), "curl -d @req.json .../infer", p.stdout[:200].decode())
    csv_path = os.path.join(tmp, "curl_rows.csv")
    df.to_csv(csv_path, index=False)
    p = subprocess.run(["curl", "-sS", "-H", "Content-Type: text/csv", "--data-binary",
                        "@" + csv_path, url + "/v2/models/churn/predict"],
                       capture_output=True, timeout=30)
    want = subprocess.run([os.path.join(os.path.dirname(S.frost), "frost"), "predict",
                           models["churn"][1], csv_path], capture_output=True).stdout
    emit(p.returncode == 0 and p.stdout == want, "curl --data-binary @rows.csv (text/csv)",
         p.stdout[:200].decode())
    p = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT",
                        url + "/v2/models/churn/infer"], capture_output=True, timeout=30)
    emit(p.stdout == b"405", "curl -X PUT .../infer: 405", p.stdout.decode())


def check_startup(frost, models, tmp):
    S = Server(frost, [os.path.join(tmp, "missing.frost")], expect_fail=True)
    rc = S.p.wait(10)
    emit(rc == 1 and b"missing.frost" in S.stderr_bytes(),
         "start: a missing file exits 1 naming it", f"rc={rc} {S.stderr_bytes()!r}")
    damaged = os.path.join(tmp, "damaged.frost")
    data = bytearray(open(models["reg"][1], "rb").read())
    data[8:16] = b"\xff" * 8
    open(damaged, "wb").write(bytes(data))
    S = Server(frost, [damaged], expect_fail=True)
    rc = S.p.wait(10)
    emit(rc == 1 and b"damaged.frost" in S.stderr_bytes(),
         "start: a damaged file exits 1 naming it", f"rc={rc} {S.stderr_bytes()!r}")
    S = Server(frost, [os.path.join(tmp, "scaler.frost")], expect_fail=True)
    rc = S.p.wait(10)
    emit(rc == 1 and b"transformer" in S.stderr_bytes(),
         "start: a saved transformer is refused", f"rc={rc} {S.stderr_bytes()!r}")
    S = Server(frost, [models["reg"][1], models["reg"][1]], expect_fail=True)
    rc = S.p.wait(10)
    emit(rc == 1 and b"both be served as 'reg'" in S.stderr_bytes(),
         "start: two models with one name are refused", f"rc={rc} {S.stderr_bytes()!r}")
    p = subprocess.run([frost, "serve", "--help"], capture_output=True)
    emit(p.returncode == 0 and b"listening on http://HOST:PORT" in p.stdout and
         b"ROOT/NAME@ALIAS" in p.stdout and b"--require-signature KEY.pub" in p.stdout,
         "frost serve --help", p.stderr.decode())
    p = subprocess.run([frost, "serve", models["reg"][1], "--port", "x"], capture_output=True)
    emit(p.returncode == 2 and b"--port" in p.stderr, "usage error: --port x exits 2",
         p.stderr.decode())


def check_first_request(frost, models):
    """The first request, sent the moment the listening line appears, is answered; SIGINT
    stops the server, even one started with SIGINT ignored (a shell's background job)."""
    S = Server(frost, [models["churn"][1]], sigint_ignored=True)
    if S.port is None:
        emit(False, "first request: server starts")
        return
    df = frame(1, 51)
    st, j = S.json("POST", "/v2/models/churn/infer", infer_body(df))
    exp = list(models["churn"][0].predict(df[list(models["churn"][0].feature_names_in_)]))
    emit(st == 200 and same_labels(outputs_of(j)["label"]["data"], exp),
         "first request right after the listening line is answered", f"{st} {str(j)[:200]}")
    rc = S.stop(signal.SIGINT, timeout=10)
    emit(rc == 0 and b"SIGINT" in S.stderr_bytes(),
         "SIGINT stops it with exit 0 (started with SIGINT ignored, as a background job)",
         f"rc={rc} {S.stderr_bytes()[-200:]!r}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frost", default="build/frost")
    ap.add_argument("--keep", metavar="DIR")
    args = ap.parse_args()
    frost = os.path.abspath(args.frost)
    tmp = args.keep or tempfile.mkdtemp(prefix="frost-serve-test-")
    os.makedirs(tmp, exist_ok=True)
    try:
        models = fit_models(tmp, frost)
        check_startup(frost, models, tmp)
        check_first_request(frost, models)
        S = Server(frost, [models[k][1] for k in ("churn", "reg", "gbc", "svc", "flag")],
                   "--threads", "4")
        if emit(S.port is not None, "frost serve prints its listening line",
                S.stderr_bytes().decode()):
            check_basics(S, models)
            check_parity(S, models, tmp, frost)
            check_errors(S, models)
            check_concurrency(S, models)
            check_metrics(S)
            check_curl(S, models, tmp)
            st, _, _ = S.request("GET", "/v2/health/live")
            rc = S.stop()
            emit(st == 200 and rc == 0, "after everything: live, and SIGTERM exits 0",
                 f"{st} rc={rc}")
        check_limits(frost, models)
        check_reload(frost, models, tmp)
        check_registry(frost, models, tmp)
        check_signatures(frost, models, tmp)
        check_sigterm(frost, models)
        check_sigterm_under_load(frost, models)
    except Exception as e:  # noqa: BLE001 - a crash of the suite is a failure
        import traceback
        traceback.print_exc()
        emit(False, "the suite ran to its end", repr(e))
    finally:
        stop_all()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"serve: {PASSED} passed, {FAILED} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
