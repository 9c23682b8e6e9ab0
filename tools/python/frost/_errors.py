"""_errors.py — frost's failures as Python exceptions, each carrying frost's own message.

    FrostError                 every failure frost reports (.code: the FROST_E* code,
    ├── UnsupportedModel       .code_name: frost_strerror's name of it)
    │                          a model (or a step of it) frost does not convert or score yet
    │                          ("not supported yet: …"), or a file needing a newer frost
    ├── RefusedModel           a pickle naming something that is not a scikit-learn/numpy type
    │                          ("refusing to import: …"): nothing in it was run
    ├── SignatureError         a signature that was required is missing, by another key, or
    │                          does not match the file (require_signature=; frost verify --pub)
    ├── DamagedFile            a .frost file that fails its checks (checksum, bounds,
    │                          structure, truncation), or a source that is no pickle/joblib
    ├── InputError             rows the model cannot score as given (also a ValueError, which
    │                          scikit-learn raises for them): a missing column (all named), a
    │                          value a step refuses (row, column and step named; .row is its
    │                          0-based row), a category unknown to an encoder that refuses
    │                          unknowns, a wrong shape; or an argument a conversion refuses
    └── ModelNotFound          no model at that path (also a FileNotFoundError)
"""
from . import _capi as C


class FrostError(Exception):
    """A failure frost reported; str() is frost's message."""

    def __init__(self, message, code=None):
        super().__init__(message)
        self.code = code

    @property
    def code_name(self):
        if self.code is None:
            return None
        return C.text(C.lib().frost_strerror(self.code))


class UnsupportedModel(FrostError):
    """frost does not convert or score this model (or one of its steps) yet."""


class RefusedModel(FrostError):
    """The pickle names something outside scikit-learn's and numpy's types: refused, not run."""


class SignatureError(FrostError):
    """A required signature is missing, by a key not required, or does not match the file."""


class DamagedFile(FrostError):
    """The file is damaged, truncated, or not in the format expected."""


class InputError(FrostError, ValueError):
    """The rows cannot be scored as given (or a conversion's arguments cannot be used)."""

    row = None


class ModelNotFound(FrostError, FileNotFoundError):
    """There is no model at that path."""

    def __init__(self, message, code=None):
        FrostError.__init__(self, message, code)

    def __str__(self):
        return self.args[0]


# Which class a code raises, by what was being done: opening or converting a model (the code
# describes the file), or scoring rows (invalid arguments and schema errors describe the rows).
_FILE = {
    C.FROST_EUNSUPPORTED: UnsupportedModel,
    C.FROST_EVERSION: UnsupportedModel,
    C.FROST_EREFUSED: RefusedModel,
    C.FROST_ECORRUPT: DamagedFile,
    C.FROST_ETRUNCATED: DamagedFile,
    C.FROST_EFORMAT: DamagedFile,
    C.FROST_ELIMIT: DamagedFile,
    C.FROST_ESIGNATURE: SignatureError,
}
# a conversion beyond frost's bounds (a label past int64, too many classes) is frost's limit;
# an invalid argument (meta frost records itself, the output being the input) the caller's
_CONVERT = dict(_FILE)
_CONVERT.update({C.FROST_ELIMIT: UnsupportedModel, C.FROST_EINVAL: InputError})
_ROWS = dict(_FILE)
_ROWS.update({C.FROST_EINVAL: InputError, C.FROST_ESCHEMA: InputError,
              C.FROST_EFORMAT: InputError, C.FROST_ELIMIT: InputError})


def file_error(code, message):
    return _FILE.get(code, FrostError)(message, code)


def rows_error(code, message):
    return _ROWS.get(code, FrostError)(message, code)


def convert_error(code, message):
    return _CONVERT.get(code, FrostError)(message, code)
