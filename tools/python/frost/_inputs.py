"""_inputs.py — rows as scikit-learn takes them, made into what libfrost scores: a row-major
float64 matrix (frost_predict), or one frost_column per model input (frost_predict_columns).

What is accepted, and how each value is read (the contract of the CSV reader, README "CSV in",
for values that arrive already typed):

- numpy arrays, 2-D, of floats, ints or bools, in C or Fortran order (lists of lists through
  np.asarray): columns by position, as many as the model's inputs. A C-ordered float64 array is
  scored in place. A model with preprocessing reads float64, float32 and int64 arrays of any
  other layout in place too, through column pointers and strides. A model without (a bare tree
  ensemble or linear model) scores a C-ordered float64 matrix fastest — its trees walk it
  directly, 30-40% faster than row by row from columns — so any other numeric input is copied
  into one first (a few ms per million values), as scikit-learn's check_array converts it.
  float32 and int values are widened exactly.
- pandas DataFrames: a model trained with feature names takes its columns by name (any order;
  equal names in order; extra columns ignored; columns it never reads may be absent); one
  trained without takes them by position (exactly as many), as does a frame whose column names
  are not all strings (scikit-learn then ignores them too).
- scipy sparse matrices, densified (frost's scorers read dense rows).
- lists of dicts (one dict per row, keys = column names; a key absent from a row is a missing
  value there, a key absent from every row a missing column).

Values: in a numeric input, NaN, None, pd.NA and NaT are missing; bools are 1.0 and 0.0;
pandas' nullable Int64/Float64/boolean columns are read as float64 with their NA missing; text
that Python's float() reads is that number (as numpy's astype does for object columns);
anything else is an InputError naming the row and the column. In a string input (categories),
str values are categories (UTF-8), missing values are missing, and any other value is an
InputError, as scikit-learn's encoders refuse a mix of strings and numbers; pandas Categorical
columns are read through their categories. Inputs the model lists but never reads are not read
at all.
"""
import ctypes
import sys
from collections.abc import Mapping

import numpy as np

from . import _capi as C
from ._errors import InputError



def _pd():
    """pandas, if this process has imported it — else no DataFrame, Series or pd.NA can exist
    here, and frost.load need not pay for importing it (a few hundred milliseconds)."""
    return sys.modules.get("pandas")

STRING_DTYPE = np.dtype([("ptr", np.uintp), ("len", np.uintp)])  # = frost_string
assert STRING_DTYPE.itemsize == ctypes.sizeof(C.frost_string)

_IN_PLACE = {np.dtype(np.float64): C.FROST_COLUMN_DOUBLE,
             np.dtype(np.float32): C.FROST_COLUMN_FLOAT,
             np.dtype(np.int64): C.FROST_COLUMN_INT64}


class Schema:
    """What a model reads: its input names (None: positional) and kinds (FROST_INPUT_*)."""

    def __init__(self, names, kinds, dense=False):
        self.names = names
        self.kinds = kinds
        self.n_inputs = len(kinds)
        self.has_strings = C.FROST_INPUT_STRING in kinds
        # no preprocessing: scored fastest from one C-ordered float64 matrix
        self.dense = dense and not self.has_strings

    def label(self, i):
        return repr(self.names[i]) if self.names else f"{i} (x{i})"


class Rows:
    """Rows ready for a call: `matrix` (C-ordered float64, n_rows × n_inputs) or `cols` (a
    ctypes array of frost_column), and the objects whose memory the call reads."""

    def __init__(self, n_rows, matrix=None, cols=None, keep=()):
        self.n_rows = n_rows
        self.matrix = matrix
        self.cols = cols
        self.n_cols = len(cols) if cols is not None else 0
        self.keep = keep


def _is_frame(X):
    pd = _pd()
    return pd is not None and isinstance(X, pd.DataFrame)


def prepare(schema, X, matrix=True):
    """X as rows for schema's model (see the module's docstring); matrix=False: always as
    columns (frost_transform takes no matrix)."""
    pd = _pd()
    if _is_frame(X):
        return _from_frame(schema, X, matrix)
    if isinstance(X, (list, tuple)) and X and all(isinstance(r, Mapping) for r in X):
        return _from_records(schema, X, matrix)
    if isinstance(X, Mapping):
        raise InputError("give rows as a DataFrame, a 2-D array or a list of dicts (one per "
                         "row), not one dict")
    if pd is not None and isinstance(X, pd.Series):
        raise InputError("expected 2-D rows (a DataFrame or a 2-D array), got a Series; use "
                         "series.to_frame().T for one row")
    if hasattr(X, "toarray") and hasattr(X, "tocsr"):  # scipy.sparse: as scikit-learn takes it
        X = X.toarray()
    try:
        A = np.asarray(X)
    except (ValueError, TypeError) as exc:
        raise InputError(f"cannot read X as rows: {exc}") from None
    return _from_array(schema, A, matrix)


# ---- one column -----------------------------------------------------------------------------

