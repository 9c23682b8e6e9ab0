#!/usr/bin/python3
"""scikit-learn's side of the scoring benchmark, in its own process (Debian's /usr/bin/python3).

  sk_bench.py MODEL_DIR RUNS LATENCY_CALLS N_ROWS [FROST_PRED.f64 ...]

Loads MODEL_DIR/model.joblib and the first N_ROWS rows of MODEL_DIR/rows.npy (0 = all) and prints one JSON object:
  throughput[n_jobs][predict|predict_proba]: seconds of each of RUNS calls on all rows
                                             (…_cpu: the process's CPU seconds of each call)
  latency[n_jobs]: µs of each of LATENCY_CALLS one-row predict calls (rows 0..k-1, after a warm-up
                   pass over the same rows), as {median, min, max, p99}
  check: for each FROST_PRED file (frost's output for every row; "*.proba.f64" = predict_proba),
         how many values differ from scikit-learn's
n_jobs is set on the fitted estimator (forests); gradient boosting has no n_jobs and runs
single-threaded either way; HistGradientBoosting has no n_jobs but predicts on OpenMP threads
(as many as cores by default), held to 1 and 2 by threadpoolctl's limit on OpenMP.
OPENBLAS_* are left as the environment has them.
"""
import json
import statistics
import sys
import time

import joblib
import numpy as np
from threadpoolctl import threadpool_limits


def main():
    d, runs, calls, n_rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    checks = sys.argv[5:]
    model = joblib.load(f"{d}/model.joblib")
    X = np.load(f"{d}/rows.npy")
    if n_rows:
        X = X[:n_rows]
    is_clf = hasattr(model, "predict_proba")
    has_jobs = hasattr(model, "n_jobs")
    # HistGradientBoosting's predictors run on OpenMP threads (_openmp_effective_n_threads)
    openmp = hasattr(model, "_predictors")
    res = {"throughput": {}, "latency": {}, "check": {}, "n_rows": int(X.shape[0]),
           "has_n_jobs": has_jobs or openmp}
    for nj in (1, 2):
        limit = threadpool_limits(limits=nj, user_api="openmp") if openmp else None
        if has_jobs:
            model.n_jobs = nj
        elif nj == 2 and not openmp:
            res["throughput"]["2"] = res["throughput"]["1"]
            res["latency"]["2"] = res["latency"]["1"]
            continue
        tp = {}
        for meth in ["predict"] + (["predict_proba"] if is_clf else []):
            f = getattr(model, meth)
            f(X[:1000])
            ts, cs = [], []
            for _ in range(runs):
                c0 = time.process_time()
                t0 = time.perf_counter()
                f(X)
                ts.append(time.perf_counter() - t0)
                cs.append(time.process_time() - c0)
            tp[meth] = ts
            tp[meth + "_cpu"] = cs
        res["throughput"][str(nj)] = tp
        rows = [X[i:i + 1] for i in range(calls)]
        for r in rows:
            model.predict(r)
        lat = []
        for r in rows:
            t0 = time.perf_counter()
            model.predict(r)
            lat.append((time.perf_counter() - t0) * 1e6)
        lat.sort()
        res["latency"][str(nj)] = {"median": statistics.median(lat), "min": lat[0],
                                   "max": lat[-1], "p99": lat[int(0.99 * (len(lat) - 1))]}
        print(f"    sklearn n_jobs={nj}: predict {statistics.median(tp['predict']):.3f} s, "
              f"one-row {res['latency'][str(nj)]['median']:.0f} µs", file=sys.stderr, flush=True)
        if limit is not None:
            limit.restore_original_limits()
    if has_jobs:
        model.n_jobs = 1
    for path in checks:
        proba = path.endswith(".proba.f64")
        want = model.predict_proba(X) if proba else model.predict(X)
        want = np.asarray(want, dtype=np.float64)
        if not proba and is_clf:  # frost gives the class index
            want = np.searchsorted(model.classes_, want).astype(np.float64)
        got = np.fromfile(path, dtype=np.float64).reshape(want.shape)
        res["check"][path] = int(np.count_nonzero(got != want))
    json.dump(res, sys.stdout)


if __name__ == "__main__":
    main()
