/*
 * convert_pipeline.h — the pipeline compiler: a fitted Pipeline / ColumnTransformer /
 * FeatureUnion / transformer / combination into a PROGRAM and the estimator after it.
 */
#ifndef FROST_IMPORT_CONVERT_PIPELINE_H
#define FROST_IMPORT_CONVERT_PIPELINE_H

#include "import/convert_state.h"

/* Compiles a Pipeline / ColumnTransformer / transformer (and converts its final estimator). */
int cv_pipeline(conv *c, const pk_obj *root, const frost_convert_options *o);
/* Whether cls is a class the pipeline compiler handles (composite or transformer). */
int cv_is_pipeline_class(const char *cls);
/* Whether cls is VotingClassifier, VotingRegressor or OneVsRestClassifier. */
int cv_is_combine(const char *cls);
/* The step path of the object of class `full` under root ("pipeline/pre/num/custom"); 0 when it
 * is the root itself or is not among the steps. */
int cv_locate(const pk_obj *root, const char *full, char *path, size_t cap);

#endif
