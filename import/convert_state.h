/*
 * convert_state.h — what every part of the converter shares: the state of one conversion, the
 * input checks it collects, and small readings of the object graph (the version that saved an
 * object, class names, integer attributes, a search's refitted estimator, floats as Python
 * writes them).
 */
#ifndef FROST_IMPORT_CONVERT_STATE_H
#define FROST_IMPORT_CONVERT_STATE_H

#include "format.h"
#include "frost_import.h"
#include "pickle.h"
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
    const fr_allocator *wa; /* the builder's allocator (frost_write_options.alloc): what is
                               handed to the builder (program, linear model) is made with it */
    uint32_t n_inputs;      /* the raw input columns (with a program) */
    char **input_names;     /* their names, or NULL (positional) */
} conv;

/* Records that the step `path` (object o) refuses rule (FMT_CHECK_*) in slots: its who is
 * "path (Class)", or the class alone without a path. */
int cv_add_check(conv *c, const pk_obj *o, uint32_t rule, const uint32_t *slots, uint32_t n,
                 const char *path);

/* The sklearn version that saved est, as (major, minor, patch); zeros when unknown. */
void cv_sklearn_version(const pk_obj *est, int v[3]);
/* Whether the sklearn version that saved o is at least major.minor. */
int cv_version_at_least(const pk_obj *o, int major, int minor);
/* "DecisionTreeClassifier" from "sklearn.tree._classes.DecisionTreeClassifier". */
const char *cv_short_name(const char *cls);
/* The step name of a root that no Pipeline names: its class in lowercase, as make_pipeline names
 * steps ("randomforestclassifier"), into buf; returns the whole name's length, which may exceed
 * what fits. */
size_t cv_root_name(const char *cls, char *buf, size_t cap);
/* The integer attribute `name` of o; FROST_EFORMAT, naming both, when it is absent or no int. */
int cv_get_int(const pk_obj *o, const char *name, int64_t *out, fr_err *e);
/* best_estimator_ of a fitted GridSearchCV / RandomizedSearchCV (refit), else o itself. */
const pk_obj *cv_unwrap_search(const pk_obj *o);

/* The builder c->b now holds the estimator: the compiled program, if any, goes to it (it takes
 * ownership; c->program is cleared). */
int cv_give_program(conv *c);

/* Frees n malloc'd strings and the array holding them (NULL is accepted). */
void cv_free_strings(char **s, uint32_t n);

/* The shortest of %.15g, %.16g, %.17g that reads back to v: how labels print floats. */
void cv_format_float(double v, char *buf, size_t cap);
/* Python's str() of a float ("1.0", "0.1", "nan"), as get_feature_names_out prints categories. */
void cv_format_pyfloat(double v, char *buf, size_t cap);

#endif
