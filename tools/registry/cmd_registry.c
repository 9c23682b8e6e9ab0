/*
 * cmd_registry.c — `frost registry push|list|show|promote|rollback|gc`: a model registry kept
 * in a directory (REGISTRY.md), no server. Versions are immutable and numbered; aliases
 * (production, staging…) point at one and remember where they pointed before, for rollback;
 * `latest` is always the newest version. Anything that opens a model takes ROOT/NAME@ALIAS or
 * ROOT/NAME@VERSION (frost_open resolves it). Writers lock one model at a time (store.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "store.h"

#define MAX_VERSIONS 100000
#define MAX_ALIASES 1024
#define DEFAULT_WAIT_MS 30000

static const char registry_help[] =
    "usage: frost registry push ROOT NAME MODEL.frost [--alias ALIAS] [--pub KEY.pub]…\n"
    "       frost registry list ROOT [NAME]\n"
    "       frost registry show ROOT NAME[@VERSION|@ALIAS]\n"
    "       frost registry promote ROOT NAME VERSION ALIAS\n"
    "       frost registry rollback ROOT NAME ALIAS\n"
    "       frost registry gc ROOT NAME --keep N\n"
    "\n"
    "A model registry in the directory ROOT (made by the first push; REGISTRY.md describes\n"
    "it). push verifies MODEL (every block; its signature when keys are required by --pub or\n"
    "FROST_REQUIRE_SIGNATURE) and copies it in as NAME's next version (1, 2, …), which never\n"
    "changes; --alias points ALIAS at it. promote points ALIAS at VERSION; rollback points it\n"
    "back where it pointed before (the registry keeps each alias's history); gc removes all but\n"
    "the N newest versions, never one an alias points at or may roll back to. list and show\n"
    "print versions, aliases, push times, sizes, SHA-256 digests and the models' metadata.\n"
    "\n"
    "Everywhere a model path is taken (frost predict, inspect, verify, diff, the C API),\n"
    "ROOT/NAME@ALIAS, ROOT/NAME@VERSION and ROOT/NAME@latest name a version.\n"
    "Names and aliases: 1 to 64 of A-Z a-z 0-9 . _ -, not starting with '.'; an alias is not\n"
    "all digits and not 'latest'.\n"
    "\n"
    "  --wait SECONDS   how long a writer waits for another writer's lock (default 30)\n";

static int fail(const char *what, const fr_err *e)
{
    fprintf(stderr, "frost registry %s: %s\n", what, e->msg);
    return CLI_FAIL;
}

static void when(int64_t t, char *buf, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(buf, cap, "%lld", (long long)t);
}

static int alias_ok(const char *alias, const char *what)
{
    if (!rt_reg_name_ok(alias, strlen(alias), 1) || strcmp(alias, "latest") == 0) {
        fprintf(stderr, "frost registry %s: '%s' is not an alias name: 1 to %d of A-Z a-z 0-9 . _ "
                "-, not starting with '.', not all digits, not 'latest' (which always names the "
                "newest version)\n", what, alias, RT_REG_NAME_MAX);
        return 0;
    }
    return 1;
}

static int parse_version(const char *s, uint32_t *v)
{
    char *end;
    unsigned long x = strtoul(s, &end, 10);
    if (!*s || *end || s[0] == '0' || s[0] == '-' || s[0] == '+' || x > RT_REG_VERSION_MAX)
        return 0;
    *v = (uint32_t)x;
    return 1;
}

/* What push checks on the copy it made (the bytes that will be served): every block, the
 * padding, and the signature under the required keys. */
typedef struct push_check {
    cli_keys *keys;
    rt_version_info *info;
} push_check;

static int check_copy(const char *copy, void *ctx, fr_err *e)
{
    push_check *pc = ctx;
    frost_open_options o;
    frost_open_options_init(&o);
    if (pc->keys->n) {
        o.required_keys = pc->keys->k;
        o.n_required_keys = pc->keys->n;
    }
    frost_model *m;
    int rc = frost_open(copy, &o, &m);
    if (rc)
        return fr_fail(e, rc, "refusing to push: %s", frost_errmsg(NULL));
    frost_signature_info sig = {.size = sizeof sig};
    if ((rc = frost_signature_info_get(m, &sig)) || (rc = frost_verify(m)))
        fr_fail(e, rc, "refusing to push: %s", frost_errmsg(m));
    else if (sig.present)
        frost_key_id(&sig.key, pc->info->signed_by);
    frost_close(m);
    return rc;
}

