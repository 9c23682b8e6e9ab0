#!/usr/bin/python3
"""The Python baseline of bench/'s serve stage: a model server as people write one — the
standard library's http.server, joblib.load, scikit-learn — answering the same Open Inference
Protocol /infer requests as `frost serve` (one input per DataFrame column; label and
probabilities back).

    py_server.py MODEL.joblib PORT
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import joblib
import pandas as pd

model = joblib.load(sys.argv[1])
NAME = "model"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        df = pd.DataFrame({i["name"]: i["data"] for i in req["inputs"]})
        labels = model.predict(df)
        proba = model.predict_proba(df)
        body = json.dumps({"model_name": NAME, "outputs": [
            {"name": "label", "shape": [len(df)], "datatype": "BYTES",
             "data": [str(v) for v in labels]},
            {"name": "probabilities", "shape": list(proba.shape), "datatype": "FP64",
             "data": proba.ravel().tolist()}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), Handler).serve_forever()
