/*
 * use_frost_import.c — a program built only from what `make install` puts in place for the
 * importer (frost_import.h, libfrost_import, frost_import.pc, which brings frost's along):
 * converts a scikit-learn file, opens the result with libfrost, and is refused a missing input
 * with the importer's own message.
 *   use_frost_import MODEL.pkl|.joblib OUT.frost
 */
#include <frost_import.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    frost_convert_options o;
    frost_convert_options_init(&o);
    o.converted_at = 1700000000; /* reproducible: two builds of this program write equal bytes */
    if (frost_convert(argv[1], argv[2], &o)) {
        fprintf(stderr, "convert: %s\n", frost_import_errmsg());
        return 1;
    }
    if (*frost_import_errmsg()) {
        fprintf(stderr, "a conversion that succeeded left a message\n");
        return 1;
    }
    frost_model *m;
    if (frost_open(argv[2], NULL, &m)) {
        fprintf(stderr, "open: %s\n", frost_errmsg(NULL));
        return 1;
    }
    frost_info info = {.size = sizeof info};
    int rc = frost_model_info(m, &info);
    frost_close(m);
    if (rc || info.n_inputs == 0)
        return 1;
    if (frost_convert("no/such/model.pkl", argv[2], NULL) != FROST_EIO ||
        !strstr(frost_import_errmsg(), "no/such/model.pkl")) {
        fprintf(stderr, "a missing input: '%s'\n", frost_import_errmsg());
        return 1;
    }
    printf("install: converted %s (%u inputs)\n", argv[1], info.n_inputs);
    return 0;
}
