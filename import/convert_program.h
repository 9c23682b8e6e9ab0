/*
 * convert_program.h — what the pipeline compiler's parts share (convert_transformers.c,
 * convert_encoders.c, convert_columns.c, convert_combine.c, convert_pipeline.c): the PROGRAM
 * under construction, the columns flowing between steps, and what is known of the raw input
 * columns — the kind the first operation reading each gives it, and whether anything reads it.
 */
#ifndef FROST_IMPORT_CONVERT_PROGRAM_H
#define FROST_IMPORT_CONVERT_PROGRAM_H

#include "convert_state.h"

/* A raw input no operation has typed yet. */
#define CV_KIND_UNSET 0xFF

/* The columns flowing between steps: slots and their get_feature_names_out() names. */
typedef struct cols {
    uint32_t n;
    uint32_t *slot;
    char **name;
} cols;

/* One pipeline being compiled: the program so far, and what is known of the raw input columns
 * (the program's first slots). */
typedef struct comp {
    conv *cv;
    fr_err *e;
    fmt_program *p;
    uint8_t *input_kind;    /* per raw input: FMT_SLOT_* or CV_KIND_UNSET */
    uint8_t *input_read;    /* per raw input: an operation, output or member reads it */
    uint32_t n_inputs;
} comp;

void cv_cols_free(cols *c);
/* Appends a column (slot, name); FROST_ENOMEM without a message when out of memory. */
int cv_cols_push(cols *c, uint32_t slot, const char *name);
/* Appends every column of src, likewise. */
int cv_cols_append(cols *dst, const cols *src);

/* Records that something reads these slots (raw inputs among them are then used). */
void cv_mark_read(comp *k, const uint32_t *slots, uint32_t n);
/* Gives input slot s the kind k if it is a raw input not typed yet; fails when an input is used
 * both as numbers and as strings, or when a computed slot has the other kind. */
int cv_want_kind(comp *k, uint32_t s, uint32_t kind, const char *path);
/* Adds op to the program (its outputs start at *first) and marks its inputs read. */
int cv_add_op(comp *k, const fmt_op *op, uint32_t *first, const char *path);
/* Reads a 1-D numeric attribute of n values (NULL attribute → the default value). */
int cv_get_vec(comp *k, const pk_obj *o, const char *name, uint32_t n, double dflt, double *out,
               const char *path);
/* The raw inputs' kinds once everything is compiled (outputs are what the program hands on). */
void cv_finish_kinds(comp *k, const cols *outputs);

#endif
