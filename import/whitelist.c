/*
 * whitelist.c — which globals a pickle may name, and what naming them means.
 *
 * A pickle names a callable with GLOBAL / STACK_GLOBAL / INST; pickle.load would import it and
 * later call it. This file is the whole policy for that, decided at the opcode that names it:
 *
 *   1. old module paths are mapped to the current ones through exact alias pairs (scikit-learn
 *      renamed sklearn.tree.tree to sklearn.tree._classes etc.; Python 2 pickles say
 *      __builtin__ and copy_reg, CPython Lib/_compat_pickle.py);
 *   2. an exact (module, qualname) pair in pk_whitelist is admitted with a role (pk_role) that
 *      says what calling it builds — never a module prefix: numpy.testing._private.utils.runstring
 *      is a numpy name and runs code;
 *   3. a known scikit-learn estimator frost does not convert (sklearn_classes.c, generated from
 *      all_estimators()) stops with FROST_EUNSUPPORTED "not supported yet: <canonical name>";
 *   4. anything else stops with FROST_EREFUSED "refusing to import: pickle references <name>,
 *      which is not a scikit-learn/numpy type".
 *
 * Admitting a scikit-learn class here only lets the reader build an inert record of it; the
 * converter still decides what it can convert.
 */
#include "pk_internal.h"

#include <stdio.h>
#include <string.h>

#define CLS(m, n) { m, n, m "." n, PK_R_CLASS, NULL }
#define VAL(m, n) { m, n, m "." n, PK_R_VALUE, NULL }
#define FN(m, n, r) { m, n, m "." n, r, NULL }
#define MAKES(m, n, cls) { m, n, m "." n, PK_R_FACTORY, cls }

