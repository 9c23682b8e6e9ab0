/*
 * convert.c — frost_convert and frost_convert_buffer: a pickle or joblib file, or the same bytes
 * in memory, into a .frost file, both along one path: the bytes are read by the safe pickle
 * reader (nothing in them runs), the object graph they hold is compiled (a pipeline,
 * convert_pipeline.c) or converted (an estimator, convert_estimator.c) into a builder, which gets
 * the input names, the metadata and the input checks collected on the way, and is written.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "frost_import.h"

#include "convert_combine.h"
#include "convert_estimator.h"
#include "convert_metadata.h"
#include "convert_pipeline.h"
#include "convert_target.h"
#include "joblib.h"
#include "source.h"
#include "source_trust.h"
#include "hook.h"
#include "outfile.h"

/* The importer's own last error, per thread: libfrost_import.so carries a private copy of the
 * layers below it, so the runtime's frost_errmsg(NULL) would not be the caller's to read. */
static _Thread_local char last_error[sizeof(((fr_err *)0)->msg)];

static int failed(const fr_err *e)
{
    snprintf(last_error, sizeof last_error, "%s", e->msg[0] ? e->msg : frost_strerror(e->code));
    return e->code;
}

FROST_API const char *frost_import_errmsg(void)
{
    return last_error;
}

FROST_API void frost_convert_options_init(frost_convert_options *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    frost_write_options_init(&o->write);
    o->converted_at = FROST_CONVERTED_NOW;
}

/* The names the builder matches input columns by: a pipeline's raw inputs, or the estimator's
 * feature_names_in_; none for positional columns. */
static int set_feature_names(conv *c)
{
    if (c->input_names) {
        int rc = frost_builder_set_feature_names(c->b, (const char *const *)c->input_names);
        return rc ? fr_fail(c->e, rc, "%s", frost_builder_errmsg(c->b)) : 0;
    }
    if (c->n_inputs)
        return 0; /* a pipeline over positional columns */
    const pk_obj *names = pk_attr(c->est, "feature_names_in_");
    if (!names || pk_is_none(names))
        return 0;
    pk_array_info ai;
    if (pk_array_info_get(names, &ai) || ai.ndim != 1 || ai.count != c->n_features)
        return fr_fail(c->e, FROST_EFORMAT, "feature_names_in_ does not hold %u names",
                       c->n_features);
    char **copy = calloc(c->n_features, sizeof *copy);
    if (!copy)
        return fr_fail(c->e, FROST_ENOMEM, "out of memory");
    int rc = 0;
    char buf[4096];
    for (uint32_t i = 0; i < c->n_features && !rc; i++) {
        size_t len;
        rc = pk_array_get_str(names, i, buf, sizeof buf, &len, c->e);
        if (!rc && memchr(buf, 0, len))
            rc = fr_fail(c->e, FROST_EUNSUPPORTED, "feature name %u contains a NUL byte", i);
        if (!rc && !(copy[i] = strdup(buf)))
            rc = fr_fail(c->e, FROST_ENOMEM, "out of memory");
    }
    if (!rc && (rc = frost_builder_set_feature_names(c->b, (const char *const *)copy)))
        fr_fail(c->e, rc, "%s", frost_builder_errmsg(c->b));
    cv_free_strings(copy, c->n_features);
    return rc ? fr_wrap(c->e, "feature_names_in_") : 0;
}

/* Where the object of class `full` sits among a pipeline's steps: "pipeline/pre/num/custom".
 * Follows only the composites' own step lists, depth-bounded (the graph may have cycles). */
static int locate(const pk_obj *o, const char *full, char *path, size_t cap, size_t at, int depth)
{
    const char *cls = pk_class_name(o);
    if (!cls || depth > 16 || at >= cap)
        return 0;
    if (strcmp(cls, full) == 0)
        return 1;
    /* a refused function held by a step (FunctionTransformer(np.log1p): numpy.log1p) */
    static const char *const fn_attrs[] = {"func", "inverse_func"};
    for (size_t i = 0; i < sizeof fn_attrs / sizeof fn_attrs[0]; i++) {
        const char *fn = pk_class_name(pk_attr(o, fn_attrs[i]));
        if (fn && strcmp(fn, full) == 0)
            return 1;
    }
    if (strcmp(cls, "sklearn.multiclass.OneVsRestClassifier") == 0) {
        const pk_obj *list = pk_attr(o, "estimators_");
        for (size_t i = 0; list && i < pk_len(list); i++) {
            size_t n = at + (size_t)snprintf(path + at, cap - at, "/estimators_[%zu]", i);
            if (locate(pk_item(list, i), full, path, cap, n, depth + 1))
                return 1;
            path[at] = 0;
        }
        size_t n = at + (size_t)snprintf(path + at, cap - at, "/estimator");
        if (locate(pk_attr(o, "estimator"), full, path, cap, n, depth + 1))
            return 1;
        path[at] = 0;
    }
    static const struct {
        const char *cls;
        const char *attr;
    } lists[] = {
        {"sklearn.pipeline.Pipeline", "steps"},
        {"sklearn.compose._column_transformer.ColumnTransformer", "transformers_"},
        {"sklearn.compose._column_transformer.ColumnTransformer", "transformers"},
        {"sklearn.pipeline.FeatureUnion", "transformer_list"},
        {"sklearn.ensemble._voting.VotingClassifier", "estimators"},
        {"sklearn.ensemble._voting.VotingRegressor", "estimators"},
    };
    for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
        if (strcmp(cls, lists[l].cls) != 0)
            continue;
        const pk_obj *list = pk_attr(o, lists[l].attr);
        for (size_t i = 0; list && i < pk_len(list); i++) {
            const pk_obj *ent = pk_item(list, i);
            const char *name = pk_str(pk_item(ent, 0), NULL);
            size_t n = at + (size_t)snprintf(path + at, cap - at, "/%s", name ? name : "?");
            if (locate(pk_item(ent, 1), full, path, cap, n, depth + 1))
                return 1;
            path[at] = 0;
        }
    }
    const pk_obj *best = pk_attr(o, "best_estimator_");
    return best && locate(best, full, path, cap, at, depth + 1);
}

