/*
 * io.c — how block reads reach the kernel: batched io_uring, or pread (for a model opened by
 * URL, the network instead, through remote_link.c).
 *
 * io_uring follows the loop of liburing's examples/io_uring-cp.c: each request rides in
 * user_data, -EAGAIN/-EINTR completions are queued again, short reads are resumed from where they
 * stopped, and a read that returns 0 before its end is a truncation (never retried). On any hard
 * error the loop stops queueing, cancels the reads still in flight (IORING_OP_ASYNC_CANCEL) and
 * keeps reaping until every SQE it submitted has its CQE, so no buffer can be written by the
 * kernel after the call returns. Where io_uring cannot be set up (EPERM, ENOSYS,
 * ENOMEM in containers and sandboxes) AUTO falls back to pread without the caller noticing.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "internal.h"

#define RT_DEFAULT_QUEUE_DEPTH 1024u

static ssize_t faulted(const rt_io *io, const rt_req *r, ssize_t res)
{
    if (io->fault && io->fault->on_read)
        return io->fault->on_read(io->fault->ctx, r->offset + r->done, r->len - r->done, res);
    return res;
}

int rt_io_init(rt_io *io, int fd, frost_io_mode want, unsigned queue_depth,
               const fr_allocator *alloc, const rt_fault *fault, fr_err *e)
{
    memset(io, 0, sizeof *io);
    io->fd = fd;
    io->alloc = alloc;
    io->fault = fault;
    io->queue_depth = queue_depth ? queue_depth : RT_DEFAULT_QUEUE_DEPTH;
    if (io->queue_depth > 32768)
        io->queue_depth = 32768;
    if (want == FROST_IO_REMOTE)
        return fr_fail(e, FROST_EINVAL, "I/O mode FROST_IO_REMOTE is for URLs, not files");
    pthread_mutex_init(&io->ring_lock, NULL);
    if (want == FROST_IO_PREAD || want == FROST_IO_MMAP) {
        io->mode = FROST_IO_PREAD;
        return 0;
    }
    int rc = fault && fault->uring_setup_errno ? -fault->uring_setup_errno
                                               : io_uring_queue_init(io->queue_depth, &io->ring, 0);
    if (rc == 0) {
        io->ring_ok = 1;
        io->mode = FROST_IO_URING;
        return 0;
    }
    if (want == FROST_IO_URING)
        return fr_fail(e, FROST_EUNSUPPORTED, "io_uring is not available here: %s",
                       strerror(-rc));
    io->mode = FROST_IO_PREAD;
    return 0;
}

void rt_io_init_remote(rt_io *io, rt_remote_link *remote, const fr_allocator *alloc)
{
    memset(io, 0, sizeof *io);
    io->fd = -1;
    io->alloc = alloc;
    io->remote = remote;
    io->mode = FROST_IO_REMOTE;
    pthread_mutex_init(&io->ring_lock, NULL);
}

void rt_io_close(rt_io *io)
{
    if (io->ring_ok)
        io_uring_queue_exit(&io->ring);
    io->ring_ok = 0;
    pthread_mutex_destroy(&io->ring_lock);
}

static int read_pread(rt_io *io, rt_req *reqs, size_t n, rt_counters *c, fr_err *e)
{
    atomic_fetch_add(&c->submissions, 1);
    for (size_t i = 0; i < n; i++) {
        rt_req *r = &reqs[i];
        while (r->done < r->len) {
            ssize_t got = pread(io->fd, r->dst + r->done, r->len - r->done,
                                (off_t)(r->offset + r->done));
            if (got < 0)
                got = -errno;
            got = faulted(io, r, got);
            atomic_fetch_add(&c->reads, 1);
            if (got == -EINTR || got == -EAGAIN)
                continue;
            if (got < 0)
                return fr_fail(e, FROST_EIO, "read of %u bytes at offset %llu failed: %s",
                               r->len, (unsigned long long)r->offset, strerror((int)-got));
            if (got == 0)
                return fr_fail(e, FROST_ETRUNCATED,
                               "file ends at offset %llu, inside a block (truncated file)",
                               (unsigned long long)(r->offset + r->done));
            r->done += (uint32_t)got;
            atomic_fetch_add(&c->bytes_read, (uint64_t)got);
        }
    }
    return 0;
}

/* user_data of a cancel request: the index of the read it cancels, with this bit set */
#define RT_CANCEL_TAG (1ull << 63)

