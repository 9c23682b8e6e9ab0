#!/usr/bin/python3
"""Writes hostile pickles for tests/unit/test_pickle_malicious.c, by assembling opcodes by hand.

    /usr/bin/python3 tests/malicious/make_malicious.py OUTDIR [CANARY [PROOF]]

CANARY and PROOF default to OUTDIR/CANARY and OUTDIR/PROOF.

Every payload, if unpickled by Python, would create the file CANARY (by running `touch`, or
Python code that opens it). frost must refuse each one at the global it names, and the test
checks afterwards that CANARY does not exist. To show the payloads are live, this script
unpickles one of them itself with PROOF in place of CANARY (so PROOF must exist afterwards);
nothing else here is ever unpickled.

OUTDIR/MANIFEST lists `file<TAB>refused global` per line. Also written: two small genuine
files (real_p4.pkl, real.joblib.zlib) for the truncate-at-every-offset tests.
"""
import io
import os
import pickle
import struct
import sys
import zlib
import warnings

warnings.filterwarnings("ignore")


def sbu(s):
    """SHORT_BINUNICODE / BINUNICODE for a str."""
    b = s.encode()
    if len(b) < 256:
        return b"\x8c" + bytes([len(b)]) + b
    return b"X" + struct.pack("<I", len(b)) + b


def glob(module, name):
    """Protocol 0-3 GLOBAL opcode."""
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def stack_glob(module, name):
    return sbu(module) + sbu(name) + b"\x93"


P2 = b"\x80\x02"
P4 = b"\x80\x04"
STOP = b"."


def call1(callable_ops, arg_ops):
    """callable(arg) via TUPLE1 + REDUCE."""
    return callable_ops + arg_ops + b"\x85R"


def payloads(canary):
    touch = sbu("touch " + canary)
    code = sbu("open(%r, 'w').close()" % canary)
    out = {}

    out["posix_system.pkl"] = ("posix.system", P2 + call1(glob("posix", "system"), touch) + STOP)
    out["os_system.pkl"] = ("os.system", P2 + call1(glob("os", "system"), touch) + STOP)
    out["builtins_exec.pkl"] = ("builtins.exec", P2 + call1(glob("builtins", "exec"), code) + STOP)
    out["builtins_eval.pkl"] = ("builtins.eval", P2 + call1(glob("builtins", "eval"), code) + STOP)
    out["py2_builtin_eval.pkl"] = ("__builtin__.eval",
                                   P2 + call1(glob("__builtin__", "eval"), code) + STOP)
    argv = b"]" + b"(" + sbu("touch") + sbu(canary) + b"e"  # ['touch', canary]
    out["subprocess_popen.pkl"] = ("subprocess.Popen",
                                   P2 + call1(glob("subprocess", "Popen"), argv) + STOP)
    # a numpy name that runs code: never admitted by module prefix
    out["numpy_runstring.pkl"] = (
        "numpy.testing._private.utils.runstring",
        P2 + glob("numpy.testing._private.utils", "runstring") + code + b"}" + b"\x86R" + STOP)
    # protocol 4, STACK_GLOBAL
    out["stack_global_system.pkl"] = ("posix.system",
                                      P4 + call1(stack_glob("posix", "system"), touch) + STOP)
    # nested inside an estimator's state
    est = (P2 + glob("sklearn.tree._classes", "DecisionTreeClassifier") + b")\x81" + b"}" +
           sbu("criterion") + sbu("gini") + b"s" +
           sbu("max_depth") + call1(glob("os", "system"), touch) + b"s" + b"b" + STOP)
    out["in_estimator_state.pkl"] = ("os.system", est)
    # hidden behind memo references: names memoized early, combined much later
    memo = (P4 + sbu("posix") + b"\x94" + sbu("system") + b"\x94" + b"0" + b"0" +
            sbu("filler") + b"0" +
            b"h\x00" + b"h\x01" + b"\x93" + touch + b"\x85R" + STOP)
    out["memo_hidden.pkl"] = ("posix.system", memo)
    # the callable memoized, fetched back with BINGET after the GLOBAL
    memo2 = (P2 + glob("os", "system") + b"q\x07" + b"0" + b"h\x07" + touch + b"\x85R" + STOP)
    out["memo_get_global.pkl"] = ("os.system", memo2)
    # INST and OBJ (protocol 0/1 instantiation)
    out["inst.pkl"] = ("os.system", b"(" + b"S'touch " + canary.encode() + b"'\n" +
                       b"ios\nsystem\n" + STOP)
    out["obj.pkl"] = ("os.system", b"(" + glob("os", "system") + b"S'touch " + canary.encode() +
                      b"'\n" + b"o" + STOP)
    # other classic gadgets
    out["getattr.pkl"] = ("builtins.getattr",
                          P2 + glob("builtins", "getattr") + glob("os", "path") + b"0" + STOP)
    out["import.pkl"] = ("builtins.__import__",
                         P2 + call1(glob("builtins", "__import__"), sbu("os")) + STOP)
    out["pickle_loads.pkl"] = ("pickle.loads", P2 + call1(glob("pickle", "loads"),
                                                          b"C\x01." ) + STOP)
    # a refused global inside a zlib-compressed joblib file
    out["zlib_joblib.pkl.z"] = ("posix.system",
                                zlib.compress(P4 + call1(stack_glob("posix", "system"), touch) +
                                              STOP, 3))
    return out


def nested_object_array(canary):
    """A joblib file whose object array's nested pickle (NumpyArrayWrapper.read_array:
    pickle.load) holds the payload."""
    import joblib
    import numpy as np

    buf = io.BytesIO()
    joblib.dump(np.array(["x", "y"], dtype=object), buf)
    data = buf.getvalue()
    start = data.index(b"\x80\x02")  # the nested protocol-2 pickle after the wrapper's BUILD
    import pickletools
    end = None
    for op, _arg, pos in pickletools.genops(io.BytesIO(data[start:])):
        if op.name == "STOP":
            end = start + pos + 1
            break
    evil = P2 + call1(glob("posix", "system"), sbu("touch " + canary)) + STOP
    return data[:start] + evil + data[end:]


def real_files(out):
    import joblib
    from sklearn.datasets import load_iris
    from sklearn.tree import DecisionTreeClassifier

    X, y = load_iris(return_X_y=True)
    m = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)
    with open(os.path.join(out, "real_p4.pkl"), "wb") as f:
        pickle.dump(m, f, protocol=4)
    joblib.dump(m, os.path.join(out, "real.joblib.zlib"), compress=("zlib", 3))
    joblib.dump(m, os.path.join(out, "real.joblib"))


def main(out, canary, proof):
    os.makedirs(out, exist_ok=True)
    manifest = []
    for name, (refused, data) in payloads(canary).items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        manifest.append("%s\t%s" % (name, refused))
    with open(os.path.join(out, "nested_object_array.joblib"), "wb") as f:
        f.write(nested_object_array(canary))
    manifest.append("nested_object_array.joblib\tposix.system")
    with open(os.path.join(out, "MANIFEST"), "w") as f:
        f.write("\n".join(manifest) + "\n")
    real_files(out)
    # Prove the payload format is live: Python runs it (against PROOF, not CANARY).
    pickle.loads(payloads(proof)["posix_system.pkl"][1])


if __name__ == "__main__":
    outdir = sys.argv[1]
    main(outdir,
         sys.argv[2] if len(sys.argv) > 2 else os.path.join(outdir, "CANARY"),
         sys.argv[3] if len(sys.argv) > 3 else os.path.join(outdir, "PROOF"))
