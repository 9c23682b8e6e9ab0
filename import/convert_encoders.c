/*
 * convert_encoders.c — OneHotEncoder and OrdinalEncoder (sklearn/preprocessing/_encoders.py):
 * each input column's fitted categories_ become one ENCODE operation, a table from category to
 * output (a one-hot position, or the ordinal), with the missing category (None / NaN) matched
 * by missing inputs, unknown categories by handle_unknown, infrequent categories grouped
 * (1.1+), dropped positions (drop_idx_) left out; the output names follow
 * get_feature_names_out().
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert_encoders.h"

/* One column's categories (categories_[i]): their kind, values, and the missing category. */
typedef struct cats {
    uint32_t kind;       /* FMT_SLOT_NUM / FMT_SLOT_STR */
    uint32_t n;          /* categories, the missing one included */
    double *num;         /* numeric categories (missing: NaN) */
    char **str;          /* string categories (missing: NULL) */
    uint32_t missing;    /* index of the None/NaN category, or FMT_NONE */
    char **label;        /* str() of each category as get_feature_names_out prints it */
} cats;

static void cats_free(cats *c)
{
    for (uint32_t i = 0; c->str && i < c->n; i++)
        free(c->str[i]);
    for (uint32_t i = 0; c->label && i < c->n; i++)
        free(c->label[i]);
    free(c->str);
    free(c->label);
    free(c->num);
    memset(c, 0, sizeof *c);
}

static int read_cats(comp *k, const pk_obj *arr, cats *c, const char *path)
{
    memset(c, 0, sizeof *c);
    c->missing = FMT_NONE;
    pk_array_info ai;
    if (pk_array_info_get(arr, &ai) || ai.ndim != 1 || ai.count > (1u << 24))
        return fr_fail(k->e, FROST_EFORMAT, "%s: categories_ entry is not a 1-D array", path);
    c->n = (uint32_t)ai.count;
    int str = ai.kind == 'U' || ai.kind == 'S';
    if (ai.kind == 'O')
        for (uint32_t i = 0; i < c->n; i++)
            str |= pk_kind_of(pk_array_item(arr, i)) == PK_STR;
    c->kind = str ? FMT_SLOT_STR : FMT_SLOT_NUM;
    if (str)
        c->str = calloc(c->n ? c->n : 1, sizeof *c->str);
    else
        c->num = calloc(c->n ? c->n : 1, sizeof *c->num);
    c->label = calloc(c->n ? c->n : 1, sizeof *c->label);
    if ((!c->str && !c->num) || !c->label)
        return fr_fail(k->e, FROST_ENOMEM, "out of memory");
    char lb[4200];
    if (!str && ai.kind != 'O') {
        if (pk_array_get_f64(arr, NULL, c->num, c->n, k->e))
            return fr_wrap(k->e, "%s.categories_", path);
        for (uint32_t i = 0; i < c->n; i++) {
            if (isnan(c->num[i]))
                c->missing = i;
            if (ai.kind == 'b')
                snprintf(lb, sizeof lb, "%s", c->num[i] != 0 ? "True" : "False");
            else if (ai.kind == 'i' || ai.kind == 'u')
                snprintf(lb, sizeof lb, "%.0f", c->num[i]);
            else
                cv_format_pyfloat(c->num[i], lb, sizeof lb);
            if (!(c->label[i] = strdup(lb)))
                return fr_fail(k->e, FROST_ENOMEM, "out of memory");
        }
        return 0;
    }
    for (uint32_t i = 0; i < c->n; i++) {
        const pk_obj *it = ai.kind == 'O' ? pk_array_item(arr, i) : NULL;
        double v;
        if (it && (pk_is_none(it) || (!pk_get_double(it, &v) && isnan(v)))) {
            c->missing = i; /* None or nan: the category missing values fall into */
            if (!str)
                c->num[i] = NAN;
            if (!(c->label[i] = strdup(pk_is_none(it) ? "None" : "nan")))
                return fr_fail(k->e, FROST_ENOMEM, "out of memory");
            continue;
        }
        /* str() of the category: ints and bools as Python prints them, floats as repr */
        int64_t iv;
        pk_array_info si;
        char sk = !it ? 'U' : pk_kind_of(it) == PK_BOOL ? 'b' : pk_kind_of(it) == PK_INT ? 'i'
                  : pk_kind_of(it) == PK_STR ? 'U'
                  : !pk_array_info_get(it, &si) ? si.kind : 'f';
        if (sk == 'b' && !pk_get_int(it, &iv))
            snprintf(lb, sizeof lb, "%s", iv ? "True" : "False");
        else if ((sk == 'i' || sk == 'u') && !pk_get_int(it, &iv))
            snprintf(lb, sizeof lb, "%" PRId64, iv);
        else if (sk != 'U' && !pk_get_double(it, &v))
            cv_format_pyfloat(v, lb, sizeof lb);
        else
            lb[0] = 0; /* strings: their label is set below */
        if (str) {
            char buf[4096];
            size_t len;
            if (it && pk_kind_of(it) != PK_STR)
                return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: categories "
                               "mixing strings and %s", path, pk_kind_name(pk_kind_of(it)));
            if (pk_array_get_str(arr, i, buf, sizeof buf, &len, k->e))
                return fr_wrap(k->e, "%s.categories_", path);
            if (!(c->str[i] = strdup(buf)) || !(c->label[i] = strdup(buf)))
                return fr_fail(k->e, FROST_ENOMEM, "out of memory");
            continue;
        } else if (!it || pk_get_double(it, &c->num[i])) {
            return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: a category of type %s",
                           path, it ? pk_kind_name(pk_kind_of(it)) : "?");
        }
        if (!(c->label[i] = strdup(lb)))
            return fr_fail(k->e, FROST_ENOMEM, "out of memory");
    }
    return 0;
}

