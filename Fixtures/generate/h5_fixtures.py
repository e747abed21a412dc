"""Generates the HDF5 / Keras fixtures in Fixtures/h5/ with real Keras 3 (JAX backend), tf-keras 2 and h5py.

Run: /root/.cache/weightbridge/venv/bin/python Fixtures/generate/h5_fixtures.py
Deterministic: fixed seeds. Each model fixture gets a `<name>.json` reference with
every weight (float32 values as hex bit patterns, in weight_names order), a fixed input batch
and the model's own predict() output on it.
"""
import json
import os
import sys
import warnings

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.filterwarnings("ignore")

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "h5")
os.makedirs(OUT, exist_ok=True)


def path(name):
    return os.path.join(OUT, name)


def hex32(a):
    """float32 values as 8-digit hex bit patterns: exact, and immune to JSON float parsing."""
    return [format(int(x), "08x") for x in np.asarray(a, dtype="<f4").reshape(-1).view("<u4")]


def hex64(a):
    """float64 values as 16-digit hex bit patterns."""
    return [format(int(x), "016x") for x in np.asarray(a, dtype="<f8").reshape(-1).view("<u8")]


def as_str(v):
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def weights_record(h5_path, root_name):
    """Every weight of every layer, in layer_names / weight_names order, read with h5py."""
    layers = []
    with h5py.File(h5_path, "r") as f:
        root = f[root_name] if root_name else f
        for lname in [as_str(n) for n in root.attrs["layer_names"]]:
            g = root[lname]
            ws = []
            for wname in [as_str(n) for n in g.attrs["weight_names"]]:
                a = np.asarray(g[wname], dtype=np.float32)
                ws.append({"name": wname, "shape": list(a.shape), "values": hex32(a)})
            layers.append({"layer": lname, "weights": ws})
    return layers


def record(name, model, x, root_name="model_weights", extra=None):
    y = np.asarray(model.predict(x, verbose=0), dtype=np.float32)
    ref = {
        "fixture": name,
        "input_shape": list(x.shape),
        "input": hex32(x),
        "output_shape": list(y.shape),
        "output": hex32(y),
        "layers": weights_record(path(name), root_name),
        "param_count": int(model.count_params()),
    }
    if extra:
        ref.update(extra)
    with open(path(name.replace(".h5", ".json")), "w") as fh:
        json.dump(ref, fh)


def keras3_fixtures():
    import keras
    from keras import layers

    keras.utils.set_random_seed(1)
    rng = np.random.default_rng(7)

    # Sequential CNN: valid + same padding, strides, pooling with explicit strides, Dropout, softmax.
    m = keras.Sequential(
        [
            keras.Input(shape=(8, 8, 1)),
            layers.Conv2D(4, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(3, (2, 2), strides=(2, 2), padding="same", activation="tanh", use_bias=False),
            layers.Flatten(),
            layers.Dropout(0.25),
            layers.Dense(5, activation="softmax"),
        ],
        name="sequential",
    )
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    m.fit(rng.normal(size=(4, 8, 8, 1)).astype("float32"), np.array([0, 1, 2, 3]), epochs=1, verbose=0)
    m.save(path("keras3_cnn.h5"))
    record("keras3_cnn.h5", m, rng.normal(size=(2, 8, 8, 1)).astype("float32"))

    # Functional chain of Dense layers with an Activation layer.
    inp = keras.Input(shape=(6,), name="features")
    h = layers.Dense(4, activation="sigmoid", name="hidden")(inp)
    h = layers.Activation("relu", name="act")(h)
    out = layers.Dense(3, activation="linear", name="logits")(h)
    f = keras.Model(inp, out, name="chain")
    f.save(path("keras3_functional.h5"))
    record("keras3_functional.h5", f, rng.normal(size=(3, 6)).astype("float32"))

    # Keras 3 weights-only file (layers/<name>/vars/<i>).
    mlp = keras.Sequential([keras.Input(shape=(5,)), layers.Dense(4, activation="relu"), layers.Dense(2)], name="mlp")
    mlp.save_weights(path("keras3_mlp.weights.h5"))
    with h5py.File(path("keras3_mlp.weights.h5"), "r") as fh:
        ws = []
        for lname in sorted(fh["layers"].keys()):
            vars_ = fh["layers"][lname]["vars"]
            ws.append({"layer": lname, "weights": [
                {"name": "vars/" + k, "shape": list(vars_[k].shape), "values": hex32(vars_[k][()])}
                for k in sorted(vars_.keys(), key=int)]})
    with open(path("keras3_mlp.weights.json"), "w") as fh:
        json.dump({"layers": ws}, fh)

    # Unsupported layer: BatchNormalization.
    bn = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3, name="dense"), layers.BatchNormalization(name="batch_norm")])
    bn.save(path("keras3_batchnorm.h5"))


