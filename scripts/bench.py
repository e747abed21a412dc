"""Side-by-side benchmarks: WeightBridge (Swift) against NumPy and Keras on the same machine, in one run.

Writes Docs/benchmarks.md. Run through `make bench` (which builds weightbridge-bench in release mode).
Nothing here is a test; the numbers are recorded with the machine and the date.
"""
import datetime, gzip, json, os, platform, statistics, struct, subprocess, sys, tempfile, time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.environ.get("WEIGHTBRIDGE_BENCH", os.path.join(ROOT, ".build-bench", "release", "weightbridge-bench"))
MNIST = os.path.join(ROOT, "Fixtures", "mnist")
SEED = os.path.join(os.path.dirname(ROOT), "shared", "seed")
MEGABYTES = int(os.environ.get("BENCH_MB", "1024"))


def swift(*args, env=None):
    """Runs weightbridge-bench with `args` (under `env`, default this environment); its JSON result lines."""
    out = subprocess.run([BENCH, *args], check=True, capture_output=True, text=True, env=env).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def without_coretype():
    """This environment without OPENBLAS_CORETYPE, so that OpenBLAS picks its kernel for the CPU."""
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    return env


def best(runs, fn):
    b = float("inf")
    for _ in range(runs):
        t = time.perf_counter(); fn(); b = min(b, time.perf_counter() - t)
    return b


def idx(path):
    d = gzip.open(path).read()
    if struct.unpack(">I", d[:4])[0] == 2051:
        n, r, c = struct.unpack(">III", d[4:16]); return np.frombuffer(d, np.uint8, offset=16).reshape(n, r, c)
    return np.frombuffer(d, np.uint8, offset=8)


rows = []  # (benchmark, swift seconds, python seconds, python label)
swift_native_epoch = None  # the Swift CNN epoch with OPENBLAS_CORETYPE unset


def npz_benchmarks(tmp):
    per = MEGABYTES * (1 << 20) // 4 // 4
    rng = np.random.default_rng(0)
    arrays = {f"w{i}": rng.uniform(-1, 1, per).astype(np.float32) for i in range(4)}
    stored, deflated = os.path.join(tmp, "np_stored.npz"), os.path.join(tmp, "np_deflated.npz")
    t_ws = best(2, lambda: np.savez(stored, **arrays))
    t_wd = best(1, lambda: np.savez_compressed(deflated, **arrays))
    def load(p):
        with np.load(p) as d:
            for k in d.files: d[k]
    t_rs = best(3, lambda: load(stored))
    t_rd = best(3, lambda: load(deflated))
    s = {r["name"]: r["seconds"] for r in swift("npz-write", tmp, str(MEGABYTES))}
    s.update({r["name"].replace("np_", ""): r["seconds"] for r in swift("npz-read", stored) + swift("npz-read", deflated)})
    rows.append((f"write {MEGABYTES} MB .npz, stored", s["npz-write stored"], t_ws, "np.savez"))
    rows.append((f"write {MEGABYTES} MB .npz, deflated", s["npz-write deflated"], t_wd, "np.savez_compressed"))
    rows.append((f"read {MEGABYTES} MB .npz, stored", s["npz-read stored.npz"], t_rs, "np.load, every member"))
    rows.append((f"read {MEGABYTES} MB .npz, deflated", s["npz-read deflated.npz"], t_rd, "np.load, every member"))


CLI = os.environ.get("WEIGHTBRIDGE_CLI", os.path.join(ROOT, ".build-bench", "release", "weightbridge"))


