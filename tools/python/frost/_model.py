"""_model.py — a .frost model as a scikit-learn-shaped Python object, and saving and converting
models through libfrost_import.

A Model holds one libfrost handle, opened at frost.load (the header only: cheap) or, for a
model that arrived by pickle, at its first use. Any number of threads may score on it at once
(libfrost is thread-safe after open, and ctypes releases the GIL for each call); close() waits
for the calls in flight. A Model pickles as its path and options, so it ships to worker
processes (multiprocessing, Dask) as a few bytes and reopens there lazily.
"""
import ctypes
import os
import pickle
import threading
import weakref
from collections import namedtuple

import numpy as np

from . import _capi as C
from ._errors import FrostError, ModelNotFound, convert_error, file_error, rows_error
from ._inputs import Schema, prepare

_IO = {None: C.FROST_IO_AUTO, "auto": C.FROST_IO_AUTO, "uring": C.FROST_IO_URING,
       "pread": C.FROST_IO_PREAD, "mmap": C.FROST_IO_MMAP}
_MISSING = {"error": C.FROST_MISSING_ERROR, "nan": C.FROST_MISSING_AS_NAN}
_KINDS = {C.FROST_INPUT_NUMERIC: "numeric", C.FROST_INPUT_STRING: "string",
          C.FROST_INPUT_UNUSED: "unused"}

Column = namedtuple("Column", "name kind")
Column.__doc__ = """One input column: its name (None for a model trained without names, whose
columns are positional) and kind: 'numeric', 'string' (categories) or 'unused' (listed by the
model, never read: it may hold anything or be absent)."""

# What each scoring method calls: (matrix function, columns function, what frost_info says).
_CALLS = {
    "predict": ("frost_predict", "frost_predict_columns"),
    "predict_proba": ("frost_predict_proba", "frost_predict_proba_columns"),
    "decision_function": ("frost_decision_function", "frost_decision_function_columns"),
    "score_samples": ("frost_score_samples", "frost_score_samples_columns"),
    "transform": (None, "frost_transform"),
}


def _path_bytes(path):
    return os.fsencode(os.fspath(path))


_URL_SCHEMES = ("http://", "https://", "s3://")


def _is_url(path):
    """Whether frost_open reads path over the network (libfrost_remote.so): runtime/url.c."""
    return isinstance(path, str) and path[:8].lower().startswith(_URL_SCHEMES)


def _shown(path):
    """path as messages and repr show it: a URL without its userinfo or query (a presigned
    URL's query is a credential), as libfrost names it."""
    if not _is_url(path):
        return path
    import urllib.parse
    u = urllib.parse.urlsplit(path)
    return urllib.parse.urlunsplit((u.scheme, u.netloc.rpartition("@")[2], u.path,
                                    "..." if u.query else "", ""))


def _missing(path, rc, msg):
    """Whether a failed open means no model is there: a file that does not exist, or a URL
    the server answered 404 (not a refused connection or a timeout)."""
    if rc != C.FROST_EIO:
        return False
    if _is_url(path):
        return "(HTTP 404" in msg
    return not os.path.lexists(path)


def portable_path(path):
    """The path another process should open for this one's `path`: the absolute path of a file
    named relative to this process's working directory (a child process or a Dask worker may
    have another), else what was given (a reference or URL frost_open resolves, or a file that
    is not there, whose open will say so)."""
    path = os.fspath(path)
    if not os.path.isabs(path) and os.path.lexists(path):
        return os.path.abspath(path)
    return path


def _labels(kind, texts, dtype=None):
    """A classifier's classes_ from the labels frost stores as text, in their kind — and in
    numpy's dtype of them (`dtype`: the file's classes_dtype, as scikit-learn's classes_ had
    it: int32 or int64, '<U5' or object) when the file records it."""
    if kind == C.FROST_LABEL_INT:
        arr = np.array([int(t) for t in texts])
    elif kind == C.FROST_LABEL_FLOAT:
        arr = np.array([float(t) for t in texts], dtype=np.float64)
    elif kind == C.FROST_LABEL_BOOL:
        arr = np.array([t == "True" for t in texts], dtype=bool)
    else:
        arr = np.array(texts, dtype=object)
    if dtype:
        try:
            typed = arr.astype(np.dtype(dtype))
            if typed.tolist() == arr.tolist():  # never a label changed by the dtype
                return typed
        except (TypeError, ValueError, OverflowError):
            pass
    return arr