def _is_missing(v):
    """None, NaN, pd.NA, NaT: what scikit-learn's imputers and encoders take as missing."""
    pd = _pd()
    if v is None:
        return True
    if isinstance(v, (float, np.floating)):
        return v != v
    return pd is not None and (v is pd.NA or v is pd.NaT)


def _objects_to_float(obj, label):
    """An object array as float64, numpy's way (None → NaN, True → 1.0, '1.5' → 1.5), with
    pd.NA and NaT missing too; anything else is an InputError naming its row."""
    try:
        return obj.astype(np.float64)
    except (TypeError, ValueError):
        pass
    out = np.empty(len(obj), dtype=np.float64)
    for i, v in enumerate(obj):
        if _is_missing(v):
            out[i] = np.nan
            continue
        try:
            out[i] = float(v)
        except (TypeError, ValueError):
            raise InputError(f"row {i + 1}, column {label}: {v!r} is not a number, and the "
                             "model reads numbers there") from None
    return out


def _numeric(values, label):
    """(frost column type, 1-D array whose memory the call reads, stride in elements)."""
    pd = _pd()
    if pd is not None and isinstance(values, pd.Series):
        values = _series_values(values, label, numeric=True)
    a = values
    kind = a.dtype.kind
    if a.dtype in _IN_PLACE:
        item = a.dtype.itemsize
        if a.strides[0] > 0 and a.strides[0] % item == 0:
            return _IN_PLACE[a.dtype], a, a.strides[0] // item
        a = np.ascontiguousarray(a)
        return _IN_PLACE[a.dtype], a, 1
    if kind in "iubf":
        return C.FROST_COLUMN_DOUBLE, a.astype(np.float64), 1
    if kind in "OUS":
        if kind == "S":
            a = np.char.decode(a, "utf-8")
        return C.FROST_COLUMN_DOUBLE, _objects_to_float(a.astype(object), label), 1
    raise InputError(f"column {label} holds {a.dtype} values; the model reads numbers there")


def _series_values(s, label, numeric):
    """A pandas Series as a numpy array its column can be read from."""
    pd = _pd()
    dt = s.dtype
    if isinstance(dt, pd.CategoricalDtype):
        return s  # the callers read categoricals through their categories
    if pd.api.types.is_datetime64_any_dtype(dt) or pd.api.types.is_timedelta64_dtype(dt) or \
            isinstance(dt, pd.PeriodDtype):
        raise InputError(f"column {label} holds {dt} values, which scikit-learn's models do "
                         "not read")
    if isinstance(dt, np.dtype):
        return s.to_numpy()
    # an extension dtype: nullable ints/floats/bools, strings
    if numeric and (pd.api.types.is_numeric_dtype(dt) or pd.api.types.is_bool_dtype(dt)):
        return s.to_numpy(dtype=np.float64, na_value=np.nan)
    return s.to_numpy(dtype=object, na_value=None)


def _codes_and_uniques(obj):
    """Integer codes into the distinct values of obj (-1 for missing ones) and those values."""
    pd = _pd()
    if pd is not None:
        codes, uniques = pd.factorize(obj, use_na_sentinel=True)
        return codes, list(uniques)
    table, uniques = {}, []
    codes = np.empty(len(obj), dtype=np.intp)
    for i, v in enumerate(obj):
        if _is_missing(v):
            codes[i] = -1
            continue
        key = (type(v), v)
        j = table.get(key)
        if j is None:
            j = table[key] = len(uniques)
            uniques.append(v)
        codes[i] = j
    return codes, uniques


def _strings(values, label):
    """(frost column type, array of frost_string, 1, the bytes they point into)."""
    pd = _pd()
    if pd is not None and isinstance(values, pd.Series) and \
            isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        uniques = list(values.cat.categories)
    else:
        if pd is not None and isinstance(values, pd.Series):
            values = _series_values(values, label, numeric=False)
        if values.dtype.kind in "iufbc" or values.dtype.kind in "mM":
            raise InputError(f"column {label} holds {values.dtype} values, but the model reads "
                             "text (categories) there")
        codes, uniques = _codes_and_uniques(values.astype(object))
        codes = np.asarray(codes)
    blobs = []
    for j, u in enumerate(uniques):
        if isinstance(u, str):
            blobs.append(u.encode("utf-8", "surrogatepass"))
        elif isinstance(u, bytes):
            blobs.append(u)
        else:
            row = int(np.flatnonzero(codes == j)[0]) + 1 if len(codes) else 0
            raise InputError(f"row {row}, column {label}: {u!r} is not text, and the model "
                             "reads categories as strings there (scikit-learn's encoders refuse "
                             "a mix of strings and numbers)")
    lens = np.fromiter((len(b) for b in blobs), dtype=np.uintp, count=len(blobs))
    starts = np.zeros(len(blobs), dtype=np.uintp)
    if len(blobs) > 1:
        np.cumsum(lens[:-1], out=starts[1:])
    # one byte more, so the empty string still has an address (NULL is "missing")
    buf = np.frombuffer(b"".join(blobs) + b"\0", dtype=np.uint8)
    base = buf.ctypes.data
    out = np.zeros(len(codes), dtype=STRING_DTYPE)
    present = codes >= 0
    if present.any():
        c = codes[present]
        out["ptr"][present] = base + starts[c]
        out["len"][present] = lens[c]
    return C.FROST_COLUMN_STRING, out, 1, buf


