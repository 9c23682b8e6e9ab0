/*
 * convert_columns.c — which columns each step sees and in which order the outputs come, resolved
 * once at conversion so the runtime only executes arithmetic: a Pipeline's steps in order, a
 * ColumnTransformer's selections (names, indices, a slice, a boolean mask, the remainder) and its
 * verbose names, a FeatureUnion's concatenation, transformer_weights
 * (sklearn/compose/_column_transformer.py, sklearn/pipeline.py). Every step compiled is followed
 * by the input checks its transform makes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert_columns.h"
#include "convert_transformers.h"

static int compile_step(comp *k, const pk_obj *o, const cols *in, cols *out, const char *path);

/* transformer_weights (ColumnTransformer, FeatureUnion): _transform_one returns res * weight. */
static int apply_weight(comp *k, const pk_obj *owner, const char *name, cols *res, const char *path)
{
    const pk_obj *weights = pk_attr(owner, "transformer_weights");
    const pk_obj *w = weights && pk_kind_of(weights) == PK_DICT ? pk_dict_get(weights, name) : NULL;
    double wv;
    if (!w || pk_is_none(w) || res->n == 0)
        return 0;
    if (pk_get_double(w, &wv))
        return fr_fail(k->e, FROST_EFORMAT, "%s: transformer weight is not a number", path);
    double *a = malloc(res->n * sizeof *a);
    if (!a)
        return fr_fail(k->e, FROST_ENOMEM, "out of memory");
    for (uint32_t j = 0; j < res->n; j++)
        a[j] = wv;
    fmt_op op = {.opcode = FMT_OP_SCALE, .n_in = res->n, .n_out = res->n, .in = res->slot,
                 .mode = 2, .a = a, .b = a};
    uint32_t first = 0;
    int rc = cv_add_op(k, &op, &first, path);
    free(a);
    for (uint32_t j = 0; !rc && j < res->n; j++)
        res->slot[j] = first + j;
    return rc;
}

/* The input positions a ColumnTransformer entry selects: from _transformer_to_input_indices
 * (1.1+), else from its column specification (names, indices, a slice, a boolean mask). */
static int ct_columns(comp *k, const pk_obj *ct, const char *name, const pk_obj *spec,
                      const cols *in, int64_t **idx, uint32_t *n_idx, const char *path)
{
    *idx = NULL;
    *n_idx = 0;
    const pk_obj *map = pk_attr(ct, "_transformer_to_input_indices");
    const pk_obj *sel = map ? pk_dict_get(map, name) : NULL;
    const pk_obj *src = sel ? sel : spec;
    if (!src)
        return fr_fail(k->e, FROST_EFORMAT, "%s: no column selection", path);
    /* _RemainderColsList (1.5+) is a list subclass: its items were given by APPENDS */
    if (pk_kind_of(src) == PK_OBJECT && pk_obj_listitems(src))
        src = pk_obj_listitems(src);
    pk_kind kind = pk_kind_of(src);
    uint64_t n = 0;
    pk_array_info ai;
    int is_arr = !pk_array_info_get(src, &ai);
    if (kind == PK_OBJECT && pk_is_class(src, "builtins.slice")) {
        const pk_obj *args = pk_obj_args(src);
        int64_t v[3] = {0, (int64_t)in->n, 1};
        for (int j = 0; j < 3 && args && j < (int)pk_len(args); j++)
            if (!pk_is_none(pk_item(args, (size_t)j)) && pk_get_int(pk_item(args, (size_t)j), &v[j]))
                return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: a slice of "
                               "column names", path);
        if (v[2] != 1 || v[0] < 0 || v[1] < v[0])
            return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: slice(%" PRId64
                           ", %" PRId64 ", %" PRId64 ")", path, v[0], v[1], v[2]);
        if (v[1] > (int64_t)in->n)
            v[1] = in->n;
        *idx = malloc((size_t)(v[1] - v[0] + 1) * sizeof **idx);
        if (!*idx)
            return fr_fail(k->e, FROST_ENOMEM, "out of memory");
        for (int64_t j = v[0]; j < v[1]; j++)
            (*idx)[(*n_idx)++] = j;
        return 0;
    }
    if (kind == PK_LIST || kind == PK_TUPLE)
        n = pk_len(src);
    else if (is_arr && ai.ndim == 1)
        n = ai.count;
    else if (kind == PK_STR || kind == PK_INT)
        n = 1;
    else
        return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: columns given as %s "
                       "(a callable selector?)", path, pk_kind_name(kind));
    *idx = malloc((n ? n : 1) * sizeof **idx);
    if (!*idx)
        return fr_fail(k->e, FROST_ENOMEM, "out of memory");
    int bool_mask = is_arr && ai.kind == 'b';
    const pk_obj *names = pk_attr(ct, "feature_names_in_");
    for (uint64_t j = 0; j < n; j++) {
        const pk_obj *it = kind == PK_LIST || kind == PK_TUPLE ? pk_item(src, j)
                           : is_arr && ai.kind == 'O' ? pk_array_item(src, j) : NULL;
        if (kind == PK_STR || kind == PK_INT)
            it = src;
        int64_t v;
        if (bool_mask || (it && pk_kind_of(it) == PK_BOOL)) {
            int b;
            if (it ? pk_get_bool(it, &b) : 0)
                return fr_fail(k->e, FROST_EFORMAT, "%s: bad boolean mask", path);
            if (!it) {
                int64_t *all = malloc(n * sizeof *all);
                if (!all || pk_array_get_i64(src, NULL, all, n, k->e)) {
                    free(all);
                    return fr_fail(k->e, FROST_EFORMAT, "%s: unreadable column mask", path);
                }
                b = all[j] != 0;
                free(all);
            }
            if (b)
                (*idx)[(*n_idx)++] = (int64_t)j;
            continue;
        }
        const char *s = it ? pk_str(it, NULL) : NULL;
        char buf[4096];
        size_t len;
        if (!it && is_arr && (ai.kind == 'U' || ai.kind == 'S') &&
            !pk_array_get_str(src, j, buf, sizeof buf, &len, k->e))
            s = buf;
        if (s) {
            /* a name: its position among the transformer's input names */
            int64_t found = -1;
            for (uint32_t c = 0; c < in->n && found < 0; c++)
                if (strcmp(in->name[c], s) == 0)
                    found = c;
            if (found < 0 && names)
                return fr_fail(k->e, FROST_EFORMAT, "%s: column '%s' is not an input", path, s);
            if (found < 0)
                return fr_fail(k->e, FROST_EFORMAT, "%s: column '%s' given by name, but the "
                               "input has no names", path, s);
            (*idx)[(*n_idx)++] = found;
        } else if (it ? !pk_get_int(it, &v) : 0) {
            (*idx)[(*n_idx)++] = v < 0 ? v + in->n : v;
        } else if (!it && is_arr) {
            int64_t *all = malloc(n * sizeof *all);
            if (!all || pk_array_get_i64(src, NULL, all, n, k->e)) {
                free(all);
                return fr_fail(k->e, FROST_EFORMAT, "%s: unreadable column list", path);
            }
            v = all[j];
            free(all);
            (*idx)[(*n_idx)++] = v < 0 ? v + in->n : v;
        } else {
            return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: a column given as %s",
                           path, pk_kind_name(pk_kind_of(it)));
        }
    }
    for (uint32_t j = 0; j < *n_idx; j++)
        if ((*idx)[j] < 0 || (*idx)[j] >= in->n)
            return fr_fail(k->e, FROST_EFORMAT, "%s: column %" PRId64 " out of range", path,
                           (*idx)[j]);
    return 0;
}

