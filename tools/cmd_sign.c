/*
 * cmd_sign.c — `frost keygen`, `frost sign` and `frost verify`, and how every command opens a
 * model: FROST_REQUIRE_SIGNATURE=a.pub[:b.pub…] names keys one of which must have signed any
 * model the CLI opens (the library takes the keys in frost_open_options; reading the variable
 * is the CLI's, so the library itself depends on no environment for trust).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_keys_add_file(const char *cmd, cli_keys *keys, const char *path, const char *what)
{
    if (keys->n == CLI_MAX_KEYS) {
        fprintf(stderr, "frost %s: more than %d public keys\n", cmd, CLI_MAX_KEYS);
        return CLI_USAGE;
    }
    if (frost_public_key_load(path, &keys->k[keys->n]) != 0) {
        fprintf(stderr, "frost %s: %s%s\n", cmd, what, frost_errmsg(NULL));
        return CLI_FAIL;
    }
    keys->n++;
    return CLI_OK;
}

int cli_keys_from_env(const char *cmd, cli_keys *keys)
{
    const char *v = getenv("FROST_REQUIRE_SIGNATURE");
    if (!v)
        return CLI_OK;
    /* set but empty is most likely a key path that expanded to nothing: failing open there
     * would silently drop the check the deployment asked for */
    if (!*v) {
        fprintf(stderr, "frost %s: FROST_REQUIRE_SIGNATURE is set but names no key file (unset "
                "it, or name a.pub[:b.pub])\n", cmd);
        return CLI_USAGE;
    }
    char path[4096];
    for (const char *p = v;;) {
        size_t n = strcspn(p, ":");
        if (n == 0 || n >= sizeof path) {
            fprintf(stderr, "frost %s: FROST_REQUIRE_SIGNATURE=%s: expected key files separated "
                    "by ':' (a.pub:b.pub)\n", cmd, v);
            return CLI_USAGE;
        }
        memcpy(path, p, n);
        path[n] = '\0';
        int rc = cli_keys_add_file(cmd, keys, path, "FROST_REQUIRE_SIGNATURE: ");
        if (rc)
            return rc;
        if (!p[n])
            return CLI_OK;
        p += n + 1;
    }
}

int cli_open_model(const char *cmd, const char *path, frost_open_options *opts, cli_keys *keys,
                   frost_model **out)
{
    *out = NULL;
    int rc = cli_keys_from_env(cmd, keys);
    if (rc)
        return rc;
    frost_open_options o;
    frost_open_options_init(&o);
    if (opts)
        o = *opts;
    if (keys->n) {
        o.required_keys = keys->k;
        o.n_required_keys = keys->n;
    }
    char name[CLI_NAME_MAX];
    if ((rc = frost_open(path, &o, out)) != 0)
        return cli_error(cmd, cli_model_name(path, name, sizeof name), rc, frost_errmsg(NULL));
    return CLI_OK;
}

static const char keygen_help[] =
    "usage: frost keygen NAME\n"
    "\n"
    "Makes an Ed25519 key pair for signing models: NAME.key, the secret key (mode 0600: keep it\n"
    "private), and NAME.pub, the public key to give those who load the models. Refuses to\n"
    "overwrite either file. Prints the key id, which frost sign and frost verify show.\n";

int cmd_keygen(int argc, char **argv)
{
    int help = 0, n_pos;
    const char *pos[1];
    int rc = cli_parse("keygen", argc, argv, NULL, pos, 1, &n_pos, &help);
    if (rc)
        return rc;
    if (help) {
        fputs(keygen_help, stdout);
        return CLI_OK;
    }
    if (n_pos != 1) {
        fputs(keygen_help, stderr);
        return CLI_USAGE;
    }
    frost_public_key pub;
    if (frost_keygen(pos[0], &pub) != 0) {
        fprintf(stderr, "frost keygen: %s\n", frost_errmsg(NULL));
        return CLI_FAIL;
    }
    char id[17];
    frost_key_id(&pub, id);
    printf("%s.key (secret: keep it private) and %s.pub written; key id %s\n", pos[0], pos[0], id);
    return CLI_OK;
}

static const char sign_help[] =
    "usage: frost sign MODEL.frost --key NAME.key [-o OUT.frost]\n"
    "\n"
    "Signs a .frost file with an Ed25519 secret key (frost keygen): the signature covers the\n"
    "header, which holds every block's checksum, and the whole data region, so a byte changed\n"
    "anywhere is found by frost verify --pub, and an unsigned or changed file is refused by\n"
    "any frost that requires the key (FROST_REQUIRE_SIGNATURE, frost_open_options). Nothing\n"
    "else changes: predictions are identical. Signing a signed file replaces its signature.\n"
    "The file is rewritten atomically (-o writes a signed copy instead).\n";

