/*
 * main.c — `frost serve` (the frost-serve executable, which `frost serve` runs): the command
 * line, the listening socket, the order of startup, and the signals that stop it.
 *
 * Startup is ordered for the first answer: the socket listens and the line
 * "frost serve: listening on http://HOST:PORT" goes to stderr before any model is opened, so
 * whatever waits for that line can connect at once; a request that arrives while a model's
 * header is still being read waits for it (srv_slot_acquire) and gets its answer. Trees load on
 * demand, each block once, as requests need them (--preload reads them all in the background).
 * A model that does not open at startup stops the server (exit 1): serving some models but not
 * others would hide the mistake.
 *
 * Signatures are required as every frost command requires them: the keys FROST_REQUIRE_SIGNATURE
 * names (a.pub[:b.pub…]) and those of --require-signature go to frost_open, so no version opens
 * — at start or at a reload — unless one of them signed it (a reload that fails keeps the
 * previous version serving). The keys are read here with frost_public_key_load: frost-serve
 * links no CLI code.
 *
 * SIGTERM and SIGINT stop it gracefully: no new connections are accepted, every request whose
 * headers have arrived is finished (its body read, its answer sent), then it exits 0. Signals
 * are taken by sigwait on the main thread, every other thread having them blocked.
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "serve/serve.h"

static const char usage[] =
    "usage: frost serve MODEL [MODEL ...] [--host ADDR] [--port N] [--threads N]\n"
    "                   [--max-body BYTES] [--max-connections N] [--timeout SECONDS]\n"
    "                   [--io MODE] [--missing-columns error|nan] [--preload]\n"
    "                   [--watch-interval MS] [--max-memory BYTES]\n"
    "                   [--require-signature KEY.pub]...\n"
    "\n"
    "Serves .frost models over HTTP/1.1 with the Open Inference Protocol (KServe v2) and a plain\n"
    "JSON/CSV form. A MODEL is a .frost file, served under its file name without .frost\n"
    "(churn.frost -> churn), or a registry reference ROOT/NAME@ALIAS, ROOT/NAME@VERSION or\n"
    "ROOT/NAME@latest (frost registry), served under NAME with the registry's version number as\n"
    "its model_version.\n"
    "A MODEL may be a URL (http://, https://, s3://BUCKET/KEY), read with ranged requests as\n"
    "frost predict reads it; its name is the URL's last path segment without .frost. A URL is\n"
    "not watched for replacement: the object is pinned by its ETag until the server restarts.\n"
    "As soon as the socket listens, before any model is read, one line goes to stderr:\n"
    "  frost serve: listening on http://HOST:PORT\n"
    "\n"
    "Endpoints:\n"
    "  GET  /v2/health/live, /v2/health/ready       200 when live / when every model is open\n"
    "  GET  /v2/models/NAME                         inputs (columns and datatypes), outputs,\n"
    "                                               classes under parameters.classes\n"
    "  GET  /v2/models/NAME/ready\n"
    "  POST /v2/models/NAME/infer                   {\"inputs\": [{\"name\": COLUMN, \"shape\": [N],\n"
    "                                                \"datatype\": \"FP64\"|\"FP32\"|\"INT64\"|\"BOOL\"|\n"
    "                                                \"BYTES\", \"data\": [...]}], \"outputs\"?: [...]}\n"
    "                                               (unnamed models: one input of shape [N, F]);\n"
    "                                               outputs 'label' and 'probabilities'\n"
    "  POST /v2/models/NAME/predict                 {\"rows\": [{COLUMN: VALUE, ...}, ...]} ->\n"
    "                                               {\"predictions\", \"probabilities\", \"classes\"};\n"
    "                                               or a text/csv body -> what `frost predict`\n"
    "                                               prints for it (?proba=1: probabilities)\n"
    "  GET  /metrics                                Prometheus text format\n"
    "Values follow frost predict's input contract: null is missing, unseen categories and\n"
    "missing values are answered as scikit-learn does. Errors are {\"error\": \"...\"}: 400 for a\n"
    "bad request (naming the field or column), 404 unknown model or path, 405 wrong method,\n"
    "413 body over --max-body, 503 over a limit (connections, memory).\n"
    "\n"
    "Replacing a served file (a rename over it, as frost convert writes), and a promote or a\n"
    "rollback of a served registry alias, are picked up within --watch-interval: requests in\n"
    "flight finish on the version they started with, new ones get the new version, and the old\n"
    "one is closed after its last request. A new version that does not open (damaged, or not\n"
    "signed by a required key) is reported and the previous version keeps serving.\n"
    "\n"
    "  --host ADDR          address to listen on (default 127.0.0.1; 0.0.0.0 or :: for all)\n"
    "  --port N             port (default 8080; 0 picks a free one, printed on the line above)\n"
    "  --threads N          request threads (default: the CPUs this process may run on)\n"
    "  --max-body BYTES     largest request body (default 64M; K, M, G suffixes)\n"
    "  --max-connections N  open connections answered (default 512); beyond, 503\n"
    "  --timeout SECONDS    close a connection idle or stalled this long (default 30); also\n"
    "                       the longest a stop waits for requests in flight\n"
    "  --io MODE            auto (default), uring, pread or mmap\n"
    "  --missing-columns error|nan\n"
    "                       a column the model needs but a request lacks: 400 naming it\n"
    "                       (default), or all-missing for the model's imputers\n"
    "  --preload            read every tree in the background after start (default: on demand)\n"
    "  --watch-interval MS  how often served files are checked for replacement and registry\n"
    "                       references resolved again (default 200; 0: never)\n"
    "  --max-memory BYTES   request bodies and parsed JSON together (default 1G); beyond, 503\n"
    "  --require-signature KEY.pub\n"
    "                       serve only models signed by this key (frost keygen, frost sign);\n"
    "                       repeatable: any one of the keys will do. FROST_REQUIRE_SIGNATURE=\n"
    "                       a.pub[:b.pub...] adds its keys, as for every frost command\n"
    "\n"
    "SIGTERM or SIGINT: stop accepting, finish every request whose headers have arrived, exit 0.\n"
    "Exit status: 0 after a stop, 1 when a model, a key file or the socket fails at start, 2 usage\n"
    "error.\n";

enum { OPT_HOST = 256, OPT_PORT, OPT_THREADS, OPT_MAX_BODY, OPT_MAX_CONN, OPT_TIMEOUT, OPT_IO,
       OPT_MISSING, OPT_PRELOAD, OPT_WATCH, OPT_MAX_MEMORY, OPT_REQUIRE_SIG, OPT_VERSION };

/* The public keys one of which must have signed every version served. */
#define MAX_KEYS 32
typedef struct keys {
    frost_public_key k[MAX_KEYS];
    size_t n;
} keys;

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
    fputs("frost serve: ", stderr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (see 'frost serve --help')\n", stderr);
    return 2;
}

