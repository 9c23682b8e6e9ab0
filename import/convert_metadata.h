/*
 * convert_metadata.h — what a .frost file records about its source.
 */
#ifndef FROST_IMPORT_CONVERT_METADATA_H
#define FROST_IMPORT_CONVERT_METADATA_H

#include "convert_state.h"
#include "frost_import.h"

/* The metadata of c->b for the model c->est read from the source `name` (its bytes: data,
 * len): the sklearn version, a summary of the estimator, a search's best parameters and score,
 * the source's name, size and hash, the time of conversion (o->converted_at), then the caller's
 * own pairs (o->meta_keys, o->meta_values). */
int cv_set_metadata(conv *c, const char *name, const uint8_t *data, size_t len,
                    const frost_convert_options *o);

/* The caller's metadata pairs are usable: bounded, UTF-8, keys unique and none of frost's own. */
int cv_check_user_meta(const frost_convert_options *o, fr_err *e);

#endif
