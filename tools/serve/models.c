/*
 * models.c — the served models: one slot per name, the version in use with a reference count,
 * and the watcher that swaps in a new version when a slot's source changes (serve.h).
 *
 * A request acquires the slot's current version (one reference) and scores on it whatever
 * happens meanwhile; the slot holds its own reference on its current version. A swap publishes
 * the new version under the slot's lock and drops the slot's reference on the old one, which
 * is closed by whoever drops its last reference — the swap itself when no request holds it,
 * else the last request that does. So no request fails or mixes two versions, and a replaced
 * model's memory and descriptor are given back as soon as nobody scores on it.
 *
 * A source is resolved to a file and the file's identity (srv_file_id) each poll; a rename over
 * the path (what `frost convert` and every atomic writer do) or an in-place rewrite changes the
 * identity, and so does a registry reference's promote or rollback (it resolves to another
 * version's file; the version files themselves never change). A changed source that does not
 * open (a half-written file, a damaged one, one that fails a required signature) leaves the old
 * version serving and is reported once per identity.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "serve/serve.h"
#include "url.h"

/* ---- sources ------------------------------------------------------------------------------ */

/* The file a slot's source names now, and its identity. A source is a path, or a registry
 * reference (ROOT/NAME@ALIAS, @VERSION, @latest) that frost_resolve turns into the file of the
 * version it names now — a promote or a rollback makes it resolve to another file, whose
 * identity differs, and srv_slot_check swaps that version in as it does for a replaced path. */