static const pk_class pk_whitelist[] = {
    /* numpy array reconstruction (numpy _core/src/multiarray/methods.c array_reduce and
     * array_reduce_ex; numpy 1.16 named the module _multiarray_umath; numpy 2 moved core to
     * _core). */
    FN("numpy.core.multiarray", "_reconstruct", PK_R_NP_RECONSTRUCT),
    FN("numpy._core.multiarray", "_reconstruct", PK_R_NP_RECONSTRUCT),
    FN("numpy.core._multiarray_umath", "_reconstruct", PK_R_NP_RECONSTRUCT),
    FN("numpy._core._multiarray_umath", "_reconstruct", PK_R_NP_RECONSTRUCT),
    FN("numpy.core.multiarray", "scalar", PK_R_NP_SCALAR),
    FN("numpy._core.multiarray", "scalar", PK_R_NP_SCALAR),
    FN("numpy.core._multiarray_umath", "scalar", PK_R_NP_SCALAR),
    FN("numpy._core._multiarray_umath", "scalar", PK_R_NP_SCALAR),
    FN("numpy.core.numeric", "_frombuffer", PK_R_NP_FROMBUFFER),
    FN("numpy._core.numeric", "_frombuffer", PK_R_NP_FROMBUFFER),
    FN("numpy", "dtype", PK_R_NP_DTYPE),
    /* array types: _reconstruct's first argument and joblib's `subclass` */
    VAL("numpy", "ndarray"),
    VAL("numpy", "matrix"),
    VAL("numpy", "memmap"),
    /* scalar types appear as values, e.g. OneHotEncoder(dtype=numpy.float64) */
    VAL("numpy", "bool_"),
    VAL("numpy", "bool"),
    VAL("numpy", "int8"),
    VAL("numpy", "int16"),
    VAL("numpy", "int32"),
    VAL("numpy", "int64"),
    VAL("numpy", "uint8"),
    VAL("numpy", "uint16"),
    VAL("numpy", "uint32"),
    VAL("numpy", "uint64"),
    VAL("numpy", "longlong"),
    VAL("numpy", "ulonglong"),
    VAL("numpy", "intc"),
    VAL("numpy", "uintc"),
    VAL("numpy", "float16"),
    VAL("numpy", "float32"),
    VAL("numpy", "float64"),
    VAL("numpy", "float128"),
    VAL("numpy", "longdouble"),
    VAL("numpy", "complex64"),
    VAL("numpy", "complex128"),
    VAL("numpy", "object_"),
    VAL("numpy", "str_"),
    VAL("numpy", "bytes_"),
    VAL("numpy", "void"),
    VAL("numpy", "datetime64"),
    VAL("numpy", "timedelta64"),
    FN("numpy.core", "_ufunc_reconstruct", PK_R_UFUNC_RECON),
    /* numpy ufuncs a FunctionTransformer / TransformedTargetRegressor may hold as func or
     * inverse_func: a ufunc pickles as the global of its name (numpy/core/__init__.py
     * _ufunc_reduce) in the module whichmodule() finds it in. Inert values, never called: the
     * converter runs the eight FORMAT.md PROGRAM UFUNC lists and says "not supported yet" of
     * the others */
    VAL("numpy.core._multiarray_umath", "log"),
    VAL("numpy.core._multiarray_umath", "log1p"),
    VAL("numpy.core._multiarray_umath", "exp"),
    VAL("numpy.core._multiarray_umath", "expm1"),
    VAL("numpy.core._multiarray_umath", "sqrt"),
    VAL("numpy.core._multiarray_umath", "square"),
    VAL("numpy.core._multiarray_umath", "absolute"),
    VAL("numpy.core._multiarray_umath", "reciprocal"),
    VAL("numpy.core._multiarray_umath", "log2"),
    VAL("numpy.core._multiarray_umath", "log10"),
    VAL("numpy.core._multiarray_umath", "exp2"),
    VAL("numpy.core._multiarray_umath", "cbrt"),
    VAL("numpy.core._multiarray_umath", "sin"),
    VAL("numpy.core._multiarray_umath", "cos"),
    VAL("numpy.core._multiarray_umath", "tan"),
    VAL("numpy.core._multiarray_umath", "arcsin"),
    VAL("numpy.core._multiarray_umath", "arccos"),
    VAL("numpy.core._multiarray_umath", "arctan"),
    VAL("numpy.core._multiarray_umath", "sinh"),
    VAL("numpy.core._multiarray_umath", "cosh"),
    VAL("numpy.core._multiarray_umath", "tanh"),
    VAL("numpy.core._multiarray_umath", "arcsinh"),
    VAL("numpy.core._multiarray_umath", "arccosh"),
    VAL("numpy.core._multiarray_umath", "arctanh"),
    VAL("numpy.core._multiarray_umath", "negative"),
    VAL("numpy.core._multiarray_umath", "positive"),
    VAL("numpy.core._multiarray_umath", "sign"),
    VAL("numpy.core._multiarray_umath", "floor"),
    VAL("numpy.core._multiarray_umath", "ceil"),
    VAL("numpy.core._multiarray_umath", "rint"),
    VAL("numpy.core._multiarray_umath", "trunc"),
    VAL("numpy.core._multiarray_umath", "fabs"),
    VAL("numpy.core._multiarray_umath", "deg2rad"),
    VAL("numpy.core._multiarray_umath", "rad2deg"),
    VAL("numpy.core._multiarray_umath", "degrees"),
    VAL("numpy.core._multiarray_umath", "radians"),
    VAL("numpy._core._multiarray_umath", "log"),
    VAL("numpy._core._multiarray_umath", "log1p"),
    VAL("numpy._core._multiarray_umath", "exp"),
    VAL("numpy._core._multiarray_umath", "expm1"),
    VAL("numpy._core._multiarray_umath", "sqrt"),
    VAL("numpy._core._multiarray_umath", "square"),
    VAL("numpy._core._multiarray_umath", "absolute"),
    VAL("numpy._core._multiarray_umath", "reciprocal"),
    VAL("numpy._core._multiarray_umath", "log2"),
    VAL("numpy._core._multiarray_umath", "log10"),
    VAL("numpy._core._multiarray_umath", "exp2"),
    VAL("numpy._core._multiarray_umath", "cbrt"),
    VAL("numpy._core._multiarray_umath", "sin"),
    VAL("numpy._core._multiarray_umath", "cos"),
    VAL("numpy._core._multiarray_umath", "tan"),
    VAL("numpy._core._multiarray_umath", "arcsin"),
    VAL("numpy._core._multiarray_umath", "arccos"),
    VAL("numpy._core._multiarray_umath", "arctan"),
    VAL("numpy._core._multiarray_umath", "sinh"),
    VAL("numpy._core._multiarray_umath", "cosh"),
    VAL("numpy._core._multiarray_umath", "tanh"),
    VAL("numpy._core._multiarray_umath", "arcsinh"),
    VAL("numpy._core._multiarray_umath", "arccosh"),
    VAL("numpy._core._multiarray_umath", "arctanh"),
    VAL("numpy._core._multiarray_umath", "negative"),
    VAL("numpy._core._multiarray_umath", "positive"),
    VAL("numpy._core._multiarray_umath", "sign"),
    VAL("numpy._core._multiarray_umath", "floor"),
    VAL("numpy._core._multiarray_umath", "ceil"),
    VAL("numpy._core._multiarray_umath", "rint"),
    VAL("numpy._core._multiarray_umath", "trunc"),
    VAL("numpy._core._multiarray_umath", "fabs"),
    VAL("numpy._core._multiarray_umath", "deg2rad"),
    VAL("numpy._core._multiarray_umath", "rad2deg"),
    VAL("numpy._core._multiarray_umath", "degrees"),
    VAL("numpy._core._multiarray_umath", "radians"),
    VAL("numpy", "log"),
    VAL("numpy", "log1p"),
    VAL("numpy", "exp"),
    VAL("numpy", "expm1"),
    VAL("numpy", "sqrt"),
    VAL("numpy", "square"),
    VAL("numpy", "absolute"),
    VAL("numpy", "reciprocal"),
    VAL("numpy", "log2"),
    VAL("numpy", "log10"),
    VAL("numpy", "exp2"),
    VAL("numpy", "cbrt"),
    VAL("numpy", "sin"),
    VAL("numpy", "cos"),
    VAL("numpy", "tan"),
    VAL("numpy", "arcsin"),
    VAL("numpy", "arccos"),
    VAL("numpy", "arctan"),
    VAL("numpy", "sinh"),
    VAL("numpy", "cosh"),
    VAL("numpy", "tanh"),
    VAL("numpy", "arcsinh"),
    VAL("numpy", "arccosh"),
    VAL("numpy", "arctanh"),
    VAL("numpy", "negative"),
    VAL("numpy", "positive"),
    VAL("numpy", "sign"),
    VAL("numpy", "floor"),
    VAL("numpy", "ceil"),
    VAL("numpy", "rint"),
    VAL("numpy", "trunc"),
    VAL("numpy", "fabs"),
    VAL("numpy", "deg2rad"),
    VAL("numpy", "rad2deg"),
    VAL("numpy", "degrees"),
    VAL("numpy", "radians"),
    /* numpy's abstract scalar types, as make_column_selector(dtype_include=np.number) keeps them */
    VAL("numpy", "number"),
    VAL("numpy", "integer"),
    VAL("numpy", "signedinteger"),
    VAL("numpy", "unsignedinteger"),
    VAL("numpy", "inexact"),
    VAL("numpy", "floating"),
    VAL("numpy", "complexfloating"),
    VAL("numpy", "generic"),
    VAL("numpy", "character"),
    VAL("numpy", "flexible"),
    /* masked arrays kept by some estimators (search results): an inert record */
    MAKES("numpy.ma.core", "_mareconstruct", "numpy.ma.core.MaskedArray"),
    CLS("numpy.ma.core", "MaskedArray"),
    /* random_state / _rng attributes (numpy/random/_pickle.py, mtrand.pyx __reduce__) */
    CLS("numpy.random.mtrand", "RandomState"),
    MAKES("numpy.random._pickle", "__randomstate_ctor", "numpy.random.mtrand.RandomState"),
    MAKES("numpy.random", "__RandomState_ctor", "numpy.random.mtrand.RandomState"),
    CLS("numpy.random._mt19937", "MT19937"),
    MAKES("numpy.random._pickle", "__bit_generator_ctor", "numpy.random._mt19937.MT19937"),
    /* numpy.random.Generator (HistGradientBoosting >= 1.4 keeps _feature_subsample_rng):
     * Generator.__reduce__ calls __generator_ctor with a bit generator's name (numpy 1) or the
     * bit generator itself, whose __reduce__ names its class (numpy 2) */
    CLS("numpy.random._generator", "Generator"),
    MAKES("numpy.random._pickle", "__generator_ctor", "numpy.random._generator.Generator"),
    CLS("numpy.random._pcg64", "PCG64"),
    CLS("numpy.random._pcg64", "PCG64DXSM"),
    CLS("numpy.random._philox", "Philox"),
    CLS("numpy.random._sfc64", "SFC64"),

    /* joblib's array placeholder (joblib/numpy_pickle.py); joblib.c reads the array after it */
    CLS("joblib.numpy_pickle", "NumpyArrayWrapper"),
    /* joblib < 0.10: the array is in a .npy (or zlib) file beside the pickle (joblib.c reads it) */
    CLS("joblib.numpy_pickle", "NDArrayWrapper"),
    CLS("joblib.numpy_pickle", "ZNDArrayWrapper"),

    /* Python builtins the pickler itself emits (Lib/pickle.py save_bytes, save_set,
     * save_frozenset, save_bytearray; Lib/copyreg.py _reconstructor) */
    FN("_codecs", "encode", PK_R_CODECS_ENCODE),
    FN("copyreg", "_reconstructor", PK_R_COPYREG_RECON),
    FN("builtins", "set", PK_R_SET),
    FN("builtins", "frozenset", PK_R_FROZENSET),
    FN("builtins", "bytes", PK_R_BYTES),
    FN("builtins", "bytearray", PK_R_BYTEARRAY),
    FN("collections", "OrderedDict", PK_R_ORDEREDDICT),
    CLS("builtins", "object"),
    CLS("builtins", "slice"),
    /* types as parameter values (OneHotEncoder(dtype=float)) */
    VAL("builtins", "float"),
    VAL("builtins", "int"),
    VAL("builtins", "str"),
    VAL("builtins", "bool"),
    VAL("builtins", "complex"),
    VAL("builtins", "list"),
    VAL("builtins", "dict"),
    VAL("builtins", "tuple"),

    /* scikit-learn: the trees and ensembles frost converts */
    CLS("sklearn.tree._classes", "DecisionTreeClassifier"),
    CLS("sklearn.tree._classes", "DecisionTreeRegressor"),
    CLS("sklearn.tree._classes", "ExtraTreeClassifier"),
    CLS("sklearn.tree._classes", "ExtraTreeRegressor"),
    CLS("sklearn.tree._tree", "Tree"),
    CLS("sklearn.ensemble._forest", "RandomForestClassifier"),
    CLS("sklearn.ensemble._forest", "RandomForestRegressor"),
    CLS("sklearn.ensemble._forest", "ExtraTreesClassifier"),
    CLS("sklearn.ensemble._forest", "ExtraTreesRegressor"),
    CLS("sklearn.ensemble._gb", "GradientBoostingClassifier"),
    CLS("sklearn.ensemble._gb", "GradientBoostingRegressor"),
    /* histogram gradient boosting (sklearn/ensemble/_hist_gradient_boosting/: the estimators,
     * their TreePredictors, the bin mapper, and the losses of 0.21 to 1.0 in its loss.py) */
    CLS("sklearn.ensemble._hist_gradient_boosting.gradient_boosting",
        "HistGradientBoostingClassifier"),
    CLS("sklearn.ensemble._hist_gradient_boosting.gradient_boosting",
        "HistGradientBoostingRegressor"),
    CLS("sklearn.ensemble._hist_gradient_boosting.predictor", "TreePredictor"),
    CLS("sklearn.ensemble._hist_gradient_boosting.binning", "_BinMapper"),
    CLS("sklearn.ensemble._hist_gradient_boosting.loss", "LeastSquares"),
    CLS("sklearn.ensemble._hist_gradient_boosting.loss", "LeastAbsoluteDeviation"),
    CLS("sklearn.ensemble._hist_gradient_boosting.loss", "Poisson"),
    CLS("sklearn.ensemble._hist_gradient_boosting.loss", "BinaryCrossEntropy"),
    CLS("sklearn.ensemble._hist_gradient_boosting.loss", "CategoricalCrossEntropy"),
    /* isolation forests (sklearn/ensemble/_iforest.py; trees are ExtraTreeRegressor) */
    CLS("sklearn.ensemble._iforest", "IsolationForest"),
    /* gradient boosting losses, <= 1.2 (sklearn/ensemble/_gb_losses.py) */
    CLS("sklearn.ensemble._gb_losses", "LeastSquaresError"),
    CLS("sklearn.ensemble._gb_losses", "LeastAbsoluteError"),
    CLS("sklearn.ensemble._gb_losses", "HuberLossFunction"),
    CLS("sklearn.ensemble._gb_losses", "QuantileLossFunction"),
    CLS("sklearn.ensemble._gb_losses", "BinomialDeviance"),
    CLS("sklearn.ensemble._gb_losses", "MultinomialDeviance"),
    CLS("sklearn.ensemble._gb_losses", "ExponentialLoss"),
    /* ... and their init estimators before 0.21 (sklearn/ensemble/gradient_boosting.py) */
    CLS("sklearn.ensemble.gradient_boosting", "LogOddsEstimator"),
    CLS("sklearn.ensemble.gradient_boosting", "ScaledLogOddsEstimator"),
    CLS("sklearn.ensemble.gradient_boosting", "PriorProbabilityEstimator"),
    CLS("sklearn.ensemble.gradient_boosting", "MeanEstimator"),
    CLS("sklearn.ensemble.gradient_boosting", "QuantileEstimator"),
    CLS("sklearn.ensemble.gradient_boosting", "ZeroEstimator"),
    /* the common losses, HistGradientBoosting's since 1.1 and GradientBoosting's since 1.4
     * (sklearn/_loss/loss.py, link.py, _loss.pyx.tp; Cython pickles its cdef classes through
     * __pyx_unpickle_<class>) */
    CLS("sklearn._loss.loss", "HalfSquaredError"),
    CLS("sklearn._loss.loss", "AbsoluteError"),
    CLS("sklearn._loss.loss", "PinballLoss"),
    CLS("sklearn._loss.loss", "HuberLoss"),
    CLS("sklearn._loss.loss", "HalfBinomialLoss"),
    CLS("sklearn._loss.loss", "HalfMultinomialLoss"),
    CLS("sklearn._loss.loss", "ExponentialLoss"),
    CLS("sklearn._loss.loss", "HalfPoissonLoss"),
    CLS("sklearn._loss.loss", "HalfGammaLoss"),
    CLS("sklearn._loss.loss", "HalfTweedieLoss"),
    CLS("sklearn._loss.loss", "HalfTweedieLossIdentity"),
    CLS("sklearn._loss._loss", "CyHalfSquaredError"),
    CLS("sklearn._loss._loss", "CyAbsoluteError"),
    CLS("sklearn._loss._loss", "CyPinballLoss"),
    CLS("sklearn._loss._loss", "CyHuberLoss"),
    CLS("sklearn._loss._loss", "CyHalfBinomialLoss"),
    CLS("sklearn._loss._loss", "CyHalfMultinomialLoss"),
    CLS("sklearn._loss._loss", "CyExponentialLoss"),
    CLS("sklearn._loss._loss", "CyHalfPoissonLoss"),
    CLS("sklearn._loss._loss", "CyHalfGammaLoss"),
    CLS("sklearn._loss._loss", "CyHalfTweedieLoss"),
    CLS("sklearn._loss._loss", "CyHalfTweedieLossIdentity"),
    FN("sklearn._loss._loss", "__pyx_unpickle_CyHalfSquaredError", PK_R_PYX_UNPICKLE),
    FN("sklearn._loss._loss", "__pyx_unpickle_CyAbsoluteError", PK_R_PYX_UNPICKLE),
    FN("sklearn._loss._loss", "__pyx_unpickle_CyPinballLoss", PK_R_PYX_UNPICKLE),
    FN("sklearn._loss._loss", "__pyx_unpickle_CyHuberLoss", PK_R_PYX_UNPICKLE),
    FN("sklearn._loss._loss", "__pyx_unpickle_CyHalfBinomialLoss", PK_R_PYX_UNPICKLE),
    FN("sklearn._loss._loss", "__pyx_unpickle_CyHalfMultinomialLoss", PK_R_PYX_UNPICKLE),
    FN("sklearn._loss._loss", "__pyx_unpickle_CyExponentialLoss", PK_R_PYX_UNPICKLE),
    FN("sklearn._loss._loss", "__pyx_unpickle_CyHalfPoissonLoss", PK_R_PYX_UNPICKLE),
    FN("sklearn._loss._loss", "__pyx_unpickle_CyHalfGammaLoss", PK_R_PYX_UNPICKLE),
    FN("sklearn._loss._loss", "__pyx_unpickle_CyHalfTweedieLoss", PK_R_PYX_UNPICKLE),
    FN("sklearn._loss._loss", "__pyx_unpickle_CyHalfTweedieLossIdentity", PK_R_PYX_UNPICKLE),
    CLS("sklearn._loss.link", "IdentityLink"),
    CLS("sklearn._loss.link", "LogitLink"),
    CLS("sklearn._loss.link", "HalfLogitLink"),
    CLS("sklearn._loss.link", "MultinomialLogit"),
    CLS("sklearn._loss.link", "LogLink"),
    CLS("sklearn._loss.link", "Interval"),
    /* gradient boosting's init estimator */
    CLS("sklearn.dummy", "DummyClassifier"),
    CLS("sklearn.dummy", "DummyRegressor"),
    /* naive Bayes (sklearn/naive_bayes.py: one module since 0.x) */
    CLS("sklearn.naive_bayes", "GaussianNB"),
    CLS("sklearn.naive_bayes", "MultinomialNB"),
    CLS("sklearn.naive_bayes", "ComplementNB"),
    CLS("sklearn.naive_bayes", "BernoulliNB"),
    CLS("sklearn.naive_bayes", "CategoricalNB"),
    /* centroids: nearest centroid, k-means */
    CLS("sklearn.neighbors._nearest_centroid", "NearestCentroid"),
    CLS("sklearn.cluster._kmeans", "KMeans"),
    CLS("sklearn.cluster._kmeans", "MiniBatchKMeans"),
    /* multi-layer perceptrons, and the optimizer a stochastic solver leaves behind (its state is
     * never read) */
    CLS("sklearn.neural_network._multilayer_perceptron", "MLPClassifier"),
    CLS("sklearn.neural_network._multilayer_perceptron", "MLPRegressor"),
    CLS("sklearn.neural_network._stochastic_optimizers", "AdamOptimizer"),
    CLS("sklearn.neural_network._stochastic_optimizers", "SGDOptimizer"),
    /* linear models */
    CLS("sklearn.linear_model._base", "LinearRegression"),
    CLS("sklearn.linear_model._logistic", "LogisticRegression"),
    CLS("sklearn.linear_model._ridge", "Ridge"),
    CLS("sklearn.linear_model._ridge", "RidgeClassifier"),
    CLS("sklearn.linear_model._coordinate_descent", "Lasso"),
    CLS("sklearn.linear_model._coordinate_descent", "ElasticNet"),
    CLS("sklearn.linear_model._stochastic_gradient", "SGDClassifier"),
    CLS("sklearn.linear_model._stochastic_gradient", "SGDRegressor"),
    /* SGD's loss_function_ (sklearn/linear_model/_sgd_fast.pyx: __reduce__ = (cls, args)) */
    CLS("sklearn.linear_model._sgd_fast", "Hinge"),
    CLS("sklearn.linear_model._sgd_fast", "SquaredHinge"),
    CLS("sklearn.linear_model._sgd_fast", "ModifiedHuber"),
    CLS("sklearn.linear_model._sgd_fast", "Log"),
    CLS("sklearn.linear_model._sgd_fast", "SquaredLoss"),
    CLS("sklearn.linear_model._sgd_fast", "Huber"),
    CLS("sklearn.linear_model._sgd_fast", "EpsilonInsensitive"),
    CLS("sklearn.linear_model._sgd_fast", "SquaredEpsilonInsensitive"),
    /* RidgeClassifier keeps a LabelBinarizer */
    CLS("sklearn.preprocessing._label", "LabelBinarizer"),
    CLS("sklearn.preprocessing._label", "LabelEncoder"),
    /* combinations of estimators: voting (sklearn/ensemble/_voting.py; voting.py in 0.21,
     * voting_classifier.py before) and one-vs-rest (sklearn/multiclass.py, never moved) */
    CLS("sklearn.ensemble._voting", "VotingClassifier"),
    CLS("sklearn.ensemble._voting", "VotingRegressor"),
    CLS("sklearn.multiclass", "OneVsRestClassifier"),
    CLS("sklearn.multiclass", "_ConstantPredictor"),
    /* pipelines (converted later; admitted so those files parse) */
    CLS("sklearn.pipeline", "Pipeline"),
    CLS("sklearn.compose._column_transformer", "ColumnTransformer"),
    /* a column selector: inert, the fitted transformers_ hold the columns it chose at fit */
    CLS("sklearn.compose._column_transformer", "make_column_selector"),
    CLS("sklearn.compose._column_transformer", "_RemainderColsList"),
    CLS("sklearn.impute._base", "SimpleImputer"),
    CLS("sklearn.impute._base", "MissingIndicator"),
    CLS("sklearn.preprocessing._data", "StandardScaler"),
    CLS("sklearn.preprocessing._data", "MinMaxScaler"),
    CLS("sklearn.preprocessing._data", "RobustScaler"),
    CLS("sklearn.preprocessing._data", "MaxAbsScaler"),
    CLS("sklearn.preprocessing._data", "Normalizer"),
    CLS("sklearn.preprocessing._polynomial", "PolynomialFeatures"),
    CLS("sklearn.preprocessing._discretization", "KBinsDiscretizer"),
    CLS("sklearn.preprocessing._encoders", "OneHotEncoder"),
    CLS("sklearn.preprocessing._encoders", "OrdinalEncoder"),
    CLS("sklearn.pipeline", "FeatureUnion"),
    CLS("sklearn.svm._classes", "LinearSVC"),
    CLS("sklearn.svm._classes", "LinearSVR"),
    /* hyper-parameter searches: frost converts their refitted best_estimator_; the rest of
     * their state (cv_results_, the splitter, the parameter distributions) is inert data */
    CLS("sklearn.model_selection._search", "GridSearchCV"),
    CLS("sklearn.model_selection._search", "RandomizedSearchCV"),
    CLS("sklearn.model_selection._split", "KFold"),
    CLS("sklearn.model_selection._split", "StratifiedKFold"),
    CLS("sklearn.model_selection._split", "ShuffleSplit"),
    CLS("sklearn.model_selection._split", "StratifiedShuffleSplit"),
    CLS("scipy.stats._distn_infrastructure", "rv_continuous_frozen"),
    CLS("scipy.stats._distn_infrastructure", "rv_discrete_frozen"),
    CLS("scipy.stats._continuous_distns", "uniform_gen"),
    CLS("scipy.stats._continuous_distns", "reciprocal_gen"),
    CLS("scipy.stats._continuous_distns", "norm_gen"),
    CLS("scipy.stats._continuous_distns", "expon_gen"),
    CLS("scipy.stats._discrete_distns", "randint_gen"),
    /* ColumnTransformer's 'passthrough' is fitted as FunctionTransformer(func=None) */
    CLS("sklearn.preprocessing._function_transformer", "FunctionTransformer"),
    /* the feature selectors (sklearn/feature_selection/) and the score functions SelectKBest /
     * SelectPercentile keep as score_func: inert names, never called */
    CLS("sklearn.feature_selection._variance_threshold", "VarianceThreshold"),
    CLS("sklearn.feature_selection._univariate_selection", "SelectKBest"),
    CLS("sklearn.feature_selection._univariate_selection", "SelectPercentile"),
    CLS("sklearn.feature_selection._from_model", "SelectFromModel"),
    VAL("sklearn.feature_selection._univariate_selection", "f_classif"),
    VAL("sklearn.feature_selection._univariate_selection", "f_regression"),
    VAL("sklearn.feature_selection._univariate_selection", "r_regression"),
    VAL("sklearn.feature_selection._univariate_selection", "chi2"),
    VAL("sklearn.feature_selection._univariate_selection", "f_oneway"),
    VAL("sklearn.feature_selection._mutual_info", "mutual_info_classif"),
    VAL("sklearn.feature_selection._mutual_info", "mutual_info_regression"),
    /* projections (sklearn/decomposition/) */
    CLS("sklearn.decomposition._pca", "PCA"),
    CLS("sklearn.decomposition._incremental_pca", "IncrementalPCA"),
    CLS("sklearn.decomposition._truncated_svd", "TruncatedSVD"),
    /* TransformedTargetRegressor (sklearn/compose/_target.py): its regressor_ predicts, its
     * transformer_'s inverse maps the predictions back */
    CLS("sklearn.compose._target", "TransformedTargetRegressor"),
    /* inert helpers kept in estimator attributes */
    VAL("sklearn.metrics._scorer", "_passthrough_scorer"),
    CLS("sklearn.utils._bunch", "Bunch"),
};

