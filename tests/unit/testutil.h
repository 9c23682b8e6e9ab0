/*
 * testutil.h — small helpers shared by the Criterion unit tests.
 */
#ifndef FROST_TESTUTIL_H
#define FROST_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A fresh temporary directory for one test; the caller frees the returned string. */
static inline char *tu_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[512];
    snprintf(tmpl, sizeof tmpl, "%s/frost-test-XXXXXX", base && *base ? base : "/tmp");
    char *d = mkdtemp(tmpl);
    return d ? strdup(d) : NULL;
}

/* Reads a whole file into a malloc'd buffer; NULL on failure. */
static inline unsigned char *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf && len)
        *len = (size_t)n;
    return buf;
}

/* An allocator hook that counts allocations (malloc and realloc) into *ctx, a long: what the
 * "warm calls allocate nothing" tests watch. */
static inline void *tu_count_malloc(void *ctx, size_t n)
{
    ++*(long *)ctx;
    return malloc(n);
}
static inline void *tu_count_realloc(void *ctx, void *p, size_t n)
{
    ++*(long *)ctx;
    return realloc(p, n);
}
static inline void tu_count_free(void *ctx, void *p)
{
    (void)ctx;
    free(p);
}
#define TU_COUNTING_ALLOCATOR(counter)                                                          \
    { tu_count_malloc, tu_count_realloc, tu_count_free, (counter) }

#endif
