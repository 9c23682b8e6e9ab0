/*
 * convert_state.c — the small readings of the object graph that every part of the converter
 * uses, and the collection of input checks (convert_state.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert_state.h"

/* The sklearn version that saved the estimator, as (major, minor, patch); (0, 0, 0) when the
 * file does not say (files from before 0.18 carry no _sklearn_version). */
void cv_sklearn_version(const pk_obj *est, int v[3])
{
    v[0] = v[1] = v[2] = 0;
    const pk_obj *ver = pk_attr(est, "_sklearn_version");
    const char *s = ver ? pk_str(ver, NULL) : NULL;
    if (s)
        sscanf(s, "%d.%d.%d", &v[0], &v[1], &v[2]);
}

int cv_version_at_least(const pk_obj *o, int major, int minor)
{
    int v[3];
    cv_sklearn_version(o, v);
    return v[0] > major || (v[0] == major && v[1] >= minor);
}

int cv_add_check(conv *c, const pk_obj *o, uint32_t rule, const uint32_t *slots, uint32_t n,
                 const char *path)
{
    if (!n)
        return 0;
    cv_checks *k = c->checks;
    char who[1200];
    const char *cls = cv_short_name(pk_class_name(o) ? pk_class_name(o) : "?");
    if (path && *path)
        snprintf(who, sizeof who, "%s (%s)", path, cls);
    else
        snprintf(who, sizeof who, "%s", cls);
    return fmt_check_append(NULL, &k->v, &k->n, rule, slots, n, who)
               ? fr_fail(c->e, FROST_ENOMEM, "out of memory") : 0;
}

const char *cv_short_name(const char *cls)
{
    const char *dot = strrchr(cls, '.');
    return dot ? dot + 1 : cls;
}

size_t cv_root_name(const char *cls, char *buf, size_t cap)
{
    size_t n = (size_t)snprintf(buf, cap, "%s", cv_short_name(cls));
    /* a name longer than buf (a survey token can be any length) is cut: only what fits */
    for (size_t i = 0; i < n && i + 1 < cap; i++)
        buf[i] = (char)(buf[i] >= 'A' && buf[i] <= 'Z' ? buf[i] + 32 : buf[i]);
    return n;
}

int cv_get_int(const pk_obj *o, const char *name, int64_t *out, fr_err *e)
{
    const pk_obj *v = pk_attr(o, name);
    if (!v)
        return fr_fail(e, FROST_EFORMAT, "%s has no attribute %s", cv_short_name(pk_class_name(o)),
                       name);
    if (pk_get_int(v, out))
        return fr_fail(e, FROST_EFORMAT, "%s.%s is a %s, not an integer",
                       cv_short_name(pk_class_name(o)), name, pk_kind_name(pk_kind_of(v)));
    return 0;
}

/* Shortest %.{15,16,17}g that reads back to v (Python prints floats the same way). */
void cv_format_float(double v, char *buf, size_t cap)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

void cv_format_pyfloat(double v, char *buf, size_t cap)
{
    if (isnan(v)) {
        snprintf(buf, cap, "nan");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, cap, v > 0 ? "inf" : "-inf");
        return;
    }
    cv_format_float(v, buf, cap);
    /* Python writes 1e+16 as 1e+16 and 1.0 as 1.0: a plain integer gets ".0" */
    if (!strpbrk(buf, ".e") && strlen(buf) + 3 <= cap)
        strcat(buf, ".0");
}

/* GridSearchCV / RandomizedSearchCV with refit: what they predict with is best_estimator_. */
const pk_obj *cv_unwrap_search(const pk_obj *o)
{
    for (int depth = 0; depth < 4 && o; depth++) {
        if (!pk_is_class(o, "sklearn.model_selection._search.GridSearchCV") &&
            !pk_is_class(o, "sklearn.model_selection._search.RandomizedSearchCV"))
            return o;
        const pk_obj *best = pk_attr(o, "best_estimator_");
        if (!best || pk_is_none(best))
            return o; /* refit=False: nothing to predict with; reported as unsupported */
        o = best;
    }
    return o;
}

int cv_give_program(conv *c)
{
    int rc = c->program ? wr_builder_set_program(c->b, c->program) : 0;
    if (rc)
        return fr_fail(c->e, rc, "%s", frost_builder_errmsg(c->b));
    c->program = NULL;
    return 0;
}

void cv_free_strings(char **s, uint32_t n)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

