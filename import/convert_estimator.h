/*
 * convert_estimator.h — a fitted estimator (a tree ensemble or a linear model) into the builder,
 * whichever family its class belongs to, with the input checks its own validation makes.
 */
#ifndef FROST_IMPORT_CONVERT_ESTIMATOR_H
#define FROST_IMPORT_CONVERT_ESTIMATOR_H

#include "convert_state.h"

/* Converts a fitted estimator (trees or linear) into c->b. With c->program set, the estimator's
 * features are the program's outputs and the program goes into the builder. */
int cv_estimator(conv *c, const pk_obj *est, const frost_convert_options *o);
/* Converts est as a member of the combination in c->b (wr_builder_set_combine done). */
int cv_member(conv *c, const pk_obj *est, const frost_convert_options *o, const conv_member *m);
/* Releases what converting an estimator left in c: its tree scratch and class counts. */
void cv_estimator_free(conv *c);
/* Whether cls names an estimator cv_estimator converts; and a classifier among them. */
int cv_is_estimator(const char *cls);
int cv_is_classifier(const char *cls);
/* Whether a fitted classifier of class cls has decision_function (sklearn's hasattr). */
int cv_has_decision_function(const char *cls);

#endif
