/*
 * s3.h — s3://BUCKET/KEY as an HTTPS request: the endpoint and the signing settings.
 *
 * The URL: AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, path-style (ENDPOINT/BUCKET/KEY) for
 * S3-compatible stores; else https://BUCKET.s3.REGION.amazonaws.com/KEY, or path-style
 * https://s3.REGION.amazonaws.com/BUCKET/KEY for a bucket name that is no DNS label. KEY is taken
 * literally (as the aws CLI does) and percent-encoded as SigV4's canonical URI and botocore's
 * S3 URLs have it: unreserved characters and '/' as they are, every other byte %XX.
 *
 * Signing: AWS Signature Version 4 by libcurl (CURLOPT_AWS_SIGV4, "aws:amz:REGION:s3") with
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN); region AWS_REGION, else
 * AWS_DEFAULT_REGION, else us-east-1. Without credentials requests go unsigned (public buckets).
 * The credentials live in the object only, never in a URL or a message.
 */
#ifndef FROST_REMOTE_S3_H
#define FROST_REMOTE_S3_H

#include <stddef.h>

#include "alloc.h"
#include "err.h"

/* x-amz-content-sha256 of a request without a body: SHA-256 of the empty string. */
#define RM_S3_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

typedef struct rm_s3 {
    int sign;               /* credentials were found: every request is signed */
    char region[64];
    char sigv4[96];         /* CURLOPT_AWS_SIGV4's "aws:amz:REGION:s3" */
    char access_key[129];
    char secret_key[257];
    char token[4097];       /* "" without a session token */
} rm_s3;

/* The request URL of an s3:// URL (allocated from a) and its signing settings. */
int rm_s3_resolve(const char *s3url, const fr_allocator *a, char **url, rm_s3 *s3, fr_err *e);

/* key percent-encoded (see above) into out; the length it needs (excluding the terminator),
 * so that out was large enough when the result is below cap. */
size_t rm_s3_encode_key(const char *key, char *out, size_t cap);

#endif
