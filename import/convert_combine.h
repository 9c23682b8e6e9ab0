/*
 * convert_combine.h — the combinations (VotingClassifier, VotingRegressor, OneVsRestClassifier):
 * their members converted into one builder, their own preprocessing compiled into the program.
 */
#ifndef FROST_IMPORT_CONVERT_COMBINE_H
#define FROST_IMPORT_CONVERT_COMBINE_H

#include "convert_program.h"

/* Whether cls is VotingClassifier, VotingRegressor or OneVsRestClassifier. */
int cv_is_combine(const char *cls);
/* The end of a pipeline that is the combination `final` over the columns out (in: the raw
 * inputs): a builder holding it in k->cv->b, its members converted, the program's outputs set
 * and the program handed to the builder. */
int cv_combine_program(comp *k, const pk_obj *final, const cols *in, const cols *out,
                       const char *path, const frost_convert_options *o);

#endif
