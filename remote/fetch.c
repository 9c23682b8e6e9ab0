/*
 * fetch.c — batches of ranged GETs over one curl multi handle (fetch.h).
 *
 * One loop per batch: start ranges while fewer than `connections` are in flight (those waiting
 * out a back-off later), let libcurl move the bytes, and settle each finished attempt — done,
 * retried from where it stopped, or failed. Each answer is checked when its first body byte
 * arrives (status, Content-Range against what was asked, the pin) and refused there, so a wrong
 * answer never writes a byte into a destination and a server ignoring Range is not downloaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "fetch.h"

struct rm_session {
    CURLM *multi;
    const fr_allocator *alloc;
    uint64_t rng;               /* back-off jitter (xorshift64) */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

rm_session *rm_session_new(const rm_config *cfg, const fr_allocator *alloc)
{
    rm_session *s = fr_calloc(alloc, 1, sizeof *s);
    if (!s)
        return NULL;
    s->alloc = alloc;
    if (!(s->multi = curl_multi_init())) {
        fr_free(alloc, s);
        return NULL;
    }
    long conns = (long)cfg->connections;
    curl_multi_setopt(s->multi, CURLMOPT_MAX_HOST_CONNECTIONS, conns);
    curl_multi_setopt(s->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, conns);
    curl_multi_setopt(s->multi, CURLMOPT_MAXCONNECTS, conns); /* kept open between batches */
    curl_multi_setopt(s->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    s->rng = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)getpid() ^ (uint64_t)(uintptr_t)s ^ 1;
    return s;
}

void rm_session_free(rm_session *s)
{
    if (!s)
        return;
    curl_multi_cleanup(s->multi);
    fr_free(s->alloc, s);
}

/* ---- one answer ------------------------------------------------------------------------------ */

static int strong(const char *etag) { return etag[0] == '"'; }

/* The object's size and validators as this answer gives them: pinned by the first answers, the
 * same for every later one. */
static int check_pin(rm_range *r, rm_target *t, uint64_t total)
{
    if (!t->pinned) {
        t->size = total;
        if (r->etag[0] && strong(r->etag))
            strcpy(t->etag, r->etag);
        else if (r->etag[0])
            strcpy(t->weak_etag, r->etag);
        if (!t->etag[0] && r->last_modified[0])
            strcpy(t->last_modified, r->last_modified);
        t->pinned = 1;
        return 0;
    }
    /* an answer without a validator is taken on the strength of the condition it answered */
    int changed = total != t->size ||
                  (r->etag[0] && strcmp(r->etag, t->etag[0] ? t->etag : t->weak_etag) != 0 &&
                   (t->etag[0] || t->weak_etag[0])) ||
                  (t->last_modified[0] && r->last_modified[0] &&
                   strcmp(r->last_modified, t->last_modified) != 0);
    if (changed)
        return fr_fail(&r->err, FR_EIO, "%s: the object changed since it was opened", t->name);
    return 0;
}

