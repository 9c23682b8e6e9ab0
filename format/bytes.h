/*
 * bytes.h — the bytes of a section body: the one bounded reader every section parser uses, the
 * one growable writer every section serializer uses, and the UTF-8 rule FORMAT.md's `str` obeys.
 *
 * The reader is sticky: the first read that does not fit (or a string that is not NUL-free
 * UTF-8, or an allocation that fails) records its failure — the code in r->code, the message in
 * r->e — and every later read returns zero or NULL, so a parser reads a whole layout and checks
 * r->code where it has to decide, instead of testing every field. Every array it allocates is
 * bounded by the bytes still in the body, never by a count alone (FORMAT.md, Limits).
 */
#ifndef FROST_FORMAT_BYTES_H
#define FROST_FORMAT_BYTES_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "err.h"

typedef struct fmt_rd {
    const uint8_t *p;  /* the next unread byte */
    size_t left;       /* bytes of the body not read yet */
    const char *what;  /* the section, for messages ("PROGRAM") */
    fr_err *e;         /* where the first failure is described */
    int code;          /* 0, or the first failure: FR_ECORRUPT or FR_ENOMEM */
} fmt_rd;

static inline fmt_rd fmt_rd_begin(const uint8_t *body, size_t len, const char *what, fr_err *e)
{
    return (fmt_rd){.p = body, .left = len, .what = what, .e = e};
}

uint32_t fmt_rd_u32(fmt_rd *r);
uint64_t fmt_rd_u64(fmt_rd *r);
double fmt_rd_f64(fmt_rd *r);
/* n bytes where they lie in the body, or NULL. */
const uint8_t *fmt_rd_bytes(fmt_rd *r, size_t n);
/* A `str` as a fresh NUL-terminated copy from a, or NULL. */
char *fmt_rd_str(fmt_rd *r, const fr_allocator *a);
/* A zeroed array of n elements of size bytes, when n elements of at least min_each bytes can
 * still follow in the body; NULL otherwise (FR_ECORRUPT) or when memory runs out (FR_ENOMEM).
 * Nothing is read. */
void *fmt_rd_array(fmt_rd *r, const fr_allocator *a, uint64_t n, size_t size, size_t min_each);
/* Records a failure of the caller's own (the first one only), so later reads stop too; returns
 * the code. */
int fmt_rd_fail(fmt_rd *r, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Ends the body: r->code, or FR_ECORRUPT when bytes are left over. */
int fmt_rd_end(fmt_rd *r);

/* A growable byte buffer for a section body being written. */
typedef struct fmt_buf {
    uint8_t *p;
    size_t len, cap;
    const fr_allocator *a;
    int oom;               /* an append failed: the buffer is incomplete */
} fmt_buf;
int fmt_put(fmt_buf *b, const void *src, size_t n);
void fmt_put_u32(fmt_buf *b, uint32_t v);
void fmt_put_u64(fmt_buf *b, uint64_t v);
void fmt_put_f64(fmt_buf *b, double v);
void fmt_put_str(fmt_buf *b, const char *s);

/* Whether s[0, n) is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
int fmt_utf8_valid(const uint8_t *s, size_t n);
/* The same, but taking the encoded surrogates U+D800..U+DFFF as text, as Python's 'surrogatepass'
 * decoder does (pickle's BINUNICODE: pickle.dumps('\udc80') writes ED B2 80). */
int fmt_utf8_valid_surrogatepass(const uint8_t *s, size_t n);

#endif
