/*
 * http.c — the HTTP front end of `frost serve` on libmicrohttpd: routing, request bodies and
 * their limits, answers, and the graceful stop (serve.h).
 *
 * libmicrohttpd calls one access handler several times per request (its documented lifecycle):
 * first with the headers only — here the route, the method and the limits are decided, and
 * errors answered at once, before any body is read — then once per chunk of body, then once
 * more with no data, when the request is complete and is answered. Parsing HTTP, chunked
 * bodies, keep-alive, "Expect: 100-continue" and the connection limits are the library's.
 *
 * Limits: a body over --max-body is 413 (at once when Content-Length says so; else when it
 * ends, its rest having been read and dropped — or, past twice the limit, the connection is
 * closed); bodies and JSON together stay within a
 * process-wide memory budget (503 when other requests hold it); connections beyond
 * --max-connections are answered 503 and closed, and the library refuses connections a little
 * beyond that (MHD_OPTION_CONNECTION_LIMIT); a connection idle or stalled for --timeout seconds
 * is closed (MHD_OPTION_CONNECTION_TIMEOUT); request headers are bounded by the library's
 * per-connection memory (MHD_OPTION_CONNECTION_MEMORY_LIMIT).
 *
 * Endpoints (Open Inference Protocol REST, kserve/open-inference-protocol
 * specification/protocol/inference_rest.md, plus frost's /predict and /metrics):
 *   GET  /v2/health/live, /v2/health/ready, /v2
 *   GET  /v2/models/NAME[/versions/V], /v2/models/NAME[/versions/V]/ready
 *   POST /v2/models/NAME[/versions/V]/infer, /v2/models/NAME/predict
 *   GET  /metrics
 */
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "csv/score.h"
#include "serve/serve.h"

struct srv_http {
    struct MHD_Daemon *d;
    srv_models *ms;
    srv_http_options o;
    atomic_int in_flight;     /* requests whose handler has run and that are not finished */
    atomic_int connections;
    atomic_int draining;
    atomic_size_t body_bytes; /* buffered request bodies */
    size_t body_budget;
};

enum route {
    R_NOT_FOUND, R_LIVE, R_READY, R_SERVER, R_METRICS, R_MODEL, R_MODEL_READY, R_INFER,
    R_PREDICT
};

/* One request, from its headers to its completion. */
typedef struct req {
    enum route route;
    enum srv_endpoint ep;
    srv_slot *slot;
    const char *version;      /* /versions/V, or NULL */
    char *body;
    size_t len, cap;
    int overflow;             /* the body passed --max-body: its rest is dropped */
    size_t dropped;           /* body bytes dropped since */
    int busy;                 /* the body budget was spent: its rest is dropped */
    int answered;
    unsigned status;
    struct timespec t0;
    char path_copy[512];      /* the URL split into segments */
} req;

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---- answers ------------------------------------------------------------------------------ */

static enum MHD_Result send_buf(srv_http *h, struct MHD_Connection *c, req *r, unsigned status,
                                const char *ctype, char *buf, size_t len, const char *allow)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(buf);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    if (allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    /* while draining, and after an answer given before the body was read, the connection ends */
    if (atomic_load(&h->draining) || status == 413 || status == 503)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ok = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    r->status = status;
    r->answered = 1;
    return ok;
}

static enum MHD_Result send_json(srv_http *h, struct MHD_Connection *c, req *r, unsigned status,
                                 json_t *j)
{
    size_t len = 0;
    char *text = j ? srv_json_text(j, &len) : NULL;
    json_decref(j);
    if (!text) {
        static const char busy[] = "{\"error\":\"the server is busy (out of memory); retry\"}";
        text = strdup(busy);
        len = sizeof busy - 1;
        status = 503;
        if (!text)
            return MHD_NO;
    }
    return send_buf(h, c, r, status, "application/json", text, len, NULL);
}

