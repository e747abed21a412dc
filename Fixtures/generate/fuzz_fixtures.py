"""Seed corpora for the Keras/HDF5 libFuzzer harnesses (scripts/fuzz.sh).

    /root/.cache/weightbridge/venv/bin/python Fixtures/generate/fuzz_fixtures.py

- Fixtures/fuzz/keras_config/corpus/<fixture>.json: the root `model_config` attribute of every Fixtures/h5/*.h5
  that has one (read with h5py), byte for byte, plus two hand-written edge cases.
- Fixtures/fuzz/keras_yaml/corpus/<fixture>.yaml: the same configurations written as block-style YAML (lists that
  Keras 2's to_yaml() wrote as tuples are tagged !!python/tuple, as Keras 2 did), plus two refused-tag cases.
- Fixtures/fuzz/h5/corpus/: copies of the Fixtures/h5 files under 20 KB (libFuzzer's -max_len is 65536).
Deterministic: no randomness.
"""
import glob
import json
import os
import shutil

import h5py

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "fuzz")
TUPLE_KEYS = {"batch_input_shape", "kernel_size", "strides", "pool_size", "dilation_rate", "target_shape",
              "padding", "cropping", "dims", "input_shape", "batch_shape", "shape"}


def scalar(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return json.dumps(v)  # a double-quoted YAML scalar


def emit(v, indent, key=None):
    pad = "  " * indent
    lines = []
    if isinstance(v, dict):
        if not v:
            return [pad + "{}"]
        for k, item in v.items():
            if isinstance(item, (dict, list)) and item:
                tag = " !!python/tuple" if isinstance(item, list) and k in TUPLE_KEYS else ""
                lines.append(f"{pad}{k}:{tag}")
                lines += emit(item, indent + 1, k)
            else:
                lines.append(f"{pad}{k}: {scalar(item) if not isinstance(item, (dict, list)) else ('{}' if isinstance(item, dict) else '[]')}")
        return lines
    for item in v:
        if isinstance(item, (dict, list)) and item:
            sub = emit(item, indent + 1, key)
            lines.append(pad + "- " + sub[0].lstrip())
            lines += sub[1:]
        else:
            lines.append(pad + "- " + scalar(item))
    return lines


def main():
    for sub in ("keras_config", "keras_yaml", "h5"):
        d = os.path.join(OUT, sub, "corpus")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    for path in sorted(glob.glob(os.path.join(ROOT, "h5", "*.h5"))):
        stem = os.path.basename(path)[:-3]
        if os.path.getsize(path) <= 20000:
            shutil.copy(path, os.path.join(OUT, "h5", "corpus", os.path.basename(path)))
        with h5py.File(path, "r") as f:
            config = f.attrs.get("model_config")
        if config is None:
            continue
        if isinstance(config, bytes):
            config = config.decode("utf-8")
        with open(os.path.join(OUT, "keras_config", "corpus", stem + ".json"), "w") as out:
            out.write(config)
        with open(os.path.join(OUT, "keras_yaml", "corpus", stem + ".yaml"), "w") as out:
            out.write("\n".join(emit(json.loads(config), 0)) + "\n")
    extra_json = {
        "lambda.json": '{"class_name": "Sequential", "config": {"layers": [{"class_name": "Lambda", "config": {"name": "l", "function": ["4wEAAAAAAAAA", null, null]}}]}}',
        "deep.json": "[" * 70 + "]" * 70,
    }
    for name, text in extra_json.items():
        with open(os.path.join(OUT, "keras_config", "corpus", name), "w") as out:
            out.write(text)
    extra_yaml = {
        "python_object.yaml": "class_name: Sequential\nconfig: !!python/object/apply:os.system [\"true\"]\n",
        "aliases.yaml": "a: &a [1, 2, 3]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\nclass_name: Sequential\nconfig: {layers: []}\n",
    }
    for name, text in extra_yaml.items():
        with open(os.path.join(OUT, "keras_yaml", "corpus", name), "w") as out:
            out.write(text)


if __name__ == "__main__":
    main()
