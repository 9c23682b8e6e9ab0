/*
 * convert_bayes.h — the naive Bayes classifiers (sklearn.naive_bayes): their fitted class priors
 * and per-class feature statistics.
 */
#ifndef FROST_IMPORT_CONVERT_BAYES_H
#define FROST_IMPORT_CONVERT_BAYES_H

#include "convert_state.h"

/* Reads the naive Bayes classifier c->est into a new builder (not as a combination's member). */
int cv_convert_bayes(conv *c, const frost_convert_options *o, int classifier);

#endif