def _column(schema, i, values, label):
    """A frost_column for input i (by position), what its memory lives in, and the numeric
    values as an array (None for strings)."""
    pd = _pd()
    if schema.kinds[i] == C.FROST_INPUT_STRING:
        ctype, arr, stride, buf = _strings(values, label)
        keep, numbers = (arr, buf), None
    else:
        if pd is not None and isinstance(values, pd.Series) and \
                isinstance(values.dtype, pd.CategoricalDtype):
            values = np.asarray(values)  # categories as the values they stand for
        ctype, arr, stride = _numeric(values, label)
        keep, numbers = (arr,), arr
    col = C.frost_column(name=None, index=i, type=ctype, values=arr.ctypes.data, stride=stride)
    return col, keep, numbers


def _columns(schema, pairs, n_rows, matrix):
    """The columns as one call's input: a matrix for a model without preprocessing when every
    input is there (else libfrost names the missing ones), else the columns themselves."""
    if matrix and schema.dense and len(pairs) == schema.n_inputs:
        M = np.empty((n_rows, schema.n_inputs), dtype=np.float64)
        for col, _, numbers in pairs:
            M[:, col.index] = numbers
        return Rows(n_rows, matrix=M)
    cols = (C.frost_column * len(pairs))()
    keep = []
    for k, (col, kept, _) in enumerate(pairs):
        cols[k] = col
        keep.extend(kept)
    return Rows(n_rows, cols=cols, keep=keep)


# ---- whole inputs ---------------------------------------------------------------------------

def _count_error(schema, got):
    names = ""
    if schema.names:
        shown = ", ".join(repr(n) for n in schema.names[:8])
        names = f": {shown}{', …' if schema.n_inputs > 8 else ''}"
    return InputError(f"X has {got} column{'s' if got != 1 else ''}, but the model takes "
                      f"{schema.n_inputs}{names}")


def _from_array(schema, A, matrix):
    if A.ndim != 2:
        raise InputError(f"expected 2-D rows, got a {A.ndim}-D array; reshape one row with "
                         "X.reshape(1, -1)" if A.ndim == 1 else
                         f"expected 2-D rows, got a {A.ndim}-D array")
    n_rows, n_cols = A.shape
    if n_cols != schema.n_inputs:
        raise _count_error(schema, n_cols)
    if matrix and not schema.has_strings and A.dtype.kind in "iubf":
        if A.dtype == np.float64 and A.flags.c_contiguous:
            return Rows(n_rows, matrix=A)
        if schema.dense or A.dtype not in _IN_PLACE:
            return Rows(n_rows, matrix=np.ascontiguousarray(A, dtype=np.float64))
    pairs = [_column(schema, j, A[:, j], f"{j}") for j in range(n_cols)
             if schema.kinds[j] != C.FROST_INPUT_UNUSED]
    return _columns(schema, pairs, n_rows, matrix)


def _from_frame(schema, df, matrix):
    n_rows = len(df)
    names = list(df.columns)
    if schema.names and all(isinstance(c, str) for c in names):
        # the k-th input with a name takes the k-th column with that name
        where = {}
        for j, c in enumerate(names):
            where.setdefault(c, []).append(j)
        used = {}
        pairs = []
        for i, name in enumerate(schema.names):
            k = used.get(name, 0)
            used[name] = k + 1
            if schema.kinds[i] == C.FROST_INPUT_UNUSED:
                continue
            js = where.get(name, [])
            if k < len(js):  # absent: libfrost names every missing column
                pairs.append(_column(schema, i, df.iloc[:, js[k]], repr(name)))
        return _columns(schema, pairs, n_rows, matrix)
    if len(names) != schema.n_inputs:
        raise _count_error(schema, len(names))
    pairs = [_column(schema, j, df.iloc[:, j], repr(names[j]))
             for j in range(schema.n_inputs) if schema.kinds[j] != C.FROST_INPUT_UNUSED]
    return _columns(schema, pairs, n_rows, matrix)


def _from_records(schema, rows, matrix):
    if not schema.names:
        raise InputError("the model was trained without feature names, so rows given as dicts "
                         "cannot be matched to its columns: give a 2-D array")
    pairs = []
    n = len(rows)
    for i, name in enumerate(schema.names):
        if schema.kinds[i] == C.FROST_INPUT_UNUSED or not any(name in r for r in rows):
            continue
        vals = np.fromiter((r.get(name) for r in rows), dtype=object, count=n)
        pairs.append(_column(schema, i, vals, repr(name)))
    return _columns(schema, pairs, n, matrix)
