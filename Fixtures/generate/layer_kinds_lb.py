"""Small Keras models for the normalisation, preprocessing, activation and embedding layer kinds (issue 13).

Not committed: the Swift tests (Tests/BridgeTests/LayerKindParityTests.swift) run this script once into a cache
directory (Tests/TestSupport/GeneratedFixtures.swift) and reuse it while the script is unchanged.

Usage: python layer_kinds_lb.py OUT_DIR

For each model NAME it writes NAME.h5 (legacy HDF5, `model.save`), NAME.keras (Keras 3's own format),
NAME.x<i>.npy (inputs) and NAME.y<j>.npy (Keras' outputs), and manifest.json. Weights are random (seeded), with
non-trivial LayerNormalization/BatchNormalization/PReLU/LayerScale values. `hard_sigmoid_keras2` is written by
tf-keras 2 (NAME.h5 only), whose hard_sigmoid is the old clip(0.2 x + 0.5, 0, 1).
"""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
import numpy as np
import keras
from keras import layers
from keras.src.applications.convnext import LayerScale

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(2024)
keras.utils.set_random_seed(11)
manifest = []


def randomize(model):
    """Random values for every variable Keras initialises to constants (gamma, beta, alpha, statistics)."""
    for layer in model.layers:
        if isinstance(layer, (layers.LayerNormalization, layers.BatchNormalization, layers.PReLU, LayerScale)):
            values = []
            for w in layer.weights:
                name = w.path.split("/")[-1]
                shape = tuple(w.shape)
                if name in ("moving_variance", "gamma") or isinstance(layer, LayerScale):
                    values.append(rng.uniform(0.5, 1.5, shape).astype("float32"))
                else:
                    values.append(rng.normal(0, 0.3, shape).astype("float32"))
            layer.set_weights(values)


def save(name, model, inputs, formats=("h5", "keras")):
    randomize(model)
    for ext in formats:
        model.save(os.path.join(out, f"{name}.{ext}"))
    outputs = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    for i, x in enumerate(inputs):
        np.save(os.path.join(out, f"{name}.x{i}.npy"), x)
    for j, y in enumerate(outputs):
        np.save(os.path.join(out, f"{name}.y{j}.npy"), np.asarray(y, dtype="float32"))
    manifest.append({"name": name, "outputs": len(outputs), "formats": list(formats)})


# LayerNormalization over two axes and over the last without centering, Normalization with a stored mean and
# variance, Rescaling, BatchNormalization on axis 1 of a rank-3 input.
x = keras.Input((5, 6))
h = layers.LayerNormalization(axis=[1, 2], epsilon=1e-2)(x)
h = layers.LayerNormalization(axis=-1, center=False)(h)
h = layers.Normalization(axis=-1, mean=rng.normal(size=6).tolist(), variance=rng.uniform(0.5, 2, 6).tolist())(h)
h = layers.Rescaling(0.5, offset=0.25)(h)
h = layers.BatchNormalization(axis=1)(h)
h = layers.LayerNormalization(axis=1, scale=False)(h)
y = layers.Dense(4)(layers.Flatten()(h))
save("normalisation", keras.Model(x, y), [rng.normal(size=(4, 5, 6)).astype("float32") * 3])

# Normalization adapted to data: its statistics are variables (mean, variance, count), kept per (axis 1) row.
x = keras.Input((4, 3))
norm = layers.Normalization(axis=1)
norm.adapt(rng.normal(2, 3, size=(20, 4, 3)).astype("float32"))
y = layers.Dense(2)(layers.Flatten()(norm(x)))
save("adapted_normalization", keras.Model(x, y), [rng.normal(size=(3, 4, 3)).astype("float32")])

# Activation layers with settings: ReLU (cap, slope, threshold), PReLU (shared axis), ELU (alpha), Softmax on axis 1
# and on two axes.
x = keras.Input((6, 8))
h = layers.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.2)(x)
h = layers.Dense(8)(h)
h = layers.PReLU(shared_axes=[1])(h)
h = layers.ELU(alpha=0.7)(h)
a = layers.Softmax(axis=1)(h)
b = layers.Softmax(axis=[1, 2])(layers.Dense(4)(h))
c = layers.PReLU()(layers.Dense(3)(h))
save("activation_layers", keras.Model(x, [a, b, c]), [rng.normal(size=(4, 6, 8)).astype("float32") * 2])

# Activation functions by name, in Dense layers and Activation layers (Keras 3 formulas).
names = ["silu", "swish", "gelu", "hard_sigmoid", "hard_silu", "hard_swish", "relu6", "mish", "log_softmax", "leaky_relu"]
x = keras.Input((10,))
branches = [layers.Dense(6, activation=n, name=f"dense_{n}")(x) for n in names]
branches += [layers.Activation(n, name=f"act_{n}")(layers.Dense(6, name=f"pre_{n}")(x)) for n in names]
save("activation_functions", keras.Model(x, layers.Concatenate()(branches)), [rng.normal(size=(5, 10)).astype("float32") * 4])

# A text model: Embedding (integer indices as floats), the inference-identity layers, Reshape with -1, RepeatVector.
x = keras.Input((7,))
h = layers.Embedding(20, 6)(x)
h = layers.SpatialDropout1D(0.3)(h)
h = layers.GaussianNoise(0.1)(h)
h = layers.LayerNormalization()(h)
h = layers.Reshape((-1, 3))(h)
h = layers.GaussianDropout(0.2)(h)
h = layers.AlphaDropout(0.1)(h)
h = layers.ActivityRegularization(l1=0.01, l2=0.01)(h)
h = layers.Dense(8, activation="gelu")(layers.Flatten()(h))
h = layers.RepeatVector(3)(h)
y = layers.Dense(2)(h)
save("embedding_text", keras.Model(x, y), [rng.integers(0, 20, size=(5, 7)).astype("float32")])

# ConvNeXt's LayerScale after a convolution, with SpatialDropout2D.
x = keras.Input((5, 5, 3))
h = layers.Conv2D(8, 3, padding="same")(x)
h = layers.SpatialDropout2D(0.2)(h)
h = LayerScale(1e-6, 8)(h)
y = layers.Dense(3)(layers.GlobalAveragePooling2D()(h))
save("layer_scale", keras.Model(x, y), [rng.normal(size=(3, 5, 5, 3)).astype("float32")])

# tf-keras 2: hard_sigmoid meant clip(0.2 x + 0.5, 0, 1).
import tf_keras

x2 = tf_keras.Input((6,))
legacy = tf_keras.Model(x2, tf_keras.layers.Dense(5, activation="hard_sigmoid")(tf_keras.layers.Dense(6)(x2)))
legacy.save(os.path.join(out, "hard_sigmoid_keras2.h5"))
inputs = rng.normal(size=(4, 6)).astype("float32") * 4
np.save(os.path.join(out, "hard_sigmoid_keras2.x0.npy"), inputs)
np.save(os.path.join(out, "hard_sigmoid_keras2.y0.npy"), legacy.predict(inputs, verbose=0).astype("float32"))
manifest.append({"name": "hard_sigmoid_keras2", "outputs": 1, "formats": ["h5"]})

with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump({"keras": keras.__version__, "tf_keras": tf_keras.__version__, "models": manifest}, f, indent=1)
print("wrote", len(manifest), "models to", out)