class _available_if:
    """A method that exists only when the model has it (as scikit-learn's available_if makes
    hasattr(hard_voting, 'predict_proba') False)."""

    def __init__(self, check, why):
        self.check, self.why = check, why

    def __call__(self, fn):
        self.fn = fn
        self.__doc__ = fn.__doc__
        self.__name__ = fn.__name__
        return self

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        if not self.check(obj):
            raise AttributeError(f"{obj._describe()} has no {self.fn.__name__} ({self.why})")
        return self.fn.__get__(obj, owner)


class Model:
    """A model in a .frost file, scored by libfrost. Made by frost.load."""

    def __init__(self, path, *, io=None, eager=False, require_signature=None,
                 missing_columns="error", _lazy=False):
        if io not in _IO:
            raise ValueError(f"io={io!r}: expected None, 'auto', 'uring', 'pread' or 'mmap'")
        if missing_columns not in _MISSING:
            raise ValueError(f"missing_columns={missing_columns!r}: expected 'error' or 'nan'")
        require_signature = _key_paths(require_signature)
        self.path = os.fspath(path)
        self._portable = portable_path(self.path)  # what travels when it is pickled
        self._options = dict(io=io, eager=bool(eager), require_signature=require_signature,
                             missing_columns=missing_columns)
        self._cv = threading.Condition()
        self._handle = None
        self._users = 0
        self._closed = False
        _live.add(self)
        if not _lazy:
            with self._cv:
                self._open()

    # ---- the handle -----------------------------------------------------------------------

    def _open(self):
        """Opens the file and reads what describes it (called holding self._cv)."""
        lib = C.lib()
        o = C.options(C.frost_open_options, lib.frost_open_options_init)
        o.io = _IO[self._options["io"]]
        o.load = C.FROST_LOAD_EAGER if self._options["eager"] else C.FROST_LOAD_LAZY
        o.missing_columns = _MISSING[self._options["missing_columns"]]
        keys = _load_keys(lib, self._options["require_signature"])
        if keys is not None:
            o.required_keys = keys
            o.n_required_keys = len(keys)
        h = C.model_p()
        rc = lib.frost_open(_path_bytes(self.path), ctypes.byref(o), ctypes.byref(h))
        if rc:
            msg = C.text(lib.frost_errmsg(None))
            if _missing(self.path, rc, msg):
                raise ModelNotFound(msg, rc)
            raise file_error(rc, msg)
        try:
            self._describe_handle(lib, h)
        except BaseException:
            lib.frost_close(h)
            raise
        self._handle = h

    def _describe_handle(self, lib, h):
        info = C.frost_info()
        info.size = ctypes.sizeof(info)
        rc = lib.frost_model_info(h, ctypes.byref(info))
        if rc:
            raise file_error(rc, C.text(lib.frost_errmsg(h)))
        self._info = info
        n_in = info.n_inputs
        names = [C.text(lib.frost_feature_name(h, i)) for i in range(n_in)]
        self._schema = Schema(names if n_in and names[0] is not None else None,
                              [lib.frost_input_kind_of(h, i) for i in range(n_in)],
                              dense=not info.has_preprocessing and info.estimator != 3)
        meta = {}
        key, value = ctypes.c_char_p(), ctypes.c_char_p()
        for i in range(lib.frost_meta_count(h)):
            if lib.frost_meta_at(h, i, ctypes.byref(key), ctypes.byref(value)) == 0:
                meta[C.text(key.value)] = _typed(C.text(value.value), lib.frost_meta_type_at(h, i))
        self._meta = meta
        self._classes = None
        if info.task == C.FROST_TASK_CLASSIFIER:
            dtypes = meta.get("classes_dtype", "").split(",")
            if len(dtypes) != info.n_outputs:
                dtypes = [None] * info.n_outputs
            self._classes = []
            for k in range(info.n_outputs):
                texts = [C.text(lib.frost_class_label(h, k, j))
                         for j in range(lib.frost_class_count(h, k))]
                self._classes.append(_labels(lib.frost_class_kind(h, k), texts, dtypes[k]))
        self._out_names = None
        if info.n_transform_outputs:
            outs = [C.text(lib.frost_output_name(h, i)) for i in range(info.n_transform_outputs)]
            self._out_names = outs if all(n is not None for n in outs) else None

    def _acquire(self):
        with self._cv:
            if self._closed:
                raise FrostError(f"{self.path}: the model is closed")
            if self._handle is None:
                self._open()
            self._users += 1
            return self._handle

    def _release(self):
        with self._cv:
            self._users -= 1
            if self._users == 0:
                self._cv.notify_all()

    def _ready(self):
        """Opens a lazily reopened model, so that its description can be read."""
        if self._handle is None:
            self._acquire()
            self._release()

    def _forked(self):
        """In a child made by fork: the inherited handle is the parent's — its io_uring ring is
        shared memory the parent (and every other child) submits to, so reads through it from
        here are another process's (blocks misread: the checksum says damaged), and another
        thread may have held the lock at the fork. Leave the handle alone (closing it here could
        touch that state) and reopen the file on first use, as an unpickled model does."""
        self._cv = threading.Condition()
        self._users = 0
        self._handle = None

    def close(self):
        """Closes the file (after the calls in flight end). Closing twice is fine."""
        with self._cv:
            self._closed = True
            while self._users:
                self._cv.wait()
            if self._handle is not None:
                C.lib().frost_close(self._handle)
                self._handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            if self._handle is not None and not self._users:
                C.lib().frost_close(self._handle)
                self._handle = None
        except Exception:  # interpreter shutdown: the library may be gone already
            pass

    # A model travels as its path: the receiving process reopens it on first use.
    def __reduce__(self):
        return (_reopen, (self._portable, self._options))

    # ---- scoring --------------------------------------------------------------------------

    def _width(self, method):
        i = self._info
        return {"predict_proba": i.n_classes, "decision_function": i.n_decision,
                "score_samples": 1, "transform": i.n_transform_outputs}.get(method, i.n_outputs)

    def _score(self, method, X):
        h = self._acquire()
        try:
            matrix_fn, cols_fn = _CALLS[method]
            rows = prepare(self._schema, X, matrix=matrix_fn is not None)
            out = np.empty((rows.n_rows, self._width(method)), dtype=np.float64)
            lib = C.lib()
            if rows.matrix is not None:
                rc = getattr(lib, matrix_fn)(h, rows.matrix.ctypes.data, rows.n_rows,
                                             out.ctypes.data)
            else:
                rc = getattr(lib, cols_fn)(h, rows.cols, rows.n_cols, rows.n_rows,
                                           out.ctypes.data)
            if rc:
                err = rows_error(rc, C.text(lib.frost_errmsg(h)))
                row = lib.frost_error_row(h)
                err.row = None if row < 0 else int(row)
                raise err
            return out
        finally:
            self._release()

    @_available_if(lambda m: m._info_now().estimator != 0,
                   "a saved transformer transforms; it does not predict")
    def predict(self, X):
        """Labels (with classes_' dtype) or values, as the estimator's predict returns them."""
        out = self._score("predict", X)
        if self._classes is None:
            return out[:, 0] if out.shape[1] == 1 else out
        if len(self._classes) == 1:
            return self._classes[0][out[:, 0].astype(np.intp)]
        cols = [c[out[:, k].astype(np.intp)] for k, c in enumerate(self._classes)]
        # scikit-learn's forests fill one array of the first output's dtype
        res = np.empty(out.shape, dtype=self._classes[0].dtype)
        for k, c in enumerate(cols):
            res[:, k] = c
        return res

    @_available_if(lambda m: m._info_now().has_proba != 0,
                   "it gives no probabilities, as in scikit-learn")
    def predict_proba(self, X):
        """Class probabilities, float64: one array (rows × classes), or a list of them, one per
        output, for a multi-output model — but a multi-label MLPClassifier's (rows × labels)
        array of each label's probability, as scikit-learn returns it."""
        out = self._score("predict_proba", X)
        if len(self._classes) == 1:
            return out
        if self._info_now().estimator == 6:  # MLP: frost writes (1 - p, p) per label
            return np.ascontiguousarray(out[:, 1::2])
        parts, at = [], 0
        for c in self._classes:
            parts.append(np.ascontiguousarray(out[:, at:at + len(c)]))
            at += len(c)
        return parts

    @_available_if(lambda m: m._info_now().n_decision != 0,
                   "scikit-learn has one for gradient boosting, linear classifiers, "
                   "IsolationForest and one-vs-rest over them")
    def decision_function(self, X):
        """scikit-learn's decision_function: (rows,) for two classes (and IsolationForest: the
        score less offset_), else (rows, classes)."""
        out = self._score("decision_function", X)
        return out[:, 0] if out.shape[1] == 1 else out

    @_available_if(lambda m: m._info_now().has_score_samples != 0,
                   "scikit-learn has it for IsolationForest")
    def score_samples(self, X):
        """scikit-learn's score_samples, (rows,) float64: an IsolationForest's opposite of the
        anomaly score (the lower, the more abnormal)."""
        return self._score("score_samples", X)[:, 0]

    @_available_if(lambda m: m._info_now().n_transform_outputs != 0,
                   "the model has no preprocessing")
    def transform(self, X):
        """The preprocessing's output, float64 (a saved transformer's transform, or a pipeline's
        steps before its estimator: pipe[:-1].transform)."""
        return self._score("transform", X)

    @_available_if(lambda m: m._info_now().n_transform_outputs != 0,
                   "the model has no preprocessing")
    def get_feature_names_out(self, input_features=None):
        """The names of transform's columns (scikit-learn's get_feature_names_out())."""
        self._ready()
        if self._out_names is None:
            raise AttributeError("the file does not record the output names")
        return np.array(self._out_names, dtype=object)

    # ---- what describes it ----------------------------------------------------------------

    def _info_now(self):
        self._ready()
        return self._info

    @property
    def classes_(self):
        """The class labels (a list of arrays for a multi-output classifier)."""
        self._ready()
        if self._classes is None:
            raise AttributeError(f"{self._describe()} is a regressor: it has no classes_")
        return self._classes[0] if len(self._classes) == 1 else list(self._classes)

    @property
    def feature_names_in_(self):
        """The input column names the model was trained with."""
        self._ready()
        if self._schema.names is None:
            raise AttributeError(f"{self._describe()} was trained without feature names")
        return np.array(self._schema.names, dtype=object)

    @property
    def n_features_in_(self):
        """The input columns the model takes."""
        self._ready()
        return self._schema.n_inputs

    @property
    def n_outputs_(self):
        self._ready()
        return self._info.n_outputs

    @property
    def metadata(self):
        """What the file records: sklearn_version, estimator, converted_at, source_*, …, and the
        pairs given at conversion (frost.save(meta=…))."""
        self._ready()
        return dict(self._meta)

    @property
    def schema(self):
        """The input columns, in order, as Column(name, kind)."""
        self._ready()
        s = self._schema
        return [Column(s.names[i] if s.names else None, _KINDS.get(k, "numeric"))
                for i, k in enumerate(s.kinds)]

    @property
    def info(self):
        """Sizes and shapes (frost_model_info) as a dict."""
        i = self._info_now()
        d = {name: getattr(i, name) for name, _ in C.frost_info._fields_ if name != "size"}
        d["task"] = "classifier" if i.task == C.FROST_TASK_CLASSIFIER else "regressor"
        names = {v: k for k, v in _IO.items() if k}
        names[C.FROST_IO_REMOTE] = "remote"   # a URL (libfrost_remote.so)
        d["io"] = names.get(i.io, str(i.io))
        return d

    def stats(self):
        """I/O so far (frost_get_stats): submissions, reads, bytes_read, blocks_loaded,
        blocks_verified, header_bytes."""
        h = self._acquire()
        try:
            s = C.frost_stats()
            s.size = ctypes.sizeof(s)
            rc = C.lib().frost_get_stats(h, ctypes.byref(s))
            if rc:
                raise file_error(rc, C.text(C.lib().frost_errmsg(h)))
            return {name: getattr(s, name) for name, _ in C.frost_stats._fields_
                    if name != "size"}
        finally:
            self._release()

    def load_all(self):
        """Reads and verifies every block now (what eager=True does at load)."""
        self._call("frost_load_all")

    def verify(self):
        """Reads every block from disk and checks every checksum and tree; DamagedFile if any
        fails."""
        self._call("frost_verify")

    def _call(self, name):
        h = self._acquire()
        try:
            rc = getattr(C.lib(), name)(h)
            if rc:
                raise file_error(rc, C.text(C.lib().frost_errmsg(h)))
        finally:
            self._release()

    def _describe(self):
        est = self._meta.get("estimator") if getattr(self, "_meta", None) else None
        return f"the model {self.path!r}" + (f" ({est})" if est else "")

    def __repr__(self):
        state = "closed" if self._closed else "open" if self._handle is not None else "not open yet"
        est = self._meta.get("estimator") if self._handle is not None else None
        return f"<frost.Model {_shown(self.path)!r}{': ' + est if est else ''} ({state})>"


