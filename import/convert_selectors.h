/*
 * convert_selectors.h — the feature selectors (VarianceThreshold, SelectKBest,
 * SelectPercentile, SelectFromModel) compiled as a choice of columns: their get_support() mask.
 */
#ifndef FROST_IMPORT_CONVERT_SELECTORS_H
#define FROST_IMPORT_CONVERT_SELECTORS_H

#include "convert_program.h"

/* Whether cls is a feature selector cv_selector compiles. */
int cv_is_selector(const char *cls);
/* The columns of in the fitted selector o keeps, in order, to out (no operation is added). */
int cv_selector(comp *k, const pk_obj *o, const cols *in, cols *out, const char *path);

#endif
