/*
 * convert_pipeline.h — the pipeline compiler: a fitted Pipeline / ColumnTransformer /
 * FeatureUnion / transformer / combination into a PROGRAM and the estimator after it.
 */
#ifndef FROST_IMPORT_CONVERT_PIPELINE_H
#define FROST_IMPORT_CONVERT_PIPELINE_H

#include "convert_state.h"

/* Compiles a Pipeline / ColumnTransformer / transformer (and converts its final estimator), or a
 * combination over the raw columns. */
int cv_pipeline(conv *c, const pk_obj *root, const frost_convert_options *o);
/* Whether cls is a class the pipeline compiler handles (composite or transformer). */
int cv_is_pipeline_class(const char *cls);

#endif