_live = weakref.WeakSet()  # every Model of this process, for _after_fork_in_child


def _after_fork_in_child():
    for m in list(_live):
        m._forked()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _key_paths(require_signature):
    """require_signature as a tuple of absolute key file paths (None when no key is required):
    they travel with a pickled model, and each worker loads them when it opens the file."""
    if require_signature is None or require_signature is False:
        return None
    if isinstance(require_signature, (str, bytes, os.PathLike)):
        require_signature = [require_signature]
    elif require_signature is True or not hasattr(require_signature, "__iter__"):
        raise ValueError("require_signature: name the public key file(s) (NAME.pub, made by "
                         "`frost keygen`) that must have signed the model")
    paths = tuple(os.path.abspath(os.fsdecode(p)) for p in require_signature)
    if not paths:
        raise ValueError("require_signature: an empty list of keys would require nothing")
    return paths


def _load_keys(lib, paths):
    """The frost_public_key array for these key files, or None."""
    if paths is None:
        return None
    keys = (C.frost_public_key * len(paths))()
    for i, p in enumerate(paths):
        rc = lib.frost_public_key_load(_path_bytes(p), ctypes.byref(keys[i]))
        if rc:
            msg = C.text(lib.frost_errmsg(None)) or f"{p}: cannot load the public key"
            if rc == C.FROST_EIO and not os.path.lexists(p):
                raise ModelNotFound(msg, rc)
            raise file_error(rc, msg)
    return keys


