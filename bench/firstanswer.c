/*
 * firstanswer.c — time from exec of a model server to its first 200 answer, for bench/'s serve
 * stage: the same measurement for `frost serve` and the Python baseline.
 *
 *   firstanswer [-n RUNS] [-w N] [-e FILE]... [-E FILE]... -p PORT -u PATH -b BODY_FILE
 *               -- SERVER_CMD...
 *
 * Per run: evict (-e) or warm (-E) the files as runner does (pagecache.h), posix_spawn the
 * server (stdout and stderr to /dev/null), then, until the answer comes, connect to
 * 127.0.0.1:PORT (retrying every 100 µs while nothing listens), send one
 * `POST PATH` with the body, and read the whole answer. The clock runs from just before the
 * spawn to the last byte of a 200 answer (CLOCK_MONOTONIC). The server is then stopped with
 * SIGTERM (SIGKILL after 10 s) and reaped before the next run. Prints one line per run:
 * "wall_ms<TAB>status<TAB>resident_before"; exits 1 when an answer is not 200 or the server
 * never answers within 60 s.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

static void nap_us(long us)
{
    struct timespec ts = {0, us * 1000};
    nanosleep(&ts, NULL);
}

/* One request on a fresh connection: the status of the answer, 0 when nothing listens yet,
 * -1 on another failure. */
static int ask(int port, const char *request, size_t req_len)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int err = errno;
        close(fd);
        return err == ECONNREFUSED ? 0 : -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    for (size_t off = 0; off < req_len;) {
        ssize_t n = send(fd, request + off, req_len - off, MSG_NOSIGNAL);
        if (n <= 0) {
            close(fd);
            return 0; /* accepted by the backlog of a server that then went away: retry */
        }
        off += (size_t)n;
    }
    /* the answer ends when the server closes (Connection: close) */
    char buf[65536];
    size_t have = 0;
    ssize_t n;
    while ((n = recv(fd, buf + have, sizeof buf - 1 - have, 0)) > 0) {
        have += (size_t)n;
        if (have == sizeof buf - 1)
            have = 32; /* keep the status line, drop the rest */
    }
    close(fd);
    buf[have] = '\0';
    int status = 0;
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
        return 0; /* closed before answering (not ready): retry */
    return status;
}

int main(int argc, char **argv)
{
    int runs = 5, warmup = 0, port = 0, i;
    const char *evict[16], *warm[16], *path = NULL, *body_file = NULL;
    int n_evict = 0, n_warm = 0;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        } else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
            runs = atoi(argv[++i]);
        } else if (strcmp(argv[i], "-w") == 0 && i + 1 < argc) {
            warmup = atoi(argv[++i]);
        } else if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
            port = atoi(argv[++i]);
        } else if (strcmp(argv[i], "-u") == 0 && i + 1 < argc) {
            path = argv[++i];
        } else if (strcmp(argv[i], "-b") == 0 && i + 1 < argc) {
            body_file = argv[++i];
        } else if (strcmp(argv[i], "-e") == 0 && i + 1 < argc && n_evict < 16) {
            evict[n_evict++] = argv[++i];
        } else if (strcmp(argv[i], "-E") == 0 && i + 1 < argc && n_warm < 16) {
            warm[n_warm++] = argv[++i];
        } else {
            fprintf(stderr, "firstanswer: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (i >= argc || !port || !path || !body_file) {
        fprintf(stderr, "usage: firstanswer [-n RUNS] [-w N] [-e FILE]... [-E FILE]... -p PORT "
                        "-u PATH -b BODY -- SERVER_CMD...\n");
        return 2;
    }
    FILE *bf = fopen(body_file, "rb");
    if (!bf) {
        perror(body_file);
        return 1;
    }
    char body[1 << 16];
    size_t body_len = fread(body, 1, sizeof body, bf);
    fclose(bf);
    char request[(1 << 16) + 512];
    int req_len = snprintf(request, sizeof request,
                           "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                           "Content-Type: application/json\r\nContent-Length: %zu\r\n"
                           "Connection: close\r\n\r\n", path, port, body_len);
    memcpy(request + req_len, body, body_len);
    size_t total = (size_t)req_len + body_len;
    char **cmd = argv + i;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    int failed = 0;
    for (int r = -warmup; r < runs && !failed; r++) {
        long resident = 0;
        for (int k = 0; k < n_evict; k++)
            resident += pc_evict(evict[k]);
        for (int k = 0; k < n_warm; k++) {
            pc_warm(warm[k]);
            resident += pc_resident(warm[k], NULL);
        }
        pid_t pid;
        double t0 = now_ms();
        int rc = posix_spawn(&pid, cmd[0], &fa, NULL, cmd, environ);
        if (rc != 0) {
            fprintf(stderr, "firstanswer: cannot run %s: %s\n", cmd[0], strerror(rc));
            return 1;
        }
        int status = 0;
        while (status == 0 && now_ms() - t0 < 60e3) {
            status = ask(port, request, total);
            if (status == 0) {
                if (waitpid(pid, NULL, WNOHANG) == pid) {
                    fprintf(stderr, "firstanswer: %s exited before answering\n", cmd[0]);
                    return 1;
                }
                nap_us(100);
            }
        }
        double t1 = now_ms();
        kill(pid, SIGTERM);
        double t_stop = now_ms();
        int ws;
        while (waitpid(pid, &ws, WNOHANG) == 0) {
            if (now_ms() - t_stop > 10e3)
                kill(pid, SIGKILL);
            nap_us(1000);
        }
        if (status != 200) {
            fprintf(stderr, "firstanswer: %s answered %d\n", cmd[0], status);
            failed = 1;
        }
        if (r >= 0)
            printf("%.4f\t%d\t%ld\n", t1 - t0, status, resident);
        fflush(stdout);
    }
    posix_spawn_file_actions_destroy(&fa);
    return failed;
}