static int read_uring(rt_io *io, rt_req *reqs, size_t n, rt_counters *c, fr_err *e)
{
    /* todo holds the indices of requests waiting to be (re)queued; flying[i] is set from the
     * moment request i's read is placed in the SQ until its completion is reaped */
    size_t *todo = fr_malloc(io->alloc, n * sizeof *todo);
    uint8_t *flying = fr_calloc(io->alloc, n, 1);
    if (!todo || !flying) {
        fr_free(io->alloc, todo);
        fr_free(io->alloc, flying);
        return fr_fail(e, FROST_ENOMEM, "out of memory queueing %zu reads", n);
    }
    size_t n_todo = 0;
    for (size_t i = n; i-- > 0;)
        todo[n_todo++] = i;
    int rc = 0, broken = 0;
    size_t pending = 0;     /* SQEs (reads and cancels) the kernel took whose CQE is not reaped */
    size_t unsubmitted = 0; /* entries in the SQ the kernel has not taken yet */
    size_t cancel_at = 0;   /* once rc is set: the next request to consider cancelling */
    pthread_mutex_lock(&io->ring_lock);
    if (!io->ring_ok) {
        /* an earlier failure tore the ring down: this model reads with pread from now on */
        pthread_mutex_unlock(&io->ring_lock);
        fr_free(io->alloc, todo);
        fr_free(io->alloc, flying);
        return read_pread(io, reqs, n, c, e);
    }
    for (;;) {
        while (!rc && n_todo) {
            struct io_uring_sqe *sqe = io_uring_get_sqe(&io->ring);
            if (!sqe)
                break;
            size_t i = todo[--n_todo];
            rt_req *r = &reqs[i];
            int fd = io->fd;
            uint64_t off = r->offset + r->done;
            if (io->fault && io->fault->read_fd) {
                int alt = io->fault->read_fd(io->fault->ctx, r->offset, r->len);
                if (alt >= 0) {
                    fd = alt;
                    off = (uint64_t)-1; /* a pipe has no offset: read where it stands */
                }
            }
            io_uring_prep_read(sqe, fd, r->dst + r->done, r->len - r->done, off);
            io_uring_sqe_set_data64(sqe, (uint64_t)i);
            flying[i] = 1;
            unsubmitted++;
        }
        /* After a hard error the other reads of the batch are cancelled rather than awaited:
         * one may be stalled for as long as the device likes, and until its completion is
         * reaped the kernel may still write into a buffer the caller is about to free or
         * reuse. Each cancelled read still ends with its own CQE (-ECANCELED, or its result when
         * it finished first), which the reaping below waits for. */
        while (rc && !broken && cancel_at < n) {
            if (!flying[cancel_at]) {
                cancel_at++;
                continue;
            }
            struct io_uring_sqe *sqe = io_uring_get_sqe(&io->ring);
            if (!sqe)
                break; /* the SQ is full: submit below, then go on cancelling */
            io_uring_prep_cancel64(sqe, (uint64_t)cancel_at, 0);
            io_uring_sqe_set_data64(sqe, RT_CANCEL_TAG | (uint64_t)cancel_at);
            atomic_fetch_add(&c->cancels, 1);
            unsubmitted++;
            cancel_at++;
        }
        if (!pending && (!unsubmitted || broken))
            break;
        int sub;
        if (unsubmitted && !broken) {
            sub = io_uring_submit_and_wait(&io->ring, 1);
            atomic_fetch_add(&c->submissions, 1);
            if (sub > 0) {
                pending += (size_t)sub;
                atomic_fetch_add(&c->sqes, (uint64_t)sub);
                unsubmitted -= (size_t)sub < unsubmitted ? (size_t)sub : unsubmitted;
            }
        } else {
            struct io_uring_cqe *first;
            sub = io_uring_wait_cqe(&io->ring, &first);
        }
        if (sub < 0 && sub != -EINTR && sub != -EAGAIN && sub != -EBUSY) {
            if (!rc)
                rc = fr_fail(e, FROST_EIO, "io_uring failed: %s", strerror(-sub));
            if (unsubmitted)
                broken = 1; /* stale entries must never reach the kernel later */
            if (!pending)
                break;
            continue;
        }
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&io->ring, head, cqe) {
            seen++;
            pending--;
            atomic_fetch_add(&c->cqes, 1);
            uint64_t data = io_uring_cqe_get_data64(cqe);
            if (data & RT_CANCEL_TAG)
                continue; /* 0, -ENOENT (already done) or -EALREADY: the read's CQE decides */
            size_t i = (size_t)data;
            rt_req *r = &reqs[i];
            flying[i] = 0;
            ssize_t res = faulted(io, r, cqe->res);
            atomic_fetch_add(&c->reads, 1);
            if (res == -EAGAIN || res == -EINTR) {
                todo[n_todo++] = i;
            } else if (res == -ECANCELED && rc) {
                /* cancelled by us after the error already reported */
            } else if (res < 0) {
                if (!rc)
                    rc = fr_fail(e, FROST_EIO, "read of %u bytes at offset %llu failed: %s",
                                 r->len, (unsigned long long)r->offset, strerror((int)-res));
            } else if (res == 0) {
                if (!rc)
                    rc = fr_fail(e, FROST_ETRUNCATED,
                                 "file ends at offset %llu, inside a block (truncated file)",
                                 (unsigned long long)(r->offset + r->done));
            } else {
                r->done += (uint32_t)res;
                atomic_fetch_add(&c->bytes_read, (uint64_t)res);
                if (r->done < r->len)
                    todo[n_todo++] = i;
            }
        }
        io_uring_cq_advance(&io->ring, seen);
    }
    if (broken || unsubmitted) {
        io_uring_queue_exit(&io->ring);
        io->ring_ok = 0;
    }
    pthread_mutex_unlock(&io->ring_lock);
    fr_free(io->alloc, todo);
    fr_free(io->alloc, flying);
    return rc;
}

int rt_io_read(rt_io *io, rt_req *reqs, size_t n, rt_counters *c, fr_err *e)
{
    if (n == 0)
        return 0;
    if (io->remote)
        return rt_remote_read(io->remote, reqs, n, c, e);
    if (io->mode == FROST_IO_URING)
        return read_uring(io, reqs, n, c, e);
    return read_pread(io, reqs, n, c, e);
}

int rt_read_small(int fd, char *buf, size_t max, size_t *len, const char *path, fr_err *e)
{
    size_t n = 0;
    int rc = 0;
    for (;;) {
        /* one byte beyond max is asked for, so a larger file is seen without reading it all */
        ssize_t got = read(fd, buf + n, max + 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = fr_fail(e, FR_EIO, "cannot read %s: %s", path, strerror(errno));
            break;
        }
        if (got == 0)
            break;
        n += (size_t)got;
        if (n > max) {
            rc = fr_fail(e, FR_ELIMIT, "%s is larger than %zu bytes", path, max);
            break;
        }
    }
    *len = n;
    return rc;
}
