"""Run-to-run spread of the seed CNN recipe: WeightBridge (Swift) and Keras (TensorFlow backend) trained
with the same recipe under several seeds on this machine; writes Docs/training.md.

The recipe (../shared/seed/PROVENANCE.md): Conv2D(32,3)-MaxPool-Conv2D(64,3)-MaxPool-Flatten-Dense(128)-Dense(10),
Adam lr 0.001, batch 128, 12 epochs, validation_split 0.1, test on the 10000 MNIST test images.
Usage: python scripts/seed_study.py SEEDS...   (needs a release build of weightbridge, or WEIGHTBRIDGE_BIN)
Every run's result is kept in Docs/seed_study.json; seeds already there are not trained again, and the page
covers every seed in it.
"""
import datetime, gzip, json, os, statistics, struct, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MNIST = os.path.join(ROOT, "Fixtures", "mnist")


def idx(path):
    import numpy as np
    d = gzip.open(path).read()
    if struct.unpack(">I", d[:4])[0] == 2051:
        n, r, c = struct.unpack(">III", d[4:16]); return np.frombuffer(d, np.uint8, offset=16).reshape(n, r, c)
    return np.frombuffer(d, np.uint8, offset=8)


def keras_run(seed):
    """In a child process with KERAS_BACKEND=tensorflow: the recipe under `seed`, test accuracy as JSON."""
    import numpy as np, keras
    keras.utils.set_random_seed(seed)
    xtr = idx(os.path.join(MNIST, "train-images-idx3-ubyte.gz")).reshape(-1, 28, 28, 1).astype(np.float32) / 255.0
    ytr = idx(os.path.join(MNIST, "train-labels-idx1-ubyte.gz"))
    xte = idx(os.path.join(MNIST, "t10k-images-idx3-ubyte.gz")).reshape(-1, 28, 28, 1).astype(np.float32) / 255.0
    yte = idx(os.path.join(MNIST, "t10k-labels-idx1-ubyte.gz"))
    L = keras.layers
    m = keras.Sequential([keras.Input((28, 28, 1)), L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(2), L.Conv2D(64, 3, activation="relu"),
                          L.MaxPooling2D(2), L.Flatten(), L.Dense(128, activation="relu"), L.Dense(10, activation="softmax")])
    m.compile(optimizer=keras.optimizers.Adam(0.001), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    m.fit(xtr, ytr, batch_size=128, epochs=12, validation_split=0.1, verbose=0)
    print(json.dumps({"test": float(m.evaluate(xte, yte, verbose=0)[1]), "version": keras.__version__}))


def main(seeds):
    store = os.path.join(ROOT, "Docs", "seed_study.json")
    results = json.load(open(store)) if os.path.exists(store) else {"swift": {}, "keras": {}, "version": "?"}
    binary = os.environ.get("WEIGHTBRIDGE_BIN", os.path.join(ROOT, ".build", "release", "weightbridge"))
    for s in seeds:
        if str(s) in results["swift"] and str(s) in results["keras"]:
            continue
        out = subprocess.run([binary, "train", "cnn", "--seed", str(s), "--json"],
                             capture_output=True, text=True, check=True, cwd=ROOT).stdout
        results["swift"][str(s)] = json.loads(out)["testAccuracy"]
        env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
        out = subprocess.run([sys.executable, __file__, "--keras", str(s)], capture_output=True, text=True, env=env, check=True).stdout
        r = json.loads([l for l in out.splitlines() if l.startswith("{")][-1])
        results["keras"][str(s)] = r["test"]; results["version"] = r["version"]
        print(s, results["swift"][str(s)], results["keras"][str(s)], flush=True)
        with open(store + ".tmp", "w") as f:
            json.dump(results, f, indent=1, sort_keys=True)
        os.replace(store + ".tmp", store)
    version = results["version"]
    seeds = sorted(int(s) for s in results["swift"] if s in results["keras"])
    lines = ["# Training: run-to-run spread of the seed CNN recipe", "",
             f"Made by `scripts/seed_study.py` (raw results in `Docs/seed_study.json`); last run {datetime.date.today().isoformat()}, 2-core AMD EPYC.",
             "Each row trains the seed CNN recipe from scratch (Adam 0.001, batch 128, 12 epochs, validation split 0.1)",
             f"with the given seed, in WeightBridge (`weightbridge train cnn --seed S`) and in Keras {version} (TensorFlow",
             "backend, `keras.utils.set_random_seed(S)`); the figure is accuracy on the 10000 MNIST test images.",
             "The seeds do not give the two frameworks the same initial weights: the rows compare distributions.", "",
             "| seed | WeightBridge | Keras/TF |", "|---|---|---|"]
    for s in seeds:
        lines.append(f"| {s} | {results['swift'][str(s)] * 100:.2f}% | {results['keras'][str(s)] * 100:.2f}% |")
    for name in ["swift", "keras"]:
        v = [results[name][str(s)] for s in seeds]
        lines.append("")
        lines.append(f"{'WeightBridge' if name == 'swift' else 'Keras/TF'}: mean {statistics.mean(v) * 100:.2f}%, "
                     f"standard deviation {statistics.stdev(v) * 100:.2f} points, min {min(v) * 100:.2f}%, max {max(v) * 100:.2f}%, "
                     f"runs reaching 99.1%: {sum(x >= 0.991 for x in v)} of {len(v)}.")
    lines.append("")
    sw = [results["swift"][str(s)] for s in seeds]; ke = [results["keras"][str(s)] for s in seeds]
    above = sum(x >= 0.9929 for x in ke)
    diff = abs(statistics.mean(sw) - statistics.mean(ke))
    se = (statistics.stdev(sw) ** 2 / len(sw) + statistics.stdev(ke) ** 2 / len(ke)) ** 0.5
    lines.append(f"The user's own Keras run reported 99.29%; {above} of these {len(ke)} Keras/TF runs reached it. "
                 "A single run of the recipe lands anywhere in the spread above, in either framework, so a fixed bar of 99.1% "
                 "at one seed is met by chance, not by a property of the trainer. WeightBridge "
                 f"and Keras train the recipe to means of {statistics.mean(sw) * 100:.2f}% and {statistics.mean(ke) * 100:.2f}%: "
                 f"a difference of {diff * 100:.2f} points against a standard error of the difference of {se * 100:.2f} points "
                 f"({'no' if diff < 2 * se else 'a'} significant difference at two standard errors).")
    with open(os.path.join(ROOT, "Docs", "training.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    if sys.argv[1] == "--keras":
        keras_run(int(sys.argv[2]))
    else:
        main([int(a) for a in sys.argv[1:]])
