"""Generates Fixtures/verify/: small models that are not MNIST, their test sets, Keras' (or NumPy's) outputs
on them and the figures Python computed, for `weightbridge verify` on any model and dataset.

Run: /root/.cache/weightbridge/venv/bin/python Fixtures/generate/verify_fixtures.py
Deterministic: fixed seeds, CPU, Keras 3 on the JAX backend; a few seconds of training.

(a) digits_cnn.h5 / .keras: a small CNN on scikit-learn's 8x8 digits (load_digits, 1797 images, 10 classes).
    Test set digits_test.npz: x (360, 8, 8) uint8 values 0..16, y (360,) int64. The model takes x / 16
    reshaped to (8, 8, 1): the manifest's preprocessing says so.
(b) cancer_mlp.h5 / .keras: a tabular MLP with one sigmoid output on load_breast_cancer (569 rows, 30
    features, standardised with the training rows' mean and deviation). Test set cancer_test.npz: x (114, 30)
    float32 already standardised, y (114,) int64; cancer_x.npy holds the same x alone (for `predict`).
(c) wine_mlp.npz: a NumPy MLP 13-16-3 (ReLU, softmax) in the seed's W1 b1 W2 b2 layout, float64, trained by
    plain NumPy gradient descent on load_wine (178 rows, standardised). Test set wine_test.npz: x (36, 13)
    float32, y (36, 3) one-hot float32.
Each model's outputs on its preprocessed test set are saved as <model>_outputs.npy (Keras' predict for (a)
and (b), float32; NumPy's float64 forward pass on the float32 inputs for (c)). reported.json holds every
figure Python computed (Keras' evaluate for accuracy and loss, scikit-learn for F1); checks.yml is the
manifest `weightbridge verify --manifest` reads, with those figures written at four decimals.
"""
import json
import os
import sys
import warnings

os.environ["KERAS_BACKEND"] = os.environ.get("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
warnings.filterwarnings("ignore")

import numpy as np
import sklearn
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.metrics import f1_score, top_k_accuracy_score
from sklearn.model_selection import train_test_split

import keras

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "verify"))
os.makedirs(OUT, exist_ok=True)


def path(name):
    return os.path.join(OUT, name)


def four(v):
    """A figure as a project writes it: four decimals."""
    return f"{float(v):.4f}"


reported = {
    "schema": 1,
    "made_by": "Fixtures/generate/verify_fixtures.py",
    "versions": {"numpy": np.__version__, "keras": keras.__version__, "backend": keras.backend.backend(), "scikit-learn": sklearn.__version__},
    "models": {},
}


def keras_figures(model, x, y, classes):
    """Accuracy and loss from Keras' own evaluate; top-3 accuracy and F1 from scikit-learn on Keras' predict."""
    p = model.predict(x, verbose=0)
    values = model.evaluate(x, y, verbose=0, return_dict=True)
    figures = {"accuracy": float(values["accuracy"]), "loss": float(values["loss"])}
    if classes > 2:
        pred = p.argmax(axis=1)
        figures["top3_accuracy"] = float(top_k_accuracy_score(y, p, k=3, labels=list(range(classes))))
    else:
        pred = (p[:, 0] > 0.5).astype(np.int64)
    figures["macro_f1"] = float(f1_score(y, pred, average="macro"))
    figures["weighted_f1"] = float(f1_score(y, pred, average="weighted"))
    return p, figures


# (a) digits CNN -------------------------------------------------------------------------------------------
keras.utils.set_random_seed(7)
digits = load_digits()
xd = digits.images.astype(np.uint8)  # values 0..16
yd = digits.target.astype(np.int64)
xd_train, xd_test, yd_train, yd_test = train_test_split(xd, yd, test_size=0.2, random_state=0, stratify=yd)
prep = lambda a: (a.astype(np.float32) / 16).reshape(-1, 8, 8, 1)
cnn = keras.Sequential([
    keras.Input((8, 8, 1)),
    keras.layers.Conv2D(8, 3, activation="relu"),
    keras.layers.MaxPooling2D(2),
    keras.layers.Flatten(),
    keras.layers.Dense(32, activation="relu"),
    keras.layers.Dense(10, activation="softmax"),
])
cnn.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
cnn.fit(prep(xd_train), yd_train, epochs=15, batch_size=64, verbose=0)
cnn.save(path("digits_cnn.h5"), include_optimizer=False)
cnn.save(path("digits_cnn.keras"), include_optimizer=False)
np.savez_compressed(path("digits_test.npz"), x=xd_test, y=yd_test)
p, figures = keras_figures(cnn, prep(xd_test), yd_test, 10)
np.save(path("digits_cnn_outputs.npy"), p.astype(np.float32))
reported["models"]["digits_cnn"] = {"model": "digits_cnn.h5", "data": "digits_test.npz", "rows": len(yd_test), "figures": figures}

# (b) breast-cancer MLP, one sigmoid output ---------------------------------------------------------------------
keras.utils.set_random_seed(11)
cancer = load_breast_cancer()
xc_train, xc_test, yc_train, yc_test = train_test_split(
    cancer.data, cancer.target.astype(np.int64), test_size=0.2, random_state=0, stratify=cancer.target)
