/*
 * pk_vm.c — the pickle virtual machine: opcodes in, an inert object graph out.
 *
 * The opcode semantics follow CPython's Lib/pickle.py (_Unpickler.load_*) and the stack
 * discipline of Modules/_pickle.c (a "fence" at the last MARK that pops may not cross), with one
 * difference that is the point of this file: where pickle.py would import and call something,
 * this VM asks whitelist.c whether the name is admitted and, if so, builds a record of the call
 * (pk_call). Nothing in the stream can make it run code, open files or allocate more than
 * pk_limits allows.
 *
 * The VM is one loop over the input; each iteration consumes at least one byte, so it ends. It
 * never recurses on the data: the only re-entry is joblib's hook running a complete nested
 * pickle (an object array), counted against pk_limits.max_depth.
 */
#include "pk_internal.h"

#include "bytes.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Opcodes (CPython Lib/pickle.py; Lib/pickletools.py documents each one). */
enum {
    OP_MARK = '(',
    OP_STOP = '.',
    OP_POP = '0',
    OP_POP_MARK = '1',
    OP_DUP = '2',
    OP_FLOAT = 'F',
    OP_INT = 'I',
    OP_BININT = 'J',
    OP_BININT1 = 'K',
    OP_LONG = 'L',
    OP_BININT2 = 'M',
    OP_NONE = 'N',
    OP_PERSID = 'P',
    OP_BINPERSID = 'Q',
    OP_REDUCE = 'R',
    OP_STRING = 'S',
    OP_BINSTRING = 'T',
    OP_SHORT_BINSTRING = 'U',
    OP_UNICODE = 'V',
    OP_BINUNICODE = 'X',
    OP_APPEND = 'a',
    OP_BUILD = 'b',
    OP_GLOBAL = 'c',
    OP_DICT = 'd',
    OP_EMPTY_DICT = '}',
    OP_APPENDS = 'e',
    OP_GET = 'g',
    OP_BINGET = 'h',
    OP_INST = 'i',
    OP_LONG_BINGET = 'j',
    OP_LIST = 'l',
    OP_EMPTY_LIST = ']',
    OP_OBJ = 'o',
    OP_PUT = 'p',
    OP_BINPUT = 'q',
    OP_LONG_BINPUT = 'r',
    OP_SETITEM = 's',
    OP_TUPLE = 't',
    OP_EMPTY_TUPLE = ')',
    OP_SETITEMS = 'u',
    OP_BINFLOAT = 'G',
    /* protocol 2 */
    OP_PROTO = 0x80,
    OP_NEWOBJ = 0x81,
    OP_EXT1 = 0x82,
    OP_EXT2 = 0x83,
    OP_EXT4 = 0x84,
    OP_TUPLE1 = 0x85,
    OP_TUPLE2 = 0x86,
    OP_TUPLE3 = 0x87,
    OP_NEWTRUE = 0x88,
    OP_NEWFALSE = 0x89,
    OP_LONG1 = 0x8a,
    OP_LONG4 = 0x8b,
    /* protocol 3 */
    OP_BINBYTES = 'B',
    OP_SHORT_BINBYTES = 'C',
    /* protocol 4 */
    OP_SHORT_BINUNICODE = 0x8c,
    OP_BINUNICODE8 = 0x8d,
    OP_BINBYTES8 = 0x8e,
    OP_EMPTY_SET = 0x8f,
    OP_ADDITEMS = 0x90,
    OP_FROZENSET = 0x91,
    OP_NEWOBJ_EX = 0x92,
    OP_STACK_GLOBAL = 0x93,
    OP_MEMOIZE = 0x94,
    OP_FRAME = 0x95,
    /* protocol 5 */
    OP_BYTEARRAY8 = 0x96,
    OP_NEXT_BUFFER = 0x97,
    OP_READONLY_BUFFER = 0x98,
};

#define HIGHEST_PROTOCOL 5

/* How a callable was reached: the rules differ slightly (NEWOBJ needs a class). */
typedef enum call_how { CALL_REDUCE, CALL_NEWOBJ, CALL_OBJ, CALL_INST } call_how;

int pk_truncated(pk_vm *vm)
{
    return fr_fail(vm->e, FROST_ETRUNCATED, "truncated pickle stream (%zu bytes; ends before STOP)",
                   vm->len);
}

static int bad(pk_vm *vm, const char *what)
{
    return fr_fail(vm->e, FROST_EFORMAT, "malformed pickle at offset %zu: %s", vm->op_pos, what);
}

static int err_code(pk_vm *vm)
{
    return vm->e && vm->e->code ? vm->e->code : FROST_ENOMEM;
}

/* ---- input ------------------------------------------------------------------------------- */

static int take(pk_vm *vm, size_t n, const uint8_t **p)
{
    if (vm->len - vm->pos < n)
        return pk_truncated(vm);
    *p = vm->buf + vm->pos;
    vm->pos += n;
    return 0;
}

/* A length-prefixed argument: a little-endian count of `width` bytes (1, 4 or 8), then that many
 * bytes. A 4-byte count is signed where pickle.py reads it with '<i' (BINSTRING, LONG4); such a
 * count below zero is refused with `negative` as the message, NULL meaning the count is unsigned.
 * An 8-byte count is compared with what remains before any use, so it never wraps size_t. */
static int take_counted(pk_vm *vm, unsigned width, const char *negative, const uint8_t **p,
                        size_t *n)
{
    const uint8_t *c = NULL;
    int rc = take(vm, width, &c);
    if (rc)
        return rc;
    uint64_t len;
    if (width == 1) {
        len = c[0];
    } else if (width == 4) {
        if (negative && (int32_t)fr_rd32(c) < 0)
            return bad(vm, negative);
        len = fr_rd32(c);
    } else {
        len = fr_rd64(c);
    }
    if (len > vm->len - vm->pos)
        return pk_truncated(vm);
    *n = (size_t)len;
    return take(vm, (size_t)len, p);
}

/* A protocol-0 argument: the bytes up to '\n' (excluded), which is consumed. */
static int take_line(pk_vm *vm, const char **p, size_t *n)
{
    const uint8_t *s = vm->buf + vm->pos;
    const uint8_t *nl = memchr(s, '\n', vm->len - vm->pos);
    if (!nl)
        return pk_truncated(vm);
    *p = (const char *)s;
    *n = (size_t)(nl - s);
    vm->pos += *n + 1;
    return 0;
}

/* ---- stack, marks, memo ------------------------------------------------------------------ */

static size_t fence(const pk_vm *vm)
{
    return vm->nmarks ? vm->marks[vm->nmarks - 1] : 0;
}

static int push(pk_vm *vm, pk_obj *o)
{
    if (!o)
        return err_code(vm);
    if (vm->sp == vm->stack_cap) {
        if (vm->stack_cap >= vm->lim->max_stack)
            return fr_fail(vm->e, FROST_ELIMIT,
                           "pickle stack exceeds %zu values at offset %zu "
                           "(limit: pk_limits.max_stack)",
                           vm->lim->max_stack, vm->op_pos);
        size_t ncap = vm->stack_cap ? vm->stack_cap * 2 : 256;
        if (ncap > vm->lim->max_stack)
            ncap = vm->lim->max_stack;
        pk_obj **s = realloc(vm->stack, ncap * sizeof *s);
        if (!s)
            return fr_fail(vm->e, FROST_ENOMEM, "out of memory for the pickle stack");
        vm->stack = s;
        vm->stack_cap = ncap;
    }
    vm->stack[vm->sp++] = o;
    return 0;
}

static int underflow(pk_vm *vm)
{
    return bad(vm, "stack underflow (an opcode needs a value the stack does not have)");
}

