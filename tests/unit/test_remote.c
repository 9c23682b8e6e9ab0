/*
 * test_remote.c — the remote plugin's parts that need no server: what it reads of HTTP answers
 * (remote/http.c), the cache's index format and its checked lookups (remote/cache.c), S3 URLs
 * and key encoding (remote/s3.c, against botocore's encoding), the settings from the
 * environment (remote/config.c), and how messages name URLs (runtime/url.c). Requests against
 * a real server are tests/stages/remote.sh's.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "cache.h"
#include "config.h"
#include "http.h"
#include "layout.h"
#include "s3.h"
#include "testutil.h"
#include "url.h"

static int content_range(const char *v, uint64_t *a, uint64_t *b, uint64_t *t)
{
    return rm_http_content_range(v, strlen(v), a, b, t);
}

Test(remote_http, status_lines)
{
    int st = 0;
    cr_expect_eq(rm_http_status("HTTP/1.1 206 Partial Content\r\n", 30, &st), 0);
    cr_expect_eq(st, 206);
    cr_expect_eq(rm_http_status("HTTP/2 200\r\n", 12, &st), 0);
    cr_expect_eq(st, 200);
    cr_expect_eq(rm_http_status("HTTP/1.1 20", 11, &st), -1);
    cr_expect_eq(rm_http_status("HTTP/1.1 2000 x", 15, &st), -1);
    cr_expect_eq(rm_http_status("HTTP/x 200 OK", 13, &st), -1);
    cr_expect_eq(rm_http_status("Content-Range: 1", 16, &st), -1);
    cr_expect_eq(rm_http_status("HTTP/1.1 099 x", 14, &st), -1);
}

Test(remote_http, fields_match_without_case_and_trim)
{
    const char *v;
    size_t n;
    const char line[] = "content-RANGE:   bytes 0-9/10 \r\n";
    cr_assert_eq(rm_http_field(line, sizeof line - 1, "Content-Range", &v, &n), 1);
    cr_expect_eq(n, 12);
    cr_expect_eq(memcmp(v, "bytes 0-9/10", 12), 0);
    cr_expect_eq(rm_http_field(line, sizeof line - 1, "Content-Length", &v, &n), 0);
    cr_expect_eq(rm_http_field("ETagX: 1", 8, "ETag", &v, &n), 0);
}

Test(remote_http, content_range)
{
    uint64_t a, b, t;
    cr_expect_eq(content_range("bytes 0-65535/12034080", &a, &b, &t), 0);
    cr_expect(a == 0 && b == 65535 && t == 12034080);
    cr_expect_eq(content_range("bytes */100", &a, &b, &t), 0);
    cr_expect(a == UINT64_MAX && b == UINT64_MAX && t == 100);
    cr_expect_eq(content_range("bytes 5-4/100", &a, &b, &t), -1);       /* first > last */
    cr_expect_eq(content_range("bytes 0-100/100", &a, &b, &t), -1);     /* last >= total */
    cr_expect_eq(content_range("bytes 0-9/*", &a, &b, &t), -1);         /* unknown total */
    cr_expect_eq(content_range("bytes 0-9/10x", &a, &b, &t), -1);
    cr_expect_eq(content_range("bytes -9/10", &a, &b, &t), -1);
    cr_expect_eq(content_range("items 0-9/10", &a, &b, &t), -1);
    cr_expect_eq(content_range("bytes 0-18446744073709551616/1", &a, &b, &t), -1); /* 2^64 */
    cr_expect_eq(content_range("bytes 0-1/18446744073709551615", &a, &b, &t), 0);
}

Test(remote_http, counts)
{
    uint64_t x;
    cr_expect_eq(rm_http_u64("12034080", 8, &x), 0);
    cr_expect_eq(x, 12034080);
    cr_expect_eq(rm_http_u64("", 0, &x), -1);
    cr_expect_eq(rm_http_u64("1 2", 3, &x), -1);
    cr_expect_eq(rm_http_u64("99999999999999999999", 20, &x), -1);
}

