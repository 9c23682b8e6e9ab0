/*
 * outfile.c — wr_out: every file frost writes, written so that a failure never costs the user
 * what was there before (the rules are in outfile.h). It owns the resolution of PATH (links,
 * devices, the process's own descriptors), the temporary file and its rename, and the errors.
 */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"


/* Linux's own bound on a chain of symbolic links (path_resolution(7)). */
#define MAX_LINK_HOPS 40

static char *dup_str(const fr_allocator *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = fr_malloc(a, n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* The descriptor a name stands for (/dev/stdout, /dev/fd/3, /proc/self/fd/3), or -1. Opening
 * such a name would reopen the file behind the descriptor from offset 0 (or, for a pipe, go
 * through a link that names no file), so the descriptor itself is duplicated instead. */
static int fd_name(const char *p)
{
    if (strcmp(p, "/dev/stdout") == 0)
        return 1;
    if (strcmp(p, "/dev/stderr") == 0)
        return 2;
    if (strcmp(p, "/dev/stdin") == 0)
        return 0;
    const char *digits = strncmp(p, "/dev/fd/", 8) == 0          ? p + 8
                         : strncmp(p, "/proc/self/fd/", 14) == 0 ? p + 14
                                                                 : NULL;
    if (!digits || !*digits)
        return -1;
    long n = 0;
    for (const char *q = digits; *q; q++) {
        if (*q < '0' || *q > '9' || n > INT_MAX / 10)
            return -1;
        n = n * 10 + (*q - '0');
    }
    return n <= INT_MAX ? (int)n : -1;
}

/* The text of link `p` (allocated with a), made absolute-or-relative-to-the-link's-directory. */
static char *follow(const fr_allocator *a, const char *p, fr_err *e, const char *path)
{
    size_t cap = 256;
    char *buf = NULL;
    for (;;) {
        char *grown = fr_realloc(a, buf, cap);
        if (!grown) {
            fr_free(a, buf);
            fr_fail(e, FR_ENOMEM, "out of memory");
            return NULL;
        }
        buf = grown;
        ssize_t n = readlink(p, buf, cap);
        if (n < 0) {
            fr_fail(e, FR_EIO, "cannot write %s: %s", path, strerror(errno));
            fr_free(a, buf);
            return NULL;
        }
        if ((size_t)n < cap) {
            buf[n] = '\0';
            break;
        }
        cap *= 2;
    }
    if (buf[0] == '/')
        return buf;
    const char *slash = strrchr(p, '/');
    size_t dlen = slash ? (size_t)(slash - p) + 1 : 0; /* keeps the slash */
    char *joined = fr_malloc(a, dlen + strlen(buf) + 1);
    if (!joined) {
        fr_free(a, buf);
        fr_fail(e, FR_ENOMEM, "out of memory");
        return NULL;
    }
    memcpy(joined, p, dlen);
    strcpy(joined + dlen, buf);
    fr_free(a, buf);
    return joined;
}

/* Follows PATH through symbolic links to the name that is finally written: *target (allocated
 * with a) with its lstat in *st and *exists, or a descriptor name (*fd_num >= 0, *target NULL). */
static int resolve(const fr_allocator *a, const char *path, char **target, struct stat *st,
                   int *exists, int *fd_num, fr_err *e)
{
    *target = NULL;
    *exists = 0;
    *fd_num = -1;
    char *cur = dup_str(a, path);
    if (!cur)
        return fr_fail(e, FR_ENOMEM, "out of memory");
    for (int hops = 0;; hops++) {
        if ((*fd_num = fd_name(cur)) >= 0) {
            fr_free(a, cur);
            return 0;
        }
        if (lstat(cur, st) != 0) {
            if (errno != ENOENT) {
                int err = errno;
                fr_free(a, cur);
                return fr_fail(e, FR_EIO, "cannot write %s: %s", path, strerror(err));
            }
            *target = cur; /* a new file, or a dangling link's target: created */
            return 0;
        }
        if (!S_ISLNK(st->st_mode)) {
            *exists = 1;
            *target = cur;
            return 0;
        }
        if (hops == MAX_LINK_HOPS) {
            fr_free(a, cur);
            return fr_fail(e, FR_EIO, "cannot write %s: %s", path, strerror(ELOOP));
        }
        char *next = follow(a, cur, e, path);
        fr_free(a, cur);
        if (!next)
            return e ? e->code : FR_EIO;
        cur = next;
    }
}

/* A name for the temporary file in target's directory: "TARGET.tmp.XXXXXX", or, where that
 * would exceed the longest file name, ".frost.tmp.XXXXXX" in the same directory. The X are
 * filled in by create_tmp. */
static char *tmp_template(const fr_allocator *a, const char *target)
{
    const char *slash = strrchr(target, '/');
    const char *base = slash ? slash + 1 : target;
    size_t dlen = (size_t)(base - target);
    const char *suffix = ".tmp.XXXXXX";
    int own = strlen(base) + strlen(suffix) <= NAME_MAX;
    size_t n = dlen + (own ? strlen(base) : strlen(".frost")) + strlen(suffix) + 1;
    char *t = fr_malloc(a, n);
    if (!t)
        return NULL;
    memcpy(t, target, dlen);
    snprintf(t + dlen, n - dlen, "%s%s", own ? base : ".frost", suffix);
    return t;
}

/* Creates the temporary file exclusively with mode 0666, which the kernel narrows by the umask
 * and any default ACL exactly as for any new file (mkstemp would force 0600). */
static int create_tmp(char *tmp)
{
    static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    static _Atomic uint64_t counter;
    char *x = tmp + strlen(tmp) - 6;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
                    ((uint64_t)getpid() << 40) ^ (uint64_t)(uintptr_t)tmp;
    for (int attempt = 0; attempt < 100; attempt++) {
        uint64_t v = seed + 0x9e3779b97f4a7c15ull * (++counter + (uint64_t)attempt);
        v ^= v >> 31;
        v *= 0xbf58476d1ce4e5b9ull;
        v ^= v >> 29;
        for (int i = 0; i < 6; i++, v /= 62)
            x[i] = chars[v % 62];
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

static void release(wr_out *o)
{
    fr_free(o->alloc, o->path);
    fr_free(o->alloc, o->target);
    fr_free(o->alloc, o->tmp);
    o->path = o->target = o->tmp = NULL;
    o->file = NULL;
    o->fd = -1;
}

int wr_out_open(wr_out *o, const char *path, const fr_allocator *a, fr_err *e)
{
    memset(o, 0, sizeof *o);
    o->fd = -1;
    o->alloc = a;
    if (!path || !*path)
        return fr_fail(e, FR_EINVAL, "no output path");
    struct stat st;
    int exists, fd_num;
    char *target;
    int rc = resolve(a, path, &target, &st, &exists, &fd_num, e);
    if (rc)
        return rc;
    o->path = dup_str(a, path);
    if (!o->path) {
        fr_free(a, target);
        return fr_fail(e, FR_ENOMEM, "out of memory");
    }
    if (fd_num >= 0) {
        o->direct = 1;
        o->fd = fcntl(fd_num, F_DUPFD_CLOEXEC, 3);
        if (o->fd < 0) {
            rc = fr_fail(e, FR_EIO, "cannot write %s: %s", path, strerror(errno));
            release(o);
        }
        return rc;
    }
    if (exists && S_ISDIR(st.st_mode)) {
        fr_free(a, target);
        release(o);
        return fr_fail(e, FR_EIO, "cannot write %s: %s", path, strerror(EISDIR));
    }
    if (exists && !S_ISREG(st.st_mode)) {
        /* a device, FIFO or socket: its own file, never truncated, replaced or removed */
        o->direct = 1;
        o->fd = open(target, O_WRONLY | O_NOCTTY | O_CLOEXEC);
        int err = errno;
        fr_free(a, target);
        if (o->fd < 0) {
            release(o);
            return fr_fail(e, FR_EIO, "cannot write %s: %s", path, strerror(err));
        }
        return 0;
    }
    o->target = target;
    o->tmp = tmp_template(a, target);
    if (!o->tmp) {
        release(o);
        return fr_fail(e, FR_ENOMEM, "out of memory");
    }
    o->fd = create_tmp(o->tmp);
    if (o->fd < 0) {
        rc = fr_fail(e, FR_EIO, "cannot write %s: %s", path, strerror(errno));
        release(o);
        return rc;
    }
    if (exists) {
        /* the replacement is the same file to everyone who could use it before: owner (where
         * this process may give it) first, since chown clears set-id bits, then the mode */
        if ((st.st_uid != geteuid() || st.st_gid != getegid()) &&
            fchown(o->fd, st.st_uid, st.st_gid) != 0)
            (void)!fchown(o->fd, (uid_t)-1, st.st_gid); /* not root: the group at least */
        if (fchmod(o->fd, st.st_mode & 07777) != 0) {
            rc = fr_fail(e, FR_EIO, "cannot write %s: cannot keep its mode: %s", path,
                         strerror(errno));
            wr_out_abort(o);
            return rc;
        }
    }
    return 0;
}

/* write(2) on a FIFO or socket whose reader is gone raises SIGPIPE, which would end the whole
 * process without a word; with the signal blocked on this thread the write fails with EPIPE
 * instead, and a SIGPIPE this write left pending is consumed before the mask is restored. */
static ssize_t write_nosigpipe(int fd, const void *buf, size_t len)
{
    sigset_t pipe_set, old, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigpending(&pending);
    int was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    ssize_t n = write(fd, buf, len);
    int err = errno;
    if (n < 0 && err == EPIPE && !was_pending) {
        const struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
            ;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = err;
    return n;
}

int wr_out_write(wr_out *o, const void *buf, size_t len, fr_err *e)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = o->direct ? write_nosigpipe(o->fd, p, len) : write(o->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fr_fail(e, FR_EIO, "write error on %s: %s", o->path, strerror(errno));
        if (n == 0) /* a regular file or device that takes nothing: no space */
            return fr_fail(e, FR_EIO, "write error on %s: %s", o->path, strerror(ENOSPC));
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

FILE *wr_out_file(wr_out *o, fr_err *e)
{
    if (o->file)
        return o->file;
    o->file = fdopen(o->fd, "w");
    if (!o->file)
        fr_fail(e, FR_ENOMEM, "cannot write %s: %s", o->path, strerror(errno));
    return o->file;
}

int wr_out_commit(wr_out *o, fr_err *e)
{
    int rc = 0;
    if (o->file) {
        errno = 0;
        int failed = fflush(o->file) != 0;
        int err = errno;
        /* an earlier failed write is remembered by the stream even when the flush succeeds */
        if (failed || ferror(o->file))
            rc = fr_fail(e, FR_EIO, "write error on %s: %s", o->path,
                         strerror(failed && err ? err : EIO));
    }
    /* a device may not support fsync (EINVAL); a regular file's fsync error is a lost write */
    if (!rc && !o->direct && fsync(o->fd) != 0)
        rc = fr_fail(e, FR_EIO, "write error on %s: %s", o->path, strerror(errno));
    int closed = o->file ? fclose(o->file) : close(o->fd);
    if (closed != 0 && !rc)
        rc = fr_fail(e, FR_EIO, "write error on %s: %s", o->path, strerror(errno));
    o->file = NULL;
    o->fd = -1;
    if (!rc && o->tmp && rename(o->tmp, o->target) != 0)
        rc = fr_fail(e, FR_EIO, "cannot write %s: %s", o->path, strerror(errno));
    if (rc) {
        if (o->tmp)
            unlink(o->tmp);
        release(o);
        return rc;
    }
    if (o->tmp) {
        /* the rename itself is durable only once the directory is synced */
        char *slash = strrchr(o->target, '/');
        if (slash == o->target)
            slash++; /* a file in "/" */
        if (slash)
            *slash = '\0';
        int dfd = open(slash ? o->target : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    release(o);
    return 0;
}

void wr_out_abort(wr_out *o)
{
    if (o->file)
        fclose(o->file);
    else if (o->fd >= 0)
        close(o->fd);
    if (o->tmp)
        unlink(o->tmp);
    release(o);
}

int wr_out_is_input(const char *out_path, const char *in_path)
{
    struct stat so, si;
    if (!out_path || !in_path || stat(in_path, &si) != 0 || stat(out_path, &so) != 0)
        return 0;
    return S_ISREG(si.st_mode) && si.st_dev == so.st_dev && si.st_ino == so.st_ino;
}
