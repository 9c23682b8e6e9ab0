/*
 * convert_target.h — TransformedTargetRegressor: its regressor_ converts as any estimator; its
 * transformer_'s inverse_transform becomes the file's TARGET section (FORMAT.md).
 */
#ifndef FROST_IMPORT_CONVERT_TARGET_H
#define FROST_IMPORT_CONVERT_TARGET_H

#include "convert_state.h"

#define CV_TTR "sklearn.compose._target.TransformedTargetRegressor"

/* The fitted regressor_ of the TransformedTargetRegressor ttr (a search unwrapped), or NULL
 * with the error set. */
const pk_obj *cv_target_regressor(conv *c, const pk_obj *ttr, const char *path);
/* Once c->b holds the converted regressor_: ttr's transformer_ inverse as the builder's target
 * transform (nothing for the identity). path names the step in messages. */
int cv_target_transform(conv *c, const pk_obj *ttr, const char *path);

#endif
