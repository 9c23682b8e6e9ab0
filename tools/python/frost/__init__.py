"""frost — scikit-learn models from disk to their first prediction, fast and safely.

    import frost
    frost.save(model, "m.frost")                   # instead of joblib.dump(model, "m.joblib")
    frost.load("m.frost").predict(df)              # instead of joblib.load("m.joblib").predict(df)

frost.save pickles the fitted estimator in memory and converts it with frost's importer, which
reads the pickle as data (nothing in it runs; every class it names must be a scikit-learn or
numpy type). frost.load opens the file's header only; the trees a prediction walks are read as
it walks them. Predictions are scikit-learn's, labels in classes_' dtype, probabilities
float64. frost.convert converts an existing pickle or joblib file.

frost.dask.predict scores a Dask DataFrame partition by partition, each worker process opening
the model once (frost/dask.py).

This package is ctypes over libfrost and libfrost_import (runtime/frost.h,
import/frost_import.h): nothing to compile at install time.
"""
from ._errors import (DamagedFile, FrostError, InputError, ModelNotFound, RefusedModel,
                      SignatureError, UnsupportedModel)
from ._model import Column, Model, convert, load, save

__version__ = "0.1.0"

__all__ = ["save", "load", "convert", "Model", "Column", "FrostError", "UnsupportedModel",
           "RefusedModel", "SignatureError", "DamagedFile", "InputError", "ModelNotFound", "__version__"]
