/*
 * convert_metadata.h — what a .frost file records about its source.
 */
#ifndef FROST_IMPORT_CONVERT_METADATA_H
#define FROST_IMPORT_CONVERT_METADATA_H

#include "convert_state.h"

/* The metadata of c->b for the model c->est read from in_path (its bytes: data, len): the
 * sklearn version, a summary of the estimator, a search's best parameters and score, the source
 * file's name, size and hash, and the time of conversion. */
int cv_set_metadata(conv *c, const char *in_path, const uint8_t *data, size_t len,
                    int64_t converted_at);

#endif