static int pop(pk_vm *vm, pk_obj **o)
{
    if (vm->sp <= fence(vm))
        return underflow(vm);
    *o = vm->stack[--vm->sp];
    return 0;
}

static int peek(pk_vm *vm, pk_obj **o)
{
    if (vm->sp <= fence(vm))
        return underflow(vm);
    *o = vm->stack[vm->sp - 1];
    return 0;
}

static int push_mark(pk_vm *vm)
{
    if (vm->nmarks == vm->marks_cap) {
        if (vm->marks_cap >= vm->lim->max_marks)
            return fr_fail(vm->e, FROST_ELIMIT,
                           "pickle nests more than %zu MARKs at offset %zu "
                           "(limit: pk_limits.max_marks)",
                           vm->lim->max_marks, vm->op_pos);
        size_t ncap = vm->marks_cap ? vm->marks_cap * 2 : 32;
        if (ncap > vm->lim->max_marks)
            ncap = vm->lim->max_marks;
        size_t *m = realloc(vm->marks, ncap * sizeof *m);
        if (!m)
            return fr_fail(vm->e, FROST_ENOMEM, "out of memory for the pickle marks");
        vm->marks = m;
        vm->marks_cap = ncap;
    }
    vm->marks[vm->nmarks++] = vm->sp;
    return 0;
}

/* Pops the last MARK: the items pushed since are stack[*k .. sp). */
static int pop_mark(pk_vm *vm, size_t *k)
{
    if (vm->nmarks == 0)
        return bad(vm, "no MARK to pop");
    *k = vm->marks[--vm->nmarks];
    return 0;
}

/* For APPENDS/SETITEMS/ADDITEMS: the container sits right under the MARK and above the fence
 * of the enclosing MARK (Modules/_pickle.c do_append). */
static int pop_mark_target(pk_vm *vm, size_t *k, pk_obj **target)
{
    int rc = pop_mark(vm, k);
    if (rc)
        return rc;
    if (*k == 0 || *k - 1 < fence(vm))
        return underflow(vm);
    *target = vm->stack[*k - 1];
    return 0;
}

static int memo_put(pk_vm *vm, uint64_t idx, pk_obj *o)
{
    if (idx >= vm->lim->max_memo)
        return fr_fail(vm->e, FROST_ELIMIT,
                       "pickle memo index %llu at offset %zu exceeds the limit of %zu entries "
                       "(pk_limits.max_memo)",
                       (unsigned long long)idx, vm->op_pos, vm->lim->max_memo);
    if (idx >= vm->memo_cap) {
        size_t ncap = vm->memo_cap ? vm->memo_cap : 64;
        while (ncap <= idx && ncap <= SIZE_MAX / 2)
            ncap *= 2;
        if (ncap > vm->lim->max_memo)
            ncap = vm->lim->max_memo;
        /* the memo is as much the load's memory as the arena is */
        if (ncap > vm->lim->max_memory / sizeof(pk_obj *))
            return fr_fail(vm->e, FROST_ELIMIT,
                           "pickle memo index %llu at offset %zu needs more than %zu bytes "
                           "(limit: pk_limits.max_memory)",
                           (unsigned long long)idx, vm->op_pos, vm->lim->max_memory);
        pk_obj **m = realloc(vm->memo, ncap * sizeof *m);
        if (!m)
            return fr_fail(vm->e, FROST_ENOMEM, "out of memory for the pickle memo");
        memset(m + vm->memo_cap, 0, (ncap - vm->memo_cap) * sizeof *m);
        vm->memo = m;
        vm->memo_cap = ncap;
    }
    if (!vm->memo[idx])
        vm->memo_count++;
    vm->memo[idx] = o;
    return 0;
}

static int memo_get(pk_vm *vm, uint64_t idx)
{
    if (idx >= vm->memo_cap || !vm->memo[idx])
        return fr_fail(vm->e, FROST_EFORMAT,
                       "malformed pickle at offset %zu: memo key %llu is not defined",
                       vm->op_pos, (unsigned long long)idx);
    return push(vm, vm->memo[idx]);
}

/* ---- scalar values ----------------------------------------------------------------------- */

static pk_obj *new_int(pk_vm *vm, int64_t v)
{
    pk_obj *o = pk_new(vm->g, PK_INT, vm->e);
    if (o)
        o->u.i = v;
    return o;
}

static pk_obj *new_float(pk_vm *vm, double v)
{
    pk_obj *o = pk_new(vm->g, PK_FLOAT, vm->e);
    if (o)
        o->u.f = v;
    return o;
}

/* Python 2 str (BINSTRING, SHORT_BINSTRING): copied so that pk_str can hand it out
 * NUL-terminated like any str. */
static pk_obj *new_py2str(pk_vm *vm, const uint8_t *p, size_t n)
{
    if (n == SIZE_MAX) {
        fr_fail(vm->e, FROST_ELIMIT, "string too long");
        return NULL;
    }
    char *copy = pk_alloc(vm->g, n + 1, vm->e);
    pk_obj *o = copy ? pk_new(vm->g, PK_BYTES, vm->e) : NULL;
    if (!o)
        return NULL;
    if (n)
        memcpy(copy, p, n);
    copy[n] = '\0';
    o->flags = PK_F_PY2STR;
    o->u.s.p = copy;
    o->u.s.n = n;
    return o;
}

/* bytes that stay in the input buffer */
static pk_obj *new_bytes_ref(pk_vm *vm, const uint8_t *p, size_t n, uint8_t flags)
{
    pk_obj *o = pk_new(vm->g, PK_BYTES, vm->e);
    if (o) {
        o->flags = flags;
        o->u.s.p = (const char *)p;
        o->u.s.n = n;
    }
    return o;
}

/* Text integers as int(text, 0) reads them (pickle.py load_int/load_long): sign, optional
 * 0x/0o/0b prefix, digits, underscores between digits. Beyond int64 the value becomes a
 * PK_BIGINT flag. */
static int parse_int_text(pk_vm *vm, const char *s, size_t n, pk_obj **out)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    unsigned base = 10;
    if (n - i >= 2 && s[i] == '0' && strchr("xXoObB", s[i + 1]) && s[i + 1] != '\0') {
        base = (s[i + 1] == 'x' || s[i + 1] == 'X') ? 16 : (s[i + 1] == 'o' || s[i + 1] == 'O') ? 8 : 2;
        i += 2;
    }
    if (i >= n)
        return bad(vm, "empty integer");
    uint64_t mag = 0;
    bool big = false, prev_digit = false;
    for (; i < n; i++) {
        char c = s[i];
        if (c == '_' && prev_digit && i + 1 < n) {
            prev_digit = false;
            continue;
        }
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return bad(vm, "invalid character in an integer");
        if (d >= base)
            return bad(vm, "invalid digit in an integer");
        prev_digit = true;
        if (!big) {
            if (mag > (UINT64_MAX - d) / base)
                big = true;
            else
                mag = mag * base + d;
        }
    }
    if (!prev_digit)
        return bad(vm, "invalid integer");
    if (big || (!neg && mag > (uint64_t)INT64_MAX) ||
        (neg && mag > (uint64_t)INT64_MAX + 1)) {
        *out = pk_new(vm->g, PK_BIGINT, vm->e);
        return *out ? 0 : err_code(vm);
    }
    int64_t v = !neg ? (int64_t)mag : mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    *out = new_int(vm, v);
    return *out ? 0 : err_code(vm);
}