/* get_feature_names_out's spelling of a category: str(category). */
static void cat_name(const cats *c, uint32_t i, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", c->label[i] ? c->label[i] : "?");
}

/* An ENCODE op over one column from a category table; targets give each category's output. */
static int encode_op(comp *k, uint32_t slot, const cats *c, const double *targets, uint32_t n_out,
                     int unknown, double unknown_target, uint32_t *first, const char *path)
{
    int rc = cv_want_kind(k, slot, c->kind, path);
    if (rc)
        return rc;
    /* the missing category is matched by missing inputs, not by value */
    uint32_t n = 0;
    double *cn = calloc(c->n ? c->n : 1, sizeof *cn), *tg = calloc(c->n ? c->n : 1, sizeof *tg);
    char **cs = calloc(c->n ? c->n : 1, sizeof *cs);
    uint32_t missing_cat = FMT_NONE;
    if (!cn || !tg || !cs)
        rc = fr_fail(k->e, FROST_ENOMEM, "out of memory");
    for (uint32_t i = 0; !rc && i < c->n; i++) {
        if (i == c->missing)
            continue;
        if (c->kind == FMT_SLOT_STR)
            cs[n] = c->str[i];
        else
            cn[n] = c->num[i];
        tg[n++] = targets[i];
    }
    if (!rc && c->missing != FMT_NONE) {
        /* appended last with a value that cannot match an input: a string no input equals is
         * impossible to guarantee, so the missing category gets its own entry flagged by
         * missing_cat and a unique placeholder */
        missing_cat = n;
        if (c->kind == FMT_SLOT_STR)
            cs[n] = "\x01missing"; /* matched through missing_cat only: no CSV field holds \x01 */
        else
            cn[n] = 0; /* replaced below by a value no real category has */
        tg[n++] = targets[c->missing];
    }
    if (!rc && c->missing != FMT_NONE && c->kind == FMT_SLOT_NUM) {
        /* numeric: pick a placeholder value distinct from every real category */
        double ph = -1.0e308;
        for (int again = 1; again;) {
            again = 0;
            for (uint32_t i = 0; i + 1 < n; i++)
                if (cn[i] == ph) {
                    ph = nextafter(ph, 0);
                    again = 1;
                }
        }
        cn[n - 1] = ph;
    }
    if (!rc) {
        fmt_op op = {.opcode = FMT_OP_ENCODE, .n_in = 1, .n_out = n_out, .in = &slot,
                     .cat_kind = c->kind, .n_cat = n, .unknown = (uint32_t)unknown,
                     .missing_cat = missing_cat, .unknown_target = unknown_target,
                     .cats = c->kind == FMT_SLOT_NUM ? cn : NULL,
                     .strs = c->kind == FMT_SLOT_STR ? cs : NULL, .targets = tg};
        rc = cv_add_op(k, &op, first, path);
    }
    free(cn);
    free(tg);
    free(cs);
    return rc;
}

