/*
 * convert_iforest.h — IsolationForest: score_samples, decision_function and predict from the
 * path lengths of its extra trees (FORMAT.md 1.3 ENSEMBLE kind ISOLATION).
 */
#ifndef FROST_IMPORT_CONVERT_IFOREST_H
#define FROST_IMPORT_CONVERT_IFOREST_H

#include "convert_state.h"

#define SK_IFOREST "sklearn.ensemble._iforest.IsolationForest"

int cv_convert_iforest(conv *c, const frost_convert_options *o, int classifier);

#endif
