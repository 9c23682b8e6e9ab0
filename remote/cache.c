/*
 * cache.c — the disk cache of cache.h: its index format, lookups checked against content, and
 * atomic writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "cache.h"
#include "format.h"

/* ---- the index format ------------------------------------------------------------------------

   frost-cache-index 1
   url http://host/model.frost
   size 123456
   etag "abc"              (or "-": none)
   last-modified Tue, ...  (or "-": none)
   header-size 65536
   digest <32 hex digits>
   footer <64 hex digits>
*/

static void hex(const uint8_t *p, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[p[i] >> 4];
        out[2 * i + 1] = d[p[i] & 15];
    }
    out[2 * n] = '\0';
}

size_t rm_index_format(const rm_index *x, char *out, size_t cap)
{
    char digest[33], footer[65];
    hex(x->digest, 16, digest);
    hex(x->footer, 32, footer);
    int n = snprintf(out, cap,
                     "frost-cache-index 1\nurl %s\nsize %" PRIu64 "\netag %s\nlast-modified %s\n"
                     "header-size %" PRIu64 "\ndigest %s\nfooter %s\n",
                     x->url, x->size, x->etag[0] ? x->etag : "-",
                     x->last_modified[0] ? x->last_modified : "-", x->header_size, digest, footer);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* The next line of text (without its '\n') when it starts with key and a space: its value. */
static int take_line(const char **p, const char *end, const char *key, const char **v, size_t *n)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t kl = strlen(key);
    if (!nl || (size_t)(nl - *p) <= kl || memcmp(*p, key, kl) != 0 || (*p)[kl] != ' ')
        return -1;
    *v = *p + kl + 1;
    *n = (size_t)(nl - *v);
    *p = nl + 1;
    return 0;
}

static int unhex(const char *v, size_t n, uint8_t *out, size_t len)
{
    if (n != 2 * len)
        return -1;
    for (size_t i = 0; i < 2 * len; i++) {
        int d = v[i] >= '0' && v[i] <= '9' ? v[i] - '0' : v[i] >= 'a' && v[i] <= 'f' ? v[i] - 'a' + 10 : -1;
        if (d < 0)
            return -1;
        out[i / 2] = (uint8_t)(i % 2 ? out[i / 2] | d : d << 4);
    }
    return 0;
}

/* A number as rm_index_format writes it: decimal without a leading zero (one spelling each). */
static int number(const char *v, size_t n, uint64_t *out)
{
    return (n > 1 && v[0] == '0') || rm_http_u64(v, n, out) ? -1 : 0;
}

/* A validator line: "-" for none, else the value (an entity tag must be one). */
static int validator(const char *v, size_t n, char *out, size_t cap, int etag)
{
    out[0] = '\0';
    if (n == 1 && v[0] == '-')
        return 0;
    int weak;
    return etag ? rm_http_etag(v, n, out, cap, &weak) : rm_http_token_copy(v, n, out, cap);
}

int rm_index_parse(const char *text, size_t n, rm_index *x)
{
    memset(x, 0, sizeof *x);
    const char *p = text, *end = text + n, *v;
    size_t vn;
    if (n > RM_INDEX_TEXT_MAX || take_line(&p, end, "frost-cache-index", &v, &vn) || vn != 1 ||
        v[0] != '1')
        return -1;
    if (take_line(&p, end, "url", &v, &vn) || rm_http_token_copy(v, vn, x->url, sizeof x->url) ||
        memchr(v, ' ', vn))
        return -1;
    if (take_line(&p, end, "size", &v, &vn) || number(v, vn, &x->size))
        return -1;
    if (take_line(&p, end, "etag", &v, &vn) || validator(v, vn, x->etag, sizeof x->etag, 1))
        return -1;
    if (take_line(&p, end, "last-modified", &v, &vn) ||
        validator(v, vn, x->last_modified, sizeof x->last_modified, 0))
        return -1;
    if (take_line(&p, end, "header-size", &v, &vn) || number(v, vn, &x->header_size))
        return -1;
    if (take_line(&p, end, "digest", &v, &vn) || unhex(v, vn, x->digest, 16))
        return -1;
    if (take_line(&p, end, "footer", &v, &vn) || unhex(v, vn, x->footer, 32))
        return -1;
    /* what the runtime would refuse anyway, refused here so a bad entry is only a miss */
    if (p != end || x->header_size < FMT_SUPERBLOCK_SIZE || x->header_size > ((uint64_t)1 << 30) ||
        x->header_size + FMT_FOOTER_SIZE > x->size)
        return -1;
    return 0;
}

/* ---- files ---------------------------------------------------------------------------------- */

int rm_cache_open(rm_cache *c, const char *dir, fr_err *e)
{
    c->root[0] = '\0';
    if (!dir || !*dir)
        return 0;
    char path[sizeof c->root];
    int n = snprintf(path, sizeof path, "%s/frost-cache-v1", dir);
    if (n < 0 || (size_t)n >= sizeof path - 64)
        return fr_fail(e, FR_EINVAL, "FROST_CACHE_DIR: path too long");
    char index[sizeof path + 8];
    snprintf(index, sizeof index, "%s/index", path);
    const char *all[] = {dir, path, index};
    for (size_t i = 0; i < 3; i++)
        if (mkdir(all[i], 0777) != 0 && errno != EEXIST)
            return fr_fail(e, FR_EIO, "FROST_CACHE_DIR=%s: cannot create %s: %s", dir, all[i],
                           strerror(errno));
    memcpy(c->root, path, (size_t)n + 1);
    return 0;
}

