#!/usr/bin/env bash
# Side-by-side benchmarks against NumPy and Keras; writes Docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --python
export PATH="/opt/swift/usr/bin:$PATH"
swift build -c release --product weightbridge-bench
swift build -c release --product weightbridge   # the isolated .h5 reader runs it
export KERAS_BACKEND="${KERAS_BACKEND:-jax}" TF_CPP_MIN_LOG_LEVEL=3
exec "${WEIGHTBRIDGE_VENV:-$HOME/.cache/weightbridge/venv}/bin/python" scripts/bench.py
