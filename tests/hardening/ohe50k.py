#!/usr/bin/python3
"""A OneHotEncoder with 50,000 categories scores 100,000 rows without a dense rows x categories
matrix: frost predict stays under 64 MiB peak RSS and matches scikit-learn. The one-hot block feeds the
LogisticRegression sparsely: one coefficient per row, not 50,000.

Usage: ohe50k.py WORK_DIR FROST_BINARY   ends with "ohe50k: N passed, M failed"
"""
import re, sys, time, subprocess, warnings, joblib, numpy as np, pandas as pd
warnings.filterwarnings("ignore")
from sklearn.pipeline import make_pipeline
from sklearn.compose import make_column_transformer
from sklearn.preprocessing import OneHotEncoder
from sklearn.linear_model import LogisticRegression
d, frost = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(0)
cats = np.array(["c%05d" % i for i in range(50000)])
train = pd.DataFrame({"city": cats[rng.integers(0, 50000, 100000)], "x": rng.normal(size=100000)})
train.loc[:49999, "city"] = cats  # every category seen
y = (rng.random(100000) < 0.5).astype(int)
m = make_pipeline(make_column_transformer((OneHotEncoder(handle_unknown="ignore"), ["city"]),
                                          remainder="passthrough"),
                  LogisticRegression(solver="liblinear")).fit(train, y)
joblib.dump(m, f"{d}/ohe.joblib")
test = pd.DataFrame({"city": cats[rng.integers(0, 50000, 100000)], "x": rng.normal(size=100000)})
test.to_csv(f"{d}/ohe.csv", index=False, float_format="%.17g")
subprocess.run([frost, "convert", "-q", f"{d}/ohe.joblib", f"{d}/ohe.frost"], check=True)
t = time.perf_counter()
with open(f"{d}/ohe.out", "w") as fo:
    r = subprocess.run([frost, "predict", f"{d}/ohe.frost", f"{d}/ohe.csv", "--proba", "--timing"],
                       stdout=fo, stderr=subprocess.PIPE, text=True, check=True)
secs = time.perf_counter() - t
# the CLI's own peak (VmHWM): a child's ru_maxrss would include this Python's, inherited at exec
m_rss = re.search(r"peak RSS ([0-9.]+) MiB", r.stderr)
if not m_rss:
    sys.exit("ohe50k: frost predict --timing gave no peak RSS: " + r.stderr)
rss = float(m_rss.group(1))
with open(f"{d}/ohe.out") as fi:
    got = np.array([[float(v) for v in l.split(",")] for l in fi.read().splitlines()[1:]])
want = m.predict_proba(test)
diff = np.max(np.abs(got - want))
dense = 100000 * 50001 * 8 / 2**30
ok = diff <= 1e-9 and rss < 64
print("ohe50k: 50,000 categories x 100,000 rows scored in %.1f s, peak RSS %.0f MiB (a dense "
      "rows x categories matrix would be %.0f GiB), max |diff| vs sklearn %.2g" % (secs, rss, dense, diff))
print("ohe50k: %d passed, %d failed" % (ok, not ok))
sys.exit(0 if ok else 1)
