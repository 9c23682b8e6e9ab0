"""_capi.py — libfrost's and libfrost_import's C API, declared for ctypes: every struct, enum and
function this package calls, in one place (runtime/frost.h, import/frost_import.h), and where
the two libraries are found.

The structs mirror the headers field for field; tests/python/test_capi.py compiles a program
against the headers and holds every size and offset here to the compiler's. Options structs
carry their own size, so a newer library reads an older struct correctly.

Where the libraries come from, first found wins:
  1. $FROST_LIBRARY_PATH (a directory), when set;
  2. next to this package (a copy shipped inside it);
  3. the build tree this package sits in (tools/python/frost → build/, after `make`);
  4. the library directory of an installed package (PREFIX/lib, three levels up from
     PREFIX/lib/python3*/dist-packages/frost — where `make install` puts both);
  5. the system's dynamic loader (ld.so.conf, LD_LIBRARY_PATH).
libfrost_import is loaded only when a conversion is asked for: a process that only scores
maps libfrost alone, as a serving process should.

ctypes releases the GIL around every call of a CDLL function, so scoring runs while other
Python threads do (tests/python/test_threads.py checks it).
"""
import ctypes
import os
import threading

# ---- constants (frost.h) -------------------------------------------------------------------

FROST_OK = 0
FROST_EINVAL = -1
FROST_ENOMEM = -2
FROST_EIO = -3
FROST_ECORRUPT = -4
FROST_EVERSION = -5
FROST_EUNSUPPORTED = -6
FROST_EREFUSED = -7
FROST_ETRUNCATED = -8
FROST_EFORMAT = -9
FROST_ESCHEMA = -10
FROST_ELIMIT = -11
FROST_ESIGNATURE = -12

FROST_IO_AUTO, FROST_IO_URING, FROST_IO_PREAD, FROST_IO_MMAP, FROST_IO_REMOTE = 0, 1, 2, 3, 4
FROST_LOAD_LAZY, FROST_LOAD_EAGER = 0, 1
FROST_MISSING_ERROR, FROST_MISSING_AS_NAN = 0, 1
FROST_TASK_CLASSIFIER, FROST_TASK_REGRESSOR = 1, 2
FROST_LABEL_INT, FROST_LABEL_FLOAT, FROST_LABEL_STR, FROST_LABEL_BOOL = 1, 2, 3, 4
FROST_INPUT_NUMERIC, FROST_INPUT_STRING, FROST_INPUT_UNUSED = 0, 1, 2
FROST_COLUMN_DOUBLE, FROST_COLUMN_FLOAT, FROST_COLUMN_INT64, FROST_COLUMN_STRING = 1, 2, 3, 4
FROST_CONVERTED_NOW = -1
FROST_META_STRING, FROST_META_NUMBER, FROST_META_BOOL = 0, 1, 2

c_enum = ctypes.c_int  # every enum of the headers is int-sized


class frost_allocator(ctypes.Structure):
    _fields_ = [("malloc_fn", ctypes.c_void_p), ("realloc_fn", ctypes.c_void_p),
                ("free_fn", ctypes.c_void_p), ("ctx", ctypes.c_void_p)]


class frost_public_key(ctypes.Structure):
    _fields_ = [("bytes", ctypes.c_uint8 * 32)]


class frost_open_options(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("io", c_enum), ("load", c_enum),
                ("queue_depth", ctypes.c_uint), ("alloc", ctypes.POINTER(frost_allocator)),
                ("missing_columns", c_enum),
                ("required_keys", ctypes.POINTER(frost_public_key)),
                ("n_required_keys", ctypes.c_size_t),
                ("remote_attempts", ctypes.c_uint), ("remote_timeout_ms", ctypes.c_uint),
                ("remote_connections", ctypes.c_uint), ("remote_cache_dir", ctypes.c_char_p)]


class frost_info(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("task", c_enum), ("n_features", ctypes.c_uint32),
                ("n_outputs", ctypes.c_uint32), ("n_classes", ctypes.c_uint32),
                ("n_trees", ctypes.c_uint32), ("n_nodes", ctypes.c_uint64),
                ("format_major", ctypes.c_uint32), ("format_minor", ctypes.c_uint32),
                ("file_size", ctypes.c_uint64), ("header_size", ctypes.c_uint64),
                ("block_size", ctypes.c_uint32), ("n_blocks", ctypes.c_uint32),
                ("n_chunks", ctypes.c_uint32), ("io", c_enum), ("n_inputs", ctypes.c_uint32),
                ("has_preprocessing", ctypes.c_int), ("estimator", ctypes.c_int),
                ("n_transform_outputs", ctypes.c_uint32), ("has_proba", ctypes.c_int),
                ("n_decision", ctypes.c_uint32), ("has_score_samples", ctypes.c_int)]