Test(remote_http, entity_tags)
{
    char out[RM_VALIDATOR_MAX];
    int weak;
    cr_expect_eq(rm_http_etag("\"5e87c8\"", 8, out, sizeof out, &weak), 0);
    cr_expect_str_eq(out, "\"5e87c8\"");
    cr_expect_eq(weak, 0);
    cr_expect_eq(rm_http_etag("W/\"x-1\"", 7, out, sizeof out, &weak), 0);
    cr_expect_eq(weak, 1);
    cr_expect_eq(rm_http_etag("\"\"", 2, out, sizeof out, &weak), 0); /* empty is allowed */
    cr_expect_eq(rm_http_etag("5e87c8", 6, out, sizeof out, &weak), -1);
    cr_expect_eq(rm_http_etag("\"a b\"", 5, out, sizeof out, &weak), -1);   /* a space */
    cr_expect_eq(rm_http_etag("\"a\"b\"", 5, out, sizeof out, &weak), -1);  /* a quote */
    cr_expect_eq(rm_http_etag("\"", 1, out, sizeof out, &weak), -1);
    char big[RM_VALIDATOR_MAX + 8];
    memset(big, 'a', sizeof big);
    big[0] = big[sizeof big - 1] = '"';
    cr_expect_eq(rm_http_etag(big, sizeof big, out, sizeof out, &weak), -1);
}

Test(remote_http, encodings_and_s3_codes)
{
    cr_expect(rm_http_identity_encoding("", 0));
    cr_expect(rm_http_identity_encoding("Identity", 8));
    cr_expect(!rm_http_identity_encoding("gzip", 4));
    char code[64];
    const char doc[] = "<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code>"
                       "<Message>x</Message></Error>";
    cr_expect_eq(rm_http_s3_code(doc, sizeof doc - 1, code, sizeof code), 0);
    cr_expect_str_eq(code, "SignatureDoesNotMatch");
    cr_expect_eq(rm_http_s3_code("<Code>a b</Code>", 16, code, sizeof code), -1);
    cr_expect_eq(rm_http_s3_code("<Code>abc", 9, code, sizeof code), -1);
    cr_expect_eq(rm_http_s3_code("<Code>abcdef</Code>", 19, code, 4), -1); /* too long */
}

static rm_index sample_index(void)
{
    rm_index x;
    memset(&x, 0, sizeof x);
    strcpy(x.url, "https://example.com/models/rf%20500.frost");
    x.size = 50 << 20;
    strcpy(x.etag, "\"0123abc-4\"");
    strcpy(x.last_modified, "Tue, 15 Nov 1994 12:45:26 GMT");
    x.header_size = 409600;
    for (int i = 0; i < 16; i++)
        x.digest[i] = (uint8_t)(i * 17);
    for (int i = 0; i < 32; i++)
        x.footer[i] = (uint8_t)(255 - i);
    return x;
}

Test(remote_cache, index_round_trip_and_refusals)
{
    rm_index x = sample_index(), y;
    char text[RM_INDEX_TEXT_MAX];
    size_t n = rm_index_format(&x, text, sizeof text);
    cr_assert_gt(n, 0);
    cr_assert_eq(rm_index_parse(text, n, &y), 0);
    cr_expect_eq(memcmp(&x, &y, sizeof x), 0);
    strcpy(x.etag, "");
    strcpy(x.last_modified, "");
    n = rm_index_format(&x, text, sizeof text);
    cr_assert_eq(rm_index_parse(text, n, &y), 0);
    cr_expect_str_eq(y.etag, "");
    cr_expect_eq(rm_index_parse(text, n - 1, &y), -1); /* the last line unterminated */
    char bad[RM_INDEX_TEXT_MAX + 64];
    memcpy(bad, text, n);
    memcpy(bad + n, "extra 1\n", 8);
    cr_expect_eq(rm_index_parse(bad, n + 8, &y), -1);
    memcpy(bad, text, n);
    bad[18] = '2'; /* "frost-cache-index 2" */
    cr_expect_eq(rm_index_parse(bad, n, &y), -1);
    x = sample_index();
    x.header_size = x.size; /* no room for the footer */
    n = rm_index_format(&x, text, sizeof text);
    cr_expect_eq(rm_index_parse(text, n, &y), -1);
    x = sample_index();
    x.header_size = 100; /* shorter than a superblock */
    n = rm_index_format(&x, text, sizeof text);
    cr_expect_eq(rm_index_parse(text, n, &y), -1);
}

