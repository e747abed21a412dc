#!/usr/bin/env bash
# Installs what WeightBridge needs on a fresh Debian machine that has the Swift toolchain:
#   system libraries (libhdf5, OpenBLAS, oneDNN, zlib, libdeflate, OpenSSL libcrypto, pkg-config) and, with --python, the Python venv
#   used by the tests to check interop against real NumPy/h5py/Keras.
# Idempotent: does nothing that is already done.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
want_python=0
[ "${1:-}" = "--python" ] && want_python=1

export PATH="/opt/swift/usr/bin:$PATH"
command -v swift >/dev/null || { echo "setup: the Swift toolchain is not on PATH (expected /opt/swift/usr/bin)" >&2; exit 1; }

packages=(libhdf5-dev libopenblas-dev libdnnl-dev zlib1g-dev libdeflate-dev libssl-dev pkg-config)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ $want_python -eq 1 ]; then
  venv="${WEIGHTBRIDGE_VENV:-$HOME/.cache/weightbridge/venv}"
  stamp="$venv/.requirements.sha256"
  want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
  if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "setup: creating the Python test venv in $venv (numpy, h5py, keras, jax, tf-keras, scikit-learn)"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --upgrade pip
    "$venv/bin/pip" install -q -r "$here/requirements.txt"
    echo "$want" > "$stamp"
  fi
fi