/* LONG1/LONG4: little-endian two's complement of n bytes (pickle.py decode_long). */
static pk_obj *new_long_bytes(pk_vm *vm, const uint8_t *p, size_t n)
{
    if (n == 0)
        return new_int(vm, 0);
    /* Strip sign-extension bytes so that e.g. 9 bytes holding a small value still fit. */
    bool neg = (p[n - 1] & 0x80) != 0;
    while (n > 1 && p[n - 1] == (neg ? 0xff : 0x00) && ((p[n - 2] & 0x80) != 0) == neg)
        n--;
    if (n > 8) {
        pk_obj *o = pk_new(vm->g, PK_BIGINT, vm->e);
        if (o) {
            o->u.s.p = (const char *)p;
            o->u.s.n = n;
        }
        return o;
    }
    uint64_t u = 0;
    for (size_t i = 0; i < n; i++)
        u |= (uint64_t)p[i] << (8 * i);
    if (neg && n < 8)
        u |= UINT64_MAX << (8 * n);
    int64_t v;
    memcpy(&v, &u, sizeof v);
    return new_int(vm, v);
}

static int parse_float_text(pk_vm *vm, const char *s, size_t n, pk_obj **out)
{
    char tmp[128];
    if (n == 0 || n >= sizeof tmp)
        return bad(vm, "FLOAT argument is not a float");
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    char *end;
    errno = 0;
    double v = strtod(tmp, &end);
    while (*end == ' ' || *end == '\r' || *end == '\t')
        end++;
    if (end == tmp || *end != '\0')
        return bad(vm, "FLOAT argument is not a float");
    *out = new_float(vm, v);
    return *out ? 0 : err_code(vm);
}

/* ---- strings ----------------------------------------------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* UNICODE (protocol 0): raw-unicode-escape. Bytes are Latin-1 code points; \uXXXX and
 * \UXXXXXXXX are escapes only after an odd number of backslashes (CPython
 * Objects/unicodeobject.c _PyUnicode_DecodeRawUnicodeEscapeStateful). */
static int decode_raw_unicode_escape(pk_vm *vm, const char *s, size_t n, pk_obj **out)
{
    if (n > (SIZE_MAX - 1) / 2)
        return bad(vm, "string too long");
    char *d = pk_alloc(vm->g, 2 * n + 1, vm->e);
    if (!d)
        return err_code(vm);
    size_t o = 0, i = 0;
    while (i < n) {
        if (s[i] != '\\') {
            o += pk_utf8_put(d + o, (uint8_t)s[i]);
            i++;
            continue;
        }
        size_t bs = i;
        while (i < n && s[i] == '\\') {
            d[o++] = '\\';
            i++;
        }
        if (((i - bs) & 1) == 0 || i >= n || (s[i] != 'u' && s[i] != 'U'))
            continue;
        o--; /* the odd backslash introduces the escape */
        size_t digits = s[i] == 'u' ? 4 : 8;
        i++;
        if (n - i < digits)
            return bad(vm, "truncated \\uXXXX escape in UNICODE");
        uint32_t cp = 0;
        for (size_t k = 0; k < digits; k++) {
            int h = hexval(s[i + k]);
            if (h < 0)
                return bad(vm, "truncated \\uXXXX escape in UNICODE");
            cp = cp << 4 | (uint32_t)h;
        }
        if (cp > 0x10ffff)
            return bad(vm, "\\U escape beyond U+10FFFF in UNICODE");
        i += digits;
        o += pk_utf8_put(d + o, cp);
    }
    d[o] = '\0';
    pk_obj *r = pk_new(vm->g, PK_STR, vm->e);
    if (!r)
        return err_code(vm);
    r->u.s.p = d;
    r->u.s.n = o;
    *out = r;
    return 0;
}

/* STRING (protocol 0): a quoted Python 2 repr, decoded like codecs.escape_decode. */
static int decode_string_repr(pk_vm *vm, const char *s, size_t n, pk_obj **out)
{
    if (n < 2 || s[0] != s[n - 1] || (s[0] != '\'' && s[0] != '"'))
        return bad(vm, "the STRING opcode argument must be quoted");
    s++;
    n -= 2;
    char *d = pk_alloc(vm->g, n + 1, vm->e);
    if (!d)
        return err_code(vm);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\' || i + 1 == n) {
            if (s[i] == '\\')
                return bad(vm, "trailing backslash in STRING");
            d[o++] = s[i];
            continue;
        }
        char c = s[++i];
        switch (c) {
        case '\\': d[o++] = '\\'; break;
        case '\'': d[o++] = '\''; break;
        case '"': d[o++] = '"'; break;
        case 'a': d[o++] = '\a'; break;
        case 'b': d[o++] = '\b'; break;
        case 'f': d[o++] = '\f'; break;
        case 'n': d[o++] = '\n'; break;
        case 'r': d[o++] = '\r'; break;
        case 't': d[o++] = '\t'; break;
        case 'v': d[o++] = '\v'; break;
        case 'x': {
            int h1 = i + 1 < n ? hexval(s[i + 1]) : -1;
            int h2 = i + 2 < n ? hexval(s[i + 2]) : -1;
            if (h1 < 0 || h2 < 0)
                return bad(vm, "invalid \\x escape in STRING");
            d[o++] = (char)(h1 * 16 + h2);
            i += 2;
            break;
        }
        default:
            if (c >= '0' && c <= '7') {
                unsigned v = (unsigned)(c - '0');
                for (int k = 0; k < 2 && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7'; k++)
                    v = v * 8 + (unsigned)(s[++i] - '0');
                d[o++] = (char)(v & 0xff);
            } else {
                d[o++] = '\\';
                d[o++] = c;
            }
        }
    }
    d[o] = '\0';
    *out = new_bytes_ref(vm, (const uint8_t *)d, o, PK_F_PY2STR);
    return *out ? 0 : err_code(vm);
}

static int push_utf8(pk_vm *vm, const uint8_t *p, size_t n)
{
    /* pickle decodes BINUNICODE with 'surrogatepass' (pickle.py load_binunicode, _pickle.c) */
    if (!fmt_utf8_valid_surrogatepass(p, n))
        return bad(vm, "string is not valid UTF-8");
    return push(vm, pk_new_str(vm->g, (const char *)p, n, vm->e));
}

/* ---- containers -------------------------------------------------------------------------- */

/* A tuple/list/set/frozenset/dict from stack[k .. sp), which is then dropped. */
static int collect(pk_vm *vm, size_t k, pk_kind kind, uint8_t flags, pk_obj **out)
{
    size_t n = vm->sp - k;
    if (kind == PK_DICT && (n & 1))
        return bad(vm, "odd number of items for DICT");
    pk_obj *o = pk_new_seq(vm->g, kind, n, vm->e);
    if (!o)
        return err_code(vm);
    o->flags = flags;
    if (n)
        memcpy(o->u.seq.v, vm->stack + k, n * sizeof(pk_obj *));
    vm->sp = k;
    *out = o;
    return 0;
}

static int tuple_n(pk_vm *vm, size_t n)
{
    if (vm->sp < n || vm->sp - n < fence(vm))
        return underflow(vm);
    pk_obj *t;
    int rc = collect(vm, vm->sp - n, PK_TUPLE, 0, &t);
    return rc ? rc : push(vm, t);
}

/* The list an object record accumulates for APPENDs / SETITEMs made on it. */
static pk_obj *object_items(pk_vm *vm, pk_object *ob, bool dict)
{
    pk_obj **slot = dict ? &ob->dictitems : &ob->listitems;
    if (!*slot)
        *slot = pk_new_seq(vm->g, dict ? PK_DICT : PK_LIST, 0, vm->e);
    return *slot;
}

