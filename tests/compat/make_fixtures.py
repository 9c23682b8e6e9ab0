"""make_fixtures.py — how tests/compat/fixtures/ was made, once, and why it is never remade.

Each released format version has a file written by the frost that released it, kept forever so
tests/compat/compat.py can prove every later frost still reads and scores it:

  format-1.0-tree      DecisionTreeClassifier (iris, feature names)   frost at 73f0c85 (writes 1.0)
  format-1.1-voting    soft VotingClassifier of a tree and a logistic regression: COMBINE
                                                                      frost at 73f0c85 (writes 1.1)
  format-1.2-signed    Pipeline(StandardScaler, GradientBoostingClassifier): CHECKS, typed
                       metadata (METADATA_TYPES), an Ed25519 signature trailer (key: the .pub
                       beside it; the private key was thrown away)   frost with issue 12

Beside each NAME.frost: NAME.input.csv, and scikit-learn's NAME.expected.csv (predict) and
NAME.expected_proba.csv (predict_proba) written with repr(). Remaking them would prove
nothing; a new format version adds its own fixture here with the frost that writes it.

  /usr/bin/python3 tests/compat/make_fixtures.py OLD_FROST NEW_FROST OUT_DIR
"""
import os
import subprocess
import sys
import tempfile
import warnings

import joblib
import pandas as pd
from sklearn.datasets import load_iris
from sklearn.ensemble import GradientBoostingClassifier, VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

warnings.filterwarnings("ignore")


def write_csv(path, header, rows):
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(repr(v) for v in r) + "\n")


def main(old, new, out):
    os.makedirs(out, exist_ok=True)
    env = dict(os.environ, SOURCE_DATE_EPOCH="1796947200")  # 2026-12-01: reproducible bytes
    X, y = load_iris(return_X_y=True, as_frame=True)
    X.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    rows = X.iloc[::6]
    models = {
        "format-1.0-tree": (old, DecisionTreeClassifier(max_depth=3, random_state=0)),
        "format-1.1-voting": (old, VotingClassifier(
            [("tree", DecisionTreeClassifier(max_depth=2, random_state=0)),
             ("lr", LogisticRegression(max_iter=1000))], voting="soft")),
        "format-1.2-signed": (new, make_pipeline(
            StandardScaler(), GradientBoostingClassifier(n_estimators=5, random_state=0))),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, (frost, model) in models.items():
            model.fit(X, y)
            src = os.path.join(tmp, name + ".joblib")
            joblib.dump(model, src)
            dst = os.path.join(out, name + ".frost")
            args = [frost, "convert", src, dst]
            if frost is new:
                args += ["--meta", "model_id=iris-compat", "--meta", "accuracy=0.96",
                         "--meta", "approved=true"]
            subprocess.run(args, check=True, env=env)
            if frost is new:
                key = os.path.join(tmp, "fixture")
                subprocess.run([new, "keygen", key], check=True)
                subprocess.run([new, "sign", dst, "--key", key + ".key"], check=True)
                os.replace(key + ".pub", os.path.join(out, name + ".pub"))
            base = os.path.join(out, name)
            rows.to_csv(base + ".input.csv", index=False, float_format="%.17g")
            write_csv(base + ".expected.csv", ["prediction"],
                      [[int(p)] for p in model.predict(rows)])
            write_csv(base + ".expected_proba.csv", [str(c) for c in model.classes_],
                      [list(map(float, p)) for p in model.predict_proba(rows)])


if __name__ == "__main__":
    main(*sys.argv[1:4])
