"""Makes the .npy/.npz fixtures in Fixtures/npy/ and their expected values (expected.json).

Rerun: /root/.cache/weightbridge/venv/bin/python Fixtures/generate/npy_fixtures.py
Deterministic: fixed values and seeds; npz members get a fixed timestamp where we build zips by hand.
Good files are written by numpy itself (np.save, np.lib.format.write_array, np.savez, np.savez_compressed);
bad files are numpy output cut or patched, or ZIP archives assembled byte by byte below.
"""
import io
import json
import os
import struct
import zipfile
import zlib

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "npy")
OUT = os.path.normpath(OUT)
os.makedirs(OUT, exist_ok=True)
for f in os.listdir(OUT):
    if f.endswith((".npy", ".npz", ".json")):
        os.remove(os.path.join(OUT, f))

expected = {"npy": {}, "npz": {}}


def text_values(a):
    """C-order values as exact strings: repr of the float64 value, or the integer."""
    flat = np.ascontiguousarray(a).ravel(order="C")
    if a.dtype.kind == "f":
        return [repr(float(x)) for x in flat]
    if a.dtype.kind == "b":
        return ["1" if x else "0" for x in flat]
    return [str(int(x)) for x in flat]


def describe(a, version=(1, 0)):
    return {
        "descr": np.lib.format.dtype_to_descr(a.dtype),
        "shape": list(a.shape),
        "fortran_order": bool(a.flags.f_contiguous and not a.flags.c_contiguous),
        "version": "%d.%d" % version,
        "values": text_values(a),
    }


def save(name, a, version=None):
    path = os.path.join(OUT, name)
    if version is None:
        np.save(path, a, allow_pickle=False)
        expected["npy"][name] = describe(a)
    else:
        with open(path, "wb") as f:
            np.lib.format.write_array(f, a, version=version, allow_pickle=False)
        expected["npy"][name] = describe(a, version)
    back = np.load(path, allow_pickle=False)
    assert back.dtype == a.dtype and back.shape == a.shape and np.array_equal(back, a)


# --- every dtype, both byte orders, shape (2, 3) ---
samples = {
    "f2": [-2.5, 0.0, 1.0 / 3.0, 65504.0, -0.000061035156, 1024.5],
    "f4": [-1.5, 0.0, 0.1, 3.4028234663852886e38, -1.1754943508222875e-38, 12345.678],
    "f8": [-1.5, 0.0, 0.1, 1.7976931348623157e308, -2.2250738585072014e-308, 1.0 / 3.0],
    "i1": [-128, -1, 0, 1, 100, 127],
    "i2": [-32768, -1, 0, 1, 1000, 32767],
    "i4": [-2147483648, -1, 0, 1, 123456, 2147483647],
    "i8": [-9223372036854775808, -1, 0, 9007199254740993, 123456789012, 9223372036854775807],
    "u1": [0, 1, 2, 127, 128, 255],
    "u2": [0, 1, 2, 256, 40000, 65535],
    "u4": [0, 1, 2, 65536, 3000000000, 4294967295],
    "u8": [0, 1, 2, 9007199254740993, 9223372036854775807, 18446744073709551615],
    "b1": [True, False, True, True, False, False],
}
for code, values in samples.items():
    orders = ["|"] if code in ("i1", "u1", "b1") else ["<", ">"]
    for order in orders:
        dt = np.dtype(order + code) if order != "|" else np.dtype(code)
        a = np.array(values, dtype=dt).reshape(2, 3)
        tag = {"<": "le", ">": "be", "|": "na"}[order]
        save("dtype_%s_%s.npy" % (code, tag), a)

# --- orders, versions, ranks ---
save("fortran_3d_f8.npy", np.asfortranarray(np.arange(24, dtype="<f8").reshape(2, 3, 4) * 0.5 - 3.0))
save("fortran_2d_be_i4.npy", np.asfortranarray(np.arange(12, dtype=">i4").reshape(3, 4) - 5))
save("fortran_1d_f4.npy", np.asfortranarray(np.arange(5, dtype="<f4")))  # 1-d: numpy writes fortran_order False
save("version2_f4.npy", np.arange(6, dtype="<f4").reshape(2, 3) / 7, version=(2, 0))
save("version3_i2.npy", np.arange(6, dtype="<i2").reshape(3, 2) - 3, version=(3, 0))
save("scalar_0d_f8.npy", np.array(3.25, dtype="<f8"))
save("empty_0x3_f4.npy", np.zeros((0, 3), dtype="<f4"))
save("empty_1d_u1.npy", np.zeros((0,), dtype="u1"))
save("rank4_i2.npy", (np.arange(120, dtype="<i2") - 60).reshape(2, 3, 4, 5))
rng = np.random.default_rng(1234)
save("random_c_f4.npy", rng.standard_normal((7, 5)).astype("<f4"))
save("long_axis_f8.npy", np.linspace(-1, 1, 12345, dtype="<f8").reshape(12345, 1)[:3].copy())
save("wide_shape_u1.npy", np.zeros((1, 1, 1, 1, 1, 1, 1, 1, 1, 2), dtype="u1") + 7)

