/*
 * runner.c — times fresh processes precisely: posix_spawn + wait4, no shell, no Python.
 *
 *   runner [-n RUNS] [-w WARMUP] [-e FILE]... [-E FILE]... [-q] -- CMD [ARG...]
 *
 *   -n RUNS    measured runs (default 5)
 *   -w N       unmeasured warm-up runs first (default 0)
 *   -e FILE    evict FILE from the page cache before every run (cold start); checked with mincore
 *   -E FILE    read FILE whole before every run (warm start; every page resident)
 *   -q         child's stdout to /dev/null (stderr is kept)
 *
 * One line per measured run on stdout, tab-separated:
 *   wall_ms  maxrss_kb  inblock_bytes  majflt  minflt  user_ms  sys_ms  resident_before  exit
 * wall_ms is from just before posix_spawn to wait4's return (CLOCK_MONOTONIC); maxrss_kb, the
 * faults and inblock (ru_inblock × 512: bytes the child made the kernel read from disk) come from
 * the child's rusage. resident_before is the sum of the evicted files' resident pages after
 * eviction (0 when truly cold) or of the warmed files' pages.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pagecache.h"

extern char **environ;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double tv_ms(struct timeval tv) { return (double)tv.tv_sec * 1e3 + tv.tv_usec / 1e3; }

int main(int argc, char **argv)
{
    int runs = 5, warmup = 0, quiet = 0, i;
    const char *evict[16], *warm[16];
    int n_evict = 0, n_warm = 0;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        } else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
            runs = atoi(argv[++i]);
        } else if (strcmp(argv[i], "-w") == 0 && i + 1 < argc) {
            warmup = atoi(argv[++i]);
        } else if (strcmp(argv[i], "-e") == 0 && i + 1 < argc && n_evict < 16) {
            evict[n_evict++] = argv[++i];
        } else if (strcmp(argv[i], "-E") == 0 && i + 1 < argc && n_warm < 16) {
            warm[n_warm++] = argv[++i];
        } else if (strcmp(argv[i], "-q") == 0) {
            quiet = 1;
        } else {
            fprintf(stderr, "runner: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "usage: runner [-n RUNS] [-w N] [-e FILE]... [-E FILE]... [-q] -- CMD...\n");
        return 2;
    }
    char **cmd = argv + i;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (quiet)
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    for (int r = -warmup; r < runs; r++) {
        long resident = 0;
        for (int k = 0; k < n_evict; k++) {
            long left = pc_evict(evict[k]);
            if (left < 0) {
                fprintf(stderr, "runner: cannot evict %s: %s\n", evict[k], strerror(errno));
                return 1;
            }
            resident += left;
        }
        for (int k = 0; k < n_warm; k++) {
            if (pc_warm(warm[k]) != 0) {
                fprintf(stderr, "runner: cannot read %s: %s\n", warm[k], strerror(errno));
                return 1;
            }
            resident += pc_resident(warm[k], NULL);
        }
        pid_t pid;
        double t0 = now_ms();
        int rc = posix_spawn(&pid, cmd[0], &fa, NULL, cmd, environ);
        if (rc != 0) {
            fprintf(stderr, "runner: cannot run %s: %s\n", cmd[0], strerror(rc));
            return 1;
        }
        int status;
        struct rusage ru;
        while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
            ;
        double t1 = now_ms();
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (r >= 0)
            printf("%.4f\t%ld\t%lld\t%ld\t%ld\t%.3f\t%.3f\t%ld\t%d\n", t1 - t0, ru.ru_maxrss,
                   (long long)ru.ru_inblock * 512, ru.ru_majflt, ru.ru_minflt, tv_ms(ru.ru_utime),
                   tv_ms(ru.ru_stime), resident, code);
        fflush(stdout);
        if (code != 0) {
            fprintf(stderr, "runner: %s exited with status %d\n", cmd[0], code);
            return 1;
        }
    }
    posix_spawn_file_actions_destroy(&fa);
    return 0;
}
