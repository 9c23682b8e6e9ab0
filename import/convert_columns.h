/*
 * convert_columns.h — routing columns through the composites (Pipeline, ColumnTransformer,
 * FeatureUnion) down to the transformers, each step's input checks recorded on the way.
 */
#ifndef FROST_IMPORT_CONVERT_COLUMNS_H
#define FROST_IMPORT_CONVERT_COLUMNS_H

#include "convert_program.h"

/* Compiles one step o (a composite or a transformer) over the columns in into out, then records
 * what scikit-learn's version of it refuses. */
int cv_compile(comp *k, const pk_obj *o, const cols *in, cols *out, const char *path);
/* Compiles the first n_steps steps of the Pipeline o, in order, over in; out gets the last
 * step's columns. */
int cv_pipeline_steps(comp *k, const pk_obj *o, size_t n_steps, const cols *in, cols *out,
                      const char *path);
/* Whether cls is Pipeline, ColumnTransformer or FeatureUnion. */
int cv_is_composite(const char *cls);

#endif
