/*
 * table.c — header-to-feature matching and batch filling (table.h).
 *
 * Owns the copy of the header (the reader reuses its record buffer), the feature→column map,
 * the kept, ignored and missing columns, the per-column memory of which kinds of value
 * (numbers, booleans) a column has shown, and the arenas behind the string values of a batch.
 * Name matching goes through a hash table because inputs with 15,000 columns occur and a
 * quadratic scan of those would dominate start-up.
 */
#include "csv/table.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "csv/mem.h"

#define CSV_ARENA_BLOCK ((size_t)64 * 1024)
#define CSV_NONE SIZE_MAX

/* One block of the string arena. Blocks never move, so a csv_str stays valid while later
 * values of the same batch are added. */
typedef struct csv_block {
    struct csv_block *next; /* next block, reused after a reset */
    size_t cap;             /* bytes in data */
    size_t used;            /* bytes handed out since the last reset */
    char data[];            /* the values, each NUL-terminated */
} csv_block;

/* The strings of one batch: reset, not freed, between batches. */
typedef struct csv_arena {
    csv_block *first;       /* first block, or NULL */
    csv_block *cur;         /* block values are taken from */
} csv_arena;

/* What a csv_batch owns besides its arrays. */
struct csv_batch_mem {
    const frost_allocator *a;
    csv_arena arena;
};

/* Which kinds of value a numeric column has shown, and the first row of each, so a column that
 * mixes booleans and numbers is refused where the second kind appears. */
enum { CSV_SEEN_NUMBER = 1, CSV_SEEN_BOOL = 2 };
typedef struct csv_mix {
    unsigned char seen;     /* CSV_SEEN_* bits */
    uint64_t first[3];      /* first data row of each kind, indexed by its bit */
} csv_mix;

struct csv_table {
    csv_reader *r;             /* the record reader, owned */
    const frost_allocator *a;  /* the reader's allocator */

    char *hdr;                 /* header field bytes, each NUL-terminated */
    size_t *col_off;           /* n_cols offsets of names in hdr */
    size_t *col_len;           /* n_cols name lengths */
    size_t n_cols;             /* header columns */
    char delim;                /* the reader's field separator, for the separator hint */

    size_t *kept;              /* csv_table_keep: column of each kept name */
    size_t n_kept;
    unsigned char *col_kept;   /* n_cols flags: the column is kept */
    size_t n_kept_cols;        /* distinct kept columns (a name may be kept twice) */

    int bound;                 /* csv_table_bind succeeded */
    int reading;               /* csv_table_read has run: rebinding would misalign rows */
    size_t n_features;         /* from the schema */
    size_t *feat_col;          /* n_features: the column feeding each feature */
    unsigned char *feat_kind;  /* n_features csv_kind values */
    size_t *str_slot;          /* n_features: string slot, or CSV_NONE for numeric features */
    size_t n_strings;          /* string features */
    size_t *ignored;           /* columns no feature takes, in header order */
    size_t n_ignored;
    size_t *missing;           /* features with no column, in feature order */
    size_t n_missing;
    csv_mix *mix;              /* n_features: kinds of value seen (numeric features) */

    csv_arena arena;           /* the strings of csv_table_read */

    uint64_t rows;             /* data rows returned */
    fr_err fail;               /* first failure of csv_table_read, replayed after */
};

/* Appends s[0..len) to a message for humans: quoted, control and non-ASCII bytes as \xNN (names
 * and values come from untrusted input and end up on a terminal), cut after max bytes. */