/* A header region whose superblock digest holds: what fmt_header_digest_check accepts. */
static void digested(uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)(i * 7 + 3);
    memset(buf + FMT_SB_DIGEST, 0, 16);
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits(buf, n));
    memcpy(buf + FMT_SB_DIGEST, c.digest, 16);
}

Test(remote_cache, entries_checked_when_read_back)
{
    char *dir = tu_tmpdir();
    cr_assert(dir);
    rm_cache c;
    fr_err e = {0};
    cr_assert_eq(rm_cache_open(&c, dir, &e), 0, "%s", e.msg);
    uint8_t header[4096], back[4096];
    digested(header, sizeof header);
    const uint8_t *digest = header + FMT_SB_DIGEST;
    cr_expect_eq(rm_cache_header_get(&c, digest, back, sizeof back), 0);
    rm_cache_header_put(&c, digest, header, sizeof header);
    cr_expect_eq(rm_cache_header_get(&c, digest, back, sizeof back), 1);
    cr_expect_eq(memcmp(header, back, sizeof back), 0);

    uint8_t block[5000], got[5000];
    for (size_t i = 0; i < sizeof block; i++)
        block[i] = (uint8_t)(i ^ 0x5a);
    uint64_t sum = XXH3_64bits(block, sizeof block);
    rm_cache_block_put(&c, digest, sum ^ 1, block, sizeof block); /* a wrong sum is not kept */
    cr_expect_eq(rm_cache_block_get(&c, digest, sum ^ 1, sizeof got, got), 0);
    rm_cache_block_put(&c, digest, sum, block, sizeof block);
    cr_expect_eq(rm_cache_block_get(&c, digest, sum, sizeof got, got), 1);
    cr_expect_eq(memcmp(block, got, sizeof got), 0);
    cr_expect_eq(rm_cache_block_get(&c, digest, sum, sizeof got - 1, got), 0); /* other size */

    /* damage on disk: a miss, and the entry is gone */
    char path[8192], hex[40];
    snprintf(hex, sizeof hex, "%016llx-%u", (unsigned long long)sum, (unsigned)sizeof block);
    char d[33];
    for (int i = 0; i < 16; i++)
        snprintf(d + 2 * i, 3, "%02x", digest[i]);
    snprintf(path, sizeof path, "%s/%s/%s", c.root, d, hex);
    FILE *f = fopen(path, "r+b");
    cr_assert(f, "%s", path);
    fseek(f, 100, SEEK_SET);
    fputc(block[100] ^ 0xff, f);
    fclose(f);
    cr_expect_eq(rm_cache_block_get(&c, digest, sum, sizeof got, got), 0);
    struct stat st;
    cr_expect_neq(stat(path, &st), 0);

    rm_index x = sample_index(), y;
    cr_expect_eq(rm_cache_index_get(&c, x.url, &y), 0);
    rm_cache_index_put(&c, &x);
    cr_expect_eq(rm_cache_index_get(&c, x.url, &y), 1);
    cr_expect_eq(memcmp(&x, &y, sizeof x), 0);
    rm_cache_index_drop(&c, x.url);
    cr_expect_eq(rm_cache_index_get(&c, x.url, &y), 0);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
    free(dir);
}

Test(remote_cache, off_and_uncreatable)
{
    rm_cache c;
    fr_err e = {0};
    cr_expect_eq(rm_cache_open(&c, "", &e), 0);
    cr_expect(!rm_cache_on(&c));
    cr_expect_eq(rm_cache_open(&c, "/proc/no/such/dir", &e), FR_EIO);
    cr_expect(strstr(e.msg, "cannot create"), "%s", e.msg);
}

