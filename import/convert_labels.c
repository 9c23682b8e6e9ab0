/*
 * convert_labels.c — a classifier's class labels, read from classes_ (or the label encoder that
 * holds them) and written as text of their kind: ints, floats as numpy prints them, bools as
 * True/False, strings as stored; and numpy's dtype of them (metadata classes_dtype).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert_labels.h"

/* Formats one label of an object array (Python ints, floats, bools, strs, numpy scalars). */
static int object_label(const pk_obj *item, uint32_t i, frost_label_kind *kind, char *buf,
                        size_t cap, fr_err *e)
{
    int64_t iv;
    double dv;
    const char *str;
    size_t len;
    switch (pk_kind_of(item)) {
    case PK_BOOL:
        pk_get_int(item, &iv);
        snprintf(buf, cap, "%s", iv ? "True" : "False");
        *kind = FROST_LABEL_BOOL;
        return 0;
    case PK_INT:
        pk_get_int(item, &iv);
        snprintf(buf, cap, "%" PRId64, iv);
        *kind = FROST_LABEL_INT;
        return 0;
    case PK_FLOAT:
        pk_get_double(item, &dv);
        cv_format_float(dv, buf, cap);
        *kind = FROST_LABEL_FLOAT;
        return 0;
    case PK_SCALAR:
        if (!pk_get_int(item, &iv)) {
            snprintf(buf, cap, "%" PRId64, iv);
            *kind = FROST_LABEL_INT;
            return 0;
        }
        if (!pk_get_double(item, &dv)) {
            cv_format_float(dv, buf, cap);
            *kind = FROST_LABEL_FLOAT;
            return 0;
        }
        /* numpy.str_ / numpy.bytes_ labels (an object array of numpy strings) */
        if (!pk_array_get_str(item, 0, buf, cap, &len, e)) {
            if (memchr(buf, 0, len))
                return fr_fail(e, FROST_EUNSUPPORTED, "class label %u contains a NUL byte", i);
            *kind = FROST_LABEL_STR;
            return 0;
        }
        break;
    case PK_STR:
        str = pk_str(item, &len);
        if (len >= cap || memchr(str, 0, len))
            return fr_fail(e, FROST_EUNSUPPORTED, "class label %u is too long or holds a NUL", i);
        memcpy(buf, str, len + 1);
        *kind = FROST_LABEL_STR;
        return 0;
    default:
        break;
    }
    return fr_fail(e, FROST_EUNSUPPORTED, "not supported yet: a class label of type %s",
                   pk_kind_name(pk_kind_of(item)));
}

