"""Reference predictions for the real-world corpus (/work/shared/corpus_real, never committed).

For every file WeightBridge should load, writes Fixtures/corpus/<file>.x.npy (with '--' for the corpus' '__', so no fixture name looks like a corpus file) (4 seeded uniform [0, 1) float32
inputs, in the layout the saving framework took: NCHW for channels-first models) and <file>.y.npy (the
framework's outputs). The reference is, in order of preference:
  * tf-keras 2.21 (`import tf_keras`) or Keras 3 loading the file (or model_from_json + load_weights);
  * otherwise the architecture rebuilt by hand in Keras 3 (JAX backend) with the weights set explicitly,
    applying the rules the saving Keras used: Keras 1 `th` kernels (out, in, h, w) -> (h, w, in, out), Theano
    kernels flipped spatially (what Keras 2's `convert_kernel` did), Flatten of a channels-first tensor in stored
    (c, h, w) order (`Flatten(data_format='channels_last')` in Keras 3 does exactly that);
  * NumPy MLPs: the forward pass of each repository's own code, in float64 (or float32 as stored).
Also writes Fixtures/corpus/references.json (per file: method, input shape, library versions).

With `--render-doc RESULTS.json`, instead renders Docs/compatibility.md from MANIFEST.tsv and the per-file
results a Swift test run wrote (see Docs/compatibility.md for the command).

Run: KERAS_BACKEND=jax /root/.cache/weightbridge/venv/bin/python Fixtures/generate/corpus_references.py
"""
import csv
import json
import os
import sys
import zlib

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import h5py

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.environ.get("WEIGHTBRIDGE_SHARED", os.path.join(os.path.dirname(ROOT), "shared")) + "/corpus_real"
OUT = os.path.join(ROOT, "Fixtures", "corpus")
COUNT = 4


def inputs_for(name, shape, dtype=np.float32):
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    return rng.random((COUNT,) + tuple(shape)).astype(dtype)


def layer_weights(group):
    """Arrays per layer in `weight_names` order, from a group with `layer_names` (never by parsing names)."""
    def strings(attr):
        return [s.decode() if isinstance(s, bytes) else s for s in group.attrs[attr]] if attr in group.attrs else []
    out = {}
    for layer in strings("layer_names"):
        g = group[layer]
        names = [s.decode() if isinstance(s, bytes) else s for s in g.attrs.get("weight_names", [])]
        out[layer] = [np.asarray(g[n]) for n in names]
    return out


def flip(kernel):
    """Keras 2's conv_utils.convert_kernel for an (h, w, in, out) kernel: reverse the spatial axes."""
    return np.ascontiguousarray(kernel[::-1, ::-1, :, :])


def tfkeras_full(path):
    import tf_keras
    return tf_keras.models.load_model(path, compile=False)


def tfkeras_from_json(arch, weights):
    import tf_keras
    with open(arch) as f:
        model = tf_keras.models.model_from_json(f.read())
    model.load_weights(weights)
    return model


def keras3_full(path):
    import keras
    return keras.models.load_model(path, compile=False)


def keras3_weights(arch_h5, weights):
    model = keras3_full(arch_h5)
    model.load_weights(weights)
    return model