__attribute__((format(printf, 5, 6)))
static enum MHD_Result send_error(srv_http *h, struct MHD_Connection *c, req *r,
                                  unsigned status, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* the message may quote request bytes cut mid-character: keep it valid UTF-8 */
    json_t *s = json_string(msg);
    if (!s) {
        for (char *p = msg; *p; p++)
            if ((unsigned char)*p >= 0x80)
                *p = '?';
        s = json_string(msg);
    }
    return send_json(h, c, r, status, json_pack("{s:o*}", "error", s));
}

/* ---- routes ------------------------------------------------------------------------------- */

/* Splits url into r's route, slot and version. */
static void route(srv_http *h, const char *url, req *r)
{
    r->route = R_NOT_FOUND;
    r->ep = EP_OTHER;
    if (strcmp(url, "/v2/health/live") == 0) {
        r->route = R_LIVE;
        r->ep = EP_HEALTH;
        return;
    }
    if (strcmp(url, "/v2/health/ready") == 0) {
        r->route = R_READY;
        r->ep = EP_HEALTH;
        return;
    }
    if (strcmp(url, "/v2") == 0 || strcmp(url, "/v2/") == 0) {
        r->route = R_SERVER;
        r->ep = EP_HEALTH;
        return;
    }
    if (strcmp(url, "/metrics") == 0) {
        r->route = R_METRICS;
        r->ep = EP_METRICS;
        return;
    }
    if (strncmp(url, "/v2/models/", 11) != 0 ||
        snprintf(r->path_copy, sizeof r->path_copy, "%s", url + 11) >= (int)sizeof r->path_copy)
        return;
    char *seg[5];
    size_t n = 0;
    for (char *p = r->path_copy, *save = NULL, *t; n < 5 && (t = strtok_r(p, "/", &save));
         p = NULL)
        seg[n++] = t;
    if (n == 0 || n == 5)
        return;
    r->slot = srv_models_find(h->ms, seg[0]);
    size_t i = 1;
    if (n >= 3 && strcmp(seg[1], "versions") == 0) {
        r->version = seg[2];
        i = 3;
    }
    if (i == n) {
        r->route = R_MODEL;
        r->ep = EP_METADATA;
    } else if (i + 1 == n && strcmp(seg[i], "ready") == 0) {
        r->route = R_MODEL_READY;
        r->ep = EP_READY;
    } else if (i + 1 == n && strcmp(seg[i], "infer") == 0) {
        r->route = R_INFER;
        r->ep = EP_INFER;
    } else if (i + 1 == n && strcmp(seg[i], "predict") == 0 && !r->version) {
        r->route = R_PREDICT;
        r->ep = EP_PREDICT;
    }
}

/* The methods a route answers. */
static const char *allowed(enum route rt)
{
    return rt == R_INFER || rt == R_PREDICT ? "POST" : "GET, HEAD";
}

static int method_ok(enum route rt, const char *method)
{
    if (rt == R_INFER || rt == R_PREDICT)
        return strcmp(method, MHD_HTTP_METHOD_POST) == 0;
    return strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
}

/* The version a request names must be the one served. */
static int version_ok(const req *r, const srv_model *v)
{
    return !r->version || strcmp(r->version, v->version) == 0;
}

