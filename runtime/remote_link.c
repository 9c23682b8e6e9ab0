/*
 * remote_link.c — models opened by URL: libfrost's side of the remote plugin (remote.h).
 *
 * The first time a process opens a URL, libfrost_remote.so is loaded with dlopen and its entry
 * point gives the plugin's table; it stays loaded until the process ends (libcurl's global state
 * is set up once). It is looked for where FROST_REMOTE_PLUGIN says (tests), else beside the
 * library this code is part of (dladdr: libfrost.so's directory, where make install puts the
 * plugin too, so a program that loads libfrost.so by path — Python's ctypes — finds it), else by
 * its soname on the library path. A process that never opens a URL loads neither it nor libcurl.
 *
 * A statically linked program cannot load it: dlopen there would bring a second C library into
 * the process. The static `frost` never gets here — it hands a URL to its dynamically linked
 * twin, frost-remote (tools/frost.c) — and any other static program is told so.
 *
 * Here: the header read (the plugin's first round trip gives the prefix and the footer; the rest
 * of the header is read only when it is larger than that prefix), the block reads of the I/O
 * seam, the statistics, and closing.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "internal.h"
#include "remote.h"
#include "url.h"

struct rt_remote_link {
    const rt_remote_api *api;
    rt_remote *obj;
};

static pthread_mutex_t plugin_lock = PTHREAD_MUTEX_INITIALIZER;
static const rt_remote_api *plugin; /* set once, under plugin_lock; never unloaded */

static const char *dl_why(void)
{
    const char *d = dlerror();
    return d ? d : "not found";
}

/* dlopen of the plugin where this library lies, else by soname; why gets the last refusal. */
static void *open_plugin(char *why, size_t cap)
{
    const char *forced = getenv("FROST_REMOTE_PLUGIN");
    void *h;
    if (forced && *forced) {
        if (!(h = dlopen(forced, RTLD_NOW | RTLD_LOCAL)))
            snprintf(why, cap, "FROST_REMOTE_PLUGIN=%s: %s", forced, dl_why());
        return h;
    }
    Dl_info self;
    const char *slash;
    if (dladdr(&plugin_lock, &self) && self.dli_fname && (slash = strrchr(self.dli_fname, '/'))) {
        char path[4096];
        int n = snprintf(path, sizeof path, "%.*s/%s", (int)(slash - self.dli_fname),
                         self.dli_fname, RT_REMOTE_SONAME);
        if (n > 0 && (size_t)n < sizeof path && (h = dlopen(path, RTLD_NOW | RTLD_LOCAL)))
            return h;
    }
    if (!(h = dlopen(RT_REMOTE_SONAME, RTLD_NOW | RTLD_LOCAL)))
        snprintf(why, cap, "%s", dl_why());
    return h;
}

static int load_plugin(const rt_remote_api **out, fr_err *e)
{
    pthread_mutex_lock(&plugin_lock);
    int rc = 0;
    if (!plugin) {
        char why[512] = "";
        void *h = NULL;
        rt_remote_entry_fn entry = NULL;
        const rt_remote_api *api = NULL;
        if (!rt_url_plugin_loadable())
            rc = fr_fail(e, FROST_EUNSUPPORTED,
                         "a statically linked program cannot open a URL (loading %s would bring "
                         "a second C library into it): use frost-remote, or link libfrost "
                         "dynamically", RT_REMOTE_SONAME);
        else if (!(h = open_plugin(why, sizeof why)))
            rc = fr_fail(e, FROST_EUNSUPPORTED, "opening a URL needs %s: %s", RT_REMOTE_SONAME,
                         why);
        else if (!(*(void **)&entry = dlsym(h, RT_REMOTE_ENTRY)) || !(api = entry()))
            rc = fr_fail(e, FROST_EUNSUPPORTED, "%s has no %s", RT_REMOTE_SONAME,
                         RT_REMOTE_ENTRY);
        else if (api->abi != RT_REMOTE_ABI || api->req_size != sizeof(rt_req) ||
                 api->err_size != sizeof(fr_err) || api->config_size != sizeof(rt_remote_config))
            rc = fr_fail(e, FROST_EUNSUPPORTED,
                         "%s was built for another libfrost (interface %u, this one %u)",
                         RT_REMOTE_SONAME, api->abi, RT_REMOTE_ABI);
        if (rc && h)
            dlclose(h);
        if (!rc)
            plugin = api;
    }
    *out = plugin;
    pthread_mutex_unlock(&plugin_lock);
    return rc;
}