/* Exact (module, name) pairs that moved, mapped to the name the record carries. */
typedef struct pk_alias {
    const char *module;
    const char *name;
    const char *to_module;
    const char *to_name;
} pk_alias;

#define MOVED(from, to, n) { from, n, to, n }

static const pk_alias pk_aliases[] = {
    /* scikit-learn < 0.22 public module paths (0.22 made them private, 0.24 removed the old) */
    MOVED("sklearn.tree.tree", "sklearn.tree._classes", "DecisionTreeClassifier"),
    MOVED("sklearn.tree.tree", "sklearn.tree._classes", "DecisionTreeRegressor"),
    MOVED("sklearn.tree.tree", "sklearn.tree._classes", "ExtraTreeClassifier"),
    MOVED("sklearn.tree.tree", "sklearn.tree._classes", "ExtraTreeRegressor"),
    MOVED("sklearn.ensemble.forest", "sklearn.ensemble._forest", "RandomForestClassifier"),
    MOVED("sklearn.ensemble.forest", "sklearn.ensemble._forest", "RandomForestRegressor"),
    MOVED("sklearn.ensemble.forest", "sklearn.ensemble._forest", "ExtraTreesClassifier"),
    MOVED("sklearn.ensemble.forest", "sklearn.ensemble._forest", "ExtraTreesRegressor"),
    MOVED("sklearn.ensemble.gradient_boosting", "sklearn.ensemble._gb",
          "GradientBoostingClassifier"),
    MOVED("sklearn.ensemble.gradient_boosting", "sklearn.ensemble._gb",
          "GradientBoostingRegressor"),
    MOVED("sklearn.ensemble.gradient_boosting", "sklearn.ensemble._gb_losses",
          "LeastSquaresError"),
    MOVED("sklearn.ensemble.gradient_boosting", "sklearn.ensemble._gb_losses",
          "LeastAbsoluteError"),
    MOVED("sklearn.ensemble.gradient_boosting", "sklearn.ensemble._gb_losses",
          "HuberLossFunction"),
    MOVED("sklearn.ensemble.gradient_boosting", "sklearn.ensemble._gb_losses",
          "QuantileLossFunction"),
    MOVED("sklearn.ensemble.gradient_boosting", "sklearn.ensemble._gb_losses",
          "BinomialDeviance"),
    MOVED("sklearn.ensemble.gradient_boosting", "sklearn.ensemble._gb_losses",
          "MultinomialDeviance"),
    MOVED("sklearn.ensemble.gradient_boosting", "sklearn.ensemble._gb_losses",
          "ExponentialLoss"),
    MOVED("sklearn.neighbors.nearest_centroid", "sklearn.neighbors._nearest_centroid",
          "NearestCentroid"),
    MOVED("sklearn.neural_network.multilayer_perceptron",
          "sklearn.neural_network._multilayer_perceptron", "MLPClassifier"),
    MOVED("sklearn.neural_network.multilayer_perceptron",
          "sklearn.neural_network._multilayer_perceptron", "MLPRegressor"),
    MOVED("sklearn.cluster.k_means_", "sklearn.cluster._kmeans", "KMeans"),
    MOVED("sklearn.cluster.k_means_", "sklearn.cluster._kmeans", "MiniBatchKMeans"),
    MOVED("sklearn.ensemble.iforest", "sklearn.ensemble._iforest", "IsolationForest"),
    MOVED("sklearn.linear_model.base", "sklearn.linear_model._base", "LinearRegression"),
    MOVED("sklearn.linear_model.logistic", "sklearn.linear_model._logistic",
          "LogisticRegression"),
    MOVED("sklearn.linear_model.ridge", "sklearn.linear_model._ridge", "Ridge"),
    MOVED("sklearn.linear_model.ridge", "sklearn.linear_model._ridge", "RidgeClassifier"),
    MOVED("sklearn.linear_model.coordinate_descent", "sklearn.linear_model._coordinate_descent",
          "Lasso"),
    MOVED("sklearn.linear_model.coordinate_descent", "sklearn.linear_model._coordinate_descent",
          "ElasticNet"),
    MOVED("sklearn.linear_model.stochastic_gradient",
          "sklearn.linear_model._stochastic_gradient", "SGDClassifier"),
    MOVED("sklearn.linear_model.stochastic_gradient",
          "sklearn.linear_model._stochastic_gradient", "SGDRegressor"),
    MOVED("sklearn.linear_model.sgd_fast", "sklearn.linear_model._sgd_fast", "Hinge"),
    MOVED("sklearn.linear_model.sgd_fast", "sklearn.linear_model._sgd_fast", "SquaredHinge"),
    MOVED("sklearn.linear_model.sgd_fast", "sklearn.linear_model._sgd_fast", "ModifiedHuber"),
    MOVED("sklearn.linear_model.sgd_fast", "sklearn.linear_model._sgd_fast", "Log"),
    MOVED("sklearn.linear_model.sgd_fast", "sklearn.linear_model._sgd_fast", "SquaredLoss"),
    MOVED("sklearn.linear_model.sgd_fast", "sklearn.linear_model._sgd_fast", "Huber"),
    MOVED("sklearn.linear_model.sgd_fast", "sklearn.linear_model._sgd_fast",
          "EpsilonInsensitive"),
    MOVED("sklearn.linear_model.sgd_fast", "sklearn.linear_model._sgd_fast",
          "SquaredEpsilonInsensitive"),
    MOVED("sklearn.ensemble.voting", "sklearn.ensemble._voting", "VotingClassifier"),
    MOVED("sklearn.ensemble.voting", "sklearn.ensemble._voting", "VotingRegressor"),
    MOVED("sklearn.ensemble.voting_classifier", "sklearn.ensemble._voting", "VotingClassifier"),
    MOVED("sklearn.preprocessing.label", "sklearn.preprocessing._label", "LabelBinarizer"),
    MOVED("sklearn.preprocessing.label", "sklearn.preprocessing._label", "LabelEncoder"),
    MOVED("sklearn.preprocessing.data", "sklearn.preprocessing._data", "StandardScaler"),
    /* OneHotEncoder lived in preprocessing/data.py until 0.20 */
    MOVED("sklearn.preprocessing.data", "sklearn.preprocessing._encoders", "OneHotEncoder"),
    /* sklearn/impute.py (0.20, 0.21) became the sklearn/impute/ package */
    MOVED("sklearn.impute", "sklearn.impute._base", "SimpleImputer"),
    MOVED("sklearn.impute", "sklearn.impute._base", "MissingIndicator"),
    MOVED("sklearn.preprocessing.function_transformer",
          "sklearn.preprocessing._function_transformer", "FunctionTransformer"),
    MOVED("sklearn.metrics.scorer", "sklearn.metrics._scorer", "_passthrough_scorer"),
    /* Bunch was defined in sklearn/utils/__init__.py until 1.2 */
    MOVED("sklearn.utils", "sklearn.utils._bunch", "Bunch"),
    /* joblib as vendored by scikit-learn 0.20-0.22 */
    MOVED("sklearn.externals.joblib.numpy_pickle", "joblib.numpy_pickle", "NumpyArrayWrapper"),
    MOVED("sklearn.externals.joblib.numpy_pickle", "joblib.numpy_pickle", "NDArrayWrapper"),
    MOVED("joblib.numpy_pickle_compat", "joblib.numpy_pickle", "NDArrayWrapper"),
    MOVED("sklearn.externals.joblib.numpy_pickle_compat", "joblib.numpy_pickle", "NDArrayWrapper"),
    MOVED("sklearn.externals.joblib.numpy_pickle", "joblib.numpy_pickle", "ZNDArrayWrapper"),
    MOVED("joblib.numpy_pickle_compat", "joblib.numpy_pickle", "ZNDArrayWrapper"),
    MOVED("sklearn.externals.joblib.numpy_pickle_compat", "joblib.numpy_pickle", "ZNDArrayWrapper"),
    /* Python 2 names (CPython Lib/_compat_pickle.py IMPORT_MAPPING / NAME_MAPPING) */
    MOVED("copy_reg", "copyreg", "_reconstructor"),
    MOVED("__builtin__", "builtins", "object"),
    MOVED("__builtin__", "builtins", "slice"),
    MOVED("__builtin__", "builtins", "set"),
    MOVED("__builtin__", "builtins", "frozenset"),
    MOVED("__builtin__", "builtins", "bytes"),
    MOVED("__builtin__", "builtins", "bytearray"),
    MOVED("__builtin__", "builtins", "float"),
    MOVED("__builtin__", "builtins", "int"),
    MOVED("__builtin__", "builtins", "str"),
    MOVED("__builtin__", "builtins", "bool"),
    MOVED("__builtin__", "builtins", "complex"),
    MOVED("__builtin__", "builtins", "list"),
    MOVED("__builtin__", "builtins", "dict"),
    MOVED("__builtin__", "builtins", "tuple"),
    { "__builtin__", "unicode", "builtins", "str" },
    { "__builtin__", "long", "builtins", "int" },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool eq_n(const char *z, const char *s, size_t n)
{
    return strlen(z) == n && memcmp(z, s, n) == 0;
}

static const pk_class *find_exact(const char *m, size_t ml, const char *n, size_t nl)
{
    for (size_t i = 0; i < COUNT(pk_whitelist); i++)
        if (eq_n(pk_whitelist[i].module, m, ml) && eq_n(pk_whitelist[i].name, n, nl))
            return &pk_whitelist[i];
    return NULL;
}

const pk_class *pk_class_by_full(const char *full)
{
    for (size_t i = 0; i < COUNT(pk_whitelist); i++)
        if (strcmp(pk_whitelist[i].full, full) == 0)
            return &pk_whitelist[i];
    return NULL;
}

int pk_resolve_global(const char *module, size_t module_len, const char *name, size_t name_len,
                      const pk_class **out, fr_err *e)
{
    const char *m = module, *n = name;
    size_t ml = module_len, nl = name_len;
    *out = NULL;

    for (size_t i = 0; i < COUNT(pk_aliases); i++) {
        if (eq_n(pk_aliases[i].module, module, module_len) &&
            eq_n(pk_aliases[i].name, name, name_len)) {
            m = pk_aliases[i].to_module;
            n = pk_aliases[i].to_name;
            ml = strlen(m);
            nl = strlen(n);
            break;
        }
    }
    const pk_class *c = find_exact(m, ml, n, nl);
    if (c) {
        *out = c;
        return 0;
    }

    char pm[200], pn[200], full[420];
    pk_printable(pm, sizeof pm, module, module_len);
    pk_printable(pn, sizeof pn, name, name_len);
    snprintf(full, sizeof full, "%s.%s", pm, pn);

    /* Only names made of printable characters can be scikit-learn's. */
    if (module_len < sizeof pm - 4 && name_len < sizeof pn - 4 &&
        strlen(pm) == module_len && strlen(pn) == name_len) {
        const char *canon = pk_sklearn_known(full);
        /* an older module path of a class that is admitted under its current name (the
         * generated table knows where each class lived before) */
        const char *dot = canon ? strrchr(canon, '.') : NULL;
        if (dot && (c = find_exact(canon, (size_t)(dot - canon), dot + 1, strlen(dot + 1)))) {
            *out = c;
            return 0;
        }
        if (canon)
            return fr_fail(e, FROST_EUNSUPPORTED, "not supported yet: %s", canon);
    }
    return fr_fail(e, FROST_EREFUSED,
                   "refusing to import: pickle references %s, which is not a "
                   "scikit-learn/numpy type",
                   full);
}