/* The step path of the object of class `full` under root ("pipeline/pre/num/custom"); 0 when it
 * is the root itself or is not among the steps. */
static int step_path(const pk_obj *root, const char *full, char *path, size_t cap)
{
    const char *cls = pk_class_name(root);
    if (!cls || cap < 2)
        return 0;
    size_t at = cv_root_name(cls, path, cap);
    return strcmp(cls, full) != 0 && locate(root, full, path, cap, at, 0);
}

/* The model in data, run through the safe pickle reader (nothing in it is executed). A refused or
 * unsupported name is looked for among the model's steps by a survey load (still running
 * nothing), so that the message names the step's path. */
static int load_model(const uint8_t *data, size_t len, const char *side_dir,
                      const frost_convert_options *o, pk_graph **g, fr_err *e)
{
    jl_options jo = {.max_decompressed = (size_t)o->max_decompressed, .side_dir = side_dir};
    int rc = jl_load(data, len, &jo, g, e);
    if (rc == FROST_EREFUSED || rc == FROST_EUNSUPPORTED) {
        pk_limits lim = {.survey = 1};
        jl_options so = {.limits = &lim, .max_decompressed = jo.max_decompressed,
                         .side_dir = side_dir};
        pk_graph *sg = NULL;
        fr_err se = {0};
        char path[600];
        if (!jl_load(data, len, &so, &sg, &se) && pk_graph_refused(sg) &&
            step_path(pk_graph_root(sg), pk_graph_refused(sg), path, sizeof path))
            fr_wrap(e, "%s", path);
        pk_graph_free(sg);
    }
    return rc;
}

static int convert_graph(conv *c, const pk_obj *root, const frost_convert_options *o)
{
    const pk_obj *search = root;
    root = cv_unwrap_search(root);
    if (root == search && (pk_is_class(root, "sklearn.model_selection._search.GridSearchCV") ||
                           pk_is_class(root, "sklearn.model_selection._search.RandomizedSearchCV")))
        return fr_fail(c->e, FROST_EUNSUPPORTED, "not supported yet: a %s without "
                       "best_estimator_ (refit=False)", cv_short_name(pk_class_name(root)));
    const char *cls = pk_class_name(root);
    if (!cls || pk_kind_of(root) != PK_OBJECT)
        return fr_fail(c->e, FROST_EUNSUPPORTED,
                       "the file holds a %s, not a scikit-learn estimator",
                       cls ? cls : pk_kind_name(pk_kind_of(root)));
    if (cv_is_pipeline_class(cls) || cv_is_combine(cls))
        return cv_pipeline(c, root, o);
    if (strcmp(cls, CV_TTR) == 0) { /* its regressor_, then the inverse on its predictions */
        char path[256];
        cv_root_name(cls, path, sizeof path);
        const pk_obj *reg = cv_target_regressor(c, root, path);
        int rc = reg ? convert_graph(c, reg, o) : c->e->code ? c->e->code : FROST_EFORMAT;
        return rc ? rc : cv_target_transform(c, root, path);
    }
    return cv_estimator(c, root, o);
}

/* The caller's options, checked, over the defaults: an older caller's shorter struct leaves the
 * fields it does not know at their defaults. */
static int take_options(const frost_convert_options *opts, frost_convert_options *o, fr_err *e)
{
    frost_convert_options_init(o);
    if (opts) {
        if (opts->size < sizeof opts->size || opts->size > sizeof *o)
            return fr_fail(e, FROST_EINVAL, "frost_convert: options size %zu not recognised",
                           opts->size);
        memcpy(o, opts, opts->size);
    }
    if ((o->converted_at < 0 && o->converted_at != FROST_CONVERTED_NOW) ||
        o->converted_at > FROST_CONVERTED_AT_MAX)
        return fr_fail(e, FROST_EINVAL, "converted_at %lld is not a time from 1970 to 9999",
                       (long long)o->converted_at);
    if (!o->source_signature != !o->source_public_key ||
        (o->source_signature && (!o->source_signature_len || !o->source_public_key_len)))
        return fr_fail(e, FROST_EINVAL, "frost_convert: a source signature needs its public key, "
                       "and a key its signature");
    return cv_check_user_meta(o, e);
}

