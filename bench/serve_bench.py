"""bench/'s serve stage (stage 9): `frost serve` against a Python model server as people write
one (bench/py_server.py: http.server + joblib.load + scikit-learn), on the same
RandomForest pipeline over a DataFrame with string columns, answering the same Open Inference
Protocol /infer request.

  - time from exec to the first 200 answer of an /infer request (bench/firstanswer.c), with the
    model file evicted from the page cache before each run (cold) and read whole (warm);
  - steady state: wrk on loopback, one-row /infer requests on kept-alive connections, at
    concurrency 1, 8 and 64 for a fixed time: requests (= rows) per second, p50 and p99
    latency, and errors.

Every ratio is between medians measured in the same run. Imported by bench.py.
"""
import json
import os
import re
import socket
import subprocess
import time

PY = "/usr/bin/python3"
HERE = os.path.dirname(os.path.abspath(__file__))

# name: (trees, training rows)
SERVE_MODELS = {"SERVE_RF200": (200, 50_000), "SERVE_RF100q": (100, 20_000)}
CAT_NAMES = ["region", "plan", "device"]


def gen_model(d, name):
    """d/model.joblib (Pipeline: ColumnTransformer(StandardScaler on 10 numbers, OneHotEncoder
    on 3 string columns) → RandomForestClassifier), d/request.json (a one-row /infer body) and
    d/info.json; reused when info.json exists."""
    if os.path.exists(f"{d}/info.json"):
        return json.load(open(f"{d}/info.json"))
    os.makedirs(d, exist_ok=True)
    code = f"""
import json, joblib, numpy as np, pandas as pd
from sklearn.datasets import make_classification
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
trees, n = {SERVE_MODELS[name]}
X, y = make_classification(n_samples=n, n_features=13, n_informative=8, random_state=0)
df = pd.DataFrame(X[:, :10], columns=[f"f{{i}}" for i in range(10)])
for k, c in enumerate({CAT_NAMES!r}):
    df[c] = np.array(["a", "b", "c", "d", "e", "f"])[np.digitize(X[:, 10 + k], [-1.5, -0.5, 0, 0.5, 1.5])]
pipe = Pipeline([("pre", ColumnTransformer([
        ("num", StandardScaler(), [f"f{{i}}" for i in range(10)]),
        ("cat", OneHotEncoder(handle_unknown="ignore"), {CAT_NAMES!r})])),
    ("rf", RandomForestClassifier(n_estimators=trees, n_jobs=2, random_state=0))]).fit(df, y)
joblib.dump(pipe, "{d}/model.joblib")
row = df.iloc[[7]]
req = {{"inputs": [{{"name": c, "shape": [1], "datatype": "BYTES" if row[c].dtype == object else "FP64",
                    "data": row[c].tolist()}} for c in df.columns]}}
json.dump(req, open("{d}/request.json", "w"))
json.dump({{"name": "{name}", "trees": trees, "rows": n,
           "label": str(pipe.predict(row)[0]),
           "proba": pipe.predict_proba(row)[0].tolist()}}, open("{d}/info.tmp", "w"))
"""
    subprocess.run([PY, "-c", code], check=True)
    os.replace(f"{d}/info.tmp", f"{d}/info.json")
    return json.load(open(f"{d}/info.json"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def servers(frost, d, port):
    """How each server is started, serving d's model on port."""
    return {
        "frost": [frost, "serve", f"{d}/model.frost", "--port", str(port)],
        "python": [PY, f"{HERE}/py_server.py", f"{d}/model.joblib", str(port)],
    }


def model_file(label, d):
    return f"{d}/model.frost" if label == "frost" else f"{d}/model.joblib"


def first_answer(tools, cmd, model, body, port, runs, cold):
    args = [f"{tools}/firstanswer", "-n", str(runs), "-w", "0" if cold else "1",
            "-p", str(port), "-u", "/v2/models/model/infer", "-b", body]
    args += ["-e", model] if cold else ["-E", model]
    out = subprocess.run(args + ["--"] + cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"bench: firstanswer failed: {out.stderr}")
    return [float(line.split("\t")[0]) for line in out.stdout.splitlines()]


def check_answers(cmds, port, d, info):
    """Both servers give scikit-learn's answer to the benchmark's request (else no numbers)."""
    import http.client
    body = open(f"{d}/request.json", "rb").read()
    for label, cmd in cmds.items():
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    c.request("POST", "/v2/models/model/infer", body=body,
                              headers={"Content-Type": "application/json"})
                    r = c.getresponse()
                    j = json.loads(r.read())
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.02)
            out = {o["name"]: o["data"] for o in j["outputs"]}
            if str(out["label"][0]) != info["label"] or \
                    any(abs(a - b) > 1e-9 for a, b in zip(out["probabilities"], info["proba"])):
                raise SystemExit(f"bench: {label} serve answered {out}, scikit-learn "
                                 f"{info['label']} {info['proba']}")
        finally:
            p.terminate()
            p.wait(30)


WRK_SCRIPT = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [==[{body}]==]
"""


def parse_wrk(text):
    def ms(v, unit):
        return float(v) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]
    lat = dict((p, ms(v, u)) for p, v, u in
               re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", text, re.M))
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                     text)
    return {"rps": float(rps.group(1)) if rps else 0.0, "p50_ms": lat.get("50"),
            "p99_ms": lat.get("99"),
            "errors": (int(non2xx.group(1)) if non2xx else 0) +
                      (sum(int(x) for x in sock.groups()) if sock else 0)}


def steady(cmd, d, port, conc, secs, threads=2):
    """wrk against one server started for the purpose (warmed by one pass first)."""
    script = f"{d}/post.lua"
    body = open(f"{d}/request.json").read()
    with open(script, "w") as f:
        f.write(WRK_SCRIPT.format(body=body))
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/v2/models/model/infer"
        deadline = time.monotonic() + 60
        while subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
                              "-H", "Content-Type: application/json", "--data-binary",
                              f"@{d}/request.json", url],
                             capture_output=True, text=True).stdout != "200":
            if time.monotonic() > deadline:
                raise SystemExit(f"bench: {cmd[0]} never answered")
            time.sleep(0.05)
        out = {}
        for c in conc:
            # a short warm-up at this concurrency, then the measured run
            subprocess.run(["wrk", "-t", str(min(threads, c)), "-c", str(c), "-d", "1s",
                            "-s", script, url], capture_output=True, text=True)
            r = subprocess.run(["wrk", "-t", str(min(threads, c)), "-c", str(c), "-d",
                                f"{secs}s", "--timeout", "10s", "--latency", "-s", script, url],
                               capture_output=True, text=True)
            out[str(c)] = parse_wrk(r.stdout)
        return out
    finally:
        p.terminate()
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def stage_serve(frost, tools, work, quick, log, stat):
    name = "SERVE_RF100q" if quick else "SERVE_RF200"
    d = f"{work}/models/{name}"
    log(f"{name}: model (RandomForest pipeline with string columns, cached in {d})")
    info = gen_model(d, name)
    if not os.path.exists(f"{d}/model.frost"):
        subprocess.run([frost, "convert", f"{d}/model.joblib", f"{d}/model.frost", "--quiet"],
                       check=True)
    port = free_port()
    cmds = servers(frost, d, port)
    check_answers(cmds, port, d, info)
    runs = {"frost": 5 if quick else 9, "python": 3 if quick else 5}
    res = {"model": name, "trees": info["trees"], "first": {}, "steady": {},
           "frost_bytes": os.path.getsize(f"{d}/model.frost"),
           "joblib_bytes": os.path.getsize(f"{d}/model.joblib")}
    body = f"{d}/request.json"
    for label, cmd in cmds.items():
        for temp in ("cold", "warm"):
            log(f"{name}: exec → first 200 of /infer, {label}, {temp} page cache")
            res["first"].setdefault(label, {})[temp] = stat(
                first_answer(tools, cmd, model_file(label, d), body, port, runs[label],
                             temp == "cold"))
    conc = [1, 8, 64]
    secs = 3 if quick else 10
    for label, cmd in cmds.items():
        log(f"{name}: steady state, {label}: wrk {secs} s at concurrency {conc}")
        res["steady"][label] = steady(cmd, d, port, conc, secs)
    res["loadavg"] = open("/proc/loadavg").read().split()[:3]
    return res


def section(r, fmt, fs, ratio, rx):
    """The report's serve tables (markdown lines)."""
    if not r:
        return []
    L = []
    w = L.append
    w(f"## `frost serve` — {r['model']} (RandomForest({r['trees']}) pipeline with string "
      "columns)\n")
    w("Time from exec to the first 200 answer of a one-row `/infer` request (bench/firstanswer.c"
      "; median, min–max), against `bench/py_server.py` (http.server + joblib.load + "
      "scikit-learn) answering the same request:\n")
    w("| page cache | frost serve | python server | ratio |")
    w("|---|---|---|---|")
    for temp in ("cold", "warm"):
        f, p = r["first"]["frost"][temp], r["first"]["python"][temp]
        w(f"| {temp} | {fs(f, ' ms')} | {fs(p, ' ms')} | "
          f"{rx(ratio(p['median'], f['median']))} |")
    w("")
    w("Steady state: wrk on loopback, one-row `/infer` requests on kept-alive connections "
      "(rows/s = requests/s), p50 / p99 latency:\n")
    w("| connections | frost rows/s | p50 | p99 | python rows/s | p50 | p99 | throughput "
      "ratio | errors (frost / python) |")
    w("|---|---|---|---|---|---|---|---|---|")
    for c, f in r["steady"]["frost"].items():
        p = r["steady"]["python"][c]
        w(f"| {c} | {fmt(f['rps'], '', 0)} | {fmt(f['p50_ms'], ' ms')} | "
          f"{fmt(f['p99_ms'], ' ms')} | {fmt(p['rps'], '', 0)} | {fmt(p['p50_ms'], ' ms')} | "
          f"{fmt(p['p99_ms'], ' ms')} | {rx(ratio(f['rps'], p['rps']))} | "
          f"{f['errors']} / {p['errors']} |")
    w("")
    return L


def targets(r, fmt, ratio, rx):
    if not r:
        return []
    out = []
    for temp in ("cold", "warm"):
        x = ratio(r["first"]["python"][temp]["median"], r["first"]["frost"][temp]["median"])
        out.append((f"frost serve: exec → first /infer answer ≥ 50× faster than the python "
                    f"server ({temp})", r["model"], rx(x), x >= 50))
    return out