/* Whether a 200/206 answer is the bytes asked for: checked before its first byte is used. */
static int check_answer(rm_range *r, rm_target *t)
{
    fr_err *e = &r->err;
    if (r->encoded)
        return fr_fail(e, FR_EIO, "%s: the server sent the object content-encoded; frost reads "
                                  "its bytes as stored", t->name);
    uint64_t want = r->start + r->got, total;
    if (r->status == 206) {
        if (!r->has_range)
            return fr_fail(e, FR_EIO, "%s: a partial answer (206) without Content-Range", t->name);
        if (r->suffix) {
            /* the tail of an object of unknown size: the answer says where it starts */
            if (r->cr_last + 1 != r->cr_total || r->cr_last - r->cr_first + 1 > r->end - r->start)
                goto wrong_range;
            for (size_t i = 0; i < r->n_spans; i++)
                r->spans[i].off += r->cr_first;
            r->start = r->cr_first;
            r->end = r->cr_last + 1;
            r->suffix = 0;
        } else if (r->cr_first != want || r->cr_last >= r->end ||
                   (r->cr_last + 1 < r->end && !(r->open_end && r->cr_last + 1 == r->cr_total))) {
            goto wrong_range;
        }
        total = r->cr_total;
    } else {
        /* 200: the whole object — welcome only when the whole object is what was asked for */
        int whole = !r->suffix && want == 0 && r->has_length &&
                    (r->open_end ? r->length <= r->end : r->length == r->end);
        if (!whole) {
            char size[48] = "";
            if (r->has_length)
                snprintf(size, sizeof size, " of %llu bytes", (unsigned long long)r->length);
            return fr_fail(e, FR_EUNSUPPORTED,
                           "%s: the server ignores Range requests (it answered 200 with the "
                           "whole object%s); frost reads a model by ranges and will not download "
                           "all of it", t->name, size);
        }
        total = r->length;
    }
    if (r->open_end && total < r->end)
        r->end = total; /* an object shorter than the first read */
    return check_pin(r, t, total);
wrong_range:
    return fr_fail(e, FR_EIO, "%s: asked for bytes %s, the server sent bytes %llu-%llu/%llu",
                   t->name, r->range_text, (unsigned long long)r->cr_first,
                   (unsigned long long)r->cr_last, (unsigned long long)r->cr_total);
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    rm_range *r = ud;
    size_t len = size * n;
    int status;
    const char *v;
    size_t vn;
    if (rm_http_status(p, len, &status) == 0) {
        /* a new answer (after a redirect, or a 100): forget the last one's fields */
        r->status = status;
        r->has_range = r->has_length = r->encoded = 0;
        r->etag[0] = r->last_modified[0] = '\0';
    } else if (rm_http_field(p, len, "Content-Range", &v, &vn)) {
        r->has_range = rm_http_content_range(v, vn, &r->cr_first, &r->cr_last, &r->cr_total) == 0;
    } else if (rm_http_field(p, len, "Content-Length", &v, &vn)) {
        r->has_length = rm_http_u64(v, vn, &r->length) == 0;
    } else if (rm_http_field(p, len, "ETag", &v, &vn)) {
        int weak;
        if (rm_http_etag(v, vn, r->etag, sizeof r->etag, &weak) != 0)
            r->etag[0] = '\0';
    } else if (rm_http_field(p, len, "Last-Modified", &v, &vn)) {
        if (rm_http_token_copy(v, vn, r->last_modified, sizeof r->last_modified) != 0)
            r->last_modified[0] = '\0';
    } else if (rm_http_field(p, len, "Content-Encoding", &v, &vn)) {
        r->encoded = !rm_http_identity_encoding(v, vn);
    }
    return len;
}

/* Puts bytes that belong at object offset pos into the spans they cover; the rest (gaps) goes. */
static void scatter(rm_range *r, uint64_t pos, const uint8_t *p, size_t n)
{
    while (n) {
        while (r->span_at < r->n_spans &&
               r->spans[r->span_at].off + r->spans[r->span_at].len <= pos)
            r->span_at++;
        size_t k;
        if (r->span_at == r->n_spans) {
            k = n;
        } else {
            const rm_span *s = &r->spans[r->span_at];
            if (s->off > pos) {
                k = s->off - pos < n ? (size_t)(s->off - pos) : n;
            } else {
                k = s->off + s->len - pos < n ? (size_t)(s->off + s->len - pos) : n;
                memcpy(s->dst + (pos - s->off), p, k);
            }
        }
        pos += k;
        p += k;
        n -= k;
    }
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    rm_range *r = ud;
    rm_target *t = r->target;
    size_t len = size * n;
    atomic_fetch_add(&t->count->bytes, (uint64_t)len);
    if (r->status != 200 && r->status != 206) {
        /* an error document: its first bytes are kept for S3's error code, the rest dropped */
        size_t k = sizeof r->error_body - r->error_len;
        k = k < len ? k : len;
        memcpy(r->error_body + r->error_len, p, k);
        r->error_len += k;
        return len;
    }
    if (!r->checked) {
        r->checked = 1;
        r->verdict = check_answer(r, t);
    }
    if (r->verdict)
        return 0; /* refused: ends the transfer (CURLE_WRITE_ERROR) */
    uint64_t pos = r->start + r->got;
    if (len > r->end - pos) {
        r->verdict = fr_fail(&r->err, FR_EIO, "%s: the server sent more than the bytes %s asked "
                                              "for", t->name, r->range_text);
        return 0;
    }
    scatter(r, pos, (const uint8_t *)p, len);
    r->got += len;
    return len;
}

/* ---- attempts --------------------------------------------------------------------------------- */

static void detach(rm_session *s, rm_range *r)
{
    if (r->easy) {
        curl_multi_remove_handle(s->multi, r->easy);
        curl_easy_cleanup(r->easy);
        r->easy = NULL;
    }
    curl_slist_free_all(r->headers);
    r->headers = NULL;
}

static int add_header(rm_range *r, const char *name, const char *value)
{
    char line[RM_VALIDATOR_MAX + 4200];
    snprintf(line, sizeof line, "%s: %s", name, value);
    struct curl_slist *l = curl_slist_append(r->headers, line);
    if (!l)
        return -1;
    r->headers = l;
    return 0;
}

/* Starts the next attempt of r: its range from where the last one stopped, its conditions, and
 * for S3 its signature (libcurl signs the headers the request has when it is sent: 7.88 adds
 * no x-amz-content-sha256 of its own, so it is set here, as is the session token). */