static int push(int argc, char **argv, int wait_ms)
{
    const char *pubs[CLI_MAX_KEYS], *pos[3], *alias = NULL;
    cli_list pub_list = {.v = pubs, .cap = CLI_MAX_KEYS};
    int help, n_pos;
    cli_opt opts[] = {{"--alias", NULL, 1, &alias, NULL}, {0}};
    int rc = cli_take_all("registry push", "--pub", &argc, argv, &pub_list);
    if (rc || (rc = cli_parse("registry push", argc, argv, opts, pos, 3, &n_pos, &help)))
        return rc;
    if (help || n_pos != 3) {
        fputs(registry_help, help ? stdout : stderr);
        return help ? CLI_OK : CLI_USAGE;
    }
    if (alias && !alias_ok(alias, "push"))
        return CLI_USAGE;
    cli_keys keys = {.n = 0};
    for (int i = 0; i < pub_list.n; i++)
        if ((rc = cli_keys_add_file("registry push", &keys, pubs[i], "")))
            return rc;
    if ((rc = cli_keys_from_env("registry push", &keys)))
        return rc;
    fr_err e = {0};
    reg_model m;
    char note[300];
    if (reg_model_init(&m, pos[0], pos[1], 1, &e) || reg_lock(&m, wait_ms, note, sizeof note, &e))
        return fail("push", &e);
    if (*note)
        fprintf(stderr, "frost registry push: %s\n", note);
    uint32_t latest = 0;
    rt_version_info info;
    memset(&info, 0, sizeof info);
    snprintf(info.source, sizeof info.source, "%s", pos[2]);
    push_check pc = {.keys = &keys, .info = &info};
    if ((rc = rt_reg_latest(m.dir, &latest, &e)) == 0 && latest == RT_REG_VERSION_MAX)
        rc = fr_fail(&e, FR_ELIMIT, "model '%s' has reached version %u", m.name, latest);
    rc = rc ? rc : reg_version_add(&m, latest + 1, pos[2], &info, check_copy, &pc, &e);
    rc = rc ? rc : alias ? reg_alias_set(&m, alias, latest + 1, &e) : 0;
    reg_unlock(&m);
    if (rc)
        return fail("push", &e);
    printf("%s@%u%s%s (%" PRIu64 " bytes, sha256 %.16s…%s%s)\n", m.name, latest + 1,
           alias ? " = @" : "", alias ? alias : "", info.size, info.sha256,
           info.signed_by[0] ? ", signed by key " : ", unsigned", info.signed_by);
    return CLI_OK;
}

static int promote(const char *root, const char *name, const char *version, const char *alias,
                   int wait_ms)
{
    uint32_t v;
    if (!parse_version(version, &v)) {
        fprintf(stderr, "frost registry promote: '%s' is not a version number\n", version);
        return CLI_USAGE;
    }
    if (!alias_ok(alias, "promote"))
        return CLI_USAGE;
    fr_err e = {0};
    reg_model m;
    char note[300], path[4200];
    if (reg_model_init(&m, root, name, 0, &e) || reg_lock(&m, wait_ms, note, sizeof note, &e))
        return fail("promote", &e);
    if (*note)
        fprintf(stderr, "frost registry promote: %s\n", note);
    rt_alias old;
    fr_err ignore = {0};
    int had = reg_alias_read(&m, alias, &old, &ignore) == 0;
    int rc = 0;
    snprintf(path, sizeof path, "%s/versions/%u/model.frost", m.dir, (unsigned)v);
    FILE *f = fopen(path, "rb");
    if (!f)
        rc = fr_fail(&e, FR_EINVAL, "model '%s' has no version %u", name, (unsigned)v);
    else
        fclose(f);
    if (!rc && !(had && old.target == v))
        rc = reg_alias_set(&m, alias, v, &e);
    reg_unlock(&m);
    if (rc)
        return fail("promote", &e);
    if (had && old.target == v)
        printf("%s@%s already names version %u\n", name, alias, (unsigned)v);
    else if (had)
        printf("%s@%s: version %u → %u\n", name, alias, (unsigned)old.target, (unsigned)v);
    else
        printf("%s@%s: version %u\n", name, alias, (unsigned)v);
    return CLI_OK;
}

