"""Generates Fixtures/nn/: Keras 3 (JAX backend) reference outputs, gradients and optimizer steps for the
NeuralNet tests.

Run: /root/.cache/weightbridge/venv/bin/python Fixtures/generate/nn_fixtures.py
Writes raw little-endian arrays (<name>.bin) and manifest.json mapping each array name to
{"file", "dtype" ("f4" or "f8"), "shape"}. Deterministic: fixed seeds throughout.
Inference cases are float32; the gradient and optimizer cases are float64 (jax_enable_x64) so the comparison
measures the algorithm rather than float32 rounding.
"""

import json
import zlib
import os
import pathlib

os.environ["KERAS_BACKEND"] = "jax"
import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent.parent / "nn"
OUT.mkdir(parents=True, exist_ok=True)
manifest = {"versions": {"keras": keras.__version__, "jax": jax.__version__, "numpy": np.__version__}, "arrays": {}}


def save(name, array, dtype):
    a = np.ascontiguousarray(np.asarray(array, dtype=dtype))
    a.astype(a.dtype.newbyteorder("<")).tofile(OUT / f"{name}.bin")
    manifest["arrays"][name] = {"file": f"{name}.bin", "dtype": "f4" if dtype == np.float32 else "f8", "shape": list(a.shape)}


def randomize_weights(model, rng):
    # Weights from the script's own numpy generator (Keras' first seeded draw was not reproducible across runs),
    # with random, non-zero biases so the parity tests check the bias path too.
    for layer in model.layers:
        if layer.weights:
            w = layer.get_weights()
            fan = int(np.prod(w[0].shape[:-1]))
            w[0] = rng.uniform(-1, 1, size=w[0].shape).astype(w[0].dtype) * np.sqrt(3.0 / fan).astype(w[0].dtype)
            if len(w) > 1:
                w[1] = rng.normal(0, 0.3, size=w[1].shape).astype(w[1].dtype)
            layer.set_weights(w)


def formula_weights(model):
    # Weights any language can rebuild bit for bit (integer arithmetic, one IEEE division and multiply, then a
    # rounding to float32), so the seed CNN's 225k weights need not be committed:
    # kernel[i] = ((i * 7919) % 2003 - 1001) / 1001 * sqrt(6 / (fan_in + fan_out)), bias[j] = ((j * 31) % 17 - 8) / 80.
    for layer in model.layers:
        if not layer.weights:
            continue
        kernel, bias = layer.get_weights()
        shape = kernel.shape
        receptive = int(np.prod(shape[:-2])) if len(shape) == 4 else 1
        fan_in, fan_out = receptive * shape[-2], receptive * shape[-1]
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        i = np.arange(kernel.size, dtype=np.int64)
        k = (((i * 7919) % 2003 - 1001) / 1001.0 * limit).astype(np.float32).reshape(shape)
        j = np.arange(bias.size, dtype=np.int64)
        b = (((j * 31) % 17 - 8) / 80.0).astype(np.float32)
        layer.set_weights([k, b])


def inference_case(name, input_shape, layers, batch, rng, dtype=np.float32, save_weights=True):
    keras.utils.set_random_seed(zlib.crc32(name.encode()))
    model = keras.Sequential([keras.Input(shape=input_shape, dtype="float32" if dtype == np.float32 else "float64")] + layers)
    if save_weights:
        randomize_weights(model, rng)
    else:
        formula_weights(model)
    x = rng.uniform(-1, 1, size=(batch,) + tuple(input_shape)).astype(dtype)
    y = np.asarray(model(x, training=False))
    save(f"{name}.x", x, dtype)
    save(f"{name}.y", y, dtype)
    for i, layer in enumerate(model.layers):
        for j, w in enumerate(layer.get_weights() if save_weights else []):
            save(f"{name}.w{i}.{j}", w, dtype)


L = keras.layers
rng = np.random.default_rng(20240601)
inference_case("conv_valid_relu", (5, 6, 2), [L.Conv2D(3, (3, 3), padding="valid", activation="relu")], 2, rng)
inference_case("conv_same_stride2_tanh", (7, 8, 3), [L.Conv2D(4, (3, 2), strides=2, padding="same", activation="tanh")], 2, rng)
inference_case(
    "conv_valid_stride23_sigmoid_nobias", (9, 7, 2),
    [L.Conv2D(2, (2, 3), strides=(2, 3), padding="valid", activation="sigmoid", use_bias=False)], 2, rng)
inference_case("conv_same_even_kernel", (6, 5, 1), [L.Conv2D(2, (4, 4), padding="same")], 2, rng)
inference_case("pool_same_odd", (7, 5, 3), [L.MaxPooling2D((2, 2), strides=2, padding="same")], 2, rng)
inference_case("pool_valid_3s2", (7, 9, 2), [L.MaxPooling2D((3, 3), strides=2, padding="valid")], 2, rng)
inference_case("pool_same_3x2_s12", (5, 7, 2), [L.MaxPooling2D((3, 2), strides=(1, 2), padding="same")], 2, rng)
for act in ["relu", "sigmoid", "tanh", "softmax", "linear"]:
    inference_case(f"dense_{act}", (10,), [L.Dense(7, activation=act)], 4, rng)
