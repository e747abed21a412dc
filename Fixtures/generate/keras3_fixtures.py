"""Makes the Keras 3 fixtures in Fixtures/keras3/: .keras archives, .weights.h5 and mixed-precision .h5 files,
and expected.json with every weight as h5py reads it from the (inner) weights file.

Rerun: KERAS_BACKEND=jax /root/.cache/weightbridge/venv/bin/python Fixtures/generate/keras3_fixtures.py
Deterministic weights (fixed seeds); the archives' date_saved and the inner HDF5 timestamps change per run.
Good files are written by Keras 3 itself (model.save, save_weights); `sequential_deflated.keras` is Keras' archive
re-zipped with deflate by Python's zipfile; bad archives are assembled with zipfile below.
"""
import io
import json
import os
import zipfile

os.environ.setdefault("KERAS_BACKEND", "jax")
import h5py
import keras
import ml_dtypes
import numpy as np

OUT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "keras3"))
os.makedirs(OUT, exist_ok=True)
for f in os.listdir(OUT):
    if f.endswith((".keras", ".h5", ".json", ".bin")):
        os.remove(os.path.join(OUT, f))
keras.utils.set_random_seed(13)
expected = {"versions": {"keras": keras.__version__, "h5py": h5py.__version__, "numpy": np.__version__}, "files": {}}


def tree(h5file):
    """path -> {shape, dtype, values (float32 bit patterns as hex)} in HDF5 order, as h5py (and Keras) read them."""
    out = []

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            a = obj[()]
            if obj.attrs.get("dtype") == "bfloat16" or a.dtype.kind == "V":
                a = np.asarray(a).view(ml_dtypes.bfloat16)
            f = np.asarray(a, dtype=np.float32).ravel()
            out.append({"path": name, "shape": list(obj.shape), "dtype": str(obj.attrs.get("dtype", obj.dtype)),
                        "bits": [format(int(b), "08x") for b in f.view(np.uint32)]})

    h5file.visititems(visit)
    return out


def record(name):
    path = os.path.join(OUT, name)
    if name.endswith(".keras"):
        with zipfile.ZipFile(path) as z:
            members = [i.filename for i in z.infolist()]
            meta = json.loads(z.read("metadata.json"))
            config = json.loads(z.read("config.json"))
            with h5py.File(io.BytesIO(z.read("model.weights.h5")), "r") as h:
                weights = tree(h)
        layers = [(l["config"]["name"], l["class_name"]) for l in config["config"].get("layers", [])]
        expected["files"][name] = {"members": members, "keras_version": meta["keras_version"], "layers": layers, "weights": weights}
    else:
        with h5py.File(path, "r") as h:
            expected["files"][name] = {"weights": tree(h)}


# Mixed precision: a float16 layer and a bfloat16 layer (weights stored as float16 and as 2-byte opaque bfloat16).
inp = keras.Input((3,))
mixed = keras.Sequential([inp, keras.layers.Dense(4, dtype="float16"), keras.layers.Dense(2, dtype="bfloat16")])
mixed.save_weights(os.path.join(OUT, "mixed.weights.h5"))
mixed.save(os.path.join(OUT, "mixed.keras"))
mixed.save(os.path.join(OUT, "mixed.h5"))
for n in ["mixed.weights.h5", "mixed.keras", "mixed.h5"]:
    record(n)

seq = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Conv2D(2, 3, name="conv"), keras.layers.BatchNormalization(),
                        keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])
seq.save(os.path.join(OUT, "sequential.keras"))
record("sequential.keras")

a = keras.Input((5,), name="a")
h = keras.layers.Dense(4, activation="relu")(a)
h2 = keras.layers.Dense(4)(a)
o = keras.layers.Dense(2)(keras.layers.Add()([h, h2]))
functional = keras.Model(a, o)
functional.save(os.path.join(OUT, "functional.keras"))
record("functional.keras")