/* Adds the key in the file path; what prefixes the message. Returns 0, or the exit status. */
static int add_key(keys *ks, const char *path, const char *what)
{
    if (ks->n == MAX_KEYS) {
        fprintf(stderr, "frost serve: more than %d public keys\n", MAX_KEYS);
        return 2;
    }
    if (frost_public_key_load(path, &ks->k[ks->n]) != 0) {
        fprintf(stderr, "frost serve: %s%s\n", what, frost_errmsg(NULL));
        return 1;
    }
    ks->n++;
    return 0;
}

/* The keys FROST_REQUIRE_SIGNATURE=a.pub[:b.pub…] names, read as the frost CLI reads them
 * (tools/cmd_sign.c): set but naming nothing is an error, not a silently dropped check. */
static int keys_from_env(keys *ks)
{
    const char *v = getenv("FROST_REQUIRE_SIGNATURE");
    if (!v)
        return 0;
    char path[4096];
    for (const char *p = v;;) {
        size_t n = strcspn(p, ":");
        if (n == 0 || n >= sizeof path) {
            fprintf(stderr, "frost serve: FROST_REQUIRE_SIGNATURE=%s: expected key files "
                            "separated by ':' (a.pub:b.pub)\n", v);
            return 2;
        }
        memcpy(path, p, n);
        path[n] = '\0';
        int rc = add_key(ks, path, "FROST_REQUIRE_SIGNATURE: ");
        if (rc || !p[n])
            return rc;
        p += n + 1;
    }
}

