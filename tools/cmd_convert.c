/*
 * cmd_convert.c — `frost convert IN OUT.frost`: a pickle/joblib file into a .frost file, through
 * frost_convert (the same path the library and the bindings use). Nothing in the input is run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "convert_args.h"
#include "frost_import.h"

static const char convert_help[] =
    "usage: frost convert MODEL.{joblib,pkl,…} OUT.frost [--compress lz4|none]\n"
    "                     [--block-size BYTES] [--top-levels N] [--quiet]\n"
    "                     [--meta KEY=VALUE]… [--meta-file FILE.json]\n"
    "                     [--expect-sha256 HEX|@FILE] [--source-sig FILE --source-pub KEY.pem]\n"
    "\n"
    "Converts a scikit-learn model saved with pickle or joblib (plain, zlib, gzip, bz2, xz,\n"
    "lzma or lz4) into a .frost file without executing anything: the pickle is read as data\n"
    "and every class it names must be a known scikit-learn/numpy type. The output is written\n"
    "atomically (an existing file is replaced whole and keeps its permissions, a failed run\n"
    "leaves it as it was; a symbolic link stays a link and its target is replaced; a device or\n"
    "FIFO such as /dev/null is written directly). OUT may not be the input file.\n"
    "\n"
    "  --compress MODE     lz4 compresses each block (kept raw where it does not shrink)\n"
    "  --block-size BYTES  4096 (default) up to 1048576, a power of two\n"
    "  --top-levels N      tree levels packed together for a fast cold start (default 3)\n"
    "  --quiet             no summary on stderr\n"
    "\n"
    "Metadata (frost inspect shows it, frost diff compares it):\n"
    "  --meta KEY=VALUE    an entry of your own (repeatable): model id, training date, dataset,\n"
    "                      a metric. A VALUE that is a JSON number (0.89, 42, 1e-3) or true/false\n"
    "                      is stored as one, anything else as text.\n"
    "  --meta-file FILE    a JSON object of strings, numbers and booleans; a member that is an\n"
    "                      object of those (\"metrics\": {\"auc\": 0.92}) is stored as metrics.auc.\n"
    "                      --meta entries override the file's. Keys frost records itself\n"
    "                      (sklearn_version, estimator, converted_at, frost_version, source_*)\n"
    "                      are refused.\n"
    "\n"
    "Checks of the source, before anything in it is parsed (exit 1 when one fails):\n"
    "  --expect-sha256 HEX|@FILE   its SHA-256 must be HEX (64 hex digits), or the digest at\n"
    "                      the start of FILE (model_hash.txt, or a sha256sum line)\n"
    "  --source-sig FILE --source-pub KEY.pem\n"
    "                      FILE must be a detached RSA-PSS signature of it (SHA-256, MGF1 with\n"
    "                      SHA-256, maximal salt: python cryptography's padding.PSS(mgf=MGF1(\n"
    "                      SHA256()), salt_length=PSS.MAX_LENGTH)) by the RSA public key in KEY.pem\n"
    "\n"
    "The file records when it was converted (converted_at); with SOURCE_DATE_EPOCH set (whole\n"
    "seconds since 1970, reproducible-builds.org) it records that time instead, so the same\n"
    "input and options give the same bytes.\n";

static int convert_with(const char **pos, frost_convert_options *opts, const char *compress,
                        const char *block, const char *top, int quiet, cli_meta *meta,
                        const char *meta_file, const cli_list *meta_list, const char *sig_path,
                        const char *pub_path, char **sig, char **pub);

int cmd_convert(int argc, char **argv)
{
    int help = 0, n_pos, quiet = 0;
    const char *compress = NULL, *block = NULL, *top = NULL, *meta_file = NULL, *sha = NULL;
    const char *sig_path = NULL, *pub_path = NULL;
    const char *pos[2];
    const char *meta_args[256];
    cli_list meta_list = {.v = meta_args, .cap = 256};
    cli_opt opts[] = {
        {"--compress", NULL, 1, &compress, NULL},
        {"--block-size", NULL, 1, &block, NULL},
        {"--top-levels", NULL, 1, &top, NULL},
        {"--quiet", "-q", 0, NULL, &quiet},
        {"--meta-file", NULL, 1, &meta_file, NULL},
        {"--expect-sha256", NULL, 1, &sha, NULL},
        {"--source-sig", NULL, 1, &sig_path, NULL},
        {"--source-pub", NULL, 1, &pub_path, NULL},
        {0},
    };
    int rc = cli_take_all("convert", "--meta", &argc, argv, &meta_list);
    if (rc)
        return rc;
    rc = cli_parse("convert", argc, argv, opts, pos, 2, &n_pos, &help);
    if (rc)
        return rc;
    if (help) {
        fputs(convert_help, stdout);
        return CLI_OK;
    }
    if (n_pos != 2) {
        fputs(convert_help, stderr);
        return CLI_USAGE;
    }
    if (!sig_path != !pub_path) {
        fprintf(stderr, "frost convert: --source-sig and --source-pub go together\n");
        return CLI_USAGE;
    }
    frost_convert_options o;
    frost_convert_options_init(&o);
    uint8_t sha256[32];
    if (sha) {
        if (cli_sha256_arg(sha, sha256))
            return sha[0] == '@' ? CLI_FAIL : CLI_USAGE;
        o.expect_sha256 = sha256;
    }
    cli_meta meta = {0};
    char *sig = NULL, *pub = NULL;
    rc = convert_with(pos, &o, compress, block, top, quiet, &meta, meta_file, &meta_list,
                      sig_path, pub_path, &sig, &pub);
    cli_meta_free(&meta);
    free(sig);
    free(pub);
    return rc;
}

/* The rest of convert, once the options are read: the resources it takes are the caller's to
 * free whatever happens. */