/* The header region brought in through the plugin and parsed; the plugin told where it lies. */
static int read_remote_header(frost_model *m, const char *name, const rt_remote_head *head,
                              fr_err *e)
{
    const rt_remote_api *api = m->remote->api;
    uint64_t size = head->size, header_size;
    int rc;
    if (size < FMT_SUPERBLOCK_SIZE + FMT_FOOTER_SIZE || head->prefix_len < FMT_SUPERBLOCK_SIZE)
        return fr_fail(e, FROST_ETRUNCATED, "%s: %llu bytes is too short for a .frost file",
                       name, (unsigned long long)size);
    if ((rc = fmt_peek_header_size(head->prefix, head->prefix_len, &header_size, e)))
        return fr_wrap(e, "%s", name);
    if (header_size + FMT_FOOTER_SIZE > size)
        return fr_fail(e, FROST_ETRUNCATED, "%s: the object ends inside its header (truncated)",
                       name);
    m->arena.plain = header_size < RT_HUGE_HEADER || size < RT_HUGE_FILE;
    m->header_buf = rt_arena_alloc(&m->arena, (size_t)header_size, 64);
    if (!m->header_buf)
        return fr_fail(e, FROST_ENOMEM, "out of memory for the header");
    m->header_len = (size_t)header_size;
    size_t have = head->prefix_len < header_size ? head->prefix_len : (size_t)header_size;
    memcpy(m->header_buf, head->prefix, have);
    if (have < header_size) {
        /* a header larger than the first read: its rest in one more request */
        rt_req rest = {.offset = have, .len = (uint32_t)(header_size - have),
                       .dst = m->header_buf + have};
        if ((rc = api->read(m->remote->obj, &rest, 1, e)))
            return rc;
    }
    uint8_t footer[FMT_FOOTER_SIZE];
    memcpy(footer, head->footer, sizeof footer);
    if ((rc = fmt_header_parse(m->header_buf, m->header_len, size, footer, &m->open_alloc, &m->h,
                               e)))
        return fr_wrap(e, "%s", name);
    api->describe(m->remote->obj, m->header_buf, header_size, m->h.digest, m->h.block_table,
                  m->h.n_blocks);
    return 0;
}

int rt_remote_open(frost_model *m, const char *url, const frost_open_options *o,
                   uint64_t *file_size, fr_err *e)
{
    char name[256];
    rt_url_display(url, name, sizeof name);
    if (o->io != FROST_IO_AUTO && o->io != FROST_IO_REMOTE)
        return fr_fail(e, FROST_EUNSUPPORTED,
                       "%s: a URL is read with ranged requests; I/O mode %d does not apply", name,
                       (int)o->io);
    const rt_remote_api *api;
    int rc = load_plugin(&api, e);
    if (rc)
        return rc;
    m->remote = fr_calloc(m->alloc, 1, sizeof *m->remote);
    if (!m->remote)
        return fr_fail(e, FROST_ENOMEM, "out of memory");
    m->remote->api = api;
    rt_remote_config cfg = {.attempts = o->remote_attempts, .timeout_ms = o->remote_timeout_ms,
                            .connections = o->remote_connections,
                            .cache_dir = o->remote_cache_dir, .alloc = m->alloc};
    rt_remote_head head;
    memset(&head, 0, sizeof head);
    if ((rc = api->open(url, &cfg, &m->remote->obj, &head, e)))
        return rc;
    *file_size = head.size;
    return read_remote_header(m, name, &head, e);
}

int rt_remote_read(rt_remote_link *l, rt_req *reqs, size_t n, rt_counters *c, fr_err *e)
{
    atomic_fetch_add(&c->submissions, 1);
    atomic_fetch_add(&c->reads, (uint64_t)n);
    int rc = l->api->read(l->obj, reqs, n, e);
    if (rc)
        return rc;
    uint64_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += reqs[i].len;
    atomic_fetch_add(&c->bytes_read, bytes);
    return 0;
}

void rt_remote_fill_stats(const frost_model *m, frost_stats *s)
{
    if (!m->remote || !m->remote->obj)
        return;
    rt_remote_stats r;
    memset(&r, 0, sizeof r);
    m->remote->api->stats(m->remote->obj, &r);
    s->remote_requests = r.requests;
    s->remote_bytes = r.bytes;
    s->remote_retries = r.retries;
    s->cache_hits = r.cache_hits;
}

void rt_remote_close(frost_model *m)
{
    if (!m->remote)
        return;
    if (m->remote->obj)
        m->remote->api->close(m->remote->obj);
    fr_free(m->alloc, m->remote);
    m->remote = NULL;
}
