/*
 * test_trust.c — Criterion tests of trust and lifecycle in libfrost: key files (keygen, what a
 * damaged, truncated or world-readable key gives), signing (predictions unchanged, re-signing),
 * signatures required at open (unsigned, wrong key, any byte of a signed file changed — header,
 * blocks, padding, trailer, footer —, a trailer replayed onto another file), zero padding checked
 * by frost_verify, typed metadata, and registry references resolved by frost_open with the
 * registry's file parsers.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "forest_util.h"
#include "format.h"
#include "frost.h"
#include "registry.h"
#include "testutil.h"

static char *dir;

static void setup(void) { dir = tu_tmpdir(); }
static void teardown(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
    free(dir);
}

TestSuite(trust, .init = setup, .fini = teardown);

static char *path_in(const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

/* A small forest of n_trees trees of about `nodes` nodes, with some metadata. */
static char *write_forest_n(const char *name, uint64_t seed, int n_trees, uint64_t nodes)
{
    uint32_t nc = 2;
    frost_model_spec spec = {.size = sizeof spec, .task = FROST_TASK_CLASSIFIER,
                             .kind = FROST_ENSEMBLE_MEAN, .n_features = 3, .n_outputs = 1,
                             .n_classes = &nc, .normalize_leaves = 1};
    frost_builder *b;
    cr_assert_eq(frost_builder_new(&spec, NULL, &b), 0);
    for (int t = 0; t < n_trees; t++) {
        fu_tree tr = fu_random_tree(&seed, nodes, 3, nc, 1, 1);
        frost_tree_arrays arr = fu_arrays(&tr, 0);
        cr_assert_eq(frost_builder_add_tree(b, &arr), 0, "%s", frost_builder_errmsg(b));
        fu_free_tree(&tr);
    }
    const char *labels[2] = {"no", "yes"};
    cr_assert_eq(frost_builder_set_classes(b, 0, FROST_LABEL_STR, labels, 2), 0);
    cr_assert_eq(frost_builder_set_meta_typed(b, "metrics.auc", "0.92", FROST_META_NUMBER), 0);
    cr_assert_eq(frost_builder_set_meta_typed(b, "reviewed", "true", FROST_META_BOOL), 0);
    cr_assert_eq(frost_builder_set_meta(b, "model_id", "churn"), 0);
    char *p = path_in(name);
    cr_assert_eq(frost_builder_write(b, p), 0, "%s", frost_builder_errmsg(b));
    frost_builder_free(b);
    return p;
}

static char *write_forest(const char *name, uint64_t seed, int n_trees)
{
    return write_forest_n(name, seed, n_trees, 301);
}

static frost_public_key keygen(const char *name, frost_secret_key *sk)
{
    char *base = path_in(name), key[700];
    frost_public_key pub;
    cr_assert_eq(frost_keygen(base, &pub), 0, "%s", frost_errmsg(NULL));
    snprintf(key, sizeof key, "%s.key", base);
    if (sk)
        cr_assert_eq(frost_secret_key_load(key, sk), 0, "%s", frost_errmsg(NULL));
    free(base);
    return pub;
}

static int open_with(const char *path, const frost_public_key *keys, size_t n, frost_model **m)
{
    frost_open_options o;
    frost_open_options_init(&o);
    o.io = FROST_IO_PREAD; /* thousands of opens: no io_uring set up for each */
    o.required_keys = keys;
    o.n_required_keys = n;
    return frost_open(path, &o, m);
}

/* Opens with the keys and verifies the whole file: 0 or the first failure's code. */
static int open_verify(const char *path, const frost_public_key *keys, size_t n)
{
    frost_model *m;
    int rc = open_with(path, keys, n, &m);
    if (rc)
        return rc;
    rc = frost_verify(m);
    frost_close(m);
    return rc;
}

static void write_bytes(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f);
    cr_assert_eq(fwrite(b, 1, n, f), n);
    fclose(f);
}

