#!/usr/bin/python3
"""run.py — the Python package's pytest suites (tests/python/test_*.py) as a make-test stage.

    /usr/bin/python3 tests/python/run.py [--frost build/frost] [PYTEST ARGS...]
    sh tests/stages/python.sh build          # what make test runs

The package is the tree's (tools/python/frost); libfrost and libfrost_import are the ones built
beside --frost (FROST_LIBRARY_PATH is set to its directory). Prints one "ok"/"FAIL"/"skip" line
per test and ends with exactly "python: N passed, M failed"; exits non-zero on any failure, and
when nothing ran. Extra arguments go to pytest (-k EXPR, -x, a test file, …).

Needs Debian's python3-pytest, python3-sklearn, python3-pandas, python3-dask and
python3-distributed (scripts/deps.sh installs them).
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SUMMARY = "python"


try:
    import pytest
except ImportError as exc:  # reported by main(), as a stage must report it
    pytest = None
    PYTEST_MISSING = exc


class Report:
    """Prints each test's outcome once (failed if any of its phases failed) and counts them."""

    def __init__(self):
        self.outcome = {}

    def pytest_runtest_logreport(self, report):
        prev = self.outcome.get(report.nodeid)
        if report.failed:
            now = "FAIL"
        elif report.skipped and prev is None:
            now = "skip"
        elif report.when == "call" and report.passed and prev is None:
            now = "ok"
        else:
            return
        if prev == "FAIL" or prev == now:
            return
        self.outcome[report.nodeid] = now
        print(f"{now:4} {report.nodeid}" + (f" ({report.when})" if now == "FAIL" and
                                            report.when != "call" else ""), flush=True)

    def pytest_collectreport(self, report):
        if report.failed:
            self.outcome[report.nodeid or "collection"] = "FAIL"
            print(f"FAIL collecting {report.nodeid}", flush=True)

    def pytest_report_teststatus(self, report, config):
        # the lines above say how each test went: pytest's progress letters would interleave
        if report.when != "call" and report.passed:
            return "", "", ""
        return report.outcome, "", ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frost", default="build/frost")
    args, rest = ap.parse_known_args()
    sys.dont_write_bytecode = True
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    os.environ["FROST_LIBRARY_PATH"] = os.path.dirname(os.path.abspath(args.frost))
    if pytest is None:
        print(f"FAIL setup: {PYTEST_MISSING} (Debian's python3-pytest; scripts/deps.sh "
              "installs it)")
        print(f"{SUMMARY}: 0 passed, 1 failed")
        return 1
    Report.pytest_report_teststatus = pytest.hookimpl(tryfirst=True)(
        Report.pytest_report_teststatus)
    rep = Report()
    t0 = time.time()
    # this plugin reports; pytest's terminal reporter and warnings summary stay silent
    rc = pytest.main(["-q", "--no-header", "-p", "no:cacheprovider", "-p", "no:warnings",
                      "--tb=short", "-rN", "--rootdir", HERE, *(rest or [HERE])], plugins=[rep])
    print(f"note {len(rep.outcome)} tests in {time.time() - t0:.1f} s "
          f"({sum(v == 'skip' for v in rep.outcome.values())} skipped)")
    passed = sum(v == "ok" for v in rep.outcome.values())
    failed = sum(v == "FAIL" for v in rep.outcome.values())
    if rc not in (0, 1) and failed == 0:
        print(f"FAIL pytest ended with status {rc}" +
              (" (no tests ran)" if rc == 5 else ""))
        failed = 1
    print(f"{SUMMARY}: {passed} passed, {failed} failed", flush=True)
    return 1 if failed or rc != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
