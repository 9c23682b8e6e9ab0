#!/usr/bin/python3
"""csv_contract.py — `frost predict` / `frost transform` against pandas.read_csv + scikit-learn:
the CSV input contract and the output features, from the command line as a user runs them.

The oracle for what a cell means is pandas.read_csv(path) with default settings, then
scikit-learn fed that DataFrame (Debian's pandas 1.5.3 lacks pandas 2's "None" NA spelling, so
the oracle adds it with na_values=["None"]). Checks:

  NA spellings       every default NA spelling, quoted or not, in numeric and string columns:
                     probabilities bit-identical to sklearn's; near misses (" NA", "NAN") are
                     categories in string columns
  booleans           true/false in any case (NA among them) score as sklearn's 1.0/0.0; a
                     column mixing booleans and numbers, or holding a blank field, is refused
                     (exit 1, row and column named) where sklearn raises
  infinities         inf, Infinity, 1e400 read as the same +inf
  separators         ';', tab and '|' files: exit 1 with the separator named
  unnamed models     a column count other than the model's is refused, as sklearn refuses it;
                     kept columns do not count
  --keep-columns     raw text in front, quoted as needed; an unknown name is exit 1
  --threads          1, 2, 3 give identical bytes on a multi-batch input, also when a row fails
                     (stdout, stderr and exit status the same), and with -o no file is left
  numbers            every number is the shortest text that reads back to sklearn's double
  stdin              `cat f | frost predict m -` equals `frost predict m f`
  transform          --keep-columns and --threads apply to frost transform
  model errors       an unknown category is named by its row in the whole input

    /usr/bin/python3 tests/cli/csv_contract.py [--frost build/frost] [--keep DIR]

Prints one line per check ("ok   …", "FAIL …") and ends with exactly
"csv-contract: N passed, M failed"; exits 1 on any failure.
"""
import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
import traceback
import warnings

import joblib
import numpy as np
import pandas as pd
from sklearn.compose import make_column_transformer
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from frost_numbers import bits, shortest  # noqa: E402

warnings.filterwarnings("ignore")

NA = ["", "NA", "N/A", "n/a", "NULL", "null", "NaN", "nan", "-NaN", "-nan", "<NA>", "None",
      "#N/A", "#N/A N/A", "#NA", "1.#IND", "-1.#IND", "1.#QNAN", "-1.#QNAN"]

PASSED = 0
FAILED = 0


def ok(name):
    global PASSED
    PASSED += 1
    print(f"ok   {name}", flush=True)


def fail(name, why):
    global FAILED
    FAILED += 1
    print(f"FAIL {name}: {why}", flush=True)


def check(name, cond, why=""):
    (ok if cond else lambda n: fail(n, why))(name)


def oracle_read(path):
    return pd.read_csv(path, na_values=["None"])


class Frost:
    def __init__(self, exe):
        self.exe = exe

    def run(self, *args, stdin=None):
        r = subprocess.run([self.exe, *map(str, args)], input=stdin, capture_output=True)
        return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8",
                                                                                  "replace")


def parse_out(text):
    lines = text.splitlines()
    return lines[0], [ln.split(",") for ln in lines[1:]]


def same_numbers(got_rows, exp, name):
    """got_rows: list of text rows; exp: 2-D array. Bit-identical and shortest."""
    exp = np.asarray(exp, dtype=float)
    if len(got_rows) != exp.shape[0]:
        return f"{len(got_rows)} rows, expected {exp.shape[0]}"
    for r, (g, e) in enumerate(zip(got_rows, exp)):
        if len(g) != len(e):
            return f"row {r + 1}: {len(g)} fields, expected {len(e)}"
        for j, (gs, ev) in enumerate(zip(g, e)):
            gv = float(gs)
            if bits(gv) != bits(float(ev)) and not (gv == ev):
                return f"row {r + 1} col {j}: {gs} vs {ev!r}"
            if gs != shortest(float(ev)) and not (gv == 0 and ev == 0):
                return f"row {r + 1} col {j}: {gs!r} is not the shortest {shortest(ev)!r}"
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frost", default="build/frost")
    ap.add_argument("--keep")
    a = ap.parse_args()
    F = Frost(os.path.abspath(a.frost))
    d = a.keep or tempfile.mkdtemp(prefix="frost-csv-contract.")
    os.makedirs(d, exist_ok=True)
    try:
        suite(F, d)
    except Exception:
        fail("suite", traceback.format_exc())
    finally:
        if not a.keep:
            shutil.rmtree(d, ignore_errors=True)
    print(f"csv-contract: {PASSED} passed, {FAILED} failed")
    return 1 if FAILED else 0


