/*
 * s3.c — s3://BUCKET/KEY as an HTTPS request (s3.h). The rules: AWS's "Virtual hosting of
 * buckets" and "Signature Version 4 — canonical request" documents; botocore (auth.py,
 * S3SigV4Auth, which does not normalise the path, and utils.percent_encode) agrees.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3.h"

size_t rm_s3_encode_key(const char *key, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        int keep = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                   (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' ||
                   *p == '~' || *p == '/';
        char enc[3] = {(char)*p, 0, 0};
        size_t k = 1;
        if (!keep) {
            enc[0] = '%';
            enc[1] = hex[*p >> 4];
            enc[2] = hex[*p & 15];
            k = 3;
        }
        if (n + k < cap)
            memcpy(out + n, enc, k);
        n += k;
    }
    if (cap)
        out[n < cap ? n : cap - 1] = '\0';
    return n;
}

/* Bucket names S3 accepts in a path (legacy names included): letters, digits, . - _ */
static int bucket_ok(const char *b, size_t n)
{
    if (n < 3 || n > 255)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((b[i] >= 'a' && b[i] <= 'z') || (b[i] >= 'A' && b[i] <= 'Z') ||
              (b[i] >= '0' && b[i] <= '9') || b[i] == '.' || b[i] == '-' || b[i] == '_'))
            return 0;
    return 1;
}

/* A bucket that can be a DNS label of the virtual host (TLS wildcards cover one label). */
static int bucket_is_label(const char *b, size_t n)
{
    if (n > 63)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((b[i] >= 'a' && b[i] <= 'z') || (b[i] >= '0' && b[i] <= '9') ||
              (b[i] == '-' && i && i + 1 < n)))
            return 0;
    return 1;
}

static int env_copy(const char *name, char *out, size_t cap, fr_err *e)
{
    const char *v = getenv(name);
    out[0] = '\0';
    if (!v || !*v)
        return 0;
    if (strlen(v) >= cap)
        return fr_fail(e, FR_EINVAL, "%s is longer than %zu bytes", name, cap - 1);
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7F)
            return fr_fail(e, FR_EINVAL, "%s holds a control character", name);
    strcpy(out, v);
    return 0;
}

static int region_of(rm_s3 *s3, fr_err *e)
{
    int rc = env_copy("AWS_REGION", s3->region, sizeof s3->region, e);
    if (!rc && !s3->region[0])
        rc = env_copy("AWS_DEFAULT_REGION", s3->region, sizeof s3->region, e);
    if (rc)
        return rc;
    if (!s3->region[0])
        strcpy(s3->region, "us-east-1");
    for (const char *p = s3->region; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return fr_fail(e, FR_EINVAL, "AWS region '%s' is not a region name", s3->region);
    snprintf(s3->sigv4, sizeof s3->sigv4, "aws:amz:%s:s3", s3->region);
    return 0;
}

static int credentials_of(rm_s3 *s3, fr_err *e)
{
    int rc;
    if ((rc = env_copy("AWS_ACCESS_KEY_ID", s3->access_key, sizeof s3->access_key, e)) ||
        (rc = env_copy("AWS_SECRET_ACCESS_KEY", s3->secret_key, sizeof s3->secret_key, e)) ||
        (rc = env_copy("AWS_SESSION_TOKEN", s3->token, sizeof s3->token, e)))
        return rc;
    if (!s3->access_key[0] != !s3->secret_key[0])
        return fr_fail(e, FR_EINVAL, "%s is set but %s is not",
                       s3->access_key[0] ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                       s3->access_key[0] ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
    s3->sign = s3->access_key[0] != '\0';
    return 0;
}

int rm_s3_resolve(const char *s3url, const fr_allocator *a, char **url, rm_s3 *s3, fr_err *e)
{
    memset(s3, 0, sizeof *s3);
    *url = NULL;
    const char *bucket = s3url + 5; /* after "s3://" (any case: url.h) */
    const char *slash = strchr(bucket, '/');
    size_t blen = slash ? (size_t)(slash - bucket) : strlen(bucket);
    if (!bucket_ok(bucket, blen))
        return fr_fail(e, FR_EINVAL, "s3://%.*s: not an S3 bucket name", (int)(blen < 64 ? blen : 64),
                       bucket);
    if (!slash || !slash[1])
        return fr_fail(e, FR_EINVAL, "s3://%.*s: no object key after the bucket", (int)blen,
                       bucket);
    const char *key = slash + 1;
    int rc;
    if ((rc = region_of(s3, e)) || (rc = credentials_of(s3, e)))
        return rc;
    char endpoint[1024];
    if ((rc = env_copy("AWS_ENDPOINT_URL_S3", endpoint, sizeof endpoint, e)) ||
        (!endpoint[0] && (rc = env_copy("AWS_ENDPOINT_URL", endpoint, sizeof endpoint, e))))
        return rc;
    size_t elen = strlen(endpoint);
    while (elen && endpoint[elen - 1] == '/')
        endpoint[--elen] = '\0';
    if (endpoint[0] && strncmp(endpoint, "http://", 7) != 0 && strncmp(endpoint, "https://", 8) != 0)
        return fr_fail(e, FR_EINVAL, "the S3 endpoint must be an http:// or https:// URL");
    size_t klen = rm_s3_encode_key(key, NULL, 0);
    size_t cap = elen + blen + klen + strlen(s3->region) + 64;
    char *u = fr_malloc(a, cap);
    if (!u)
        return fr_fail(e, FR_ENOMEM, "out of memory");
    int n;
    if (endpoint[0])
        n = snprintf(u, cap, "%s/%.*s/", endpoint, (int)blen, bucket);
    else if (bucket_is_label(bucket, blen))
        n = snprintf(u, cap, "https://%.*s.s3.%s.amazonaws.com/", (int)blen, bucket, s3->region);
    else
        n = snprintf(u, cap, "https://s3.%s.amazonaws.com/%.*s/", s3->region, (int)blen, bucket);
    rm_s3_encode_key(key, u + n, cap - (size_t)n);
    *url = u;
    return 0;
}