/* Everything that needs the model: readiness, metadata, inference, predictions. */
static enum MHD_Result answer_model(srv_http *h, struct MHD_Connection *c, req *r)
{
    char why[600], err[1024];
    srv_model *v = srv_slot_acquire(r->slot, why, sizeof why);
    if (!v && r->route == R_MODEL_READY)
        return send_json(h, c, r, 503, json_pack("{s:s, s:b}", "name", r->slot->name, "ready", 0));
    if (!v)
        return send_error(h, c, r, 503, "%s", why);
    enum MHD_Result ok;
    if (!version_ok(r, v)) {
        ok = send_error(h, c, r, 404, "model '%s' has no version '%s' (serving: %s)",
                        r->slot->name, r->version, v->version[0] ? v->version : "unversioned");
        goto done;
    }
    if (r->route == R_MODEL_READY) {
        ok = send_json(h, c, r, 200, json_pack("{s:s, s:b}", "name", r->slot->name, "ready", 1));
        goto done;
    }
    if (r->route == R_MODEL) {
        ok = send_json(h, c, r, 200, srv_model_metadata(v));
        goto done;
    }
    const char *ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                    MHD_HTTP_HEADER_CONTENT_TYPE);
    if (r->route == R_PREDICT && ctype && strncasecmp(ctype, "text/csv", 8) == 0) {
        const char *proba = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "proba");
        int want_proba = proba && strcmp(proba, "0") != 0 && strcmp(proba, "false") != 0;
        if (want_proba && !v->info.has_proba) {
            ok = send_error(h, c, r, 400, "proba: model '%s' gives no probabilities",
                            r->slot->name);
            goto done;
        }
        if (!r->len) {
            ok = send_error(h, c, r, 400, "empty body: expected a CSV header line and rows");
            goto done;
        }
        FILE *in = fmemopen(r->body, r->len, "r");
        char *text = NULL;
        size_t text_len = 0;
        FILE *out = open_memstream(&text, &text_len);
        csv_scorer *s = NULL;
        csv_score_status st = {0};
        const csv_score_options so = {
            .mode = want_proba ? CSV_SCORE_PROBA : CSV_SCORE_PREDICT,
            .threads = 1,
            .missing_as_nan = h->ms->open.missing_columns == FROST_MISSING_AS_NAN,
        };
        int failed = !in || !out ? (st.blame = CSV_SCORE_OTHER, -1)
                     : csv_scorer_new(v->m, in, &so, &s, &st) ? -1
                     : csv_scorer_run(s, out, &st);
        csv_scorer_free(s);
        if (in)
            fclose(in);
        if (out && fclose(out) != 0 && !failed) {
            failed = -1;
            st.blame = CSV_SCORE_OTHER;
        }
        if (failed) {
            free(text);
            ok = st.blame == CSV_SCORE_INPUT || st.blame == CSV_SCORE_MODEL
                     ? send_error(h, c, r, 400, "%s", st.msg)
                     : send_error(h, c, r, 503, "the server is busy (out of memory); retry");
            goto done;
        }
        atomic_fetch_add_explicit(&r->slot->stats.rows, st.rows, memory_order_relaxed);
        ok = send_buf(h, c, r, 200, "text/csv", text, text_len, NULL);
        goto done;
    }
    srv_batch b;
    int status = r->route == R_INFER ? srv_parse_infer(r->body, r->len, v, &b, err, sizeof err)
                                     : srv_parse_rows(r->body, r->len, v, &b, err, sizeof err);
    json_t *answer = status ? NULL : srv_score_json(v, &b, r->route == R_INFER, (int *)&status,
                                                    err, sizeof err);
    if (answer)
        status = 200;
    srv_batch_free(&b);
    ok = answer ? send_json(h, c, r, 200, answer) : send_error(h, c, r, status, "%s", err);
done:
    srv_model_release(v);
    return ok;
}

/* Whether the slot serves. Like an inference request, a readiness probe that arrives while
 * the model's header is still being opened (the few milliseconds after the listening line)
 * waits for it, so it is answered 200 rather than a 503 that would only mean "ask again". */
static int slot_ready(srv_slot *s)
{
    char why[8];
    srv_model *v = srv_slot_acquire(s, why, sizeof why);
    srv_model_release(v);
    return v != NULL;
}

