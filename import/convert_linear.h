/*
 * convert_linear.h — the linear models: coefficients, intercepts and the decision rule their
 * class and parameters give.
 */
#ifndef FROST_IMPORT_CONVERT_LINEAR_H
#define FROST_IMPORT_CONVERT_LINEAR_H

#include "convert_state.h"

/* Reads the linear model c->est into a new builder (or, for a member, into c->b's combination). */
int cv_convert_linear(conv *c, const frost_convert_options *o, int classifier);

#endif
