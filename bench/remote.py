#!/usr/bin/python3
"""Time to first prediction of a model in object storage (issue #15): frost reading ranges over
HTTP against downloading the whole file first and then predicting locally (what the seed does).

    sh bench/run.sh BUILD quick|full remote     (run.sh builds the runner, then runs this)

The object server is bench/loopback_server.py on a free 127.0.0.1 port (one asyncio thread,
ranges, ETag and If-Match, keep-alive), which adds the latency (0, 1 ms and 20 ms) to every round
trip — a new connection waits that long before it is read, each request that long before it is
answered — as a server that far away would; a last row also bounds each connection to 100 MB/s. (tests/pylib/range_server.py and its DelayProxy,
the test suite's, spend about a millisecond of a busy host's CPU per request: they would be
measured instead of the client.) Each variant is a fresh process timed by `runner` (median of RUNS, with
min–max); the ratio is between medians of the same run, at the same latency:

  ranged   BUILD/frost predict URL one_row.csv        (frost-remote: ranged GETs, no cache)
  whole    sh -c 'curl -s -f -o FILE URL && BUILD/frost predict FILE one_row.csv'
  local    BUILD/frost predict FILE one_row.csv       (warm file: the floor under both)

Bytes moved and requests are the server's own count for one run of each. The predictions of
both are checked equal to the local file's before anything is timed. Writes
BUILD/bench/results-remote-MODE.{json,md} and prints the table.
"""
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402  (its runner, stat and log helpers)
from loopback_server import LoopbackServer  # noqa: E402

PY = "/usr/bin/python3"
# (added latency in ms, bandwidth per connection in bytes/s or None): the 0, 1 and 20 ms
# over loopback's unbounded bandwidth, and 20 ms at 100 MB/s, about what one connection to S3
# carries from a cloud function.
LINKS = [(0, None), (1, None), (20, None), (20, 100e6)]
CONFIG = {"quick": dict(models=["RF100q", "RF100"], runs=5),
          "full": dict(models=["RF100", "RF500"], runs=7)}
WHOLE = 'curl -s -f -o "$1" "$2" && "$3" predict "$1" "$4"'


def moved(srv, fn):
    """Runs fn once; the server's requests and body bytes for it."""
    srv.reset()
    out = fn()
    return out, {"requests": srv.requests, "bytes": srv.body_bytes}


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in CONFIG:
        raise SystemExit("usage: remote.py BUILD quick|full")
    build, mode = sys.argv[1], sys.argv[2]
    cfg = CONFIG[mode]
    frost = os.path.abspath(f"{build}/frost")
    for f in ("frost", "frost-remote", "libfrost_remote.so"):
        if not os.path.exists(f"{build}/{f}"):
            raise SystemExit(f"bench: {build}/{f} is missing: run make first")
    if not shutil.which("curl"):
        raise SystemExit("bench: the whole-file baseline needs curl (apt-get install curl)")
    work = os.path.abspath(f"{build}/bench")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FROST_", "AWS_"))}
    os.environ.clear()
    os.environ.update(env)  # the runner passes its environment on: no cache, no S3 settings
    out = {"mode": mode, "runs": cfg["runs"], "models": {}}
    for name in cfg["models"]:
        out["models"][name] = measure(frost, work, name, cfg["runs"])
    out["loadavg"] = open("/proc/loadavg").read().split()[:3]
    out["date"] = time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())
    with open(f"{work}/results-remote-{mode}.json", "w") as f:
        json.dump(out, f, indent=1)
    lines = table(out)
    with open(f"{work}/results-remote-{mode}.md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    bench.log(f"wrote {work}/results-remote-{mode}.{{json,md}}")


def measure(frost, work, name, runs):
    d = f"{work}/models/{name}"
    bench.log(f"{name}: model (trained once with scikit-learn, cached in {d})")
    subprocess.run([PY, f"{HERE}/gen_models.py", f"{work}/models", name], check=True)
    model = f"{d}/model.frost"
    if not os.path.exists(model):
        bench.run([frost, "convert", f"{d}/model.joblib", model, "--quiet"])
    row = f"{d}/one_row.csv"
    local = bench.run([frost, "predict", model, row])
    scratch = f"{work}/remote-download.frost"
    res = {"size": os.path.getsize(model), "latency": {}}
    try:
        for ms, rate in LINKS:
            label = f"{ms} ms" + (f", {rate / 1e6:g} MB/s per connection" if rate else "")
            srv = LoopbackServer(d, ms / 1000, rate).start()
            try:
                url = srv.url("model.frost")
                whole = ["/bin/sh", "-c", WHOLE, "sh", scratch, url, frost, row]
                r = {}
                got, r["ranged_moved"] = moved(srv, lambda: bench.run([frost, "predict", url, row]))
                if got != local:
                    raise SystemExit(f"bench: ranged prediction {got!r} != local {local!r}")
                _, r["whole_moved"] = moved(srv, lambda: bench.run(whole))
                if bench.run([frost, "predict", scratch, row]) != local:
                    raise SystemExit("bench: the downloaded file predicts otherwise")
                bench.log(f"{name}, {label}: ranged, whole download ({runs} runs each)")
                r["ranged"] = bench.runner(work, [frost, "predict", url, row], runs,
                                           warmup=1)["wall_ms"]
                r["whole"] = bench.runner(work, whole, runs, warmup=1)["wall_ms"]
                res["latency"][label] = r
            finally:
                srv.stop()
        res["local"] = bench.runner(work, [frost, "predict", model, row], runs, warm=[model],
                                    warmup=1)["wall_ms"]
    finally:
        if os.path.exists(scratch):
            os.unlink(scratch)
    return res


def rng(s):
    return "%.1f (%.1f–%.1f)" % (s["median"], s["min"], s["max"])


def table(out):
    L = [f"Time to first prediction over HTTP, fresh process, median (min–max) of {out['runs']} "
         f"runs, ms; {out['date']}, load {' '.join(out['loadavg'])}",
         "",
         "| model | added latency per request (bandwidth) | frost ranged reads | "
         "download whole, then predict | whole ÷ ranged | ranged: requests, bytes | "
         "whole: requests, bytes |",
         "|---|---|---|---|---|---|---|"]
    for name, res in out["models"].items():
        size = res["size"]
        for link, r in res["latency"].items():
            rm, wm = r["ranged_moved"], r["whole_moved"]
            L.append(f"| {name} ({size / 1e6:.1f} MB) | {link} | {rng(r['ranged'])} | "
                     f"{rng(r['whole'])} | {r['whole']['median'] / r['ranged']['median']:.2f}× | "
                     f"{rm['requests']}, {rm['bytes']:,} ({100 * rm['bytes'] / size:.1f}%) | "
                     f"{wm['requests']}, {wm['bytes']:,} |")
    L.append("")
    L.append("Local file, warm page cache (the floor under both): " +
             ", ".join(f"{n} {rng(r['local'])} ms" for n, r in out["models"].items()) + ".")
    return L


if __name__ == "__main__":
    main()