Test(remote_s3, keys_encoded_as_botocore_does)
{
    /* botocore.utils.percent_encode(key, safe='/~'), as its S3 serializer encodes {Key+} */
    char out[256];
    rm_s3_encode_key("dir/a b+\xc3\xbc~.frost", out, sizeof out);
    cr_expect_str_eq(out, "dir/a%20b%2B%C3%BC~.frost");
    rm_s3_encode_key("x?y#z%25&=;:@", out, sizeof out);
    cr_expect_str_eq(out, "x%3Fy%23z%2525%26%3D%3B%3A%40");
    cr_expect_eq(rm_s3_encode_key("a b", out, 3), 5); /* what it needs when cut short */
}

static void clear_aws(void)
{
    const char *vars[] = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                          "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
                          "AWS_ENDPOINT_URL_S3"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
}

Test(remote_s3, urls_regions_credentials)
{
    clear_aws();
    rm_s3 s3;
    char *url;
    fr_err e = {0};
    cr_assert_eq(rm_s3_resolve("s3://my-bucket/a b.frost", NULL, &url, &s3, &e), 0, "%s", e.msg);
    cr_expect_str_eq(url, "https://my-bucket.s3.us-east-1.amazonaws.com/a%20b.frost");
    cr_expect_eq(s3.sign, 0);
    free(url);
    setenv("AWS_DEFAULT_REGION", "eu-west-3", 1);
    cr_assert_eq(rm_s3_resolve("s3://my.dotted.bucket/k", NULL, &url, &s3, &e), 0);
    cr_expect_str_eq(url, "https://s3.eu-west-3.amazonaws.com/my.dotted.bucket/k");
    cr_expect_str_eq(s3.sigv4, "aws:amz:eu-west-3:s3");
    free(url);
    setenv("AWS_REGION", "ap-south-1", 1); /* AWS_REGION first */
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9000/", 1);
    setenv("AWS_ACCESS_KEY_ID", "AKID", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "s/e+cret", 1);
    cr_assert_eq(rm_s3_resolve("s3://b_1/dir/k", NULL, &url, &s3, &e), 0);
    cr_expect_str_eq(url, "http://127.0.0.1:9000/b_1/dir/k");
    cr_expect_str_eq(s3.region, "ap-south-1");
    cr_expect_eq(s3.sign, 1);
    free(url);
    setenv("AWS_ENDPOINT_URL_S3", "https://minio.local", 1); /* the S3 one first */
    cr_assert_eq(rm_s3_resolve("s3://b_1/k", NULL, &url, &s3, &e), 0);
    cr_expect_str_eq(url, "https://minio.local/b_1/k");
    free(url);
    cr_expect_eq(rm_s3_resolve("s3://b/k", NULL, &url, &s3, &e), FR_EINVAL); /* 1 letter */
    cr_expect_eq(rm_s3_resolve("s3://bucket", NULL, &url, &s3, &e), FR_EINVAL);
    cr_expect(strstr(e.msg, "no object key"), "%s", e.msg);
    cr_expect_eq(rm_s3_resolve("s3://bucket/", NULL, &url, &s3, &e), FR_EINVAL);
    unsetenv("AWS_SECRET_ACCESS_KEY");
    cr_expect_eq(rm_s3_resolve("s3://bucket/k", NULL, &url, &s3, &e), FR_EINVAL);
    cr_expect(strstr(e.msg, "AWS_SECRET_ACCESS_KEY is not"), "%s", e.msg);
    setenv("AWS_SECRET_ACCESS_KEY", "x", 1);
    setenv("AWS_REGION", "eu west", 1);
    cr_expect_eq(rm_s3_resolve("s3://bucket/k", NULL, &url, &s3, &e), FR_EINVAL);
    setenv("AWS_REGION", "eu-west-1", 1);
    setenv("AWS_ENDPOINT_URL_S3", "ftp://x", 1);
    cr_expect_eq(rm_s3_resolve("s3://bucket/k", NULL, &url, &s3, &e), FR_EINVAL);
    clear_aws();
}

