/*
 * convert_args.h — what `frost convert` reads besides the model (convert_args.c): metadata
 * entries, an expected SHA-256, small key and signature files. Each function prints what is
 * wrong on stderr and returns -1 for the command to end with a usage error or a failure.
 */
#ifndef FROST_TOOLS_CONVERT_ARGS_H
#define FROST_TOOLS_CONVERT_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "frost_import.h"

/* Metadata entries collected from the command line, owned (cli_meta_free). */
typedef struct cli_meta {
    frost_meta_entry *v;
    size_t n;
} cli_meta;

/* --meta KEY=VALUE: a VALUE that is a JSON number or true/false (as jansson reads it) is stored
 * as one, anything else as a string. */
int cli_meta_from_arg(cli_meta *m, const char *arg);
/* --meta-file FILE.json: one object of strings, numbers and booleans, whose members may also be
 * objects of those (stored as KEY.MEMBER). */
int cli_meta_from_file(cli_meta *m, const char *path);
void cli_meta_free(cli_meta *m);

/* --expect-sha256 HEX|@FILE into 32 bytes. */
int cli_sha256_arg(const char *arg, uint8_t out[32]);

/* A whole file of at most max bytes (NUL-terminated copy in *out, to free). */
int cli_read_small_file(const char *cmd, const char *path, size_t max, char **out, size_t *len);

#endif
