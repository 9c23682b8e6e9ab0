#!/usr/bin/python3
"""frost's benchmark: runs every stage, prints progress, writes the results.

  bench.py BUILD quick|full [csv|serve|dask|python | NAME,NAME...]

(a trailing `csv` runs only stage 8, `frost predict` on a large CSV; `serve` only stage 9,
`frost serve` against a Python model server (serve_bench.py); `dask` only stage 10, a 2-worker
local Dask cluster; `python` only stage 11, python3 -c to the first prediction with frost.load vs
joblib.load — each on its model, printing its table; model names, comma-separated, run stages
1-7 for only those models of the mode, e.g. `quick HGB500q`)

Called by bench/run.sh (which builds the C helpers first). Every measured number is the median
of at least 5 runs, shown with its min–max, and every ratio is taken against the anchor measured
in the same run. Raw numbers go to BUILD/bench/results-MODE.json; the report to
bench/results/latest.{md,png} (full) or BUILD/bench/results-quick.{md,png} (quick).
See bench/README.md for what each number means.
"""
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

import serve_bench

PY = "/usr/bin/python3"
HERE = os.path.dirname(os.path.abspath(__file__))

CONFIG = {
    "quick": dict(models=["RF100q", "GB100q", "ET30q", "HGB500q"], frost_runs=5, py_runs=5, capi_runs=5,
                  conv_runs=5, score_runs=5, score_rows=20_000, sk_runs=5, sk_calls=200,
                  frost_calls=1000, disk_mb=1024, disk_secs=1.5,
                  csv_model="RF100q", csv_rows=200_000, csv_runs=3,
                  dask_model="RF100q", dask_rows=100_000, dask_runs=2,
                  pystart_model="RF100q"),
    "full": dict(models=["RF500", "RF100", "GB300", "HGB500", "ET300"], frost_runs=7, py_runs=5,
                 capi_runs=7, conv_runs=5, score_runs=5, score_rows=100_000, sk_runs=5,
                 sk_calls=1000, frost_calls=1000, disk_mb=1024, disk_secs=3,
                 csv_model="RF100", csv_rows=1_000_000, csv_runs=5,
                 dask_model="RF500", dask_rows=1_000_000, dask_runs=3,
                 pystart_model="RF500"),
}
IO_MODES = ["uring", "pread", "mmap"]
# What python runs for the fresh-process baseline: load with joblib, read the same CSV row, predict.
PY_ONE_ROW = ("import sys, joblib, numpy as np; m = joblib.load(sys.argv[1]); "
              "x = np.loadtxt(sys.argv[2], delimiter=',', skiprows=1, ndmin=2); "
              "print(m.predict(x)[0])")

# The same with the frost package (tools/python/frost over libfrost): frost.load for joblib.load.
PY_FROST_ONE_ROW = ("import sys, frost, numpy as np; m = frost.load(sys.argv[1]); "
                    "x = np.loadtxt(sys.argv[2], delimiter=',', skiprows=1, ndmin=2); "
                    "print(m.predict(x)[0])")
# where the frost package is, for the Python stages (libfrost: run.sh's snapshot in BUILD/bench/bin)
PY_PACKAGE = os.path.join(os.path.dirname(HERE), "tools", "python")

T_START = time.time()


def log(msg):
    print(f"[{time.time() - T_START:7.1f}s] {msg}", flush=True)


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
        raise SystemExit(f"bench: command failed ({r.returncode}): {' '.join(cmd)}")
    return r.stdout


def stat(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return None
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "n": len(vals)}


def med(s):
    return s["median"] if s else float("nan")


# ---- helpers around the C programs ---------------------------------------------------------

RUNNER_COLS = ["wall_ms", "maxrss_kb", "inblock_bytes", "majflt", "minflt", "user_ms", "sys_ms",
               "resident_before", "exit"]


def runner(tools, cmd, runs, evict=None, warm=None, warmup=0):
    args = [f"{tools}/runner", "-q", "-n", str(runs), "-w", str(warmup)]
    for f in evict or []:
        args += ["-e", f]
    for f in warm or []:
        args += ["-E", f]
    out = run(args + ["--"] + cmd)
    rows = [dict(zip(RUNNER_COLS, map(float, line.split("\t")))) for line in out.splitlines()]
    return {k: stat([r[k] for r in rows]) for k in RUNNER_COLS}


CAPI_OPEN_COLS = ["open_ms", "first_ms", "rss_before_kb", "rss_open_kb", "rss_first_kb",
                  "header_bytes", "bytes_read", "reads", "submissions", "blocks_loaded",
                  "resident_before", "resident_after", "io_read_bytes", "io_mode", "pred",
                  "io_read_bytes_open"]


def capi_open(tools, model, rows, io, cold, runs, proba=False):
    args = [f"{tools}/capi", "open", model, rows, "--io", io, "--cold" if cold else "--warm",
            "--runs", str(runs)] + (["--proba"] if proba else [])
    out = run(args)
    recs = []
    for line in out.splitlines():
        f = line.split("\t")
        rec = {k: (v if k == "io_mode" else float(v)) for k, v in zip(CAPI_OPEN_COLS, f)}
        rec["rss_open_delta_kb"] = rec["rss_open_kb"] - rec["rss_before_kb"]
        recs.append(rec)
    res = {k: stat([r[k] for r in recs]) for k in CAPI_OPEN_COLS + ["rss_open_delta_kb"]
           if k != "io_mode"}
    res["io_mode"] = recs[0]["io_mode"]
    return res


# ---- stages --------------------------------------------------------------------------------


def machine():
    info = {}
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    info["cores"] = os.cpu_count()
    with open("/proc/meminfo") as f:
        kb = int(f.readline().split()[1])
    info["ram_gib"] = round(kb / 2**20, 1)
    info["kernel"] = platform.release()
    try:
        dev = run(["findmnt", "-n", "-o", "SOURCE", "--target", os.getcwd()]).strip()
        info["disk"] = dev
        base = os.path.basename(dev).rstrip("0123456789") if "vd" in dev or "sd" in dev else \
            os.path.basename(dev)
        for key, path in [("scheduler", f"/sys/block/{base}/queue/scheduler"),
                          ("rotational", f"/sys/block/{base}/queue/rotational")]:
            if os.path.exists(path):
                info["disk_" + key] = open(path).read().strip()
    except SystemExit:
        pass
    info["loadavg_start"] = open("/proc/loadavg").read().split()[:3]
    info["python"] = platform.python_version()
    info["versions"] = run([PY, "-c", "import sklearn, joblib, numpy; print(sklearn.__version__, "
                            "joblib.__version__, numpy.__version__)"]).split()
    info["cc"] = run(["cc", "--version"]).splitlines()[0]
    try:
        info["frost_rev"] = run(["git", "-C", os.path.dirname(HERE), "rev-parse", "--short",
                                 "HEAD"]).strip()
        dirty = run(["git", "-C", os.path.dirname(HERE), "status", "--porcelain",
                     "--untracked-files=no"]).strip()
        info["frost_rev"] += " (+ uncommitted changes)" if dirty else ""
    except (SystemExit, FileNotFoundError):
        info["frost_rev"] = "?"
    info["openblas_env"] = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_")}
    return info