Test(remote_config, environment_and_options)
{
    unsetenv("FROST_REMOTE_ATTEMPTS");
    unsetenv("FROST_REMOTE_TIMEOUT");
    unsetenv("FROST_REMOTE_CONNECTIONS");
    unsetenv("FROST_CACHE_DIR");
    rt_remote_config in = {0};
    rm_config c;
    fr_err e = {0};
    cr_assert_eq(rm_config_resolve(&in, &c, &e), 0);
    cr_expect(c.attempts == 5 && c.timeout_ms == 15000 && c.connections == 64);
    cr_expect_str_eq(c.cache_dir, "");
    setenv("FROST_REMOTE_TIMEOUT", "2.5", 1);
    setenv("FROST_REMOTE_ATTEMPTS", "3", 1);
    setenv("FROST_CACHE_DIR", "/tmp/c", 1);
    cr_assert_eq(rm_config_resolve(&in, &c, &e), 0);
    cr_expect(c.attempts == 3 && c.timeout_ms == 2500 && c.stall_s == 1);
    cr_expect_str_eq(c.cache_dir, "/tmp/c");
    in.attempts = 7;
    in.timeout_ms = 30000;
    in.cache_dir = ""; /* the caller turns the cache off */
    cr_assert_eq(rm_config_resolve(&in, &c, &e), 0);
    cr_expect(c.attempts == 7 && c.timeout_ms == 30000 && c.stall_s == 7);
    cr_expect_str_eq(c.cache_dir, "");
    const char *bad[] = {"soon", "1.2.3", "", "0.05", "4000", "1.0001", "."};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("FROST_REMOTE_TIMEOUT", bad[i], 1);
        int rc = rm_config_resolve(&in, &c, &e);
        if (*bad[i])
            cr_expect_eq(rc, FR_EINVAL, "FROST_REMOTE_TIMEOUT=%s", bad[i]);
        else
            cr_expect_eq(rc, 0);
    }
    setenv("FROST_REMOTE_TIMEOUT", "1", 1);
    setenv("FROST_REMOTE_ATTEMPTS", "0", 1);
    cr_expect_eq(rm_config_resolve(&in, &c, &e), FR_EINVAL);
    cr_expect(strstr(e.msg, "FROST_REMOTE_ATTEMPTS=0"), "%s", e.msg);
    unsetenv("FROST_REMOTE_ATTEMPTS");
    unsetenv("FROST_REMOTE_TIMEOUT");
    unsetenv("FROST_CACHE_DIR");
}

Test(remote_url, kinds_and_names_without_credentials)
{
    cr_expect_eq(rt_url_kind_of("HTTPS://x/y"), RT_URL_HTTPS);
    cr_expect_eq(rt_url_kind_of("s3://b/k"), RT_URL_S3);
    cr_expect_eq(rt_url_kind_of("http:/x"), RT_URL_NONE);
    cr_expect_eq(rt_url_kind_of("./http://x"), RT_URL_NONE);
    cr_expect_eq(rt_url_kind_of(NULL), RT_URL_NONE);
    char buf[64];
    cr_expect_str_eq(rt_url_display("https://u:p@a@h.io:8443/m.frost?X-Amz-Signature=s", buf,
                                    sizeof buf),
                     "https://h.io:8443/m.frost?...");
    cr_expect_str_eq(rt_url_display("http://h/p#frag", buf, sizeof buf), "http://h/p");
    cr_expect_str_eq(rt_url_display("http://h?q@x", buf, sizeof buf), "http://h?...");
    cr_expect_str_eq(rt_url_display("s3://bucket/a b", buf, sizeof buf), "s3://bucket/a b");
    /* a "://" after a query is no scheme: the query is still dropped */
    cr_expect_str_eq(rt_url_display("x?sig=s://h", buf, sizeof buf), "x?...");
    char small[16];
    cr_expect_str_eq(rt_url_display("http://example.com/long/path", small, sizeof small),
                     "http://examp...");
}
