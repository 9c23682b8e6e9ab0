/*
 * writer.h — what the importer asks of the builder beyond its public API (frost.h's
 * frost_builder_*): a builder without trees (a linear model or a bare preprocessor), the
 * program, linear estimator, combination and checks it writes. Private to frost; the writer
 * (writer/) sits above format/ and beside the runtime, and nothing of the runtime calls it.
 */
#ifndef FROST_WRITER_H
#define FROST_WRITER_H

#include "format.h"
#include "frost.h"

/* A builder with no estimator yet; the program / linear estimator it writes (ownership is
 * taken). */
int wr_builder_new_bare(const frost_write_options *opts, frost_builder **out);
int wr_builder_set_program(frost_builder *b, fmt_program *p);
int wr_builder_set_linear(frost_builder *b, fmt_linear *l);
/* A naive Bayes classifier (FORMAT.md BAYES), alone before the program (ownership taken on
 * success). */
int wr_builder_set_bayes(frost_builder *b, fmt_bayes *nb);
/* A NearestCentroid or k-means model (FORMAT.md CENTROIDS), likewise. */
int wr_builder_set_centroids(frost_builder *b, fmt_centroids *c);
/* A multi-layer perceptron (FORMAT.md MLP), likewise. */
int wr_builder_set_mlp(frost_builder *b, fmt_mlp *m);
/* A TransformedTargetRegressor's inverse transform of the predictions (FORMAT.md TARGET),
 * checked against the regressor when the file is written (ownership taken on success). */
int wr_builder_set_target(frost_builder *b, fmt_target *t);
/* How many values one prediction of the estimator built so far holds. */
uint32_t wr_builder_pred_width(const frost_builder *b);
/* Appends an input check (FORMAT.md CHECKS): rule FMT_CHECK_* over slots (program slots, or the
 * input columns without a program), refused values reported as coming from `who`. Checks apply
 * in the order they are added; they are validated when the file is written. */
int wr_builder_add_check(frost_builder *b, uint32_t rule, const uint32_t *slots, uint32_t n,
                         const char *who);
/* A combination (FORMAT.md COMBINE) of members, each reading its own slots: the builder holds
 * nothing else yet; n_inputs are the input columns when no program follows. Tree members take
 * the trees frost_builder_add_tree adds until the next member; a linear member's l is taken
 * on success. */
int wr_builder_set_combine(frost_builder *b, uint32_t task, uint32_t rule, uint32_t n_classes,
                           uint32_t n_inputs);
int wr_builder_add_member_trees(frost_builder *b, const frost_model_spec *spec, double weight,
                                uint32_t score, const uint32_t *slots, uint32_t n_in);
int wr_builder_add_member_linear(frost_builder *b, fmt_linear *l, double weight, uint32_t score,
                                 const uint32_t *slots, uint32_t n_in);

#endif