/* Reads exactly size bytes of the file at path into dst: 1, else 0 (missing, other size). */
static int read_exact(const char *path, uint8_t *dst, uint64_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat st;
    int ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == size;
    uint64_t done = 0;
    while (ok && done < size) {
        ssize_t r = read(fd, dst + done, size - done > (1u << 30) ? (1u << 30) : size - done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            ok = 0;
        else
            done += (uint64_t)r;
    }
    close(fd);
    return ok;
}

/* Writes a file of the cache atomically, its directory made when missing. Not through
 * writer/outfile.c: the runtime and what it loads never call the writer (the layers), and the
 * cache needs less than a user's output does — a fresh name in its own directory, never a user's
 * file, link or device. A temporary file made with O_EXCL under a name no other writer uses,
 * renamed into place: a reader sees a whole file or none, and processes writing the same entry
 * at once write the same bytes. No fsync: an entry torn by a crash fails its check when read back
 * and is fetched again. Failures are ignored: the cache is an optimisation. */
static void store(const char *dir, const char *name, const void *a, size_t na)
{
    static _Atomic unsigned serial;
    char path[4400], tmp[4480];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return;
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%u", path, (long)getpid(),
             atomic_fetch_add(&serial, 1));
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0)
        return;
    const uint8_t *p = a;
    size_t done = 0;
    int ok = 1;
    while (ok && done < na) {
        ssize_t w = write(fd, p + done, na - done);
        if (w < 0 && errno == EINTR)
            continue;
        ok = w > 0;
        done += ok ? (size_t)w : 0;
    }
    if (close(fd) != 0)
        ok = 0;
    if (!ok || rename(tmp, path) != 0)
        unlink(tmp);
}

static void index_name(const char *url, char out[33])
{
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits(url, strlen(url)));
    hex(c.digest, 16, out);
}

int rm_cache_index_get(const rm_cache *c, const char *url, rm_index *x)
{
    if (!rm_cache_on(c))
        return 0;
    char name[33], path[4400], text[RM_INDEX_TEXT_MAX + 1];
    index_name(url, name);
    snprintf(path, sizeof path, "%s/index/%s", c->root, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, text, sizeof text);
    close(fd);
    return n > 0 && (size_t)n <= RM_INDEX_TEXT_MAX && rm_index_parse(text, (size_t)n, x) == 0 &&
           strcmp(x->url, url) == 0;
}

void rm_cache_index_put(const rm_cache *c, const rm_index *x)
{
    char name[33], dir[4400], text[RM_INDEX_TEXT_MAX];
    size_t n = rm_index_format(x, text, sizeof text);
    if (!rm_cache_on(c) || !n)
        return;
    index_name(x->url, name);
    snprintf(dir, sizeof dir, "%s/index", c->root);
    store(dir, name, text, n);
}

void rm_cache_index_drop(const rm_cache *c, const char *url)
{
    if (!rm_cache_on(c))
        return;
    char name[33], path[4400];
    index_name(url, name);
    snprintf(path, sizeof path, "%s/index/%s", c->root, name);
    unlink(path);
}

static void entry_dir(const rm_cache *c, const uint8_t digest[16], char *out, size_t cap)
{
    char d[33];
    hex(digest, 16, d);
    snprintf(out, cap, "%s/%s", c->root, d);
}

int rm_cache_header_get(const rm_cache *c, const uint8_t digest[16], uint8_t *buf, uint64_t size)
{
    if (!rm_cache_on(c))
        return 0;
    char dir[4400], path[4480];
    entry_dir(c, digest, dir, sizeof dir);
    snprintf(path, sizeof path, "%s/header", dir);
    if (!read_exact(path, buf, size))
        return 0;
    fr_err e;
    if (size >= FMT_SB_DIGEST + 16 && memcmp(buf + FMT_SB_DIGEST, digest, 16) == 0 &&
        fmt_header_digest_check(buf, size, &e) == 0)
        return 1;
    unlink(path);
    return 0;
}

void rm_cache_header_put(const rm_cache *c, const uint8_t digest[16], const uint8_t *buf,
                         uint64_t size)
{
    if (!rm_cache_on(c))
        return;
    char dir[4400];
    entry_dir(c, digest, dir, sizeof dir);
    store(dir, "header", buf, (size_t)size);
}

static void block_name(uint64_t checksum, uint32_t size, char *out, size_t cap)
{
    snprintf(out, cap, "%016" PRIx64 "-%" PRIu32, checksum, size);
}

int rm_cache_block_get(const rm_cache *c, const uint8_t digest[16], uint64_t checksum,
                       uint32_t size, uint8_t *dst)
{
    if (!rm_cache_on(c))
        return 0;
    char dir[4400], name[40], path[4480];
    entry_dir(c, digest, dir, sizeof dir);
    block_name(checksum, size, name, sizeof name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (!read_exact(path, dst, size))
        return 0;
    if (XXH3_64bits(dst, size) == checksum)
        return 1;
    unlink(path);
    return 0;
}

void rm_cache_block_put(const rm_cache *c, const uint8_t digest[16], uint64_t checksum,
                        const uint8_t *src, uint32_t size)
{
    if (!rm_cache_on(c) || XXH3_64bits(src, size) != checksum)
        return;
    char dir[4400], name[40];
    entry_dir(c, digest, dir, sizeof dir);
    block_name(checksum, size, name, sizeof name);
    store(dir, name, src, size);
}