def disk_rates(tools, work, cfg):
    out = run([f"{tools}/diskrate", f"{work}/scratch.bin", str(cfg["disk_mb"]),
               str(cfg["disk_secs"])])
    return {k: float(v) for k, v in (line.split() for line in out.splitlines())}


def stage_convert(res, frost, tools, d, cfg):
    src = f"{d}/model.joblib"
    conv = {}
    for comp in ["none", "lz4"]:
        out = f"{d}/model.frost" if comp == "none" else f"{d}/model.lz4.frost"
        r = runner(tools, [frost, "convert", src, out, "--compress", comp, "--quiet"],
                   cfg["conv_runs"], warm=[src])
        mb = os.path.getsize(src) / 1e6
        conv[comp] = {"wall_ms": r["wall_ms"], "maxrss_kb": r["maxrss_kb"],
                      "user_ms": r["user_ms"], "sys_ms": r["sys_ms"],
                      "mb_per_s": stat([mb / (r["wall_ms"][k] / 1e3) for k in ("median",)]),
                      "mb_per_s_range": [mb / (r["wall_ms"]["max"] / 1e3),
                                         mb / (r["wall_ms"]["min"] / 1e3)],
                      "input_mb": mb}
    res["convert"] = conv


def stage_sizes(res, d):
    names = {"frost": "model.frost", "frost_lz4": "model.lz4.frost", "joblib": "model.joblib",
             "joblib_zlib3": "model.z3.joblib", "joblib_lz4_3": "model.lz4.joblib",
             "joblib_gzip3": "model.gz3.joblib", "pickle": "model.pkl"}
    res["sizes"] = {k: os.path.getsize(f"{d}/{v}") for k, v in names.items()}


def stage_fresh(res, frost, tools, d, cfg):
    csv = f"{d}/one_row.csv"
    fr = {}
    for label, model, io in [("frost", f"{d}/model.frost", None),
                             ("frost_lz4", f"{d}/model.lz4.frost", None)] + \
            [(f"frost_{m}", f"{d}/model.frost", m) for m in IO_MODES]:
        cmd = [frost, "predict", model, csv] + (["--io", io] if io else [])
        fr[label] = {"cold": runner(tools, cmd, cfg["frost_runs"], evict=[model]),
                     "warm": runner(tools, cmd, cfg["frost_runs"], warm=[model], warmup=1)}
    # what any fresh process costs here (exec, dynamic loading, page faults): the spawn floor
    fr["true"] = {"warm": runner(tools, ["/bin/true"], cfg["frost_runs"], warmup=1)}
    fr["true"]["cold"] = fr["true"]["warm"]
    jl = f"{d}/model.joblib"
    cmd = [PY, "-c", PY_ONE_ROW, jl, csv]
    fr["python"] = {"cold": runner(tools, cmd, cfg["py_runs"], evict=[jl]),
                    "warm": runner(tools, cmd, cfg["py_runs"], warm=[jl], warmup=1)}
    res["fresh"] = fr


def python_env(tools):
    """The environment of the Python stages: the frost package from this tree, libfrost from
    run.sh's snapshot. Both pythons of a comparison run in it alike."""
    env = dict(os.environ)
    env["PYTHONPATH"] = PY_PACKAGE
    env["FROST_LIBRARY_PATH"] = f"{tools}/bin"
    return env


def stage_python_start(res, tools, d, cfg):
    """python3 -c from start to the first prediction, fresh process: frost.load(model.frost)
    against joblib.load(model.joblib), the same row read the same way, cold and warm."""
    csv = f"{d}/one_row.csv"
    saved = dict(os.environ)
    os.environ.update(python_env(tools))   # runner passes its environment on
    try:
        out = {}
        for label, script, model in [("frost", PY_FROST_ONE_ROW, f"{d}/model.frost"),
                                     ("joblib", PY_ONE_ROW, f"{d}/model.joblib")]:
            cmd = [PY, "-c", script, model, csv]
            out[label] = {"cold": runner(tools, cmd, cfg["py_runs"], evict=[model]),
                          "warm": runner(tools, cmd, cfg["py_runs"], warm=[model], warmup=1)}
            if any(out[label][c]["exit"]["max"] != 0 for c in ("cold", "warm")):
                raise SystemExit(f"bench: {label}'s python exited non-zero: {' '.join(cmd)}")
    finally:
        os.environ.clear()
        os.environ.update(saved)
    res["python_start"] = out


def stage_dask(res, tools, d, cfg):
    """A 2-worker local Dask cluster scoring the model over dask_rows rows: frost.dask.predict
    against scikit-learn under the same map_partitions (bench/dask_bench.py)."""
    r = subprocess.run([PY, f"{HERE}/dask_bench.py", d, str(cfg["dask_rows"]),
                        str(cfg["dask_runs"])], capture_output=True, text=True,
                       env=python_env(tools), timeout=3600)
    if r.returncode != 0:
        sys.stderr.write(r.stderr[-3000:])
        raise SystemExit(f"bench: dask_bench.py failed ({r.returncode})")
    out = json.loads(r.stdout.strip().splitlines()[-1])
    n = out["rows"]
    for eng in ("frost", "sklearn"):
        e = out[eng]
        e["rows_per_s"] = stat([n / t for t in e["runs_s"]])
        e["seconds"] = stat(e["runs_s"])
    res["dask"] = out


def stage_capi_open(res, tools, d, cfg):
    rows = f"{d}/rows.f64"
    out = {}
    # auto = what frost_open(path, NULL, …) does (the runtime picks the mode); then each forced
    for io in ["auto"] + IO_MODES:
        out[io] = {"cold": capi_open(tools, f"{d}/model.frost", rows, io, True, cfg["capi_runs"]),
                   "warm": capi_open(tools, f"{d}/model.frost", rows, io, False,
                                     cfg["capi_runs"])}
    out["lz4_auto"] = {"cold": capi_open(tools, f"{d}/model.lz4.frost", rows, "auto", True,
                                         cfg["capi_runs"]),
                       "warm": capi_open(tools, f"{d}/model.lz4.frost", rows, "auto", False,
                                         cfg["capi_runs"])}
    res["capi_open"] = out