/* One output's class labels, as text in class order, and their kind. */
int cv_read_labels(const pk_obj *arr, uint32_t count, frost_label_kind *kind, char ***out,
                   fr_err *e)
{
    pk_array_info ai;
    if (pk_array_info_get(arr, &ai) || ai.ndim != 1 || ai.count != count)
        return fr_fail(e, FROST_EFORMAT, "classes_ is not a 1-D array of %u labels", count);
    char **labels = calloc(count, sizeof *labels);
    int64_t *ints = NULL;
    double *reals = NULL;
    int rc = 0;
    if (!labels)
        return fr_fail(e, FROST_ENOMEM, "out of memory");
    if (ai.kind == 'b' || ai.kind == 'i' || ai.kind == 'u') {
        ints = malloc(count * sizeof *ints);
        rc = ints ? pk_array_get_i64(arr, NULL, ints, count, e) : FROST_ENOMEM;
        *kind = ai.kind == 'b' ? FROST_LABEL_BOOL : FROST_LABEL_INT;
    } else if (ai.kind == 'f') {
        reals = malloc(count * sizeof *reals);
        rc = reals ? pk_array_get_f64(arr, NULL, reals, count, e) : FROST_ENOMEM;
        *kind = FROST_LABEL_FLOAT;
    } else if (ai.kind == 'U' || ai.kind == 'S') {
        *kind = FROST_LABEL_STR;
    } else if (ai.kind != 'O') {
        rc = fr_fail(e, FROST_EUNSUPPORTED, "not supported yet: class labels of dtype kind '%c'",
                     ai.kind);
    }
    char buf[4096];
    for (uint32_t i = 0; i < count && !rc; i++) {
        size_t len;
        if (ints && ai.kind == 'b')
            snprintf(buf, sizeof buf, "%s", ints[i] ? "True" : "False");
        else if (ints)
            snprintf(buf, sizeof buf, "%" PRId64, ints[i]);
        else if (reals)
            cv_format_float(reals[i], buf, sizeof buf);
        else if (ai.kind == 'O')
            rc = object_label(pk_array_item(arr, i), i, kind, buf, sizeof buf, e);
        else if (!(rc = pk_array_get_str(arr, i, buf, sizeof buf, &len, e)) && memchr(buf, 0, len))
            rc = fr_fail(e, FROST_EUNSUPPORTED, "class label %u contains a NUL byte", i);
        if (!rc && !(labels[i] = strdup(buf)))
            rc = fr_fail(e, FROST_ENOMEM, "out of memory");
    }
    free(ints);
    free(reals);
    if (rc) {
        cv_free_strings(labels, count);
        return rc;
    }
    *out = labels;
    return 0;
}

/* Classes: classes_ is an array (one output) or a list of arrays; n_classes_ likewise. */
/* classes_ (RidgeClassifier keeps it in _label_binarizer, behind a property) */
/* (OneVsRestClassifier before 0.24 and VotingClassifier keep them in label_binarizer_ / le_) */
static const pk_obj *classes_of(const pk_obj *est)
{
    const pk_obj *classes = pk_attr(est, "classes_");
    static const char *const holders[] = {"_label_binarizer", "label_binarizer_", "le_"};
    for (size_t i = 0; !classes && i < sizeof holders / sizeof holders[0]; i++) {
        const pk_obj *lb = pk_attr(est, holders[i]);
        classes = lb ? pk_attr(lb, "classes_") : NULL;
    }
    return classes;
}

int cv_read_classes(conv *c)
{
    const pk_obj *classes = classes_of(c->est);
    if (!classes)
        return fr_fail(c->e, FROST_EFORMAT, "%s has no classes_", cv_short_name(c->cls));
    int multi = pk_kind_of(classes) == PK_LIST;
    c->n_outputs = multi ? (uint32_t)pk_len(classes) : 1;
    if (c->n_outputs == 0 || c->n_outputs > 65536)
        return fr_fail(c->e, FROST_EFORMAT, "classes_ lists %u outputs", c->n_outputs);
    c->n_classes = calloc(c->n_outputs, sizeof *c->n_classes);
    if (!c->n_classes)
        return fr_fail(c->e, FROST_ENOMEM, "out of memory");
    c->width = 0;
    for (uint32_t k = 0; k < c->n_outputs; k++) {
        const pk_obj *arr = multi ? pk_item(classes, k) : classes;
        pk_array_info ai;
        if (pk_array_info_get(arr, &ai) || ai.ndim != 1 || ai.count == 0 || ai.count > (1u << 20))
            return fr_fail(c->e, FROST_EFORMAT, "classes_ of output %u is not a label array", k);
        c->n_classes[k] = (uint32_t)ai.count;
        c->width += (uint32_t)ai.count;
    }
    return 0;
}

/* A member of a combination was fitted on label-encoded targets (VotingClassifier: le_.transform(y);
 * OneVsRestClassifier: one 0/1 column of label_binarizer_): its classes_ must be 0..n-1, so its
 * class index is the combination's encoded label. */
