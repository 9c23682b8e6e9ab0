/*
 * convert_trees.h — the tree ensembles: single trees, random forests and extra trees, gradient
 * boosting. Each converter reads c->est into a new builder (or, for a member, into c->b's
 * combination).
 */
#ifndef FROST_IMPORT_CONVERT_TREES_H
#define FROST_IMPORT_CONVERT_TREES_H

#include "convert_state.h"

#define SK_TREE "sklearn.tree._classes."
#define SK_FOREST "sklearn.ensemble._forest."
#define SK_GB "sklearn.ensemble._gb."

int cv_convert_tree(conv *c, const frost_convert_options *o, int classifier);
int cv_convert_forest(conv *c, const frost_convert_options *o, int classifier);
int cv_convert_gb(conv *c, const frost_convert_options *o, int classifier);
/* Whether the fitted tree, forest or gradient boosting est (class cls) takes missing values at
 * predict time, as the version that saved it decides. */
int cv_trees_take_nan(const pk_obj *est, const char *cls, int classifier);
void cv_tree_buf_free(tree_buf *t);

#endif