static int rollback(const char *root, const char *name, const char *alias, int wait_ms)
{
    if (!alias_ok(alias, "rollback"))
        return CLI_USAGE;
    fr_err e = {0};
    reg_model m;
    char note[300];
    if (reg_model_init(&m, root, name, 0, &e) || reg_lock(&m, wait_ms, note, sizeof note, &e))
        return fail("rollback", &e);
    if (*note)
        fprintf(stderr, "frost registry rollback: %s\n", note);
    rt_alias a, b;
    int rc = reg_alias_read(&m, alias, &a, &e);
    if (!rc && !a.n_was)
        rc = fr_fail(&e, FR_EINVAL, "%s@%s has pointed at version %u only: nothing to roll back "
                     "to", name, alias, (unsigned)a.target);
    if (!rc) {
        memset(&b, 0, sizeof b);
        b.target = a.was[0];
        b.since = (int64_t)time(NULL);
        b.n_was = a.n_was - 1;
        memcpy(b.was, a.was + 1, b.n_was * sizeof *b.was);
        memcpy(b.was_since, a.was_since + 1, b.n_was * sizeof *b.was_since);
        char path[4200];
        snprintf(path, sizeof path, "%s/versions/%u/model.frost", m.dir, (unsigned)b.target);
        FILE *f = fopen(path, "rb");
        if (!f)
            rc = fr_fail(&e, FR_EINVAL, "%s@%s would go back to version %u, which the registry "
                         "no longer holds", name, alias, (unsigned)b.target);
        else
            fclose(f);
        rc = rc ? rc : reg_alias_write(&m, alias, &b, &e);
    }
    reg_unlock(&m);
    if (rc)
        return fail("rollback", &e);
    printf("%s@%s: version %u → %u (rolled back)\n", name, alias, (unsigned)a.target,
           (unsigned)b.target);
    return CLI_OK;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int gc(int argc, char **argv, int wait_ms)
{
    const char *pos[2], *keep_arg = NULL;
    int help, n_pos;
    cli_opt opts[] = {{"--keep", NULL, 1, &keep_arg, NULL}, {0}};
    int rc = cli_parse("registry gc", argc, argv, opts, pos, 2, &n_pos, &help);
    if (rc)
        return rc;
    if (help || n_pos != 2 || !keep_arg) {
        fputs(registry_help, help ? stdout : stderr);
        return help ? CLI_OK : CLI_USAGE;
    }
    uint32_t keep;
    if (!parse_version(keep_arg, &keep)) {
        fprintf(stderr, "frost registry gc: --keep %s: a number of versions, at least 1\n",
                keep_arg);
        return CLI_USAGE;
    }
    fr_err e = {0};
    reg_model m;
    char note[300];
    if (reg_model_init(&m, pos[0], pos[1], 0, &e) || reg_lock(&m, wait_ms, note, sizeof note, &e))
        return fail("gc", &e);
    if (*note)
        fprintf(stderr, "frost registry gc: %s\n", note);
    static uint32_t v[MAX_VERSIONS];
    static char names[MAX_ALIASES][RT_REG_NAME_MAX + 1];
    static uint32_t held[MAX_ALIASES * (RT_REG_HISTORY_MAX + 1)];
    size_t nv, na, nh = 0;
    rc = reg_versions(&m, v, MAX_VERSIONS, &nv, &e);
    rc = rc ? rc : reg_aliases(&m, names, MAX_ALIASES, &na, &e);
    if (!rc && nv > MAX_VERSIONS)
        rc = fr_fail(&e, FR_ELIMIT, "more than %d versions", MAX_VERSIONS);
    /* what an alias points at, or may roll back to, stays */
    for (size_t i = 0; !rc && i < na; i++) {
        rt_alias a;
        if ((rc = reg_alias_read(&m, names[i], &a, &e)))
            break;
        held[nh++] = a.target;
        for (uint32_t j = 0; j < a.n_was; j++)
            held[nh++] = a.was[j];
    }
    qsort(held, nh, sizeof *held, cmp_u32);
    size_t removed = 0;
    for (size_t i = 0; !rc && i + keep < nv; i++) {
        if (bsearch(&v[i], held, nh, sizeof *held, cmp_u32))
            continue;
        if ((rc = reg_version_remove(&m, v[i], &e)))
            break;
        printf("%s removed version %u\n", m.name, (unsigned)v[i]);
        removed++;
    }
    reg_unlock(&m);
    if (rc)
        return fail("gc", &e);
    printf("%s: %zu version%s removed, %zu kept\n", m.name, removed, removed == 1 ? "" : "s",
           nv - removed);
    return CLI_OK;
}

/* The aliases of model m pointing at version v, comma-separated, into buf. */
static void aliases_of(const reg_model *m, uint32_t v, char (*names)[RT_REG_NAME_MAX + 1],
                       size_t na, char *buf, size_t cap)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < na && at < cap; i++) {
        rt_alias a;
        fr_err ignore = {0};
        if (reg_alias_read(m, names[i], &a, &ignore) == 0 && a.target == v)
            at += (size_t)snprintf(buf + at, cap - at, "%s%s", at ? ", " : "", names[i]);
    }
}