/* ---- keys ------------------------------------------------------------------------------------ */

Test(trust, keygen_writes_a_private_key_and_refuses_to_overwrite)
{
    frost_public_key pub = keygen("k", NULL);
    char *key = path_in("k.key"), *pubp = path_in("k.pub");
    struct stat st;
    cr_assert_eq(stat(key, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0600);
    frost_public_key loaded;
    cr_assert_eq(frost_public_key_load(pubp, &loaded), 0, "%s", frost_errmsg(NULL));
    cr_expect_eq(memcmp(loaded.bytes, pub.bytes, 32), 0);
    char *base = path_in("k");
    cr_expect_eq(frost_keygen(base, NULL), FROST_EREFUSED);
    cr_expect(strstr(frost_errmsg(NULL), "refusing to overwrite"), "%s", frost_errmsg(NULL));
    free(base);
    free(key);
    free(pubp);
}

Test(trust, damaged_truncated_and_readable_keys_are_clear_errors)
{
    frost_secret_key sk;
    keygen("k", &sk);
    char *key = path_in("k.key"), *pub = path_in("k.pub"), *bad = path_in("bad.pub");
    size_t n = 0;
    unsigned char *text = tu_read_file(pub, &n);
    write_bytes(bad, text, n - 10); /* truncated */
    frost_public_key k;
    cr_expect_eq(frost_public_key_load(bad, &k), FROST_EFORMAT);
    cr_expect(strstr(frost_errmsg(NULL), "truncated"), "%s", frost_errmsg(NULL));
    write_bytes(bad, (const unsigned char *)"hello\n", 6);
    cr_expect_eq(frost_public_key_load(bad, &k), FROST_EFORMAT);
    cr_expect(strstr(frost_errmsg(NULL), "first line"), "%s", frost_errmsg(NULL));
    cr_expect_eq(frost_public_key_load(key, &k), FROST_EFORMAT, "a secret key is not a public one");
    chmod(key, 0644);
    cr_expect_eq(frost_secret_key_load(key, &sk), FROST_EREFUSED);
    cr_expect(strstr(frost_errmsg(NULL), "chmod 600"), "%s", frost_errmsg(NULL));
    chmod(key, 0600);
    unsigned char *ktext = tu_read_file(key, &n);
    char *trunc = path_in("t.key");
    int fd = open(trunc, O_WRONLY | O_CREAT | O_EXCL, 0600);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, ktext, n - 20), (ssize_t)(n - 20));
    close(fd);
    cr_expect_eq(frost_secret_key_load(trunc, &sk), FROST_EFORMAT);
    cr_expect_eq(frost_public_key_load("/nonexistent/x.pub", &k), FROST_EIO);
    /* a key file is two short lines: a long one is refused before it is parsed */
    unsigned char big[4096];
    memset(big, 'A', sizeof big);
    write_bytes(bad, big, sizeof big);
    cr_expect_eq(frost_public_key_load(bad, &k), FROST_EFORMAT);
    cr_expect(strstr(frost_errmsg(NULL), "larger than a key file"), "%s", frost_errmsg(NULL));
    free(text);
    free(ktext);
    free(key);
    free(pub);
    free(bad);
    free(trunc);
}

/* ---- signatures ------------------------------------------------------------------------------ */