/* A count within [lo, hi]; -1 when s is not one. */
static long long parse_count(const char *s, long long lo, long long hi)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > hi || s[0] == '-' || s[0] == '+' || s[0] == ' ')
        return -1;
    return v;
}

/* A byte size: digits with an optional K, M or G (powers of 1024); 0 when s is not one. */
static size_t parse_bytes(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || end == s || errno || s[0] == '-' || s[0] == '+' || s[0] == ' ')
        return 0;
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10;
    else if (*end == 'M' || *end == 'm')
        shift = 20;
    else if (*end == 'G' || *end == 'g')
        shift = 30;
    if (shift)
        end++;
    if (*end || v > (SIZE_MAX >> shift) || v > (1ULL << 40) >> shift)
        return 0;
    return (size_t)v << shift;
}

static unsigned cpus_available(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return (unsigned)CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/* Binds and listens on host:port; prints the listening line. Returns the socket or -1. */
static int listen_on(const char *host, unsigned port, char *url, size_t cap)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV}, *res = NULL;
    char port_s[16];
    snprintf(port_s, sizeof port_s, "%u", port);
    int rc = getaddrinfo(host, port_s, &hints, &res);
    if (rc) {
        fprintf(stderr, "frost serve: --host %s: %s\n", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1, err = 0;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, 511) != 0) {
            err = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        fprintf(stderr, "frost serve: cannot listen on %s port %u: %s\n", host, port,
                strerror(err));
        return -1;
    }
    struct sockaddr_storage sa;
    socklen_t len = sizeof sa;
    char addr[INET6_ADDRSTRLEN + 2], serv[16];
    if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0 ||
        getnameinfo((struct sockaddr *)&sa, len, addr, sizeof addr, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        fprintf(stderr, "frost serve: cannot read the listening address: %s\n", strerror(errno));
        close(fd);
        return -1;
    }
    snprintf(url, cap, sa.ss_family == AF_INET6 ? "http://[%s]:%s" : "http://%s:%s", addr, serv);
    return fd;
}