static int start(rm_session *s, rm_target *t, rm_range *r, double now, fr_err *e)
{
    const rm_config *cfg = t->cfg;
    if (r->attempts == 0) {
        r->first_start = now;
        r->deadline = now + cfg->timeout_ms / 1000.0;
    } else {
        atomic_fetch_add(&t->count->retries, 1);
    }
    r->attempts++;
    atomic_fetch_add(&t->count->requests, 1);
    r->target = t;
    r->status = r->checked = r->verdict = 0;
    r->has_range = r->has_length = r->encoded = 0;
    r->etag[0] = r->last_modified[0] = r->curl_error[0] = '\0';
    r->error_len = 0;
    r->span_at = 0;
    if (r->suffix)
        snprintf(r->range_text, sizeof r->range_text, "-%llu",
                 (unsigned long long)(r->end - r->start));
    else
        snprintf(r->range_text, sizeof r->range_text, "%llu-%llu",
                 (unsigned long long)(r->start + r->got), (unsigned long long)(r->end - 1));
    CURL *h = r->easy = curl_easy_init();
    if (!h)
        return fr_fail(e, FR_ENOMEM, "out of memory for a request");
    long left_ms = (long)((r->deadline - now) * 1000.0);
    left_ms = left_ms > 1 ? left_ms : 1;
    curl_easy_setopt(h, CURLOPT_URL, t->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PRIVATE, (void *)r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, (void *)r);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, (void *)r);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, r->curl_error);
    curl_easy_setopt(h, CURLOPT_RANGE, r->range_text);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "frost/0.1");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, left_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, left_ms < 10000 ? left_ms : 10000L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)cfg->stall_s);
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    /* Waiting for a connection to say whether it multiplexes (HTTP/2) only pays where it may:
     * over TLS (2TLS), and once a connection has said it — after the open's round trip (the
     * object pinned). Over http://, or before that, the wait held each request back until the
     * first connection had answered: one more round trip at open, two or three with TLS, on
     * servers such as S3 that speak HTTP/1.1 only. */
    if (t->pinned && strncasecmp(t->url, "https://", 8) == 0)
        curl_easy_setopt(h, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    if (cfg->ca_bundle[0])
        curl_easy_setopt(h, CURLOPT_CAINFO, cfg->ca_bundle);
    int bad = 0;
    if (t->pinned && t->etag[0])
        bad |= add_header(r, "If-Match", t->etag);
    else if (t->pinned && t->last_modified[0])
        bad |= add_header(r, "If-Unmodified-Since", t->last_modified);
    if (t->s3 && t->s3->sign) {
        /* S3 answers a redirect (another region) with its error, not a place to follow */
        curl_easy_setopt(h, CURLOPT_AWS_SIGV4, t->s3->sigv4);
        curl_easy_setopt(h, CURLOPT_USERNAME, t->s3->access_key);
        curl_easy_setopt(h, CURLOPT_PASSWORD, t->s3->secret_key);
        bad |= add_header(r, "x-amz-content-sha256", RM_S3_EMPTY_SHA256);
        if (t->s3->token[0])
            bad |= add_header(r, "x-amz-security-token", t->s3->token);
    } else if (!t->s3) {
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
        curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    }
    if (bad)
        return fr_fail(e, FR_ENOMEM, "out of memory for a request");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, r->headers);
    if (curl_multi_add_handle(s->multi, h) != CURLM_OK)
        return fr_fail(e, FR_ENOMEM, "cannot start a request");
    r->state = RM_RUNNING;
    return 0;
}

/* Failures worth another attempt: the network's, not the request's. */
static int retryable_curl(CURLcode c)
{
    switch (c) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
        return 1;
    default:
        return 0;
    }
}

/* The next attempt after the back-off, when the attempts and the time allow: exponential
 * (100 ms doubling to 2 s) with jitter, so clients retrying together spread out. Else r fails
 * with why. */
static void retry_or_fail(rm_session *s, rm_target *t, rm_range *r, double now, const char *why)
{
    const rm_config *cfg = t->cfg;
    double base = 0.1 * (double)(1u << (r->attempts < 5 ? r->attempts - 1 : 4));
    base = base < 2.0 ? base : 2.0;
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    double delay = base / 2 + base / 2 * (double)(s->rng >> 11) / (double)(1ull << 53);
    if (r->attempts < cfg->attempts && now + delay < r->deadline) {
        r->state = RM_PENDING;
        r->not_before = now + delay;
        return;
    }
    r->state = RM_FAILED;
    fr_fail(&r->err, FR_EIO, "%s: %s (gave up after %u attempt%s in %.1f s)", t->name, why,
            r->attempts, r->attempts == 1 ? "" : "s", now - r->first_start);
}