inner = keras.Model(a, keras.layers.Dense(3, name="inner_dense")(a))
nested = keras.Sequential([keras.Input((5,)), inner, keras.layers.Dense(2)])
nested.save(os.path.join(OUT, "nested.keras"))
record("nested.keras")

# The same archive, every member deflated (other writers compress; Keras itself stores).
with zipfile.ZipFile(os.path.join(OUT, "sequential.keras")) as src, \
        zipfile.ZipFile(os.path.join(OUT, "sequential_deflated.keras"), "w", zipfile.ZIP_DEFLATED) as dst:
    for info in src.infolist():
        dst.writestr(info.filename, src.read(info.filename))
record("sequential_deflated.keras")

# A .keras named .h5 and an .h5 named .keras: recognised by content.
with open(os.path.join(OUT, "sequential.keras"), "rb") as f:
    open(os.path.join(OUT, "archive_named.h5"), "wb").write(f.read())
with open(os.path.join(OUT, "mixed.h5"), "rb") as f:
    open(os.path.join(OUT, "hdf5_named.keras"), "wb").write(f.read())

# An HDF5 file with a 512-byte user block (its signature at offset 512), named .bin: recognised by content.
with h5py.File(os.path.join(OUT, "userblock.bin"), "w", userblock_size=512) as h:
    h["x"] = np.arange(3, dtype=np.float32)

# Hostile archives.
with zipfile.ZipFile(os.path.join(OUT, "sequential.keras")) as z:
    parts = {i.filename: z.read(i.filename) for i in z.infolist()}


def archive(name, members, method=zipfile.ZIP_STORED):
    with zipfile.ZipFile(os.path.join(OUT, name), "w", method) as z:
        for member, data in members:
            z.writestr(member, data)


archive("bad_no_config.keras", [("metadata.json", parts["metadata.json"]), ("model.weights.h5", parts["model.weights.h5"])])
archive("bad_traversal.keras", [("metadata.json", parts["metadata.json"]), ("config.json", parts["config.json"]),
                                ("../model.weights.h5", parts["model.weights.h5"])])
# config.json of 2 MiB of spaces around the real config: over a --max-config-bytes of 1M, deflated to a few KB.
archive("bad_config_too_large.keras", [("metadata.json", parts["metadata.json"]),
                                       ("config.json", b" " * (2 << 20) + parts["config.json"]),
                                       ("model.weights.h5", parts["model.weights.h5"])], zipfile.ZIP_DEFLATED)
# A bomb: model.weights.h5 is 64 MiB of zeros deflated to ~64 KB, a ratio under the limit but the declared size
# is patched down to 4096 so it inflates past what the directory declares.
bomb = io.BytesIO()
with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("metadata.json", parts["metadata.json"])
    z.writestr("config.json", parts["config.json"])
    z.writestr("model.weights.h5", b"\0" * (64 << 20))
data = bytearray(bomb.getvalue())
with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
    info = z.getinfo("model.weights.h5")
size = (64 << 20).to_bytes(4, "little")
for at in [i for i in range(len(data) - 3) if data[i:i + 4] == size]:
    data[at:at + 4] = (4096).to_bytes(4, "little")
open(os.path.join(OUT, "bad_bomb.keras"), "wb").write(bytes(data))
# A Lambda layer in config.json (never deserialised, refused by name).
lam = json.loads(parts["config.json"])
lam["config"]["layers"].insert(2, {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
                                   "config": {"name": "lambda", "function": {"class_name": "__lambda__", "config": {"code": "..."}}}})
archive("bad_lambda.keras", [("metadata.json", parts["metadata.json"]), ("config.json", json.dumps(lam).encode()),
                             ("model.weights.h5", parts["model.weights.h5"])])
custom = json.loads(parts["config.json"])
custom["config"]["layers"][1]["module"] = "evil.module"
archive("bad_custom_module.keras", [("metadata.json", parts["metadata.json"]), ("config.json", json.dumps(custom).encode()),
                                    ("model.weights.h5", parts["model.weights.h5"])])

with open(os.path.join(OUT, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
print("wrote", sorted(os.listdir(OUT)))