/* An encoder's fitted categories_ (one array per input column) and whether infrequent
 * categories were grouped (_infrequent_enabled, 1.1+). */
static int encoder_categories(comp *k, const pk_obj *o, const cols *in, const pk_obj **table,
                              int *infrequent, const char *path)
{
    *table = pk_attr(o, "categories_");
    if (!*table || pk_len(*table) != in->n)
        return fr_fail(k->e, FROST_EFORMAT, "%s: categories_ does not list %u columns", path,
                       in->n);
    const pk_obj *on = pk_attr(o, "_infrequent_enabled");
    *infrequent = 0;
    if (on)
        pk_get_bool(on, infrequent);
    return 0;
}

int cv_onehot(comp *k, const pk_obj *o, const cols *in, cols *out, const char *path)
{
    const pk_obj *categories;
    int infrequent;
    int rc = encoder_categories(k, o, in, &categories, &infrequent, path);
    if (rc)
        return rc;
    const pk_obj *hu = pk_attr(o, "handle_unknown");
    int ignore = hu && (pk_str_eq(hu, "ignore") || pk_str_eq(hu, "infrequent_if_exist"));
    const pk_obj *drop_idx = pk_attr(o, "drop_idx_");
    const pk_obj *maps = pk_attr(o, "_default_to_infrequent_mappings");
    for (uint32_t f = 0; f < in->n && !rc; f++) {
        cats c;
        if ((rc = read_cats(k, pk_item(categories, f), &c, path))) {
            cats_free(&c);
            break;
        }
        /* category → position after infrequent grouping (1.1+) */
        int64_t *pos = calloc(c.n ? c.n : 1, sizeof *pos);
        double *tg = calloc(c.n ? c.n : 1, sizeof *tg);
        if (!pos || !tg)
            rc = fr_fail(k->e, FROST_ENOMEM, "out of memory");
        uint32_t n_pos = c.n;
        int has_infrequent = 0;
        const pk_obj *map = infrequent && maps ? pk_item(maps, f) : NULL;
        if (!rc && map && !pk_is_none(map)) {
            if (pk_array_get_i64(map, NULL, pos, c.n, k->e)) {
                rc = fr_wrap(k->e, "%s._default_to_infrequent_mappings", path);
            } else {
                n_pos = 0;
                for (uint32_t i = 0; i < c.n; i++)
                    n_pos = pos[i] + 1 > n_pos ? (uint32_t)pos[i] + 1 : n_pos;
                has_infrequent = 1;
            }
        } else {
            for (uint32_t i = 0; i < c.n; i++)
                pos[i] = i;
        }
        /* drop_idx_[f]: the position dropped (drop='first'/'if_binary'/explicit), or None */
        int64_t dropped = -1;
        if (!rc && drop_idx && !pk_is_none(drop_idx)) {
            pk_array_info di;
            if (!pk_array_info_get(drop_idx, &di) && di.count == in->n) {
                const pk_obj *it = di.kind == 'O' ? pk_array_item(drop_idx, f) : NULL;
                if (it) {
                    if (!pk_is_none(it) && pk_get_int(it, &dropped))
                        rc = fr_fail(k->e, FROST_EFORMAT, "%s: drop_idx_ entry %u", path, f);
                } else {
                    int64_t *all = malloc(in->n * sizeof *all);
                    if (!all || pk_array_get_i64(drop_idx, NULL, all, in->n, k->e))
                        rc = fr_fail(k->e, FROST_EFORMAT, "%s: drop_idx_ is unreadable", path);
                    else
                        dropped = all[f];
                    free(all);
                }
            } else {
                rc = fr_fail(k->e, FROST_EFORMAT, "%s: drop_idx_ does not cover %u columns", path,
                             in->n);
            }
        }
        uint32_t n_out = n_pos - (dropped >= 0 ? 1 : 0);
        for (uint32_t i = 0; !rc && i < c.n; i++) {
            int64_t p = pos[i];
            tg[i] = p == dropped ? -1.0 : (double)(dropped >= 0 && p > dropped ? p - 1 : p);
        }
        /* unknowns: the infrequent column when handle_unknown='infrequent_if_exist' and one
         * exists, else all zeros (ignore) */
        double unknown_target = -1.0;
        if (has_infrequent && hu && pk_str_eq(hu, "infrequent_if_exist")) {
            int64_t p = n_pos - 1;
            unknown_target = p == dropped ? -1.0 : (double)(dropped >= 0 && p > dropped ? p - 1 : p);
        }
        uint32_t first = 0;
        if (!rc && n_out > 0) {
            if (n_out == 1) {
                /* a single output column is still a one-hot column, not an ordinal: encode it
                 * as ordinal with 1.0 / 0.0 targets */
                for (uint32_t i = 0; i < c.n; i++)
                    tg[i] = tg[i] == 0.0 ? 1.0 : 0.0;
                unknown_target = unknown_target == 0.0 ? 1.0 : 0.0;
            }
            rc = encode_op(k, in->slot[f], &c, tg, n_out, ignore, unknown_target, &first, path);
        }
        /* names: input_category per kept position (the infrequent column is
         * input_infrequent_sklearn) */
        for (uint32_t p = 0; !rc && p < n_pos; p++) {
            if ((int64_t)p == dropped)
                continue;
            char cn[4096] = "infrequent_sklearn";
            for (uint32_t i = 0; i < c.n; i++)
                if (pos[i] == (int64_t)p && !(has_infrequent && p == n_pos - 1)) {
                    cat_name(&c, i, cn, sizeof cn);
                    break;
                }
            char nm[8300];
            snprintf(nm, sizeof nm, "%s_%s", in->name[f], cn);
            uint32_t col = (uint32_t)(dropped >= 0 && (int64_t)p > dropped ? p - 1 : p);
            rc = cv_cols_push(out, first + col, nm) ? fr_fail(k->e, FROST_ENOMEM, "oom") : 0;
        }
        free(pos);
        free(tg);
        cats_free(&c);
    }
    return rc;
}