static void csv_msg_str(char *dst, size_t cap, const char *s, size_t len, size_t max)
{
    size_t o = strlen(dst);
    if (o + 1 >= cap)
        return;
#define CSV_PUT(...)                                                             \
    do {                                                                         \
        int k_ = snprintf(dst + o, cap - o, __VA_ARGS__);                        \
        o = k_ < 0 || (size_t)k_ >= cap - o ? cap - 1 : o + (size_t)k_;          \
    } while (0)
    CSV_PUT("\"");
    for (size_t i = 0; i < len && i < max && o + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            CSV_PUT("\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            CSV_PUT("\\x%02x", c);
        else
            CSV_PUT("%c", c);
    }
    CSV_PUT(len > max ? "\"..." : "\"");
#undef CSV_PUT
}

static void csv_msg_fmt(char *dst, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void csv_msg_fmt(char *dst, size_t cap, const char *fmt, ...)
{
    size_t o = strlen(dst);
    if (o + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst + o, cap - o, fmt, ap);
    va_end(ap);
}

/* Replaces the message in dst. */
static void csv_msg_set(char *dst, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void csv_msg_set(char *dst, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, cap, fmt, ap);
    va_end(ap);
}

/* ---- string arenas ------------------------------------------------------------------------ */

static void csv_arena_reset(csv_arena *ar)
{
    for (csv_block *b = ar->first; b; b = b->next)
        b->used = 0;
    ar->cur = ar->first;
}

static void csv_arena_free(const frost_allocator *a, csv_arena *ar)
{
    for (csv_block *b = ar->first, *next; b; b = next) {
        next = b->next;
        csv_dealloc(a, b);
    }
    ar->first = ar->cur = NULL;
}

/* A NUL-terminated copy of s[0..len), valid until the next reset. */
static const char *csv_arena_copy(const frost_allocator *a, csv_arena *ar, const char *s,
                                  size_t len)
{
    if (len >= SIZE_MAX - sizeof(csv_block) - 1)
        return NULL;
    size_t need = len + 1;
    while (ar->cur && ar->cur->cap - ar->cur->used < need && ar->cur->next)
        ar->cur = ar->cur->next;
    csv_block *b = ar->cur;
    if (!b || b->cap - b->used < need) {
        size_t cap = need > CSV_ARENA_BLOCK ? need : CSV_ARENA_BLOCK;
        csv_block *nb = csv_alloc(a, sizeof *nb + cap);
        if (!nb)
            return NULL;
        nb->cap = cap;
        nb->used = 0;
        /* Inserted after the current block so blocks already used in this batch stay behind
         * it and later, smaller blocks remain reachable for reuse. */
        nb->next = b ? b->next : NULL;
        if (b)
            b->next = nb;
        else
            ar->first = nb;
        ar->cur = b = nb;
    }
    char *p = b->data + b->used;
    memcpy(p, s, len);
    p[len] = '\0';
    b->used += need;
    return p;
}

int csv_table_open(FILE *f, const csv_options *opts, csv_table **out, fr_err *e)
{
    if (out)
        *out = NULL;
    if (!out)
        return fr_fail(e, FROST_EINVAL, "csv: no table handle to fill");
    csv_reader *r;
    int rc = csv_reader_new(f, opts, &r, e);
    if (rc)
        return rc;
    const frost_allocator *a = csv_reader_allocator(r);
    csv_table *t = csv_alloc(a, sizeof *t);
    if (!t) {
        rc = fr_fail(e, FROST_ENOMEM, "csv: out of memory for the table");
        goto free_reader;
    }
    memset(t, 0, sizeof *t);
    t->r = r;
    t->a = a;
    t->delim = opts ? opts->delimiter : ',';

    const csv_field *fields;
    size_t n;
    if ((rc = csv_reader_next(r, &fields, &n, e)))
        goto free_table;
    if (n == 0) {
        rc = fr_fail(e, FROST_EFORMAT, "csv: the input is empty; expected a header line");
        goto free_table;
    }
    /* The reader lays fields out back to back, each NUL-terminated, so one copy of the span
     * keeps them all. */
    size_t bytes = (size_t)(fields[n - 1].ptr + fields[n - 1].len + 1 - fields[0].ptr);
    t->hdr = csv_alloc(a, bytes);
    t->col_off = csv_alloc(a, n * sizeof *t->col_off);
    t->col_len = csv_alloc(a, n * sizeof *t->col_len);
    t->col_kept = csv_alloc(a, n);
    if (!t->hdr || !t->col_off || !t->col_len || !t->col_kept) {
        rc = fr_fail(e, FROST_ENOMEM, "csv: out of memory for a %zu-column header", n);
        goto free_table;
    }
    memcpy(t->hdr, fields[0].ptr, bytes);
    for (size_t i = 0; i < n; i++) {
        t->col_off[i] = (size_t)(fields[i].ptr - fields[0].ptr);
        t->col_len[i] = fields[i].len;
    }
    memset(t->col_kept, 0, n);
    t->n_cols = n;
    *out = t;
    return 0;

free_table:
    csv_table_free(t);
    return rc;
free_reader:
    csv_reader_free(r);
    return rc;
}

static void csv_unbind(csv_table *t)
{
    csv_dealloc(t->a, t->feat_col);
    csv_dealloc(t->a, t->feat_kind);
    csv_dealloc(t->a, t->str_slot);
    csv_dealloc(t->a, t->ignored);
    csv_dealloc(t->a, t->missing);
    csv_dealloc(t->a, t->mix);
    t->feat_col = t->str_slot = t->ignored = t->missing = NULL;
    t->feat_kind = NULL;
    t->mix = NULL;
    t->n_features = t->n_strings = t->n_ignored = t->n_missing = 0;
    t->bound = 0;
}

void csv_table_free(csv_table *t)
{
    if (!t)
        return;
    csv_reader *r = t->r;
    const frost_allocator *a = t->a;
    csv_unbind(t);
    csv_arena_free(a, &t->arena);
    csv_dealloc(a, t->kept);
    csv_dealloc(a, t->col_kept);
    csv_dealloc(a, t->hdr);
    csv_dealloc(a, t->col_off);
    csv_dealloc(a, t->col_len);
    csv_dealloc(a, t);
    /* Last: the allocator lives in the reader. */
    csv_reader_free(r);
}

size_t csv_table_n_columns(const csv_table *t)
{
    return t->n_cols;
}

const char *csv_table_column_name(const csv_table *t, size_t column, size_t *len)
{
    if (column >= t->n_cols)
        return NULL;
    if (len)
        *len = t->col_len[column];
    return t->hdr + t->col_off[column];
}

/* ---- name matching ------------------------------------------------------------------------- */

/* One distinct name, seen in the header, in the model, or both. The header columns bearing it
 * form a chain through col_next, in header order; features take them from the front. */
typedef struct csv_slot {
    const char *name; /* NULL = empty slot */
    size_t len;
    size_t next_col;  /* next unclaimed column with this name, or CSV_NONE */
    size_t last_col;  /* last column of the chain while building it */
    size_t seen;      /* features with this name matched so far (for "occurrence k" messages) */
} csv_slot;

static uint64_t csv_hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static csv_slot *csv_slot_find(csv_slot *slots, size_t mask, const char *s, size_t len)
{
    for (size_t i = (size_t)csv_hash(s, len) & mask;; i = (i + 1) & mask) {
        csv_slot *sl = &slots[i];
        if (!sl->name || (sl->len == len && memcmp(sl->name, s, len) == 0))
            return sl;
    }
}

/* ---- separator hint ------------------------------------------------------------------------ */

static void csv_sep_name(char *dst, size_t cap, char c)
{
    if (c == '\t')
        snprintf(dst, cap, "tab");
    else
        snprintf(dst, cap, "'%c'", c);
}

size_t csv_table_separator_hint(const csv_table *t, char *buf, size_t cap)
{
    if (!cap)
        return 0;
    buf[0] = '\0';
    /* A file separated by something else reads as one column whose name holds the separators. */
    if (t->n_cols != 1)
        return 0;
    static const char cands[] = { ';', '\t', '|', ',' };
    const char *name = t->hdr + t->col_off[0];
    size_t len = t->col_len[0], best_n = 0;
    char best = 0;
    for (size_t k = 0; k < sizeof cands; k++) {
        if (cands[k] == t->delim)
            continue;
        size_t n = 0;
        for (size_t i = 0; i < len; i++)
            n += name[i] == cands[k];
        if (n > best_n) {
            best_n = n;
            best = cands[k];
        }
    }
    if (!best_n)
        return 0;
    char seen[8], ours[8];
    csv_sep_name(seen, sizeof seen, best);
    csv_sep_name(ours, sizeof ours, t->delim);
    int n = snprintf(buf, cap,
                     "the header line has no %s but %zu %s%s — frost reads %s-separated files; "
                     "is this file %s-separated?",
                     ours, best_n, seen, best == '\t' && best_n > 1 ? "s" : "",
                     t->delim == ',' ? "comma" : ours, seen);
    return n < 0 ? 0 : strnlen(buf, cap - 1);
}

/* Adds "; <hint>" to msg when the header looks separated by something else. */
static void csv_msg_hint(const csv_table *t, char *msg, size_t cap)
{
    char hint[200];
    if (csv_table_separator_hint(t, hint, sizeof hint))
        csv_msg_fmt(msg, cap, "; %s", hint);
}

/* ---- binding ------------------------------------------------------------------------------- */

/* Builds the FROST_ESCHEMA message: names as many missing features as fit in fr_err's buffer
 * and counts the rest; the full list stays available through csv_table_missing_feature. */
static int csv_fail_missing(csv_table *t, const csv_schema *s, const size_t *occurrence,
                            fr_err *e)
{
    char msg[sizeof e->msg], hint[200];
    msg[0] = '\0';
    size_t hint_len = csv_table_separator_hint(t, hint, sizeof hint);
    csv_msg_fmt(msg, sizeof msg, "csv: %zu of the model's %zu features ha%s no column: ",
                t->n_missing, s->n_features, t->n_missing == 1 ? "s" : "ve");
    /* Leave room for the " and N more" tail and the hint. */
    const size_t room = sizeof msg - 40 - (hint_len ? hint_len + 2 : 0);
    size_t i;
    for (i = 0; i < t->n_missing; i++) {
        size_t f = t->missing[i];
        char one[160] = "";
        csv_msg_str(one, sizeof one, s->names[f], strlen(s->names[f]), 100);
        if (occurrence[f] > 1)
            csv_msg_fmt(one, sizeof one, " (occurrence %zu)", occurrence[f]);
        if (strlen(msg) + strlen(one) + 2 >= room)
            break;
        csv_msg_fmt(msg, sizeof msg, "%s%s", i ? ", " : "", one);
    }
    if (i < t->n_missing)
        csv_msg_fmt(msg, sizeof msg, " and %zu more", t->n_missing - i);
    if (hint_len)
        csv_msg_fmt(msg, sizeof msg, "; %s", hint);
    return fr_fail(e, FROST_ESCHEMA, "%s", msg);
}

/* A model without names takes every column but the kept ones, by position, and scikit-learn
 * refuses any other count ("X has 7 features, but ... is expecting 6"): using the first six of
 * seven would score shifted or unrelated columns without a word. */
static int csv_bind_positions(csv_table *t, const csv_schema *s, unsigned char *used, fr_err *e)
{
    size_t nf = s->n_features, f = 0;
    for (size_t c = 0; c < t->n_cols && f < nf; c++) {
        if (t->col_kept[c])
            continue;
        t->feat_col[f++] = c;
        used[c] = 1;
    }
    size_t avail = t->n_cols - t->n_kept_cols;
    for (; f < nf; f++) {
        t->feat_col[f] = CSV_NONE;
        t->missing[t->n_missing++] = f;
    }
    if (avail == nf)
        return 0;
    char msg[sizeof e->msg] = "";
    csv_msg_fmt(msg, sizeof msg, "csv: the model takes %zu column%s; the input has %zu", nf,
                nf == 1 ? "" : "s", avail);
    if (t->n_kept_cols)
        csv_msg_fmt(msg, sizeof msg, " besides the %zu kept", t->n_kept_cols);
    csv_msg_fmt(msg, sizeof msg,
                " (the model was trained without column names, so it takes columns by position "
                "and needs exactly that many)");
    csv_msg_hint(t, msg, sizeof msg);
    return fr_fail(e, FROST_ESCHEMA, "%s", msg);
}

static int csv_bind_names(csv_table *t, const csv_schema *s, unsigned char *used, fr_err *e)
{
    size_t nf = s->n_features, nc = t->n_cols;
    if (nc > SIZE_MAX / 4 / sizeof(csv_slot) - nf)
        return fr_fail(e, FROST_ENOMEM, "csv: too many names to match");
    size_t cap = 16;
    while (cap < 2 * (nc + nf))
        cap *= 2;
    int rc = FROST_ENOMEM;
    csv_slot *slots = csv_alloc(t->a, cap * sizeof *slots);
    if (!slots)
        goto fail;
    size_t *col_next = csv_alloc(t->a, nc * sizeof *col_next);
    if (!col_next)
        goto free_slots;
    size_t *occurrence = csv_alloc(t->a, nf * sizeof *occurrence);
    if (!occurrence)
        goto free_col_next;
    memset(slots, 0, cap * sizeof *slots);

    for (size_t c = 0; c < nc; c++) {
        const char *name = t->hdr + t->col_off[c];
        csv_slot *sl = csv_slot_find(slots, cap - 1, name, t->col_len[c]);
        col_next[c] = CSV_NONE;
        if (!sl->name) {
            sl->name = name;
            sl->len = t->col_len[c];
            sl->next_col = c;
        } else {
            col_next[sl->last_col] = c;
        }
        sl->last_col = c;
    }
    for (size_t f = 0; f < nf; f++) {
        const char *name = s->names[f];
        size_t len = strlen(name);
        csv_slot *sl = csv_slot_find(slots, cap - 1, name, len);
        if (!sl->name) {
            /* Absent from the header; remembered only to count repeated missing names. */
            sl->name = name;
            sl->len = len;
            sl->next_col = CSV_NONE;
        }
        occurrence[f] = ++sl->seen;
        size_t c = sl->next_col;
        if (c == CSV_NONE) {
            t->feat_col[f] = CSV_NONE;
            if (t->feat_kind[f] != CSV_KIND_UNUSED)
                t->missing[t->n_missing++] = f;
            continue;
        }
        sl->next_col = col_next[c];
        t->feat_col[f] = c;
        used[c] = 1;
    }
    rc = t->n_missing ? csv_fail_missing(t, s, occurrence, e) : 0;

    csv_dealloc(t->a, occurrence);
free_col_next:
    csv_dealloc(t->a, col_next);
free_slots:
    csv_dealloc(t->a, slots);
fail:
    if (rc == FROST_ENOMEM)
        return fr_fail(e, rc, "csv: out of memory matching %zu names", nc + nf);
    return rc;
}

int csv_table_bind(csv_table *t, const csv_schema *s, fr_err *e)
{
    if (!t || !s || s->n_features == 0)
        return fr_fail(e, FROST_EINVAL, "csv: the model has no features to bind");
    if (t->reading)
        return fr_fail(e, FROST_EINVAL, "csv: cannot rebind a table after reading rows");
    size_t nf = s->n_features, nc = t->n_cols;
    if (s->names)
        for (size_t f = 0; f < nf; f++)
            if (!s->names[f])
                return fr_fail(e, FROST_EINVAL, "csv: feature %zu has no name", f);
    if (s->kinds)
        for (size_t f = 0; f < nf; f++)
            if (s->kinds[f] != CSV_KIND_NUMERIC && s->kinds[f] != CSV_KIND_STRING &&
                s->kinds[f] != CSV_KIND_UNUSED)
                return fr_fail(e, FROST_EINVAL, "csv: feature %zu has an unknown kind", f);

    csv_unbind(t);
    int rc;
    unsigned char *used = NULL;
    if (nf > SIZE_MAX / sizeof(csv_mix))
        goto enomem;
    t->feat_col = csv_alloc(t->a, nf * sizeof *t->feat_col);
    t->feat_kind = csv_alloc(t->a, nf);
    t->str_slot = csv_alloc(t->a, nf * sizeof *t->str_slot);
    t->missing = csv_alloc(t->a, nf * sizeof *t->missing);
    t->mix = csv_alloc(t->a, nf * sizeof *t->mix);
    t->ignored = csv_alloc(t->a, nc * sizeof *t->ignored);
    used = csv_alloc(t->a, nc);
    if (!t->feat_col || !t->feat_kind || !t->str_slot || !t->missing || !t->mix || !t->ignored ||
        !used)
        goto free_used;
    memset(used, 0, nc);
    memset(t->mix, 0, nf * sizeof *t->mix);
    t->n_features = nf;
    for (size_t f = 0; f < nf; f++) {
        t->feat_kind[f] = (unsigned char)(s->kinds ? s->kinds[f] : CSV_KIND_NUMERIC);
        t->str_slot[f] = t->feat_kind[f] == CSV_KIND_STRING ? t->n_strings++ : CSV_NONE;
    }

    rc = s->names ? csv_bind_names(t, s, used, e) : csv_bind_positions(t, s, used, e);
    for (size_t c = 0; c < nc; c++)
        if (!used[c] && !t->col_kept[c])
            t->ignored[t->n_ignored++] = c;
    csv_dealloc(t->a, used);
    /* On FROST_ESCHEMA the missing list is kept for the caller; the table stays unbound. */
    t->bound = rc == 0;
    return rc;

free_used:
    csv_dealloc(t->a, used);
    csv_unbind(t);
enomem:
    return fr_fail(e, FROST_ENOMEM, "csv: out of memory binding %zu features", nf);
}

int csv_table_keep(csv_table *t, const char *const *names, size_t n_names, fr_err *e)
{
    if (!t || (n_names && !names))
        return fr_fail(e, FROST_EINVAL, "csv: no column names to keep");
    if (t->reading || t->bound)
        return fr_fail(e, FROST_EINVAL, "csv: columns to keep must be named before binding");
    for (size_t i = 0; i < n_names; i++)
        if (!names[i])
            return fr_fail(e, FROST_EINVAL, "csv: kept column %zu has no name", i);
    csv_dealloc(t->a, t->kept);
    t->kept = NULL;
    t->n_kept = t->n_kept_cols = 0;
    memset(t->col_kept, 0, t->n_cols);
    if (!n_names)
        return 0;
    if (n_names > SIZE_MAX / sizeof *t->kept ||
        !(t->kept = csv_alloc(t->a, n_names * sizeof *t->kept)))
        return fr_fail(e, FROST_ENOMEM, "csv: out of memory keeping %zu columns", n_names);
    /* Names to keep are few; a scan of the header per name is cheap next to reading rows. */
    char msg[sizeof e->msg] = "";
    size_t absent = 0;
    for (size_t i = 0; i < n_names; i++) {
        size_t len = strlen(names[i]), c;
        for (c = 0; c < t->n_cols; c++)
            if (t->col_len[c] == len && memcmp(t->hdr + t->col_off[c], names[i], len) == 0)
                break;
        if (c == t->n_cols) {
            if (strlen(msg) < sizeof msg - 150) {
                csv_msg_fmt(msg, sizeof msg, "%s", absent ? ", " : "");
                csv_msg_str(msg, sizeof msg, names[i], len, 100);
            }
            absent++;
            continue;
        }
        t->kept[t->n_kept++] = c;
        if (!t->col_kept[c])
            t->n_kept_cols++;
        t->col_kept[c] = 1;
    }
    if (!absent)
        return 0;
    char full[sizeof e->msg] = "";
    csv_msg_fmt(full, sizeof full, "csv: no column%s named %s to keep (the header has %zu column%s)",
                absent == 1 ? "" : "s", msg, t->n_cols, t->n_cols == 1 ? "" : "s");
    csv_msg_hint(t, full, sizeof full);
    csv_dealloc(t->a, t->kept);
    t->kept = NULL;
    t->n_kept = t->n_kept_cols = 0;
    memset(t->col_kept, 0, t->n_cols);
    return fr_fail(e, FROST_ESCHEMA, "%s", full);
}

size_t csv_table_n_kept(const csv_table *t)
{
    return t->n_kept;
}

size_t csv_table_kept_column(const csv_table *t, size_t i)
{
    return i < t->n_kept ? t->kept[i] : CSV_NONE;
}

size_t csv_table_feature_column(const csv_table *t, size_t feature)
{
    return feature < t->n_features ? t->feat_col[feature] : CSV_NONE;
}

size_t csv_table_n_ignored(const csv_table *t)
{
    return t->n_ignored;
}

size_t csv_table_ignored_column(const csv_table *t, size_t i)
{
    return i < t->n_ignored ? t->ignored[i] : CSV_NONE;
}

size_t csv_table_n_missing(const csv_table *t)
{
    return t->n_missing;
}

size_t csv_table_missing_feature(const csv_table *t, size_t i)
{
    return i < t->n_missing ? t->missing[i] : CSV_NONE;
}

size_t csv_table_n_strings(const csv_table *t)
{
    return t->n_strings;
}

size_t csv_table_string_slot(const csv_table *t, size_t feature)
{
    return feature < t->n_features ? t->str_slot[feature] : CSV_NONE;
}

uint64_t csv_table_rows_read(const csv_table *t)
{
    return t->rows;
}

/* ---- reading rows -------------------------------------------------------------------------- */

static int csv_table_sticky(csv_table *t, fr_err *e, int code, const char *msg)
{
    t->fail.code = code;
    size_t n = strnlen(msg, sizeof t->fail.msg - 1);
    memcpy(t->fail.msg, msg, n);
    t->fail.msg[n] = '\0';
    return fr_fail(e, code, "%s", msg);
}

/* "csv: row R (line L), column C "name"" — the start of every message about one value. */
static void csv_msg_cell(const csv_table *t, char *msg, size_t cap, unsigned long long row,
                         unsigned long long line, size_t c)
{
    msg[0] = '\0';
    csv_msg_fmt(msg, cap, "csv: row %llu (line %llu), column %zu ", row, line, c + 1);
    csv_msg_str(msg, cap, t->hdr + t->col_off[c], t->col_len[c], 100);
}

/* One numeric cell into *x. Returns 0, or a code with msg set. */
static int csv_numeric_cell(csv_table *t, size_t f, const csv_field *fld, double *x,
                            unsigned long long row, unsigned long long line, char *msg,
                            size_t cap)
{
    if (csv_is_na(fld->ptr, fld->len)) {
        *x = NAN;
        return 0;
    }
    int kind = CSV_SEEN_NUMBER, rc = csv_parse_double(fld->ptr, fld->len, x);
    if (rc == FROST_EFORMAT) {
        int b = csv_parse_bool(fld->ptr, fld->len);
        if (b >= 0) {
            *x = b;
            kind = CSV_SEEN_BOOL;
            rc = 0;
        }
    }
    size_t c = t->feat_col[f];
    if (rc) {
        csv_msg_cell(t, msg, cap, row, line, c);
        if (rc == FROST_EFORMAT) {
            csv_msg_fmt(msg, cap, ": not a number: ");
            csv_msg_str(msg, cap, fld->ptr, fld->len, 60);
        } else {
            csv_msg_fmt(msg, cap, ": out of memory parsing a number");
        }
        return rc;
    }
    csv_mix *mx = &t->mix[f];
    if (mx->seen & kind)
        return 0;
    if (mx->seen) {
        int other = kind == CSV_SEEN_BOOL ? CSV_SEEN_NUMBER : CSV_SEEN_BOOL;
        csv_msg_cell(t, msg, cap, row, line, c);
        csv_msg_fmt(msg, cap, ": ");
        csv_msg_str(msg, cap, fld->ptr, fld->len, 60);
        csv_msg_fmt(msg, cap,
                    " is a %s but row %llu holds a %s: the column mixes booleans and numbers; "
                    "pandas reads such a column as text and scikit-learn refuses it",
                    kind == CSV_SEEN_BOOL ? "boolean" : "number",
                    (unsigned long long)mx->first[other],
                    other == CSV_SEEN_BOOL ? "boolean" : "number");
        return FROST_EFORMAT;
    }
    mx->seen = (unsigned char)kind;
    mx->first[kind] = row;
    return 0;
}

/* The shared body of csv_table_read and csv_table_fill; K may be NULL only without kept
 * columns. */
static int csv_read_rows(csv_table *t, double *X, csv_str *S, csv_str *K,
                         const frost_allocator *a, csv_arena *ar, size_t cap, size_t *n_rows,
                         fr_err *e)
{
    if (t->fail.code)
        return fr_fail(e, t->fail.code, "%s", t->fail.msg);
    t->reading = 1;
    csv_arena_reset(ar);

    const size_t nf = t->n_features, ns = t->n_strings, nk = t->n_kept;
    char msg[sizeof t->fail.msg];
    size_t n = 0;
    int rc = 0;
    for (; n < cap; n++) {
        const csv_field *fields;
        size_t nfld;
        fr_err inner = { 0 };
        if ((rc = csv_reader_next(t->r, &fields, &nfld, &inner))) {
            /* The reader's message names the line; add which data row that was. */
            const char *m = strncmp(inner.msg, "csv: ", 5) == 0 ? inner.msg + 5 : inner.msg;
            csv_msg_set(msg, sizeof msg, "csv: row %llu: %s", (unsigned long long)t->rows + 1, m);
            rc = csv_table_sticky(t, e, rc, msg);
            break;
        }
        if (nfld == 0)
            break;
        unsigned long long row = (unsigned long long)t->rows + 1;
        unsigned long long line = (unsigned long long)csv_reader_line(t->r);
        if (nfld != t->n_cols) {
            csv_msg_set(msg, sizeof msg,
                     "csv: row %llu (line %llu) has %zu field%s but the header has %zu columns",
                     row, line, nfld, nfld == 1 ? "" : "s", t->n_cols);
            rc = csv_table_sticky(t, e, FROST_EFORMAT, msg);
            break;
        }
        double *x = X + n * nf;
        csv_str *sv = S ? S + n * ns : NULL;
        for (size_t f = 0; f < nf; f++) {
            size_t c = t->feat_col[f];
            unsigned char kind = t->feat_kind[f];
            if (kind == CSV_KIND_NUMERIC) {
                if ((rc = csv_numeric_cell(t, f, &fields[c], &x[f], row, line, msg,
                                           sizeof msg))) {
                    rc = csv_table_sticky(t, e, rc, msg);
                    goto out;
                }
                continue;
            }
            x[f] = NAN;
            if (kind == CSV_KIND_UNUSED)
                continue;
            const csv_field *fld = &fields[c];
            csv_str v = { .ptr = "", .len = 0 };
            if (!csv_is_na(fld->ptr, fld->len)) {
                v.ptr = csv_arena_copy(a, ar, fld->ptr, fld->len);
                v.len = fld->len;
            }
            if (!v.ptr)
                goto oom;
            sv[t->str_slot[f]] = v;
        }
        for (size_t k = 0; k < nk; k++) {
            const csv_field *fld = &fields[t->kept[k]];
            const char *p = fld->len ? csv_arena_copy(a, ar, fld->ptr, fld->len) : "";
            if (!p)
                goto oom;
            K[n * nk + k] = (csv_str){ .ptr = p, .len = fld->len };
        }
        t->rows++;
        continue;
oom:
        csv_msg_set(msg, sizeof msg, "csv: row %llu (line %llu): out of memory for its text",
                    row, line);
        rc = csv_table_sticky(t, e, FROST_ENOMEM, msg);
        break;
    }
out:
    *n_rows = n;
    return rc;
}

int csv_table_read(csv_table *t, double *X, csv_str *S, size_t cap, size_t *n_rows, fr_err *e)
{
    if (n_rows)
        *n_rows = 0;
    if (!t || !n_rows || !X || cap == 0 || (t->n_strings && !S))
        return fr_fail(e, FROST_EINVAL, "csv: bad arguments to csv_table_read");
    if (!t->bound)
        return fr_fail(e, FROST_EINVAL, "csv: csv_table_read before a successful bind");
    if (t->n_kept)
        return fr_fail(e, FROST_EINVAL, "csv: a table with kept columns is read by batches");
    return csv_read_rows(t, X, S, NULL, t->a, &t->arena, cap, n_rows, e);
}

/* ---- batches ------------------------------------------------------------------------------- */

int csv_batch_new(const csv_table *t, size_t cap, csv_batch **out, fr_err *e)
{
    if (out)
        *out = NULL;
    if (!t || !out || cap == 0)
        return fr_fail(e, FROST_EINVAL, "csv: bad arguments to csv_batch_new");
    if (!t->bound)
        return fr_fail(e, FROST_EINVAL, "csv: csv_batch_new before a successful bind");
    const frost_allocator *a = t->a;
    size_t nf = t->n_features, ns = t->n_strings, nk = t->n_kept;
    if (cap > SIZE_MAX / sizeof(double) / nf || (ns && cap > SIZE_MAX / sizeof(csv_str) / ns) ||
        (nk && cap > SIZE_MAX / sizeof(csv_str) / nk))
        return fr_fail(e, FROST_ENOMEM, "csv: a batch of %zu rows is too large", cap);
    csv_batch *b = csv_alloc(a, sizeof *b);
    struct csv_batch_mem *mem = csv_alloc(a, sizeof *mem);
    if (!b || !mem) {
        csv_dealloc(a, b);
        csv_dealloc(a, mem);
        return fr_fail(e, FROST_ENOMEM, "csv: out of memory for a batch");
    }
    memset(b, 0, sizeof *b);
    *mem = (struct csv_batch_mem){ .a = a };
    b->mem = mem;
    b->cap = cap;
    b->n_features = nf;
    b->n_strings = ns;
    b->n_kept = nk;
    b->X = csv_alloc(a, cap * nf * sizeof *b->X);
    b->S = ns ? csv_alloc(a, cap * ns * sizeof *b->S) : NULL;
    b->K = nk ? csv_alloc(a, cap * nk * sizeof *b->K) : NULL;
    if (!b->X || (ns && !b->S) || (nk && !b->K)) {
        csv_batch_free(b);
        return fr_fail(e, FROST_ENOMEM, "csv: out of memory for a batch of %zu rows", cap);
    }
    *out = b;
    return 0;
}

void csv_batch_free(csv_batch *b)
{
    if (!b)
        return;
    const frost_allocator *a = b->mem->a;
    csv_arena_free(a, &b->mem->arena);
    csv_dealloc(a, b->X);
    csv_dealloc(a, b->S);
    csv_dealloc(a, b->K);
    csv_dealloc(a, b->mem);
    csv_dealloc(a, b);
}

int csv_table_fill(csv_table *t, csv_batch *b, fr_err *e)
{
    if (!t || !b)
        return fr_fail(e, FROST_EINVAL, "csv: bad arguments to csv_table_fill");
    b->n_rows = 0;
    if (!t->bound)
        return fr_fail(e, FROST_EINVAL, "csv: csv_table_fill before a successful bind");
    if (b->n_features != t->n_features || b->n_strings != t->n_strings ||
        b->n_kept != t->n_kept)
        return fr_fail(e, FROST_EINVAL, "csv: the batch was made for another binding");
    b->first_row = t->rows + 1;
    return csv_read_rows(t, b->X, b->S, b->K, b->mem->a, &b->mem->arena, b->cap, &b->n_rows,
                         e);
}
