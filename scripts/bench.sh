#!/usr/bin/env bash
# Side-by-side benchmarks against NumPy and Keras; writes Docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --python
export PATH="/opt/swift/usr/bin:$PATH"
# Its own build directory: the release build `make build` makes (no -enable-testing, unlike `make test`'s; the Swift
# runtime linked in), kept apart so that neither build invalidates the other.
swift build -c release --static-swift-stdlib --build-path .build-bench --product weightbridge-bench
swift build -c release --static-swift-stdlib --build-path .build-bench --product weightbridge   # the isolated .h5 reader runs it
export KERAS_BACKEND="${KERAS_BACKEND:-jax}" TF_CPP_MIN_LOG_LEVEL=3
exec "${WEIGHTBRIDGE_VENV:-$HOME/.cache/weightbridge/venv}/bin/python" scripts/bench.py
