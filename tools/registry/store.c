/*
 * store.c — the registry's writes (store.h, REGISTRY.md). Every change is made in a temporary
 * file or directory beside its final name, synced, renamed into place, and the directory synced
 * (SQLite's "atomic commit" reasoning: the rename is the commit, the directory fsync makes it
 * durable). Temporary names start with ".tmp-", which no version, alias or model name may.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

#define TMP_PREFIX ".tmp-"

#define JOIN(out, e, ...)                                                                         \
    ((size_t)snprintf(out, sizeof out, __VA_ARGS__) >= sizeof out                                 \
         ? fr_fail(e, FR_ELIMIT, "registry path too long")                                        \
         : 0)

static void fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

static int write_all(int fd, const void *buf, size_t len, const char *path, fr_err *e)
{
    const char *p = buf;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return fr_fail(e, FR_EIO, "write error on %s: %s", path,
                           strerror(n < 0 ? errno : ENOSPC));
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* text into dir/name by a synced temporary file renamed over it (excl: linked, failing when
 * name exists), then dir synced. */
static int put_file(const char *dir, const char *name, const char *text, size_t len, int excl,
                    fr_err *e)
{
    char tmp[4096], final[4096];
    int rc;
    if ((rc = JOIN(tmp, e, "%s/" TMP_PREFIX "XXXXXX", dir)) ||
        (rc = JOIN(final, e, "%s/%s", dir, name)))
        return rc;
    int fd = mkstemp(tmp);
    if (fd < 0)
        return fr_fail(e, FR_EIO, "cannot write in %s: %s", dir, strerror(errno));
    rc = write_all(fd, text, len, final, e);
    if (!rc && (fchmod(fd, 0644) != 0 || fsync(fd) != 0))
        rc = fr_fail(e, FR_EIO, "write error on %s: %s", final, strerror(errno));
    if (close(fd) != 0 && !rc)
        rc = fr_fail(e, FR_EIO, "write error on %s: %s", final, strerror(errno));
    if (!rc && (excl ? link(tmp, final) : rename(tmp, final)) != 0)
        rc = fr_fail(e, FR_EIO, "cannot write %s: %s", final, strerror(errno));
    if (rc || excl)
        unlink(tmp);
    if (!rc)
        fsync_dir(dir);
    return rc;
}

/* Removes a directory of plain files (a version, or a dead push's leftovers). */
static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *ent;
        char p[4096];
        while ((ent = readdir(d)))
            if (strcmp(ent->d_name, ".") && strcmp(ent->d_name, "..") &&
                (size_t)snprintf(p, sizeof p, "%s/%s", path, ent->d_name) < sizeof p)
                unlink(p);
        closedir(d);
    }
    rmdir(path);
}

static int make_dir(const char *path, fr_err *e)
{
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return fr_fail(e, FR_EIO, "cannot create %s: %s", path, strerror(errno));
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return fr_fail(e, FR_EIO, "%s exists and is not a directory", path);
    return 0;
}

/* The root made a registry: created if missing; an existing one must be one already or empty. */
static int init_root(const char *root, fr_err *e)
{
    char marker[4096];
    int rc = make_dir(root, e);
    if (rc || (rc = JOIN(marker, e, "%s/" RT_REG_MARKER, root)))
        return rc;
    struct stat st;
    if (stat(marker, &st) == 0)
        return 0;
    DIR *d = opendir(root);
    if (!d)
        return fr_fail(e, FR_EIO, "cannot list %s: %s", root, strerror(errno));
    struct dirent *ent;
    int empty = 1;
    while ((ent = readdir(d)))
        if (strcmp(ent->d_name, ".") && strcmp(ent->d_name, "..") &&
            strncmp(ent->d_name, TMP_PREFIX, strlen(TMP_PREFIX)))
            empty = 0;
    closedir(d);
    if (!empty)
        return fr_fail(e, FR_EREFUSED, "%s is not a frost registry (no %s file) and not empty: "
                       "refusing to write in it", root, RT_REG_MARKER);
    rc = put_file(root, RT_REG_MARKER, RT_REG_MARKER_TEXT, strlen(RT_REG_MARKER_TEXT), 1, e);
    if (rc && stat(marker, &st) == 0) /* another writer made it first */
        rc = 0;
    return rc;
}