inference_case("dense_nobias", (10,), [L.Dense(3, use_bias=False)], 4, rng)
inference_case("dense_dropout_softmax_layer", (6,), [L.Dense(5), L.Dropout(0.5), L.Activation("softmax")], 3, rng)
inference_case(
    "seed_cnn", (28, 28, 1),
    [L.Conv2D(32, (3, 3), activation="relu"), L.MaxPooling2D((2, 2)), L.Conv2D(64, (3, 3), activation="relu"),
     L.MaxPooling2D((2, 2)), L.Flatten(), L.Dense(128, activation="relu"), L.Dense(10, activation="softmax")], 8, rng,
    save_weights=False)
inference_case("mlp_float64", (12,), [L.Dense(16, activation="relu", dtype="float64"),
                                     L.Dense(10, activation="softmax", dtype="float64")], 5, rng, dtype=np.float64)

# Gradients of the mean sparse categorical cross-entropy, float64, for a tiny CNN with every layer kind.
keras.config.set_floatx("float64")
keras.config.set_dtype_policy("float64")  # the policy was fixed to float32 by the first model; reset it too
keras.utils.set_random_seed(7)
grad_model = keras.Sequential([
    keras.Input(shape=(9, 8, 2)),
    L.Conv2D(3, (3, 3), padding="same", activation="relu"),
    L.MaxPooling2D((2, 2), padding="same"),
    # No tanh here: XLA's CPU tanh is only float32-accurate (~3e-8) even for float64; tanh's gradient is checked
    # with tf-keras below.
    L.Conv2D(4, (2, 2), strides=2, padding="valid", activation="linear"),
    L.Flatten(),
    L.Dense(6, activation="sigmoid"),
    L.Dense(3, activation="softmax"),
])
randomize_weights(grad_model, rng)
gx = rng.uniform(-1, 1, size=(4, 9, 8, 2))
labels = np.array([0, 2, 1, 2])
save("grad.x", gx, np.float64)
save("grad.labels", labels, np.float64)
loss_fn = keras.losses.SparseCategoricalCrossentropy()
trainable = [v.value for v in grad_model.trainable_variables]
non_trainable = [v.value for v in grad_model.non_trainable_variables]


def loss_of(tv, x):
    y, _ = grad_model.stateless_call(tv, non_trainable, x, training=True)
    return loss_fn(labels, y)


loss, (grads, dx) = jax.value_and_grad(loss_of, argnums=(0, 1))(trainable, jnp.asarray(gx))
save("grad.loss", np.array([loss]), np.float64)
save("grad.dx", dx, np.float64)
probabilities = np.asarray(grad_model(gx))
save("grad.y", probabilities, np.float64)
onehot = np.eye(3)[labels]
save("grad.onehot_loss", np.array([keras.losses.CategoricalCrossentropy()(onehot, probabilities)]), np.float64)
for k, v in enumerate(grad_model.trainable_variables):
    save(f"grad.w{k}", np.asarray(v.value), np.float64)
    save(f"grad.g{k}", np.asarray(grads[k]), np.float64)

# Two Adam steps (learning rate 0.01, Keras defaults otherwise) and one SGD step with those gradients.
variables = [keras.Variable(np.asarray(v.value)) for v in grad_model.trainable_variables]
adam = keras.optimizers.Adam(learning_rate=0.01)
adam.apply([jnp.asarray(g) for g in grads], variables)
for k, v in enumerate(variables):
    save(f"adam1.w{k}", np.asarray(v.value), np.float64)
adam.apply([jnp.asarray(g) * 0.5 for g in grads], variables)
for k, v in enumerate(variables):
    save(f"adam2.w{k}", np.asarray(v.value), np.float64)
variables = [keras.Variable(np.asarray(v.value)) for v in grad_model.trainable_variables]
keras.optimizers.SGD(learning_rate=0.1).apply([jnp.asarray(g) for g in grads], variables)
for k, v in enumerate(variables):
    save(f"sgd1.w{k}", np.asarray(v.value), np.float64)

# tanh and standalone activation gradients in float64 with tf-keras (TensorFlow's tanh is float64-accurate).
import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402

tf_keras.backend.set_floatx("float64")
tanh_model = tf_keras.Sequential([
    tf_keras.Input(shape=(5,)),
    tf_keras.layers.Dense(4, activation="tanh"),
    tf_keras.layers.Dense(3),
    tf_keras.layers.Activation("softmax"),
])
for layer in tanh_model.layers:
    if layer.weights:
        k, b = layer.get_weights()
        layer.set_weights([rng.uniform(-1, 1, size=k.shape), rng.normal(0, 0.3, size=b.shape)])
tx = rng.uniform(-1, 1, size=(6, 5))
tlabels = np.array([0, 1, 2, 2, 1, 0])
with tf.GradientTape() as tape:
    tloss = tf_keras.losses.SparseCategoricalCrossentropy()(tlabels, tanh_model(tx, training=True))
tgrads = tape.gradient(tloss, tanh_model.trainable_variables)
save("tanh.x", tx, np.float64)
save("tanh.labels", tlabels, np.float64)
save("tanh.loss", np.array([float(tloss)]), np.float64)
for k, v in enumerate(tanh_model.trainable_variables):
    save(f"tanh.w{k}", v.numpy(), np.float64)
    save(f"tanh.g{k}", tgrads[k].numpy(), np.float64)
manifest["versions"]["tf_keras"] = tf_keras.__version__
manifest["versions"]["tensorflow"] = tf.__version__

(OUT / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
print(f"wrote {len(manifest['arrays'])} arrays to {OUT}")
assert all(v.dtype == "float64" for v in grad_model.weights), "gradient model must be float64"
