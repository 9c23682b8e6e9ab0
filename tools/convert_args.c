/*
 * convert_args.c — what `frost convert` reads besides the model: metadata from --meta KEY=VALUE
 * and --meta-file FILE.json (jansson: numbers and booleans keep their type, a nested object of
 * scalars becomes dotted keys), the expected SHA-256 of --expect-sha256 HEX|@FILE, and the small
 * files --source-sig and --source-pub name. Every input is bounded and every refusal names what
 * is wrong.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "convert_args.h"

#define META_MAX_ENTRIES 4096
#define META_KEY_MAX 256
#define META_FILE_MAX (1 << 20)

void cli_meta_free(cli_meta *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free((char *)m->v[i].key);
        free((char *)m->v[i].value);
    }
    free(m->v);
    memset(m, 0, sizeof *m);
}

static int key_ok(const char *key, const char *where)
{
    size_t n = strlen(key);
    if (n == 0 || n > META_KEY_MAX) {
        fprintf(stderr, "frost convert: %s: a metadata key has 1 to %d bytes\n", where,
                META_KEY_MAX);
        return 0;
    }
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        if (*p < 0x20 || *p == 0x7f) {
            fprintf(stderr, "frost convert: %s: metadata key with a control character\n", where);
            return 0;
        }
    return 1;
}

/* Appends (a copy of) one entry; a key given again replaces the earlier value. */
static int add(cli_meta *m, const char *key, const char *value, frost_meta_type type)
{
    char *k = strdup(key), *v = strdup(value);
    if (!k || !v) {
        free(k);
        free(v);
        fprintf(stderr, "frost convert: out of memory\n");
        return -1;
    }
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->v[i].key, key) == 0) {
            free(k);
            free((char *)m->v[i].value);
            m->v[i].value = v;
            m->v[i].type = type;
            return 0;
        }
    if (m->n == META_MAX_ENTRIES) {
        fprintf(stderr, "frost convert: more than %d metadata entries\n", META_MAX_ENTRIES);
        free(k);
        free(v);
        return -1;
    }
    frost_meta_entry *grown = realloc(m->v, (m->n + 1) * sizeof *grown);
    if (!grown) {
        free(k);
        free(v);
        fprintf(stderr, "frost convert: out of memory\n");
        return -1;
    }
    m->v = grown;
    m->v[m->n++] = (frost_meta_entry){.key = k, .value = v, .type = type};
    return 0;
}

/* A double as the shortest text that reads back to it ("%.*g", C locale: frost never sets one),
 * which is a JSON number since jansson never yields NaN or infinity. */
static void shortest(double d, char *buf, size_t cap)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            return;
    }
}

/* A jansson scalar as an entry's text and type; -1 (after a message) for what metadata cannot
 * hold. */
static int scalar(const json_t *v, const char *key, char *buf, size_t cap, const char **text,
                  frost_meta_type *type)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        *text = json_string_value(v);
        *type = FROST_META_STRING;
        return 0;
    case JSON_INTEGER:
        snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        shortest(json_real_value(v), buf, cap);
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        *text = json_is_true(v) ? "true" : "false";
        *type = FROST_META_BOOL;
        return 0;
    default:
        fprintf(stderr, "frost convert: metadata '%s': %s is not a metadata value (strings, "
                "numbers, booleans, or one object of them)\n", key,
                json_is_null(v) ? "null" : json_is_array(v) ? "an array" : "an object");
        return -1;
    }
    *text = buf;
    *type = FROST_META_NUMBER;
    return 0;
}

int cli_meta_from_arg(cli_meta *m, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        fprintf(stderr, "frost convert: --meta %s: expected KEY=VALUE\n", arg);
        return -1;
    }
    char key[META_KEY_MAX + 2];
    size_t kn = (size_t)(eq - arg);
    if (kn > META_KEY_MAX) {
        fprintf(stderr, "frost convert: --meta: a metadata key has at most %d bytes\n",
                META_KEY_MAX);
        return -1;
    }
    memcpy(key, arg, kn);
    key[kn] = '\0';
    if (!key_ok(key, "--meta"))
        return -1;
    const char *value = eq + 1;
    /* a value that is a JSON number or boolean, as jansson reads it, is stored as one; the text
     * is kept as given (it is already a JSON number's) */
    frost_meta_type type = FROST_META_STRING;
    size_t vn = strlen(value);
    int padded = vn && (strchr(" \t\r\n", value[0]) || strchr(" \t\r\n", value[vn - 1]));
    json_t *j = vn && !padded ? json_loads(value, JSON_DECODE_ANY, NULL) : NULL;
    if (j && json_is_number(j) && strlen(value) <= 64)
        type = FROST_META_NUMBER;
    else if (j && json_is_boolean(j))
        type = FROST_META_BOOL;
    json_decref(j);
    return add(m, key, value, type);
}

