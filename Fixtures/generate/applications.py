"""keras.applications architectures and three hand-built models (a U-Net, a text model, an LSTM/GRU model), saved by
Keras 3 both as `.keras` and as legacy `.h5`, for the architecture table in Docs/compatibility.md.

Not committed (the files are large): the Swift tests run this script once into a cache directory
(Tests/TestSupport/GeneratedFixtures.swift) and reuse it while the script is unchanged.

Usage: python applications.py OUT_DIR

For each model NAME: NAME.h5, NAME.keras, NAME.x0.npy (inputs) and NAME.y0.npy (Keras' outputs, logits: the
classifiers are built with classifier_activation=None so outputs are compared unsaturated), and manifest.json with
the model's family, Keras class counts and parameter count. Weights are random (seeded); BatchNormalization and
Normalization statistics are set to non-trivial values so a wrong axis or epsilon shows.
"""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
import numpy as np
import keras
from keras import layers

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(2024)
keras.utils.set_random_seed(11)
manifest = []


def randomize_statistics(model):
    for layer in model._flatten_layers(include_self=False) if hasattr(model, "_flatten_layers") else model.layers:
        if isinstance(layer, (layers.BatchNormalization, layers.LayerNormalization)):
            values = []
            for w in layer.weights:
                leaf = w.path.split("/")[-1]
                shape = tuple(w.shape)
                if leaf in ("moving_variance",):
                    values.append(rng.uniform(0.5, 1.5, shape).astype("float32"))
                elif leaf == "gamma":
                    values.append(rng.uniform(0.8, 1.2, shape).astype("float32"))
                else:
                    values.append(rng.normal(0, 0.1, shape).astype("float32"))
            layer.set_weights(values)


def save(name, family, model, x):
    randomize_statistics(model)
    model.save(os.path.join(out, name + ".h5"))
    model.save(os.path.join(out, name + ".keras"))
    y = model.predict(x, verbose=0)
    np.save(os.path.join(out, name + ".x0.npy"), x)
    np.save(os.path.join(out, name + ".y0.npy"), np.asarray(y, dtype="float32"))
    classes = sorted({l.__class__.__name__ for l in model._flatten_layers(include_self=False)})
    manifest.append({"name": name, "family": family, "parameters": int(model.count_params()), "layers": len(model.layers),
                     "classes": classes})
    print(name, flush=True)


apps = keras.applications
image = lambda size: rng.uniform(0, 255, (2, size, size, 3)).astype("float32")
for name, family, build, size in [
    ("vgg16", "VGG", apps.VGG16, 32),
    ("resnet50", "ResNet", apps.ResNet50, 32),
    ("resnet50v2", "ResNetV2", apps.ResNet50V2, 32),
    ("mobilenet", "MobileNet", apps.MobileNet, 32),
    ("mobilenetv2", "MobileNetV2", apps.MobileNetV2, 32),
    ("mobilenetv3small", "MobileNetV3", apps.MobileNetV3Small, 32),
    ("densenet121", "DenseNet", apps.DenseNet121, 32),
    ("efficientnetb0", "EfficientNet", apps.EfficientNetB0, 32),
    ("efficientnetv2b0", "EfficientNetV2", apps.EfficientNetV2B0, 32),
    ("inceptionv3", "InceptionV3", apps.InceptionV3, 75),
    ("xception", "Xception", apps.Xception, 71),
    ("convnext_tiny", "ConvNeXt", apps.ConvNeXtTiny, 32),
]:
    save(name, family, build(weights=None, input_shape=(size, size, 3), classes=10, classifier_activation=None), image(size))

# A small U-Net: Conv2D, MaxPooling2D, Conv2DTranspose, UpSampling2D (nearest and bilinear), Concatenate.
x = keras.Input((16, 16, 3))
c1 = layers.Conv2D(4, 3, padding="same", activation="relu")(x)
p1 = layers.MaxPooling2D()(c1)
c2 = layers.Conv2D(8, 3, padding="same", activation="relu")(p1)
p2 = layers.MaxPooling2D()(c2)
b = layers.Conv2D(8, 3, padding="same", activation="relu")(p2)
u2 = layers.Conv2DTranspose(8, 2, strides=2, padding="same")(b)
m2 = layers.Concatenate()([u2, c2])
d2 = layers.Conv2D(8, 3, padding="same", activation="relu")(m2)
u1 = layers.UpSampling2D(interpolation="bilinear")(d2)
m1 = layers.Concatenate()([u1, c1, layers.UpSampling2D()(layers.MaxPooling2D()(c1))])
logits = layers.Conv2D(2, 1)(layers.Conv2D(4, 3, padding="same", activation="relu")(m1))
save("unet", "U-Net", keras.Model(x, logits, name="unet"), rng.normal(size=(2, 16, 16, 3)).astype("float32"))

# A text model: Embedding, Conv1D, 1-D pooling, LayerNormalization.
tokens = keras.Input((20,), dtype="int32")
e = layers.Embedding(50, 8)(tokens)
h = layers.Conv1D(8, 3, padding="causal", dilation_rate=2, activation="relu")(e)
h = layers.LayerNormalization()(layers.MaxPooling1D(2)(h))
h = layers.Conv1D(6, 3, padding="same", activation="gelu")(h)
h = layers.Concatenate()([layers.GlobalAveragePooling1D()(h), layers.GlobalMaxPooling1D()(h)])
save("text_cnn", "text CNN", keras.Model(tokens, layers.Dense(4)(h), name="text_cnn"),
     rng.integers(0, 50, (3, 20)).astype("int32"))

# A recurrent model: LSTM and GRU (reset_after), Bidirectional.
seq = keras.Input((7, 5))
r = layers.LSTM(6, return_sequences=True)(seq)
r = layers.Bidirectional(layers.GRU(4, return_sequences=True))(r)
r = layers.GRU(5, reset_after=False)(r)
save("lstm_gru", "LSTM/GRU", keras.Model(seq, layers.Dense(3)(r), name="lstm_gru"), rng.normal(size=(3, 7, 5)).astype("float32"))

with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump({"keras": keras.__version__, "backend": keras.backend.backend(), "models": manifest}, f, indent=1)
print("wrote", len(manifest), "models to", out)