int cv_ordinal(comp *k, const pk_obj *o, const cols *in, cols *out, const char *path)
{
    const pk_obj *categories;
    int infrequent;
    int rc = encoder_categories(k, o, in, &categories, &infrequent, path);
    if (rc)
        return rc;
    const pk_obj *hu = pk_attr(o, "handle_unknown");
    int use_value = hu && pk_str_eq(hu, "use_encoded_value");
    double unknown_value = NAN, missing_value = NAN;
    const pk_obj *uv = pk_attr(o, "unknown_value");
    if (use_value && (!uv || pk_get_double(uv, &unknown_value)))
        unknown_value = NAN;
    const pk_obj *mv = pk_attr(o, "encoded_missing_value");
    int has_mv = mv && !pk_get_double(mv, &missing_value);
    if (infrequent)
        return fr_fail(k->e, FROST_EUNSUPPORTED,
                       "%s: not supported yet: OrdinalEncoder with infrequent categories", path);
    for (uint32_t f = 0; f < in->n && !rc; f++) {
        cats c;
        if ((rc = read_cats(k, pk_item(categories, f), &c, path))) {
            cats_free(&c);
            break;
        }
        double *tg = calloc(c.n ? c.n : 1, sizeof *tg);
        if (!tg)
            rc = fr_fail(k->e, FROST_ENOMEM, "out of memory");
        for (uint32_t i = 0; !rc && i < c.n; i++)
            tg[i] = (double)i;
        /* 1.1+: the missing category encodes as encoded_missing_value (NaN by default);
         * before, it kept its index */
        if (!rc && c.missing != FMT_NONE && has_mv)
            tg[c.missing] = missing_value;
        uint32_t first = 0;
        if (!rc)
            rc = encode_op(k, in->slot[f], &c, tg, 1, use_value, unknown_value, &first, path);
        if (!rc)
            rc = cv_cols_push(out, first, in->name[f]) ? fr_fail(k->e, FROST_ENOMEM, "oom") : 0;
        free(tg);
        cats_free(&c);
    }
    return rc;
}
