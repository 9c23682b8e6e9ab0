/*
 * convert_mlp.h — the multi-layer perceptrons (sklearn.neural_network): their fitted weights.
 */
#ifndef FROST_IMPORT_CONVERT_MLP_H
#define FROST_IMPORT_CONVERT_MLP_H

#include "convert_state.h"

/* Reads MLPClassifier (classifier 1) or MLPRegressor c->est into a new builder (not as a
 * combination's member). */
int cv_convert_mlp(conv *c, const frost_convert_options *o, int classifier);

#endif
