/*
 * err.h — how every frost module reports failure; the base of the container layer, which
 * knows nothing of the layers above it.
 *
 * Functions return 0 or a negative FR_E* code and record a human-readable detail ("chunk 17:
 * checksum mismatch") in a caller-provided fr_err. The code says what kind of failure it was;
 * the message says exactly where. format/ and the importers own no global state, so the buffer
 * travels with the call; the runtime copies it into the handle's last-error slot. The codes are
 * the public FROST_E* codes by number (runtime/error.c asserts it), so a code passes through
 * every layer unchanged.
 */
#ifndef FROST_ERR_H
#define FROST_ERR_H

#include <stddef.h>
#include <stdint.h>

enum fr_code {
    FR_OK = 0,
    FR_EINVAL = -1,       /* a bad argument from the caller */
    FR_ENOMEM = -2,       /* an allocation failed */
    FR_EIO = -3,          /* the operating system reported an I/O error */
    FR_ECORRUPT = -4,     /* the input is damaged (checksum, bounds, structure) */
    FR_EVERSION = -5,     /* the input needs a newer reader (major version) */
    FR_EUNSUPPORTED = -6, /* valid, but not supported */
    FR_EREFUSED = -7,     /* refused as unsafe */
    FR_ETRUNCATED = -8,   /* the input ends before its own structure says it does */
    FR_EFORMAT = -9,      /* the input is not in the expected format */
    FR_ESCHEMA = -10,     /* input columns do not match what is expected */
    FR_ELIMIT = -11,      /* a size, count or depth exceeds a safety bound */
    FR_ESIGNATURE = -12,  /* a required signature or digest is missing, foreign or wrong */
};

typedef struct fr_err {
    int code;       /* last FR_E* code recorded, 0 when none */
    char msg[512];  /* NUL-terminated detail of the last failure */
    uint64_t row1;  /* scoring: 1 + the 0-based input row the failure concerns; 0 when it concerns
                     * no row (zero-initialised errors are row-less; fr_fail resets it) */
} fr_err;

/* Records code and a printf-style message in e (which may be NULL) and returns code, so call
 * sites read `return fr_fail(e, FR_ECORRUPT, "block %u: checksum mismatch", i);`. */
int fr_fail(fr_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes the message already in e with "context: ", keeping the code; returns e->code. Used
 * when an inner layer's message needs the outer layer's position (file, step path, row). */
int fr_wrap(fr_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records, after fr_fail, that the failure concerns input row `row` (0-based within the call):
 * the runtime's frost_error_row reports it. Returns e->code. */
int fr_at_row(fr_err *e, uint64_t row);

/* Clears e. */
void fr_err_clear(fr_err *e);

/* Corruption is reported through this macro so debug builds can record where it was detected
 * (like SQLite's CORRUPT_BKPT); release builds report only the message. */
#ifdef FROST_DEBUG
#define FR_CORRUPT(e, ...) fr_corrupt_at((e), __FILE__, __LINE__, __VA_ARGS__)
int fr_corrupt_at(fr_err *e, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#else
#define FR_CORRUPT(e, ...) fr_fail((e), FR_ECORRUPT, __VA_ARGS__)
#endif

#endif
