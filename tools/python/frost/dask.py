"""frost.dask — scoring a Dask DataFrame with a frost model, partition by partition.

    import dask.dataframe as dd, frost.dask
    ddf = dd.read_parquet("s3://bucket/rows/")           # or any Dask DataFrame
    labels = frost.dask.predict(ddf, "/models/churn.frost")            # lazy: a Dask Series
    proba = frost.dask.predict(ddf, "/models/churn.frost", proba=True)  # one column per class
    labels.to_parquet(...)   /   labels.compute()

Only the model's path travels through the scheduler, never its bytes: each worker process
opens the model the first time one of its tasks needs it (a frost_open reads the header only:
milliseconds) and keeps it in a per-process cache keyed by the path and options, so every later
partition on that worker reuses it — until the file at that path is replaced (a model saved
again), which the next partition opens anew. The result has ddf's divisions and index, so it
joins back onto ddf row for row.

On a multi-machine cluster the path must name the same file on every worker: a shared
filesystem (NFS, a read-only volume mounted at the same place), a copy made to every machine, a
registry directory on shared storage (a ROOT/NAME@ALIAS reference, once libfrost resolves
them), or a URL (http://, https://, s3://BUCKET/KEY) every worker can reach: each worker reads
the header and the blocks its partitions walk with ranged requests (FROST_CACHE_DIR on a disk
the workers of a machine share lets them fetch each block once). A worker keeps the model it
opened from a URL (pinned by the object's ETag; polling it would cost a request per partition):
a replaced object is read by new workers, or after clear() on the workers. The workers need this package and libfrost
(`make install` on each machine, or the same PYTHONPATH and FROST_LIBRARY_PATH).
"""
import os
import threading

import numpy as np

from ._errors import FrostError
from ._model import Model, _key_paths, portable_path

_cache = {}
_opens = {}
_lock = threading.Lock()


def _after_fork_in_child():
    # a thread of the parent may have held the lock at the fork (the models reset themselves)
    global _lock
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _options_key(io, eager, missing_columns, require_signature):
    keys = _key_paths(require_signature)
    return (io, bool(eager), missing_columns, keys)


def _identity(path):
    """What tells one file at path from the next (frost's writes replace a file by renaming a
    new one over it: a new inode), or None for what is no local file (a reference or URL)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def model(path, *, io=None, eager=False, missing_columns="error", require_signature=None):
    """This process's copy of the model at path, opened on first use and kept while the file
    stays the same (thread-safe: the worker's threads share it). A file replaced at path (a
    model saved again, a new version copied over) is opened anew by the next call: a long-lived
    worker never goes on scoring the model it opened first. The replaced copy closes when the
    calls still using it end."""
    key = (os.fspath(path), _options_key(io, eager, missing_columns, require_signature))
    ident = _identity(key[0])
    hit = _cache.get(key)
    if hit is None or hit[1] != ident:
        with _lock:
            hit = _cache.get(key)
            if hit is None or hit[1] != ident:
                m = Model(key[0], io=io, eager=eager, missing_columns=missing_columns,
                          require_signature=key[1][3])
                hit = _cache[key] = (m, ident)
                _opens[key[0]] = _opens.get(key[0], 0) + 1
    return hit[0]


def opened():
    """{path: times this process opened it} — 1 per model per worker process when the cache
    works (what the tests ask each worker)."""
    with _lock:
        return dict(_opens)


def clear():
    """Closes and forgets this process's models (a test's or a long-lived worker's tidy-up; a
    model file replaced on disk is reopened without it)."""
    with _lock:
        for m, _ in _cache.values():
            m.close()
        _cache.clear()
        _opens.clear()


def _reference(model_ref):
    """(path, options) of what the caller named: a path, a registry reference, or a Model."""
    if isinstance(model_ref, Model):
        o = model_ref._options
        return model_ref._portable, dict(io=o["io"], eager=o["eager"],
                                         missing_columns=o["missing_columns"],
                                         require_signature=o["require_signature"])
    return portable_path(model_ref), {}


def _score_partition(part, path, options, proba, columns, dtype):
    import pandas as pd
    m = model(path, **options)
    if len(part) == 0:
        if proba:
            return pd.DataFrame({c: np.empty(0, np.float64) for c in columns}, index=part.index)
        return pd.Series(np.empty(0, dtype=dtype), index=part.index, name="prediction")
    if proba:
        if list(m.classes_) != columns:  # the file was replaced by one with other classes
            raise FrostError(f"{path}: the model's classes are now {list(m.classes_)!r}, not "
                             f"{columns!r} as when frost.dask.predict was called; call it again")
        return pd.DataFrame(m.predict_proba(part), index=part.index, columns=columns)
    return pd.Series(m.predict(part), index=part.index, name="prediction")


def predict(ddf, model_ref, *, proba=False, io=None, eager=False, missing_columns="error",
            require_signature=None):
    """A lazy Dask Series of predictions named 'prediction' (labels in classes_' dtype, or
    values), or with proba=True a Dask DataFrame of float64 probabilities, one column per class
    named by its label — with ddf's divisions and index.

    model_ref: the model's path (or a frost.Model, which stands for its path and options);
    every worker must be able to open it. The model is opened here once too, to learn the
    output's shape and types (the header only), and on each worker once. require_signature:
    the public key file(s) every open requires, as frost.load takes them (a frost.Model passes
    its own)."""
    import pandas as pd
    if not hasattr(ddf, "map_partitions") or not hasattr(ddf, "_meta"):
        raise TypeError(f"frost.dask.predict scores a Dask DataFrame, not a "
                        f"{type(ddf).__name__}; score rows in memory with "
                        "frost.load(path).predict(X)")
    path, options = _reference(model_ref)
    if not options:
        options = dict(io=io, eager=eager, missing_columns=missing_columns,
                       require_signature=require_signature)
    here = Model(path, _lazy=True, **options)
    try:
        if proba:
            if not hasattr(here, "predict_proba"):
                here.predict_proba  # raises the AttributeError that says why
            classes = here.classes_
            if isinstance(classes, list):
                raise ValueError("frost.dask.predict(proba=True) scores single-output "
                                 "classifiers; this model has several outputs")
            columns = list(classes)
            meta = pd.DataFrame({c: np.empty(0, np.float64) for c in columns},
                                index=ddf._meta.index)
            dtype = np.float64
        else:
            if not hasattr(here, "predict"):
                here.predict
            if here.n_outputs_ != 1:
                raise ValueError("frost.dask.predict scores single-output models; this one "
                                 f"has {here.n_outputs_} outputs")
            try:
                dtype = here.classes_.dtype
            except AttributeError:
                dtype = np.dtype(np.float64)
            columns = None
            meta = pd.Series(np.empty(0, dtype=dtype), index=ddf._meta.index,
                             name="prediction")
    finally:
        here.close()
    return ddf.map_partitions(_score_partition, path, options, proba, columns, dtype, meta=meta)