def _typed(text, kind):
    """A metadata value as the type it was recorded with (METADATA_TYPES)."""
    if kind == C.FROST_META_BOOL:
        return text == "true"
    if kind == C.FROST_META_NUMBER:
        try:
            return int(text)
        except ValueError:
            return float(text)
    return text


def _reopen(path, options):
    return Model(path, _lazy=True, **options)


def load(path_or_ref, *, io=None, eager=False, require_signature=None, missing_columns="error"):
    """Opens a .frost model (its header only: the trees a prediction walks are read as it walks
    them) and returns a Model with scikit-learn's predict / predict_proba / decision_function /
    transform where the estimator has them.

    path_or_ref: a path (str or os.PathLike), a URL (http://, https://, s3://BUCKET/KEY: the
        header is read with ranged requests, then only the blocks the predictions walk), or
        any reference libfrost's frost_open resolves.
    io: None or 'auto' (io_uring where it can be set up, else pread; FROST_IO in the environment
        may force one), 'uring', 'pread' or 'mmap'.
    eager: read and verify every block now rather than on first use.
    missing_columns: 'error' (a missing input column is an InputError naming every one) or
        'nan' (it counts as all-missing; the model's imputers fill it as scikit-learn would).
    """
    return Model(path_or_ref, io=io, eager=eager, require_signature=require_signature,
                 missing_columns=missing_columns)


