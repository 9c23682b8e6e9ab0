/*
 * metrics.c — what GET /metrics reports, in Prometheus' text exposition format (version 0.0.4:
 * "# HELP", "# TYPE", one sample per line, histograms as cumulative _bucket{le=...} series
 * with _sum and _count): requests and errors by model and endpoint, latency histograms, rows
 * scored, blocks loaded and bytes read, reloads, open connections.
 *
 * Counters are relaxed atomics in fixed arrays (one row per model plus one for requests that
 * name none), so recording a request takes no lock and no allocation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/serve.h"

static const char *const ep_names[EP_COUNT] = {"infer", "predict", "metadata", "ready",
                                               "health", "metrics", "other"};
/* latency bucket upper bounds, seconds */
static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                 0.5, 1, 2.5, 5, 10};
#define N_BUCKETS (sizeof buckets / sizeof buckets[0])
/* status codes counted apart; others land in the last */
static const unsigned codes[] = {200, 400, 404, 405, 413, 415, 500, 503, 0};
#define N_CODES (sizeof codes / sizeof codes[0])

typedef struct ep_stats {
    atomic_uint_fast64_t by_code[N_CODES];
    atomic_uint_fast64_t bucket[N_BUCKETS + 1]; /* non-cumulative; the last is +Inf */
    atomic_uint_fast64_t sum_us;                /* latency sum, microseconds */
} ep_stats;

static ep_stats *table; /* (n_models + 1) × EP_COUNT; row 0: no model */
static size_t n_rows;
static atomic_int connections;

void srv_metrics_init(srv_models *ms)
{
    n_rows = ms->n + 1;
    table = calloc(n_rows * EP_COUNT, sizeof *table);
    if (!table)
        n_rows = 0; /* nothing is recorded; /metrics still answers */
}

void srv_metrics_request(const srv_slot *s, enum srv_endpoint ep, unsigned status, double sec)
{
    size_t row = s ? s->index + 1 : 0;
    if (row >= n_rows)
        return;
    ep_stats *e = &table[row * EP_COUNT + ep];
    size_t c = 0;
    while (codes[c] && codes[c] != status)
        c++;
    atomic_fetch_add_explicit(&e->by_code[c], 1, memory_order_relaxed);
    size_t b = 0;
    while (b < N_BUCKETS && sec > buckets[b])
        b++;
    atomic_fetch_add_explicit(&e->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&e->sum_us, (uint_fast64_t)(sec * 1e6 + 0.5), memory_order_relaxed);
}

void srv_metrics_connections(int delta)
{
    atomic_fetch_add_explicit(&connections, delta, memory_order_relaxed);
}

static uint64_t get(atomic_uint_fast64_t *a)
{
    return atomic_load_explicit(a, memory_order_relaxed);
}

