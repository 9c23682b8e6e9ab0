/*
 * sections.h — the section parsers header.c hands each body to (private to format/).
 *
 * Each reads one body through a bounded reader and fills the header, or fails through r->e
 * naming the field. header.c calls them in the order their checks need: the tree table before
 * FEATURES, PROGRAM before COMBINE (the slots members read), all of these before CHECKS.
 */
#ifndef FROST_FORMAT_SECTIONS_H
#define FROST_FORMAT_SECTIONS_H

#include "format.h"

/* ENSEMBLE (ensemble.c): the aggregation fields and the tree records. */
int fmt_ensemble_parse(fmt_header *h, fmt_rd *r);
/* ENSEMBLE's fields from offset 0 up to the tree records, which a COMBINE tree member repeats,
 * checked for consistency (members: a MEMBERS table, whose aggregation fields are zero). */
int fmt_agg_parse(fmt_header *h, fmt_rd *r, const char *what, int members, fmt_agg *g,
                  uint32_t *top_chunk);
/* What a tree record must satisfy given the aggregation it belongs to; records the tree's leaf
 * width and feature count for the walkers. */
int fmt_tree_check_agg(fmt_header *h, uint32_t t, const fmt_agg *g, fr_err *e);

/* COMBINE (combine.c), after ENSEMBLE, FEATURES and PROGRAM. */
int fmt_combine_parse(fmt_header *h, fmt_rd *r);

/* CHECKS (checks.c), after everything whose slots a check may read. */
int fmt_checks_parse(fmt_header *h, fmt_rd *r);

/* METADATA_TYPES (meta.c), after METADATA. */
int fmt_meta_types_parse(fmt_header *h, fmt_rd *r);

#endif
