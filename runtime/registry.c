/*
 * registry.c — resolving registry references and parsing the registry's small text files
 * (REGISTRY.md). No lock is taken and nothing is
 * allocated: the files are read into the caller's or the stack's bounded buffers, directories
 * are listed with getdents64. Writers are in tools/registry/.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "registry.h"
#include "url.h"

/* Seconds up to 9999-12-31T23:59:59Z: the times a registry records. */
#define RT_REG_TIME_MAX 253402300799LL

int rt_reg_name_ok(const char *s, size_t n, int alias)
{
    if (n == 0 || n > RT_REG_NAME_MAX || s[0] == '.')
        return 0;
    int digits = 1;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-';
        if (!ok)
            return 0;
        digits &= c >= '0' && c <= '9';
    }
    return !(alias && digits);
}

/* A decimal number without sign or leading zeros, at most max. */
static int parse_uint(const char *s, size_t n, uint64_t max, uint64_t *out)
{
    if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
        return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (max - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

/* Splits text into lines, each ending in '\n' (a last line without one is a truncated file). */
typedef struct lines {
    const char *p, *end;
    const char *what;
    fr_err *e;
    unsigned no;       /* 1-based number of the line just taken */
} lines;

static int next_line(lines *L, const char **s, size_t *n)
{
    if (L->p == L->end)
        return 0;
    const char *nl = memchr(L->p, '\n', (size_t)(L->end - L->p));
    L->no++;
    if (!nl)
        return fr_fail(L->e, FR_ETRUNCATED, "%s: line %u does not end (truncated file)", L->what,
                       L->no);
    *s = L->p;
    *n = (size_t)(nl - L->p);
    L->p = nl + 1;
    for (size_t i = 0; i < *n; i++)
        if ((unsigned char)(*s)[i] < 0x20 || (*s)[i] == 0x7f)
            return fr_fail(L->e, FR_ECORRUPT, "%s: line %u holds a control character", L->what,
                           L->no);
    return 1;
}

static int line_is(const char *s, size_t n, const char *want)
{
    return n == strlen(want) && memcmp(s, want, n) == 0;
}

/* "WORD V T": a version and a time. */
static int version_time(lines *L, const char *s, size_t n, const char *word, uint32_t *v,
                        int64_t *t)
{
    size_t wl = strlen(word);
    const char *sp = n > wl ? memchr(s + wl + 1, ' ', n - wl - 1) : NULL;
    uint64_t vv, tt;
    if (n <= wl || memcmp(s, word, wl) != 0 || s[wl] != ' ' || !sp ||
        !parse_uint(s + wl + 1, (size_t)(sp - s - wl - 1), RT_REG_VERSION_MAX, &vv) || vv == 0 ||
        !parse_uint(sp + 1, (size_t)(s + n - sp - 1), RT_REG_TIME_MAX, &tt))
        return fr_fail(L->e, FR_ECORRUPT, "%s: line %u is not \"%s VERSION TIME\"", L->what,
                       L->no, word);
    *v = (uint32_t)vv;
    *t = (int64_t)tt;
    return 0;
}

int rt_alias_parse(const char *text, size_t len, rt_alias *out, fr_err *e)
{
    memset(out, 0, sizeof *out);
    if (len > RT_REG_FILE_MAX)
        return fr_fail(e, FR_ELIMIT, "alias file: %zu bytes, more than %d", len, RT_REG_FILE_MAX);
    lines L = {.p = text, .end = text + len, .what = "alias file", .e = e};
    const char *s;
    size_t n;
    int rc = next_line(&L, &s, &n);
    if (rc <= 0)
        return rc < 0 ? rc : fr_fail(e, FR_ETRUNCATED, "alias file: empty");
    if (!line_is(s, n, "frost alias 1"))
        return fr_fail(e, FR_EFORMAT, "alias file: does not start with \"frost alias 1\"");
    rc = next_line(&L, &s, &n);
    if (rc <= 0)
        return rc < 0 ? rc : fr_fail(e, FR_ETRUNCATED, "alias file: no target line");
    if ((rc = version_time(&L, s, n, "target", &out->target, &out->since)))
        return rc;
    while ((rc = next_line(&L, &s, &n)) > 0) {
        if (out->n_was == RT_REG_HISTORY_MAX)
            return fr_fail(e, FR_ELIMIT, "alias file: more than %d earlier targets",
                           RT_REG_HISTORY_MAX);
        if ((rc = version_time(&L, s, n, "was", &out->was[out->n_was],
                               &out->was_since[out->n_was])))
            return rc;
        out->n_was++;
    }
    return rc;
}

size_t rt_alias_format(const rt_alias *a, char *buf, size_t cap)
{
    int at = snprintf(buf, cap, "frost alias 1\ntarget %u %lld\n", a->target,
                      (long long)a->since);
    for (uint32_t i = 0; at >= 0 && (size_t)at < cap && i < a->n_was; i++)
        at += snprintf(buf + at, cap - (size_t)at, "was %u %lld\n", a->was[i],
                       (long long)a->was_since[i]);
    return at >= 0 && (size_t)at < cap ? (size_t)at : 0;
}

static int is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

int rt_version_info_parse(const char *text, size_t len, rt_version_info *out, fr_err *e)
{
    memset(out, 0, sizeof *out);
    if (len > RT_REG_FILE_MAX)
        return fr_fail(e, FR_ELIMIT, "version info: %zu bytes, more than %d", len,
                       RT_REG_FILE_MAX);
    lines L = {.p = text, .end = text + len, .what = "version info", .e = e};
    const char *s;
    size_t n;
    int rc = next_line(&L, &s, &n);
    if (rc <= 0)
        return rc < 0 ? rc : fr_fail(e, FR_ETRUNCATED, "version info: empty");
    if (!line_is(s, n, "frost version 1"))
        return fr_fail(e, FR_EFORMAT, "version info: does not start with \"frost version 1\"");
    enum { F_VERSION = 1, F_PUSHED = 2, F_SIZE = 4, F_SHA = 8, F_SOURCE = 16, F_SIGNED = 32 };
    unsigned seen = 0;
    while ((rc = next_line(&L, &s, &n)) > 0) {
        const char *sp = memchr(s, ' ', n);
        size_t kl = sp ? (size_t)(sp - s) : n;
        int key_ok = kl >= 1 && kl <= 32;
        for (size_t i = 0; key_ok && i < kl; i++)
            key_ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_';
        if (!sp || !key_ok)
            return fr_fail(e, FR_ECORRUPT, "version info: line %u is not \"KEY VALUE\"", L.no);
        const char *v = sp + 1;
        size_t vl = (size_t)(s + n - v);
        unsigned bit = line_is(s, kl, "version")     ? F_VERSION
                       : line_is(s, kl, "pushed_at") ? F_PUSHED
                       : line_is(s, kl, "size")      ? F_SIZE
                       : line_is(s, kl, "sha256")    ? F_SHA
                       : line_is(s, kl, "source")    ? F_SOURCE
                       : line_is(s, kl, "signed_by") ? F_SIGNED
                                                     : 0;
        if (!bit)
            continue; /* a key a newer frost writes */
        if (seen & bit)
            return fr_fail(e, FR_ECORRUPT, "version info: line %u repeats %.*s", L.no, (int)kl,
                           s);
        seen |= bit;
        uint64_t u;
        int ok = 1;
        switch (bit) {
        case F_VERSION:
            ok = parse_uint(v, vl, RT_REG_VERSION_MAX, &u) && u >= 1;
            out->version = (uint32_t)u;
            break;
        case F_PUSHED:
            ok = parse_uint(v, vl, RT_REG_TIME_MAX, &u);
            out->pushed_at = (int64_t)u;
            break;
        case F_SIZE:
            ok = parse_uint(v, vl, UINT64_MAX, &out->size);
            break;
        case F_SHA:
            ok = vl == 64 && is_hex(v, vl);
            if (ok)
                memcpy(out->sha256, v, 64);
            break;
        case F_SOURCE:
            ok = vl < sizeof out->source;
            if (ok)
                memcpy(out->source, v, vl);
            break;
        case F_SIGNED:
            ok = vl == 16 && is_hex(v, vl);
            if (ok)
                memcpy(out->signed_by, v, 16);
            break;
        }
        if (!ok)
            return fr_fail(e, FR_ECORRUPT, "version info: line %u: bad %.*s value", L.no, (int)kl,
                           s);
    }
    if (rc < 0)
        return rc;
    if ((seen & (F_VERSION | F_PUSHED | F_SIZE | F_SHA)) != (F_VERSION | F_PUSHED | F_SIZE | F_SHA))
        return fr_fail(e, FR_ECORRUPT, "version info: version, pushed_at, size or sha256 missing");
    return 0;
}

int rt_reg_read_file(const char *path, char *buf, size_t cap, size_t *len, fr_err *e)
{
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return fr_fail(e, errno == ENOENT ? FR_EINVAL : FR_EIO, "cannot open %s: %s", path,
                       strerror(errno));
    int rc = cap > RT_REG_FILE_MAX ? rt_read_small(fd, buf, RT_REG_FILE_MAX, len, path, e)
                                   : fr_fail(e, FR_EINVAL, "registry file buffer too small");
    close(fd);
    return rc;
}

/* The linux_dirent64 records getdents64 returns (getdents64(2)). */
struct dirent64_rec {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

int rt_reg_latest(const char *model_dir, uint32_t *out, fr_err *e)
{
    char path[4096];
    *out = 0;
    if ((size_t)snprintf(path, sizeof path, "%s/versions", model_dir) >= sizeof path)
        return fr_fail(e, FR_ELIMIT, "registry path too long");
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : fr_fail(e, FR_EIO, "cannot list %s: %s", path,
                                            strerror(errno));
    _Alignas(8) char buf[4096];
    int rc = 0;
    for (;;) {
        long got = syscall(SYS_getdents64, fd, buf, sizeof buf);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = fr_fail(e, FR_EIO, "cannot list %s: %s", path, strerror(errno));
            break;
        }
        if (got == 0)
            break;
        for (long at = 0; at < got;) {
            const struct dirent64_rec *d = (const struct dirent64_rec *)(void *)(buf + at);
            uint64_t v;
            if ((d->d_type == DT_DIR || d->d_type == DT_UNKNOWN) &&
                parse_uint(d->d_name, strlen(d->d_name), RT_REG_VERSION_MAX, &v) && v > *out)
                *out = (uint32_t)v;
            at += d->d_reclen;
        }
    }
    close(fd);
    return rc;
}

/* Joins parts into out: FR_ELIMIT when it does not fit. */
#define JOIN(out, e, ...)                                                                         \
    ((size_t)snprintf(out, sizeof out, __VA_ARGS__) >= sizeof out                                 \
         ? fr_fail(e, FR_ELIMIT, "registry path too long")                                        \
         : 0)

int rt_reg_resolve(const char *ref, char *out, size_t cap, uint32_t *version, fr_err *e)
{
    const char *slash = strrchr(ref, '/');
    const char *base = slash ? slash + 1 : ref;
    const char *at = strchr(base, '@');
    struct stat st;
    if (!at || stat(ref, &st) == 0)
        return 0; /* a plain path: a file that exists wins over the reading as a reference */
    const char *r = at + 1;
    size_t nl = (size_t)(at - base), rl = strlen(r);
    uint64_t v = 0;
    int numeric = parse_uint(r, rl, RT_REG_VERSION_MAX, &v);
    if (!rt_reg_name_ok(base, nl, 0) || !(numeric ? v >= 1 : rt_reg_name_ok(r, rl, 1)))
        return 0; /* not the shape of a reference: the open fails on the path as it is */
    char root[4096], dir[4096], path[4096];
    int rc;
    if (slash) {
        size_t len = (size_t)(slash - ref);
        if (len >= sizeof root)
            return fr_fail(e, FR_ELIMIT, "registry path too long");
        memcpy(root, ref, len ? len : 1); /* "/NAME@x": the root is "/" */
        root[len ? len : 1] = '\0';
    } else {
        strcpy(root, ".");
    }
    if ((rc = JOIN(path, e, "%s/%s", root, RT_REG_MARKER)))
        return rc;
    if (stat(path, &st) != 0)
        return fr_fail(e, FR_EIO, "cannot open %s: no such file, and %s is not a frost registry "
                       "(no %s file)", ref, root, RT_REG_MARKER);
    if ((rc = JOIN(dir, e, "%s/%.*s", root, (int)nl, base)))
        return rc;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return fr_fail(e, FR_EINVAL, "%s: registry %s has no model '%.*s'", ref, root, (int)nl,
                       base);
    if (!numeric && strcmp(r, "latest") == 0) {
        uint32_t latest;
        if ((rc = rt_reg_latest(dir, &latest, e)))
            return rc;
        if (!latest)
            return fr_fail(e, FR_EINVAL, "%s: model '%.*s' has no versions yet", ref, (int)nl,
                           base);
        v = latest;
    } else if (!numeric) {
        char text[RT_REG_FILE_MAX + 1];
        size_t len;
        rt_alias a;
        if ((rc = JOIN(path, e, "%s/aliases/%s", dir, r)))
            return rc;
        if (stat(path, &st) != 0)
            return fr_fail(e, FR_EINVAL, "%s: model '%.*s' has no alias '%s'", ref, (int)nl, base,
                           r);
        if ((rc = rt_reg_read_file(path, text, sizeof text, &len, e)) ||
            (rc = rt_alias_parse(text, len, &a, e)))
            return fr_wrap(e, "%s", path);
        v = a.target;
    }
    if ((size_t)snprintf(out, cap, "%s/versions/%u/model.frost", dir, (unsigned)v) >= cap)
        return fr_fail(e, FR_ELIMIT, "registry path too long");
    if (stat(out, &st) != 0)
        return fr_fail(e, FR_EINVAL, numeric ? "%s: model '%.*s' has no version %u"
                                             : "%s: model '%.*s': the alias names version %u, "
                                               "which the registry no longer holds",
                       ref, (int)nl, base, (unsigned)v);
    if (version)
        *version = (uint32_t)v;
    return 1;
}
