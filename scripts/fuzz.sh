#!/usr/bin/env bash
# Coverage-guided fuzzing of the file readers with libFuzzer (swiftc -sanitize=fuzzer,address).
#
#   bash scripts/fuzz.sh [seconds-per-harness] [harness...]
#        (default: 60 s, harnesses npy npz keras_config keras_yaml h5)
#
# The harnesses (Tests/Fuzz/<harness>/*.swift) are not SwiftPM targets: SwiftPM cannot link a
# libFuzzer main. SafeIO, ZIPFoundation, NumPyFormat, libyaml (CYaml), Yams, HDF5 and KerasFormat are
# compiled here as static libraries with coverage and AddressSanitizer, then linked with each harness.
# libhdf5 itself is the system library (pkg-config hdf5): it is not instrumented, so the fuzzer gets no
# coverage from inside it, and ASan sees only the memory errors that reach its interceptors.
# The corpus starts from Fixtures/fuzz/<harness>/corpus (committed seeds) plus Fixtures/fuzz/regressions
# (past findings); new corpus entries and crash files go to .build-fuzz/, never into the repository.
# Every crash, timeout or out-of-memory input is written to .build-fuzz/<harness>/artifacts/.
#
# The h5 harness runs in libFuzzer's fork mode and keeps going after a crash. Afterwards every crash
# input is replayed and its stack classified: a crash whose top frame is in our code fails the script; a
# crash inside libhdf5 fails it unless its signature (the top three libhdf5 frames) is listed in
# Fixtures/fuzz/h5/known_libhdf5_crashes.txt (known bugs of Debian's libhdf5 1.10.8, see
# Docs/reliability.md). Known crashes are still reported on every run; they are not fixed, only expected.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SECONDS_EACH=${1:-60}
shift || true
HARNESSES=("$@")
[ ${#HARNESSES[@]} -gt 0 ] || HARNESSES=(npy npz keras_config keras_yaml h5)
OUT=$ROOT/.build-fuzz
LIB=$OUT/lib
mkdir -p "$LIB"

CHECKOUTS=$ROOT/.build/checkouts
if [ ! -d "$CHECKOUTS/ZIPFoundation/Sources/ZIPFoundation" ] || [ ! -d "$CHECKOUTS/Yams/Sources/Yams" ]; then
    swift package resolve
fi
ZIPF=$CHECKOUTS/ZIPFoundation/Sources
YAMS=$CHECKOUTS/Yams/Sources
HDF5_CFLAGS=$(pkg-config --cflags hdf5 | xargs)   # -I/usr/include/hdf5/serial
HDF5_LIBDIR=$(pkg-config --variable=libdir hdf5 2>/dev/null || true)
[ -n "$HDF5_LIBDIR" ] || HDF5_LIBDIR=$(pkg-config --libs-only-L hdf5 | xargs | sed "s/^-L//")
# _GNU_SOURCE: ZIPFoundation needs fopencookie (its Package.swift defines it the same way).
# YAML_DECLARE_STATIC: as Yams' Package.swift.
FLAGS=(-sanitize=fuzzer,address -parse-as-library -O -g -swift-version 5 -Xcc -D_GNU_SOURCE=1
    -Xcc -DYAML_DECLARE_STATIC -Xcc "$HDF5_CFLAGS")
INCLUDES=(-I "$LIB" -I "$ZIPF/CZLib" -I "$ROOT/Sources/CGzip" -I "$YAMS/CYaml/include" -I "$ROOT/Sources/CHDF5")

build_module() {  # name, sources...
    local name=$1
    shift
    echo "fuzz.sh: building $name"
    (cd "$LIB" && swiftc "${FLAGS[@]}" "${INCLUDES[@]}" -module-name "$name" \
        -emit-module -emit-library -static -o "$LIB/lib$name.a" "$@")
}

if [ ! -f "$LIB/.stamp" ] || [ -n "$(find Sources/SafeIO Sources/NumPyFormat Sources/HDF5 Sources/KerasFormat Tests/Fuzz \
    -newer "$LIB/.stamp" -name '*.swift' | head -1)" ]; then
    build_module SafeIO "$ROOT"/Sources/SafeIO/*.swift
    build_module ZIPFoundation "$ZIPF"/ZIPFoundation/*.swift
    build_module NumPyFormat "$ROOT"/Sources/NumPyFormat/*.swift
    echo "fuzz.sh: building CYaml (libyaml)"
    rm -f "$LIB"/libCYaml.a "$LIB"/cyaml-*.o
    for c in "$YAMS"/CYaml/src/*.c; do
        clang -fsanitize=fuzzer-no-link,address -O1 -g -DYAML_DECLARE_STATIC -I "$YAMS/CYaml/include" \
            -c "$c" -o "$LIB/cyaml-$(basename "$c" .c).o"
    done
    ar rcs "$LIB/libCYaml.a" "$LIB"/cyaml-*.o
    build_module Yams -D SWIFT_PACKAGE "$YAMS"/Yams/*.swift
    build_module HDF5 "$ROOT"/Sources/HDF5/*.swift
    build_module KerasFormat "$ROOT"/Sources/KerasFormat/*.swift
    touch "$LIB/.stamp"
fi

# Libraries each harness links, in dependency order.
libs_for() {
    case $1 in
        npy | npz) echo "-lNumPyFormat -lZIPFoundation -lSafeIO -lz" ;;
        keras_config | keras_yaml | h5) echo "-lKerasFormat -lYams -lCYaml -lHDF5 -lSafeIO -L$HDF5_LIBDIR -lhdf5" ;;
        *) echo "fuzz.sh: unknown harness $1" >&2; exit 2 ;;
    esac
}

# The top three libhdf5 frames of a crash's stack ("H5A__x<H5A_y<H5O_z"), or "ours:<frame>" when the
# first symbolized frame outside the sanitizer runtime is not in libhdf5.
crash_signature() {  # log file
    awk '/^ *#[0-9]+ 0x[0-9a-f]+ in / {
            fn = $4; where = $0
            if (where ~ /libclang_rt|compiler-rt|asan_|sanitizer_common/) next
            if (where ~ /libhdf5/) { if (n < 3) { sig = sig (n ? "<" : "") fn; n++ } ; next }
            if (n == 0) { print "ours:" fn; exit } else { exit }
         }
         END { if (n > 0) print sig }' "$1" | head -1
}

status=0
for h in "${HARNESSES[@]}"; do
    dir=$OUT/$h
    mkdir -p "$dir/corpus" "$dir/artifacts"
    echo "fuzz.sh: linking $h"
    # ld.gold warns once per ASan helper symbol ("Cannot export local symbol"); keep that out of the way.
    # shellcheck disable=SC2046
    swiftc "${FLAGS[@]}" "${INCLUDES[@]}" -L "$LIB" $(libs_for "$h") \
        Tests/Fuzz/"$h"/*.swift -o "$dir/fuzz-$h" 2>"$dir/link.log" || { cat "$dir/link.log"; exit 1; }
    seeds=("$ROOT/Fixtures/fuzz/$h/corpus")
    [ -d "$ROOT/Fixtures/fuzz/regressions" ] && seeds+=("$ROOT/Fixtures/fuzz/regressions")
    extra=()
    if [ "$h" = h5 ]; then
        # Keep fuzzing past crashes inside libhdf5; timeouts and OOMs still stop the run.
        extra=(-fork=1 -ignore_crashes=1 -ignore_timeouts=0 -ignore_ooms=0)
    fi
    echo "fuzz.sh: running $h for ${SECONDS_EACH}s"
    rc=0
    LSAN_OPTIONS=suppressions=$ROOT/Tests/Fuzz/lsan.supp:print_suppressions=0 FUZZ_TMPDIR=$dir nice -n 10 "$dir/fuzz-$h" \
        "$dir/corpus" "${seeds[@]}" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
        -artifact_prefix="$dir/artifacts/" -print_final_stats=1 "${extra[@]}" >"$dir/last-run.log" 2>&1 || rc=$?
    grep -E '^(#[0-9]+[[:space:]]+(INITED|DONE)|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY|.*Test unit written)' \
        "$dir/last-run.log" | sort | uniq -c | sort -rn | head -20 || true
    if [ "$h" = h5 ]; then
        known=$ROOT/Fixtures/fuzz/h5/known_libhdf5_crashes.txt
        new=0
        for artifact in "$dir"/artifacts/crash-*; do
            [ -e "$artifact" ] || continue
            ASAN_OPTIONS=detect_leaks=0 FUZZ_TMPDIR=$dir "$dir/fuzz-h5" "$artifact" >"$artifact.log" 2>&1 || true
            sig=$(crash_signature "$artifact.log")
            [ -n "$sig" ] || sig="unclassified:$(grep -m1 -oE 'ERROR: [A-Za-z]+: [a-z-]+' "$artifact.log" || echo none)"
            echo "$sig" >"$artifact.sig"
            if [[ $sig != ours:* && $sig != unclassified:* ]] && grep -qxF "$sig" <(grep -v '^#' "$known" | cut -d' ' -f1); then
                echo "fuzz.sh: h5: known libhdf5 crash $sig ($(basename "$artifact"))"
            else
                echo "fuzz.sh: h5: NEW crash $sig ($(basename "$artifact"), stack in $artifact.log)"
                new=1
            fi
        done
        # In fork mode libFuzzer exits non-zero when crashes were ignored; only unlisted crashes count.
        if [ $new = 0 ] && ! grep -qE 'ERROR: libFuzzer: (timeout|out-of-memory)' "$dir/last-run.log"; then rc=0; fi
    fi
    if [ "$rc" != 0 ]; then
        echo "fuzz.sh: $h FOUND A PROBLEM (exit $rc), see $dir/artifacts and $dir/last-run.log"
        status=1
    fi
done
exit $status