Test(trust, signing_changes_no_prediction_and_unsigned_is_refused_only_when_required)
{
    char *plain = write_forest("plain.frost", 3, 5), *signd = path_in("signed.frost");
    frost_secret_key sk;
    frost_public_key pub = keygen("a", &sk);
    cr_assert_eq(frost_sign(plain, signd, &sk), 0, "%s", frost_errmsg(NULL));
    frost_model *m1, *m2;
    cr_assert_eq(frost_open(plain, NULL, &m1), 0);
    cr_assert_eq(open_with(signd, &pub, 1, &m2), 0, "%s", frost_errmsg(NULL));
    double X[64 * 3], p1[64 * 2], p2[64 * 2];
    uint64_t s = 9;
    for (int i = 0; i < 64 * 3; i++)
        X[i] = i % 13 == 0 ? NAN : (fu_unif(&s) - 0.5) * 5;
    cr_assert_eq(frost_predict_proba(m1, X, 64, p1), 0);
    cr_assert_eq(frost_predict_proba(m2, X, 64, p2), 0);
    cr_expect_eq(memcmp(p1, p2, sizeof p1), 0, "signing changed a prediction");
    frost_signature_info si = {.size = sizeof si};
    cr_assert_eq(frost_signature_info_get(m2, &si), 0);
    cr_expect(si.present && si.verified);
    cr_expect_eq(memcmp(si.key.bytes, pub.bytes, 32), 0);
    cr_assert_eq(frost_signature_info_get(m1, &si), 0);
    cr_expect(!si.present);
    frost_close(m1);
    frost_close(m2);
    cr_expect_eq(open_verify(signd, NULL, 0), 0, "a signed file opens without a key");
    cr_expect_eq(open_verify(plain, &pub, 1), FROST_ESIGNATURE);
    cr_expect(strstr(frost_errmsg(NULL), "unsigned"), "%s", frost_errmsg(NULL));
    free(plain);
    free(signd);
}

Test(trust, a_file_signed_by_another_key_is_refused_and_any_required_key_may_match)
{
    char *p = write_forest("m.frost", 4, 3);
    frost_secret_key ska, skb;
    frost_public_key a = keygen("a", &ska), b = keygen("b", &skb);
    cr_assert_eq(frost_sign(p, NULL, &ska), 0);
    cr_expect_eq(open_verify(p, &b, 1), FROST_ESIGNATURE);
    cr_expect(strstr(frost_errmsg(NULL), "wrong key"), "%s", frost_errmsg(NULL));
    frost_public_key both[2] = {b, a};
    cr_expect_eq(open_verify(p, both, 2), 0, "%s", frost_errmsg(NULL));
    /* re-signing replaces: now b's, no longer a's, and the same size */
    struct stat s1, s2;
    stat(p, &s1);
    cr_assert_eq(frost_sign(p, NULL, &skb), 0);
    stat(p, &s2);
    cr_expect_eq(s1.st_size, s2.st_size);
    cr_expect_eq(open_verify(p, &b, 1), 0);
    cr_expect_eq(open_verify(p, &a, 1), FROST_ESIGNATURE);
    free(p);
}

Test(trust, every_changed_byte_of_a_signed_file_is_refused_under_a_required_key)
{
    /* a one-page data region, header, trailer and footer: every byte of it, one by one */
    char *p = write_forest_n("m.frost", 5, 1, 61), *t = path_in("t.frost");
    frost_secret_key sk;
    frost_public_key pub = keygen("a", &sk);
    cr_assert_eq(frost_sign(p, NULL, &sk), 0);
    size_t n = 0;
    unsigned char *orig = tu_read_file(p, &n);
    cr_assert_eq(open_verify(p, &pub, 1), 0);
    uint64_t hs = fr_rd64(orig + FMT_SB_HEADER_SIZE), ds = fr_rd64(orig + FMT_SB_DATA_SIZE);
    int regions[4] = {0}; /* header, data, trailer, footer: bytes changed and refused */
    write_bytes(t, orig, n);
    int fd = open(t, O_WRONLY);
    cr_assert(fd >= 0);
    for (size_t i = 0; i < n; i++) {
        unsigned char changed = orig[i] ^ 0x20;
        cr_assert_eq(pwrite(fd, &changed, 1, (off_t)i), 1);
        int rc = open_verify(t, &pub, 1);
        cr_assert_eq(pwrite(fd, &orig[i], 1, (off_t)i), 1);
        cr_assert_neq(rc, 0, "byte %zu changed and the file was accepted", i);
        cr_expect(rc == FROST_ECORRUPT || rc == FROST_ESIGNATURE || rc == FROST_EFORMAT ||
                      rc == FROST_EVERSION || rc == FROST_ETRUNCATED,
                  "byte %zu: code %d", i, rc);
        regions[i < hs ? 0 : i < hs + ds ? 1 : i < hs + ds + FMT_SIG_RECORD ? 2 : 3]++;
    }
    close(fd);
    cr_expect(regions[0] && regions[1] && regions[2] && regions[3]);
    cr_expect_eq(open_verify(t, &pub, 1), 0, "the bytes restored: %s", frost_errmsg(NULL));
    /* the file cut short */
    write_bytes(t, orig, n - 1);
    cr_expect_neq(open_verify(t, &pub, 1), 0);
    free(orig);
    free(p);
    free(t);
}

