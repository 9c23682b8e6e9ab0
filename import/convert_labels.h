/*
 * convert_labels.h — a classifier's class labels: how many per output, and their text and kind
 * as the builder stores them.
 */
#ifndef FROST_IMPORT_CONVERT_LABELS_H
#define FROST_IMPORT_CONVERT_LABELS_H

#include "convert_state.h"

/* c->n_outputs, c->n_classes and c->width from c->est's classes_ (wherever its class keeps it). */
int cv_read_classes(conv *c);
/* c->est's labels into c->b; for a member of a combination, checks that they are the encoded
 * labels 0..n-1 instead. */
int cv_set_labels(conv *c);
/* One output's class labels (arr, count of them) as text in class order, and their kind. */
int cv_read_labels(const pk_obj *arr, uint32_t count, frost_label_kind *kind, char ***out,
                   fr_err *e);
/* Reads the class labels of a classifier combination est into c->b (after its members). */
int cv_combine_labels(conv *c, const pk_obj *est);

#endif
