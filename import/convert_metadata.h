/*
 * convert_metadata.h — what a .frost file records about its source.
 */
#ifndef FROST_IMPORT_CONVERT_METADATA_H
#define FROST_IMPORT_CONVERT_METADATA_H

#include "convert_state.h"
#include "frost_import.h"

/* The metadata of c->b for the model c->est read from the source `name` (its bytes: data,
 * len): the sklearn version, a summary of the estimator, a search's best parameters and score,
 * the source's name, size and hash, what the stream shows of its writer (prov), and the time of
 * conversion (o->converted_at). */
int cv_set_metadata(conv *c, const char *name, const uint8_t *data, size_t len,
                    const frost_convert_options *o, const pk_provenance *prov);

/* The caller's entries (o->meta) are usable: bounded, UTF-8, keys unique and none of frost's
 * own. Checked before anything is read. */
int cv_check_user_meta(const frost_convert_options *o, fr_err *e);

/* The caller's own entries, after frost's (checked by cv_check_user_meta): a value that is not
 * of its type is refused (FROST_EINVAL). */
int cv_set_user_metadata(conv *c, const frost_meta_entry *meta, size_t n);

#endif
