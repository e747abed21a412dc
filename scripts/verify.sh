#!/usr/bin/env bash
# The main job: sets up the machine, builds WeightBridge in release mode and runs
# `weightbridge verify` on the user's files (../shared/seed by default).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="/opt/swift/usr/bin:$PATH"
swift build -c release --product weightbridge >/dev/null
seed="${SEED:-../shared/seed}"
exec .build/release/weightbridge verify --mlp "$seed/mlp_weights.npz" --cnn "$seed/cnn_model.h5" "$@"
