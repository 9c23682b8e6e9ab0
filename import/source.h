/*
 * source.h — the bytes of a file to convert, mapped when it can be, read when it cannot.
 */
#ifndef FROST_IMPORT_SOURCE_H
#define FROST_IMPORT_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "frost.h" /* the importer reports the public FROST_E* codes */

typedef struct cv_source {
    const uint8_t *data;
    size_t len;
    void *map;   /* the mapping, or NULL */
    uint8_t *buf; /* the read copy, or NULL */
} cv_source;

/* private: read a copy even where the file could be mapped, so that the bytes checked (a
 * digest, a signature) are the bytes parsed, whatever another process does to the file. */
int cv_source_open(const char *path, int private, cv_source *s, fr_err *e);
void cv_source_close(cv_source *s);

#endif
