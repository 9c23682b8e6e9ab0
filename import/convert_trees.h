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

/* The pieces the tree converters share. */
/* The builder for a tree ensemble described by spec (for a member: its trees in c->b's
 * combination); a compiled program, if any, goes in with it. */
int cv_tree_builder(conv *c, const frost_model_spec *spec, const frost_convert_options *o);
/* Room in t for n nodes and n_values leaf values; FROST_ENOMEM. */
int cv_tree_buf_reserve(tree_buf *t, uint64_t n, uint64_t n_values);
/* est.tree_'s node arrays (children, features, thresholds, missing_go_to_left) into c->tb, with
 * room for c->width values per node: the Tree object, *count its nodes, *mgl the
 * missing_go_to_left flags or NULL; NULL with c->e set on failure. */
const pk_obj *cv_tree_nodes(conv *c, const pk_obj *est, const char *where, uint64_t *count,
                            const uint8_t **mgl);
/* c->n_features = nf, or FROST_EFORMAT when nf is not in 1 .. 2^24 - 1. */
int cv_set_n_features(conv *c, int64_t nf);
/* c->tb's n nodes (c->width values each) as the builder's next tree. */
int cv_tree_submit(conv *c, uint64_t n, const uint8_t *mgl, uint32_t raw_column,
                   const char *where);
/* cv_tree_submit with categorical splits (wide trees): is_categorical and categories_left as
 * frost_tree_arrays takes them, or NULL. */
int cv_tree_submit_cat(conv *c, uint64_t n, const uint8_t *mgl, uint32_t raw_column,
                       const uint8_t *is_categorical, const uint32_t *categories_left,
                       const char *where);

#endif