# --- .npz, stored and deflated; names with '/', dots, non-ASCII, positional arr_0 ---
members = {
    "a/b.c": np.arange(6, dtype="<f8").reshape(2, 3) / 3,
    "poids_é": np.array([1, -2, 3], dtype=">i4"),
    "W1": rng.standard_normal((4, 3)).astype("<f4"),
    "mask": np.array([[True, False], [False, True]]),
}
positional = np.arange(5, dtype="<u2")
for fname, saver in (("stored.npz", np.savez), ("compressed.npz", np.savez_compressed)):
    path = os.path.join(OUT, fname)
    saver(path, positional, **members)
    expected["npz"][fname] = {"arr_0": describe(positional), **{k: describe(v) for k, v in members.items()}}
    with zipfile.ZipFile(path) as z:
        expected["npz"][fname]["_order"] = [n[:-4] for n in z.namelist()]
        # numpy writes every member with force_zip64=True: check the local ZIP64 extra is really there.
        for info in z.infolist():
            raw = open(path, "rb").read()
            off = info.header_offset
            nlen, elen = struct.unpack("<HH", raw[off + 26:off + 30])
            extra = raw[off + 30 + nlen:off + 30 + nlen + elen]
            assert extra[:2] == b"\x01\x00", "expected a ZIP64 extra field in %s:%s" % (fname, info.filename)

# --- refused .npy files ---
def raw(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


np.save(os.path.join(OUT, "bad_object.npy"), np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
np.save(os.path.join(OUT, "bad_structured.npy"), np.zeros(3, dtype=[("x", "<f4"), ("y", "<i2")]))
np.save(os.path.join(OUT, "bad_complex.npy"), np.array([1 + 2j, 3 - 4j], dtype="<c16"))
np.save(os.path.join(OUT, "bad_complex8.npy"), np.array([1 + 2j], dtype="<c8"))
np.save(os.path.join(OUT, "bad_unicode.npy"), np.array(["ab", "c"], dtype="<U2"))
good = open(os.path.join(OUT, "dtype_f8_le.npy"), "rb").read()
raw("bad_magic.npy", b"\x93NUMPZ" + good[6:])
raw("bad_version.npy", good[:6] + b"\x04\x00" + good[8:])
raw("bad_truncated_data.npy", good[:-5])
raw("bad_truncated_header.npy", good[:40])


def handmade(header, data=b"", version=(1, 0), pad=True):
    body = header.encode("latin1")
    if pad:
        hlen = len(body) + 1
        fmt_len = 2 if version == (1, 0) else 4
        body += b" " * (64 - (8 + fmt_len + hlen) % 64) + b"\n"
    length = struct.pack("<H" if version == (1, 0) else "<I", len(body))
    return b"\x93NUMPY" + bytes(version) + length + body + data


raw("bad_long_header.npy", handmade("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }" + " " * 20000, b"\0" * 8, version=(2, 0)))
raw("bad_malformed_header.npy", handmade("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4}", b"\0" * 96))
raw("bad_call_header.npy", handmade("{'descr': '<f8', 'fortran_order': __import__('os'), 'shape': (1,), }", b"\0" * 8))
raw("bad_negative_shape.npy", handmade("{'descr': '<f8', 'fortran_order': False, 'shape': (3, -4), }", b"\0" * 8))
raw("bad_overflow_shape.npy", handmade("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", b"\0" * 8))
raw("bad_huge_shape.npy", handmade("{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776,), }", b"\0" * 64))
raw("bad_missing_key.npy", handmade("{'descr': '<f8', 'shape': (1,), }", b"\0" * 8))
for bad in ("bad_object.npy", "bad_structured.npy", "bad_complex.npy", "bad_unicode.npy"):
    pass  # numpy itself reads these (with allow_pickle for objects); WeightBridge refuses them.


# --- ZIP archives assembled by hand (each entry: name, method, flags, crc, compressed, usize) ---
def make_zip(entries, truncate_to=None):
    out = io.BytesIO()
    central = []
    for e in entries:
        name = e["name"].encode("utf-8")
        flags = e.get("flags", 0) | (0x800 if any(b > 127 for b in name) else 0)
        local_method = e.get("local_method", e["method"])
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, local_method, 0, 0x5821,
                              e["crc"], len(e["data"]), e["usize"], len(name), 0))
        out.write(name)
        out.write(e["data"])
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x0314, 20, flags, e["method"], 0, 0x5821,
                                   e["crc"], len(e["data"]), e["usize"], len(name), 0, 0, 0, 0, 0o100644 << 16,
                                   offset) + name)
    cd_offset = out.tell()
    for c in central:
        out.write(c)
    cd_size = out.tell() - cd_offset
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), cd_size, cd_offset, 0))
    return out.getvalue()


