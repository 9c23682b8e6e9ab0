/*
 * convert_metadata.c — the metadata a .frost file keeps about its source (FORMAT.md METADATA):
 * sklearn_version, estimator (a one-line summary of the model), search_best_params and
 * search_best_score, source_file, source_size, source_xxh3, what the pickle shows of the software
 * that wrote it (protocol, numpy, joblib), converted_at and classes_dtype; then the caller's own
 * entries (frost_convert_options.meta, typed).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#include "convert_metadata.h"
#include "convert_combine.h"
#include "bytes.h"
#include "joblib.h"

/* The keys frost records itself (FORMAT.md METADATA): a caller's entry may not replace one. */
static int frost_key(const char *key)
{
    static const char *const own[] = {"sklearn_version", "estimator", "converted_at",
                                      "frost_version", "search_best_params", "search_best_score",
                                      "classes_dtype"};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (strcmp(key, own[i]) == 0)
            return 1;
    return strncmp(key, "source_", 7) == 0;
}

/* What the stream shows of the software that wrote it: the pickle protocol, numpy's major
 * version (from the module its globals name), the joblib container and array layout. */
static int set_provenance(conv *c, const pk_provenance *p)
{
    char buf[64];
    int rc;
    if (p->protocol >= 2) {
        snprintf(buf, sizeof buf, "%d", p->protocol);
        rc = frost_builder_set_meta_typed(c->b, "source_pickle_protocol", buf, FROST_META_NUMBER);
    } else {
        rc = frost_builder_set_meta(c->b, "source_pickle_protocol", "0 or 1");
    }
    if (!rc && p->numpy_major)
        rc = frost_builder_set_meta(c->b, "source_numpy", p->numpy_major == 2 ? "2.x" : "1.x");
    if (!rc)
        rc = frost_builder_set_meta(c->b, "source_container",
                                    jl_container_name((jl_container)p->container));
    /* joblib's own marks: the "ZF" container (< 0.9.3); arrays after NumpyArrayWrapper objects
     * (>= 0.10), which carry numpy_array_alignment_bytes from 1.2 on */
    const char *jl = p->container == JL_ZFILE ? "<0.9.3"
                     : p->aligned             ? ">=1.2"
                     : p->wrappers            ? ">=0.10,<1.2"
                                              : NULL;
    if (!rc && jl)
        rc = frost_builder_set_meta(c->b, "source_joblib", jl);
    return rc;
}
/* "RandomForestClassifier(n_estimators=500, max_depth=10)": the class with the
 * hyper-parameters that shape prediction; composites list their steps. Appends to buf. */
static size_t summarize(const pk_obj *o, char *buf, size_t cap, size_t at, int depth)
{
    const char *cls = pk_class_name(o);
    if (at >= cap)
        return at;
    if (!cls) {
        const char *s = pk_str(o, NULL);
        return at + (size_t)snprintf(buf + at, cap - at, "%s", s ? s : "?");
    }
    at += (size_t)snprintf(buf + at, cap - at, "%s(", cv_short_name(cls));
    const pk_obj *steps = pk_attr(o, "steps");
    const pk_obj *list = steps ? steps : pk_attr(o, "transformers_");
    if (!list)
        list = pk_attr(o, "transformer_list");
    if (!list && cv_is_combine(cls) && pk_attr(o, "estimators"))
        list = pk_attr(o, "estimators"); /* Voting*: (name, estimator) pairs */
    const pk_obj *best = pk_attr(o, "best_estimator_");
    if (!best && pk_is_class(o, "sklearn.multiclass.OneVsRestClassifier"))
        best = pk_attr(o, "estimator");
    if (!best && pk_is_class(o, "sklearn.compose._target.TransformedTargetRegressor"))
        best = pk_attr(o, "regressor_"); /* what predicts; TARGET maps it back */
    if (!best && pk_is_class(o, "sklearn.feature_selection._from_model.SelectFromModel"))
        best = pk_attr(o, "estimator_");
    const char *sep = "";
    if (best && depth < 6) {
        if (pk_attr(o, "best_estimator_"))
            at = at < cap ? at + (size_t)snprintf(buf + at, cap - at, "best_estimator_=") : at;
        at = summarize(best, buf, cap, at, depth + 1);
    } else if (list && depth < 6) {
        for (size_t i = 0; i < pk_len(list) && at < cap; i++) {
            const pk_obj *step = pk_item(pk_item(list, i), 1);
            if (!step || pk_str_eq(step, "drop") || pk_is_none(step))
                continue;
            at += (size_t)snprintf(buf + at, cap - at, "%s", sep);
            at = summarize(step, buf, cap, at, depth + 1);
            sep = ", ";
        }
    } else {
        int64_t n_est = 0, d = 0;
        const pk_obj *v;
        if ((v = pk_attr(o, "n_estimators")) && !pk_get_int(v, &n_est)) {
            at += (size_t)snprintf(buf + at, at < cap ? cap - at : 0, "n_estimators=%" PRId64, n_est);
            sep = ", ";
        }
        if ((v = pk_attr(o, "max_iter")) && !pk_get_int(v, &n_est) && at < cap) {
            at += (size_t)snprintf(buf + at, cap - at, "%smax_iter=%" PRId64, sep, n_est);
            sep = ", ";
        }
        if ((v = pk_attr(o, "max_depth")) && !pk_get_int(v, &d) && at < cap) {
            at += (size_t)snprintf(buf + at, cap - at, "%smax_depth=%" PRId64, sep, d);
            sep = ", ";
        }
        /* HistGradientBoosting's loss says what its raw score means */
        const char *loss = (v = pk_attr(o, "loss")) && pk_attr(o, "max_iter") ? pk_str(v, NULL)
                                                                              : NULL;
        if (loss && at < cap)
            at += (size_t)snprintf(buf + at, cap - at, "%sloss='%.40s'", sep, loss);
    }
    if (at < cap)
        at += (size_t)snprintf(buf + at, cap - at, ")");
    return at;
}