# ---- conversion -----------------------------------------------------------------------------

def _convert_options(compress, meta):
    """frost_convert_options for these arguments, and the buffers they point into."""
    imp = C.import_lib()
    o = C.options(C.frost_convert_options, imp.frost_convert_options_init)
    if compress in (None, False, "none"):
        o.write.compress = 0
    elif compress in (True, "lz4"):
        o.write.compress = 1
    else:
        raise ValueError(f"compress={compress!r}: expected None or 'lz4'")
    keep = []
    if meta:
        items = list(dict(meta).items())
        entries = (C.frost_meta_entry * len(items))()
        for e, (k, v) in zip(entries, items):
            if not isinstance(k, str):
                raise TypeError(f"meta keys must be str, not {type(k).__name__} ({k!r})")
            text, kind = _meta_value(k, v)
            kb, vb = k.encode("utf-8", "surrogatepass"), text.encode("utf-8", "surrogatepass")
            e.key, e.value, e.type = kb, vb, kind
            keep += [kb, vb]
        o.meta = entries
        o.n_meta = len(items)
        keep.append(entries)
    return o, keep


def _meta_value(key, v):
    """A metadata value as the text and type frost records (FORMAT.md METADATA_TYPES): str as
    it is, bool as true/false, a finite int or float as a JSON number."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, str):
        return v, C.FROST_META_STRING
    if isinstance(v, bool):
        return ("true" if v else "false"), C.FROST_META_BOOL
    if isinstance(v, int):
        return str(v), C.FROST_META_NUMBER
    if isinstance(v, float):
        if not np.isfinite(v):
            raise ValueError(f"meta[{key!r}] = {v!r}: JSON has no such number")
        return repr(v), C.FROST_META_NUMBER
    raise TypeError(f"meta[{key!r}] must be a str, bool or number, not {type(v).__name__}")


def _converted(rc):
    if rc:
        raise convert_error(rc, C.text(C.import_lib().frost_import_errmsg()))


def save(estimator, path, *, compress=None, meta=None):
    """Saves a fitted scikit-learn estimator as a .frost file: pickled in memory (protocol 5)
    and converted by the same importer as `frost convert` — nothing is written but the output,
    which replaces path atomically. compress: None or 'lz4'. meta: a dict of str keys and
    str (or number) values recorded in the file's metadata (Model.metadata reads them back).
    Raises UnsupportedModel naming a step frost does not convert, RefusedModel for a class
    outside scikit-learn and numpy."""
    data = pickle.dumps(estimator, protocol=5)
    o, keep = _convert_options(compress, meta)
    rc = C.import_lib().frost_convert_buffer(data, len(data), b"<frost.save>", _path_bytes(path),
                                             ctypes.byref(o))
    del keep
    _converted(rc)


def convert(src, dst, *, compress=None, meta=None):
    """Converts a pickle or joblib file (every protocol, every joblib compression) into a .frost
    file, as `frost convert` does: nothing in the pickle runs."""
    o, keep = _convert_options(compress, meta)
    rc = C.import_lib().frost_convert(_path_bytes(src), _path_bytes(dst), ctypes.byref(o))
    del keep
    if rc == C.FROST_EIO and not os.path.lexists(src):
        raise ModelNotFound(C.text(C.import_lib().frost_import_errmsg()), rc)
    _converted(rc)
