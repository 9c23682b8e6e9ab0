/*
 * convert_centroids.h — NearestCentroid and KMeans / MiniBatchKMeans: their centroids.
 */
#ifndef FROST_IMPORT_CONVERT_CENTROIDS_H
#define FROST_IMPORT_CONVERT_CENTROIDS_H

#include "convert_state.h"

/* Reads the centroid model c->est into a new builder (not as a combination's member). */
int cv_convert_centroids(conv *c, const frost_convert_options *o, int classifier);

#endif
