/*
 * inspect_json.h — a parsed .frost header as a jansson document (inspect_json.c): `frost
 * inspect --json` prints it, `frost diff` compares two of them.
 */
#ifndef FROST_TOOLS_INSPECT_JSON_H
#define FROST_TOOLS_INSPECT_JSON_H

#include <jansson.h>
#include <stdio.h>

#include "format.h"

/* Every field of FORMAT.md, in the shape tests/spec/frost_decode.py gives it; NULL when memory
 * runs out. The caller owns the document (json_decref). */
json_t *cli_inspect_json(const char *path, const fmt_header *h);

/* METADATA entry i as its typed JSON value (a string, number or boolean). */
json_t *cli_meta_value(const fmt_header *h, uint32_t i);

/* A double as JSON: a number, or "nan", "inf", "-inf". */
json_t *cli_json_f64(double v);
/* numpy's name of a UFUNC function (FORMAT.md PROGRAM opcode 9, TARGET), "?" if unknown. */
const char *cli_ufunc_name(uint32_t f);

/* Prints doc indented, with a final newline; 0 or -1 (a write error, in ferror(f)). */
int cli_json_print(json_t *doc, FILE *f);

/* Names the CLI shows for FORMAT.md's numbers. */
const char *cli_label_kind(uint32_t kind);
extern const char *const cli_comb_rules[5];
extern const char *const cli_member_scores[3];

#endif