class frost_stats(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("submissions", ctypes.c_uint64),
                ("reads", ctypes.c_uint64), ("bytes_read", ctypes.c_uint64),
                ("blocks_loaded", ctypes.c_uint64), ("blocks_verified", ctypes.c_uint64),
                ("header_bytes", ctypes.c_uint64), ("remote_requests", ctypes.c_uint64),
                ("remote_bytes", ctypes.c_uint64), ("remote_retries", ctypes.c_uint64),
                ("cache_hits", ctypes.c_uint64)]


class frost_string(ctypes.Structure):
    _fields_ = [("ptr", ctypes.c_void_p), ("len", ctypes.c_size_t)]


class frost_column(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("index", ctypes.c_uint32), ("type", c_enum),
                ("values", ctypes.c_void_p), ("stride", ctypes.c_size_t)]


class frost_write_options(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("compress", ctypes.c_int),
                ("block_shift", ctypes.c_uint32), ("top_levels", ctypes.c_uint32),
                ("alloc", ctypes.POINTER(frost_allocator))]


class frost_meta_entry(ctypes.Structure):
    _fields_ = [("key", ctypes.c_char_p), ("value", ctypes.c_char_p), ("type", c_enum)]


class frost_convert_options(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("write", frost_write_options),
                ("max_decompressed", ctypes.c_uint64), ("converted_at", ctypes.c_int64),
                ("meta", ctypes.POINTER(frost_meta_entry)), ("n_meta", ctypes.c_size_t),
                ("expect_sha256", ctypes.c_void_p), ("source_signature", ctypes.c_void_p),
                ("source_signature_len", ctypes.c_size_t),
                ("source_public_key", ctypes.c_char_p),
                ("source_public_key_len", ctypes.c_size_t)]


model_p = ctypes.c_void_p  # frost_model *, opaque
dbl_p = ctypes.c_void_p    # double * / const double *: numpy buffers by address
_i, _sz, _u32, _cs = ctypes.c_int, ctypes.c_size_t, ctypes.c_uint32, ctypes.c_char_p

# name: (restype, argtypes) — libfrost (frost.h)
FROST_FUNCTIONS = {
    "frost_strerror": (_cs, [_i]),
    "frost_open_options_init": (None, [ctypes.POINTER(frost_open_options)]),
    "frost_open": (_i, [_cs, ctypes.POINTER(frost_open_options), ctypes.POINTER(model_p)]),
    "frost_close": (None, [model_p]),
    "frost_errmsg": (_cs, [model_p]),
    "frost_error_row": (ctypes.c_int64, [model_p]),
    "frost_load_all": (_i, [model_p]),
    "frost_verify": (_i, [model_p]),
    "frost_model_info": (_i, [model_p, ctypes.POINTER(frost_info)]),
    "frost_class_count": (_u32, [model_p, _u32]),
    "frost_class_label": (_cs, [model_p, _u32, _u32]),
    "frost_class_kind": (_i, [model_p, _u32]),
    "frost_public_key_load": (_i, [_cs, ctypes.POINTER(frost_public_key)]),
    "frost_feature_name": (_cs, [model_p, _u32]),
    "frost_input_kind_of": (_i, [model_p, _u32]),
    "frost_output_name": (_cs, [model_p, _u32]),
    "frost_meta_count": (_u32, [model_p]),
    "frost_meta_at": (_i, [model_p, _u32, ctypes.POINTER(_cs), ctypes.POINTER(_cs)]),
    "frost_meta_type_at": (_i, [model_p, _u32]),
    "frost_predict": (_i, [model_p, dbl_p, _sz, dbl_p]),
    "frost_predict_proba": (_i, [model_p, dbl_p, _sz, dbl_p]),
    "frost_decision_function": (_i, [model_p, dbl_p, _sz, dbl_p]),
    "frost_predict_columns": (_i, [model_p, ctypes.POINTER(frost_column), _sz, _sz, dbl_p]),
    "frost_predict_proba_columns": (_i, [model_p, ctypes.POINTER(frost_column), _sz, _sz,
                                         dbl_p]),
    "frost_decision_function_columns": (_i, [model_p, ctypes.POINTER(frost_column), _sz, _sz,
                                             dbl_p]),
    "frost_score_samples": (_i, [model_p, dbl_p, _sz, dbl_p]),
    "frost_score_samples_columns": (_i, [model_p, ctypes.POINTER(frost_column), _sz, _sz,
                                         dbl_p]),
    "frost_transform": (_i, [model_p, ctypes.POINTER(frost_column), _sz, _sz, dbl_p]),
    "frost_get_stats": (_i, [model_p, ctypes.POINTER(frost_stats)]),
}

