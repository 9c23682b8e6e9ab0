/*
 * pagecache.h — page-cache helpers shared by the bench programs (header-only, static).
 *
 * pc_evict:    fsync + posix_fadvise(DONTNEED) on a file, retried until mincore reports no
 *              resident page (or 5 tries); returns the pages still resident (0 = truly cold).
 * pc_resident: pages of the file resident in the page cache now (mincore over a mapping;
 *              mapping it touches no page).
 * pc_warm:     reads the whole file so every page is resident.
 */
#ifndef BENCH_PAGECACHE_H
#define BENCH_PAGECACHE_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* resident pages of path, *total set to its page count; -1 on error */
static inline long pc_resident(const char *path, long *total)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return -1;
    }
    long pg = sysconf(_SC_PAGESIZE);
    long n = (long)((st.st_size + pg - 1) / pg);
    if (total)
        *total = n;
    if (n == 0) {
        close(fd);
        return 0;
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return -1;
    unsigned char *vec = malloc((size_t)n);
    long res = -1;
    if (vec && mincore(map, (size_t)st.st_size, vec) == 0) {
        res = 0;
        for (long i = 0; i < n; i++)
            res += vec[i] & 1;
    }
    free(vec);
    munmap(map, (size_t)st.st_size);
    return res;
}

static inline long pc_evict(const char *path)
{
    long left = -1;
    for (int attempt = 0; attempt < 5; attempt++) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return -1;
        fdatasync(fd);
        posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        close(fd);
        left = pc_resident(path, NULL);
        if (left == 0)
            return 0;
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    return left;
}

static inline int pc_warm(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    static char buf[1 << 20];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        ;
    close(fd);
    return n < 0 ? -1 : 0;
}

#endif
