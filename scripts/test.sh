#!/usr/bin/env bash
# Runs every test: sets up the machine (apt packages, Python venv), builds in release mode,
# runs the Swift test suite (unit, fixture, refusal, CLI end-to-end, and interop/parity tests
# that check Swift's files and outputs against real NumPy/h5py/Keras), then builds and runs
# the example consumer package that depends on WeightBridge by path.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --python
export PATH="/opt/swift/usr/bin:$PATH"
export WEIGHTBRIDGE_PYTHON="${WEIGHTBRIDGE_VENV:-$HOME/.cache/weightbridge/venv}/bin/python"
export KERAS_BACKEND=jax
export TF_CPP_MIN_LOG_LEVEL=3
# The corpus tests record each real-world file's result here; the table in Docs/compatibility.md is
# rendered from it after the run.
export WEIGHTBRIDGE_CORPUS_RESULTS="$PWD/.build/corpus-results.json"
# The architecture tests (keras.applications and hand-built graphs) record theirs here, for the table in the same doc.
export WEIGHTBRIDGE_ARCHITECTURE_RESULTS="$PWD/.build/architecture-results.json"

echo "== build and run the tests (release, -enable-testing; also builds the weightbridge binary the CLI tests run)"
mkdir -p .build
set +e
swift test -c release -Xswiftc -enable-testing --disable-swift-testing 2>&1 | tee .build/test.log | grep -vE "^\[[0-9]+/[0-9]+\] (Compiling|Emitting|Linking|Write|Wrapping|Build)|^Test Case .* started"
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
  echo "tests failed (exit $status)"; exit "$status"
fi
if [ -f "$WEIGHTBRIDGE_CORPUS_RESULTS" ]; then
  echo "== Docs/compatibility.md from this run's corpus results"
  "$WEIGHTBRIDGE_PYTHON" Fixtures/generate/corpus_references.py --render-doc "$WEIGHTBRIDGE_CORPUS_RESULTS"
fi
if [ -f "$WEIGHTBRIDGE_ARCHITECTURE_RESULTS" ]; then
  echo "== Docs/compatibility.md architecture table from this run"
  "$WEIGHTBRIDGE_PYTHON" Fixtures/generate/render_architectures.py "$WEIGHTBRIDGE_ARCHITECTURE_RESULTS"
fi
if [ -d Docs/examples/ConsumerApp ]; then
  echo "== example consumer package (Docs/examples/ConsumerApp)"
  (cd Docs/examples/ConsumerApp && swift build -c release && swift run -c release ConsumerApp ../../../Fixtures/mnist ../../../../shared/seed)
fi
# The plain closing line: XCTest's own count of the Swift tests, all of which passed to get here.
# XCTest's last summary is the whole run: "Executed N tests, with [S tests skipped and] 0 failures".
summary=$(grep -Eo "Executed [0-9]+ tests?, with ([0-9]+ tests? skipped and )?[0-9]+ failures?" .build/test.log | tail -1)
executed=$(echo "$summary" | awk '{print $2}')
skipped=$(echo "$summary" | { grep -Eo "[0-9]+ tests? skipped" || true; } | awk '{print $1}')
echo "all tests passed"
if [ -n "$skipped" ]; then
  echo "tests: $((executed - skipped)) passed, $skipped skipped (their input files are missing, see the log), 0 failed"
else
  echo "tests: ${executed:-0} passed, 0 failed"
fi
