/*
 * alloc.h — allocation through the caller's optional fr_allocator hook.
 *
 * Every module that allocates on behalf of a handle goes through these, so a program that gives
 * frost an allocator (a counting one in tests, an arena in a server) sees every byte.
 */
#ifndef FROST_ALLOC_H
#define FROST_ALLOC_H

#include <stdlib.h>
#include <string.h>
#include <stdint.h>

/* An allocator hook: all three functions, and their context. format/ cannot name the public
 * frost_allocator (it knows nothing above it), so the runtime and the writer copy one into
 * this type with the same members (runtime/hook.h). */
typedef struct fr_allocator {
    void *(*malloc_fn)(void *ctx, size_t size);
    void *(*realloc_fn)(void *ctx, void *ptr, size_t size);
    void (*free_fn)(void *ctx, void *ptr);
    void *ctx;
} fr_allocator;

static inline void *fr_malloc(const fr_allocator *a, size_t n)
{
    if (n == 0)
        n = 1;
    return a ? a->malloc_fn(a->ctx, n) : malloc(n);
}
static inline void *fr_realloc(const fr_allocator *a, void *p, size_t n)
{
    if (n == 0)
        n = 1;
    return a ? a->realloc_fn(a->ctx, p, n) : realloc(p, n);
}
static inline void fr_free(const fr_allocator *a, void *p)
{
    if (!p)
        return;
    if (a)
        a->free_fn(a->ctx, p);
    else
        free(p);
}
/* n × size with overflow check; NULL on overflow or failure. Zeroed. */
static inline void *fr_calloc(const fr_allocator *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t bytes = n * size;
    if (!a) /* the C library's calloc knows when fresh pages are zero already: no memset, no
             * page touched before it is used */
        return calloc(n ? n : 1, size ? size : 1);
    void *p = fr_malloc(a, bytes);
    if (p && bytes)
        memset(p, 0, bytes);
    return p;
}

#endif