static int list_model(const char *root, const char *name)
{
    fr_err e = {0};
    reg_model m;
    static uint32_t v[MAX_VERSIONS];
    static char names[MAX_ALIASES][RT_REG_NAME_MAX + 1];
    size_t nv, na;
    if (reg_model_init(&m, root, name, 0, &e) || reg_versions(&m, v, MAX_VERSIONS, &nv, &e) ||
        reg_aliases(&m, names, MAX_ALIASES, &na, &e))
        return fail("list", &e);
    if (nv > MAX_VERSIONS)
        nv = MAX_VERSIONS;
    printf("%s: %zu version%s\n", name, nv, nv == 1 ? "" : "s");
    for (size_t i = 0; i < nv; i++) {
        rt_version_info info;
        char t[32], al[512];
        if (reg_info_read(&m, v[i], &info, &e)) {
            printf("  %-6u (unreadable info: %s)\n", (unsigned)v[i], e.msg);
            continue;
        }
        when(info.pushed_at, t, sizeof t);
        aliases_of(&m, v[i], names, na, al, sizeof al);
        printf("  %-6u %s  %10" PRIu64 " bytes  sha256 %.16s  %-8s%s%s%s\n", (unsigned)v[i], t,
               info.size, info.sha256, info.signed_by[0] ? "signed" : "unsigned",
               i + 1 == nv ? "  latest" : "", *al ? "  " : "", al);
    }
    return CLI_OK;
}

static int list(int n_pos, const char **pos)
{
    if (n_pos == 2)
        return list_model(pos[0], pos[1]);
    static char models[MAX_ALIASES][RT_REG_NAME_MAX + 1];
    size_t n;
    fr_err e = {0};
    reg_model probe;
    if (reg_model_init(&probe, pos[0], "x", 0, &e) && strstr(e.msg, "not a frost registry"))
        return fail("list", &e);
    if (reg_models(pos[0], models, MAX_ALIASES, &n, &e))
        return fail("list", &e);
    for (size_t i = 0; i < n; i++) {
        reg_model m;
        static uint32_t v[MAX_VERSIONS];
        static char names[MAX_ALIASES][RT_REG_NAME_MAX + 1];
        size_t nv, na;
        if (reg_model_init(&m, pos[0], models[i], 0, &e) ||
            reg_versions(&m, v, MAX_VERSIONS, &nv, &e) ||
            reg_aliases(&m, names, MAX_ALIASES, &na, &e))
            return fail("list", &e);
        printf("%-24s %zu version%s", models[i], nv, nv == 1 ? "" : "s");
        if (nv)
            printf(", latest %u", (unsigned)v[(nv < MAX_VERSIONS ? nv : MAX_VERSIONS) - 1]);
        for (size_t j = 0; j < na; j++) {
            rt_alias a;
            if (reg_alias_read(&m, names[j], &a, &e) == 0)
                printf("%s%s → %u", j ? ", " : "; ", names[j], (unsigned)a.target);
        }
        putchar('\n');
    }
    return CLI_OK;
}