int cli_meta_from_file(cli_meta *m, const char *path)
{
    char *text;
    size_t len;
    if (cli_read_small_file("convert", path, META_FILE_MAX, &text, &len))
        return -1;
    json_error_t err;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    free(text);
    if (!doc) {
        fprintf(stderr, "frost convert: --meta-file %s: line %d, column %d: %s\n", path,
                err.line, err.column, err.text);
        return -1;
    }
    int rc = 0;
    if (!json_is_object(doc)) {
        fprintf(stderr, "frost convert: --meta-file %s: expected one JSON object of key: value\n",
                path);
        rc = -1;
    }
    const char *key;
    json_t *v;
    char buf[64];
    json_object_foreach(doc, key, v) {
        if (rc || !key_ok(key, path)) {
            rc = -1;
            break;
        }
        if (!json_is_object(v)) {
            const char *t;
            frost_meta_type type;
            rc = scalar(v, key, buf, sizeof buf, &t, &type) ? -1 : add(m, key, t, type);
            continue;
        }
        /* one level of nesting ("metrics": {"accuracy": 0.9}) becomes metrics.accuracy */
        const char *sub;
        json_t *sv;
        json_object_foreach(v, sub, sv) {
            char full[2 * META_KEY_MAX + 2];
            snprintf(full, sizeof full, "%s.%s", key, sub);
            const char *t;
            frost_meta_type type;
            if (json_is_object(sv)) {
                fprintf(stderr, "frost convert: metadata '%s': objects nest one level at most\n",
                        full);
                rc = -1;
            }
            if (rc || !key_ok(full, path) || scalar(sv, full, buf, sizeof buf, &t, &type) ||
                add(m, full, t, type)) {
                rc = -1;
                break;
            }
        }
    }
    json_decref(doc);
    return rc;
}

int cli_read_small_file(const char *cmd, const char *path, size_t max, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "frost %s: cannot open %s: %s\n", cmd, path, strerror(errno));
        return -1;
    }
    char *buf = malloc(max + 1);
    size_t n = 0;
    if (!buf) {
        close(fd);
        fprintf(stderr, "frost %s: out of memory\n", cmd);
        return -1;
    }
    for (;;) {
        ssize_t got = read(fd, buf + n, max + 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            fprintf(stderr, "frost %s: cannot read %s: %s\n", cmd, path, strerror(errno));
            free(buf);
            close(fd);
            return -1;
        }
        if (got == 0)
            break;
        n += (size_t)got;
        if (n > max) {
            fprintf(stderr, "frost %s: %s is larger than %zu bytes\n", cmd, path, max);
            free(buf);
            close(fd);
            return -1;
        }
    }
    close(fd);
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                        : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int cli_sha256_arg(const char *arg, uint8_t out[32])
{
    char *owned = NULL;
    size_t len;
    const char *hex = arg, *what = "--expect-sha256";
    if (arg[0] == '@') {
        /* the seed's model_hash.txt (the hex digest and a newline), or sha256sum's "HEX  NAME" */
        if (cli_read_small_file("convert", arg + 1, 4096, &owned, &len))
            return -1;
        hex = owned + strspn(owned, " \t\r\n");
        what = arg + 1;
    }
    size_t n = strspn(hex, "0123456789abcdefABCDEF");
    const char *rest = hex + n;
    int ok = n == 64 && (*rest == '\0' || (owned && strchr(" \t\r\n", *rest)));
    for (int i = 0; ok && i < 32; i++)
        out[i] = (uint8_t)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
    if (!ok)
        fprintf(stderr, "frost convert: %s: expected a SHA-256 as 64 hexadecimal digits%s\n",
                what, owned ? " at the start of the file" : " (or @FILE holding them)");
    free(owned);
    return ok ? 0 : -1;
}