static enum MHD_Result answer(srv_http *h, struct MHD_Connection *c, req *r)
{
    switch (r->route) {
    case R_LIVE:
        return send_json(h, c, r, 200, json_pack("{s:b}", "live", 1));
    case R_READY: {
        int ready = 1;
        for (size_t i = 0; i < h->ms->n; i++)
            ready &= slot_ready(&h->ms->slots[i]);
        return send_json(h, c, r, ready ? 200 : 503, json_pack("{s:b}", "ready", ready));
    }
    case R_SERVER:
        return send_json(h, c, r, 200, json_pack("{s:s, s:s, s:[]}", "name", "frost", "version",
                                                 FROST_VERSION_STRING, "extensions"));
    case R_METRICS: {
        size_t len = 0;
        char *text = srv_metrics_render(h->ms, &len);
        if (!text)
            return send_error(h, c, r, 503, "the server is busy (out of memory); retry");
        return send_buf(h, c, r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len,
                        NULL);
    }
    default:
        return answer_model(h, c, r);
    }
}

/* ---- the request lifecycle ---------------------------------------------------------------- */

/* Appends a chunk of body, within --max-body and the process-wide budget. */
static void take_body(srv_http *h, req *r, const char *data, size_t size)
{
    if (r->overflow || r->busy) {
        r->dropped += size;
        return;
    }
    if (size > h->o.max_body - r->len) {
        r->overflow = 1;
        r->dropped = size;
        return;
    }
    if (r->len + size > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + size)
            cap = cap > h->o.max_body / 2 ? h->o.max_body : cap * 2;
        size_t grow = cap - r->cap;
        size_t before = atomic_fetch_add(&h->body_bytes, grow);
        char *p = before + grow <= h->body_budget ? realloc(r->body, cap) : NULL;
        if (!p) {
            atomic_fetch_sub(&h->body_bytes, grow);
            r->busy = 1;
            return;
        }
        r->body = p;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, size);
    r->len += size;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    (void)version;
    srv_http *h = cls;
    req *r = *req_cls;
    if (!r) {
        /* the headers have arrived: decide everything that needs no body */
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &r->t0);
        *req_cls = r;
        atomic_fetch_add(&h->in_flight, 1);
        route(h, url, r);
        int conns = atomic_load(&h->connections);
        if ((unsigned)conns > h->o.max_connections)
            return send_error(h, c, r, 503, "too many connections (%d open, the limit is %u); "
                                            "retry", conns, h->o.max_connections);
        if (r->route == R_NOT_FOUND)
            return send_error(h, c, r, 404, "no such endpoint: %s %s", method, url);
        if (r->route >= R_MODEL && !r->slot) {
            char list[512] = "";
            size_t used = 0;
            for (size_t i = 0; i < h->ms->n && used < sizeof list - 64; i++)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                                         h->ms->slots[i].name);
            return send_error(h, c, r, 404, "unknown model '%s' (serving: %s)",
                              r->path_copy, list);
        }
        if (!method_ok(r->route, method)) {
            char msg[200];
            snprintf(msg, sizeof msg, "{\"error\":\"method %s is not allowed here (allowed: %s)\"}",
                     method, allowed(r->route));
            char *text = strdup(msg);
            if (!text)
                return MHD_NO;
            return send_buf(h, c, r, 405, "application/json", text, strlen(text),
                            allowed(r->route));
        }
        const char *clen = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                       MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (clen) {
            char *end;
            errno = 0;
            unsigned long long n = strtoull(clen, &end, 10);
            if (!errno && end != clen && n > h->o.max_body)
                return send_error(h, c, r, 413, "the body is %llu bytes; the limit is %zu "
                                                "(--max-body)", n, h->o.max_body);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!r->answered)
            take_body(h, r, upload_data, *upload_data_size);
        *upload_data_size = 0;
        /* a body without Content-Length that runs on far past the limit is not read to its
         * end for the sake of a 413: the connection is closed */
        return r->dropped > h->o.max_body ? MHD_NO : MHD_YES;
    }
    if (r->answered)
        return MHD_YES;
    if (r->overflow)
        return send_error(h, c, r, 413, "the body is over %zu bytes (--max-body)",
                          h->o.max_body);
    if (r->busy)
        return send_error(h, c, r, 503, "the server is busy: request bodies in flight fill its "
                                        "memory budget; retry");
    return answer(h, c, r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)c;
    (void)toe;
    srv_http *h = cls;
    req *r = *req_cls;
    if (!r)
        return;
    srv_metrics_request(r->slot, r->ep, r->answered ? r->status : 499, since(&r->t0));
    if (r->cap)
        atomic_fetch_sub(&h->body_bytes, r->cap);
    free(r->body);
    free(r);
    *req_cls = NULL;
    atomic_fetch_sub(&h->in_flight, 1);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)c;
    (void)socket_context;
    srv_http *h = cls;
    int d = toe == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1;
    atomic_fetch_add(&h->connections, d);
    srv_metrics_connections(d);
}