# libfrost_import (frost_import.h)
IMPORT_FUNCTIONS = {
    "frost_convert_options_init": (None, [ctypes.POINTER(frost_convert_options)]),
    "frost_convert": (_i, [_cs, _cs, ctypes.POINTER(frost_convert_options)]),
    "frost_convert_buffer": (_i, [ctypes.c_char_p, _sz, _cs, _cs,
                                  ctypes.POINTER(frost_convert_options)]),
    "frost_import_errmsg": (_cs, []),
}

# ---- finding and loading the libraries ------------------------------------------------------

_HERE = os.path.dirname(os.path.abspath(__file__))


def _candidate_dirs():
    env = os.environ.get("FROST_LIBRARY_PATH")
    if env:
        yield env
    yield _HERE
    # tools/python/frost → the repository's build/ (make's default BUILD)
    yield os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(_HERE))), "build")
    # PREFIX/lib/python3*/dist-packages/frost → PREFIX/lib
    yield os.path.dirname(os.path.dirname(os.path.dirname(_HERE)))


def _find(stem):
    """The path of lib<stem>.so.0 (or .so) in the first directory holding it, or the soname for
    the system's loader to find."""
    for d in _candidate_dirs():
        for name in (f"lib{stem}.so.0", f"lib{stem}.so"):
            p = os.path.join(d, name)
            if os.path.isfile(p):
                return p
    return f"lib{stem}.so.0"


class LibraryError(ImportError):
    """libfrost (or libfrost_import) cannot be loaded, or is older than this package."""


def _load(stem, functions):
    path = _find(stem)
    try:
        lib = ctypes.CDLL(path)
    except OSError as exc:
        raise LibraryError(
            f"cannot load lib{stem} ({exc}); build it with `make` (the package then finds "
            f"build/lib{stem}.so), install it with `make install`, or point FROST_LIBRARY_PATH "
            f"at the directory holding it") from None
    for name, (restype, argtypes) in functions.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            raise LibraryError(f"{path} has no {name}: it is older than this frost package; "
                               f"rebuild it (`make`) or reinstall it") from None
        fn.restype = restype
        fn.argtypes = argtypes
    lib._frost_path = path
    return lib


_lock = threading.Lock()
_libs = {}


def _loaded(stem, functions):
    found = _libs.get(stem)
    if found is None:
        with _lock:
            found = _libs.get(stem)
            if found is None:
                found = _libs[stem] = _load(stem, functions)
    return found


def lib():
    """libfrost, loaded on first use."""
    return _loaded("frost", FROST_FUNCTIONS)


def import_lib():
    """libfrost_import, loaded on first use (conversions only)."""
    return _loaded("frost_import", IMPORT_FUNCTIONS)


_OPTIONS_ROOM = 4096  # far beyond any options struct: what a newer library's init may fill


def options(struct, init):
    """An options struct (this module's layout) holding the library's defaults, sized as this
    package knows it. `init` (frost_*_options_init) fills the whole struct of the library it
    comes from — a newer library's may be longer than ours, so it writes into room to spare and
    only our prefix is kept; `size` then tells the library which fields we set, the rest
    keeping its defaults (as frost_open and frost_convert take an older caller's struct)."""
    room = (ctypes.c_char * max(_OPTIONS_ROOM, ctypes.sizeof(struct)))()
    init(ctypes.cast(room, init.argtypes[0]))
    o = struct.from_buffer_copy(bytes(room)[:ctypes.sizeof(struct)])
    o.size = ctypes.sizeof(struct)
    return o


def text(b):
    """A C string from the library as str (UTF-8; None stays None)."""
    return None if b is None else b.decode("utf-8", "surrogateescape")