Test(trust, a_signature_replayed_onto_another_file_is_refused)
{
    char *a = write_forest("a.frost", 6, 2), *b = write_forest("b.frost", 7, 2);
    frost_secret_key sk;
    frost_public_key pub = keygen("k", &sk);
    cr_assert_eq(frost_sign(a, NULL, &sk), 0);
    cr_assert_eq(frost_sign(b, NULL, &sk), 0);
    size_t na = 0, nb = 0;
    unsigned char *ba = tu_read_file(a, &na), *bb = tu_read_file(b, &nb);
    /* b's own bytes with a's trailer: the trailer's digests name a's header and data */
    memcpy(bb + nb - FMT_FOOTER_SIZE - FMT_SIG_RECORD, ba + na - FMT_FOOTER_SIZE - FMT_SIG_RECORD,
           FMT_SIG_RECORD);
    write_bytes(b, bb, nb);
    cr_expect_eq(open_verify(b, &pub, 1), FROST_ESIGNATURE);
    cr_expect(strstr(frost_errmsg(NULL), "tampered"), "%s", frost_errmsg(NULL));
    free(ba);
    free(bb);
    free(a);
    free(b);
}

Test(trust, verify_refuses_padding_that_is_not_zero)
{
    char *p = write_forest("m.frost", 8, 2);
    size_t n = 0;
    unsigned char *b = tu_read_file(p, &n);
    uint64_t hs = fr_rd64(b + FMT_SB_HEADER_SIZE), ds = fr_rd64(b + FMT_SB_DATA_SIZE);
    /* the last byte of the data region lies after the last block (page padding) */
    cr_assert_eq(b[hs + ds - 1], 0);
    b[hs + ds - 1] = 1;
    write_bytes(p, b, n);
    frost_model *m;
    cr_assert_eq(frost_open(p, NULL, &m), 0, "loading does not read padding");
    cr_expect_eq(frost_verify(m), FROST_ECORRUPT);
    cr_expect(strstr(frost_errmsg(m), "padding"), "%s", frost_errmsg(m));
    frost_close(m);
    free(b);
    free(p);
}

/* ---- metadata --------------------------------------------------------------------------------- */