static int resolve_source(const char *source, char *path, size_t cap, srv_file_id *id,
                          char *why, size_t why_cap)
{
    uint64_t version;
    if (frost_resolve(source, path, cap, &version) != 0) {
        snprintf(why, why_cap, "%s", frost_errmsg(NULL));
        return -1;
    }
    /* A URL (read through libfrost_remote.so) has one identity for the life of the server: the
     * object is pinned by its ETag when opened (runtime/remote.h), and polling it would cost a
     * request per model per --watch-interval. A replaced object is served on restart. */
    if (rt_url_kind_of(path)) {
        *id = (srv_file_id){0};
        return 0;
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(why, why_cap, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(why, why_cap, "%s: not a regular file", path);
        return -1;
    }
    *id = (srv_file_id){
        .dev = st.st_dev,
        .ino = st.st_ino,
        .size = st.st_size,
        .mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec,
        .ctime_ns = (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec,
        .version = version,
    };
    return 0;
}

static int same_id(const srv_file_id *a, const srv_file_id *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns && a->version == b->version;
}

/* ---- versions ----------------------------------------------------------------------------- */

static int by_name_cmp(const void *a, const void *b, void *model)
{
    const char *x = frost_feature_name(model, *(const uint32_t *)a);
    const char *y = frost_feature_name(model, *(const uint32_t *)b);
    int c = strcmp(x, y);
    /* equal names keep their order: the k-th request column of a name feeds the k-th input */
    return c ? c : (*(const uint32_t *)a > *(const uint32_t *)b) -
                       (*(const uint32_t *)a < *(const uint32_t *)b);
}

/* Position in by_name of the first input named name, or n_inputs. */
static size_t lower_bound(const srv_model *v, const char *name, size_t len)
{
    size_t lo = 0, hi = v->info.n_inputs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *f = frost_feature_name(v->m, v->by_name[mid]);
        size_t flen = strlen(f);
        int c = memcmp(f, name, flen < len ? flen : len);
        if (c == 0)
            c = (flen > len) - (flen < len);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int name_at(const srv_model *v, size_t pos, const char *name, size_t len)
{
    if (pos >= v->info.n_inputs)
        return 0;
    const char *f = frost_feature_name(v->m, v->by_name[pos]);
    return strlen(f) == len && memcmp(f, name, len) == 0;
}

int64_t srv_model_input(const srv_model *v, const char *name, size_t len, uint32_t *count)
{
    if (count)
        *count = 0;
    if (!v->named)
        return -1;
    size_t lo = lower_bound(v, name, len);
    if (!name_at(v, lo, name, len))
        return -1;
    if (count)
        for (size_t k = lo; name_at(v, k, name, len); k++)
            ++*count;
    return v->by_name[lo];
}

static void close_version(srv_model *v)
{
    if (!v)
        return;
    if (v->slot && v->m) {
        frost_stats st = {.size = sizeof st};
        if (frost_get_stats(v->m, &st) == 0) {
            atomic_fetch_add_explicit(&v->slot->stats.retired_blocks, st.blocks_loaded,
                                      memory_order_relaxed);
            atomic_fetch_add_explicit(&v->slot->stats.retired_bytes, st.bytes_read,
                                      memory_order_relaxed);
        }
    }
    frost_close(v->m);
    free(v->by_name);
    free(v);
}

void srv_model_release(srv_model *v)
{
    if (v && atomic_fetch_sub_explicit(&v->refs, 1, memory_order_acq_rel) == 1)
        close_version(v);
}

/* Opens path as a new version of s. Returns it (one reference: the caller's), or NULL with the
 * reason in why. */
static srv_model *open_version(srv_models *ms, srv_slot *s, const char *path,
                               const srv_file_id *id, char *why, size_t cap)
{
    srv_model *v = calloc(1, sizeof *v);
    if (!v) {
        snprintf(why, cap, "out of memory");
        return NULL;
    }
    char shown[256]; /* a URL without its credentials (url.h); a file path as it is */
    rt_url_display(path, shown, sizeof shown);
    if (frost_open(path, &ms->open, &v->m) != 0) {
        const char *msg = frost_errmsg(NULL); /* a URL's message names it already */
        if (strncmp(msg, shown, strlen(shown)) == 0)
            snprintf(why, cap, "%s", msg);
        else
            snprintf(why, cap, "%s: %s", shown, msg);
        free(v);
        return NULL;
    }
    v->info.size = sizeof v->info;
    frost_model_info(v->m, &v->info);
    if (v->info.estimator == 0) {
        snprintf(why, cap, "%s is a saved transformer: it does not predict", shown);
        goto fail;
    }
    v->named = v->info.n_inputs && frost_feature_name(v->m, 0) != NULL;
    if (v->named) {
        v->by_name = malloc((v->info.n_inputs ? v->info.n_inputs : 1) * sizeof *v->by_name);
        if (!v->by_name) {
            snprintf(why, cap, "out of memory");
            goto fail;
        }
        for (uint32_t i = 0; i < v->info.n_inputs; i++)
            v->by_name[i] = i;
        qsort_r(v->by_name, v->info.n_inputs, sizeof *v->by_name, by_name_cmp, v->m);
    }
    /* a registry's version number, else the source pickle's hash that frost convert records */
    const char *hash = frost_meta_get(v->m, "source_xxh3");
    if (id->version)
        snprintf(v->version, sizeof v->version, "%llu", (unsigned long long)id->version);
    else if (hash)
        snprintf(v->version, sizeof v->version, "%s", hash);
    v->id = *id;
    v->slot = s;
    atomic_init(&v->refs, 1);
    return v;
fail:
    frost_close(v->m);
    free(v);
    return NULL;
}

/* Reads every block of a new version, so steady-state requests never wait for the disk. */
static void *preload_thread(void *arg)
{
    srv_model *v = arg;
    if (frost_load_all(v->m) != 0)
        fprintf(stderr, "frost serve: %s: preloading: %s\n", v->slot->name, frost_errmsg(v->m));
    srv_model_release(v);
    return NULL;
}

static void start_preload(srv_models *ms, srv_model *v)
{
    if (!ms->preload)
        return;
    atomic_fetch_add_explicit(&v->refs, 1, memory_order_relaxed);
    pthread_t th;
    if (pthread_create(&th, NULL, preload_thread, v) == 0)
        pthread_detach(th);
    else
        srv_model_release(v);
}

/* Makes v (one reference, which passes to the slot) s's current version; the old one is
 * closed after its last request. */
static void publish(srv_slot *s, srv_model *v)
{
    pthread_mutex_lock(&s->mu);
    srv_model *old = s->cur;
    v->generation = ++s->generations;
    s->cur = v;
    s->state = SLOT_READY;
    s->failed_valid = 0;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    srv_model_release(old);
}

/* ---- slots -------------------------------------------------------------------------------- */

/* The name a source serves under: a path's file name without ".frost" (a URL's last path
 * segment, without its query or fragment); a registry reference's (ROOT/NAME@ALIAS) model name
 * NAME, whichever version it resolves to. */
static char *name_of(const char *source, int reference)
{
    size_t end = rt_url_kind_of(source) ? strcspn(source, "?#") : strlen(source);
    const char *base = memrchr(source, '/', end);
    base = base ? base + 1 : source;
    size_t len = (size_t)(source + end - base);
    if (reference)
        len = strcspn(base, "@");
    else if (len > 6 && memcmp(base + len - 6, ".frost", 6) == 0)
        len -= 6;
    return strndup(base, len);
}

/* A name must be one URL path segment that needs no escaping, so clients can write the URL. */
static int name_ok(const char *name)
{
    if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.' || *p == '~'))
            return 0;
    return 1;
}

int srv_models_init(srv_models *ms, char **sources, size_t n, const frost_open_options *open)
{
    *ms = (srv_models){.n = n, .open = *open, .poll_ms = 200};
    pthread_mutex_init(&ms->stop_mu, NULL);
    pthread_cond_init(&ms->stop_cv, NULL);
    ms->slots = calloc(n ? n : 1, sizeof *ms->slots);
    if (!ms->slots) {
        fprintf(stderr, "frost serve: out of memory\n");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        srv_slot *s = &ms->slots[i];
        pthread_mutex_init(&s->mu, NULL);
        pthread_cond_init(&s->cv, NULL);
        s->index = i;
        /* a source that names nothing is said before the socket listens */
        char path[4096], why[sizeof s->error];
        srv_file_id id;
        if (resolve_source(sources[i], path, sizeof path, &id, why, sizeof why)) {
            fprintf(stderr, "frost serve: %s\n", why);
            return -1;
        }
        s->source = strdup(sources[i]);
        s->reference = id.version != 0;
        s->name = name_of(sources[i], s->reference);
        if (!s->source || !s->name) {
            fprintf(stderr, "frost serve: out of memory\n");
            return -1;
        }
        char shown[512], other[512];
        rt_url_display(s->source, shown, sizeof shown);
        if (!name_ok(s->name)) {
            fprintf(stderr, "frost serve: %s: the model's name '%s' must be letters, digits, "
                            "'-', '_', '.' or '~' (it is a URL path segment); rename the file\n",
                    shown, s->name);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(ms->slots[j].name, s->name) == 0) {
                fprintf(stderr, "frost serve: %s and %s would both be served as '%s'\n",
                        rt_url_display(ms->slots[j].source, other, sizeof other), shown,
                        s->name);
                return -1;
            }
    }
    return 0;
}

srv_slot *srv_models_find(srv_models *ms, const char *name)
{
    for (size_t i = 0; i < ms->n; i++)
        if (strcmp(ms->slots[i].name, name) == 0)
            return &ms->slots[i];
    return NULL;
}

srv_model *srv_slot_acquire(srv_slot *s, char *why, size_t cap)
{
    pthread_mutex_lock(&s->mu);
    while (s->state == SLOT_LOADING)
        pthread_cond_wait(&s->cv, &s->mu);
    srv_model *v = s->cur;
    if (v)
        atomic_fetch_add_explicit(&v->refs, 1, memory_order_relaxed);
    else
        snprintf(why, cap, "model '%s' is not available: %s", s->name, s->error);
    pthread_mutex_unlock(&s->mu);
    return v;
}

int srv_models_open(srv_models *ms)
{
    int rc = 0;
    for (size_t i = 0; i < ms->n; i++) {
        srv_slot *s = &ms->slots[i];
        char path[4096], why[sizeof s->error];
        srv_file_id id;
        srv_model *v = NULL;
        /* a registry's gc may remove the version an alias named between the resolving and the
         * opening: the reference is then resolved again (the alias has moved on) */
        for (int attempt = 0; !v && attempt < 3; attempt++) {
            if (resolve_source(s->source, path, sizeof path, &id, why, sizeof why) != 0)
                break;
            v = open_version(ms, s, path, &id, why, sizeof why);
            if (!v && access(path, F_OK) == 0)
                break;
        }
        if (!v) {
            pthread_mutex_lock(&s->mu);
            snprintf(s->error, sizeof s->error, "%s", why);
            s->state = SLOT_FAILED;
            pthread_cond_broadcast(&s->cv);
            pthread_mutex_unlock(&s->mu);
            fprintf(stderr, "frost serve: %s\n", why);
            rc = -1;
            continue;
        }
        start_preload(ms, v);
        publish(s, v);
    }
    return rc;
}

/* The source did not resolve this poll. A path may be gone for a moment (between an unlink and
 * a rename): nothing to say, keep serving what we have. A registry reference that does not
 * resolve (its alias removed, or damaged: aliases are replaced whole, never seen half written)
 * is reported once until it resolves again; the current version keeps serving meanwhile. */
static int unresolved(srv_slot *s, const char *why)
{
    if (!s->reference)
        return 0;
    pthread_mutex_lock(&s->mu);
    int first = !s->unresolved;
    s->unresolved = 1;
    if (first)
        snprintf(s->error, sizeof s->error, "%s", why);
    pthread_mutex_unlock(&s->mu);
    if (!first)
        return 0;
    atomic_fetch_add_explicit(&s->stats.reload_errors, 1, memory_order_relaxed);
    fprintf(stderr, "frost serve: %s: reload failed, still serving the previous version: %s\n",
            s->name, why);
    return -1;
}

int srv_slot_check(srv_models *ms, srv_slot *s)
{
    char path[4096], why[sizeof s->error];
    srv_file_id id;
    if (resolve_source(s->source, path, sizeof path, &id, why, sizeof why) != 0)
        return unresolved(s, why);
    pthread_mutex_lock(&s->mu);
    s->unresolved = 0;
    int unchanged = s->state != SLOT_READY || (s->cur && same_id(&s->cur->id, &id)) ||
                    (s->failed_valid && same_id(&s->failed_id, &id));
    pthread_mutex_unlock(&s->mu);
    if (unchanged)
        return 0;
    srv_model *v = open_version(ms, s, path, &id, why, sizeof why);
    srv_file_id after;
    char why2[64];
    /* the file changed again while it was being opened: what was opened may be either; take
     * the next poll's word for it */
    if (v && (resolve_source(s->source, path, sizeof path, &after, why2, sizeof why2) != 0 ||
              !same_id(&after, &id))) {
        srv_model_release(v);
        return 0;
    }
    /* gone between the resolving and the opening (renamed over again, a registry's gc): the
     * next poll resolves the source again */
    if (!v && access(path, F_OK) != 0)
        return 0;
    if (!v) {
        pthread_mutex_lock(&s->mu);
        s->failed_id = id;
        s->failed_valid = 1;
        snprintf(s->error, sizeof s->error, "%s", why);
        pthread_mutex_unlock(&s->mu);
        atomic_fetch_add_explicit(&s->stats.reload_errors, 1, memory_order_relaxed);
        fprintf(stderr, "frost serve: %s: reload failed, still serving the previous version: "
                        "%s\n", s->name, why);
        return -1;
    }
    start_preload(ms, v);
    publish(s, v);
    atomic_fetch_add_explicit(&s->stats.reloads, 1, memory_order_relaxed);
    return 1;
}

static void *watch_thread(void *arg)
{
    srv_models *ms = arg;
    pthread_mutex_lock(&ms->stop_mu);
    while (!ms->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += (long)(ms->poll_ms % 1000) * 1000000L;
        until.tv_sec += ms->poll_ms / 1000 + until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&ms->stop_cv, &ms->stop_mu, &until);
        if (ms->stop)
            break;
        pthread_mutex_unlock(&ms->stop_mu);
        for (size_t i = 0; i < ms->n; i++)
            srv_slot_check(ms, &ms->slots[i]);
        pthread_mutex_lock(&ms->stop_mu);
    }
    pthread_mutex_unlock(&ms->stop_mu);
    return NULL;
}

int srv_models_watch(srv_models *ms, unsigned poll_ms)
{
    ms->poll_ms = poll_ms ? poll_ms : 200;
    if (pthread_create(&ms->watcher, NULL, watch_thread, ms) != 0)
        return -1;
    ms->watching = 1;
    return 0;
}

void srv_models_stop_watch(srv_models *ms)
{
    if (!ms->watching)
        return;
    pthread_mutex_lock(&ms->stop_mu);
    ms->stop = 1;
    pthread_cond_broadcast(&ms->stop_cv);
    pthread_mutex_unlock(&ms->stop_mu);
    pthread_join(ms->watcher, NULL);
    ms->watching = 0;
}

void srv_models_free(srv_models *ms)
{
    srv_models_stop_watch(ms);
    for (size_t i = 0; ms->slots && i < ms->n; i++) {
        srv_slot *s = &ms->slots[i];
        srv_model_release(s->cur);
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cv);
        free(s->name);
        free(s->source);
    }
    free(ms->slots);
    pthread_mutex_destroy(&ms->stop_mu);
    pthread_cond_destroy(&ms->stop_cv);
}