static int check_member_labels(conv *c)
{
    char **labels = NULL;
    frost_label_kind kind;
    if (c->n_outputs != 1 || c->n_classes[0] != c->member->n_classes)
        return fr_fail(c->e, FROST_EFORMAT, "%s has %u classes, the combination %u",
                       cv_short_name(c->cls), c->n_classes[0], c->member->n_classes);
    int rc = cv_read_labels(classes_of(c->est), c->n_classes[0], &kind, &labels, c->e);
    if (rc)
        return fr_wrap(c->e, "classes_");
    for (uint32_t i = 0; i < c->n_classes[0] && !rc; i++) {
        char want[16];
        snprintf(want, sizeof want, "%u", i);
        if (kind != FROST_LABEL_INT || strcmp(labels[i], want) != 0)
            rc = fr_fail(c->e, FROST_EFORMAT, "%s: classes_[%u] is '%s', not the encoded label %u",
                         cv_short_name(c->cls), i, labels[i], i);
    }
    cv_free_strings(labels, c->n_classes[0]);
    return rc;
}

/* numpy's dtype.str of a label array ("<i8", "<U5", "|O", "|b1"): what a binding needs to give
 * classes_ back with the dtype scikit-learn has, where the label kind says only int or str. */
static size_t dtype_str(const pk_obj *arr, char *buf, size_t cap)
{
    pk_array_info ai;
    if (pk_array_info_get(arr, &ai))
        return 0;
    char order = ai.byteorder == '<' || ai.byteorder == '>' ? ai.byteorder : '|';
    int n;
    switch (ai.kind) {
    case 'O': n = snprintf(buf, cap, "|O"); break;
    case 'U': n = snprintf(buf, cap, "%cU%u", order == '|' ? '<' : order, ai.itemsize / 4); break;
    case 'S': n = snprintf(buf, cap, "|S%u", ai.itemsize); break;
    case 'b': case 'i': case 'u': case 'f':
        n = snprintf(buf, cap, "%c%c%u", ai.itemsize == 1 ? '|' : order, ai.kind, ai.itemsize);
        break;
    default: return 0;
    }
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* classes_dtype (FORMAT.md METADATA): each output's dtype.str, comma-separated. */
static int set_classes_dtype(conv *c, const pk_obj *classes, int multi)
{
    char buf[512];
    size_t at = 0;
    for (uint32_t k = 0; k < c->n_outputs; k++) {
        if (at + 32 >= sizeof buf)
            return 0; /* too many outputs to say: the kinds remain */
        if (k)
            buf[at++] = ',';
        size_t n = dtype_str(multi ? pk_item(classes, k) : classes, buf + at, sizeof buf - at);
        if (!n)
            return 0;
        at += n;
    }
    buf[at] = 0;
    int rc = frost_builder_set_meta(c->b, "classes_dtype", buf);
    return rc ? fr_fail(c->e, rc, "%s", frost_builder_errmsg(c->b)) : 0;
}

int cv_set_labels(conv *c)
{
    if (c->member)
        return check_member_labels(c);
    const pk_obj *classes = classes_of(c->est);
    int multi = pk_kind_of(classes) == PK_LIST;
    if (set_classes_dtype(c, classes, multi))
        return c->e->code;
    for (uint32_t k = 0; k < c->n_outputs; k++) {
        char **labels = NULL;
        frost_label_kind kind;
        int rc = cv_read_labels(multi ? pk_item(classes, k) : classes, c->n_classes[k], &kind,
                                &labels, c->e);
        if (rc)
            return fr_wrap(c->e, "classes_");
        rc = frost_builder_set_classes(c->b, k, kind, (const char *const *)labels,
                                       c->n_classes[k]);
        cv_free_strings(labels, c->n_classes[k]);
        if (rc)
            return fr_fail(c->e, rc, "%s", frost_builder_errmsg(c->b));
    }
    return 0;
}

int cv_combine_labels(conv *c, const pk_obj *est)
{
    c->est = est;
    c->cls = pk_class_name(est);
    int rc = cv_read_classes(c);
    return rc ? rc : cv_set_labels(c);
}
