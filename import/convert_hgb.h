/*
 * convert_hgb.h — HistGradientBoostingClassifier / HistGradientBoostingRegressor, whose trees
 * compare float64 inputs and split categories (FORMAT.md 1.3 wide splits).
 */
#ifndef FROST_IMPORT_CONVERT_HGB_H
#define FROST_IMPORT_CONVERT_HGB_H

#include "convert_state.h"

#define SK_HGB "sklearn.ensemble._hist_gradient_boosting.gradient_boosting."

int cv_convert_hgb(conv *c, const frost_convert_options *o, int classifier);
/* What the version that saved est refuses at predict time (FMT_CHECK_* bits, 0: nothing). */
uint32_t cv_hgb_refuses(const pk_obj *est);

#endif