def interleaved(runs, *fns):
    """Median seconds of each of `fns`, run in turns (A B A B ...) so that a change in the machine's load falls on
    every side alike: the machine is shared, and a best-of-N taken side after side can compare a quiet minute with a
    busy one. Each run starts with nothing left to write back (`os.sync()`, untimed): NumPy's writes are not
    fsynced, and the kernel otherwise wrote their 512 MiB back to disk during whichever run came next."""
    times = [[] for _ in fns]
    for _ in range(runs):
        for i, fn in enumerate(fns):
            os.sync()
            t = time.perf_counter(); fn(); times[i].append(time.perf_counter() - t)
    return [sorted(ts)[len(ts) // 2] for ts in times]


def cli_seconds(*args):
    """Wall time of one whole `weightbridge` process (start-up to exit), which must succeed."""
    t = time.perf_counter()
    subprocess.run([CLI, *args], check=True, capture_output=True)
    return time.perf_counter() - t


def peak_rss(*args):
    """Peak RSS in bytes of one whole `weightbridge` process, by /usr/bin/time -f %M (kilobytes)."""
    r = subprocess.run(["/usr/bin/time", "-f", "%M", CLI, *args], check=True, capture_output=True, text=True)
    return int(r.stderr.strip().splitlines()[-1]) * 1024


memory_rows = []  # (work, peak bytes, largest member bytes, goal: the largest peak / member allowed, or STREAMING_BOUND)

# `inspect` and `compare` stream: their goal is a constant peak, whatever the members' size (issue 15: "statistics in constant
# memory"), written as an absolute bound because a fraction of a small member is below the process's own size.
STREAMING_BOUND = "64 MiB"


def memory_goal_met(peak, member, goal):
    """Whether a memory row meets its goal: a peak / member ratio, or an absolute bound such as "64 MiB"."""
    if isinstance(goal, str):
        return peak <= int(goal.split()[0]) << 20
    return peak / member <= goal


goal_rows = {}  # issue 15's table: key -> (WeightBridge seconds, peer seconds, peer label, extra condition met)
durable_rows = []  # (work, WeightBridge seconds, NumPy-unsynced seconds, NumPy side): the stored rows without NumPy's fsync


def durable_table():
    """The stored `.npz` rows again against NumPy's unsynced writes (the same runs): the page cache against the disk."""
    if not durable_rows:
        return []
    lines = ["", "The same stored rows against NumPy without its `fsync` (the same runs, interleaved with the rows above): NumPy's",
             "write then ends in the page cache, and WeightBridge's on the disk (temporary file, `fsync`, rename, directory",
             "`fsync`), so the ratio is this disk's speed against memory's, not the format code's.", "",
             "| work | WeightBridge | NumPy, unsynced | NumPy side | WeightBridge / NumPy unsynced |", "|---|---|---|---|---|"]
    for work, ours, peer, label in durable_rows:
        lines.append(f"| {work} | {ours:.3f} s | {peer:.3f} s | {label} | {ours / peer:.2f} |")
    return lines


def cli_npz_benchmarks(tmp):
    """The issue-15 `.npz` rows: whole `weightbridge convert` processes against NumPy's load-and-save of the same
    array (one float32 member of MEGABYTES / 2), interleaved, medians; then the peak memory of `inspect`, `convert`
    and `compare` on it."""
    n = MEGABYTES * (1 << 20) // 4 // 2
    x = os.path.join(tmp, "x.npy")
    np.save(x, np.random.default_rng(1).uniform(-1, 1, n).astype(np.float32))
    out = {k: os.path.join(tmp, f"cli_{k}") for k in ("s.npz", "d.npz", "s.npy", "d.npy", "np_s.npz", "np_d.npz", "np.npy")}
    label = f"{MEGABYTES // 2} MiB"
    def read_back(src):
        with np.load(src) as z: np.save(out["np.npy"], z["x"])
    def durable(path, write):
        """NumPy's write made as durable as WeightBridge's: the file and its directory fsynced after it."""
        write()
        for p, flags in ((path, os.O_RDONLY), (os.path.dirname(path), os.O_RDONLY | os.O_DIRECTORY)):
            fd = os.open(p, flags)
            try: os.fsync(fd)
            finally: os.close(fd)
    runs = int(os.environ.get("BENCH_RUNS", "5"))
    t_ws, p_ws, d_ws = interleaved(runs, lambda: cli_seconds("convert", x, out["s.npz"], "--force"),
                                   lambda: np.savez(out["np_s.npz"], x=np.load(x)),
                                   lambda: durable(out["np_s.npz"], lambda: np.savez(out["np_s.npz"], x=np.load(x))))
    t_rs, p_rs, d_rs = interleaved(runs, lambda: cli_seconds("convert", out["s.npz"] + ":x", out["s.npy"], "--force"),
                                   lambda: read_back(out["np_s.npz"]),
                                   lambda: durable(out["np.npy"], lambda: read_back(out["np_s.npz"])))
    # The stored rows' peer is NumPy made as durable as WeightBridge (issue 15: "durability stays"): unsynced, the row
    # compares this disk's fsync with the page cache (Docs/benchmarks.md, "How to read these numbers").
    goal_rows["write stored"] = (t_ws, d_ws, "`np.load` + `np.savez` + `os.fsync`", True)
    goal_rows["read stored"] = (t_rs, d_rs, "`np.load` + `np.save` + `os.fsync`", True)
    durable_rows.append(("write it stored", t_ws, p_ws, "`np.load` + `np.savez`"))
    durable_rows.append(("read it back, stored", t_rs, p_rs, "`np.load` + `np.save`"))
    if os.environ.get("BENCH_STORED_ONLY"):
        return
    t_wd, p_wd = interleaved(int(os.environ.get("BENCH_DEFLATED_RUNS", "1")),
                             lambda: cli_seconds("convert", x, out["d.npz"], "--compress", "--force"),
                             lambda: np.savez_compressed(out["np_d.npz"], x=np.load(x)))
    t_rd, p_rd = interleaved(runs, lambda: cli_seconds("convert", out["d.npz"] + ":x", out["d.npy"], "--force"),
                             lambda: read_back(out["np_d.npz"]))
    sizes = (os.path.getsize(out["d.npz"]), os.path.getsize(out["np_d.npz"]))
    goal_rows["write deflated"] = (t_wd, p_wd, f"`np.load` + `np.savez_compressed` ({sizes[0]:,} vs {sizes[1]:,} bytes)", sizes[0] <= sizes[1])
    goal_rows["read deflated"] = (t_rd, p_rd, "`np.load` + `np.save`", True)
    member = n * 4
    memory_rows.append((f"`inspect` a {label} deflated member", peak_rss("inspect", out["d.npz"]), member, 0.25))
    memory_rows.append((f"`convert` the {label} stored member `.npz` -> `.npz`", peak_rss("convert", out["s.npz"], out["s.npz"] + ".copy.npz", "--force"), member, 1.25))
    memory_rows.append((f"`convert` it `.npz` -> `.safetensors`", peak_rss("convert", out["s.npz"], out["s.npz"] + ".safetensors", "--force"), member, 1.25))
    memory_rows.append((f"`compare` the {label} stored member with the deflated one", peak_rss("compare", out["s.npz"], out["d.npz"]), member, STREAMING_BOUND))
    for k in list(out.values()) + [x, out["s.npz"] + ".copy.npz", out["s.npz"] + ".safetensors"]:
        if os.path.exists(k): os.remove(k)


def memory_benchmarks(tmp):
    """The issue-15 memory rows on hostile-but-valid files: one 1 GiB member (`inspect`), twenty 80 MB members
    (`convert`, `compare`), and Keras models of several large weights read through the isolated `.h5` reader."""
    gib = os.path.join(tmp, "one_gib.npz")
    np.savez(gib, x=np.random.default_rng(2).uniform(-1, 1, (1 << 30) // 4).astype(np.float32))
    goal_rows["inspect 1 GiB"] = peak_rss("inspect", gib) / (1 << 30)
    memory_rows.append(("`inspect` an `.npz` with one 1 GiB stored member", int(goal_rows["inspect 1 GiB"] * (1 << 30)), 1 << 30, 0.25))
    os.remove(gib)
    twenty = os.path.join(tmp, "twenty.npz")
    rng = np.random.default_rng(3)
    member = 80 * 1000 * 1000
    np.savez(twenty, **{f"m{i:02d}": rng.uniform(-1, 1, member // 4).astype(np.float32) for i in range(20)})
    for to in ("copy.npz", "copy.safetensors"):
        memory_rows.append((f"`convert` an `.npz` of twenty 80 MB members -> `.{to.split('.')[1]}`",
                            peak_rss("convert", twenty, os.path.join(tmp, to), "--force"), member, 1.25))
    memory_rows.append(("`compare` that archive with its `.safetensors` copy", peak_rss("compare", twenty, os.path.join(tmp, "copy.safetensors")), member, STREAMING_BOUND))
    for f in ("copy.npz", "copy.safetensors", "twenty.npz"):
        os.remove(os.path.join(tmp, f))
    # A Keras model of six 64 MiB Dense kernels, saved by Keras itself as .h5 and .keras.
    script = ("import sys, keras; L = keras.layers\n"
              "m = keras.Sequential([keras.Input((4096,))] + [L.Dense(4096) for _ in range(6)])\n"
              "m.save(sys.argv[1]); m.save(sys.argv[2])\n")
    h5, ks = os.path.join(tmp, "six.h5"), os.path.join(tmp, "six.keras")
    subprocess.run([sys.executable, "-c", script, h5, ks], check=True, capture_output=True)
    kernel = 4096 * 4096 * 4
    for model, targets in ((h5, ("npz",)), (ks, ("npz", "safetensors"))):
        for to in targets:
            memory_rows.append((f"`convert` a Keras model of six 64 MiB kernels, `.{model.rsplit('.', 1)[1]}` -> `.{to}` (isolated reader)",
                                peak_rss("convert", model, os.path.join(tmp, "six_out." + to), "--force"), kernel, 1.25))
        memory_rows.append((f"`inspect` that `.{model.rsplit('.', 1)[1]}`", peak_rss("inspect", model), kernel, STREAMING_BOUND))
        if model == h5:
            memory_rows.append(("`compare` that `.h5` with its `.npz` (each weight streamed beside its member)",
                                peak_rss("compare", model, os.path.join(tmp, "six_out.npz")), kernel, STREAMING_BOUND))


def keras_cnn_timings(keras):
    """Keras, under its current backend: the seed CNN's predict on the 10000 test images (best of 3, after a warm-up)
    and one epoch of the seed recipe (Adam, batch 128, 54000 images; after a compile/warm-up fit on 1280)."""
    x = idx(os.path.join(MNIST, "t10k-images-idx3-ubyte.gz")).reshape(-1, 28, 28, 1).astype(np.float32) / 255.0
    model = keras.models.load_model(os.path.join(SEED, "cnn_model.h5"))
    model.predict(x[:500], verbose=0, batch_size=500)
    t_pred = best(3, lambda: model.predict(x, verbose=0, batch_size=500))
    xtr = idx(os.path.join(MNIST, "train-images-idx3-ubyte.gz"))[:54000].reshape(-1, 28, 28, 1).astype(np.float32) / 255.0
    ytr = idx(os.path.join(MNIST, "train-labels-idx1-ubyte.gz"))[:54000]
    L = keras.layers
    m = keras.Sequential([keras.Input((28, 28, 1)), L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(2), L.Conv2D(64, 3, activation="relu"),
                          L.MaxPooling2D(2), L.Flatten(), L.Dense(128, activation="relu"), L.Dense(10, activation="softmax")])
    m.compile(optimizer=keras.optimizers.Adam(0.001), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    m.fit(xtr[:1280], ytr[:1280], batch_size=128, epochs=1, verbose=0)
    t_epoch = best(1, lambda: m.fit(xtr, ytr, batch_size=128, epochs=1, verbose=0))
    return t_pred, t_epoch


def keras_tf_side():
    """Runs in a child process with KERAS_BACKEND=tensorflow: Keras/TF predict and one training epoch."""
    import keras
    t_pred, t_epoch = keras_cnn_timings(keras)
    print(json.dumps({"predict": t_pred, "epoch": t_epoch, "version": keras.__version__}))


def keras_tf_benchmarks(swift_predict, swift_epoch):
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run([sys.executable, __file__, "--keras-tf-side"], env=env, capture_output=True, text=True)
    line = [l for l in out.stdout.splitlines() if l.startswith("{")]
    if not line:
        print("Keras/TensorFlow side failed:", out.stderr[-2000:]); return
    r = json.loads(line[-1])
    rows.append(("seed CNN inference, 10000 test images", swift_predict, r["predict"], f"Keras {r['version']} (tensorflow) predict"))
    rows.append(("seed CNN recipe, one training epoch (54000 images)", swift_epoch, r["epoch"], f"Keras {r['version']} (tensorflow) fit"))


def keras_benchmarks():
    import h5py, keras
    cnn = os.path.join(SEED, "cnn_model.h5")
    def h5py_read():
        with h5py.File(cnn, "r") as f:
            g = f["model_weights"]
            for name in g.attrs["layer_names"]:
                for w in g[name].attrs.get("weight_names", []):
                    g[name][w][()]
    t_h5py = best(5, h5py_read)
    t_load = best(3, lambda: keras.models.load_model(cnn))
    s = {r["name"]: r["seconds"] for r in swift("h5-load", cnn)}
    rows.append(("open seed .h5 and read its weights", s["h5-read-weights"], t_h5py, "h5py"))
    rows.append(("load the seed CNN as a runnable model", s["h5-load-model"], t_load, "keras.models.load_model"))
    rows.append(("the same, libhdf5 in a child process (as the `weightbridge` command reads every .h5)", s["h5-load-model-isolated"], t_load, "keras.models.load_model"))
    t_pred, t_epoch = keras_cnn_timings(keras)
    s = {r["name"]: r["seconds"] for r in swift("cnn-predict", cnn, MNIST)}
    rows.append(("seed CNN inference, 10000 test images", s["cnn-predict-10000"], t_pred, f"Keras {keras.__version__} ({keras.backend.backend()}) predict"))
    s.update({r["name"]: r["seconds"] for r in swift("cnn-train-epoch", MNIST)})
    global swift_native_epoch
    swift_native_epoch = swift("cnn-train-epoch", MNIST, env=without_coretype())[-1]["seconds"]
    rows.append(("seed CNN recipe, one training epoch (54000 images)", s["cnn-train-epoch"], t_epoch, f"Keras {keras.__version__} ({keras.backend.backend()}) fit"))
    keras_tf_benchmarks(s["cnn-predict-10000"], s["cnn-train-epoch"])


def tf_recipe_server():
    """Child process (KERAS_BACKEND=tensorflow): for each line on stdin, the seed CNN recipe on the first 30000
    training rows as `weightbridge train cnn --limit 30000 --epochs 1` does it (build, compile, one epoch with
    validation_split=0.1, then accuracy on the 27000 training rows and the 10000 test images); prints its seconds.
    The data are read once beforehand, so the figure is Keras' work alone."""
    import keras
    L = keras.layers
    xtr = idx(os.path.join(MNIST, "train-images-idx3-ubyte.gz"))[:30000].reshape(-1, 28, 28, 1).astype(np.float32) / 255.0
    ytr = idx(os.path.join(MNIST, "train-labels-idx1-ubyte.gz"))[:30000]
    xte = idx(os.path.join(MNIST, "t10k-images-idx3-ubyte.gz")).reshape(-1, 28, 28, 1).astype(np.float32) / 255.0
    yte = idx(os.path.join(MNIST, "t10k-labels-idx1-ubyte.gz"))
    for _ in sys.stdin:
        t = time.perf_counter()
        m = keras.Sequential([keras.Input((28, 28, 1)), L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(2), L.Conv2D(64, 3, activation="relu"),
                              L.MaxPooling2D(2), L.Flatten(), L.Dense(128, activation="relu"), L.Dense(10, activation="softmax")])
        m.compile(optimizer=keras.optimizers.Adam(0.001), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        m.fit(xtr, ytr, batch_size=128, epochs=1, validation_split=0.1, verbose=0)
        m.evaluate(xtr[:27000], ytr[:27000], batch_size=512, verbose=0)
        m.evaluate(xte, yte, batch_size=512, verbose=0)
        print(json.dumps({"seconds": time.perf_counter() - t, "version": keras.__version__}), flush=True)


def issue15_compute_rows(tmp, rounds=int(os.environ.get("BENCH_ROUNDS", "5"))):
    """The issue-15 compute rows, interleaved round by round (WeightBridge, then its peer) and reported as medians:
    a whole `weightbridge predict` process (start-up, the .h5 through the isolated reader, the .npy input read, the
    .npy output written and fsynced) against Keras-JAX `predict` alone, in this process, on the 10000 test images;
    and a whole `weightbridge train cnn --limit 30000 --epochs 1` process against the same recipe in Keras on
    TensorFlow (`tf_recipe_server`)."""
    import keras
    x = idx(os.path.join(MNIST, "t10k-images-idx3-ubyte.gz")).reshape(-1, 28, 28, 1).astype(np.float32) / 255.0
    xin, pout = os.path.join(tmp, "x_test.npy"), os.path.join(tmp, "p_test.npy")
    np.save(xin, x)
    cnn = os.path.join(SEED, "cnn_model.h5")
    model = keras.models.load_model(cnn)
    model.predict(x[:500], verbose=0, batch_size=500)
    tf = subprocess.Popen([sys.executable, __file__, "--tf-recipe-server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                          env=dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3"))
    times = {"predict": [], "keras predict": [], "train": [], "tf train": []}
    version = "?"
    for _ in range(rounds):
        times["predict"].append(cli_seconds("predict", cnn, "--input", xin, "--output", pout, "--force"))
        t = time.perf_counter(); model.predict(x, verbose=0, batch_size=500); times["keras predict"].append(time.perf_counter() - t)
        times["train"].append(cli_seconds("train", "cnn", "--limit", "30000", "--epochs", "1", "--mnist", MNIST))
        tf.stdin.write("go\n"); tf.stdin.flush()
        r = json.loads(tf.stdout.readline()); times["tf train"].append(r["seconds"]); version = r["version"]
    tf.stdin.close(); tf.wait()
    med = {k: statistics.median(v) for k, v in times.items()}
    goal_rows["predict"] = (med["predict"], med["keras predict"], f"Keras {keras.__version__} (jax) `predict`, median of {rounds}", True)
    goal_rows["cnn recipe"] = (med["train"], med["tf train"], f"Keras {version} (tensorflow), the same work, median of {rounds}", True)


def mlp_benchmark():
    # The seed notebook's NumPy training loop, one epoch (SGD lr 0.01, batch 64, 56000 rows, float64 weights).
    from sklearn.model_selection import train_test_split
    X = np.concatenate([idx(os.path.join(MNIST, "train-images-idx3-ubyte.gz")), idx(os.path.join(MNIST, "t10k-images-idx3-ubyte.gz"))]).reshape(70000, 784).astype(np.float32) / 255.0
    y = np.concatenate([idx(os.path.join(MNIST, "train-labels-idx1-ubyte.gz")), idx(os.path.join(MNIST, "t10k-labels-idx1-ubyte.gz"))])
    Xtr, _, ytr, _ = train_test_split(X, np.eye(10)[y], test_size=0.2, random_state=42)
    rng = np.random.default_rng(0)
    W1, W2, W3 = rng.standard_normal((784, 128)) * np.sqrt(2 / 784), rng.standard_normal((128, 64)) * np.sqrt(2 / 128), rng.standard_normal((64, 10)) * np.sqrt(2 / 64)
    b1, b2, b3 = np.zeros((1, 128)), np.zeros((1, 64)), np.zeros((1, 10))
    def epoch():
        nonlocal W1, W2, W3, b1, b2, b3
        p = rng.permutation(len(Xtr))
        for i in range(0, len(Xtr), 64):
            xb, yb = Xtr[p[i:i + 64]], ytr[p[i:i + 64]]
            z1 = xb @ W1 + b1; a1 = np.maximum(0, z1); z2 = a1 @ W2 + b2; a2 = np.maximum(0, z2); z3 = a2 @ W3 + b3
            e = np.exp(z3 - z3.max(1, keepdims=True)); a3 = e / e.sum(1, keepdims=True)
            m = len(xb); d3 = (a3 - yb) / m
            dW3 = a2.T @ d3; db3 = d3.sum(0, keepdims=True); d2 = (d3 @ W3.T) * (z2 > 0)
            dW2 = a1.T @ d2; db2 = d2.sum(0, keepdims=True); d1 = (d2 @ W2.T) * (z1 > 0)
            dW1 = xb.T @ d1; db1 = d1.sum(0, keepdims=True)
            W1 -= 0.01 * dW1; b1 -= 0.01 * db1; W2 -= 0.01 * dW2; b2 -= 0.01 * db2; W3 -= 0.01 * dW3; b3 -= 0.01 * db3
    t = best(3, epoch)  # three consecutive epochs, as the Swift side
    s = {r["name"]: r["seconds"] for r in swift("mlp-train-epoch", MNIST)}
    rows.append(("seed MLP recipe, one training epoch (56000 rows)", s["mlp-train-epoch"], t, "the seed's NumPy loop"))
    goal_rows["mlp epoch"] = (s["mlp-train-epoch"], t, "the seed's NumPy loop (best of 3 epochs)", True)


def sgemm_peak(coretype_unset):
    """GFLOP/s of one large float32 matrix product (4096^3) through `Float.gemm` (oneDNN's sgemm since issue 15; it
    ignores OPENBLAS_CORETYPE, so both figures should agree), all cores: the
    machine's practical ceiling for the GEMMs training is made of, under the environment's OPENBLAS_CORETYPE or
    without it."""
    return swift("sgemm-peak", env=without_coretype() if coretype_unset else None)[-1]["gflops"]


def seed_cnn_epoch_flops(images=54000):
    """Multiply-adds x 2 of one training epoch of the seed CNN: forward, weight gradients, and input gradients of
    every layer but the first (whose input needs none)."""
    macs = {"conv1": 26 * 26 * 32 * 3 * 3 * 1, "conv2": 11 * 11 * 64 * 3 * 3 * 32, "dense1": 1600 * 128, "dense2": 128 * 10}
    per_image = 3 * sum(macs.values()) - macs["conv1"]
    return 2 * per_image * images


def ceiling_section(swift_native_epoch):
    """The compute ceiling of this machine against the seed CNN epoch, as a Markdown section."""
    env_coretype = os.environ.get("OPENBLAS_CORETYPE")
    setting = f"`OPENBLAS_CORETYPE={env_coretype}`" if env_coretype else "`OPENBLAS_CORETYPE` unset"
    unset_label = "`OPENBLAS_CORETYPE` unset" + (", a second run" if not env_coretype else "")
    peak_env, peak_native = sgemm_peak(False), sgemm_peak(True)
    flops = seed_cnn_epoch_flops()
    by_name = {name: (sw, py) for name, sw, py, label in rows if "training epoch" in name and "tensorflow" in label}
    lines = ["## Compute ceiling of the CNN training epoch", "",
             f"One epoch of the seed CNN recipe is {flops / 1e12:.3f} TFLOP (forward pass, weight gradients, input gradients;",
             "counted from the layer shapes in `scripts/bench.py`). A large float32 matrix product (4096^3, through `Float.gemm`,",
             f"oneDNN's sgemm since issue 15, both cores; `weightbridge-bench sgemm-peak`) runs at {peak_env:.0f} GFLOP/s under this environment's setting ({setting}) and at",
             f"{peak_native:.0f} GFLOP/s with the variable unset (oneDNN picks its kernel from the CPU either way). Those are the practical",
             "ceilings for the GEMMs training is made of; small convolution GEMMs reach less.", ""]
    for name, (sw, tf) in by_name.items():
        lines += ["| run | seconds | effective GFLOP/s |", "|---|---|---|",
                  f"| WeightBridge, {setting} | {sw:.2f} | {flops / sw / 1e9:.0f} |"]
        if swift_native_epoch:
            lines.append(f"| WeightBridge, {unset_label} | {swift_native_epoch:.2f} | {flops / swift_native_epoch / 1e9:.0f} |")
        lines += [f"| Keras/TensorFlow (oneDNN, its kernels chosen from the CPU whatever the variable) | {tf:.2f} | {flops / tf / 1e9:.0f} |",
                  f"| 2x faster than Keras/TensorFlow (issue 6's target) | {tf / 2:.2f} | {2 * flops / tf / 1e9:.0f} |", "",
                  f"The 2x target needs {2 * flops / tf / 1e9:.0f} GFLOP/s: {2 * flops / tf / 1e9 / peak_env:.1f}x the large-GEMM ceiling under",
                  f"the environment's setting and {2 * flops / tf / 1e9 / peak_native * 100:.0f}% of it with the variable unset. The counts are of direct",
                  "convolution; Winograd's forward passes do fewer multiply-adds, so the effective rate can exceed what the GEMMs run at.", ""]
    return "\n".join(lines) + "\n"


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip(); break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, Python {platform.python_version()}, NumPy {np.__version__}"


def versions():
    """The versions the figures depend on: Swift, oneDNN, OpenBLAS, libdeflate, Keras and its backends."""
    def package(name):
        r = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", name], capture_output=True, text=True)
        return r.stdout.split("-")[0] if r.returncode == 0 else "?"
    swift_version = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.split("version ")[-1].split()[0]
    from importlib.metadata import version
    python_side = ", ".join(f"{p} {version(p)}" for p in ("keras", "jax", "tensorflow"))
    return (f"Swift {swift_version}, oneDNN {package('libdnnl-dev')}, OpenBLAS {package('libopenblas-dev')}, "
            f"libdeflate {package('libdeflate-dev')}, {python_side}")


# Issue 15's table, in its order: (key, work, goal for WeightBridge / peer).
GOALS = [
    ("write stored", "write a {mb} MiB `.npz`, stored (`convert x.npy y.npz`)", 1.0),
    ("write deflated", "write it deflated (`convert --compress`; same size or smaller)", 0.5),
    ("read stored", "read it back, stored (`convert y.npz:x z.npy`)", 1.0),
    ("read deflated", "read it back, deflated", 1.0),
    ("inspect 1 GiB", "`inspect` an `.npz` with one 1 GiB member: peak memory / member size", 0.25),
    ("predict", "seed CNN, `predict` 10,000 MNIST test images (whole process)", 1.0),
    ("cnn recipe", "seed CNN recipe, 30k rows: an epoch with its validation split, then training and test accuracy (whole `train` process)", 0.6),
    ("mlp epoch", "seed MLP recipe, one training epoch (56,000 rows, float64)", 0.5),
]


def goal_table():
    """Issue 15's table as Markdown: every row with both figures, the ratio and whether it meets its goal."""
    lines = ["| work | WeightBridge | peer | peer side | WeightBridge / peer | goal | met |", "|---|---|---|---|---|---|---|"]
    for key, work, goal in GOALS:
        work = work.format(mb=MEGABYTES // 2)
        if key not in goal_rows:
            lines.append(f"| {work} | not run | | | | <= {goal} | |"); continue
        if key == "inspect 1 GiB":
            ratio = goal_rows[key]
            lines.append(f"| {work} | {ratio * 1024:.0f} MiB | 1024 MiB | the member | {ratio:.2f} | <= {goal} | {'yes' if ratio <= goal else 'no'} |")
            continue
        ours, peer, label, extra = goal_rows[key]
        ratio = ours / peer
        met = "yes" if ratio <= goal and extra else "no"
        lines.append(f"| {work} | {ours:.3f} s | {peer:.3f} s | {label} | {ratio:.2f} | <= {goal} | {met} |")
    return lines


if __name__ == "__main__" and sys.argv[1:] == ["--keras-tf-side"]:
    keras_tf_side()
    sys.exit(0)

if __name__ == "__main__" and sys.argv[1:] == ["--cli-npz"]:
    # The whole-process rows alone (medians of interleaved runs), printed, Docs untouched.
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        cli_npz_benchmarks(tmp)
    print("\n".join(goal_table() + durable_table()))
    for name, peak, member, goal in memory_rows:
        print(f"| {name} | {peak / 2**20:.0f} MiB | {member / 2**20:.0f} MiB | {peak / member:.2f} | {goal} | {memory_goal_met(peak, member, goal)} |")
    sys.exit(0)

if __name__ == "__main__" and sys.argv[1:] == ["--compute"]:
    # The three compute rows of issue 15 alone (predict, the CNN recipe, the MLP epoch), printed, Docs untouched.
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        issue15_compute_rows(tmp)
    mlp_benchmark()
    print("\n".join(goal_table()))
    sys.exit(0)

if __name__ == "__main__" and sys.argv[1:] == ["--tf-recipe-server"]:
    tf_recipe_server()
    sys.exit(0)

if __name__ == "__main__":
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        cli_npz_benchmarks(tmp)
        memory_benchmarks(tmp)
        issue15_compute_rows(tmp)
        npz_benchmarks(tmp)
    mlp_benchmark()
    keras_benchmarks()
    env_coretype = os.environ.get("OPENBLAS_CORETYPE")
    lines = ["# Benchmarks", "",
             f"Measured by `make bench` (scripts/bench.py) on {datetime.date.today().isoformat()} in one run of {(time.perf_counter() - started) / 60:.0f} minutes:",
             f"{machine()}; {versions()}; `OPENBLAS_CORETYPE` {env_coretype or 'unset'}. Release builds. Lower ratios are better.", "",
             "## Issue 15: WeightBridge against NumPy and Keras", "",
             "Whole `weightbridge` processes (start-up to exit, every write atomic and fsynced) against the Python library call",
             "alone in a warm interpreter. The stored rows compare with NumPy's write fsynced too, as durable as ours (issue 15:",
             "\"durability stays\"); the other rows' NumPy writes are not fsynced. Rows of several runs alternate the two sides",
             "round by round and give medians; the deflated write runs once per side.", ""]
    lines += goal_table() + durable_table()
    baseline = peak_rss("--version")
    lines += ["", "## Peak memory (whole process, `/usr/bin/time -f %M`; the isolated `.h5` reader's peak counts if larger)", "",
              f"`weightbridge --version` alone peaks at {baseline / 2**20:.0f} MiB (the Swift runtime, Foundation and the linked",
              "libraries): the column \"above the process\" subtracts it, which is what the command itself holds.", "",
              "| work | peak RSS | largest member | peak / member | above the process / member | goal | met |",
              "|---|---|---|---|---|---|---|"]
    for name, peak, member, goal in memory_rows:
        lines.append(f"| {name} | {peak / 2**20:.0f} MiB | {member / 2**20:.0f} MiB | {peak / member:.2f} | "
                     f"{(peak - baseline) / member:.2f} | <= {goal} | {'yes' if memory_goal_met(peak, member, goal) else 'no'} |")
    lines += ["", "## Library calls (`weightbridge-bench`, in process) against the same Python calls", "",
              "Best of several runs each (one run for CNN training epochs and deflated writes, best of three consecutive epochs for the MLP).", "",
              "| benchmark | WeightBridge (Swift) | Python | Python side | WeightBridge / Python |", "|---|---|---|---|---|"]
    for name, s, p, label in rows:
        lines.append(f"| {name} | {s:.3f} s | {p:.3f} s | {label} | {s / p:.2f} |")
    lines.append("")
    with open(os.path.join(ROOT, "Docs", "benchmarks.md"), "w") as f:
        f.write("\n".join(lines) + "\n" + ceiling_section(swift_native_epoch) + "\n"
                + open(os.path.join(ROOT, "scripts", "benchmarks_notes.md")).read())
    print("\n".join(lines))