def deflate(data):
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def npy_bytes(a):
    f = io.BytesIO()
    np.save(f, a, allow_pickle=False)
    return f.getvalue()


member = npy_bytes(np.arange(64, dtype="<f8"))
crc = zlib.crc32(member)


def stored(name, data=member, **kw):
    return dict(name=name, method=0, crc=zlib.crc32(data), data=data, usize=len(data), **kw)


raw("zip_handmade_ok.npz", make_zip([stored("x.npy"), dict(name="y.npy", method=8, crc=crc, data=deflate(member), usize=len(member))]))
raw("bad_not_a_zip.npz", b"this is not a zip archive, just text " * 4)
stored_npz = open(os.path.join(OUT, "stored.npz"), "rb").read()
raw("bad_truncated.npz", stored_npz[: len(stored_npz) // 2])
raw("bad_truncated_tail.npz", stored_npz[: len(stored_npz) // 2] + stored_npz[-22:])
raw("bad_crc.npz", make_zip([dict(name="x.npy", method=0, crc=crc ^ 0xFFFFFFFF, data=member, usize=len(member))]))
raw("bad_crc_deflate.npz", make_zip([dict(name="x.npy", method=8, crc=crc ^ 1, data=deflate(member), usize=len(member))]))
big = npy_bytes(np.zeros(200000, dtype="<f8"))  # 1.6 MB of zeros, deflates to ~1.6 KB
raw("bad_bomb.npz", make_zip([dict(name="x.npy", method=8, crc=zlib.crc32(big), data=deflate(big), usize=4096)]))
liar_header = handmade("{'descr': '<f8', 'fortran_order': False, 'shape': (512,), }")
liar = liar_header + b"\0" * 1600000
raw("bad_bomb_header_fits.npz", make_zip([dict(name="x.npy", method=8, crc=zlib.crc32(liar), data=deflate(liar), usize=len(liar_header) + 4096)]))
raw("bad_ratio.npz", make_zip([dict(name="x.npy", method=8, crc=zlib.crc32(big), data=deflate(big)[:100], usize=len(big))]))
full = deflate(member)
raw("bad_truncated_deflate.npz", make_zip([dict(name="x.npy", method=8, crc=crc, data=full[: len(full) // 2], usize=len(member))]))
raw("bad_corrupt_deflate.npz", make_zip([dict(name="x.npy", method=8, crc=crc, data=b"\xff" * len(full), usize=len(member))]))
raw("bad_duplicate.npz", make_zip([stored("x.npy"), stored("x.npy")]))
raw("bad_dotdot.npz", make_zip([stored("../evil.npy")]))
raw("bad_absolute.npz", make_zip([stored("/etc/evil.npy")]))
raw("bad_encrypted.npz", make_zip([stored("x.npy", flags=1)]))
raw("bad_bzip2.npz", make_zip([dict(name="x.npy", method=12, crc=crc, data=member, usize=len(member))]))
huge = handmade("{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776,), }", b"\0" * 64)
raw("bad_huge_member.npz", make_zip([stored("huge.npy", data=huge)]))
raw("bad_huge_member_deflate.npz", make_zip([dict(name="huge.npy", method=8, crc=zlib.crc32(huge), data=deflate(huge), usize=len(huge))]))

# Sanity: python's zipfile agrees these are broken where it checks.
for name in ("bad_crc.npz", "bad_bomb.npz", "bad_bomb_header_fits.npz"):
    try:
        with zipfile.ZipFile(os.path.join(OUT, name)) as z:
            z.read(z.namelist()[0])
        raise SystemExit("zipfile accepted " + name)
    except (zipfile.BadZipFile, zlib.error):
        pass
with zipfile.ZipFile(os.path.join(OUT, "zip_handmade_ok.npz")) as z:
    assert z.read("x.npy") == member and z.read("y.npy") == member
expected["npz"]["zip_handmade_ok.npz"] = {"x": describe(np.arange(64, dtype="<f8")), "y": describe(np.arange(64, dtype="<f8")), "_order": ["x", "y"]}

expected["versions"] = {"numpy": np.__version__}
with open(os.path.join(OUT, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True, ensure_ascii=True)
print("wrote", len(os.listdir(OUT)), "files to", OUT)
