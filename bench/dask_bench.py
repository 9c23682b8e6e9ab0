#!/usr/bin/python3
"""Stage 10 of the benchmark: a local Dask cluster of 2 worker processes (1 thread each, on
127.0.0.1) scoring one model over N rows, frost against scikit-learn under the same
map_partitions, each worker loading its model once.

  dask_bench.py MODEL_DIR N_ROWS RUNS        (PYTHONPATH: tools/python; FROST_LIBRARY_PATH)

The rows (MODEL_DIR/rows.npy repeated to N_ROWS, 8 partitions per worker) are made on the
workers and persisted there before anything is timed, so no row travels through the scheduler
during a run. frost: frost.dask.predict(ddf, MODEL_DIR/model.frost) — each worker opens the
.frost file on first use (frost.dask's per-process cache). scikit-learn: the same
map_partitions over a function that joblib.loads MODEL_DIR/model.joblib once per worker (kept on
the worker object) and calls predict with n_jobs=1. One untimed first run per engine loads the
models (its time is reported as first_s, loading included); then RUNS timed runs each, the
results persisted on the workers (not gathered). The two engines' labels are compared once.
Prints one JSON object.
"""
import json
import logging
import sys
import time
import warnings

import numpy as np
import pandas as pd
import dask.dataframe as dd
from distributed import Client, LocalCluster, get_worker, wait

import frost.dask

WORKERS = 2
PARTS_PER_WORKER = 8


def rows_part(start, path, n, n_features):
    X = np.load(path, mmap_mode="r")
    idx = np.arange(start, start + n) % X.shape[0]
    return pd.DataFrame(np.ascontiguousarray(X[idx]),
                        columns=[f"f{j}" for j in range(n_features)])


def sklearn_partition(part, path):
    """scikit-learn's predict on one partition, its model loaded once per worker process."""
    import joblib
    w = get_worker()
    models = w.__dict__.setdefault("_bench_models", {})
    m = models.get(path)
    if m is None:
        m = models[path] = joblib.load(path)
        if hasattr(m, "n_jobs"):
            m.set_params(n_jobs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.Series(m.predict(part.to_numpy()), index=part.index, name="prediction")


def timed(client, make, runs):
    """(seconds of the first run, seconds of each later run, the last result persisted)."""
    out = None
    times = []
    for k in range(runs + 1):
        if out is not None:
            client.cancel(out)
        t0 = time.perf_counter()
        out = client.persist(make())
        wait(out)
        times.append(time.perf_counter() - t0)
    return times[0], times[1:], out


def main():
    d, n_rows, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    X = np.load(f"{d}/rows.npy", mmap_mode="r")
    nf = X.shape[1]
    n_parts = WORKERS * PARTS_PER_WORKER
    per = -(-n_rows // n_parts)
    starts = [i * per for i in range(n_parts)]
    sizes = [min(per, n_rows - s) for s in starts]
    with LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client:
        client.wait_for_workers(WORKERS, timeout=60)
        parts = [dd.from_map(rows_part, [s], args=(f"{d}/rows.npy", n, nf),
                             meta=rows_part(0, f"{d}/rows.npy", 0, nf))
                 for s, n in zip(starts, sizes)]
        ddf = client.persist(dd.concat(parts))
        wait(ddf)
        model = f"{d}/model.frost"
        meta = frost.dask.predict(ddf, model)._meta
        f_first, f_runs, f_out = timed(client, lambda: frost.dask.predict(ddf, model), runs)
        s_first, s_runs, s_out = timed(
            client, lambda: ddf.map_partitions(sklearn_partition, f"{d}/model.joblib",
                                               meta=meta), runs)
        got, want = client.gather(client.compute([f_out, s_out]))
        opens = client.run(frost.dask.opened)
    res = {"rows": n_rows, "workers": WORKERS, "partitions": n_parts,
           "frost": {"first_s": f_first, "runs_s": f_runs},
           "sklearn": {"first_s": s_first, "runs_s": s_runs},
           "mismatches": int((got.to_numpy() != want.to_numpy()).sum()),
           "frost_opens_per_worker": sorted(sum(v.values()) for v in opens.values())}
    print(json.dumps(res))


if __name__ == "__main__":
    main()
