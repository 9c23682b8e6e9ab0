/*
 * touchcost.c — what it costs a process to reach N scattered 4 KiB pages of a cached file, by
 * each means frost could use. The figures behind the default I/O mode (bench/README.md).
 *
 *   cc -O2 -o build/bench/touchcost bench/touchcost.c && build/bench/touchcost FILE [N]
 *
 * The file should be in the page cache (cat it first). N pages (default 762: one RF500 row) are
 * picked at random with a fixed seed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: touchcost FILE [N]\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < 4096) {
        perror(argv[1]);
        return 1;
    }
    size_t size = (size_t)st.st_size, n_pages = size / 4096;
    int n = argc > 2 ? atoi(argv[2]) : 762;
    if (n <= 0 || n > 1 << 20)
        return 2;
    size_t *pg = malloc((size_t)n * sizeof *pg);
    srand(1);
    for (int i = 0; i < n; i++)
        pg[i] = (size_t)rand() % n_pages;
    volatile unsigned sink = 0;
    double t;

    unsigned char *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    madvise(m, size, MADV_RANDOM);
    t = now_ms();
    for (int i = 0; i < n; i++)
        sink += m[pg[i] * 4096];
    printf("mmap, touch each page:            %7.2f ms\n", now_ms() - t);
    munmap(m, size);

    m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    t = now_ms();
    for (int i = 0; i < n; i++)
        madvise(m + pg[i] * 4096, 4096, MADV_POPULATE_READ);
    for (int i = 0; i < n; i++)
        sink += m[pg[i] * 4096];
    printf("mmap, MADV_POPULATE_READ + touch: %7.2f ms\n", now_ms() - t);
    munmap(m, size);

    unsigned char *a = mmap(NULL, (size_t)n * 4096, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    t = now_ms();
    for (int i = 0; i < n; i++)
        if (pread(fd, a + (size_t)i * 4096, 4096, (off_t)(pg[i] * 4096)) != 4096)
            return 1;
    printf("pread into fresh 4 KiB pages:     %7.2f ms\n", now_ms() - t);
    munmap(a, (size_t)n * 4096);

    size_t huge = (size_t)2 << 20, len = ((size_t)n * 4096 + huge - 1) / huge * huge;
    unsigned char *raw = mmap(NULL, len + huge, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    a = (unsigned char *)(((size_t)raw + huge - 1) & ~(huge - 1));
    madvise(a, len, MADV_HUGEPAGE);
    t = now_ms();
    for (int i = 0; i < n; i++)
        if (pread(fd, a + (size_t)i * 4096, 4096, (off_t)(pg[i] * 4096)) != 4096)
            return 1;
    printf("pread into 2 MiB huge pages:      %7.2f ms\n", now_ms() - t);
    return (int)(sink & 0);
}