int cv_check_user_meta(const frost_convert_options *o, fr_err *e)
{
    if (o->n_meta == 0)
        return 0;
    if (!o->meta)
        return fr_fail(e, FROST_EINVAL, "metadata: %zu entries but no meta array", o->n_meta);
    if (o->n_meta > FROST_CONVERT_META_MAX)
        return fr_fail(e, FROST_EINVAL, "metadata: %zu entries (at most %d)", o->n_meta,
                       FROST_CONVERT_META_MAX);
    for (size_t i = 0; i < o->n_meta; i++) {
        const char *k = o->meta[i].key, *v = o->meta[i].value;
        if (!k || !*k || !v)
            return fr_fail(e, FROST_EINVAL, "metadata entry %zu: %s", i,
                           !k || !*k ? "an empty key" : "no value");
        size_t kl = strnlen(k, FROST_CONVERT_META_LEN + 1);
        size_t vl = strnlen(v, FROST_CONVERT_META_LEN + 1);
        if (kl > FROST_CONVERT_META_LEN || vl > FROST_CONVERT_META_LEN)
            return fr_fail(e, FROST_EINVAL, "metadata entry %zu: the %s is longer than %d bytes",
                           i, kl > FROST_CONVERT_META_LEN ? "key" : "value",
                           FROST_CONVERT_META_LEN);
        if (!fmt_utf8_valid((const uint8_t *)k, kl) || !fmt_utf8_valid((const uint8_t *)v, vl))
            return fr_fail(e, FROST_EINVAL, "metadata '%.100s': not UTF-8", k);
        if (frost_key(k))
            return fr_fail(e, FROST_EINVAL, "metadata key '%s' is one frost records itself", k);
        for (size_t j = 0; j < i; j++)
            if (strcmp(k, o->meta[j].key) == 0)
                return fr_fail(e, FROST_EINVAL, "metadata '%.100s' is given twice", k);
    }
    return 0;
}

int cv_set_metadata(conv *c, const char *name, const uint8_t *data, size_t len,
                    const frost_convert_options *o, const pk_provenance *prov)
{
    char buf[1024];
    const pk_obj *ver = pk_attr(c->est, "_sklearn_version");
    const char *v = ver ? pk_str(ver, NULL) : NULL;
    int rc = frost_builder_set_meta(c->b, "sklearn_version", v ? v : "unknown");
    summarize(c->est, buf, sizeof buf, 0, 0);
    rc = rc ? rc : frost_builder_set_meta(c->b, "estimator", buf);
    /* a search keeps what it found: the winning parameters and their score */
    const pk_obj *bp = pk_attr(c->est, "best_params_");
    if (!rc && bp && pk_kind_of(bp) == PK_DICT) {
        size_t at = 0;
        buf[0] = 0;
        for (size_t i = 0; i < pk_len(bp) && at < sizeof buf; i++) {
            const char *key = pk_str(pk_dict_key(bp, i), NULL);
            const pk_obj *val = pk_dict_value(bp, i);
            char vb[64];
            int64_t iv;
            double dv;
            const char *sv = pk_str(val, NULL);
            if (sv)
                snprintf(vb, sizeof vb, "'%s'", sv);
            else if (pk_kind_of(val) == PK_BOOL)
                snprintf(vb, sizeof vb, "%s", (pk_get_int(val, &iv), iv) ? "True" : "False");
            else if (!pk_get_int(val, &iv))
                snprintf(vb, sizeof vb, "%" PRId64, iv);
            else if (!pk_get_double(val, &dv))
                cv_format_pyfloat(dv, vb, sizeof vb);
            else
                snprintf(vb, sizeof vb, "%s", pk_is_none(val) ? "None" : "<object>");
            at += (size_t)snprintf(buf + at, sizeof buf - at, "%s%s=%s", i ? ", " : "",
                                   key ? key : "?", vb);
        }
        rc = frost_builder_set_meta(c->b, "search_best_params", buf);
    }
    double score;
    const pk_obj *bs = pk_attr(c->est, "best_score_");
    if (!rc && bs && !pk_get_double(bs, &score)) {
        cv_format_pyfloat(score, buf, sizeof buf);
        rc = frost_builder_set_meta(c->b, "search_best_score", buf);
    }
    const char *base = strrchr(name, '/');
    rc = rc ? rc : frost_builder_set_meta(c->b, "source_file", base ? base + 1 : name);
    snprintf(buf, sizeof buf, "%zu", len);
    rc = rc ? rc : frost_builder_set_meta(c->b, "source_size", buf);
    snprintf(buf, sizeof buf, "%016" PRIx64, (uint64_t)XXH3_64bits(data, len));
    rc = rc ? rc : frost_builder_set_meta(c->b, "source_xxh3", buf);
    rc = rc ? rc : set_provenance(c, prov);
    time_t now = o->converted_at == FROST_CONVERTED_NOW ? time(NULL) : (time_t)o->converted_at;
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    rc = rc ? rc : frost_builder_set_meta(c->b, "converted_at", buf);
    if (rc)
        return fr_fail(c->e, rc, "%s", frost_builder_errmsg(c->b));
    return 0;
}

int cv_set_user_metadata(conv *c, const frost_meta_entry *meta, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const frost_meta_entry *m = &meta[i];
        /* checked by cv_check_user_meta before anything was read */
        if (frost_builder_set_meta_typed(c->b, m->key, m->value, m->type))
            return fr_fail(c->e, FROST_EINVAL, "%s", frost_builder_errmsg(c->b));
    }
    return 0;
}
