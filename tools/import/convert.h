/*
 * convert.h — what the converter's parts share: the conversion state, and the entry points of
 * the estimator converters (convert.c) and the pipeline compiler (convert_pipeline.c).
 */
#ifndef FROST_IMPORT_CONVERT_H
#define FROST_IMPORT_CONVERT_H

#include "import/pickle.h"
#include "internal.h"
#include "writer.h"

/* Scratch arrays for one tree at a time, grown to the largest tree. */
typedef struct tree_buf {
    uint64_t cap;
    int64_t *left, *right, *feature, *mgl_i64;
    double *threshold, *full, *value;
    uint8_t *mgl;
    uint64_t value_cap, full_cap;
} tree_buf;

/* Converting one member of a COMBINE (a Voting / OneVsRest estimator) into the builder that
 * holds the combination: what the member contributes and the columns it reads. */
typedef struct conv_member {
    double weight;
    uint32_t score;         /* enum fmt_member_score */
    const uint32_t *slots;
    uint32_t n_in;
    uint32_t n_classes;     /* classifiers: its classes_ must be the encoded labels 0..n-1 */
} conv_member;

/* The input checks found so far (FORMAT.md CHECKS), in the order scikit-learn's steps validate:
 * collected while the graph is compiled, before the builder that will hold them exists. */
typedef struct cv_checks {
    fmt_check *v;
    uint32_t n;
} cv_checks;

typedef struct conv {
    fr_err *e;
    cv_checks *checks;      /* shared by a conversion and its members' conversions */
    const char *path;       /* the estimator's step path for messages ("pipeline/rf"), or NULL */
    const conv_member *member; /* set while converting a member: it goes into b's combination */
    const pk_obj *est_combine; /* the Voting / OneVsRest being converted, if any */
    const pk_obj *est;      /* the estimator being converted */
    const char *cls;        /* its canonical class name */
    frost_task task;
    uint32_t n_features;
    uint32_t n_outputs;
    uint32_t *n_classes;    /* per output, classifiers */
    uint32_t width;         /* values per leaf */
    int class_leaves;       /* leaves hold per-class values (tree and forest classifiers) */
    tree_buf tb;
    frost_builder *b;
    fmt_program *program;   /* the compiled preprocessing, until handed to the builder */
    uint32_t n_inputs;      /* the raw input columns (with a program) */
    char **input_names;     /* their names, or NULL (positional) */
} conv;


/* Records that the step `path` (object o) refuses rule (FMT_CHECK_*) in slots: its who is
 * "path (Class)", or the class alone without a path. */
int cv_add_check(conv *c, const pk_obj *o, uint32_t rule, const uint32_t *slots, uint32_t n,
                 const char *path);
/* Whether the sklearn version that saved o is at least major.minor. */
int cv_version_at_least(const pk_obj *o, int major, int minor);

/* "DecisionTreeClassifier" from "sklearn.tree._classes.DecisionTreeClassifier". */
const char *cv_short_name(const char *cls);
/* The sklearn version that saved est, as (major, minor, patch); zeros when unknown. */
void cv_sklearn_version(const pk_obj *est, int v[3]);
/* Python's str() of a float ("1.0", "0.1", "nan"), as get_feature_names_out prints categories. */
void cv_format_pyfloat(double v, char *buf, size_t cap);

/* Converts a fitted estimator (trees or linear) into c->b. With c->program set, the estimator's
 * features are the program's outputs and the program goes into the builder. */
int cv_estimator(conv *c, const pk_obj *est, const frost_convert_options *o);
/* Whether cls names an estimator cv_estimator converts; and a classifier among them. */
int cv_is_estimator(const char *cls);
int cv_is_classifier(const char *cls);
/* Converts est as a member of the combination in c->b (wr_builder_set_combine done). */
int cv_member(conv *c, const pk_obj *est, const frost_convert_options *o, const conv_member *m);
/* Reads the class labels of a classifier combination est into c->b (after its members). */
int cv_combine_labels(conv *c, const pk_obj *est);
/* Whether cls is VotingClassifier, VotingRegressor or OneVsRestClassifier. */
int cv_is_combine(const char *cls);
/* Whether a fitted classifier of class cls has decision_function (sklearn's hasattr). */
int cv_has_decision_function(const char *cls);
/* Compiles a Pipeline / ColumnTransformer / transformer (and converts its final estimator). */
int cv_pipeline(conv *c, const pk_obj *root, const frost_convert_options *o);
/* best_estimator_ of a fitted GridSearchCV / RandomizedSearchCV (refit), else o itself. */
const pk_obj *cv_unwrap_search(const pk_obj *o);
/* The step path of the object of class `full` under root ("pipeline/pre/num/custom"); 0 when it
 * is the root itself or is not among the steps. */
int cv_locate(const pk_obj *root, const char *full, char *path, size_t cap);
/* Whether cls is a class the pipeline compiler handles (composite or transformer). */
int cv_is_pipeline_class(const char *cls);

#endif
