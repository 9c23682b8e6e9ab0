/*
 * convert_metadata.h — what a .frost file records about its source.
 */
#ifndef FROST_IMPORT_CONVERT_METADATA_H
#define FROST_IMPORT_CONVERT_METADATA_H

#include "convert_state.h"
#include "frost_import.h"

/* The metadata of c->b for the model c->est read from in_path (its bytes: data, len): the
 * sklearn version, a summary of the estimator, a search's best parameters and score, the source
 * file's name, size and hash, and the time of conversion. */
int cv_set_metadata(conv *c, const char *in_path, const uint8_t *data, size_t len,
                    int64_t converted_at, const pk_provenance *prov);

/* The caller's own entries (frost_convert_options.meta), after frost's: a key frost records
 * itself is refused (FROST_EINVAL), as is a value that is not of its type. */
int cv_set_user_metadata(conv *c, const frost_meta_entry *meta, size_t n);

#endif