/* The pickle or joblib in data (its source called name) into out_path; side_dir: the folder a
 * joblib < 0.10 pickle's array files may be read from (NULL: none, as for a buffer). */
static int convert_bytes(const uint8_t *data, size_t len, const char *name, const char *side_dir,
                         const char *out_path, const frost_convert_options *o, fr_err *e)
{
    int rc;
    pk_graph *g = NULL;
    cv_checks checks = {0};
    fr_allocator hook = rt_hook(o->write.alloc);
    conv c = {.e = e, .checks = &checks, .wa = o->write.alloc ? &hook : NULL};
    /* the source's checks come first, on the very bytes that are then parsed */
    if ((o->expect_sha256 && (rc = cv_check_sha256(data, len, o->expect_sha256, e))) ||
        (o->source_signature &&
         (rc = cv_check_rsa_pss(data, len, o->source_signature, o->source_signature_len,
                                o->source_public_key, o->source_public_key_len, e))))
        goto done;
    if ((rc = load_model(data, len, side_dir, o, &g, e)))
        goto done;
    if ((rc = convert_graph(&c, pk_graph_root(g), o)))
        goto done;
    c.est = pk_graph_root(g); /* metadata describes what the file holds */
    c.cls = pk_class_name(c.est);
    if ((rc = set_feature_names(&c)) ||
        (rc = cv_set_metadata(&c, name, data, len, o, pk_graph_provenance(g))) ||
        (rc = cv_set_user_metadata(&c, o->meta, o->n_meta)))
        goto done;
    for (uint32_t i = 0; i < checks.n && !rc; i++)
        if ((rc = wr_builder_add_check(c.b, checks.v[i].rule, checks.v[i].slots,
                                       checks.v[i].n_slots, checks.v[i].who)))
            fr_fail(e, rc, "%s", frost_builder_errmsg(c.b));
    if (rc)
        goto done;
    if ((rc = frost_builder_write(c.b, out_path)))
        fr_fail(e, rc, "%s", frost_builder_errmsg(c.b));
done:
    frost_builder_free(c.b);
    cv_estimator_free(&c);
    fmt_program_free(c.program);
    fmt_checks_free(NULL, checks.v, checks.n);
    cv_free_strings(c.input_names, c.n_inputs);
    pk_graph_free(g);
    if (rc)
        e->code = rc;
    return rc;
}

FROST_API int frost_convert(const char *in_path, const char *out_path,
                            const frost_convert_options *opts)
{
    fr_err e = {0};
    last_error[0] = '\0';
    frost_convert_options o;
    if (take_options(opts, &o, &e))
        return failed(&e);
    if (!in_path || !out_path) {
        fr_fail(&e, FROST_EINVAL, "frost_convert: NULL path");
        return failed(&e);
    }
    if (wr_out_is_input(out_path, in_path)) {
        /* the write would replace the file being read: refused before anything is opened */
        if (strcmp(out_path, in_path) == 0)
            fr_fail(&e, FROST_EINVAL, "%s is the input file; nothing was written", out_path);
        else
            fr_fail(&e, FROST_EINVAL, "%s is the input file %s (the same file under another "
                    "name); nothing was written", out_path, in_path);
        return failed(&e);
    }
    cv_source src = {0};
    int checked = o.expect_sha256 || o.source_signature;
    int rc = cv_source_open(in_path, checked, &src, &e);
    /* a joblib < 0.10 pickle's arrays are in files beside it (a regular file's folder only) */
    char side_dir[PATH_MAX];
    struct stat st;
    int regular = !rc && stat(in_path, &st) == 0 && S_ISREG(st.st_mode) &&
                  jl_folder_of(in_path, side_dir, sizeof side_dir) == 0;
    if (!rc)
        rc = convert_bytes(src.data, src.len, in_path, regular ? side_dir : NULL, out_path, &o,
                           &e);
    cv_source_close(&src);
    return rc ? failed(&e) : 0;
}

FROST_API int frost_convert_buffer(const void *data, size_t len, const char *name,
                                   const char *out_path, const frost_convert_options *opts)
{
    fr_err e = {0};
    last_error[0] = '\0';
    frost_convert_options o;
    if (take_options(opts, &o, &e))
        return failed(&e);
    if ((!data && len) || !out_path) {
        fr_fail(&e, FROST_EINVAL, "frost_convert_buffer: NULL %s", out_path ? "data" : "path");
        return failed(&e);
    }
    static const uint8_t none[1];
    int rc = convert_bytes(data ? data : none, len, name ? name : "<memory>", NULL, out_path, &o,
                           &e);
    return rc ? failed(&e) : 0;
}
