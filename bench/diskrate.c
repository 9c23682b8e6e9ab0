/*
 * diskrate.c — this disk's raw rates, measured with O_DIRECT (no page cache) through io_uring.
 *
 *   diskrate SCRATCH_FILE SIZE_MB [SECONDS_PER_TEST]
 *
 * Creates SCRATCH_FILE (SIZE_MB of non-zero data, fsynced) when it is missing or of another size,
 * then measures, each for SECONDS_PER_TEST (default 2):
 *   rand4k_qd1    random 4 KiB reads, one at a time           → IOPS and mean latency
 *   rand4k_qd32   random 4 KiB reads, 32 in flight (io_uring)  → IOPS (the I/O floor's rate)
 *   seq1m_qd4     sequential 1 MiB reads, 4 in flight          → MB/s
 *   rand4k_qd32_buffered  as rand4k_qd32 through the page cache (file evicted first,
 *                 POSIX_FADV_RANDOM so readahead adds nothing): what buffered io_uring reads,
 *                 which the kernel may hand to worker threads, achieve on the same disk
 * and, because first-touch page faults turn out to be expensive on some VMs and every fresh
 * buffer or mapping pays them:
 *   anon_fault_us   µs per 4 KiB page to first-touch 64 MiB of fresh anonymous memory
 * Output: one "name value" line per number.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int make_scratch(const char *path, uint64_t size)
{
    struct stat st;
    if (stat(path, &st) == 0 && (uint64_t)st.st_size == size)
        return 0;
    fprintf(stderr, "diskrate: writing %llu MB scratch file %s\n",
            (unsigned long long)(size >> 20), path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    size_t chunk = 1 << 20;
    uint64_t *buf = malloc(chunk);
    for (uint64_t off = 0; off < size; off += chunk) {
        for (size_t j = 0; j < chunk / 8; j++)
            buf[j] = next_rand();
        if (write(fd, buf, chunk) != (ssize_t)chunk) {
            close(fd);
            return -1;
        }
    }
    free(buf);
    fsync(fd);
    close(fd);
    return 0;
}

/* Keeps qd reads of bs bytes in flight for secs seconds; returns completed reads, *lat_sum the
 * sum of per-read latencies. sequential: consecutive offsets, else random aligned ones. */
static long run(int fd, uint64_t size, unsigned qd, size_t bs, int sequential, double secs,
                double *lat_sum)
{
    struct io_uring ring;
    if (io_uring_queue_init(qd, &ring, 0) != 0)
        return -1;
    uint8_t *bufs;
    if (posix_memalign((void **)&bufs, 4096, (size_t)qd * bs) != 0)
        return -1;
    double *start = calloc(qd, sizeof *start);
    uint64_t blocks = size / bs, seq = 0;
    long done = 0;
    *lat_sum = 0;
    double t_end = now_s() + secs;
    unsigned inflight = 0;
    int stop = 0;
    for (unsigned i = 0; i < qd; i++) {
        struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
        uint64_t blk = sequential ? seq++ % blocks : next_rand() % blocks;
        io_uring_prep_read(sqe, fd, bufs + (size_t)i * bs, (unsigned)bs, blk * bs);
        io_uring_sqe_set_data64(sqe, i);
        start[i] = now_s();
        inflight++;
    }
    io_uring_submit(&ring);
    while (inflight) {
        struct io_uring_cqe *cqe;
        if (io_uring_wait_cqe(&ring, &cqe) != 0)
            break;
        unsigned i = (unsigned)io_uring_cqe_get_data64(cqe);
        if (cqe->res != (int)bs) {
            fprintf(stderr, "diskrate: read returned %d\n", cqe->res);
            return -1;
        }
        io_uring_cqe_seen(&ring, cqe);
        double t = now_s();
        *lat_sum += t - start[i];
        done++;
        inflight--;
        if (t >= t_end)
            stop = 1;
        if (!stop) {
            struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
            uint64_t blk = sequential ? seq++ % blocks : next_rand() % blocks;
            io_uring_prep_read(sqe, fd, bufs + (size_t)i * bs, (unsigned)bs, blk * bs);
            io_uring_sqe_set_data64(sqe, i);
            start[i] = t;
            inflight++;
            io_uring_submit(&ring);
        }
    }
    io_uring_queue_exit(&ring);
    free(bufs);
    free(start);
    return done;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: diskrate SCRATCH_FILE SIZE_MB [SECONDS]\n");
        return 2;
    }
    uint64_t size = (uint64_t)atoll(argv[2]) << 20;
    double secs = argc > 3 ? atof(argv[3]) : 2.0;
    if (make_scratch(argv[1], size) != 0) {
        perror(argv[1]);
        return 1;
    }
    int fd = open(argv[1], O_RDONLY | O_DIRECT);
    if (fd < 0) {
        perror("open O_DIRECT");
        return 1;
    }
    double lat;
    double t0 = now_s();
    long n = run(fd, size, 1, 4096, 0, secs, &lat);
    double dt = now_s() - t0;
    if (n <= 0)
        return 1;
    printf("rand4k_qd1_iops %.0f\nrand4k_qd1_lat_us %.1f\n", n / dt, lat / n * 1e6);
    t0 = now_s();
    n = run(fd, size, 32, 4096, 0, secs, &lat);
    dt = now_s() - t0;
    if (n <= 0)
        return 1;
    printf("rand4k_qd32_iops %.0f\nrand4k_qd32_lat_us %.1f\n", n / dt, lat / n * 1e6);
    t0 = now_s();
    n = run(fd, size, 4, 1 << 20, 1, secs, &lat);
    dt = now_s() - t0;
    if (n <= 0)
        return 1;
    printf("seq1m_qd4_mbps %.1f\n", n * 1.048576 / dt);
    close(fd);
    fd = open(argv[1], O_RDONLY);
    if (fd < 0)
        return 1;
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
    t0 = now_s();
    n = run(fd, size, 32, 4096, 0, secs, &lat);
    dt = now_s() - t0;
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
    if (n <= 0)
        return 1;
    printf("rand4k_qd32_buffered_iops %.0f\n", n / dt);
    size_t len = 64u << 20;
    double best = 1e9;
    for (int r = 0; r < 3; r++) {
        char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return 1;
        t0 = now_s();
        for (size_t i = 0; i < len; i += 4096)
            p[i] = 1;
        dt = now_s() - t0;
        munmap(p, len);
        if (dt < best)
            best = dt;
    }
    printf("anon_fault_us %.2f\n", best / (double)(len / 4096) * 1e6);
    return 0;
}