def keras3_rebuild(name):
    import keras
    from keras import layers as L
    path = os.path.join(CORPUS, name)
    with h5py.File(path, "r") as f:
        w = layer_weights(f["model_weights"] if "model_weights" in f else f)
    cf = "channels_first"
    if name.startswith("ab2005__"):  # Keras 1.2.0, Dense only: weights (in, out) as Keras 2.
        model = keras.Sequential([
            keras.Input((28, 28)), L.Flatten(), L.Dense(48, activation="relu", name="dense_34"),
            L.Dense(48, activation="relu", name="dense_35"), L.Dropout(0.2), L.Dense(10, activation="softmax", name="dense_36")])
        for layer in ("dense_34", "dense_35", "dense_36"):
            model.get_layer(layer).set_weights(w[layer])
        return model, (28, 28)
    if name.startswith("JoseDiego"):  # Keras 2.0.5, TensorFlow, channels_first; Flatten as stored (no data_format then).
        model = keras.Sequential([
            keras.Input((1, 28, 28)), L.Conv2D(32, 3, activation="relu", data_format=cf, name="conv2d_1"),
            L.Conv2D(32, 3, activation="relu", data_format=cf, name="conv2d_2"), L.MaxPooling2D(2, data_format=cf),
            L.Dropout(0.25), L.Flatten(data_format="channels_last"), L.Dense(128, activation="relu", name="dense_1"),
            L.Dropout(0.5), L.Dense(10, activation="softmax", name="dense_2")])
        for layer in ("conv2d_1", "conv2d_2", "dense_1", "dense_2"):
            model.get_layer(layer).set_weights(w[layer])
        return model, (1, 28, 28)
    if name.startswith("prasunroy"):  # Keras 2.0.6, Theano, channels_first: kernels flipped.
        model = keras.Sequential([
            keras.Input((1, 56, 56)), L.Conv2D(32, 5, activation="relu", data_format=cf, name="conv2d_1"),
            L.MaxPooling2D(2, data_format=cf), L.Conv2D(16, 3, activation="relu", data_format=cf, name="conv2d_2"),
            L.MaxPooling2D(2, data_format=cf), L.Dropout(0.2), L.Flatten(data_format="channels_last"),
            L.Dense(128, activation="relu", name="dense_1"), L.Dense(64, activation="relu", name="dense_2"),
            L.Dense(10, activation="softmax", name="dense_3")])
        for layer in ("conv2d_1", "conv2d_2"):
            kernel, bias = w[layer]
            model.get_layer(layer).set_weights([flip(kernel), bias])
        for layer in ("dense_1", "dense_2", "dense_3"):
            model.get_layer(layer).set_weights(w[layer])
        return model, (1, 56, 56)
    if name.startswith("pplonski"):  # Keras 1, dim_ordering th, Theano (keras2cpp's README): (out,in,h,w) -> HWIO, flipped.
        model = keras.Sequential([
            keras.Input((1, 28, 28)), L.Conv2D(4, 3, padding="same", data_format=cf, name="c1"), L.Activation("relu"),
            L.Conv2D(4, 3, padding="same", data_format=cf, name="c2"), L.Activation("relu"),
            L.MaxPooling2D(2, data_format=cf), L.Dropout(0.25), L.Flatten(data_format="channels_last"),
            L.Dense(6, name="d1"), L.Activation("relu"), L.Dropout(0.5), L.Dense(10, name="d2"), L.Activation("softmax")])
        for keras1, layer in (("convolution2d_1", "c1"), ("convolution2d_2", "c2")):
            kernel, bias = w[keras1]
            model.get_layer(layer).set_weights([flip(np.transpose(kernel, (2, 3, 1, 0))), bias])
        model.get_layer("d1").set_weights(w["dense_1"])
        model.get_layer("d2").set_weights(w["dense_2"])
        return model, (1, 28, 28)
    raise KeyError(name)