mean, std = xc_train.mean(axis=0), xc_train.std(axis=0)
xc_train = ((xc_train - mean) / std).astype(np.float32)
xc_test = ((xc_test - mean) / std).astype(np.float32)
mlp = keras.Sequential([
    keras.Input((30,)),
    keras.layers.Dense(16, activation="relu"),
    keras.layers.Dense(1, activation="sigmoid"),
])
mlp.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
mlp.fit(xc_train, yc_train, epochs=20, batch_size=32, verbose=0)
mlp.save(path("cancer_mlp.h5"), include_optimizer=False)
mlp.save(path("cancer_mlp.keras"), include_optimizer=False)
np.savez_compressed(path("cancer_test.npz"), x=xc_test, y=yc_test)
np.save(path("cancer_x.npy"), xc_test)  # the same features alone, for `weightbridge predict --input`
p, figures = keras_figures(mlp, xc_test, yc_test, 2)
np.save(path("cancer_mlp_outputs.npy"), p.astype(np.float32))
reported["models"]["cancer_mlp"] = {"model": "cancer_mlp.h5", "data": "cancer_test.npz", "rows": len(yc_test), "figures": figures}

# (c) NumPy MLP on wine, seed layout W1 b1 W2 b2 ------------------------------------------------------------------
rng = np.random.default_rng(3)
wine = load_wine()
xw_train, xw_test, yw_train, yw_test = train_test_split(
    wine.data, wine.target.astype(np.int64), test_size=0.2, random_state=0, stratify=wine.target)
mean, std = xw_train.mean(axis=0), xw_train.std(axis=0)
xw_train = ((xw_train - mean) / std).astype(np.float32)
xw_test = ((xw_test - mean) / std).astype(np.float32)
W1 = rng.normal(0, np.sqrt(2 / 13), (13, 16)); b1 = np.zeros((1, 16))
W2 = rng.normal(0, np.sqrt(2 / 16), (16, 3)); b2 = np.zeros((1, 3))


def forward(x):
    h = np.maximum(0, x @ W1 + b1)
    z = h @ W2 + b2
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return h, e / e.sum(axis=1, keepdims=True)


onehot_train = np.eye(3)[yw_train]
for step in range(300):
    x = xw_train.astype(np.float64)
    h, p = forward(x)
    dz = (p - onehot_train) / len(x)
    dW2 = h.T @ dz; db2 = dz.sum(axis=0, keepdims=True)
    dh = (dz @ W2.T) * (h > 0)
    dW1 = x.T @ dh; db1 = dh.sum(axis=0, keepdims=True)
    W1 -= 0.1 * dW1; b1 -= 0.1 * db1; W2 -= 0.1 * dW2; b2 -= 0.1 * db2
np.savez(path("wine_mlp.npz"), W1=W1, b1=b1, W2=W2, b2=b2)
yw_onehot = np.eye(3, dtype=np.float32)[yw_test]
np.savez_compressed(path("wine_test.npz"), x=xw_test, y=yw_onehot)
_, p = forward(xw_test.astype(np.float64))  # float32 inputs widened, as NumPy's float32 @ float64 does
np.save(path("wine_mlp_outputs.npy"), p)
pred = p.argmax(axis=1)
clipped = np.clip(p / p.sum(axis=1, keepdims=True), 1e-7, 1 - 1e-7)
figures = {
    "accuracy": float((pred == yw_test).mean()),
    "loss": float(-np.log(clipped[np.arange(len(yw_test)), yw_test]).mean()),
    "macro_f1": float(f1_score(yw_test, pred, average="macro")),
    "weighted_f1": float(f1_score(yw_test, pred, average="weighted")),
}
reported["models"]["wine_mlp"] = {"model": "wine_mlp.npz", "data": "wine_test.npz", "rows": len(yw_test), "figures": figures}

with open(path("reported.json"), "w") as f:
    json.dump(reported, f, indent=2)
    f.write("\n")

# The manifest: every check with its figures at four decimals and Python's outputs as the reference.
preprocessing = {
    "digits_cnn": "    preprocessing: {scale: 1/16, reshape: [8, 8, 1], dtype: float32}\n",
    "cancer_mlp": "",
    "wine_mlp": "",
}
atol = {"digits_cnn": "1e-5", "cancer_mlp": "1e-5", "wine_mlp": "1e-9"}
why = {
    "digits_cnn": "float32: summation order differs from XLA's",
    "cancer_mlp": "float32: summation order differs from XLA's",
    "wine_mlp": "float64 forward pass, NumPy's order of sums differs",
}
lines = [
    "# weightbridge verify --manifest Fixtures/verify/checks.yml",
    "# Made by Fixtures/generate/verify_fixtures.py; paths are relative to this file.",
    "checks:",
]
for name, entry in reported["models"].items():
    lines.append(f"  - name: {name}")
    lines.append(f"    model: {entry['model']}")
    lines.append(f"    dataset: {{data: {entry['data']}}}")
    if preprocessing[name]:
        lines.append(preprocessing[name].rstrip("\n"))
    expect = ", ".join(f"{k}: {four(v)}" for k, v in entry["figures"].items())
    lines.append(f"    expect: {{{expect}}}")
    lines.append(f"    reference: {{file: {name}_outputs.npy, atol: {atol[name]}, rtol: 0}}  # {why[name]}")
with open(path("checks.yml"), "w") as f:
    f.write("\n".join(lines) + "\n")

print(json.dumps(reported, indent=2))