int reg_model_init(reg_model *m, const char *root, const char *name, int create, fr_err *e)
{
    memset(m, 0, sizeof *m);
    m->lock_fd = -1;
    if (!rt_reg_name_ok(name, strlen(name), 0))
        return fr_fail(e, FR_EINVAL, "'%s' is not a model name: 1 to %d of A-Z a-z 0-9 . _ -, "
                       "not starting with '.'", name, RT_REG_NAME_MAX);
    int rc;
    if ((size_t)snprintf(m->root, sizeof m->root, "%s", root) >= sizeof m->root ||
        (rc = JOIN(m->dir, e, "%s/%s", root, name)) ||
        (rc = JOIN(m->lock_path, e, "%s/lock", m->dir)))
        return fr_fail(e, FR_ELIMIT, "registry path too long");
    strcpy(m->name, name);
    char marker[4096];
    struct stat st;
    if ((rc = JOIN(marker, e, "%s/" RT_REG_MARKER, root)))
        return rc;
    if (!create) {
        if (stat(marker, &st) != 0)
            return fr_fail(e, FR_EINVAL, "%s is not a frost registry (no %s file)", root,
                           RT_REG_MARKER);
        if (stat(m->dir, &st) != 0)
            return fr_fail(e, FR_EINVAL, "registry %s has no model '%s'", root, name);
        return 0;
    }
    char sub[4096];
    if ((rc = init_root(root, e)) || (rc = make_dir(m->dir, e)) ||
        (rc = JOIN(sub, e, "%s/versions", m->dir)) || (rc = make_dir(sub, e)) ||
        (rc = JOIN(sub, e, "%s/aliases", m->dir)) || (rc = make_dir(sub, e)))
        return rc;
    fsync_dir(m->dir);
    fsync_dir(root);
    return 0;
}

/* ---- the lock -------------------------------------------------------------------------------- */

/* "pid 123 on host since 2024-…" from a lock file's text, for messages. */
static void describe_owner(int fd, char *out, size_t cap)
{
    char text[256];
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    long long pid = 0, since = 0;
    char host[128] = "?";
    if (n > 0) {
        text[n] = '\0';
        sscanf(text, "pid %lld host %127s since %lld", &pid, host, &since);
    }
    char when[32] = "?";
    time_t t = (time_t)since;
    struct tm tm;
    if (since > 0 && gmtime_r(&t, &tm))
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(out, cap, "pid %lld on %s, since %s", pid, host, when);
}

/* Clears what dead writers left: temporary directories and files (every one is dead: the lock
 * is held), and lock candidates of processes no longer running. */
static void clear_leftovers(reg_model *m)
{
    static const char *const subs[] = {"versions", "aliases", ""};
    for (size_t s = 0; s < sizeof subs / sizeof subs[0]; s++) {
        char dir[4096], p[4096];
        if ((size_t)snprintf(dir, sizeof dir, "%s%s%s", m->dir, *subs[s] ? "/" : "", subs[s]) >=
            sizeof dir)
            continue;
        DIR *d = opendir(dir);
        if (!d)
            continue;
        struct dirent *ent;
        while ((ent = readdir(d))) {
            if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, ent->d_name) >= sizeof p)
                continue;
            long long pid;
            if (*subs[s] && strncmp(ent->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0) {
                struct stat st;
                if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
                    remove_tree(p);
                else
                    unlink(p);
            } else if (!*subs[s] && sscanf(ent->d_name, "lock.tmp-%lld-", &pid) == 1 &&
                       kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
                unlink(p);
            }
        }
        closedir(d);
    }
}

