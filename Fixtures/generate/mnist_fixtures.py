"""Fixtures for the MNIST and Evaluation targets, made with real NumPy and scikit-learn.

Run from the repository root (deterministic, no network):
    /root/.cache/weightbridge/venv/bin/python Fixtures/generate/mnist_fixtures.py

Writes
  Fixtures/split/test_indices.u32le  the 14000 test indices of sklearn's
                                      train_test_split(70000 rows, test_size=0.2, random_state=42),
                                      little-endian uint32, in the order sklearn returns them
  Fixtures/split/split.json          counts, SHA-256 of both index arrays (as little-endian uint32 bytes),
                                      first/last 100 train indices, RandomState(seed).permutation(n) for
                                      small cases and the first raw 32-bit outputs of RandomState(seed)
  Fixtures/eval/reports.json         (y_true, y_pred) sets with sklearn's classification_report text
                                      (digits=2 and 4), its output_dict and confusion_matrix
"""

import hashlib
import json
import os

import numpy as np
import sklearn
from sklearn.metrics import classification_report, confusion_matrix
from sklearn.model_selection import train_test_split

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPLIT = os.path.join(ROOT, "Fixtures", "split")
EVAL = os.path.join(ROOT, "Fixtures", "eval")
VERSIONS = {"numpy": np.__version__, "scikit-learn": sklearn.__version__}


def u32le(a):
    return np.asarray(a, dtype="<u4").tobytes()


def write_split():
    os.makedirs(SPLIT, exist_ok=True)
    n = 70000
    # The seed MLP split the OpenML mnist_784 rows exactly like this; splitting the row numbers
    # gives the row numbers that ended up on each side.
    train, test = train_test_split(np.arange(n), test_size=0.2, random_state=42)
    with open(os.path.join(SPLIT, "test_indices.u32le"), "wb") as f:
        f.write(u32le(test))
    permutations = []
    for seed, size in [(0, 10), (1, 1), (2, 2), (42, 100), (123, 1000), (4294967295, 37), (7, 0), (42, 70000)]:
        perm = np.random.RandomState(seed).permutation(size)
        entry = {"seed": seed, "n": size, "sha256": hashlib.sha256(u32le(perm)).hexdigest()}
        if size <= 1000:
            entry["permutation"] = perm.tolist()
        permutations.append(entry)
    raw = []
    for seed in [0, 1, 42, 5489, 4294967295]:
        values = np.random.RandomState(seed)._bit_generator.random_raw(1000)
        raw.append({"seed": seed, "first": values[:10].tolist(), "thousandth": int(values[999])})
    doc = {
        "generator": "Fixtures/generate/mnist_fixtures.py",
        "versions": VERSIONS,
        "n": n,
        "test_size": 0.2,
        "random_state": 42,
        "train_count": int(train.size),
        "test_count": int(test.size),
        "train_sha256": hashlib.sha256(u32le(train)).hexdigest(),
        "test_sha256": hashlib.sha256(u32le(test)).hexdigest(),
        "train_first_100": train[:100].tolist(),
        "train_last_100": train[-100:].tolist(),
        "permutations": permutations,
        "raw_uint32": raw,
    }
    with open(os.path.join(SPLIT, "split.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def report_case(name, y_true, y_pred, classes, target_names=None):
    labels = list(range(classes))
    kwargs = dict(labels=labels, target_names=target_names, zero_division=0.0)
    return {
        "name": name,
        "classes": classes,
        "target_names": target_names,
        "y_true": [int(v) for v in y_true],
        "y_pred": [int(v) for v in y_pred],
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        "text_2": classification_report(y_true, y_pred, digits=2, **kwargs),
        "text_4": classification_report(y_true, y_pred, digits=4, **kwargs),
        "dict": classification_report(y_true, y_pred, output_dict=True, **kwargs),
    }


def write_reports():
    os.makedirs(EVAL, exist_ok=True)
    rng = np.random.RandomState(2024)
    cases = []
    # Ten digits, a classifier right about 90% of the time (like an MNIST model).
    y = rng.randint(0, 10, size=1000)
    pred = np.where(rng.rand(1000) < 0.9, y, rng.randint(0, 10, size=1000))
    cases.append(report_case("ten_classes_noisy", y, pred, 10))
    # Class 2 is never predicted and class 3 never occurs: zero division gives 0.0.
    y = np.array([0, 0, 1, 1, 1, 2, 2, 0, 1, 0, 2, 1])
    pred = np.array([0, 1, 1, 1, 0, 0, 1, 0, 1, 0, 1, 3])
    cases.append(report_case("zero_division", y, pred, 4))
    # Long class names widen the first column.
    y = rng.randint(0, 3, size=57)
    pred = np.where(rng.rand(57) < 0.6, y, rng.randint(0, 3, size=57))
    cases.append(report_case("long_names", y, pred, 3, ["cat", "a rather long class name", "dog"]))
    # Precisions 1/8, 3/8, 5/8: exact binary ties, which Python rounds half to even ("0.12", "0.38", "0.62").
    y = np.array([0] * 1 + [1] * 7 + [1] * 3 + [2] * 5 + [2] * 5 + [0] * 3)
    pred = np.array([0] * 8 + [1] * 8 + [2] * 8)
    cases.append(report_case("binary_ties", y, pred, 3))
    # Perfect predictions with large supports.
    y = rng.randint(0, 5, size=1500)
    cases.append(report_case("perfect", y, y.copy(), 5))
    with open(os.path.join(EVAL, "reports.json"), "w") as f:
        json.dump({"generator": "Fixtures/generate/mnist_fixtures.py", "versions": VERSIONS, "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    write_split()
    write_reports()
    print("wrote", SPLIT, "and", EVAL, "with", VERSIONS)