char *srv_metrics_render(srv_models *ms, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f)
        return NULL;
    fputs("# HELP frost_requests_total Requests answered, by model, endpoint and status.\n"
          "# TYPE frost_requests_total counter\n", f);
    for (size_t r = 0; r < n_rows; r++)
        for (int ep = 0; ep < EP_COUNT; ep++)
            for (size_t c = 0; c < N_CODES; c++) {
                uint64_t v = get(&table[r * EP_COUNT + ep].by_code[c]);
                if (!v)
                    continue;
                char code[16];
                snprintf(code, sizeof code, codes[c] ? "%u" : "other", codes[c]);
                fprintf(f, "frost_requests_total{model=\"%s\",endpoint=\"%s\",code=\"%s\"} %llu\n",
                        r ? ms->slots[r - 1].name : "", ep_names[ep], code, (unsigned long long)v);
            }
    fputs("# HELP frost_request_errors_total Requests answered with a status of 400 or more.\n"
          "# TYPE frost_request_errors_total counter\n", f);
    for (size_t r = 0; r < n_rows; r++)
        for (int ep = 0; ep < EP_COUNT; ep++) {
            uint64_t v = 0, all = 0;
            for (size_t c = 0; c < N_CODES; c++) {
                uint64_t k = get(&table[r * EP_COUNT + ep].by_code[c]);
                all += k;
                v += codes[c] != 200 ? k : 0;
            }
            if (all)
                fprintf(f, "frost_request_errors_total{model=\"%s\",endpoint=\"%s\"} %llu\n",
                        r ? ms->slots[r - 1].name : "", ep_names[ep], (unsigned long long)v);
        }
    fputs("# HELP frost_request_duration_seconds Time from a request's headers to its answer.\n"
          "# TYPE frost_request_duration_seconds histogram\n", f);
    for (size_t r = 0; r < n_rows; r++)
        for (int ep = 0; ep < EP_COUNT; ep++) {
            ep_stats *e = &table[r * EP_COUNT + ep];
            uint64_t cum = 0;
            for (size_t b = 0; b <= N_BUCKETS; b++)
                cum += get(&e->bucket[b]);
            if (!cum)
                continue;
            const char *model = r ? ms->slots[r - 1].name : "";
            uint64_t run = 0;
            for (size_t b = 0; b <= N_BUCKETS; b++) {
                run += get(&e->bucket[b]);
                if (b < N_BUCKETS)
                    fprintf(f, "frost_request_duration_seconds_bucket{model=\"%s\","
                               "endpoint=\"%s\",le=\"%g\"} %llu\n", model, ep_names[ep],
                            buckets[b], (unsigned long long)run);
                else
                    fprintf(f, "frost_request_duration_seconds_bucket{model=\"%s\","
                               "endpoint=\"%s\",le=\"+Inf\"} %llu\n", model, ep_names[ep],
                            (unsigned long long)run);
            }
            fprintf(f, "frost_request_duration_seconds_sum{model=\"%s\",endpoint=\"%s\"} %.6f\n",
                    model, ep_names[ep], (double)get(&e->sum_us) / 1e6);
            fprintf(f, "frost_request_duration_seconds_count{model=\"%s\",endpoint=\"%s\"} %llu\n",
                    model, ep_names[ep], (unsigned long long)cum);
        }
    fputs("# HELP frost_rows_scored_total Rows scored.\n"
          "# TYPE frost_rows_scored_total counter\n", f);
    for (size_t i = 0; i < ms->n; i++)
        fprintf(f, "frost_rows_scored_total{model=\"%s\"} %llu\n", ms->slots[i].name,
                (unsigned long long)get(&ms->slots[i].stats.rows));
    /* the current version's counts plus those of the versions it replaced */
    uint64_t *blocks = calloc(ms->n ? ms->n : 1, sizeof *blocks);
    uint64_t *bytes = calloc(ms->n ? ms->n : 1, sizeof *bytes);
    for (size_t i = 0; blocks && bytes && i < ms->n; i++) {
        srv_slot *s = &ms->slots[i];
        char why[8];
        blocks[i] = get(&s->stats.retired_blocks);
        bytes[i] = get(&s->stats.retired_bytes);
        pthread_mutex_lock(&s->mu);
        int ready = s->state == SLOT_READY;
        pthread_mutex_unlock(&s->mu);
        srv_model *v = ready ? srv_slot_acquire(s, why, sizeof why) : NULL;
        frost_stats st = {.size = sizeof st};
        if (v && frost_get_stats(v->m, &st) == 0) {
            blocks[i] += st.blocks_loaded;
            bytes[i] += st.bytes_read;
        }
        srv_model_release(v);
    }
    fputs("# HELP frost_blocks_loaded_total Model blocks read, verified and made ready.\n"
          "# TYPE frost_blocks_loaded_total counter\n", f);
    for (size_t i = 0; blocks && i < ms->n; i++)
        fprintf(f, "frost_blocks_loaded_total{model=\"%s\"} %llu\n", ms->slots[i].name,
                (unsigned long long)blocks[i]);
    fputs("# HELP frost_bytes_read_total Bytes read from model files for blocks.\n"
          "# TYPE frost_bytes_read_total counter\n", f);
    for (size_t i = 0; bytes && i < ms->n; i++)
        fprintf(f, "frost_bytes_read_total{model=\"%s\"} %llu\n", ms->slots[i].name,
                (unsigned long long)bytes[i]);
    free(blocks);
    free(bytes);
    fputs("# HELP frost_model_reloads_total New versions of a model swapped in.\n"
          "# TYPE frost_model_reloads_total counter\n", f);
    for (size_t i = 0; i < ms->n; i++)
        fprintf(f, "frost_model_reloads_total{model=\"%s\"} %llu\n", ms->slots[i].name,
                (unsigned long long)get(&ms->slots[i].stats.reloads));
    fputs("# HELP frost_model_reload_errors_total Changed model files that did not open (the "
          "previous version kept serving).\n"
          "# TYPE frost_model_reload_errors_total counter\n", f);
    for (size_t i = 0; i < ms->n; i++)
        fprintf(f, "frost_model_reload_errors_total{model=\"%s\"} %llu\n", ms->slots[i].name,
                (unsigned long long)get(&ms->slots[i].stats.reload_errors));
    fprintf(f, "# HELP frost_open_connections Connections open now.\n"
               "# TYPE frost_open_connections gauge\n"
               "frost_open_connections %d\n",
            atomic_load_explicit(&connections, memory_order_relaxed));
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}
