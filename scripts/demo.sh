#!/bin/sh
# make demo: train a RandomForest on a bundled scikit-learn dataset, save it with joblib, convert
# it to .frost (nothing in the pickle is executed), score held-out rows, and compare the time to
# first prediction of a fresh process with what users run today (python + joblib.load + predict).
set -eu
BUILD=${1:-build}
PY=/usr/bin/python3
DIR=$BUILD/demo
mkdir -p "$DIR"

echo "== training RandomForestClassifier(n_estimators=200) on load_breast_cancer (scikit-learn)"
$PY - "$DIR" <<'PYEOF'
import sys, joblib
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
d = sys.argv[1]
data = load_breast_cancer(as_frame=True)
X, y = data.data, data.target.map(dict(enumerate(data.target_names)))
model = RandomForestClassifier(n_estimators=200, random_state=0).fit(X[:-5], y[:-5])
joblib.dump(model, f"{d}/model.joblib")
rows = X[-5:]
rows.to_csv(f"{d}/rows.csv", index=False, float_format="%.17g")
pd.DataFrame({"prediction": model.predict(rows)}).to_csv(f"{d}/sklearn.csv", index=False)
PYEOF

echo "== frost convert $DIR/model.joblib $DIR/model.frost"
"$BUILD/frost" convert "$DIR/model.joblib" "$DIR/model.frost"
echo
"$BUILD/frost" inspect "$DIR/model.frost" | head -12
echo "   …"

# Evict both files from the page cache so the first run of each is a cold start.
evict() { $PY -c "import os,sys
for p in sys.argv[1:]:
    fd = os.open(p, os.O_RDONLY); os.fsync(fd); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED); os.close(fd)" "$@"; }

echo
echo "== frost predict $DIR/model.frost $DIR/rows.csv   (cold page cache)"
evict "$DIR/model.frost"
"$BUILD/frost" predict "$DIR/model.frost" "$DIR/rows.csv" --timing
echo "   scikit-learn says:"
sed 's/^/   /' "$DIR/sklearn.csv"

echo
echo "== time from process start to first prediction (one row, median of 5 fresh processes)"
$PY - "$BUILD/frost" "$DIR" <<'PYEOF'
import os, statistics, subprocess, sys, time
frost, d = sys.argv[1], sys.argv[2]
def evict(p):
    fd = os.open(p, os.O_RDONLY); os.fsync(fd); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED); os.close(fd)
with open(f"{d}/rows.csv") as f:
    lines = f.read().splitlines()
with open(f"{d}/one.csv", "w") as f:
    f.write(lines[0] + "\n" + lines[1] + "\n")
py = ("import joblib, pandas as pd; m = joblib.load('%s/model.joblib'); "
      "m.predict(pd.read_csv('%s/one.csv'))" % (d, d))
def run(cmd, cold, path):
    ts = []
    for _ in range(5):
        if cold:
            evict(path)
        t = time.perf_counter(); subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)
for cold in (False, True):
    tf = run([frost, "predict", f"{d}/model.frost", f"{d}/one.csv"], cold, f"{d}/model.frost")
    tp = run(["/usr/bin/python3", "-c", py], cold, f"{d}/model.joblib")
    print("   %-5s cache: frost %7.2f ms   python+joblib %8.1f ms   (%.0fx)"
          % ("cold" if cold else "warm", tf * 1e3, tp * 1e3, tp / tf))
PYEOF
