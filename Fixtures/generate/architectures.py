"""Real keras.applications graph architectures and small graph models for the graph-model parity tests.

Not committed: the files are large (ResNet50 is ~95 MB). The Swift tests run this script once into a cache
directory (see Tests/TestSupport/ArchitectureFixtures.swift) and reuse it while the script is unchanged.

Usage: python architectures.py OUT_DIR

For each model NAME it writes NAME.h5 (legacy HDF5, `model.save`), NAME.keras (Keras 3's own format),
NAME.x<i>.npy (inputs) and NAME.y<j>.npy (Keras' outputs), and a manifest.json listing the models with their input
and output names. The residual CNN is also saved with `save_weights` (NAME.weights.h5) beside its `to_json()`. Weights are random
(seeded), BatchNormalization moving statistics are set to non-trivial random values, and classifiers output
logits (classifier_activation=None) so outputs are compared unsaturated.
"""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
import numpy as np
import keras

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(12345)
keras.utils.set_random_seed(7)


def randomize_batchnorm(model):
    """Non-trivial moving statistics (and gamma/beta), so a wrong axis or epsilon shows."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            weights = []
            for w in layer.weights:
                name = w.path.split("/")[-1]
                shape = tuple(w.shape)
                if name == "moving_variance":
                    weights.append(rng.uniform(0.5, 1.5, shape).astype("float32"))
                elif name == "gamma":
                    weights.append(rng.uniform(0.8, 1.2, shape).astype("float32"))
                else:
                    weights.append(rng.normal(0, 0.1, shape).astype("float32"))
            layer.set_weights(weights)


def save(name, model, inputs):
    randomize_batchnorm(model)
    model.save(os.path.join(out, name + ".h5"))
    model.save(os.path.join(out, name + ".keras"))
    outputs = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    for i, x in enumerate(inputs):
        np.save(os.path.join(out, f"{name}.x{i}.npy"), x)
    for j, y in enumerate(outputs):
        np.save(os.path.join(out, f"{name}.y{j}.npy"), np.asarray(y, dtype="float32"))
    manifest.append({
        "name": name, "inputs": [t.name for t in model.inputs] if hasattr(model.inputs[0], "name") else [],
        "input_layers": [l.name for l in model.layers if isinstance(l, keras.layers.InputLayer)],
        "outputs": len(outputs), "layers": len(model.layers),
    })


manifest = []
apps = keras.applications
image = lambda size: rng.uniform(-1, 1, (3, size, size, 3)).astype("float32")
for name, build, size in [
    ("resnet50", apps.ResNet50, 32),
    ("resnet50v2", apps.ResNet50V2, 32),
    ("densenet121", apps.DenseNet121, 32),
    ("inceptionv3", apps.InceptionV3, 75),
]:
    model = build(weights=None, input_shape=(size, size, 3), classes=10, classifier_activation=None)
    save(name, model, [image(size)])

# Two inputs, two outputs, a shared layer called twice, InputLayers anywhere, Add/Subtract/Multiply/Average/
# Maximum/Minimum/Concatenate with broadcasting.
a = keras.Input((6,), name="features")
b = keras.Input((4, 4, 2), name="image")
shared = keras.layers.Dense(6, activation="tanh", name="shared")
h1 = shared(a)
h2 = shared(keras.layers.Dense(6, name="project")(keras.layers.Flatten(name="flat")(b)))
merged = keras.layers.Concatenate(name="concat")([
    keras.layers.Add(name="add")([h1, h2]), keras.layers.Subtract(name="sub")([h1, h2]),
    keras.layers.Multiply(name="mul")([h1, h2]), keras.layers.Average(name="avg")([h1, h2]),
    keras.layers.Maximum(name="max")([h1, h2]), keras.layers.Minimum(name="min")([h1, h2]),
])
conv = keras.layers.Conv2D(2, 3, padding="same", name="conv")(b)
scaled = keras.layers.Multiply(name="gate")([conv, keras.layers.Reshape((1, 1, 2), name="se")(keras.layers.Dense(2, activation="sigmoid", name="se_dense")(keras.layers.GlobalAveragePooling2D(name="gap")(conv)))])
side = keras.layers.Concatenate(axis=1, name="concat_h")([scaled, b])
out1 = keras.layers.Dense(3, name="logits")(merged)
out2 = keras.layers.Dense(2, name="side")(keras.layers.Flatten(name="flat2")(side))
two = keras.Model([a, b], [out1, out2], name="two_in_two_out")
save("two_in_two_out", two, [rng.normal(size=(5, 6)).astype("float32"), rng.normal(size=(5, 4, 4, 2)).astype("float32")])

# A small residual CNN, trainable in Swift.
x = keras.Input((8, 8, 1), name="pixels")
c1 = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="c1")(x)
c2 = keras.layers.Conv2D(4, 3, padding="same", name="c2")(c1)
r = keras.layers.Activation("relu", name="r")(keras.layers.Add(name="res")([c1, c2]))
p = keras.layers.GlobalAveragePooling2D(name="pool")(r)
cat = keras.layers.Concatenate(name="cat")([p, keras.layers.GlobalMaxPooling2D(name="maxpool")(c1)])
logits = keras.layers.Dense(3, activation="softmax", name="probs")(cat)
residual = keras.Model(x, logits, name="residual_cnn")
save("residual_cnn", residual, [rng.uniform(0, 1, (6, 8, 8, 1)).astype("float32")])
residual.save_weights(os.path.join(out, "residual_cnn.weights.h5"))
with open(os.path.join(out, "residual_cnn.json"), "w") as f:
    f.write(residual.to_json())

# Nested models: a Sequential block called twice (shared weights) inside a Functional model, itself nested.
block = keras.Sequential([keras.Input((6,)), keras.layers.Dense(5, activation="relu"), keras.layers.BatchNormalization(),
                          keras.layers.Dense(6)], name="block")
inner_in = keras.Input((6,), name="inner_in")
inner = keras.Model(inner_in, keras.layers.Add(name="inner_add")([block(inner_in), inner_in]), name="inner")
outer_in = keras.Input((6,), name="outer_in")
nested = keras.Model(outer_in, keras.layers.Dense(3, name="head")(inner(block(outer_in))), name="nested")
save("nested", nested, [rng.normal(size=(4, 6)).astype("float32")])

with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump({"keras": keras.__version__, "backend": keras.backend.backend(), "models": manifest}, f, indent=1)
print("wrote", len(manifest), "models to", out)
