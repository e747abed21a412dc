"""Makes the .safetensors fixtures in Fixtures/safetensors/ and their expected values (expected.json).

Rerun: /root/.cache/weightbridge/venv/bin/python Fixtures/generate/safetensors_fixtures.py
Good files are written by the real `safetensors` package (safetensors.numpy.save_file; bfloat16 through
ml_dtypes, which jax installs); bad files are that output patched, or headers assembled byte by byte below.
Deterministic: fixed values; at most one metadata key per file (the reference keeps metadata in a hash map).
"""
import json
import os
import struct

import ml_dtypes
import numpy as np
import safetensors
from safetensors.numpy import save, save_file

OUT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "safetensors"))
os.makedirs(OUT, exist_ok=True)
for f in os.listdir(OUT):
    if f.endswith((".safetensors", ".json", ".bin")) or "." not in f:
        os.remove(os.path.join(OUT, f))

expected = {"versions": {"safetensors": safetensors.__version__, "numpy": np.__version__, "ml_dtypes": ml_dtypes.__version__}, "files": {}}


def describe(a):
    """dtype name, shape, and C-order float64 values as exact reprs (bfloat16/float16 widen exactly)."""
    return {"shape": list(a.shape), "values": [repr(float(v)) for v in np.asarray(a, dtype=np.float64).ravel()]}


def write(name, tensors, metadata=None):
    path = os.path.join(OUT, name)
    save_file(tensors, path, metadata=metadata)
    expected["files"][name] = {"metadata": metadata, "tensors": {k: describe(v) for k, v in tensors.items()}}


values = np.array([0, 1, 2, 3, 4, 5], dtype=np.float64)
every = {}
for dt in ["bool", "uint8", "int8", "int16", "uint16", "float16", "int32", "uint32", "float32", "float64", "int64", "uint64"]:
    v = values % 2 if dt == "bool" else (values * 0.5 - 1 if dt.startswith("float") else values + 1)
    if dt.startswith("int"):
        v = -v
    every[dt] = v.astype(dt).reshape(2, 3)
every["bfloat16"] = np.array([1.5, -2.25, 0.1, 3.0e38, -0.0, 7.0], dtype=ml_dtypes.bfloat16).reshape(3, 2)
every["float16_subnormal"] = np.array([6.0e-8, -65504.0, np.inf, 0.333], dtype=np.float16)
every["scalar"] = np.array(2.5, dtype=np.float64)
every["empty"] = np.zeros((0, 4), dtype=np.float32)
every["int64_extremes"] = np.array([np.iinfo(np.int64).min, np.iinfo(np.int64).max], dtype=np.int64)
write("every_dtype.safetensors", every, metadata={"format": "np"})
write("no_metadata.safetensors", {"weight": np.arange(12, dtype=np.float32).reshape(3, 4) / 7, "bias": np.array([0.5, -1], np.float32)})
write("empty.safetensors", {})
# A name that needs JSON escapes, and a non-ASCII one.
write("names.safetensors", {'a"b\\c\n': np.array([1], np.uint8), "poids_é/dense": np.array([2.0], np.float32)}, metadata={"note": "tab\there"})
# The same file without an extension, for detection by content.
save_file({"w": np.array([1.0, 2.0], np.float32)}, os.path.join(OUT, "noextension"))


def raw(name, header_bytes, data=b"", length=None):
    """A file from a literal header (length field computed unless given)."""
    n = len(header_bytes) if length is None else length
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(struct.pack("<Q", n) + header_bytes + data)


def hdr(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


t = lambda dtype, shape, b, e: {"dtype": dtype, "shape": shape, "data_offsets": [b, e]}
open(os.path.join(OUT, "bad_too_small.safetensors"), "wb").write(b"\x05\x00\x00")
raw("bad_header_too_large.safetensors", b"{}", length=100_000_001)
raw("bad_header_past_end.safetensors", b"{}      ", length=4096)
raw("bad_gap.safetensors", hdr({"a": t("F32", [1], 0, 4), "b": t("F32", [1], 8, 12)}), b"\0" * 12)
raw("bad_overlap.safetensors", hdr({"a": t("F32", [2], 0, 8), "b": t("F32", [1], 4, 8)}), b"\0" * 8)
raw("bad_size_mismatch.safetensors", hdr({"a": t("F32", [3], 0, 8)}), b"\0" * 8)
raw("bad_incomplete_buffer.safetensors", hdr({"a": t("F32", [2], 0, 8)}), b"\0" * 12)
raw("bad_huge_shape.safetensors", hdr({"a": t("F64", [2**40, 2**40], 0, 8)}), b"\0" * 8)
raw("bad_huge_claim.safetensors", hdr({"a": t("U8", [1 << 50], 0, 1 << 50)}), b"\0" * 8)
raw("bad_metadata_not_string.safetensors", hdr({"__metadata__": {"epochs": 3}, "a": t("U8", [1], 0, 1)}), b"\0")
raw("bad_deep_json.safetensors", b'{"a":' + b"[" * 10000 + b"]" * 10000 + b"}", b"")
raw("bad_not_json.safetensors", b"\x93NUMPY this is not json", b"")
raw("bad_not_utf8.safetensors", b'{"\xff":1}', b"")
raw("unsupported_f8.safetensors", hdr({"a": t("F8_E4M3", [1], 0, 1)}), b"\0")
raw("bad_negative_dim.safetensors", b'{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', b"\0" * 4)
raw("bad_duplicate_name.safetensors", b'{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', b"\0\0")

with open(os.path.join(OUT, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
print("wrote", len(os.listdir(OUT)), "files to", OUT)
