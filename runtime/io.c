/*
 * io.c — how block reads reach the kernel: batched io_uring, or pread.
 *
 * io_uring follows the loop of liburing's examples/io_uring-cp.c: each request rides in
 * user_data, -EAGAIN/-EINTR completions are queued again, short reads are resumed from where they
 * stopped, and a read that returns 0 before its end is a truncation (never retried). On any hard
 * error the loop stops queueing but keeps reaping until nothing is in flight, so no buffer can be
 * written by the kernel after the call returns. Where io_uring cannot be set up (EPERM, ENOSYS,
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

int rt_io_init(rt_io *io, int fd, frost_io_mode want, unsigned queue_depth, const rt_fault *fault,
               fr_err *e)
{
    memset(io, 0, sizeof *io);
    io->fd = fd;
    io->fault = fault;
    io->queue_depth = queue_depth ? queue_depth : RT_DEFAULT_QUEUE_DEPTH;
    if (io->queue_depth > 32768)
        io->queue_depth = 32768;
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

static int read_uring(rt_io *io, rt_req *reqs, size_t n, rt_counters *c, fr_err *e)
{
    /* todo holds the indices of requests waiting to be (re)queued */
    size_t *todo = malloc(n * sizeof *todo);
    if (!todo)
        return fr_fail(e, FROST_ENOMEM, "out of memory queueing %zu reads", n);
    size_t n_todo = 0, inflight = 0;
    for (size_t i = n; i-- > 0;)
        todo[n_todo++] = i;
    int rc = 0, broken = 0;
    size_t unsubmitted = 0; /* entries in the SQ the kernel has not taken yet */
    pthread_mutex_lock(&io->ring_lock);
    if (!io->ring_ok) {
        /* an earlier failure tore the ring down: this model reads with pread from now on */
        pthread_mutex_unlock(&io->ring_lock);
        free(todo);
        return read_pread(io, reqs, n, c, e);
    }
    for (;;) {
        while (!rc && n_todo) {
            struct io_uring_sqe *sqe = io_uring_get_sqe(&io->ring);
            if (!sqe)
                break;
            size_t i = todo[--n_todo];
            rt_req *r = &reqs[i];
            io_uring_prep_read(sqe, io->fd, r->dst + r->done, r->len - r->done,
                               r->offset + r->done);
            io_uring_sqe_set_data64(sqe, (uint64_t)i);
            unsubmitted++;
        }
        if (!inflight && (!unsubmitted || rc))
            break;
        int sub;
        if (unsubmitted && !rc) {
            sub = io_uring_submit_and_wait(&io->ring, 1);
            atomic_fetch_add(&c->submissions, 1);
            if (sub > 0) {
                inflight += (size_t)sub;
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
            if (!inflight)
                break;
            continue;
        }
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&io->ring, head, cqe) {
            seen++;
            size_t i = (size_t)io_uring_cqe_get_data64(cqe);
            rt_req *r = &reqs[i];
            ssize_t res = faulted(io, r, cqe->res);
            inflight--;
            atomic_fetch_add(&c->reads, 1);
            if (res == -EAGAIN || res == -EINTR) {
                todo[n_todo++] = i;
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
    free(todo);
    return rc;
}

int rt_io_read(rt_io *io, rt_req *reqs, size_t n, rt_counters *c, fr_err *e)
{
    if (n == 0)
        return 0;
    if (io->mode == FROST_IO_URING)
        return read_uring(io, reqs, n, c, e);
    return read_pread(io, reqs, n, c, e);
}