int main(int argc, char **argv)
{
    const char *host = "127.0.0.1";
    unsigned port = 8080, threads = cpus_available(), max_conn = 512, timeout_s = 30;
    unsigned watch_ms = 200;
    size_t max_body = (size_t)64 << 20, max_memory = (size_t)1 << 30;
    int preload = 0;
    static keys required;
    frost_open_options open;
    frost_open_options_init(&open);
    static const struct option longs[] = {
        {"host", required_argument, NULL, OPT_HOST},
        {"port", required_argument, NULL, OPT_PORT},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"max-body", required_argument, NULL, OPT_MAX_BODY},
        {"max-connections", required_argument, NULL, OPT_MAX_CONN},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"io", required_argument, NULL, OPT_IO},
        {"missing-columns", required_argument, NULL, OPT_MISSING},
        {"preload", no_argument, NULL, OPT_PRELOAD},
        {"watch-interval", required_argument, NULL, OPT_WATCH},
        {"max-memory", required_argument, NULL, OPT_MAX_MEMORY},
        {"require-signature", required_argument, NULL, OPT_REQUIRE_SIG},
        {"version", no_argument, NULL, OPT_VERSION},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    opterr = 0;
    int c;
    long long v;
    while ((c = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(usage, stdout);
            return fflush(stdout) == 0 ? 0 : 1;
        case OPT_VERSION:
            printf("frost %s\n", FROST_VERSION_STRING);
            return 0;
        case OPT_HOST:
            host = optarg;
            break;
        case OPT_PORT:
            if ((v = parse_count(optarg, 0, 65535)) < 0)
                return usage_error("--port %s: expected a number from 0 to 65535", optarg);
            port = (unsigned)v;
            break;
        case OPT_THREADS:
            if ((v = parse_count(optarg, 1, 1024)) < 0)
                return usage_error("--threads %s: expected a number from 1 to 1024", optarg);
            threads = (unsigned)v;
            break;
        case OPT_MAX_BODY:
            if (!(max_body = parse_bytes(optarg)))
                return usage_error("--max-body %s: expected a size in bytes (K, M, G allowed), "
                                   "at least 1 and at most 1T", optarg);
            break;
        case OPT_MAX_CONN:
            if ((v = parse_count(optarg, 1, 65536)) < 0)
                return usage_error("--max-connections %s: expected a number from 1 to 65536",
                                   optarg);
            max_conn = (unsigned)v;
            break;
        case OPT_TIMEOUT:
            if ((v = parse_count(optarg, 1, 86400)) < 0)
                return usage_error("--timeout %s: expected seconds, from 1 to 86400", optarg);
            timeout_s = (unsigned)v;
            break;
        case OPT_IO:
            if (strcmp(optarg, "auto") == 0)
                open.io = FROST_IO_AUTO;
            else if (strcmp(optarg, "uring") == 0)
                open.io = FROST_IO_URING;
            else if (strcmp(optarg, "pread") == 0)
                open.io = FROST_IO_PREAD;
            else if (strcmp(optarg, "mmap") == 0)
                open.io = FROST_IO_MMAP;
            else
                return usage_error("--io %s: expected auto, uring, pread or mmap", optarg);
            break;
        case OPT_MISSING:
            if (strcmp(optarg, "nan") == 0)
                open.missing_columns = FROST_MISSING_AS_NAN;
            else if (strcmp(optarg, "error") != 0)
                return usage_error("--missing-columns %s: expected error or nan", optarg);
            break;
        case OPT_PRELOAD:
            preload = 1;
            break;
        case OPT_WATCH:
            if ((v = parse_count(optarg, 0, 3600000)) < 0)
                return usage_error("--watch-interval %s: expected milliseconds (0: never)",
                                   optarg);
            watch_ms = (unsigned)v;
            break;
        case OPT_MAX_MEMORY:
            if (!(max_memory = parse_bytes(optarg)))
                return usage_error("--max-memory %s: expected a size in bytes (K, M, G allowed)",
                                   optarg);
            break;
        case OPT_REQUIRE_SIG: {
            int rc = add_key(&required, optarg, "--require-signature: ");
            if (rc)
                return rc;
            break;
        }
        case ':':
            return usage_error("option %s needs a value", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc) {
        fputs(usage, stderr);
        return 2;
    }
    int rc = keys_from_env(&required);
    if (rc)
        return rc;
    if (required.n) {
        open.required_keys = required.k;
        open.n_required_keys = required.n;
    }

    srv_models ms;
    if (srv_models_init(&ms, argv + optind, (size_t)(argc - optind), &open)) {
        srv_models_free(&ms);
        return 1;
    }
    ms.preload = preload;
    srv_json_budget(max_memory);
    srv_metrics_init(&ms);

    /* every thread started from here on inherits the blocked signals; main takes them */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    char url[128];
    int fd = listen_on(host, port, url, sizeof url);
    if (fd < 0) {
        srv_models_free(&ms);
        return 1;
    }
    srv_http_options ho = {.listen_fd = fd, .threads = threads, .max_body = max_body,
                           .max_connections = max_conn, .timeout_s = timeout_s};
    srv_http *h = NULL;
    if (srv_http_start(&ms, &ho, &h)) {
        fprintf(stderr, "frost serve: the HTTP server did not start\n");
        close(fd);
        srv_models_free(&ms);
        return 1;
    }
    fprintf(stderr, "frost serve: listening on %s\n", url);
    if (srv_models_open(&ms)) {
        srv_http_stop(h, 1);
        srv_models_free(&ms);
        return 1;
    }
    if (watch_ms && srv_models_watch(&ms, watch_ms))
        fprintf(stderr, "frost serve: cannot start the file watcher; served files will not be "
                        "reloaded\n");
    int sig = 0;
    while (sigwait(&stop, &sig) != 0)
        ;
    fprintf(stderr, "frost serve: %s: finishing requests in flight, then stopping\n",
            sig == SIGTERM ? "SIGTERM" : "SIGINT");
    srv_models_stop_watch(&ms);
    srv_http_stop(h, timeout_s);
    srv_models_free(&ms);
    fprintf(stderr, "frost serve: stopped\n");
    return 0;
}