def keras2_fixtures():
    import tf_keras as tk
    from tf_keras import layers

    tk.utils.set_random_seed(2)
    rng = np.random.default_rng(11)

    m = tk.Sequential(
        [
            layers.Conv2D(3, (3, 3), padding="same", strides=(2, 2), activation="relu", input_shape=(8, 8, 2)),
            layers.MaxPooling2D(pool_size=(2, 2), padding="same"),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(4, activation="sigmoid"),
        ]
    )
    m.save(path("keras2_cnn.h5"))
    record("keras2_cnn.h5", m, rng.normal(size=(2, 8, 8, 2)).astype("float32"))

    mlp = tk.Sequential([layers.Dense(5, activation="tanh", input_shape=(3,)), layers.Dense(2, activation="softmax")])
    mlp.save(path("keras2_mlp.h5"))
    record("keras2_mlp.h5", mlp, rng.normal(size=(2, 3)).astype("float32"))

    # The same file with one kernel replaced by a wrongly shaped array (what a hand-edited or mismatched file looks like).
    import shutil
    shutil.copy(path("keras2_mlp.h5"), path("keras2_mlp_bad_shape.h5"))
    with h5py.File(path("keras2_mlp_bad_shape.h5"), "r+") as fh:
        g = fh["model_weights/dense_2/dense_2"]
        del g["kernel:0"]
        g.create_dataset("kernel:0", data=np.zeros((4, 2), dtype=np.float32))

    # tf.keras save_weights("x.h5"): layer groups at the root, no model_config.
    mlp.save_weights(path("tfkeras_mlp_weights.h5"))
    record("tfkeras_mlp_weights.h5", mlp, rng.normal(size=(1, 3)).astype("float32"), root_name=None)

    # Lambda layer: its Python code is stored in the config; WeightBridge must refuse without running it.
    lam = tk.Sequential([layers.Dense(2, input_shape=(3,)), layers.Lambda(lambda t: t * 2.0, name="lambda_1")])
    lam.save(path("keras2_lambda.h5"))


def h5py_fixtures():
    rng = np.random.default_rng(3)
    ref = {}
    with h5py.File(path("fixed_strings.h5"), "w") as f:
        # As Keras 2.2 / old h5py wrote them: fixed-length NUL-padded |S arrays and strings.
        f.attrs["layer_names"] = np.array([b"dense", b"dense_1"], dtype="S7")
        f.attrs["keras_version"] = np.bytes_(b"2.2.4")
        f.attrs["backend"] = np.bytes_(b"tensorflow")
        f.attrs["vlen_names"] = np.array(["a", "bb", "ccc"], dtype=h5py.string_dtype())
        f.attrs["scalar_int"] = np.int64(-42)
        f.attrs["scalar_double"] = np.float64(2.5)
        f.attrs["int_array"] = np.array([1, 2, 3], dtype=np.int32)
        f.attrs["float_array"] = np.array([0.5, -1.25], dtype=np.float32)
        f.attrs["empty_names"] = np.array([], dtype=np.float64)
        f.attrs["utf8"] = "gr\u00fc\u00dfe \u2713"
        g = f.create_group("dense")
        g.attrs["weight_names"] = np.array([b"dense/kernel:0", b"dense/bias:0"], dtype="S14")
        k = rng.normal(size=(3, 2)).astype(np.float32)
        b = rng.normal(size=(2,)).astype(np.float32)
        g.create_dataset("dense/kernel:0", data=k)
        g.create_dataset("dense/bias:0", data=b)
        g1 = f.create_group("dense_1")
        g1.attrs["weight_names"] = np.array([], dtype=np.float64)

    with h5py.File(path("datasets.h5"), "w") as f:
        a = rng.normal(size=(4, 5, 3)).astype(np.float32)
        f.create_dataset("chunked_gzip", data=a, chunks=(2, 5, 3), compression="gzip", compression_opts=6)
        h = (rng.normal(size=(3, 4)) * 10).astype(np.float16)
        f.create_dataset("half", data=h)
        d = rng.normal(size=(2, 3)).astype(np.float64)
        f.create_dataset("grp/nested/double", data=d)
        i = rng.integers(-1000, 1000, size=(7,)).astype(np.int16)
        f.create_dataset("int16", data=i)
        u = rng.integers(0, 255, size=(2, 2)).astype(np.uint8)
        f.create_dataset("uint8", data=u)
        f.create_dataset("scalar", data=np.float32(3.75))
        f["soft"] = h5py.SoftLink("/half")
        f["ext"] = h5py.ExternalLink("other.h5", "/x")
        ref = {
            "chunked_gzip": {"shape": list(a.shape), "values": hex64(a)},
            "half": {"shape": list(h.shape), "values": hex64(h)},
            "grp/nested/double": {"shape": list(d.shape), "values": hex64(d)},
            "int16": {"shape": list(i.shape), "values": hex64(i)},
            "uint8": {"shape": list(u.shape), "values": hex64(u)},
            "scalar": {"shape": [], "values": hex64(np.float64(3.75))},
        }
    with open(path("datasets.json"), "w") as fh:
        json.dump(ref, fh)

    # A dataset whose raw data lives in an external file: must be refused.
    with h5py.File(path("external_storage.h5"), "w") as f:
        f.create_dataset("ext", shape=(4,), dtype="f4", external=[("external_storage.bin", 0, 16)])
    with open(path("external_storage.bin"), "wb") as fh:
        fh.write(np.arange(4, dtype=np.float32).tobytes())

    # More than 64 KB of layer names: split as Keras' save_attributes_to_hdf5_group does (layer_names0, 1, ...).
    names = [f"dense_layer_with_a_long_name_{i:05d}" for i in range(2000)]
    with h5py.File(path("split_layer_names.h5"), "w") as f:
        data = np.array([n.encode() for n in names])
        chunks = np.array_split(data, 2)
        for i, c in enumerate(chunks):
            f.attrs[f"layer_names{i}"] = c
        for n in names[:2]:
            f.create_group(n).attrs["weight_names"] = np.array([], dtype=np.float64)
    with open(path("split_layer_names.json"), "w") as fh:
        json.dump({"layer_names": names}, fh)


if __name__ == "__main__":
    which = sys.argv[1:] or ["h5py", "keras3", "keras2"]
    if "h5py" in which:
        h5py_fixtures()
    if "keras3" in which:
        keras3_fixtures()
    if "keras2" in which:
        keras2_fixtures()
