"""Small Keras 3 models of the convolution, 1-D pooling and resizing layers, for the layer parity tests.

Not committed: the Swift tests run this script once into a cache directory (Tests/TestSupport/GeneratedFixtures.swift)
and reuse it while the script is unchanged. Takes ~20 s.

Usage: python convolution_layers.py OUT_DIR

For each model NAME it writes NAME.h5 (legacy HDF5, `model.save`), NAME.keras (Keras 3's own format),
NAME.x0.npy (the input) and NAME.y<j>.npy (Keras' outputs), and manifest.json listing the models. Weights are
random (seeded, biases included), settings non-trivial (strides, dilation, groups, padding, output padding,
channels_first), and no model ends in a saturating activation.
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


def save(name, inputs, outputs, x):
    model = keras.Model(inputs, outputs, name=name)
    for layer in model.layers:
        weights = [rng.normal(0, 0.5, tuple(w.shape)).astype("float32") for w in layer.weights]
        if weights:
            layer.set_weights(weights)
    model.save(os.path.join(out, name + ".h5"))
    model.save(os.path.join(out, name + ".keras"))
    ys = model.predict(x, verbose=0)
    ys = ys if isinstance(ys, (list, tuple)) else [ys]
    np.save(os.path.join(out, f"{name}.x0.npy"), x)
    for j, y in enumerate(ys):
        np.save(os.path.join(out, f"{name}.y{j}.npy"), np.asarray(y, dtype="float32"))
    manifest.append({"name": name, "outputs": len(ys), "classes": sorted({type(l).__name__ for l in model.layers})})


def data(*shape):
    return rng.normal(0, 1, (3,) + shape).astype("float32")


# DepthwiseConv2D: depth multiplier, strides with same padding, dilation, no bias.
x = keras.Input((9, 10, 3))
y = L.DepthwiseConv2D(3, depth_multiplier=2, strides=2, padding="same", activation="tanh")(x)
y = L.DepthwiseConv2D((2, 3), dilation_rate=2, padding="valid", use_bias=False)(y)
y2 = L.DepthwiseConv2D((3, 2), strides=(1, 2), padding="valid", depth_multiplier=3)(x)
save("depthwise", x, [y, y2], data(9, 10, 3))

# SeparableConv2D: depth multiplier, unequal strides, same padding; dilation without bias.
x = keras.Input((10, 9, 4))
y = L.SeparableConv2D(5, 3, depth_multiplier=2, strides=(2, 1), padding="same", activation="relu")(x)
y = L.SeparableConv2D(3, (2, 2), dilation_rate=2, use_bias=False)(y)
save("separable", x, y, data(10, 9, 4))

# Conv2D with dilation_rate and groups.
x = keras.Input((11, 10, 4))
y = L.Conv2D(6, 3, dilation_rate=(2, 1), padding="same")(x)
y = L.Conv2D(4, (3, 2), groups=2, strides=2, padding="valid", activation="tanh")(y)
y = L.Conv2D(8, 3, groups=4, dilation_rate=2, padding="same")(y)
save("conv2d_dilated_grouped", x, y, data(11, 10, 4))

# Conv2DTranspose: same and valid, strides, output padding, a kernel smaller than the stride.
x = keras.Input((5, 6, 3))
y = L.Conv2DTranspose(4, 3, strides=2, padding="same", activation="relu")(x)
y = L.Conv2DTranspose(3, (4, 3), strides=(2, 3), padding="valid")(y)
y2 = L.Conv2DTranspose(2, 3, strides=2, padding="same", output_padding=1)(x)
y3 = L.Conv2DTranspose(2, (4, 2), strides=(2, 3), padding="same", output_padding=(1, 2), use_bias=False)(x)
y4 = L.Conv2DTranspose(2, (2, 2), strides=3, padding="valid")(x)
save("conv_transpose", x, [y, y2, y3, y4], data(5, 6, 3))

# Conv1D: causal with dilation, same with strides and groups, valid with dilation.
x = keras.Input((20, 3))
y = L.Conv1D(4, 3, padding="causal", dilation_rate=2)(x)
y = L.Conv1D(6, 3, strides=2, padding="same", groups=2, activation="tanh")(y)
y = L.Conv1D(4, 2, padding="valid", dilation_rate=3)(y)
y2 = L.Conv1D(2, 4, strides=3, padding="causal", use_bias=False)(x)
save("conv1d", x, [y, y2], data(20, 3))

# 1-D pooling, global pooling with and without keepdims.
x = keras.Input((17, 4))
y = L.MaxPooling1D(3, strides=2, padding="same")(x)
y = L.AveragePooling1D(2, padding="same")(y)
y = L.AveragePooling1D(3, strides=1, padding="valid")(y)
outputs = [y, L.GlobalAveragePooling1D()(x), L.GlobalMaxPooling1D(keepdims=True)(x), L.MaxPooling1D(4)(x)]
save("pooling1d", x, outputs, data(17, 4))

# UpSampling2D nearest and bilinear; global 2-D pooling with keepdims.
x = keras.Input((4, 5, 3))
y = L.UpSampling2D((2, 3))(x)
y = L.Conv2D(2, 3, padding="same")(y)
y = L.UpSampling2D(2, interpolation="bilinear")(y)
outputs = [y, L.UpSampling2D((3, 2), interpolation="bilinear")(x), L.GlobalMaxPooling2D(keepdims=True)(x),
           L.GlobalAveragePooling2D(keepdims=True)(x)]
save("upsampling", x, outputs, data(4, 5, 3))

# ZeroPadding1D, Cropping1D, UpSampling1D.
x = keras.Input((10, 3))
y = L.ZeroPadding1D((2, 1))(x)
y = L.Cropping1D((1, 3))(y)
y = L.UpSampling1D(3)(y)
y = L.Conv1D(2, 3)(y)
save("sequence_edges", x, y, data(10, 3))

# channels_first images: every 2-D layer of this file that takes data_format.
x = keras.Input((3, 8, 9))
y = L.DepthwiseConv2D(3, depth_multiplier=2, data_format="channels_first")(x)
y = L.SeparableConv2D(4, 3, padding="same", data_format="channels_first")(y)
y = L.Conv2DTranspose(3, 3, strides=2, data_format="channels_first")(y)
y = L.UpSampling2D(2, interpolation="bilinear", data_format="channels_first")(y)
y = L.Conv2D(4, 3, dilation_rate=2, groups=1, data_format="channels_first")(y)
outputs = [y, L.GlobalAveragePooling2D(data_format="channels_first", keepdims=True)(y),
           L.UpSampling2D((1, 2), data_format="channels_first")(x)]
save("channels_first_2d", x, outputs, data(3, 8, 9))

# channels_first sequences: (channels, steps).
x = keras.Input((3, 12))
y = L.Conv1D(4, 3, padding="same", data_format="channels_first")(x)
y = L.MaxPooling1D(2, data_format="channels_first")(y)
y = L.ZeroPadding1D(1, data_format="channels_first")(y)
y = L.AveragePooling1D(2, data_format="channels_first")(y)
outputs = [y, L.GlobalMaxPooling1D(data_format="channels_first", keepdims=True)(y),
           L.GlobalAveragePooling1D(data_format="channels_first")(x)]
save("channels_first_1d", x, outputs, data(3, 12))

with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump({"keras": keras.__version__, "backend": keras.backend.backend(), "models": manifest}, f, indent=1)
print("wrote", len(manifest), "models to", out)
