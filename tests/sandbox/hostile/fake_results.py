# base: optimizers
"""Writes forged result files that claim full marks: for itself and for a
made-up student "victim", in the results folder, as the CSV, as the
up-to-date cache, in the working folder and in the host's temporary folder.
sgd is wrong, so its honest score is 70 of 80.

Contained: the real result says 70 and "isolation": "full"; no forged file
exists outside the sandbox; grades.csv has no "victim".
"""
import json
import os

OUT = "@@OUT@@"
HOSTTMP = "@@HOSTTMP@@"
FAKE = {"assignment": "optimizers", "student": "victim", "submission": "victim.py", "score": 80.0,
        "max_score": 80.0, "status": "graded", "message": "forged", "isolation": "full", "tests": []}

for folder in (OUT, os.path.join(OUT, ".autograder-cache"), HOSTTMP, os.getcwd(), "/tmp"):
    for name in ("fake_results.json", "victim.json", "grades.csv"):
        try:
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, name), "w") as handle:
                json.dump(FAKE, handle)
        except OSError:
            pass


def sgd(w, dw, config=None):
    return w, {} if config is None else config