def stage_scoring(res, tools, d, cfg, is_clf):
    model, rows = f"{d}/model.frost", f"{d}/rows.f64"
    sc = {"latency": {}, "throughput": {}}
    for variant, extra in [("lazy", []), ("load_all", ["--load-all"])]:
        vals = []
        for _ in range(cfg["score_runs"]):
            out = run([f"{tools}/capi", "latency", model, rows, "--n", str(cfg["frost_calls"])]
                      + extra)
            vals.append(float(out.split()[0]))
        sc["latency"][variant] = stat(vals)
    checks = []
    for meth in ["predict"] + (["predict_proba"] if is_clf else []):
        pflag = ["--proba"] if meth == "predict_proba" else []
        for th in (1, 2):
            args = [f"{tools}/capi", "throughput", model, rows, "--threads", str(th), "--runs",
                    str(cfg["score_runs"]), "--rows", str(cfg["score_rows"])] + pflag
            if th == 1:
                path = f"{d}/frost_pred{'.proba' if pflag else ''}.f64"
                args += ["--out", path]
                checks.append(path)
            out = run(args)
            secs = [float(line.split()[0]) for line in out.splitlines()]
            cpu = [float(line.split()[2]) for line in out.splitlines()]
            sc["throughput"][f"{meth}_t{th}"] = stat([cfg["score_rows"] / s for s in secs])
            sc["throughput"][f"{meth}_t{th}_cpu"] = stat([cfg["score_rows"] / s for s in cpu])
    sk = json.loads(run([PY, f"{HERE}/sk_bench.py", d, str(cfg["sk_runs"]), str(cfg["sk_calls"]),
                         str(cfg["score_rows"])] + checks))
    sc["sklearn"] = {
        "throughput": {f"{meth}_nj{nj}": stat([sk["n_rows"] / s for s in secs])
                       for nj, tp in sk["throughput"].items() for meth, secs in tp.items()},
        "latency": {f"nj{nj}": v for nj, v in sk["latency"].items()},
        "has_n_jobs": sk["has_n_jobs"],
    }
    sc["mismatches"] = {os.path.basename(k): v for k, v in sk["check"].items()}
    res["scoring"] = sc


def big_csv(d, n_rows):
    """d/rows_N.csv: a header and n_rows scoring rows (the rows.f64 rows over and over), each
    value as repr() writes it — what pandas' to_csv or Python's csv module produce. Cached."""
    path = f"{d}/rows_{n_rows}.csv"
    if os.path.exists(path):
        return path
    info = json.load(open(f"{d}/info.json"))
    nf = info["n_features"]
    import numpy as np
    rows = np.fromfile(f"{d}/rows.f64", dtype=np.float64).reshape(-1, nf)
    text = [",".join(repr(float(v)) for v in r) + "\n" for r in rows]
    with open(path + ".tmp", "w") as f:
        f.write(",".join(f"f{i}" for i in range(nf)) + "\n")
        for i in range(n_rows):
            f.write(text[i % len(text)])
    os.replace(path + ".tmp", path)
    return path