static int column_transformer(comp *k, const pk_obj *o, const cols *in, cols *out,
                              const char *path)
{
    const pk_obj *list = pk_attr(o, "transformers_");
    if (!list || (pk_kind_of(list) != PK_LIST && pk_kind_of(list) != PK_TUPLE))
        return fr_fail(k->e, FROST_EFORMAT, "%s: no fitted transformers_ (not fitted?)", path);
    const pk_obj *vfn = pk_attr(o, "verbose_feature_names_out");
    int verbose = 1;
    if (vfn)
        pk_get_bool(vfn, &verbose);
    int rc = 0;
    for (size_t t = 0; t < pk_len(list) && !rc; t++) {
        const pk_obj *ent = pk_item(list, t);
        const char *name = pk_str(pk_item(ent, 0), NULL);
        const pk_obj *trans = pk_item(ent, 1);
        if (!name || pk_len(ent) < 3)
            return fr_fail(k->e, FROST_EFORMAT, "%s: transformers_[%zu] is not (name, "
                           "transformer, columns)", path, t);
        char sub[512];
        snprintf(sub, sizeof sub, "%s/%s", path, name);
        int64_t *idx;
        uint32_t n_idx;
        if ((rc = ct_columns(k, o, name, pk_item(ent, 2), in, &idx, &n_idx, sub))) {
            free(idx);
            break;
        }
        cols sel = {0}, res = {0};
        for (uint32_t j = 0; j < n_idx && !rc; j++)
            rc = cv_cols_push(&sel, in->slot[idx[j]], in->name[idx[j]]) ? FROST_ENOMEM : 0;
        free(idx);
        if (!rc && !(pk_str_eq(trans, "drop") || n_idx == 0)) {
            if (pk_str_eq(trans, "passthrough"))
                rc = cv_cols_append(&res, &sel);
            else
                rc = cv_compile(k, trans, &sel, &res, sub);
            if (!rc)
                rc = apply_weight(k, o, name, &res, sub);
            for (uint32_t j = 0; j < res.n && !rc; j++) {
                char nm[8400];
                if (verbose)
                    snprintf(nm, sizeof nm, "%s__%s", name, res.name[j]);
                else
                    snprintf(nm, sizeof nm, "%s", res.name[j]);
                rc = cv_cols_push(out, res.slot[j], nm) ? FROST_ENOMEM : 0;
            }
        }
        cv_cols_free(&sel);
        cv_cols_free(&res);
    }
    return rc == FROST_ENOMEM && !k->e->code ? fr_fail(k->e, rc, "out of memory") : rc;
}

