/*
 * pairwise.h — numpy's pairwise summation (finish.c), the one copy frost has: the scorers sum
 * rows with it, and the importer recomputes what scikit-learn derived with np.mean (a
 * SelectFromModel threshold of "mean") with the same bits.
 */
#ifndef FROST_PAIRWISE_H
#define FROST_PAIRWISE_H

#include <stdint.h>

/* The sum of n float64 values stored little-endian at p, and of a native array, as np.sum
 * reduces a contiguous 1-D array. */
double rt_pairwise_sum(const uint8_t *p, uint32_t n);
double rt_pairwise(const double *v, uint32_t n);

#endif
