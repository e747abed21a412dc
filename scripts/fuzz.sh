#!/usr/bin/env bash
# Coverage-guided fuzzing of the NumPy readers with libFuzzer (swiftc -sanitize=fuzzer,address).
#
#   bash scripts/fuzz.sh [seconds-per-harness] [harness...]     (default: 60 s, harnesses npy npz)
#
# The harnesses (Tests/Fuzz/<harness>/*.swift) are not SwiftPM targets: SwiftPM cannot link a
# libFuzzer main. SafeIO, ZIPFoundation and NumPyFormat are compiled here as static libraries with
# coverage and AddressSanitizer, then linked with each harness. The corpus starts from
# Fixtures/fuzz/<harness>/corpus (committed seeds) plus Fixtures/fuzz/regressions (past findings);
# new corpus entries and crash files go to .build-fuzz/, never into the repository.
# Every crash, timeout or out-of-memory input is written to .build-fuzz/<harness>/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SECONDS_EACH=${1:-60}
shift || true
HARNESSES=("$@")
[ ${#HARNESSES[@]} -gt 0 ] || HARNESSES=(npy npz)
OUT=$ROOT/.build-fuzz
LIB=$OUT/lib
mkdir -p "$LIB"

ZIPF=$ROOT/.build/checkouts/ZIPFoundation/Sources
if [ ! -d "$ZIPF/ZIPFoundation" ]; then
    swift package resolve
fi
# _GNU_SOURCE: ZIPFoundation needs fopencookie (its Package.swift defines it the same way).
FLAGS=(-sanitize=fuzzer,address -parse-as-library -O -g -swift-version 5 -Xcc -D_GNU_SOURCE=1)

build_module() {  # name, sources...
    local name=$1
    shift
    echo "fuzz.sh: building $name"
    (cd "$LIB" && swiftc "${FLAGS[@]}" -I "$LIB" -I "$ZIPF/CZLib" -module-name "$name" \
        -emit-module -emit-library -static -o "$LIB/lib$name.a" "$@")
}

if [ ! -f "$LIB/.stamp" ] || [ -n "$(find Sources/SafeIO Sources/NumPyFormat Tests/Fuzz -newer "$LIB/.stamp" -name '*.swift' | head -1)" ]; then
    build_module SafeIO "$ROOT"/Sources/SafeIO/*.swift
    build_module ZIPFoundation "$ZIPF"/ZIPFoundation/*.swift
    build_module NumPyFormat "$ROOT"/Sources/NumPyFormat/*.swift
    touch "$LIB/.stamp"
fi

status=0
for h in "${HARNESSES[@]}"; do
    dir=$OUT/$h
    mkdir -p "$dir/corpus" "$dir/artifacts"
    echo "fuzz.sh: linking $h"
    # ld.gold warns once per ASan helper symbol ("Cannot export local symbol"); keep that out of the way.
    swiftc "${FLAGS[@]}" -I "$LIB" -I "$ZIPF/CZLib" -L "$LIB" -lNumPyFormat -lZIPFoundation -lSafeIO -lz \
        Tests/Fuzz/"$h"/*.swift -o "$dir/fuzz-$h" 2>"$dir/link.log" || { cat "$dir/link.log"; exit 1; }
    seeds=("$ROOT/Fixtures/fuzz/$h/corpus")
    [ -d "$ROOT/Fixtures/fuzz/regressions" ] && seeds+=("$ROOT/Fixtures/fuzz/regressions")
    echo "fuzz.sh: running $h for ${SECONDS_EACH}s"
    rc=0
    LSAN_OPTIONS=suppressions=$ROOT/Tests/Fuzz/lsan.supp:print_suppressions=0 FUZZ_TMPDIR=$dir nice "$dir/fuzz-$h" "$dir/corpus" "${seeds[@]}" \
        -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
        -artifact_prefix="$dir/artifacts/" -print_final_stats=1 >"$dir/last-run.log" 2>&1 || rc=$?
    grep -E '^(#[0-9]+[[:space:]]+(INITED|DONE)|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY|.*Test unit written)' \
        "$dir/last-run.log" || true
    if [ "$rc" != 0 ]; then
        echo "fuzz.sh: $h FOUND A PROBLEM (exit $rc), see $dir/artifacts and $dir/last-run.log"
        status=1
    fi
done
exit $status