/* Settles an attempt that ended: done, retried, or failed. */
static void settle(rm_session *s, rm_target *t, rm_range *r, CURLcode res, double now)
{
    detach(s, r);
    char why[320], code[64] = "";
    int st = r->status;
    if (r->verdict) {
        r->state = RM_FAILED;
        return;
    }
    if (st >= 300 && rm_http_s3_code(r->error_body, r->error_len, code + 2, sizeof code - 3) == 0) {
        code[0] = ',';
        code[1] = ' ';
    }
    if (st >= 300 && !(res != CURLE_OK && retryable_curl(res) && r->error_len == 0)) {
        if (st == 408 || st == 429 || st >= 500) {
            snprintf(why, sizeof why, "the server answered HTTP %d%s", st, code);
            retry_or_fail(s, t, r, now, why);
            return;
        }
        r->state = RM_FAILED;
        if (st == 401 || st == 403)
            fr_fail(&r->err, FR_EIO, "%s: access denied (HTTP %d%s)%s", t->name, st, code,
                    t->s3 && !t->s3->sign ? "; no AWS credentials in the environment" : "");
        else if (st == 404)
            fr_fail(&r->err, FR_EIO, "%s: not found (HTTP 404%s)", t->name, code);
        else if (st == 412 || (st == 416 && t->pinned))
            fr_fail(&r->err, FR_EIO, "%s: the object changed since it was opened (HTTP %d)",
                    t->name, st);
        else if (st == 416)
            fr_fail(&r->err, FR_ETRUNCATED, "%s: the object is empty (HTTP 416)", t->name);
        else
            fr_fail(&r->err, FR_EIO, "%s: the server answered HTTP %d%s", t->name, st, code);
        return;
    }
    if (res == CURLE_OK && (st == 200 || st == 206)) {
        if (!r->checked) { /* an empty body: checked here */
            r->checked = 1;
            if ((r->verdict = check_answer(r, t))) {
                r->state = RM_FAILED;
                return;
            }
        }
        if (r->start + r->got >= r->end) {
            r->state = RM_DONE;
            return;
        }
        snprintf(why, sizeof why, "the answer ended after %llu of %llu bytes",
                 (unsigned long long)r->got, (unsigned long long)(r->end - r->start));
        retry_or_fail(s, t, r, now, why);
        return;
    }
    snprintf(why, sizeof why, "%s", r->curl_error[0] ? r->curl_error : curl_easy_strerror(res));
    if (res == CURLE_OK)
        snprintf(why, sizeof why, "an answer without a status");
    if (res != CURLE_OK && retryable_curl(res)) {
        retry_or_fail(s, t, r, now, why);
        return;
    }
    r->state = RM_FAILED;
    fr_fail(&r->err, FR_EIO, "%s: %s", t->name, why);
}

/* ---- a batch ---------------------------------------------------------------------------------- */

int rm_fetch(rm_session *s, rm_target *t, rm_range *ranges, size_t n, fr_err *e)
{
    for (size_t i = 0; i < n; i++) {
        rm_range *r = &ranges[i];
        r->state = RM_PENDING;
        r->got = 0;
        r->attempts = 0;
        r->not_before = 0;
        r->easy = NULL;
        r->headers = NULL;
    }
    size_t running = 0;
    int rc = 0;
    for (;;) {
        /* start what may start, in range order; see whether anything is left */
        double now = now_s(), wake = now + 1.0;
        size_t open = 0;
        for (size_t i = 0; i < n && !rc; i++) {
            rm_range *r = &ranges[i];
            if (r->state == RM_FAILED && !r->optional) {
                *e = r->err;
                rc = r->err.code;
            } else if (r->state == RM_RUNNING) {
                open++;
            } else if (r->state == RM_PENDING) {
                open++;
                if (r->not_before > now)
                    wake = r->not_before < wake ? r->not_before : wake;
                else if (running < t->cfg->connections && !(rc = start(s, t, r, now, e)))
                    running++;
            }
        }
        if (rc || open == 0)
            break;
        int still;
        curl_multi_perform(s->multi, &still);
        CURLMsg *msg;
        int left, settled = 0;
        while ((msg = curl_multi_info_read(s->multi, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            rm_range *r = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
            settle(s, t, r, msg->data.result, now_s());
            running--;
            settled = 1;
        }
        if (settled)
            continue; /* start what may start now */
        /* until a socket is ready, libcurl's next timer, or the first back-off ends */
        int ms = (int)((wake - now_s()) * 1000.0);
        curl_multi_poll(s->multi, NULL, 0, ms > 0 ? ms : 0, NULL);
    }
    for (size_t i = 0; i < n; i++)
        detach(s, &ranges[i]);
    return rc;
}