Test(trust, typed_metadata_keeps_its_type)
{
    char *p = write_forest("m.frost", 9, 1);
    frost_model *m;
    cr_assert_eq(frost_open(p, NULL, &m), 0);
    int found = 0;
    for (uint32_t i = 0; i < frost_meta_count(m); i++) {
        const char *k, *v;
        frost_meta_at(m, i, &k, &v);
        if (!strcmp(k, "metrics.auc"))
            found += frost_meta_type_at(m, i) == FROST_META_NUMBER && !strcmp(v, "0.92");
        if (!strcmp(k, "reviewed"))
            found += frost_meta_type_at(m, i) == FROST_META_BOOL;
        if (!strcmp(k, "model_id"))
            found += frost_meta_type_at(m, i) == FROST_META_STRING;
    }
    cr_expect_eq(found, 3);
    frost_close(m);
    free(p);
    uint32_t nc = 2;
    frost_model_spec spec = {.size = sizeof spec, .task = FROST_TASK_CLASSIFIER,
                             .kind = FROST_ENSEMBLE_MEAN, .n_features = 1, .n_outputs = 1,
                             .n_classes = &nc};
    frost_builder *b;
    cr_assert_eq(frost_builder_new(&spec, NULL, &b), 0);
    static const char *const not_numbers[] = {"0042", "1.", ".5", "1e", "nan", "inf", "+1",
                                              "1e400", "0x10", " 1", ""};
    for (size_t i = 0; i < sizeof not_numbers / sizeof *not_numbers; i++)
        cr_expect_eq(frost_builder_set_meta_typed(b, "k", not_numbers[i], FROST_META_NUMBER),
                     FROST_EINVAL, "'%s' taken for a number", not_numbers[i]);
    static const char *const numbers[] = {"0", "-0", "42", "0.89", "-1.5e-3", "1E+20", "1e307"};
    for (size_t i = 0; i < sizeof numbers / sizeof *numbers; i++)
        cr_expect_eq(frost_builder_set_meta_typed(b, "k", numbers[i], FROST_META_NUMBER), 0,
                     "'%s' refused", numbers[i]);
    cr_expect_eq(frost_builder_set_meta_typed(b, "k", "yes", FROST_META_BOOL), FROST_EINVAL);
    frost_builder_free(b);
}

/* ---- registry --------------------------------------------------------------------------------- */

