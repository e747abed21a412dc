"""Small recurrent models (SimpleRNN, LSTM, GRU with reset_after true and false, go_backwards, return_sequences,
Bidirectional in every merge mode, TimeDistributed over Dense and Conv2D) and a text-style LSTM -> GRU -> Dense model,
for the recurrent parity tests.

Not committed: the Swift tests run this script once into a cache directory (Tests/TestSupport/GeneratedFixtures.swift)
and reuse it while the script is unchanged.

Usage: python recurrent.py OUT_DIR

For each model NAME it writes NAME.h5 (legacy HDF5, `model.save`), NAME.keras (Keras 3's own format), NAME.x0.npy
(inputs) and NAME.y0.npy (Keras' outputs), and manifest.json. Every weight (biases and recurrent kernels included)
is random and non-zero, so a gate order, a bias row or a time direction that is wrong shows.
"""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
import numpy as np
import keras
from keras import layers as L

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(2024)
keras.utils.set_random_seed(11)
manifest = []


def randomize(model):
    for layer in model.layers:
        if layer.weights:
            layer.set_weights([rng.normal(0, 0.5, tuple(w.shape)).astype("float32") for w in layer.weights])


def save(name, model, x):
    randomize(model)
    model.save(os.path.join(out, name + ".h5"))
    model.save(os.path.join(out, name + ".keras"))
    y = model.predict(x, verbose=0)
    np.save(os.path.join(out, f"{name}.x0.npy"), x)
    np.save(os.path.join(out, f"{name}.y0.npy"), np.asarray(y, dtype="float32"))
    manifest.append({"name": name, "outputs": 1, "layers": len(model.layers)})


def sequences(steps, features, batch=4):
    return rng.normal(0, 1, (batch, steps, features)).astype("float32")


def chain(name, steps, features, *layers):
    x = keras.Input((steps, features), name="tokens")
    y = x
    for layer in layers:
        y = layer(y)
    save(name, keras.Model(x, y, name=name), sequences(steps, features))


chain("simple_rnn", 6, 3, L.SimpleRNN(5, return_sequences=True, activation="relu"), L.SimpleRNN(4, go_backwards=True))
chain("simple_rnn_no_bias", 5, 3, L.SimpleRNN(4, use_bias=False, activation="tanh", return_sequences=True, go_backwards=True))
chain("lstm", 7, 3, L.LSTM(5, return_sequences=True), L.LSTM(4, go_backwards=True, recurrent_activation="tanh"))
chain("lstm_backward_sequences", 5, 2, L.LSTM(3, return_sequences=True, go_backwards=True, use_bias=False))
chain("gru_reset_after", 6, 3, L.GRU(5, return_sequences=True, reset_after=True), L.GRU(4, reset_after=True, go_backwards=True))
chain("gru_reset_before", 6, 3, L.GRU(5, return_sequences=True, reset_after=False, activation="relu"),
      L.GRU(4, reset_after=False, go_backwards=True))
chain("gru_no_bias", 4, 2, L.GRU(3, use_bias=False, return_sequences=True))
for mode in ["concat", "sum", "mul", "ave"]:
    chain(f"bidirectional_{mode}", 5, 3, L.Bidirectional(L.LSTM(4, return_sequences=True), merge_mode=mode),
          L.Bidirectional(L.GRU(3, reset_after=False), merge_mode=mode))
chain("bidirectional_backward_layer", 5, 3,
      L.Bidirectional(L.SimpleRNN(4, return_sequences=True), backward_layer=L.GRU(2, return_sequences=True, go_backwards=True)))
chain("time_distributed_dense", 5, 3, L.TimeDistributed(L.Dense(4, activation="tanh")), L.LSTM(3, return_sequences=True),
      L.TimeDistributed(L.Dense(2)))

# TimeDistributed over a strided, padded Conv2D on a sequence of small images.
frames = keras.Input((3, 6, 5, 2), name="frames")
c = L.TimeDistributed(L.Conv2D(3, (3, 2), strides=(2, 1), padding="same", activation="relu"))(frames)
c = L.TimeDistributed(L.Flatten())(c)
c = L.GRU(4)(c)
save("time_distributed_conv", keras.Model(frames, c, name="time_distributed_conv"),
     rng.normal(0, 1, (3, 3, 6, 5, 2)).astype("float32"))

# The text-style model: float sequences (Embedding is another layer's work) -> LSTM -> GRU -> Dense logits.
chain("text_lstm_gru", 12, 8, L.LSTM(16, return_sequences=True), L.GRU(8), L.Dense(5))

with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump({"keras": keras.__version__, "backend": keras.backend.backend(), "models": manifest}, f, indent=1)
print("wrote", len(manifest), "models to", out)
