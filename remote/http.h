/*
 * http.h — what frost reads of an HTTP response: the status line and the few header fields it
 * interprets (Content-Range, Content-Length, ETag, Last-Modified, Content-Encoding), and the
 * error code of an S3 error document. Each parser takes (pointer, length) from the network,
 * untrusted and not NUL-terminated, and either accepts it whole or refuses it; none allocates.
 * (tests/fuzz/fuzz_remote.c)
 */
#ifndef FROST_REMOTE_HTTP_H
#define FROST_REMOTE_HTTP_H

#include <stddef.h>
#include <stdint.h>

/* An ETag or Last-Modified value kept for If-Match / If-Unmodified-Since (RFC 9110 allows any
 * length; longer ones are not kept, and the object is then pinned by its size alone). */
#define RM_VALIDATOR_MAX 192

/* "HTTP/1.1 206 Partial Content", "HTTP/2 200": *status = the three-digit code. 0, or -1 when the
 * line is no status line. */
int rm_http_status(const char *line, size_t len, int *status);

/* When line is the header field `name` (matched without regard to case): its value with the
 * surrounding whitespace and line end removed, and 1; else 0. */
int rm_http_field(const char *line, size_t len, const char *name, const char **value,
                  size_t *value_len);

/* Content-Range of a 206 or 416: "bytes FIRST-LAST/TOTAL" (first <= last < total) or
 * "bytes *\/TOTAL" (*first = *last = UINT64_MAX); TOTAL "*" (unknown) is refused. 0 or -1. */
int rm_http_content_range(const char *v, size_t n, uint64_t *first, uint64_t *last,
                          uint64_t *total);

/* A decimal count such as Content-Length (digits only, no overflow). 0 or -1. */
int rm_http_u64(const char *v, size_t n, uint64_t *out);

/* An entity tag, "…" or W/"…" with RFC 9110's etagc characters: copied NUL-terminated into out
 * (cap bytes, at most RM_VALIDATOR_MAX); *weak set for W/. 0, or -1 when malformed or too long. */
int rm_http_etag(const char *v, size_t n, char *out, size_t cap, int *weak);

/* A header value kept as sent (Last-Modified): visible ASCII and spaces, 1..cap-1 bytes, copied
 * NUL-terminated. 0 or -1. */
int rm_http_token_copy(const char *v, size_t n, char *out, size_t cap);

/* Content-Encoding that leaves the bytes as stored: absent, empty or "identity". */
int rm_http_identity_encoding(const char *v, size_t n);

/* The <Code> of an S3 error document (the first one, letters and digits only), copied
 * NUL-terminated into out; 0, or -1 when there is none. */
int rm_http_s3_code(const char *body, size_t n, char *out, size_t cap);

#endif