int cmd_sign(int argc, char **argv)
{
    int help = 0, n_pos;
    const char *pos[1], *key_path = NULL, *out = NULL;
    cli_opt opts[] = {
        {"--key", "-k", 1, &key_path, NULL},
        {"--output", "-o", 1, &out, NULL},
        {0},
    };
    int rc = cli_parse("sign", argc, argv, opts, pos, 1, &n_pos, &help);
    if (rc)
        return rc;
    if (help) {
        fputs(sign_help, stdout);
        return CLI_OK;
    }
    if (n_pos != 1 || !key_path) {
        fputs(sign_help, stderr);
        return CLI_USAGE;
    }
    frost_secret_key sk;
    if (frost_secret_key_load(key_path, &sk) != 0) {
        fprintf(stderr, "frost sign: %s\n", frost_errmsg(NULL));
        return CLI_FAIL;
    }
    if (out && strcmp(out, pos[0]) != 0 && cli_check_output("sign", out, pos[0]))
        rc = CLI_FAIL;
    else if (frost_sign(pos[0], out, &sk) != 0)
        rc = cli_error("sign", pos[0], FROST_EIO, frost_errmsg(NULL));
    frost_public_key pub;
    frost_secret_key_public(&sk, &pub);
    memset(&sk, 0, sizeof sk);
    if (rc)
        return rc;
    /* what was written is read back as a loader that requires this key reads it */
    const char *signed_path = out ? out : pos[0];
    frost_open_options o;
    frost_open_options_init(&o);
    o.required_keys = &pub;
    o.n_required_keys = 1;
    frost_model *m;
    if (frost_open(signed_path, &o, &m) != 0)
        return cli_error("sign", signed_path, FROST_ESIGNATURE, frost_errmsg(NULL));
    frost_close(m);
    char id[17];
    frost_key_id(&pub, id);
    fprintf(stderr, "%s: signed by key %s\n", signed_path, id);
    return CLI_OK;
}

static const char verify_help[] =
    "usage: frost verify FILE [--pub NAME.pub]…\n"
    "\n"
    "Reads every block of a .frost file, checks its checksum and decoding, walks every tree\n"
    "checking each structural rule, and checks that every byte between blocks (padding) is\n"
    "zero. Exit 0 when the file is sound, 1 naming what failed.\n"
    "\n"
    "  --pub NAME.pub   require a signature by this key (repeatable: any one may match; so\n"
    "                   do the keys of FROST_REQUIRE_SIGNATURE). The signature must be valid\n"
    "                   for the header and for the whole data region: 'unsigned', 'wrong\n"
    "                   key', 'tampered header', 'tampered block N', 'tampered data',\n"
    "                   'tampered signature' say what is not.\n"
    "\n"
    "Without a key, a signed file's signature is checked against the key it names (reported,\n"
    "not trusted).\n";

int cmd_verify(int argc, char **argv)
{
    int help = 0, n_pos;
    const char *pos[1];
    const char *pubs[CLI_MAX_KEYS];
    cli_list pub_list = {.v = pubs, .cap = CLI_MAX_KEYS};
    int rc = cli_take_all("verify", "--pub", &argc, argv, &pub_list);
    if (rc)
        return rc;
    rc = cli_parse("verify", argc, argv, NULL, pos, 1, &n_pos, &help);
    if (rc)
        return rc;
    if (help) {
        fputs(verify_help, stdout);
        return CLI_OK;
    }
    if (n_pos != 1) {
        fputs(verify_help, stderr);
        return CLI_USAGE;
    }
    cli_keys keys = {.n = 0};
    for (int i = 0; i < pub_list.n; i++)
        if ((rc = cli_keys_add_file("verify", &keys, pubs[i], "")))
            return rc;
    frost_model *m;
    char name_buf[CLI_NAME_MAX];
    const char *name = cli_model_name(pos[0], name_buf, sizeof name_buf);
    if ((rc = cli_open_model("verify", pos[0], NULL, &keys, &m)))
        return rc;
    /* the signature, valid under the key it names (checked against the required keys at open
     * when there are some); an unsigned file is sound without a key */
    frost_signature_info sig = {.size = sizeof sig};
    if ((rc = frost_signature_info_get(m, &sig)) != 0) {
        cli_error("verify", name, rc, frost_errmsg(m));
        frost_close(m);
        return CLI_FAIL;
    }
    if ((rc = frost_verify(m)) != 0) {
        cli_error("verify", name, rc, frost_errmsg(m));
        frost_close(m);
        return CLI_FAIL;
    }
    frost_info info = {.size = sizeof info};
    frost_model_info(m, &info);
    char id[17] = "";
    frost_key_id(&sig.key, id);
    printf("%s: ok (%u blocks, %u trees, %" PRIu64 " nodes verified, padding zero; %s%s%s)\n",
           name, info.n_blocks, info.n_trees, info.n_nodes,
           !sig.present ? "unsigned" : keys.n ? "signed by required key " : "signed by key ",
           sig.present ? id : "", sig.present && !keys.n ? ", not required (--pub)" : "");
    frost_close(m);
    return CLI_OK;
}