int reg_lock(reg_model *m, int wait_ms, char *note, size_t note_cap, fr_err *e)
{
    note[0] = '\0';
    char cand[4096], host[128] = "?";
    int rc;
    if ((rc = JOIN(cand, e, "%s/lock.tmp-%ld-XXXXXX", m->dir, (long)getpid())))
        return rc;
    int fd = mkstemp(cand);
    if (fd < 0)
        return fr_fail(e, FR_EIO, "cannot write in %s: %s", m->dir, strerror(errno));
    gethostname(host, sizeof host - 1);
    host[strcspn(host, " \t\n")] = '\0';
    char text[256];
    int len = snprintf(text, sizeof text, "pid %ld\nhost %s\nsince %lld\n", (long)getpid(), host,
                       (long long)time(NULL));
    /* the candidate is flock'ed before it becomes the lock: no one ever sees the lock free */
    if ((rc = write_all(fd, text, (size_t)len, cand, e)) == 0 &&
        (fchmod(fd, 0644) != 0 || flock(fd, LOCK_EX | LOCK_NB) != 0))
        rc = fr_fail(e, FR_EIO, "cannot lock %s: %s", m->lock_path, strerror(errno));
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (!rc) {
        if (link(cand, m->lock_path) == 0)
            break;
        if (errno != EEXIST) {
            rc = fr_fail(e, FR_EIO, "cannot create %s: %s", m->lock_path, strerror(errno));
            break;
        }
        int held = open(m->lock_path, O_RDONLY | O_CLOEXEC);
        if (held < 0 && errno == ENOENT)
            continue; /* released meanwhile */
        if (held < 0) {
            rc = fr_fail(e, FR_EIO, "cannot open %s: %s", m->lock_path, strerror(errno));
            break;
        }
        struct stat a, b;
        if (flock(held, LOCK_EX | LOCK_NB) == 0) {
            /* its owner died (a live owner holds its flock until after it unlinks the lock):
             * remove it, if it is still the file we locked */
            if (fstat(held, &a) == 0 && lstat(m->lock_path, &b) == 0 && a.st_ino == b.st_ino &&
                a.st_dev == b.st_dev) {
                char who[200];
                describe_owner(held, who, sizeof who);
                unlink(m->lock_path);
                snprintf(note, note_cap, "removed the stale lock of a writer that no longer "
                         "runs (%s)", who);
            }
            close(held);
            continue;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        long ms = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
        if (ms >= wait_ms) {
            char who[200];
            describe_owner(held, who, sizeof who);
            rc = fr_fail(e, FR_EIO, "model '%s' is locked by another registry writer (%s; %s): "
                         "try again when it is done", m->name, who, m->lock_path);
        }
        close(held);
        if (!rc) {
            struct timespec pause = {0, 5 * 1000000};
            nanosleep(&pause, NULL);
        }
    }
    unlink(cand);
    if (rc) {
        close(fd);
        return rc;
    }
    m->lock_fd = fd;
    fsync_dir(m->dir);
    clear_leftovers(m);
    return 0;
}

void reg_unlock(reg_model *m)
{
    if (m->lock_fd < 0)
        return;
    unlink(m->lock_path);
    close(m->lock_fd);
    m->lock_fd = -1;
}

/* ---- listing ---------------------------------------------------------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(a, b);
}

int reg_versions(const reg_model *m, uint32_t *v, size_t cap, size_t *n, fr_err *e)
{
    char dir[4096];
    int rc;
    *n = 0;
    if ((rc = JOIN(dir, e, "%s/versions", m->dir)))
        return rc;
    DIR *d = opendir(dir);
    if (!d)
        return fr_fail(e, FR_EIO, "cannot list %s: %s", dir, strerror(errno));
    struct dirent *ent;
    size_t k = 0;
    while ((ent = readdir(d))) {
        const char *s = ent->d_name;
        size_t len = strlen(s);
        if (len == 0 || len > 9 || s[0] == '0' || strspn(s, "0123456789") != len)
            continue;
        if (k < cap)
            v[k] = (uint32_t)strtoul(s, NULL, 10);
        k++;
    }
    closedir(d);
    *n = k;
    qsort(v, k < cap ? k : cap, sizeof *v, cmp_u32);
    return 0;
}

static int list_names(const char *dir, int alias, char (*names)[RT_REG_NAME_MAX + 1], size_t cap,
                      size_t *n, int need_dir, fr_err *e)
{
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return fr_fail(e, FR_EIO, "cannot list %s: %s", dir, strerror(errno));
    struct dirent *ent;
    size_t k = 0;
    while ((ent = readdir(d))) {
        if (!rt_reg_name_ok(ent->d_name, strlen(ent->d_name), alias))
            continue;
        if (need_dir) {
            char p[4096];
            struct stat st;
            if ((size_t)snprintf(p, sizeof p, "%s/%s/versions", dir, ent->d_name) >= sizeof p ||
                stat(p, &st) != 0)
                continue;
        }
        if (k < cap)
            strcpy(names[k], ent->d_name);
        k++;
    }
    closedir(d);
    *n = k < cap ? k : cap;
    qsort(names, *n, sizeof *names, cmp_name);
    return 0;
}

int reg_aliases(const reg_model *m, char (*names)[RT_REG_NAME_MAX + 1], size_t cap, size_t *n,
                fr_err *e)
{
    char dir[4096];
    int rc = JOIN(dir, e, "%s/aliases", m->dir);
    return rc ? rc : list_names(dir, 1, names, cap, n, 0, e);
}

int reg_models(const char *root, char (*names)[RT_REG_NAME_MAX + 1], size_t cap, size_t *n,
               fr_err *e)
{
    return list_names(root, 0, names, cap, n, 1, e);
}

/* ---- aliases and versions ------------------------------------------------------------------- */

int reg_alias_read(const reg_model *m, const char *alias, rt_alias *a, fr_err *e)
{
    char path[4096], text[RT_REG_FILE_MAX + 1];
    size_t len;
    int rc;
    if ((rc = JOIN(path, e, "%s/aliases/%s", m->dir, alias)))
        return rc;
    if ((rc = rt_reg_read_file(path, text, sizeof text, &len, e)))
        return rc;
    if ((rc = rt_alias_parse(text, len, a, e)))
        return fr_wrap(e, "%s", path);
    return 0;
}

int reg_alias_write(reg_model *m, const char *alias, const rt_alias *a, fr_err *e)
{
    char dir[4096], text[RT_REG_FILE_MAX + 1];
    int rc = JOIN(dir, e, "%s/aliases", m->dir);
    if (rc)
        return rc;
    size_t len = rt_alias_format(a, text, sizeof text);
    if (!len)
        return fr_fail(e, FR_ELIMIT, "alias '%s' does not fit %d bytes", alias, RT_REG_FILE_MAX);
    return put_file(dir, alias, text, len, 0, e);
}

int reg_alias_set(reg_model *m, const char *alias, uint32_t v, fr_err *e)
{
    rt_alias old, a;
    fr_err ignore = {0};
    int had = reg_alias_read(m, alias, &old, &ignore) == 0;
    memset(&a, 0, sizeof a);
    a.target = v;
    a.since = (int64_t)time(NULL);
    if (had) {
        /* the former target first, then its own history, the oldest dropped past the bound */
        a.was[0] = old.target;
        a.was_since[0] = old.since;
        a.n_was = 1;
        for (uint32_t i = 0; i < old.n_was && a.n_was < RT_REG_HISTORY_MAX; i++, a.n_was++) {
            a.was[a.n_was] = old.was[i];
            a.was_since[a.n_was] = old.was_since[i];
        }
    }
    return reg_alias_write(m, alias, &a, e);
}

int reg_info_read(const reg_model *m, uint32_t v, rt_version_info *info, fr_err *e)
{
    char path[4096], text[RT_REG_FILE_MAX + 1];
    size_t len;
    int rc;
    if ((rc = JOIN(path, e, "%s/versions/%u/info", m->dir, (unsigned)v)) ||
        (rc = rt_reg_read_file(path, text, sizeof text, &len, e)))
        return rc;
    if ((rc = rt_version_info_parse(text, len, info, e)))
        return fr_wrap(e, "%s", path);
    return 0;
}

/* src copied into dst (created 0444 after writing), synced; its SHA-256 and size. */
static int copy_model(const char *src, const char *dst, char sha_hex[65], uint64_t *size,
                      fr_err *e)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return fr_fail(e, FR_EIO, "cannot open %s: %s", src, strerror(errno));
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) {
        int err = errno;
        close(in);
        return fr_fail(e, FR_EIO, "cannot write %s: %s", dst, strerror(err));
    }
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    static char buf[1 << 16];
    int rc = 0;
    *size = 0;
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = fr_fail(e, FR_EIO, "cannot read %s: %s", src, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        crypto_hash_sha256_update(&st, (const unsigned char *)buf, (unsigned long long)n);
        if ((rc = write_all(out, buf, (size_t)n, dst, e)))
            break;
        *size += (uint64_t)n;
    }
    close(in);
    if (!rc && (fchmod(out, 0444) != 0 || fsync(out) != 0))
        rc = fr_fail(e, FR_EIO, "write error on %s: %s", dst, strerror(errno));
    if (close(out) != 0 && !rc)
        rc = fr_fail(e, FR_EIO, "write error on %s: %s", dst, strerror(errno));
    uint8_t digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&st, digest);
    for (int i = 0; i < 32; i++)
        snprintf(sha_hex + 2 * i, 3, "%02x", digest[i]);
    return rc;
}

