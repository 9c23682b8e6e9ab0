"""test_threads.py — one model shared by threads: 8 threads scoring at once (while its blocks
are still being loaded lazily) give exactly the single-thread answers; the GIL is released
while libfrost scores (another Python thread runs during the call); close() waits for the
calls in flight.
"""
import threading
import time

import numpy as np
import pytest

import frost


@pytest.fixture(scope="module")
def forest(tmp_path_factory):
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier
    X, y = make_classification(n_samples=3000, n_features=12, n_informative=6, n_classes=3,
                               random_state=0)
    est = RandomForestClassifier(n_estimators=60, random_state=0).fit(X, y)
    path = tmp_path_factory.mktemp("threads") / "rf.frost"
    frost.save(est, path)
    rng = np.random.RandomState(1)
    rows = X[rng.randint(0, len(X), 20000)] + rng.normal(scale=0.1, size=(20000, 12))
    return est, path, rows


def test_eight_threads_one_model(forest):
    est, path, rows = forest
    with frost.load(path) as ref:
        want_p = ref.predict_proba(rows)
        want = ref.predict(rows)
    assert (want == est.predict(rows)).all()
    m = frost.load(path)   # fresh: no block loaded yet, the threads race to load them
    start = threading.Barrier(8)
    errors, results = [], {}

    def work(k):
        try:
            start.wait()
            got = []
            for r in range(6):
                # small batches (the lazy path) and large ones, over different rows
                lo = (k * 997 + r * 3001) % (len(rows) - 2000)
                n = 3 if r % 2 == 0 else 2000
                got.append((lo, n, m.predict(rows[lo:lo + n]), m.predict_proba(rows[lo:lo + n])))
            results[k] = got
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(results) == 8
    for got in results.values():
        for lo, n, p, pp in got:
            assert (p == want[lo:lo + n]).all()
            assert np.array_equal(pp, want_p[lo:lo + n])
    m.close()


def test_gil_is_released_while_scoring(forest):
    """A Python thread notes the time as it runs while the main thread is inside one long
    libfrost call. Had the call kept the GIL, that thread could run only before the call (for
    at most one switch interval, 5 ms) and after it: never well inside it."""
    est, path, rows = forest
    big = np.ascontiguousarray(np.tile(rows, (10, 1)))   # 200,000 rows: a call of ~0.1-1 s
    with frost.load(path, eager=True) as m:
        m.predict(big[:10])
        seen = []
        stop = threading.Event()

        def note_times():
            k = 0
            while not stop.is_set():
                k += 1
                if k % 64 == 0:
                    seen.append(time.perf_counter())

        t = threading.Thread(target=note_times)
        t.start()
        time.sleep(0.05)
        t0 = time.perf_counter()
        m.predict_proba(big)
        t1 = time.perf_counter()
        stop.set()
        t.join()
    margin = 0.02
    assert t1 - t0 > 4 * margin, f"the call took {t1 - t0:.3f} s: too short to tell"
    inside = sum(t0 + margin < s < t1 - margin for s in seen)
    assert inside > 10, (f"another thread ran {inside} times well inside a {t1 - t0:.3f} s "
                         "call: the GIL was held")


def test_close_waits_for_calls_in_flight(forest):
    est, path, rows = forest
    big = np.ascontiguousarray(np.tile(rows, (5, 1)))
    m = frost.load(path)
    out = {}
    t = threading.Thread(target=lambda: out.setdefault("p", m.predict(big)))
    t.start()
    time.sleep(0.01)
    m.close()           # returns once the call has finished; nothing is freed under it
    t.join(60)
    assert "p" in out and len(out["p"]) == len(big)
    with pytest.raises(frost.FrostError, match="closed"):
        m.predict(rows[:1])