def stage_csv(res, frost, tools, d, cfg):
    """`frost predict MODEL big.csv` end to end (parse, score, format, write), 1 vs 2 threads,
    and the same through a pipe on stdin; rows/s of wall time and the peak RSS."""
    n = cfg["csv_rows"]
    csv_path = big_csv(d, n)
    model = f"{d}/model.frost"
    out = {"rows": n, "csv_bytes": os.path.getsize(csv_path)}
    for th in (1, 2):
        r = runner(tools, [frost, "predict", model, csv_path, "--threads", str(th)],
                   cfg["csv_runs"], warm=[model, csv_path], warmup=1)
        out[f"file_t{th}"] = {"wall_ms": r["wall_ms"], "maxrss_kb": r["maxrss_kb"],
                              "user_ms": r["user_ms"], "sys_ms": r["sys_ms"],
                              "rows_per_s": stat([n / (r["wall_ms"]["median"] / 1e3)]),
                              "rows_per_s_range": [n / (r["wall_ms"]["max"] / 1e3),
                                                   n / (r["wall_ms"]["min"] / 1e3)]}
    # stdin through a pipe: wait4's peak RSS covers the shell's children, frost included
    r = runner(tools, ["/bin/sh", "-c", 'cat "$1" | "$2" predict "$3" - --threads 2', "sh",
                       csv_path, frost, model], cfg["csv_runs"], warm=[model, csv_path])
    out["stdin_t2"] = {"wall_ms": r["wall_ms"], "maxrss_kb": r["maxrss_kb"],
                       "rows_per_s": stat([n / (r["wall_ms"]["median"] / 1e3)]),
                       "rows_per_s_range": [n / (r["wall_ms"]["max"] / 1e3),
                                            n / (r["wall_ms"]["min"] / 1e3)]}
    # the memory ceiling: a tenth of the rows must peak at (about) the same RSS
    small = big_csv(d, max(n // 10, 1))
    r = runner(tools, [frost, "predict", model, small, "--threads", "2"], cfg["csv_runs"],
               warm=[model, small])
    out["small_t2"] = {"rows": max(n // 10, 1), "maxrss_kb": r["maxrss_kb"]}
    res["csv"] = out


def model_stages(frost, tools, d, cfg, disk):
    info = json.load(open(f"{d}/info.json"))
    res = {"info": {k: v for k, v in info.items() if k != "path_levels"}}
    levels = info["path_levels"]
    res["info"]["path_levels_sum"] = sum(levels)
    res["info"]["path_levels_max"] = max(levels)
    pages = info["floor_pages"]
    res["floor"] = {
        "pages": pages,
        "ms": pages / disk["rand4k_qd32_iops"] * 1e3,
        # not the floor: the reads along one path depend on each other, so the deepest
        # tree needs ⌈levels/9⌉ reads one after another at queue depth 1 latency
        "dependent_ms": max(math.ceil(v / 9) for v in levels) * disk["rand4k_qd1_lat_us"] / 1e3,
    }
    name = info["name"]
    log(f"{name}: converting (frost convert, none and lz4, {cfg['conv_runs']} runs each)")
    stage_convert(res, frost, tools, d, cfg)
    stage_sizes(res, d)
    log(f"{name}: fresh-process one-row prediction, cold and warm (frost × 5 variants, python)")
    stage_fresh(res, frost, tools, d, cfg)
    log(f"{name}: C API open → first prediction per I/O mode, cold and warm")
    stage_capi_open(res, tools, d, cfg)
    log(f"{name}: scoring (one-row latency, throughput on {cfg['score_rows']} rows, sklearn)")
    stage_scoring(res, tools, d, cfg, info["task"] == "classifier")
    if name == cfg["csv_model"]:
        log(f"{name}: frost predict on a {cfg['csv_rows']:,}-row CSV, 1 and 2 threads, stdin")
        stage_csv(res, frost, tools, d, cfg)
    if name == cfg["pystart_model"]:
        log(f"{name}: python3 -c to the first prediction, frost.load vs joblib.load")
        stage_python_start(res, tools, d, cfg)
    if name == cfg["dask_model"]:
        log(f"{name}: 2-worker local Dask cluster over {cfg['dask_rows']:,} rows, frost vs "
            "scikit-learn")
        stage_dask(res, tools, d, cfg)
    return res


# ---- report --------------------------------------------------------------------------------


def fmt(v, unit="", digits=None):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if digits is None:
        a = abs(v)
        digits = 0 if a >= 100 else 1 if a >= 10 else 2 if a >= 1 else 3
    return f"{v:,.{digits}f}{unit}"


def fs(s, unit="", scale=1.0, digits=None):
    """median (min–max)"""
    if not s:
        return "–"
    return (f"{fmt(s['median'] * scale, unit, digits)} "
            f"({fmt(s['min'] * scale, '', digits)}–{fmt(s['max'] * scale, '', digits)})")


def ratio(a, b):
    return a / b if a and b else float("nan")


def rx(r):
    return "–" if r is None or math.isnan(r) else (f"{r:,.0f}×" if r >= 100 else f"{r:,.1f}×"
                                                   if r >= 10 else f"{r:.2f}×")


def mb(n):
    return f"{n / 1e6:,.1f} MB"


def targets(models):
    """(target, model, measured, threshold text, met)"""
    out = []
    for name, r in models.items():
        fr = r["fresh"]
        warm = ratio(med(fr["python"]["warm"]["wall_ms"]), med(fr["frost"]["warm"]["wall_ms"]))
        cold = ratio(med(fr["python"]["cold"]["wall_ms"]), med(fr["frost"]["cold"]["wall_ms"]))
        floor = r["floor"]["ms"]
        cold_floor = ratio(med(fr["frost"]["cold"]["wall_ms"]), floor)
        capi_floor = ratio(med(r["capi_open"]["auto"]["cold"]["first_ms"]), floor)
        out.append(("fresh process warm ≥ 300× faster than joblib.load+predict", name,
                    rx(warm), warm >= 300))
        out.append(("fresh process cold ≥ 50× faster", name, rx(cold), cold >= 50))
        out.append(("cold within 1.5× of the I/O floor (fresh process)", name,
                    f"{rx(cold_floor)} of {fmt(floor, ' ms')}", cold_floor <= 1.5))
        out.append(("cold within 1.5× of the I/O floor (C API open→first, default I/O)", name,
                    f"{rx(capi_floor)} of {fmt(floor, ' ms')}", capi_floor <= 1.5))
        co = r["capi_open"]["auto"]["cold"]
        pages = med(co["blocks_loaded"]) + med(co["header_bytes"]) / 4096
        if name.startswith("RF500"):
            cache = med(co["resident_after"])
            out.append(("one-row RF500 prediction touches ≲ 600 pages (frost's header + block "
                        "reads; and pages the kernel brought in)", name,
                        f"{pages:,.0f} pages requested, {cache:,.0f} in the page cache after",
                        max(pages, cache) <= 600))
        sc = r["scoring"]
        sk = sc["sklearn"]
        for meth in ["predict", "predict_proba"]:
            if f"{meth}_t1" not in sc["throughput"]:
                continue
            t = ratio(med(sc["throughput"][f"{meth}_t1"]), med(sk["throughput"][f"{meth}_nj1"]))
            out.append((f"throughput ≥ 10× sklearn n_jobs=1 ({meth}, 1 thread)", name, rx(t),
                        t >= 10))
        lat = ratio(sk["latency"]["nj1"]["median"], med(sc["latency"]["lazy"]))
        out.append(("one-row latency ≥ 300× lower than sklearn n_jobs=1 (frost_open only)", name,
                    rx(lat), lat >= 300))
        lat2 = ratio(sk["latency"]["nj1"]["median"], med(sc["latency"]["load_all"]))
        out.append(("one-row latency ≥ 300× lower (after frost_load_all)", name, rx(lat2),
                    lat2 >= 300))
        s = r["sizes"]
        z = ratio(s["frost_lz4"], s["joblib_zlib3"])
        out.append((".frost lz4 ≤ 0.5× joblib compress=3 (zlib)", name, rx(z), z <= 0.5))
        u = ratio(s["frost"], s["joblib"])
        out.append((".frost uncompressed ≤ 0.3× joblib uncompressed", name, rx(u), u <= 0.3))
        c = med(r["convert"]["none"]["mb_per_s"])
        out.append(("conversion ≥ 300 MB/s (uncompressed joblib in)", name, fmt(c, " MB/s"),
                    c >= 300))
        if name.startswith("ET300"):
            w = med(r["capi_open"]["auto"]["warm"]["first_ms"])
            out.append(("ET300 open + first prediction < 50 ms warm (C API, default I/O)", name,
                        fmt(w, " ms"), w < 50))
        rss = ratio(med(fr["python"]["warm"]["maxrss_kb"]), med(fr["frost"]["warm"]["maxrss_kb"]))
        out.append(("fresh-process peak RSS ≤ 1/10 of joblib's", name, f"1/{rss:,.0f}",
                    rss >= 10))
        ow = r["capi_open"]["auto"]["warm"]
        delta = med(ow["rss_open_delta_kb"]) * 1024
        hdr = med(ow["header_bytes"])
        out.append(("RSS after open ≤ header + 2 MiB (growth over frost_open)", name,
                    f"+{delta / 2**20:.2f} MiB (header {hdr / 2**20:.2f} MiB)",
                    delta <= hdr + 2**21))
    return out


def csv_section(models):
    """Stage 8's table (empty when no model ran it)."""
    L = []
    w = L.append
    runs = {n: r["csv"] for n, r in models.items() if "csv" in r}
    if not runs:
        return L
    w("## 8. `frost predict` on a CSV file (parse, score, format, write)")
    w("")
    w("`frost predict MODEL rows.csv --threads N > /dev/null` on the scoring rows repeated to the "
      "size shown (values as repr() writes them); the model and the CSV in the page cache. "
      "rows/s of wall time; peak RSS from wait4. stdin: `cat rows.csv | frost predict MODEL - "
      "--threads 2`. The RSS at a tenth of the rows shows the ceiling does not grow with the "
      "input.")
    w("")
    w("| model | rows (CSV size) | 1 thread rows/s | 2 threads rows/s | 2T / 1T | peak RSS 1T "
      "| peak RSS 2T | stdin 2T rows/s | stdin peak RSS | peak RSS 2T at a tenth of the rows |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    for name, c in runs.items():
        t1, t2, si = c["file_t1"], c["file_t2"], c["stdin_t2"]
        rng = lambda x: (f"{fmt(med(x['rows_per_s']), '', 0)} "
                         f"({fmt(x['rows_per_s_range'][0], '', 0)}–"
                         f"{fmt(x['rows_per_s_range'][1], '', 0)})")
        w(f"| {name} | {c['rows']:,} ({mb(c['csv_bytes'])}) | {rng(t1)} | {rng(t2)} | "
          f"{rx(ratio(med(t1['wall_ms']), med(t2['wall_ms'])))} | "
          f"{fs(t1['maxrss_kb'], ' MiB', 1 / 1024, 1)} | {fs(t2['maxrss_kb'], ' MiB', 1 / 1024, 1)} | "
          f"{rng(si)} | {fs(si['maxrss_kb'], ' MiB', 1 / 1024, 1)} | "
          f"{fs(c['small_t2']['maxrss_kb'], ' MiB', 1 / 1024, 1)} ({c['small_t2']['rows']:,} rows) |")
    w("")
    return L


def python_sections(models):
    """Stages 10 and 11's tables (empty when no model ran them)."""
    L = []
    w = L.append
    runs = {n: r["dask"] for n, r in models.items() if "dask" in r}
    if runs:
        w("## 10. Dask: a local cluster of 2 worker processes")
        w("")
        w("The rows (the scoring rows repeated; 8 partitions per worker) are made and persisted "
          "on the workers first; each run persists the predictions there. frost: "
          "`frost.dask.predict(ddf, model.frost)`; scikit-learn: the same `map_partitions` over "
          "`joblib.load` + `predict` (n_jobs=1). Each worker loads its model once, in an untimed "
          "first run whose time (loading included) is shown apart. rows/s of wall time.")
        w("")
        w("| model | rows | frost rows/s | scikit-learn rows/s | frost / sklearn | first run "
          "frost | first run sklearn | frost opens per worker | mismatches |")
        w("|---|---|---|---|---|---|---|---|---|")
        for name, dk in runs.items():
            f, k = dk["frost"], dk["sklearn"]
            w(f"| {name} | {dk['rows']:,} | {fs(f['rows_per_s'], '', 1, 0)} | "
              f"{fs(k['rows_per_s'], '', 1, 0)} | "
              f"{rx(ratio(med(f['rows_per_s']), med(k['rows_per_s'])))} | "
              f"{fmt(f['first_s'], ' s')} | {fmt(k['first_s'], ' s')} | "
              f"{dk['frost_opens_per_worker']} | {dk['mismatches']} |")
        w("")
    runs = {n: r["python_start"] for n, r in models.items() if "python_start" in r}
    if runs:
        w("## 11. Python: `python3 -c` to the first prediction, frost.load vs joblib.load")
        w("")
        w("A fresh `/usr/bin/python3 -c 'import frost, numpy; m = frost.load(model.frost); "
          "x = np.loadtxt(one_row.csv); print(m.predict(x)[0])'` against the same with "
          "`joblib.load(model.joblib)` (stage 1's python), timed by `runner` from posix_spawn to "
          "wait4.")
        w("")
        w("| model | frost.load warm | joblib.load warm | warm ratio | frost.load cold | "
          "joblib.load cold | cold ratio | peak RSS frost / joblib (warm) |")
        w("|---|---|---|---|---|---|---|---|")
        for name, ps in runs.items():
            f, j = ps["frost"], ps["joblib"]
            w(f"| {name} | {fs(f['warm']['wall_ms'], ' ms')} | {fs(j['warm']['wall_ms'], ' ms')} "
              f"| {rx(ratio(med(j['warm']['wall_ms']), med(f['warm']['wall_ms'])))} | "
              f"{fs(f['cold']['wall_ms'], ' ms')} | {fs(j['cold']['wall_ms'], ' ms')} | "
              f"{rx(ratio(med(j['cold']['wall_ms']), med(f['cold']['wall_ms'])))} | "
              f"{fmt(med(f['warm']['maxrss_kb']) / 1024, ' MiB', 0)} / "
              f"{fmt(med(j['warm']['maxrss_kb']) / 1024, ' MiB', 0)} |")
        w("")
    return L


def report(mode, mach, disk, models, path_md, path_png, serve=None):
    L = []
    w = L.append
    w(f"# frost benchmark — {mode} run")
    w("")
    date = mach.get("date", time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()))
    secs = mach.get("duration_s", time.time() - T_START)
    w(f"{date} · frost {mach['frost_rev']} · "
      f"`make bench{' QUICK=1' if mode == 'quick' else ''}` · {secs:.0f} s")
    w("")
    w("## Machine")
    w("")
    w(f"- CPU: {mach['cpu']}, {mach['cores']} cores; RAM {mach['ram_gib']} GiB; "
      f"kernel {mach['kernel']}")
    w(f"- disk: {mach.get('disk', '?')} (scheduler {mach.get('disk_scheduler', '?')}, "
      f"rotational {mach.get('disk_rotational', '?')}); measured with O_DIRECT io_uring on a "
      f"{CONFIG[mode]['disk_mb']} MiB scratch file: random 4 KiB QD1 "
      f"{disk['rand4k_qd1_iops']:,.0f} IOPS ({disk['rand4k_qd1_lat_us']:.0f} µs), "
      f"QD32 **{disk['rand4k_qd32_iops']:,.0f} IOPS** ({disk['rand4k_qd32_lat_us']:.0f} µs), "
      f"sequential 1 MiB QD4 {disk['seq1m_qd4_mbps']:,.0f} MB/s"
      + (f"; buffered (page cache, FADV_RANDOM) random 4 KiB QD32 "
         f"{disk['rand4k_qd32_buffered_iops']:,.0f} IOPS"
         if "rand4k_qd32_buffered_iops" in disk else ""))
    if "anon_fault_us" in disk:
        w(f"- first touch of a fresh anonymous page costs **{disk['anon_fault_us']:.1f} µs** "
          "(64 MiB, best of 3): every new buffer, mapping or process pays it per page")
    v = mach["versions"]
    w(f"- Python {mach['python']}, scikit-learn {v[0]}, joblib {v[1]}, numpy {v[2]} (Debian, "
      f"/usr/bin/python3); {mach['cc']}; OPENBLAS env {mach['openblas_env'] or 'unset'}")
    w(f"- load average at start {' '.join(mach['loadavg_start'])}, at end "
      f"{' '.join(mach['loadavg_end'])} (the machine is shared; medians damp the noise)")
    w("")
    w("Each cell: median (min–max) of the runs; ratios are of medians from the same run. "
      "Cold = the model file evicted from the page cache before every run (checked with "
      "mincore); warm = read whole before every run.")
    w("")
    w("## Targets")
    w("")
    w("| target | model | measured | met |")
    w("|---|---|---|---|")
    for t, name, meas, ok in targets(models) + serve_bench.targets(serve, fmt, ratio, rx):
        w(f"| {t} | {name} | {meas} | {'✅' if ok else '❌'} |")
    w("")
    w("## 1. Time to first prediction, fresh process (one row)")
    w("")
    w("`frost predict MODEL one_row.csv` vs `python3 -c 'joblib.load; np.loadtxt; predict'`; "
      "wall time from posix_spawn to wait4.")
    w("")
    w("| model | frost cold | python cold | cold ratio | frost warm | python warm | warm ratio "
      "| I/O floor | frost cold / floor |")
    w("|---|---|---|---|---|---|---|---|---|")
    for name, r in models.items():
        fr = r["fresh"]
        fc, pc = fr["frost"]["cold"]["wall_ms"], fr["python"]["cold"]["wall_ms"]
        fw, pw = fr["frost"]["warm"]["wall_ms"], fr["python"]["warm"]["wall_ms"]
        w(f"| {name} | {fs(fc, ' ms')} | {fs(pc, ' ms')} | {rx(ratio(med(pc), med(fc)))} | "
          f"{fs(fw, ' ms')} | {fs(pw, ' ms')} | {rx(ratio(med(pw), med(fw)))} | "
          f"{fmt(r['floor']['ms'], ' ms')} ({r['floor']['pages']} p) | "
          f"{rx(ratio(med(fc), r['floor']['ms']))} |")
    w("")
    w("I/O floor = Σ over trees ⌈nodes on the row's root-to-leaf path / 9⌉ pages (paths from "
      "sklearn's decision_path) ÷ the QD32 random 4 KiB rate. A floor that respects the "
      "dependent reads along one path (deepest tree's page count × QD1 latency) is "
      + ", ".join(f"{n} {fmt(r['floor']['dependent_ms'], ' ms')}" for n, r in models.items())
      + ".")
    w("")
    w("### Fresh process by variant")
    w("")
    w("`true` is /bin/true: what starting any process costs on this machine.")
    w("")
    w("| model | variant | cold | warm | disk read cold (ru_inblock) | peak RSS warm |")
    w("|---|---|---|---|---|---|")
    for name, r in models.items():
        for var in ["frost", "frost_lz4"] + [f"frost_{m}" for m in IO_MODES] + ["python", "true"]:
            if var not in r["fresh"]:
                continue
            f = r["fresh"][var]
            w(f"| {name} | {var} | {fs(f['cold']['wall_ms'], ' ms')} | "
              f"{fs(f['warm']['wall_ms'], ' ms')} | "
              f"{fmt(med(f['cold']['inblock_bytes']) / 1e6, ' MB', 2)} | "
              f"{fmt(med(f['warm']['maxrss_kb']) / 1024, ' MiB', 1)} |")
    w("")
    w("## 2–3. C API: open → first prediction, per I/O mode (in-process)")
    w("")
    w("| model | I/O | cold open→first | warm open→first | blocks read (frost_stats) | reads / "
      "submissions | header | page-cache pages after (mincore) | /proc/self/io read_bytes "
      "(of which by open) |")
    w("|---|---|---|---|---|---|---|---|---|")
    for name, r in models.items():
        for io, c in r["capi_open"].items():
            cc, ww = c["cold"], c["warm"]
            w(f"| {name} | {io} | {fs(cc['first_ms'], ' ms')} | {fs(ww['first_ms'], ' ms')} | "
              f"{fmt(med(cc['blocks_loaded']), '', 0)} blocks, "
              f"{fmt(med(cc['bytes_read']) / 1024, ' KiB', 0)} | "
              f"{fmt(med(cc['reads']), '', 0)} / {fmt(med(cc['submissions']), '', 0)} | "
              f"{fmt(med(cc['header_bytes']) / 1024, ' KiB', 0)} | "
              f"{fmt(med(cc['resident_after']), '', 0)} | "
              f"{fmt(med(cc['io_read_bytes']) / 1024, ' KiB', 0)} "
              f"({fmt(med(cc.get('io_read_bytes_open')) / 1024, ' KiB', 0)}) |")
    w("")
    w("`auto` is frost_open's default (the mode it picked is in the JSON as io_mode: "
      + ", ".join(f"{n} cold {r['capi_open']['auto']['cold']['io_mode']} / warm "
                  f"{r['capi_open']['auto']['warm']['io_mode']}" for n, r in models.items())
      + ").")
    w("")
    w("Pages touched vs floor (cold, default I/O): ")
    w("")
    w("| model | header pages | blocks loaded | total | page-cache pages after | floor pages |")
    w("|---|---|---|---|---|---|")
    for name, r in models.items():
        c = r["capi_open"]["auto"]["cold"]
        hp, bp = med(c["header_bytes"]) / 4096, med(c["blocks_loaded"])
        w(f"| {name} | {hp:,.0f} | {bp:,.0f} | {hp + bp:,.0f} | "
          f"{med(c['resident_after']):,.0f} | {r['floor']['pages']:,} |")
    w("")
    w("## 4. Scoring")
    w("")
    w("One-row latency: median over 1000 warm calls (µs); frost `lazy` = frost_open only, "
      "`load_all` = after frost_load_all.")
    w("")
    w("| model | frost lazy | frost load_all | sklearn n_jobs=1 | sklearn n_jobs=2 | "
      "ratio (nj1 / lazy) |")
    w("|---|---|---|---|---|---|")
    for name, r in models.items():
        sc = r["scoring"]
        sk = sc["sklearn"]["latency"]
        w(f"| {name} | {fs(sc['latency']['lazy'], ' µs')} | {fs(sc['latency']['load_all'], ' µs')}"
          f" | {fmt(sk['nj1']['median'], ' µs')} | {fmt(sk['nj2']['median'], ' µs')} | "
          f"{rx(ratio(sk['nj1']['median'], med(sc['latency']['lazy'])))} |")
    w("")
    n_rows = CONFIG[mode]["score_rows"]
    w(f"Throughput on {n_rows:,} rows, rows/s of wall time (frost: C API after frost_load_all, "
      "rows split between threads; sklearn: estimator.n_jobs set; GB has no n_jobs). "
      "'by CPU time' divides rows per CPU-second of each process, which a busy machine "
      "inflates less. Two-thread numbers need the second core free: other jobs on this shared "
      "machine take it at times (compare the load average).")
    w("")
    w("| model | method | frost 1 thread | frost 2 threads | sklearn n_jobs=1 | sklearn n_jobs=2 "
      "| frost 1T / sk nj1 | frost 2T / sk nj2 | 1T / nj1 by CPU time | mismatches vs sklearn |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    for name, r in models.items():
        sc = r["scoring"]
        sk = sc["sklearn"]["throughput"]
        for meth in ["predict", "predict_proba"]:
            if f"{meth}_t1" not in sc["throughput"]:
                continue
            t1, t2 = sc["throughput"][f"{meth}_t1"], sc["throughput"][f"{meth}_t2"]
            s1, s2 = sk[f"{meth}_nj1"], sk[f"{meth}_nj2"]
            mm = sc["mismatches"].get(f"frost_pred{'.proba' if meth != 'predict' else ''}.f64")
            w(f"| {name} | {meth} | {fs(t1)} | {fs(t2)} | {fs(s1)} | {fs(s2)} | "
              f"{rx(ratio(med(t1), med(s1)))} | {rx(ratio(med(t2), med(s2)))} | "
              f"{rx(ratio(med(sc['throughput'].get(f'{meth}_t1_cpu')), med(sk.get(f'{meth}_cpu_nj1'))))}"
              f" | {mm} |")
    w("")
    w("## 5. File size")
    w("")
    w("| model | .frost | .frost lz4 | joblib | joblib zlib-3 | joblib lz4-3 | joblib gzip-3 | "
      "pickle | frost/joblib | frost lz4/joblib zlib-3 |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    for name, r in models.items():
        s = r["sizes"]
        w(f"| {name} | {mb(s['frost'])} | {mb(s['frost_lz4'])} | {mb(s['joblib'])} | "
          f"{mb(s['joblib_zlib3'])} | {mb(s['joblib_lz4_3'])} | {mb(s['joblib_gzip3'])} | "
          f"{mb(s['pickle'])} | {rx(ratio(s['frost'], s['joblib']))} | "
          f"{rx(ratio(s['frost_lz4'], s['joblib_zlib3']))} |")
    w("")
    w("## 6. Memory")
    w("")
    w("RSS counts mapped page-cache pages too: with the file mapped (mmap, or auto on a cached "
      "file) the pages a prediction faults in — whole large folios at a time — show up in it, "
      "although they are clean, shared and reclaimable.")
    w("")
    w("| model | frost peak RSS (fresh, warm) | python peak RSS | ratio | RSS growth over "
      "frost_open (default I/O, warm) | process RSS after open | after first prediction "
      "(default I/O / uring) | header |")
    w("|---|---|---|---|---|---|---|---|")
    for name, r in models.items():
        fr = r["fresh"]
        ow = r["capi_open"]["auto"]["warm"]
        w(f"| {name} | {fs(fr['frost']['warm']['maxrss_kb'], ' MiB', 1 / 1024, 1)} | "
          f"{fs(fr['python']['warm']['maxrss_kb'], ' MiB', 1 / 1024, 0)} | "
          f"1/{ratio(med(fr['python']['warm']['maxrss_kb']), med(fr['frost']['warm']['maxrss_kb'])):,.0f} | "
          f"{fs(ow['rss_open_delta_kb'], ' KiB', 1, 0)} | {fs(ow['rss_open_kb'], ' KiB', 1, 0)} | "
          f"{fmt(med(ow['rss_first_kb']) / 1024, ' MiB', 1)} / "
          f"{fmt(med(r['capi_open']['uring']['warm']['rss_first_kb']) / 1024, ' MiB', 1)} | "
          f"{fmt(med(ow['header_bytes']) / 1024, ' KiB', 0)} |")
    w("")
    w("## 7. Conversion (`frost convert`, input in the page cache)")
    w("")
    w("| model | joblib in | none: time | none: MB/s | none: peak RSS | lz4: time | lz4: MB/s "
      "| lz4: peak RSS |")
    w("|---|---|---|---|---|---|---|---|")
    for name, r in models.items():
        c = r["convert"]
        w(f"| {name} | {c['none']['input_mb']:,.1f} MB | {fs(c['none']['wall_ms'], ' ms')} | "
          f"{fmt(med(c['none']['mb_per_s']))} | {fs(c['none']['maxrss_kb'], ' MiB', 1 / 1024, 0)}"
          f" | {fs(c['lz4']['wall_ms'], ' ms')} | {fmt(med(c['lz4']['mb_per_s']))} | "
          f"{fs(c['lz4']['maxrss_kb'], ' MiB', 1 / 1024, 0)} |")
    w("")
    L.extend(csv_section(models))
    L.extend(serve_bench.section(serve, fmt, fs, ratio, rx))
    L.extend(python_sections(models))
    w("## Models")
    w("")
    w("| model | estimator | samples | trees | nodes | max depth | one-row path (Σ levels, max) |")
    w("|---|---|---|---|---|---|---|")
    for name, r in models.items():
        i = r["info"]
        w(f"| {name} | {i['estimator']} | {i['n_samples']:,} | {i['n_trees']} | "
          f"{i['n_nodes']:,} | {i['max_depth']} | {i['path_levels_sum']:,}, "
          f"{i['path_levels_max']} |")
    w("")
    w(f"![time to first prediction and throughput]({os.path.basename(path_png)})")
    with open(path_md, "w") as f:
        f.write("\n".join(L) + "\n")
    plot(models, path_png)
    return L


def plot(models, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    names = list(models)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.4), dpi=80)
    x = range(len(names))
    bw = 0.2
    series = [("frost warm", lambda r: med(r["fresh"]["frost"]["warm"]["wall_ms"]), "#1f77b4"),
              ("frost cold", lambda r: med(r["fresh"]["frost"]["cold"]["wall_ms"]), "#aec7e8"),
              ("python warm", lambda r: med(r["fresh"]["python"]["warm"]["wall_ms"]), "#d62728"),
              ("python cold", lambda r: med(r["fresh"]["python"]["cold"]["wall_ms"]), "#ff9896")]
    for k, (label, get, color) in enumerate(series):
        a1.bar([i + (k - 1.5) * bw for i in x], [get(models[n]) for n in names], bw,
               label=label, color=color)
    a1.set_yscale("log")
    a1.set_ylabel("ms (log)")
    a1.set_title("time to first prediction, fresh process", fontsize=10)
    a1.set_xticks(list(x), names)
    a1.legend(fontsize=7)
    meth = lambda r: "predict_proba" if "predict_proba_t1" in r["scoring"]["throughput"] \
        else "predict"
    series = [("frost 1 thread", lambda r: med(r["scoring"]["throughput"][f"{meth(r)}_t1"]),
               "#1f77b4"),
              ("frost 2 threads", lambda r: med(r["scoring"]["throughput"][f"{meth(r)}_t2"]),
               "#aec7e8"),
              ("sklearn n_jobs=1",
               lambda r: med(r["scoring"]["sklearn"]["throughput"][f"{meth(r)}_nj1"]), "#d62728"),
              ("sklearn n_jobs=2",
               lambda r: med(r["scoring"]["sklearn"]["throughput"][f"{meth(r)}_nj2"]), "#ff9896")]
    for k, (label, get, color) in enumerate(series):
        a2.bar([i + (k - 1.5) * bw for i in x], [get(models[n]) for n in names], bw,
               label=label, color=color)
    a2.set_yscale("log")
    a2.set_ylabel("rows/s (log)")
    a2.set_title("throughput (predict_proba; ET: predict)", fontsize=10)
    a2.set_xticks(list(x), names)
    a2.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def print_summary(L):
    # the terminal gets the targets table and the main tables, without the markdown header lines
    print()
    for line in L:
        if line.startswith("!["):
            continue
        print(line)


def main():
    if len(sys.argv) in (3, 4) and sys.argv[1] == "--report":
        # re-renders a report from a results JSON (no measurement): bench.py --report JSON [OUT.md]
        data = json.load(open(sys.argv[2]))
        md = sys.argv[3] if len(sys.argv) == 4 else os.path.splitext(sys.argv[2])[0] + ".md"
        L = report(data["mode"], data["machine"], data["disk"], data["models"], md,
                   os.path.splitext(md)[0] + ".png", data.get("serve"))
        print_summary(L)
        return
    build, mode = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else ""
    only = sys.argv[3] if len(sys.argv) == 4 else None
    usage = "usage: bench.py BUILD quick|full [csv|serve|dask|python | NAME,NAME...]"
    if mode not in CONFIG or len(sys.argv) > 4:
        raise SystemExit(usage)
    cfg = dict(CONFIG[mode])
    tag = mode
    if only is not None and only not in ("csv", "serve", "dask", "python"):
        names = only.split(",")
        unknown = [n for n in names if n not in cfg["models"]]
        if unknown:
            raise SystemExit(f"bench.py: no model {', '.join(unknown)} in {mode} mode "
                             f"(its models: {', '.join(cfg['models'])})\n{usage}")
        cfg["models"] = names
        only = None
        tag = f"{mode}-{'-'.join(names)}"  # a partial run never stands in for the whole one
    work = os.path.abspath(f"{build}/bench")
    tools = work
    frost = os.path.abspath(f"{work}/bin/frost")  # run.sh's snapshot of BUILD/frost
    os.makedirs(f"{work}/models", exist_ok=True)
    if only == "serve":
        # stage 9 alone: its table on stdout
        serve = serve_bench.stage_serve(frost, tools, work, mode == "quick", log, stat)
        with open(f"{work}/results-serve-{mode}.json", "w") as f:
            json.dump({"mode": mode, "serve": serve}, f, indent=1)
        print("\n".join(serve_bench.section(serve, fmt, fs, ratio, rx)))
        for t, name, meas, ok in serve_bench.targets(serve, fmt, ratio, rx):
            print(f"{t} ({name}): {meas} {'met' if ok else 'NOT met'}")
        log(f"wrote {work}/results-serve-{mode}.json")
        return
    if only:
        # one stage alone: its model (trained and converted if need be), its table on stdout
        name = cfg[{"csv": "csv_model", "dask": "dask_model", "python": "pystart_model"}[only]]
        d = f"{work}/models/{name}"
        subprocess.run([PY, f"{HERE}/gen_models.py", f"{work}/models", name], check=True)
        if not os.path.exists(f"{d}/model.frost"):
            run([frost, "convert", f"{d}/model.joblib", f"{d}/model.frost", "--quiet"])
        res = {}
        if only == "csv":
            log(f"{name}: frost predict on a {cfg['csv_rows']:,}-row CSV, 1 and 2 threads, "
                "stdin")
            stage_csv(res, frost, tools, d, cfg)
            table = csv_section({name: res})
        elif only == "dask":
            log(f"{name}: 2-worker local Dask cluster over {cfg['dask_rows']:,} rows")
            stage_dask(res, tools, d, cfg)
            table = python_sections({name: res})
        else:
            log(f"{name}: python3 -c to the first prediction, frost.load vs joblib.load")
            stage_python_start(res, tools, d, cfg)
            table = python_sections({name: res})
        key = {"csv": "csv", "dask": "dask", "python": "python_start"}[only]
        with open(f"{work}/results-{only}-{mode}.json", "w") as f:
            json.dump({"mode": mode, only: {name: res[key]},
                       "loadavg": open("/proc/loadavg").read().split()[:3]}, f, indent=1)
        print("\n".join(table))
        log(f"wrote {work}/results-{only}-{mode}.json")
        return
    log(f"bench ({mode}): machine description")
    mach = machine()
    log("measuring the disk: random 4 KiB reads at QD1 and QD32, sequential 1 MiB (O_DIRECT)")
    disk = disk_rates(tools, work, cfg)
    log(f"disk: QD32 {disk['rand4k_qd32_iops']:,.0f} IOPS, QD1 {disk['rand4k_qd1_lat_us']:.0f} µs,"
        f" sequential {disk['seq1m_qd4_mbps']:,.0f} MB/s")
    models = {}
    for name in cfg["models"]:
        log(f"{name}: model (trained once with scikit-learn, cached in {work}/models/{name})")
        subprocess.run([PY, f"{HERE}/gen_models.py", f"{work}/models", name], check=True)
        models[name] = model_stages(frost, tools, f"{work}/models/{name}", cfg, disk)
        with open(f"{work}/results-{tag}.json", "w") as f:
            json.dump({"mode": mode, "machine": mach, "disk": disk, "models": models}, f,
                      indent=1)
    serve = None
    if tag == mode:  # the whole run; a run of some models only leaves the server out
        log("stage 9: frost serve against a Python model server (serve_bench.py)")
        serve = serve_bench.stage_serve(frost, tools, work, mode == "quick", log, stat)
    mach["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
    mach["date"] = time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())
    mach["duration_s"] = time.time() - T_START
    with open(f"{work}/results-{tag}.json", "w") as f:
        json.dump({"mode": mode, "machine": mach, "disk": disk, "models": models,
                   "serve": serve}, f, indent=1)
    if tag == "full":
        os.makedirs(f"{HERE}/results", exist_ok=True)
        md, png = f"{HERE}/results/latest.md", f"{HERE}/results/latest.png"
    else:
        md, png = f"{work}/results-{tag}.md", f"{work}/results-{tag}.png"
    L = report(mode, mach, disk, models, md, png, serve)
    print_summary(L)
    log(f"wrote {md} and {png}")


if __name__ == "__main__":
    main()