static int show(const char *root, const char *ref)
{
    char name[RT_REG_NAME_MAX + 1], full[4200], path[4200];
    const char *at = strchr(ref, '@');
    size_t nl = at ? (size_t)(at - ref) : strlen(ref);
    if (nl > RT_REG_NAME_MAX) {
        fprintf(stderr, "frost registry show: '%s' is not NAME[@VERSION|@ALIAS]\n", ref);
        return CLI_USAGE;
    }
    memcpy(name, ref, nl);
    name[nl] = '\0';
    fr_err e = {0};
    reg_model m;
    if (reg_model_init(&m, root, name, 0, &e))
        return fail("show", &e);
    snprintf(full, sizeof full, "%s/%s@%s", root, name, at ? at + 1 : "latest");
    uint32_t v = 0;
    int rc = rt_reg_resolve(full, path, sizeof path, &v, &e);
    if (rc <= 0) {
        if (!rc)
            fr_fail(&e, FR_EINVAL, "'%s' is not NAME[@VERSION|@ALIAS]", ref);
        return fail("show", &e);
    }
    rt_version_info info;
    if (reg_info_read(&m, v, &info, &e))
        return fail("show", &e);
    static char names[MAX_ALIASES][RT_REG_NAME_MAX + 1];
    size_t na;
    char t[32], al[512];
    if (reg_aliases(&m, names, MAX_ALIASES, &na, &e))
        return fail("show", &e);
    aliases_of(&m, v, names, na, al, sizeof al);
    uint32_t latest = 0;
    rt_reg_latest(m.dir, &latest, &e);
    when(info.pushed_at, t, sizeof t);
    printf("%s@%u%s\n", name, (unsigned)v, latest == v ? " (latest)" : "");
    printf("  aliases    %s\n", *al ? al : "(none)");
    printf("  pushed     %s\n", t);
    printf("  size       %" PRIu64 " bytes\n", info.size);
    printf("  sha256     %s\n", info.sha256);
    printf("  signed     %s%s\n", info.signed_by[0] ? "by key " : "no", info.signed_by);
    if (info.source[0])
        printf("  source     %s\n", info.source);
    printf("  path       %s\n", path);
    for (size_t i = 0; i < na; i++) {
        rt_alias a;
        if (reg_alias_read(&m, names[i], &a, &e) || !a.n_was)
            continue;
        printf("  history    %s: %u", names[i], (unsigned)a.target);
        for (uint32_t j = 0; j < a.n_was && j < 10; j++)
            printf(" ← %u", (unsigned)a.was[j]);
        printf("%s\n", a.n_was > 10 ? " …" : "");
    }
    frost_model *fm;
    if (frost_open(path, NULL, &fm) != 0) {
        fprintf(stderr, "frost registry show: %s\n", frost_errmsg(NULL));
        return CLI_FAIL;
    }
    printf("  metadata\n");
    for (uint32_t i = 0; i < frost_meta_count(fm); i++) {
        const char *k, *val;
        frost_meta_at(fm, i, &k, &val);
        printf("    %-22s %s\n", k, val);
    }
    frost_close(fm);
    return CLI_OK;
}

int cmd_registry(int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        fputs(registry_help, argc < 1 ? stderr : stdout);
        return argc < 1 ? CLI_USAGE : CLI_OK;
    }
    const char *sub = argv[0];
    /* --wait applies to every writer */
    int wait_ms = DEFAULT_WAIT_MS;
    const char *waits[4];
    cli_list wait_list = {.v = waits, .cap = 4};
    argc--;
    argv++;
    int rc = cli_take_all("registry", "--wait", &argc, argv, &wait_list);
    if (rc)
        return rc;
    if (wait_list.n) {
        char *end;
        double s = strtod(waits[wait_list.n - 1], &end);
        if (*end || !(s >= 0 && s <= 3600)) {
            fprintf(stderr, "frost registry: --wait %s: seconds from 0 to 3600\n",
                    waits[wait_list.n - 1]);
            return CLI_USAGE;
        }
        wait_ms = (int)(s * 1000);
    }
    if (strcmp(sub, "push") == 0)
        return push(argc, argv, wait_ms);
    if (strcmp(sub, "gc") == 0)
        return gc(argc, argv, wait_ms);
    const char *pos[4];
    int help, n_pos;
    char cmd[32];
    snprintf(cmd, sizeof cmd, "registry %s", sub);
    if ((rc = cli_parse(cmd, argc, argv, NULL, pos, 4, &n_pos, &help)))
        return rc;
    if (help) {
        fputs(registry_help, stdout);
        return CLI_OK;
    }
    if (strcmp(sub, "list") == 0 && (n_pos == 1 || n_pos == 2))
        return list(n_pos, pos);
    if (strcmp(sub, "show") == 0 && n_pos == 2)
        return show(pos[0], pos[1]);
    if (strcmp(sub, "promote") == 0 && n_pos == 4)
        return promote(pos[0], pos[1], pos[2], pos[3], wait_ms);
    if (strcmp(sub, "rollback") == 0 && n_pos == 3)
        return rollback(pos[0], pos[1], pos[2], wait_ms);
    if (strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "promote") &&
        strcmp(sub, "rollback"))
        fprintf(stderr, "frost registry: unknown subcommand '%s'\n\n", sub);
    fputs(registry_help, stderr);
    return CLI_USAGE;
}