int srv_http_start(srv_models *ms, const srv_http_options *o, srv_http **out)
{
    srv_http *h = calloc(1, sizeof *h);
    if (!h)
        return -1;
    h->ms = ms;
    h->o = *o;
    /* bodies in flight: room for a few of the largest at once, never less than 256 MiB */
    h->body_budget = o->max_body > ((size_t)64 << 20) ? 4 * o->max_body : (size_t)256 << 20;
    /* the library's own cap sits above ours, so connections just over --max-connections are
     * accepted and told 503 rather than dropped unanswered */
    unsigned hard = o->max_connections + 64;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC;
    h->d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, h,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)o->listen_fd,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(o->threads > 1 ? o->threads : 0),
        MHD_OPTION_CONNECTION_LIMIT, hard,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)o->timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
        MHD_OPTION_END);
    if (!h->d) {
        free(h);
        return -1;
    }
    *out = h;
    return 0;
}

/* After the library stopped accepting: the connections the kernel already accepted into the
 * listening socket's backlog (clients that connected, and perhaps sent their whole request,
 * while every request thread was busy) are handed to the library to be answered like the
 * others, rather than reset when the socket closes; then the socket stops listening, so new
 * connections are refused. */
static void take_backlog(srv_http *h, MHD_socket ls)
{
    int fl = fcntl(ls, F_GETFL);
    if (fl != -1 && fcntl(ls, F_SETFL, fl | O_NONBLOCK) == 0) {
        for (unsigned n = 0; n < 4096; n++) {
            struct sockaddr_storage sa;
            socklen_t len = sizeof sa;
            int fd = accept4(ls, (struct sockaddr *)&sa, &len, SOCK_CLOEXEC);
            if (fd < 0) {
                if (errno == EINTR || errno == ECONNABORTED)
                    continue;
                break; /* EAGAIN: the backlog is empty */
            }
            /* closes fd itself when it cannot take it */
            MHD_add_connection(h->d, fd, (struct sockaddr *)&sa, len);
        }
    }
    shutdown(ls, SHUT_RDWR);
}

void srv_http_stop(srv_http *h, unsigned drain_s)
{
    if (!h)
        return;
    atomic_store(&h->draining, 1);
    MHD_socket ls = MHD_quiesce_daemon(h->d);
    if (ls != MHD_INVALID_SOCKET)
        take_backlog(h, ls);
    /* A request counts as in flight once its headers are parsed; one whose headers are in the
     * socket but not yet parsed when the count reaches 0 would be cut. So while connections stay
     * open, a short grace follows the last request seen in flight (answers during the drain
     * close their connections, so only idle keep-alive connections wait it out). */
    const double grace_s = 0.1;
    struct timespec t0, busy;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    busy = t0;
    while (since(&t0) < drain_s) {
        if (atomic_load(&h->in_flight) > 0)
            clock_gettime(CLOCK_MONOTONIC, &busy);
        else if (atomic_load(&h->connections) == 0 || since(&busy) >= grace_s)
            break;
        struct timespec nap = {0, 5 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    MHD_stop_daemon(h->d);
    /* the library's threads may use the listening socket until they are stopped (its manual,
     * MHD_quiesce_daemon), so it is closed only now */
    if (ls != MHD_INVALID_SOCKET)
        close(ls);
    free(h);
}
