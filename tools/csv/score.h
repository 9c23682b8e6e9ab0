/*
 * score.h — a CSV stream scored by a model into CSV text: what `frost predict` and `frost
 * transform` print, and what `frost serve` answers a text/csv request with, byte for byte, since
 * both run this code.
 *
 * Owns the mapping of a model's inputs onto the CSV's columns (input kinds, unused and absent
 * columns, kept columns), the output header and lines, and the scoring pipeline: one thread
 * parses the CSV (a record stream is sequential) into a ring of batches; workers score each
 * batch and format its lines (number formatting costs about as much as scoring); the parsing
 * thread writes finished batches in input order. The ring bounds memory whatever the input's
 * length, and one thread runs it all on the caller's thread.
 *
 * Errors come back as a status, never printed (the CLI and the server say them differently);
 * its blame tells whose fault it was: the input (a bad cell, a missing column), the model (it
 * rejected a batch: an unknown category, a refused value), the output (a write failed), or none
 * of them (out of memory).
 *
 * Use:
 *     csv_scorer *s;
 *     csv_score_status st;
 *     if (csv_scorer_new(model, in, &opts, &s, &st) == 0)     reads the header, binds columns
 *         csv_scorer_run(s, out, &st);                         the header line, then every row
 *     csv_scorer_free(s);
 */
#ifndef FROST_CSV_SCORE_H
#define FROST_CSV_SCORE_H

#include <stddef.h>
#include <stdio.h>

#include "frost.h"

typedef enum csv_score_mode {
    CSV_SCORE_PREDICT = 0,   /* labels or values: `prediction` */
    CSV_SCORE_PROBA = 1,     /* one column per class */
    CSV_SCORE_TRANSFORM = 2, /* the preprocessing's output */
    CSV_SCORE_SAMPLES = 3,   /* score_samples: one number per row (IsolationForest) */
} csv_score_mode;

typedef struct csv_score_options {
    csv_score_mode mode;
    unsigned threads;          /* scoring threads; 0 or 1: everything on the calling thread */
    const char *const *keep;   /* columns copied in front of the output (--keep-columns) */
    size_t n_keep;
    int missing_as_nan;        /* the model was opened with FROST_MISSING_AS_NAN: columns the
                                * CSV lacks are left out and the model sees them all-missing */
    FILE *log;                 /* --verbose: ignored and missing columns, one line each; NULL */
    const char *log_prefix;    /* such a line's start ("frost predict") */
} csv_score_options;

typedef enum csv_score_blame {
    CSV_SCORE_OK = 0,
    CSV_SCORE_INPUT = 1,  /* the CSV: a cell, a row, the header against the model's columns */
    CSV_SCORE_MODEL = 2,  /* the model refused a batch (the message names the input row) */
    CSV_SCORE_OUTPUT = 3, /* writing the output failed: os_errno says why */
    CSV_SCORE_OTHER = 4,  /* out of memory */
} csv_score_blame;

typedef struct csv_score_status {
    int rc;                /* 0 or a FROST_E* code */
    csv_score_blame blame;
    int os_errno;          /* CSV_SCORE_OUTPUT: the write's errno (0: unknown) */
    char msg[768];         /* what went wrong, without a prefix */
    size_t rows;           /* rows written */
    double t_first_ms;     /* CLOCK_MONOTONIC ms when the first batch was scored; 0: none */
} csv_score_status;

typedef struct csv_scorer csv_scorer;

/* Reads in's header and binds it to the model's inputs for opts->mode (copied; keep's strings
 * must outlive the scorer), sizing the batches. in stays the caller's. Returns 0, or -1 with *st
 * saying why (*out NULL). The model must be able to do what the mode asks (has_proba for
 * CSV_SCORE_PROBA, preprocessing for CSV_SCORE_TRANSFORM). */
int csv_scorer_new(frost_model *m, FILE *in, const csv_score_options *opts, csv_scorer **out,
                   csv_score_status *st);

/* Writes the header line and one line per row to out, in input order. Returns 0 (st->rows
 * counts the rows), or -1 with *st saying why; out then holds the header and the lines of the
 * rows before the failing one (before its batch when the model rejected it). Not flushed. */
int csv_scorer_run(csv_scorer *s, FILE *out, csv_score_status *st);

/* NULL is accepted. */
void csv_scorer_free(csv_scorer *s);

#endif