def numpy_mlp(name):
    """Each repository's own forward pass (read from its code), on the archive's arrays."""
    d = np.load(os.path.join(CORPUS, name))
    relu = lambda z: np.maximum(0, z)
    def softmax(z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    if name.startswith("Bilalharoon"):  # W (out, in), b (out, 1), column inputs; float64.
        x = inputs_for(name, (784,), np.float64)
        a = x.T
        a = relu(d["W1"] @ a + d["b1"]); a = relu(d["W2"] @ a + d["b2"]); z = d["W3"] @ a + d["b3"]
        return x, softmax(z.T), "NumPy: relu, relu, softmax; W (out, in) applied to column inputs"
    if name.startswith("karynaur"):  # float32, no biases, sigmoid hidden, softmax out.
        x = inputs_for(name, (784,), np.float32)
        h = 1 / (np.exp(-(x @ d["arr_0"])) + 1)
        return x, softmax(h @ d["arr_1"]), "NumPy: sigmoid, softmax; no biases (mnist.py)"
    if name.startswith("ab-progress"):
        x = inputs_for(name, (784,), np.float64)
        h = relu(x @ d["weights_input_hidden"] + d["biases_input_hidden"])
        return x, softmax(h @ d["weights_hidden_output"] + d["biases_hidden_output"]), "NumPy: relu, softmax (makepredictions.py)"
    if name.startswith("khizar"):
        x = inputs_for(name, (784,), np.float64)
        a = relu(x @ d["W1"] + d["b1"]); a = relu(a @ d["W2"] + d["b2"])
        return x, softmax(a @ d["W3"] + d["b3"]), "NumPy: relu, relu, softmax (model.py)"
    raise KeyError(name)


# file -> (method, builder, input shape per sample or None for the model's own)
C = lambda n: os.path.join(CORPUS, n)
PLAN = {
    "ab2005__cnn-exercises__mnist.model.best.hdf5": ("keras3-rebuild", None),
    "kruthikk__cnn_classification__mnist.model.best.hdf5": ("tf-keras", lambda n: tfkeras_full(C(n))),
    "tomthetrainer__KerasImportTests__iris_theano.h5": ("tf-keras", lambda n: tfkeras_full(C(n))),
    "tomthetrainer__KerasImportTests__sonar_theano.h5": ("tf-keras", lambda n: tfkeras_full(C(n))),
    "TrustAI__DeepConcolic__mnist2.h5": ("tf-keras", lambda n: tfkeras_full(C(n))),
    "verivital__nnvmt__MC_16sigX16sigX1tanh.h5": ("tf-keras", lambda n: tfkeras_full(C(n))),
    "TrustAI__DeepConcolic__mnist1.h5": ("tf-keras", lambda n: tfkeras_full(C(n))),
    "RemoYukoff__MNIST-Keras-Flask__model.h5": ("tf-keras", lambda n: tfkeras_full(C(n))),
    "naonaorange__tensorflow_samples__mnist.h5": ("tf-keras", lambda n: tfkeras_full(C(n))),
    "AmitPr__mnist-nlogo__mnist_model.h5": ("tf-keras", lambda n: tfkeras_full(C(n))),
    "huyhoang17__tensorflow-serving-docker__mnist_all.h5": ("tf-keras", lambda n: tfkeras_full(C(n))),
    "ikukang__DeepLearningWithPythonKeras__mnist_cnn.h5": ("tf-keras", lambda n: tfkeras_full(C(n))),
    "fisakhan__convert_model_x2y__mnist.h5": ("tf-keras", lambda n: tfkeras_full(C(n))),
    "jairoduarteribeiro__explanation_ann__iris.h5": ("tf-keras", lambda n: tfkeras_full(C(n))),
    "Adel-dev2__MNIST-Digit-Classifier-App__mnist_model.h5": ("keras3", lambda n: keras3_full(C(n))),
    "ShreyanshGupta28__mnist_classification_app__model.h5": ("keras3", lambda n: keras3_full(C(n))),
    "ShreyanshGupta28__mnist_classification_app__model.weights.h5": (
        "keras3 (architecture from model.h5)",
        lambda n: keras3_weights(C("ShreyanshGupta28__mnist_classification_app__model.h5"), C(n))),
    "fastmachinelearning__example-models__KERAS_3layer_weights.h5": (
        "tf-keras (model_from_json + load_weights)",
        lambda n: tfkeras_from_json(C("fastmachinelearning__example-models__KERAS_3layer.json"), C(n))),
    "fastmachinelearning__example-models__jetTagger_Conv2D_Small_weights.h5": (
        "tf-keras (model_from_json + load_weights)",
        lambda n: tfkeras_from_json(C("fastmachinelearning__example-models__jetTagger_Conv2D_Small.json"), C(n))),
    "DeepImportance__deepimportance_code_release__LeNet1.h5": (
        "tf-keras (model_from_json + load_weights)",
        lambda n: tfkeras_from_json(C("DeepImportance__deepimportance_code_release__LeNet1.json"), C(n))),
    "JoseDiegoMarinContreras__Recognition-Of-Handwritten-Digits__model.h5": ("keras3-rebuild", None),
    "prasunroy__ocr__en_numbers.h5": ("keras3-rebuild", None),
    "pplonski__keras2cpp__my_nn_weights.h5": ("keras3-rebuild", None),
}
NUMPY = [
    "khizarbinmaalik__neural_net_from_scratch__mlp_weights.npz",
    "karynaur__mnist-from-numpy__weights.npz",
    "Bilalharoon__NumpyNueralNetwork__mnist_weights.npz",
    "ab-progress-tracker__diy-mnist-nn__model_params.npz",
]
# Models with no input shape in their configuration: what the references feed them.
INPUT_OVERRIDE = {"TrustAI__DeepConcolic__mnist1.h5": (784,)}


def generate():
    import keras
    import tf_keras
    versions = {"numpy": np.__version__, "h5py": h5py.__version__, "keras": keras.__version__, "tf_keras": tf_keras.__version__}
    os.makedirs(OUT, exist_ok=True)
    summary = {"versions": versions, "count": COUNT, "files": {}}
    for name, (method, build) in PLAN.items():
        if build is None:
            model, shape = keras3_rebuild(name)
        else:
            model = build(name)
            shape = INPUT_OVERRIDE.get(name) or tuple(model.input_shape[1:])
        x = inputs_for(name, shape)
        y = np.asarray(model.predict(x, verbose=0), dtype=np.float32)
        np.save(os.path.join(OUT, name.replace("__", "--") + ".x.npy"), x)
        np.save(os.path.join(OUT, name.replace("__", "--") + ".y.npy"), y)
        summary["files"][name] = {"method": method, "input_shape": list(shape), "output_shape": list(y.shape[1:])}
        print(name, method, x.shape, "->", y.shape, flush=True)
    for name in NUMPY:
        x, y, method = numpy_mlp(name)
        np.save(os.path.join(OUT, name.replace("__", "--") + ".x.npy"), x)
        np.save(os.path.join(OUT, name.replace("__", "--") + ".y.npy"), y)
        summary["files"][name] = {"method": method, "input_shape": list(x.shape[1:]), "output_shape": list(y.shape[1:])}
        print(name, method, x.shape, "->", y.shape, flush=True)
    with open(os.path.join(OUT, "references.json"), "w") as f:
        json.dump(summary, f, indent=1, sort_keys=True)


def render(results_path):
    with open(results_path) as f:
        results = json.load(f)
    with open(os.path.join(CORPUS, "MANIFEST.tsv")) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    short = lambda s: (s or "").split(" (")[0].split(";")[0]
    lines = [
        "| file | Keras version | backend | Keras 3.15 loads | tf-keras 2.21 loads | WeightBridge | max difference |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        r = results.get(row["file"], {"status": "not run"})
        diff = "%.1e" % r["maxDifference"] if r.get("maxDifference") is not None else "-"
        status = r["status"] + (": " + r["detail"] if r.get("detail") else "")
        lines.append("| `%s` | %s | %s | %s | %s | %s | %s |" % (
            row["file"], short(row["keras_version"]) or "-", short(row["backend"]) or "-",
            short(row["keras3_loads"]) or "-", short(row["tfkeras_loads"]) or "-", status.replace("|", "/"), diff))
    doc_path = os.path.join(ROOT, "Docs", "compatibility.md")
    with open(doc_path) as f:
        doc = f.read()
    begin, end = "<!-- corpus-table:begin -->", "<!-- corpus-table:end -->"
    head, rest = doc.split(begin)
    _, tail = rest.split(end)
    with open(doc_path, "w") as f:
        f.write(head + begin + "\n" + "\n".join(lines) + "\n" + end + tail)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--render-doc":
        render(sys.argv[2])
    else:
        generate()