int reg_version_add(reg_model *m, uint32_t next, const char *src, rt_version_info *info,
                    int (*check)(const char *copy, void *ctx, fr_err *e), void *ctx, fr_err *e)
{
    char vdir[4096], tmp[4096], copy[4096], final[4096];
    int rc;
    if ((rc = JOIN(vdir, e, "%s/versions", m->dir)) ||
        (rc = JOIN(tmp, e, "%s/" TMP_PREFIX "XXXXXX", vdir)) ||
        (rc = JOIN(final, e, "%s/%u", vdir, (unsigned)next)))
        return rc;
    if (!mkdtemp(tmp))
        return fr_fail(e, FR_EIO, "cannot write in %s: %s", vdir, strerror(errno));
    chmod(tmp, 0755);
    info->version = next;
    info->pushed_at = (int64_t)time(NULL);
    if ((rc = JOIN(copy, e, "%s/model.frost", tmp)) ||
        (rc = copy_model(src, copy, info->sha256, &info->size, e)) ||
        (check && (rc = check(copy, ctx, e))))
        goto fail;
    char text[RT_REG_FILE_MAX + 1];
    int len = snprintf(text, sizeof text, "frost version 1\nversion %u\npushed_at %lld\nsize "
                       "%llu\nsha256 %s\n", (unsigned)next, (long long)info->pushed_at,
                       (unsigned long long)info->size, info->sha256);
    if (info->source[0] && strcspn(info->source, "\n") == strlen(info->source))
        len += snprintf(text + len, sizeof text - (size_t)len, "source %s\n", info->source);
    if (info->signed_by[0])
        len += snprintf(text + len, sizeof text - (size_t)len, "signed_by %s\n", info->signed_by);
    if ((rc = put_file(tmp, "info", text, (size_t)len, 1, e)))
        goto fail;
    fsync_dir(tmp);
    if (rename(tmp, final) != 0) {
        rc = fr_fail(e, FR_EIO, "cannot create %s: %s", final, strerror(errno));
        goto fail;
    }
    fsync_dir(vdir);
    return 0;
fail:
    remove_tree(tmp);
    return rc;
}

int reg_version_remove(reg_model *m, uint32_t v, fr_err *e)
{
    char vdir[4096], from[4096], to[4096];
    int rc;
    if ((rc = JOIN(vdir, e, "%s/versions", m->dir)) ||
        (rc = JOIN(from, e, "%s/%u", vdir, (unsigned)v)) ||
        (rc = JOIN(to, e, "%s/" TMP_PREFIX "gc-%u", vdir, (unsigned)v)))
        return rc;
    if (rename(from, to) != 0)
        return fr_fail(e, FR_EIO, "cannot remove %s: %s", from, strerror(errno));
    fsync_dir(vdir);
    remove_tree(to);
    return 0;
}
