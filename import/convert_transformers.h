/*
 * convert_transformers.h — the transformers that compute (an imputer, the scalers and encoders,
 * Normalizer, PolynomialFeatures, KBinsDiscretizer) into PROGRAM operations, and what each one's
 * transform refuses in its input.
 */
#ifndef FROST_IMPORT_CONVERT_TRANSFORMERS_H
#define FROST_IMPORT_CONVERT_TRANSFORMERS_H

#include "convert_program.h"

/* Whether cls is a transformer cv_transformer compiles that may also be a model of its own. */
int cv_is_transformer(const char *cls);
/* Compiles the fitted transformer o of class cls over the columns in; its output columns go to
 * out. Any other class is "not supported yet". */
int cv_transformer(comp *k, const pk_obj *o, const char *cls, const cols *in, cols *out,
                   const char *path);
/* What the transform of o (class cls) refuses in its input (FMT_CHECK_*), or 0 for the
 * composites, which leave validation to their steps. */
uint32_t cv_step_refuses(const pk_obj *o, const char *cls);

/* The numpy ufunc fn (a pickled global) names, as FMT_UF_*, or 0; and a callable's name for
 * messages. */
uint32_t cv_ufunc_of(const pk_obj *fn);
const char *cv_callable_name(const pk_obj *fn);

#endif