int cv_pipeline_steps(comp *k, const pk_obj *o, size_t n_steps, const cols *in, cols *out,
                      const char *path)
{
    const pk_obj *steps = pk_attr(o, "steps");
    cols cur = {0};
    int rc = cv_cols_append(&cur, in);
    for (size_t i = 0; i < n_steps && !rc; i++) {
        const pk_obj *step = pk_item(steps, i);
        const char *name = pk_str(pk_item(step, 0), NULL);
        const pk_obj *est = pk_item(step, 1);
        char sub[512];
        snprintf(sub, sizeof sub, "%s/%s", path, name ? name : "?");
        if (!est || pk_is_none(est) || pk_str_eq(est, "passthrough"))
            continue;
        cols next = {0};
        rc = cv_compile(k, est, &cur, &next, sub);
        cv_cols_free(&cur);
        cur = next;
    }
    if (!rc)
        *out = cur;
    else
        cv_cols_free(&cur);
    return rc;
}

static int feature_union(comp *k, const pk_obj *o, const cols *in, cols *out, const char *path)
{
    const pk_obj *list = pk_attr(o, "transformer_list");
    if (!list)
        return fr_fail(k->e, FROST_EFORMAT, "%s: no transformer_list", path);
    int rc = 0;
    for (size_t t = 0; t < pk_len(list) && !rc; t++) {
        const pk_obj *ent = pk_item(list, t);
        const char *name = pk_str(pk_item(ent, 0), NULL);
        const pk_obj *trans = pk_item(ent, 1);
        char sub[512];
        snprintf(sub, sizeof sub, "%s/%s", path, name ? name : "?");
        if (pk_str_eq(trans, "drop"))
            continue;
        cols res = {0};
        if (pk_str_eq(trans, "passthrough"))
            rc = cv_cols_append(&res, in);
        else
            rc = cv_compile(k, trans, in, &res, sub);
        if (!rc && name)
            rc = apply_weight(k, o, name, &res, sub);
        for (uint32_t j = 0; j < res.n && !rc; j++) {
            char nm[8400];
            snprintf(nm, sizeof nm, "%s__%s", name ? name : "?", res.name[j]);
            rc = cv_cols_push(out, res.slot[j], nm) ? FROST_ENOMEM : 0;
        }
        cv_cols_free(&res);
    }
    return rc;
}

/* Records a transformer's refusals over its input columns: numeric columns get the whole rule,
 * string columns its missing-value part (check_array looks only for NaN in object arrays).
 * Raw inputs no operation typed (columns an imputer drops) are left out: their kind is unknown,
 * and nothing reads them. */
static int step_check(comp *k, const pk_obj *o, const cols *in, const char *path)
{
    uint32_t rule = cv_step_refuses(o, pk_class_name(o));
    if (!rule || !in->n)
        return 0;
    uint32_t *num = malloc(in->n * sizeof *num), *str = malloc(in->n * sizeof *str);
    uint32_t n_num = 0, n_str = 0;
    int rc = num && str ? 0 : fr_fail(k->e, FROST_ENOMEM, "out of memory");
    for (uint32_t i = 0; !rc && i < in->n; i++) {
        uint32_t s = in->slot[i];
        if (s < k->n_inputs && k->input_kind[s] == CV_KIND_UNSET)
            continue;
        if (k->p->slot_kind[s] == FMT_SLOT_STR)
            str[n_str++] = s;
        else
            num[n_num++] = s;
    }
    if (!rc)
        rc = cv_add_check(k->cv, o, rule, num, n_num, path);
    if (!rc && (rule & FMT_CHECK_NAN))
        rc = cv_add_check(k->cv, o, FMT_CHECK_NAN, str, n_str, path);
    free(num);
    free(str);
    return rc;
}

/* Compiles one step, then records what scikit-learn's version of it refuses. */
int cv_compile(comp *k, const pk_obj *o, const cols *in, cols *out, const char *path)
{
    int rc = compile_step(k, o, in, out, path);
    return rc ? rc : step_check(k, o, in, path);
}

static int compile_step(comp *k, const pk_obj *o, const cols *in, cols *out, const char *path)
{
    const char *cls = pk_class_name(o);
    if (!cls)
        return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported: a %s step", path,
                       pk_kind_name(pk_kind_of(o)));
    if (strcmp(cls, "sklearn.pipeline.Pipeline") == 0)
        return cv_pipeline_steps(k, o, pk_len(pk_attr(o, "steps")), in, out, path);
    if (strcmp(cls, "sklearn.compose._column_transformer.ColumnTransformer") == 0)
        return column_transformer(k, o, in, out, path);
    if (strcmp(cls, "sklearn.pipeline.FeatureUnion") == 0)
        return feature_union(k, o, in, out, path);
    return cv_transformer(k, o, cls, in, out, path);
}

int cv_is_composite(const char *cls)
{
    return cls && (strcmp(cls, "sklearn.pipeline.Pipeline") == 0 ||
                   strcmp(cls, "sklearn.compose._column_transformer.ColumnTransformer") == 0 ||
                   strcmp(cls, "sklearn.pipeline.FeatureUnion") == 0);
}
