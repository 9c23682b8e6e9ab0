/*
 * convert_encoders.h — OneHotEncoder and OrdinalEncoder into ENCODE operations.
 */
#ifndef FROST_IMPORT_CONVERT_ENCODERS_H
#define FROST_IMPORT_CONVERT_ENCODERS_H

#include "convert_program.h"

/* Compiles the fitted encoder o over the columns in; its output columns go to out. */
int cv_onehot(comp *k, const pk_obj *o, const cols *in, cols *out, const char *path);
int cv_ordinal(comp *k, const pk_obj *o, const cols *in, cols *out, const char *path);

#endif