Test(trust, registry_files_are_parsed_strictly)
{
    rt_alias a;
    fr_err e = {0};
    const char *good = "frost alias 1\ntarget 7 1700000000\nwas 5 1600000000\nwas 2 0\n";
    cr_assert_eq(rt_alias_parse(good, strlen(good), &a, &e), 0, "%s", e.msg);
    cr_expect(a.target == 7 && a.n_was == 2 && a.was[0] == 5 && a.was[1] == 2);
    char buf[512];
    size_t n = rt_alias_format(&a, buf, sizeof buf);
    cr_expect(n == strlen(good) && !memcmp(buf, good, n));
    static const char *const bad[] = {
        "", "frost alias 2\ntarget 1 0\n", "frost alias 1\n", "frost alias 1\ntarget 1 0",
        "frost alias 1\ntarget 0 0\n", "frost alias 1\ntarget 01 0\n", "frost alias 1\ntarget -1 0\n",
        "frost alias 1\ntarget 1 0\nwas x 0\n", "frost alias 1\ntarget 1 0\n\n",
        "frost alias 1\ntarget 1 0 extra\n", "frost alias 1\ntarget 1\t0\n",
        "frost alias 1\ntarget 99999999999 0\n", "frost alias 1\ntarget 1 0\nwas 1 0\x01\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_expect_neq(rt_alias_parse(bad[i], strlen(bad[i]), &a, &e), 0, "accepted: %s", bad[i]);
    rt_version_info info;
    const char *vi = "frost version 1\nversion 3\npushed_at 5\nsize 10\nsha256 "
                     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
                     "new_key later\n";
    cr_expect_eq(rt_version_info_parse(vi, strlen(vi), &info, &e), 0, "%s", e.msg);
    cr_expect_eq(info.version, 3);
    const char *missing = "frost version 1\nversion 3\n";
    cr_expect_neq(rt_version_info_parse(missing, strlen(missing), &info, &e), 0);
    /* registry files are read whole up to RT_REG_FILE_MAX bytes, a larger one refused */
    static char big[RT_REG_FILE_MAX + 2], back[RT_REG_FILE_MAX + 1];
    memset(big, 'x', sizeof big);
    char *path = path_in("big");
    size_t len;
    write_bytes(path, (const unsigned char *)big, RT_REG_FILE_MAX);
    cr_expect_eq(rt_reg_read_file(path, back, sizeof back, &len, &e), 0, "%s", e.msg);
    cr_expect_eq(len, RT_REG_FILE_MAX);
    write_bytes(path, (const unsigned char *)big, RT_REG_FILE_MAX + 1);
    cr_expect_eq(rt_reg_read_file(path, back, sizeof back, &len, &e), FR_ELIMIT);
    cr_expect(strstr(e.msg, "larger than"), "%s", e.msg);
    free(path);
    cr_expect(rt_reg_name_ok("churn_v2.1-a", 12, 1));
    cr_expect(!rt_reg_name_ok("..", 2, 0) && !rt_reg_name_ok("a/b", 3, 0) &&
              !rt_reg_name_ok(".tmp", 4, 0) && !rt_reg_name_ok("12", 2, 1) &&
              !rt_reg_name_ok("", 0, 0));
}

/* A registry made by hand, as REGISTRY.md lays it out. */
static void mkfile(const char *path, const char *text)
{
    write_bytes(path, (const unsigned char *)text, strlen(text));
}

/* DIR/reg: model churn with versions 5, 10 and 15 (1, 2 and 3 trees), production -> 10. */
static void make_registry(void)
{
    char p[900];
    snprintf(p, sizeof p, "%s/reg", dir);
    mkdir(p, 0777);
    snprintf(p, sizeof p, "%s/reg/frost-registry", dir);
    mkfile(p, RT_REG_MARKER_TEXT);
    snprintf(p, sizeof p, "%s/reg/churn", dir);
    mkdir(p, 0777);
    snprintf(p, sizeof p, "%s/reg/churn/versions", dir);
    mkdir(p, 0777);
    snprintf(p, sizeof p, "%s/reg/churn/aliases", dir);
    mkdir(p, 0777);
    for (int v = 1; v <= 3; v++) {
        snprintf(p, sizeof p, "%s/reg/churn/versions/%d", dir, v * 5); /* 5, 10, 15 */
        mkdir(p, 0777);
        char *m = write_forest("m.frost", (uint64_t)v, v);
        snprintf(p, sizeof p, "%s/reg/churn/versions/%d/model.frost", dir, v * 5);
        cr_assert_eq(rename(m, p), 0);
        free(m);
    }
    snprintf(p, sizeof p, "%s/reg/churn/aliases/production", dir);
    mkfile(p, "frost alias 1\ntarget 10 1700000000\nwas 5 1600000000\n");
}

Test(trust, frost_open_resolves_registry_references)
{
    char p[900];
    make_registry();
    static const struct {
        const char *ref;
        uint32_t trees;
    } ok[] = {{"churn@production", 2}, {"churn@5", 1}, {"churn@latest", 3}, {"churn@15", 3}};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        snprintf(p, sizeof p, "%s/reg/%s", dir, ok[i].ref);
        frost_model *m;
        cr_assert_eq(frost_open(p, NULL, &m), 0, "%s: %s", ok[i].ref, frost_errmsg(NULL));
        frost_info info = {.size = sizeof info};
        frost_model_info(m, &info);
        cr_expect_eq(info.n_trees, ok[i].trees, "%s", ok[i].ref);
        frost_close(m);
    }
    static const struct {
        const char *ref, *says;
    } bad[] = {{"churn@staging", "no alias 'staging'"}, {"churn@7", "no version 7"},
               {"other@1", "no model 'other'"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(p, sizeof p, "%s/reg/%s", dir, bad[i].ref);
        frost_model *m;
        cr_expect_neq(frost_open(p, NULL, &m), 0, "%s", bad[i].ref);
        cr_expect(strstr(frost_errmsg(NULL), bad[i].says), "%s: %s", bad[i].ref,
                  frost_errmsg(NULL));
    }
    /* a damaged alias file is an error naming it, never a wrong version */
    snprintf(p, sizeof p, "%s/reg/churn/aliases/broken", dir);
    mkfile(p, "frost alias 1\ntarget 10");
    snprintf(p, sizeof p, "%s/reg/churn@broken", dir);
    frost_model *m;
    cr_expect_eq(frost_open(p, NULL, &m), FROST_ETRUNCATED);
    cr_expect(strstr(frost_errmsg(NULL), "aliases/broken"), "%s", frost_errmsg(NULL));
    /* a real file whose name has an '@' is opened as a file */
    char *f = write_forest("x@1", 11, 2);
    cr_expect_eq(frost_open(f, NULL, &m), 0, "%s", frost_errmsg(NULL));
    frost_close(m);
    free(f);
}

Test(trust, frost_resolve_names_the_version_a_reference_points_at)
{
    make_registry();
    char ref[900], want[900], path[1024];
    uint64_t version = 99;
    static const struct {
        const char *ref;
        uint64_t version;
    } ok[] = {{"churn@production", 10}, {"churn@5", 5}, {"churn@latest", 15}};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        snprintf(ref, sizeof ref, "%s/reg/%s", dir, ok[i].ref);
        cr_assert_eq(frost_resolve(ref, path, sizeof path, &version), 0, "%s: %s", ok[i].ref,
                     frost_errmsg(NULL));
        snprintf(want, sizeof want, "%s/reg/churn/versions/%u/model.frost", dir,
                 (unsigned)ok[i].version);
        cr_expect_str_eq(path, want);
        cr_expect_eq(version, ok[i].version, "%s", ok[i].ref);
    }
    /* a promote is seen by the next resolution (the alias file is replaced whole) */
    snprintf(want, sizeof want, "%s/reg/churn/aliases/.tmp", dir);
    mkfile(want, "frost alias 1\ntarget 15 1800000000\nwas 10 1700000000\n");
    snprintf(path, sizeof path, "%s/reg/churn/aliases/production", dir);
    cr_assert_eq(rename(want, path), 0);
    snprintf(ref, sizeof ref, "%s/reg/churn@production", dir);
    cr_expect_eq(frost_resolve(ref, path, sizeof path, &version), 0, "%s", frost_errmsg(NULL));
    cr_expect_eq(version, 15);
    /* a plain path, a file whose name has an '@' and a URL come back as they are, version 0 */
    char *f = write_forest("y@production", 3, 1);
    const char *plain[] = {"/no/such/file.frost", f, "https://example.com/reg/churn@1"};
    for (size_t i = 0; i < 3; i++) {
        version = 7;
        cr_expect_eq(frost_resolve(plain[i], path, sizeof path, &version), 0, "%s: %s",
                     plain[i], frost_errmsg(NULL));
        cr_expect_str_eq(path, plain[i]);
        cr_expect_eq(version, 0);
    }
    free(f);
    cr_expect_eq(frost_resolve("churn.frost", path, sizeof path, NULL), 0);
    /* what does not resolve says why, and leaves path empty and version 0 */
    snprintf(ref, sizeof ref, "%s/reg/churn@staging", dir);
    version = 7;
    cr_expect_eq(frost_resolve(ref, path, sizeof path, &version), FROST_EINVAL);
    cr_expect(strstr(frost_errmsg(NULL), "no alias 'staging'"), "%s", frost_errmsg(NULL));
    cr_expect_eq(version, 0);
    cr_expect_str_eq(path, "");
    snprintf(ref, sizeof ref, "%s/reg/churn@5", dir);
    cr_expect_eq(frost_resolve(ref, path, 12, &version), FROST_ELIMIT);
    cr_expect_eq(frost_resolve("/x.frost", path, 4, &version), FROST_ELIMIT);
    cr_expect(strstr(frost_errmsg(NULL), "too long"), "%s", frost_errmsg(NULL));
    cr_expect_eq(frost_resolve(NULL, path, sizeof path, &version), FROST_EINVAL);
    cr_expect_eq(frost_resolve(ref, NULL, 0, &version), FROST_EINVAL);
}