def p(d, name):
    return os.path.join(d, name)


def write(path, text):
    with open(path, "w", newline="") as f:
        f.write(text)


def suite(F, d):
    rng = np.random.default_rng(0)
    n = 400
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n),
                       "c": rng.normal(size=n), "color": rng.choice(["red", "green", "blue",
                                                                       " NA", "NAN"], n)})
    df.loc[rng.integers(0, n, 40), "a"] = np.nan
    y = np.where(df.a.fillna(0) + df.b > 0, "yes", "no")
    num = make_pipeline(SimpleImputer(), RandomForestClassifier(n_estimators=15, random_state=0))
    num.fit(df[["a", "b", "c"]], y)
    joblib.dump(num, p(d, "num.joblib"))
    strs = make_pipeline(
        make_column_transformer(
            (make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"),
                           OneHotEncoder(handle_unknown="ignore")), ["color"]),
            (SimpleImputer(), ["a", "b", "c"])),
        LogisticRegression())
    strs.fit(df, y)
    joblib.dump(strs, p(d, "strs.joblib"))
    strict = make_pipeline(
        make_column_transformer((OneHotEncoder(), ["color"]), (StandardScaler(), ["b"])),
        LogisticRegression())
    strict.fit(df.dropna(), y[df.a.notna().values])
    joblib.dump(strict, p(d, "strict.joblib"))
    X6 = rng.normal(size=(n, 6))
    unnamed = RandomForestRegressor(n_estimators=8, random_state=0).fit(X6, X6[:, 0] - X6[:, 1])
    joblib.dump(unnamed, p(d, "unnamed.joblib"))
    for m in ["num", "strs", "strict", "unnamed"]:
        rc, _, err = F.run("convert", p(d, f"{m}.joblib"), p(d, f"{m}.frost"))
        if rc:
            raise SystemExit(f"convert {m}: {err}")

    # ---- NA spellings ------------------------------------------------------------------------
    lines = ["a,b,c,color"]
    for k, w in enumerate(NA):
        q = f'"{w}"' if k % 2 else w          # quoted or not: both NA
        lines.append(f"{q},{0.1 * k},{-0.2 * k},{q}")
    lines += ["0.5,1,2, NA", "0.25,1,2,NAN", "-1,2,3,\" NA\""]
    write(p(d, "na.csv"), "\n".join(lines) + "\n")
    X = oracle_read(p(d, "na.csv"))
    for m, model in [("num", num), ("strs", strs)]:
        rc, out, err = F.run("predict", p(d, f"{m}.frost"), p(d, "na.csv"), "--proba")
        if rc:
            fail(f"NA spellings ({m})", err.strip())
            continue
        cols = ["a", "b", "c"] if m == "num" else list(X.columns)
        why = same_numbers(parse_out(out)[1], model.predict_proba(X[cols]), m)
        check(f"NA spellings, quoted or not, in numeric and string columns ({m} --proba)",
              why is None, why)
    check("oracle: near misses stay categories", X.color.iloc[-3:].tolist() == [" NA", "NAN",
                                                                               " NA"])

    # ---- booleans ----------------------------------------------------------------------------
    write(p(d, "bool.csv"), "a,b,c\nTrue,1,2\nfalse,0.5,NA\nTRUE,-1,\ntRUE,2,1\nNA,3,3\n"
                            "FALSE,1,1\n")
    X = oracle_read(p(d, "bool.csv"))
    rc, out, err = F.run("predict", p(d, "num.frost"), p(d, "bool.csv"), "--proba")
    why = err.strip() if rc else same_numbers(parse_out(out)[1], num.predict_proba(X), "bool")
    check("booleans in any case (NA among them) are sklearn's 1.0/0.0", why is None, why)
    for name, text, needle in [
            ("booleans mixed with numbers", "a,b,c\n1.5,1,2\nTrue,1,2\n",
             "mixes booleans and numbers"),
            ("numbers after booleans", "a,b,c\nFalse,1,2\nNA,1,2\ninf,1,2\n",
             "mixes booleans and numbers"),
            ("a blank field", "a,b,c\n1,2,3\n ,2,3\n", 'not a number: " "')]:
        write(p(d, "bad.csv"), text)
        try:
            num.predict(oracle_read(p(d, "bad.csv")))
            sk = "accepted"
        except Exception as e:
            sk = f"raised {type(e).__name__}"
        rc, out, err = F.run("predict", p(d, "num.frost"), p(d, "bad.csv"))
        check(f"{name}: refused (exit 1, row named) as sklearn refuses it",
              rc == 1 and needle in err and "row " in err and sk != "accepted",
              f"exit {rc}, {err.strip()!r}; sklearn {sk}")

    # ---- infinities --------------------------------------------------------------------------
    # each spelling reads as +inf, which the imputer refuses as scikit-learn's does ("Input X
    # contains infinity"): the message names the value it read
    got = []
    for spelling in ["inf", "Infinity", "1e400", "+inf", "-inf", "-1e400"]:
        write(p(d, "inf.csv"), f"a,b,c\n1,1,2\n{spelling},1,2\n")
        try:
            num.predict(oracle_read(p(d, "inf.csv")))
            sk = "accepted"
        except ValueError as exc:
            sk = "refused" if "infinity" in str(exc) else str(exc)
        rc, out, err = F.run("predict", p(d, "num.frost"), p(d, "inf.csv"))
        want = ("-inf" if spelling.startswith("-") else "inf") + " reaches"
        got.append((spelling, rc == 1 and "row 2, column 'a': " + want in err and
                    sk == "refused", err.strip(), sk))
    check("inf, Infinity, 1e400 are +inf (-inf, -1e400 -inf), refused as sklearn refuses them",
          all(g[1] for g in got), [g for g in got if not g[1]])

    # ---- separators --------------------------------------------------------------------------
    for sep, word in [(";", "';'"), ("\t", "tab"), ("|", "'|'")]:
        write(p(d, "sep.csv"), sep.join(["a", "b", "c"]) + "\n" + sep.join(["1", "2", "3"]) + "\n")
        for m in ["num", "unnamed"]:
            rc, out, err = F.run("predict", p(d, f"{m}.frost"), p(d, "sep.csv"))
            check(f"{word}-separated file, {m} model: exit 1 naming the separator",
                  rc == 1 and f"is this file {word}-separated?" in err and out == "",
                  f"exit {rc}, {err.strip()!r}")

    # ---- unnamed models: column count ----------------------------------------------------------
    hdr6 = ",".join(f"x{i}" for i in range(6))
    rows6 = X6[:50]
    write(p(d, "six.csv"), hdr6 + "\n" + "\n".join(",".join(repr(v) for v in r) for r in rows6)
          + "\n")
    rc, out, err = F.run("predict", p(d, "unnamed.frost"), p(d, "six.csv"))
    why = err.strip() if rc else same_numbers(parse_out(out)[1],
                                              unnamed.predict(rows6)[:, None], "six")
    check("unnamed model, as many columns: by position, as sklearn", why is None, why)
    write(p(d, "seven.csv"), hdr6 + ",extra\n" + "\n".join(
        ",".join(repr(v) for v in r) + ",1" for r in rows6) + "\n")
    try:
        unnamed.predict(pd.read_csv(p(d, "seven.csv")).values)
        sk = "accepted"
    except ValueError as e:
        sk = str(e)
    rc, out, err = F.run("predict", p(d, "unnamed.frost"), p(d, "seven.csv"))
    check("unnamed model, 7 columns for 6: refused as sklearn refuses it",
          rc == 1 and "the model takes 6 columns; the input has 7" in err and out == "" and
          "X has 7 features" in sk, f"exit {rc}, {err.strip()!r}; sklearn: {sk}")
    rc, out, err = F.run("predict", p(d, "unnamed.frost"), p(d, "seven.csv"),
                         "--keep-columns", "extra")
    hdr, rows = parse_out(out) if rc == 0 else ("", [])
    why = err.strip() if rc else same_numbers([r[1:] for r in rows],
                                              unnamed.predict(rows6)[:, None], "keep")
    check("unnamed model: a kept column does not count", why is None and
          hdr == "extra,prediction" and all(r[0] == "1" for r in rows), why or hdr)

    # ---- --keep-columns ----------------------------------------------------------------------
    write(p(d, "keep.csv"), 'id,"note, with comma",a,b,c\n'
                            'cust-00042,"say ""hi""",0.5,1,2\n'
                            '"",plain,NA,2,3\n'
                            'NA,"two\nlines",1,2,3\n')
    X = oracle_read(p(d, "keep.csv"))
    rc, out, err = F.run("predict", p(d, "num.frost"), p(d, "keep.csv"), "--proba",
                         "--keep-columns", '"note, with comma",id,a')
    exp_text = ('"note, with comma",id,a,no,yes\n'
                '"say ""hi""",cust-00042,0.5,')
    check("--keep-columns: header and raw text first, re-quoted", rc == 0 and
          out.startswith(exp_text) and '\n"two\nlines",NA,1,' in out and "\nplain,,NA," in out,
          f"exit {rc} {err.strip()} {out[:200]!r}")
    if rc == 0:
        import csv as pycsv
        got = list(pycsv.reader(io.StringIO(out)))
        why = same_numbers([r[3:] for r in got[1:]], num.predict_proba(X[["a", "b", "c"]]), "k")
        check("--keep-columns: the predictions beside them are sklearn's", why is None, why)
    rc, out, err = F.run("predict", p(d, "num.frost"), p(d, "keep.csv"),
                         "--keep-columns", "id,nope")
    check("--keep-columns: a name the header lacks is exit 1, named",
          rc == 1 and '"nope"' in err and out == "", f"exit {rc} {err.strip()!r}")
    rc, out, err = F.run("predict", p(d, "num.frost"), p(d, "keep.csv"), "--keep-columns",
                         '"a"b')
    check("--keep-columns: malformed quoting is a usage error", rc == 2, f"exit {rc}")

    # ---- --threads: bytes, errors, -o --------------------------------------------------------
    big = 20000
    Xb = pd.DataFrame({"id": [f"r{i}" for i in range(big)], "a": rng.normal(size=big),
                       "b": rng.normal(size=big), "c": rng.normal(size=big),
                       "color": rng.choice(["red", "green", "blue"], big)})
    Xb.to_csv(p(d, "big.csv"), index=False)
    outs = {}
    for t in (1, 2, 3):
        outs[t] = F.run("predict", p(d, "strs.frost"), p(d, "big.csv"), "--proba", "--threads",
                        t, "--keep-columns", "id")
    check("--threads 1/2/3: identical output on a multi-batch input",
          outs[1][0] == 0 and outs[1] == outs[2] == outs[3], outs[1][2] or outs[2][2])
    if outs[1][0] == 0:
        hdr, rows = parse_out(outs[1][1])
        why = same_numbers([r[1:] for r in rows], strs.predict_proba(Xb.drop(columns="id")), "t")
        check("--threads: every probability is sklearn's, shortest", why is None, why)
        check("--threads: kept ids in input order",
              [r[0] for r in rows] == list(Xb.id), "order differs")
    text = open(p(d, "big.csv")).read().splitlines()
    fields = text[12345].split(",")             # data row 12345: "oops" in column b
    fields[2] = "oops"
    text[12345] = ",".join(fields)
    write(p(d, "bigbad.csv"), "\n".join(text) + "\n")
    res = {t: F.run("predict", p(d, "strs.frost"), p(d, "bigbad.csv"), "--threads", t)
           for t in (1, 2, 3)}
    r1 = res[1]
    check("--threads: a bad row stops every thread count the same way",
          r1[0] == 1 and res[1] == res[2] == res[3] and "row 12345 (line 12346)" in r1[2] and
          len(r1[1].splitlines()) == 12345, f"{r1[0]} {r1[2].strip()!r} "
          f"{len(r1[1].splitlines())} lines; same: {res[1] == res[2] == res[3]}")
    outp = p(d, "out.csv")
    for t in (1, 2):
        rc, out, err = F.run("predict", p(d, "strs.frost"), p(d, "bigbad.csv"), "--threads", t,
                             "-o", outp)
        left = [f for f in os.listdir(d) if f.startswith("out.csv")]
        check(f"--threads {t} -o: a row error leaves no file", rc == 1 and not left,
              f"exit {rc}, left {left}")
    rc, out, err = F.run("predict", p(d, "strs.frost"), p(d, "big.csv"), "--proba",
                         "--keep-columns", "id", "--threads", "2", "-o", outp)
    check("--threads 2 -o: the file holds the same bytes",
          rc == 0 and open(outp).read() == outs[1][1], err.strip())

    # ---- model errors name the input's row -----------------------------------------------------
    Xs = Xb.copy()
    Xs.loc[9000, "color"] = "purple"
    Xs.to_csv(p(d, "unknown.csv"), index=False)
    res = {t: F.run("predict", p(d, "strict.frost"), p(d, "unknown.csv"), "--threads", t)
           for t in (1, 2)}
    check("unknown category: named by its row in the whole input, any --threads",
          res[1][0] == 1 and res[1] == res[2] and "row 9001" in res[1][2] and
          "'purple'" in res[1][2] and len(res[1][1].splitlines()) == 1 + 8192,
          f"{res[1][0]} {res[1][2].strip()!r} {len(res[1][1].splitlines())} lines")

    # ---- stdin -------------------------------------------------------------------------------
    rc, out, err = F.run("predict", p(d, "strs.frost"), "-", "--proba", "--keep-columns", "id",
                         stdin=open(p(d, "big.csv"), "rb").read())
    check("stdin streams to the same output", rc == 0 and out == outs[1][1], err.strip())

    # ---- transform ---------------------------------------------------------------------------
    tr = {t: F.run("transform", p(d, "strs.frost"), p(d, "big.csv"), "--keep-columns", "id",
                   "--threads", t) for t in (1, 2)}
    if tr[1][0] == 0:
        hdr, rows = parse_out(tr[1][1])
        exp = strs[:-1].transform(Xb.drop(columns="id"))
        exp = exp.toarray() if hasattr(exp, "toarray") else exp
        why = same_numbers([r[1:] for r in rows], exp, "transform")
        check("transform --keep-columns --threads: sklearn's values, ids first, same bytes",
              why is None and hdr.startswith("id,") and tr[1] == tr[2], why or hdr)
    else:
        fail("transform --keep-columns --threads", tr[1][2].strip())

    # ---- help --------------------------------------------------------------------------------
    rc, out, err = F.run("predict", "--help")
    check("predict --help documents the contract", rc == 0 and all(
        w in out for w in ["--threads", "--keep-columns", "#N/A N/A", "true/false", "prediction_0",
                           "before the failing", "shortest"]), out[:100])
    rc, out, err = F.run("predict", p(d, "num.frost"), p(d, "big.csv"), "--threads", "0")
    check("--threads 0 is a usage error", rc == 2, f"exit {rc}")


if __name__ == "__main__":
    sys.exit(main())