static int convert_with(const char **pos, frost_convert_options *opts, const char *compress,
                        const char *block, const char *top, int quiet, cli_meta *meta,
                        const char *meta_file, const cli_list *meta_list, const char *sig_path,
                        const char *pub_path, char **sig, char **pub)
{
    frost_convert_options o = *opts;
    int rc;
    if (meta_file && cli_meta_from_file(meta, meta_file))
        return CLI_FAIL;
    for (int i = 0; i < meta_list->n; i++)
        if (cli_meta_from_arg(meta, meta_list->v[i]))
            return CLI_USAGE;
    o.meta = meta->v;
    o.n_meta = meta->n;
    if (sig_path) {
        size_t n;
        if (cli_read_small_file("convert", sig_path, 1 << 16, sig, &n))
            return CLI_FAIL;
        o.source_signature = (const uint8_t *)*sig;
        o.source_signature_len = n;
        if (cli_read_small_file("convert", pub_path, 1 << 16, pub, &n))
            return CLI_FAIL;
        o.source_public_key = *pub;
        o.source_public_key_len = n;
        if (!o.source_signature_len) {
            fprintf(stderr, "frost convert: %s is empty, not a signature\n", sig_path);
            return CLI_FAIL;
        }
    }
    const char *epoch = getenv("SOURCE_DATE_EPOCH");
    if (epoch) {
        /* reproducible-builds.org: a malformed value is an error, not the current time */
        char *end;
        errno = 0;
        long long v = strtoll(epoch, &end, 10);
        if (!*epoch || *end || errno || v < 0 || v > FROST_CONVERTED_AT_MAX ||
            !(*epoch >= '0' && *epoch <= '9')) {
            fprintf(stderr, "frost convert: SOURCE_DATE_EPOCH=%s: expected whole seconds since "
                    "1970 (0 to %lld)\n", epoch, FROST_CONVERTED_AT_MAX);
            return CLI_USAGE;
        }
        o.converted_at = v;
    }
    if (compress) {
        if (strcmp(compress, "lz4") == 0)
            o.write.compress = 1;
        else if (strcmp(compress, "none") != 0) {
            fprintf(stderr, "frost convert: --compress %s: expected lz4 or none\n", compress);
            return CLI_USAGE;
        }
    }
    if (block) {
        char *end;
        unsigned long v = strtoul(block, &end, 10);
        unsigned shift = 0;
        while (shift < 31 && (1ul << shift) < v)
            shift++;
        if (*end || v != (1ul << shift) || shift < 12 || shift > 20) {
            fprintf(stderr, "frost convert: --block-size %s: a power of two from 4096 to 1048576\n",
                    block);
            return CLI_USAGE;
        }
        o.write.block_shift = shift;
    }
    if (top) {
        char *end;
        unsigned long v = strtoul(top, &end, 10);
        if (*end || v < 1 || v > 16) {
            fprintf(stderr, "frost convert: --top-levels %s: a number from 1 to 16\n", top);
            return CLI_USAGE;
        }
        o.write.top_levels = (uint32_t)v;
    }
    if (cli_check_output("convert", pos[1], pos[0]))
        return CLI_FAIL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = frost_convert(pos[0], pos[1], &o);
    if (rc == FROST_EIO) { /* reading IN or writing OUT: the message names the file */
        fprintf(stderr, "frost convert: %s\n", frost_import_errmsg());
        return CLI_FAIL;
    }
    if (rc)
        return cli_error("convert", pos[0], rc, frost_import_errmsg());
    clock_gettime(CLOCK_MONOTONIC, &t1);
    /* the summary reads the written file back: only a regular file can be (a FIFO's open
     * would wait for a writer that never comes) */
    struct stat st;
    if (!quiet && stat(pos[1], &st) == 0 && S_ISREG(st.st_mode)) {
        frost_model *m;
        if (frost_open(pos[1], NULL, &m) == 0) {
            frost_info info = {.size = sizeof info};
            frost_model_info(m, &info);
            const char *est = frost_meta_get(m, "estimator");
            const char *ver = frost_meta_get(m, "sklearn_version");
            fprintf(stderr, "%s: %s (sklearn %s) · %u trees · %llu nodes · %llu bytes · %.1f ms\n",
                    pos[1], est ? est : "model", ver ? ver : "?", info.n_trees,
                    (unsigned long long)info.n_nodes, (unsigned long long)info.file_size,
                    (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
            frost_close(m);
        }
    }
    return CLI_OK;
}