static int extend(pk_vm *vm, pk_obj *target, pk_obj *const *items, size_t n)
{
    pk_obj *dst = target;
    if (target->kind == PK_OBJECT)
        dst = object_items(vm, target->u.o, false);
    else if (target->kind != PK_LIST)
        return bad(vm, "APPEND to something that is not a list");
    if (!dst)
        return err_code(vm);
    for (size_t i = 0; i < n; i++) {
        int rc = pk_seq_push(vm->g, dst, items[i], vm->e);
        if (rc)
            return rc;
    }
    return 0;
}

static int set_items(pk_vm *vm, pk_obj *target, pk_obj *const *kv, size_t n)
{
    pk_obj *dst = target;
    if (target->kind == PK_OBJECT)
        dst = object_items(vm, target->u.o, true);
    else if (target->kind != PK_DICT)
        return bad(vm, "SETITEM on something that is not a dict");
    if (!dst)
        return err_code(vm);
    if (n & 1)
        return bad(vm, "odd number of items for SETITEMS");
    for (size_t i = 0; i < n; i++) {
        int rc = pk_seq_push(vm->g, dst, kv[i], vm->e);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- calls ------------------------------------------------------------------------------- */

static pk_obj *new_object(pk_vm *vm, const pk_class *cls, pk_obj *args, pk_obj *kwargs)
{
    pk_obj *o = pk_new(vm->g, PK_OBJECT, vm->e);
    pk_object *ob = o ? pk_alloc(vm->g, sizeof *ob, vm->e) : NULL;
    if (!ob)
        return NULL;
    ob->cls = cls;
    ob->args = args;
    ob->kwargs = kwargs;
    o->u.o = ob;
    return o;
}

/* Objects are built once in every pickle Python writes; a few more BUILDs are tolerated, but not
 * thousands of them, which would make each attribute lookup scan them all (a quadratic cost a
 * hostile stream could otherwise buy with four bytes per BUILD). */
#define PK_MAX_STATES 8

static int add_state(pk_vm *vm, pk_object *ob, pk_obj *state)
{
    if (ob->nstates >= PK_MAX_STATES)
        return fr_fail(vm->e, FROST_ELIMIT,
                       "pickle at offset %zu sets the state of one %s object more than %d times",
                       vm->op_pos, ob->cls->full, PK_MAX_STATES);
    if (ob->nstates == ob->capstates) {
        size_t ncap = ob->capstates ? ob->capstates * 2 : 1;
        pk_obj **s = pk_alloc(vm->g, ncap * sizeof *s, vm->e);
        if (!s)
            return err_code(vm);
        if (ob->nstates)
            memcpy(s, ob->states, ob->nstates * sizeof *s);
        ob->states = s;
        ob->capstates = ncap;
    }
    ob->states[ob->nstates++] = state;
    return 0;
}

static const char *latin1_name(const pk_obj *enc)
{
    static const char *const names[] = { "latin1", "latin-1", "latin_1", "iso-8859-1",
                                         "iso8859-1", "iso_8859_1", "l1" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (pk_str_eq(enc, names[i]))
            return names[i];
    return NULL;
}

/* str → bytes by Latin-1 (every code point must be below 256): how protocols < 3 store bytes
 * (pickle.py save_bytes: _codecs.encode(str(obj, 'latin1'), 'latin1')). */
static int latin1_encode(pk_vm *vm, const pk_obj *str, uint8_t flags, pk_obj **out)
{
    size_t n = str->u.s.n, o;
    uint8_t *d = pk_alloc(vm->g, n ? n : 1, vm->e);
    if (!d)
        return err_code(vm);
    if (!pk_latin1_from_utf8((const uint8_t *)str->u.s.p, n, d, &o))
        return fr_fail(vm->e, FROST_EFORMAT,
                       "malformed pickle at offset %zu: text encoded as latin-1 holds a "
                       "character beyond U+00FF",
                       vm->op_pos);
    *out = new_bytes_ref(vm, d, o, flags);
    return *out ? 0 : err_code(vm);
}

/* bytes(...), bytearray(...), _codecs.encode(...): the argument forms pickle.py writes. */
static int make_bytes(pk_vm *vm, const pk_obj *args, uint8_t flags, bool codecs, pk_obj **out)
{
    size_t n = pk_len(args);
    const pk_obj *a0 = pk_item(args, 0), *a1 = pk_item(args, 1);
    if (n == 0 && !codecs) {
        *out = new_bytes_ref(vm, (const uint8_t *)"", 0, flags);
        return *out ? 0 : err_code(vm);
    }
    if (n == 1 && a0->kind == PK_BYTES && !codecs) {
        *out = new_bytes_ref(vm, (const uint8_t *)a0->u.s.p, a0->u.s.n, flags);
        return *out ? 0 : err_code(vm);
    }
    if (a0 && a0->kind == PK_STR && n <= 3) {
        if (n == 1 || pk_str_eq(a1, "utf-8") || pk_str_eq(a1, "utf8")) {
            if (n == 1 && !codecs)
                return bad(vm, "bytes(str) without an encoding");
            *out = new_bytes_ref(vm, (const uint8_t *)a0->u.s.p, a0->u.s.n, flags);
            return *out ? 0 : err_code(vm);
        }
        if (latin1_name(a1))
            return latin1_encode(vm, a0, flags, out);
        return fr_fail(vm->e, FROST_EUNSUPPORTED,
                       "pickle at offset %zu encodes text with an encoding frost does not "
                       "decode (only latin-1 and utf-8)",
                       vm->op_pos);
    }
    return bad(vm, "unexpected arguments for bytes/bytearray/_codecs.encode");
}

static int make_set(pk_vm *vm, const pk_obj *args, bool frozen, pk_obj **out)
{
    pk_obj *s = pk_new_seq(vm->g, PK_SET, 0, vm->e);
    if (!s)
        return err_code(vm);
    s->flags = frozen ? PK_F_FROZEN : 0;
    if (pk_len(args) > 1)
        return bad(vm, "set() takes at most one argument");
    const pk_obj *src = pk_item(args, 0);
    if (src) {
        if (src->kind != PK_LIST && src->kind != PK_TUPLE && src->kind != PK_SET)
            return bad(vm, "set() of something that is not a sequence");
        for (size_t i = 0; i < src->u.seq.n; i++) {
            int rc = pk_seq_push(vm->g, s, src->u.seq.v[i], vm->e);
            if (rc)
                return rc;
        }
    }
    *out = s;
    return 0;
}

static int make_ordered_dict(pk_vm *vm, const pk_obj *args, pk_obj **out)
{
    pk_obj *d = pk_new_seq(vm->g, PK_DICT, 0, vm->e);
    if (!d)
        return err_code(vm);
    d->flags = PK_F_ORDERED;
    if (pk_len(args) > 1)
        return bad(vm, "OrderedDict() takes at most one argument");
    const pk_obj *src = pk_item(args, 0);
    if (src) {
        if (src->kind != PK_LIST && src->kind != PK_TUPLE)
            return bad(vm, "OrderedDict() of something that is not a list of pairs");
        for (size_t i = 0; i < src->u.seq.n; i++) {
            const pk_obj *pair = src->u.seq.v[i];
            if ((pair->kind != PK_TUPLE && pair->kind != PK_LIST) || pair->u.seq.n != 2)
                return bad(vm, "OrderedDict() item is not a pair");
            int rc = pk_seq_push(vm->g, d, pair->u.seq.v[0], vm->e);
            if (!rc)
                rc = pk_seq_push(vm->g, d, pair->u.seq.v[1], vm->e);
            if (rc)
                return rc;
        }
    }
    *out = d;
    return 0;
}

static int refuse_call(pk_vm *vm, const pk_class *c)
{
    return fr_fail(vm->e, FROST_EREFUSED,
                   "refusing to import: pickle calls %s at offset %zu, which frost accepts only "
                   "as a value",
                   c->full, vm->op_pos);
}

static bool is_global(const pk_obj *o, pk_role role)
{
    return o && o->kind == PK_GLOBAL && o->u.g->role == role;
}

static int make_global(pk_vm *vm, const char *m, size_t ml, const char *n, size_t nl,
                       pk_obj **out);

/* What calling an admitted global builds. `args` is a tuple; kwargs a dict or NULL. */
static int pk_call(pk_vm *vm, pk_obj *callable, pk_obj *args, pk_obj *kwargs, call_how how,
                   pk_obj **out)
{
    if (callable->kind != PK_GLOBAL) {
        char msg[96];
        snprintf(msg, sizeof msg, "%s applied to a %s, not to a class or function",
                 how == CALL_REDUCE ? "REDUCE" : "NEWOBJ/OBJ",
                 pk_kind_name((pk_kind)callable->kind));
        return bad(vm, msg);
    }
    if (args->kind != PK_TUPLE)
        return bad(vm, "call arguments are not a tuple");
    const pk_class *c = callable->u.g;
    if (kwargs && c->role != PK_R_CLASS)
        return bad(vm, "NEWOBJ_EX keyword arguments for something that is not a class");

    if (how == CALL_NEWOBJ) {
        /* cls.__new__(cls, *args): only types; container types come out empty */
        switch (c->role) {
        case PK_R_CLASS:
            break;
        case PK_R_SET:
        case PK_R_FROZENSET:
            return make_set(vm, NULL, c->role == PK_R_FROZENSET, out);
        case PK_R_ORDEREDDICT:
            return make_ordered_dict(vm, NULL, out);
        case PK_R_VALUE:
            return refuse_call(vm, c);
        default:
            return bad(vm, "NEWOBJ of something that is not a class");
        }
    }

    switch (c->role) {
    case PK_R_CLASS:
        *out = new_object(vm, c, args, kwargs);
        return *out ? 0 : err_code(vm);
    case PK_R_VALUE:
        return refuse_call(vm, c);
    case PK_R_FACTORY: {
        const pk_class *made = pk_class_by_full(c->makes);
        if (!made)
            return fr_fail(vm->e, FROST_EFORMAT, "internal: %s makes unknown %s", c->full,
                           c->makes);
        *out = new_object(vm, made, args, NULL);
        return *out ? 0 : err_code(vm);
    }
    case PK_R_PYX_UNPICKLE: {
        /* __pyx_unpickle_X(type, checksum, state): type.__new__(type), then the cdef fields
         * from state. The type must itself be admitted. */
        const pk_obj *cls = pk_item(args, 0);
        if (pk_len(args) != 3 || !is_global(cls, PK_R_CLASS))
            return bad(vm, "unexpected arguments for a Cython unpickle helper");
        pk_obj *o = new_object(vm, cls->u.g, NULL, NULL);
        if (!o)
            return err_code(vm);
        int rc = add_state(vm, o->u.o, args->u.seq.v[2]);
        if (rc)
            return rc;
        *out = o;
        return 0;
    }
    case PK_R_COPYREG_RECON: {
        /* copyreg._reconstructor(cls, base, state): object.__new__(cls) when base is object */
        const pk_obj *cls = pk_item(args, 0), *base = pk_item(args, 1);
        if (pk_len(args) != 3 || !is_global(cls, PK_R_CLASS) || !base ||
            base->kind != PK_GLOBAL)
            return bad(vm, "unexpected arguments for copyreg._reconstructor");
        bool plain = strcmp(base->u.g->full, "builtins.object") == 0 &&
                     pk_is_none(pk_item(args, 2));
        *out = new_object(vm, cls->u.g, plain ? NULL : args, NULL);
        return *out ? 0 : err_code(vm);
    }
    case PK_R_CODECS_ENCODE:
        return make_bytes(vm, args, 0, true, out);
    case PK_R_BYTES:
        return make_bytes(vm, args, 0, false, out);
    case PK_R_BYTEARRAY:
        return make_bytes(vm, args, PK_F_BYTEARRAY, false, out);
    case PK_R_SET:
        return make_set(vm, args, false, out);
    case PK_R_FROZENSET:
        return make_set(vm, args, true, out);
    case PK_R_ORDEREDDICT:
        return make_ordered_dict(vm, args, out);
    case PK_R_NP_RECONSTRUCT:
        return pk_np_reconstruct(vm, args, out);
    case PK_R_NP_SCALAR:
        return pk_np_scalar(vm, args, out);
    case PK_R_NP_FROMBUFFER:
        return pk_np_frombuffer(vm, args, out);
    case PK_R_NP_DTYPE:
        return pk_np_dtype_new(vm, args, out);
    case PK_R_UFUNC_RECON: {
        /* numpy < 1.20 pickled a ufunc as numpy.core._ufunc_reconstruct(module, name), which
         * imports module.name: the same admission as a GLOBAL naming it, and only a value
         * (a ufunc the whitelist lists) may come out */
        const pk_obj *m = pk_item(args, 0), *n = pk_item(args, 1);
        if (pk_len(args) != 2 || !m || !n || m->kind != PK_STR || n->kind != PK_STR)
            return bad(vm, "unexpected arguments for numpy.core._ufunc_reconstruct");
        int rc = make_global(vm, m->u.s.p, m->u.s.n, n->u.s.p, n->u.s.n, out);
        if (!rc && (*out)->u.g->role != PK_R_VALUE && !vm->lim->survey)
            return bad(vm, "numpy.core._ufunc_reconstruct of something that is not a ufunc");
        return rc;
    }
    }
    return bad(vm, "internal: unknown role");
}

static int do_build(pk_vm *vm)
{
    pk_obj *state = NULL, *inst = NULL;
    int rc = pop(vm, &state);
    if (!rc)
        rc = peek(vm, &inst);
    if (rc)
        return rc;
    switch (inst->kind) {
    case PK_OBJECT:
        rc = add_state(vm, inst->u.o, state);
        break;
    case PK_NDARRAY:
        rc = pk_np_build_array(vm, inst, state);
        break;
    case PK_DTYPE:
        rc = pk_np_build_dtype(vm, inst, state);
        break;
    case PK_DICT:
        /* OrderedDict's reduce gives no state unless it has attributes: accept the empty one */
        if (pk_is_none(state) || pk_len(state) == 0)
            break;
        return bad(vm, "BUILD with attributes on a dict");
    default: {
        char msg[64];
        snprintf(msg, sizeof msg, "BUILD on a %s", pk_kind_name((pk_kind)inst->kind));
        return bad(vm, msg);
    }
    }
    if (rc)
        return rc;
    if (vm->build_hook)
        return vm->build_hook(vm, &vm->stack[vm->sp - 1]);
    return 0;
}

/* A Python module path or qualified name: identifiers joined by dots (non-ASCII letters
 * allowed, as Python allows them). */
static bool dotted_name(const char *s, size_t n)
{
    bool start = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '.' && !start && i + 1 < n) {
            start = true;
            continue;
        }
        bool letter = ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                      ch >= 0x80;
        if (!letter && !(!start && ch >= '0' && ch <= '9'))
            return false;
        start = false;
    }
    return n > 0;
}

/* The object a GLOBAL naming m.n stands for (admitted or, surveying, a token), into *out. */
static int make_global(pk_vm *vm, const char *m, size_t ml, const char *n, size_t nl,
                       pk_obj **out)
{
    /* Names no import could resolve are damage, not a reference to foreign code: this is
     * what a text file whose first line starts with 'c' (GLOBAL) reads as */
    if (!dotted_name(m, ml) || !dotted_name(n, nl)) {
        char pm[64], pn[64], what[200];
        pk_printable(pm, sizeof pm, m, ml);
        pk_printable(pn, sizeof pn, n, nl);
        snprintf(what, sizeof what, "global '%s' '%s' is not a module and a name", pm, pn);
        return bad(vm, what);
    }
    const pk_class *c;
    int rc = pk_resolve_global(m, ml, n, nl, &c, vm->e);
    if (rc && vm->lim->survey && (rc == FROST_EREFUSED || rc == FROST_EUNSUPPORTED)) {
        /* survey: an inert class token carrying the name, so the caller can locate it. The
         * message names a known scikit-learn class canonically ("not supported yet: X"). */
        const char *ns = rc == FROST_EUNSUPPORTED ? strstr(vm->e->msg, "not supported yet: ")
                                                  : NULL;
        size_t canon_len = ns ? strcspn(ns + 19, " (") : 0;
        size_t full_len = ns ? canon_len : ml + 1 + nl;
        pk_class *t = pk_alloc(vm->g, sizeof *t + ml + nl + full_len + 3, vm->e);
        if (!t)
            return err_code(vm);
        char *s = (char *)(t + 1);
        memcpy(s, m, ml);
        s[ml] = 0;
        memcpy(s + ml + 1, n, nl);
        s[ml + 1 + nl] = 0;
        char *full = s + ml + nl + 2;
        if (ns) {
            memcpy(full, ns + 19, canon_len);
        } else {
            memcpy(full, m, ml);
            full[ml] = '.';
            memcpy(full + ml + 1, n, nl);
        }
        full[full_len] = 0;
        t->module = s;
        t->name = s + ml + 1;
        t->full = full;
        t->role = PK_R_CLASS;
        if (!vm->g->refused)
            vm->g->refused = full;
        fr_err_clear(vm->e);
        c = t;
        rc = 0;
    }
    if (rc)
        return rc;
    /* numpy 2 moved numpy.core to numpy._core and pickles name the module they came from */
    if (ml >= 11 && memcmp(m, "numpy._core", 11) == 0 && (ml == 11 || m[11] == '.'))
        vm->g->prov.numpy_major = 2;
    else if (ml >= 10 && memcmp(m, "numpy.core", 10) == 0 && (ml == 10 || m[10] == '.') &&
             !vm->g->prov.numpy_major)
        vm->g->prov.numpy_major = 1;
    pk_obj *o = pk_new(vm->g, PK_GLOBAL, vm->e);
    if (!o)
        return err_code(vm);
    o->u.g = c;
    *out = o;
    return 0;
}

static int push_global(pk_vm *vm, const char *m, size_t ml, const char *n, size_t nl)
{
    pk_obj *o = NULL;
    int rc = make_global(vm, m, ml, n, nl, &o);
    return rc ? rc : push(vm, o);
}

static int unsupported_op(pk_vm *vm, const char *what)
{
    return fr_fail(vm->e, FROST_EUNSUPPORTED, "pickle at offset %zu uses %s, which frost does not "
                   "support", vm->op_pos, what);
}

/* ---- opcodes: framing and the stack ------------------------------------------------------ */

static int op_proto(pk_vm *vm)
{
    const uint8_t *p = NULL;
    int rc = take(vm, 1, &p);
    if (rc)
        return rc;
    if (p[0] > HIGHEST_PROTOCOL)
        return fr_fail(vm->e, FROST_EUNSUPPORTED, "unsupported pickle protocol %u", p[0]);
    vm->proto = p[0];
    return 0;
}

/* Frames only batch reads (PEP 3154); the length must still fit in what is left. */
static int op_frame(pk_vm *vm)
{
    const uint8_t *p = NULL;
    int rc = take(vm, 8, &p);
    if (rc)
        return rc;
    return fr_rd64(p) > vm->len - vm->pos ? pk_truncated(vm) : 0;
}

static int op_stop(pk_vm *vm, bool *stop, pk_obj **result)
{
    int rc = pop(vm, result);
    if (rc)
        return rc;
    *stop = true;
    return 0;
}

/* POP drops the top value, or with none above the last MARK, that MARK (pickle.py load_pop). */
static int op_pop(pk_vm *vm)
{
    size_t k = 0;
    if (vm->sp > fence(vm)) {
        vm->sp--;
        return 0;
    }
    if (vm->nmarks)
        return pop_mark(vm, &k);
    return underflow(vm);
}

static int op_pop_mark(pk_vm *vm)
{
    size_t k = 0;
    int rc = pop_mark(vm, &k);
    if (rc)
        return rc;
    vm->sp = k;
    return 0;
}

static int op_dup(pk_vm *vm)
{
    pk_obj *a = NULL;
    int rc = peek(vm, &a);
    return rc ? rc : push(vm, a);
}

/* ---- opcodes: protocol 0's lines of text ------------------------------------------------- */

/* INT, LONG, FLOAT, STRING and UNICODE (protocol 0): a line of text that `decode` turns into
 * the value. */
static int op_line(pk_vm *vm, int (*decode)(pk_vm *, const char *, size_t, pk_obj **))
{
    const char *line = NULL;
    size_t n = 0;
    pk_obj *a = NULL;
    int rc = take_line(vm, &line, &n);
    if (rc || (rc = decode(vm, line, n, &a)))
        return rc;
    return push(vm, a);
}

/* INT's text: "00" and "01" are False and True (pickle.py load_int), anything else an int. */
static int parse_int_line(pk_vm *vm, const char *s, size_t n, pk_obj **out)
{
    if (n == 2 && s[0] == '0' && (s[1] == '0' || s[1] == '1')) {
        *out = s[1] == '1' ? &vm->g->vtrue : &vm->g->vfalse;
        return 0;
    }
    return parse_int_text(vm, s, n, out);
}

/* LONG's text: an int, to which Python 2 added an 'L'. */
static int parse_long_line(pk_vm *vm, const char *s, size_t n, pk_obj **out)
{
    return parse_int_text(vm, s, n && s[n - 1] == 'L' ? n - 1 : n, out);
}

/* ---- opcodes: binary numbers ------------------------------------------------------------- */

/* BININT is a signed 4-byte int; BININT1 and BININT2 are unsigned. */
static int op_binint(pk_vm *vm, unsigned width)
{
    const uint8_t *p = NULL;
    int rc = take(vm, width, &p);
    if (rc)
        return rc;
    int64_t v = width == 4 ? (int32_t)fr_rd32(p) : width == 2 ? fr_rd16(p) : p[0];
    return push(vm, new_int(vm, v));
}

static int op_long_bytes(pk_vm *vm, unsigned width)
{
    const uint8_t *p = NULL;
    size_t n = 0;
    int rc = take_counted(vm, width, "LONG4 with a negative byte count", &p, &n);
    return rc ? rc : push(vm, new_long_bytes(vm, p, n));
}

static int op_binfloat(pk_vm *vm)
{
    const uint8_t *p = NULL;
    int rc = take(vm, 8, &p);
    if (rc)
        return rc;
    /* big-endian IEEE 754 double (pickle.py save_float: struct.pack('>d')) */
    uint64_t u = fr_rdbe64(p);
    double d;
    memcpy(&d, &u, sizeof d);
    return push(vm, new_float(vm, d));
}

/* ---- opcodes: strings -------------------------------------------------------------------- */

static int op_binstring(pk_vm *vm, unsigned width)
{
    const uint8_t *p = NULL;
    size_t n = 0;
    int rc = take_counted(vm, width, "BINSTRING with a negative length", &p, &n);
    return rc ? rc : push(vm, new_py2str(vm, p, n));
}

static int op_binbytes(pk_vm *vm, unsigned width, uint8_t flags)
{
    const uint8_t *p = NULL;
    size_t n = 0;
    int rc = take_counted(vm, width, NULL, &p, &n);
    return rc ? rc : push(vm, new_bytes_ref(vm, p, n, flags));
}

static int op_binunicode(pk_vm *vm, unsigned width)
{
    const uint8_t *p = NULL;
    size_t n = 0;
    int rc = take_counted(vm, width, NULL, &p, &n);
    return rc ? rc : push_utf8(vm, p, n);
}

/* ---- opcodes: containers ----------------------------------------------------------------- */

static int op_empty(pk_vm *vm, pk_kind kind)
{
    return push(vm, pk_new_seq(vm->g, kind, 0, vm->e));
}

/* TUPLE, LIST, DICT, FROZENSET: a container of the items since the last MARK. */
static int op_marked(pk_vm *vm, pk_kind kind, uint8_t flags)
{
    size_t k = 0;
    pk_obj *a = NULL;
    int rc;
    if ((rc = pop_mark(vm, &k)) || (rc = collect(vm, k, kind, flags, &a)))
        return rc;
    return push(vm, a);
}

static int op_append(pk_vm *vm)
{
    pk_obj *a = NULL, *b = NULL;
    int rc;
    if ((rc = pop(vm, &a)) || (rc = peek(vm, &b)))
        return rc;
    return extend(vm, b, &a, 1);
}

static int op_setitem(pk_vm *vm)
{
    pk_obj *kv[2] = { NULL, NULL }, *b = NULL;
    int rc;
    if ((rc = pop(vm, &kv[1])) || (rc = pop(vm, &kv[0])) || (rc = peek(vm, &b)))
        return rc;
    return set_items(vm, b, kv, 2);
}

static int add_to_set(pk_vm *vm, pk_obj *target, pk_obj *const *items, size_t n)
{
    if (target->kind != PK_SET || (target->flags & PK_F_FROZEN))
        return bad(vm, "ADDITEMS to something that is not a set");
    for (size_t i = 0; i < n; i++) {
        int rc = pk_seq_push(vm->g, target, items[i], vm->e);
        if (rc)
            return rc;
    }
    return 0;
}

/* APPENDS, SETITEMS, ADDITEMS: the items since the last MARK go into the container under it. */
static int op_add_marked(pk_vm *vm,
                         int (*add)(pk_vm *, pk_obj *, pk_obj *const *, size_t))
{
    size_t k = 0;
    pk_obj *target = NULL;
    int rc = pop_mark_target(vm, &k, &target);
    if (rc)
        return rc;
    rc = add(vm, target, vm->stack + k, vm->sp - k);
    vm->sp = k;
    return rc;
}

/* ---- opcodes: the memo ------------------------------------------------------------------- */

/* PUT and GET (protocol 0) give the index as text. */
static int text_index(pk_vm *vm, const char *negative, uint64_t *idx)
{
    const char *line = NULL;
    size_t n = 0;
    pk_obj *a = NULL;
    int rc;
    if ((rc = take_line(vm, &line, &n)) || (rc = parse_int_text(vm, line, n, &a)))
        return rc;
    if (a->kind != PK_INT || a->u.i < 0)
        return bad(vm, negative);
    *idx = (uint64_t)a->u.i;
    return 0;
}

static int op_put(pk_vm *vm)
{
    uint64_t idx = 0;
    pk_obj *b = NULL;
    int rc;
    if ((rc = text_index(vm, "negative or huge PUT index", &idx)) || (rc = peek(vm, &b)))
        return rc;
    return memo_put(vm, idx, b);
}

/* BINPUT has a 1-byte index, LONG_BINPUT a 4-byte one; likewise BINGET and LONG_BINGET. */
static int op_binput(pk_vm *vm, unsigned width)
{
    const uint8_t *p = NULL;
    pk_obj *b = NULL;
    int rc;
    if ((rc = take(vm, width, &p)) || (rc = peek(vm, &b)))
        return rc;
    return memo_put(vm, width == 4 ? fr_rd32(p) : p[0], b);
}

static int op_memoize(pk_vm *vm)
{
    pk_obj *b = NULL;
    int rc = peek(vm, &b);
    return rc ? rc : memo_put(vm, vm->memo_count, b);
}

static int op_get(pk_vm *vm)
{
    uint64_t idx = 0;
    int rc = text_index(vm, "negative or huge GET index", &idx);
    return rc ? rc : memo_get(vm, idx);
}

static int op_binget(pk_vm *vm, unsigned width)
{
    const uint8_t *p = NULL;
    int rc = take(vm, width, &p);
    return rc ? rc : memo_get(vm, width == 4 ? fr_rd32(p) : p[0]);
}

/* ---- opcodes: globals and calls ---------------------------------------------------------- */

static int op_global(pk_vm *vm)
{
    const char *mod = NULL, *name = NULL;
    size_t ml = 0, nl = 0;
    int rc;
    if ((rc = take_line(vm, &mod, &ml)) || (rc = take_line(vm, &name, &nl)))
        return rc;
    return push_global(vm, mod, ml, name, nl);
}

static int op_stack_global(pk_vm *vm)
{
    pk_obj *a = NULL, *b = NULL;
    int rc;
    if ((rc = pop(vm, &b)) || (rc = pop(vm, &a)))
        return rc;
    if (a->kind != PK_STR || b->kind != PK_STR)
        return bad(vm, "STACK_GLOBAL requires str");
    return push_global(vm, a->u.s.p, a->u.s.n, b->u.s.p, b->u.s.n);
}

/* INST: GLOBAL's two lines, then a call of that class on the items since the last MARK; the
 * class is checked before its arguments are looked at. */
static int op_inst(pk_vm *vm)
{
    int rc = op_global(vm);
    if (rc)
        return rc;
    pk_obj *c = vm->stack[--vm->sp], *a = NULL, *b = NULL;
    size_t k = 0;
    if ((rc = pop_mark(vm, &k)) || (rc = collect(vm, k, PK_TUPLE, 0, &a)) ||
        (rc = pk_call(vm, c, a, NULL, CALL_INST, &b)))
        return rc;
    return push(vm, b);
}

/* OBJ: the callable is the first item since the last MARK, its arguments the rest. */
static int op_obj(pk_vm *vm)
{
    size_t k = 0;
    pk_obj *a = NULL, *b = NULL;
    int rc = pop_mark(vm, &k);
    if (rc)
        return rc;
    if (vm->sp == k)
        return underflow(vm);
    pk_obj *c = vm->stack[k];
    if ((rc = collect(vm, k + 1, PK_TUPLE, 0, &a)))
        return rc;
    vm->sp = k;
    if ((rc = pk_call(vm, c, a, NULL, CALL_OBJ, &b)))
        return rc;
    return push(vm, b);
}

/* REDUCE and NEWOBJ: a callable and its argument tuple on the stack. */
static int op_call(pk_vm *vm, call_how how)
{
    pk_obj *a = NULL, *b = NULL, *c = NULL;
    int rc;
    if ((rc = pop(vm, &a)) || (rc = pop(vm, &c)) || (rc = pk_call(vm, c, a, NULL, how, &b)))
        return rc;
    return push(vm, b);
}

static int op_newobj_ex(pk_vm *vm)
{
    pk_obj *kw = NULL, *a = NULL, *b = NULL, *c = NULL;
    int rc;
    if ((rc = pop(vm, &kw)) || (rc = pop(vm, &a)) || (rc = pop(vm, &c)))
        return rc;
    if (kw->kind != PK_DICT)
        return bad(vm, "NEWOBJ_EX keyword arguments are not a dict");
    if ((rc = pk_call(vm, c, a, pk_len(kw) ? kw : NULL, CALL_NEWOBJ, &b)))
        return rc;
    return push(vm, b);
}

/* A PickleBuffer's bytes are in-band already: marking them read-only changes nothing here. */
static int op_readonly_buffer(pk_vm *vm)
{
    pk_obj *a = NULL;
    int rc = peek(vm, &a);
    if (rc)
        return rc;
    if (a->kind != PK_BYTES)
        return bad(vm, "READONLY_BUFFER on something that is not a buffer");
    return 0;
}

/* ---- the loop ---------------------------------------------------------------------------- */

/* Runs one opcode: the handlers above follow pickle.py's load_* methods; opcodes that differ only
 * in an argument's width share one. */
static int step(pk_vm *vm, bool *stop, pk_obj **result)
{
    const uint8_t *p = NULL;
    vm->op_pos = vm->pos;
    int rc = take(vm, 1, &p);
    if (rc)
        return rc;
    uint8_t op = p[0];

    switch (op) {
    case OP_PROTO: return op_proto(vm);
    case OP_FRAME: return op_frame(vm);
    case OP_STOP: return op_stop(vm, stop, result);
    case OP_MARK: return push_mark(vm);
    case OP_POP: return op_pop(vm);
    case OP_POP_MARK: return op_pop_mark(vm);
    case OP_DUP: return op_dup(vm);

    case OP_INT: return op_line(vm, parse_int_line);
    case OP_LONG: return op_line(vm, parse_long_line);
    case OP_BININT: return op_binint(vm, 4);
    case OP_BININT1: return op_binint(vm, 1);
    case OP_BININT2: return op_binint(vm, 2);
    case OP_LONG1: return op_long_bytes(vm, 1);
    case OP_LONG4: return op_long_bytes(vm, 4);
    case OP_FLOAT: return op_line(vm, parse_float_text);
    case OP_BINFLOAT: return op_binfloat(vm);
    case OP_NONE: return push(vm, &vm->g->none);
    case OP_NEWTRUE: return push(vm, &vm->g->vtrue);
    case OP_NEWFALSE: return push(vm, &vm->g->vfalse);

    case OP_STRING: return op_line(vm, decode_string_repr);
    case OP_BINSTRING: return op_binstring(vm, 4);
    case OP_SHORT_BINSTRING: return op_binstring(vm, 1);
    case OP_BINBYTES: return op_binbytes(vm, 4, 0);
    case OP_SHORT_BINBYTES: return op_binbytes(vm, 1, 0);
    case OP_BINBYTES8: return op_binbytes(vm, 8, 0);
    case OP_BYTEARRAY8: return op_binbytes(vm, 8, PK_F_BYTEARRAY);
    case OP_UNICODE: return op_line(vm, decode_raw_unicode_escape);
    case OP_BINUNICODE: return op_binunicode(vm, 4);
    case OP_SHORT_BINUNICODE: return op_binunicode(vm, 1);
    case OP_BINUNICODE8: return op_binunicode(vm, 8);

    case OP_EMPTY_TUPLE: return op_empty(vm, PK_TUPLE);
    case OP_EMPTY_LIST: return op_empty(vm, PK_LIST);
    case OP_EMPTY_DICT: return op_empty(vm, PK_DICT);
    case OP_EMPTY_SET: return op_empty(vm, PK_SET);
    case OP_TUPLE: return op_marked(vm, PK_TUPLE, 0);
    case OP_LIST: return op_marked(vm, PK_LIST, 0);
    case OP_DICT: return op_marked(vm, PK_DICT, 0);
    case OP_FROZENSET: return op_marked(vm, PK_SET, PK_F_FROZEN);
    case OP_TUPLE1: return tuple_n(vm, 1);
    case OP_TUPLE2: return tuple_n(vm, 2);
    case OP_TUPLE3: return tuple_n(vm, 3);
    case OP_APPEND: return op_append(vm);
    case OP_SETITEM: return op_setitem(vm);
    case OP_APPENDS: return op_add_marked(vm, extend);
    case OP_SETITEMS: return op_add_marked(vm, set_items);
    case OP_ADDITEMS: return op_add_marked(vm, add_to_set);

    case OP_PUT: return op_put(vm);
    case OP_BINPUT: return op_binput(vm, 1);
    case OP_LONG_BINPUT: return op_binput(vm, 4);
    case OP_MEMOIZE: return op_memoize(vm);
    case OP_GET: return op_get(vm);
    case OP_BINGET: return op_binget(vm, 1);
    case OP_LONG_BINGET: return op_binget(vm, 4);

    case OP_GLOBAL: return op_global(vm);
    case OP_STACK_GLOBAL: return op_stack_global(vm);
    case OP_INST: return op_inst(vm);
    case OP_OBJ: return op_obj(vm);
    case OP_REDUCE: return op_call(vm, CALL_REDUCE);
    case OP_NEWOBJ: return op_call(vm, CALL_NEWOBJ);
    case OP_NEWOBJ_EX: return op_newobj_ex(vm);
    case OP_BUILD: return do_build(vm);

    /* what a file cannot use */
    case OP_PERSID:
    case OP_BINPERSID:
        return unsupported_op(vm, "persistent IDs (PERSID), which need the saving program");
    case OP_EXT1:
    case OP_EXT2:
    case OP_EXT4:
        return unsupported_op(vm, "the copyreg extension registry (EXT1/EXT2/EXT4)");
    case OP_NEXT_BUFFER:
        return unsupported_op(vm, "an out-of-band buffer (NEXT_BUFFER), which a file does not "
                                  "carry");
    case OP_READONLY_BUFFER: return op_readonly_buffer(vm);
    }
    return fr_fail(vm->e, FROST_EFORMAT, "malformed pickle at offset %zu: unknown opcode 0x%02x",
                   vm->op_pos, op);
}

int pk_run(pk_graph *g, const uint8_t *buf, size_t len, size_t start, const pk_limits *lim,
           unsigned depth, pk_build_hook hook, size_t *end, pk_obj **result, fr_err *e)
{
    if (depth > lim->max_depth)
        return fr_fail(e, FROST_ELIMIT,
                       "pickle streams nested more than %u deep (limit: pk_limits.max_depth)",
                       lim->max_depth);
    pk_vm vm = {
        .g = g,
        .lim = lim,
        .e = e,
        .buf = buf,
        .len = len,
        .pos = start,
        .depth = depth,
        .build_hook = hook,
    };
    bool stop = false;
    int rc = 0;
    pk_obj *res = NULL;
    if (start > len)
        rc = pk_truncated(&vm);
    while (!rc && !stop)
        rc = step(&vm, &stop, &res);
    if (depth == 0)
        g->prov.protocol = vm.proto ? vm.proto : -1;
    free(vm.stack);
    free(vm.marks);
    free(vm.memo);
    if (rc) {
        if (end)
            *end = vm.op_pos;
        return rc;
    }
    *result = res;
    if (end)
        *end = vm.pos;
    return 0;
}

int pk_load(const uint8_t *data, size_t len, const pk_limits *lim, pk_graph **out, fr_err *e)
{
    pk_limits l;
    pk_limits_resolve(&l, lim);
    *out = NULL;
    pk_graph *g = pk_graph_new(&l, e);
    if (!g)
        return FROST_ENOMEM;
    pk_obj *root;
    int rc = pk_run(g, data, len, 0, &l, 0, NULL, NULL, &root, e);
    if (!rc)
        rc = pk_graph_check(root, l.max_nesting, e);
    if (rc) {
        pk_graph_free(g);
        return rc;
    }
    g->root = root;
    *out = g;
    return 0;
}
