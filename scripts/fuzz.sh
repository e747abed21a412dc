#!/usr/bin/env bash
# Coverage-guided fuzzing of the file readers with libFuzzer (swiftc -sanitize=fuzzer,address).
#
#   bash scripts/fuzz.sh [seconds-per-harness] [harness...]
#        (default: 60 s, harnesses npy npz keras_config keras_yaml h5 h5_isolated)
#   bash scripts/fuzz.sh --replay h5
#        (no fuzzing: replay and classify the h5 findings already in .build-fuzz/h5/artifacts)
#
# The harnesses (Tests/Fuzz/<harness>/*.swift) are not SwiftPM targets: SwiftPM cannot link a
# libFuzzer main. SafeIO, NumPyFormat, libyaml (CYaml), Yams, HDF5 and KerasFormat are
# compiled here as static libraries with coverage and AddressSanitizer, then linked with each harness.
# libhdf5 itself is the system library (pkg-config hdf5): it is not instrumented, so the fuzzer gets no
# coverage from inside it, and ASan sees only the memory errors that reach its interceptors.
# The corpus starts from Fixtures/fuzz/<harness>/corpus (committed seeds) plus Fixtures/fuzz/regressions
# (past findings); new corpus entries and crash files go to .build-fuzz/, never into the repository.
# Every crash, timeout, leak or out-of-memory input is written to .build-fuzz/<harness>/artifacts/.
#
# The h5 harness runs in libFuzzer's fork mode (-fork=1 -ignore_crashes=1 -ignore_timeouts=1
# -ignore_ooms=1) and keeps going after every crash, 10 s timeout, leak or OOM of a child. Afterwards
# every crash-, timeout-, leak- and oom- input is replayed alone (timeouts with -timeout=10, leaks with
# LeakSanitizer on) and its stack classified by its signature, the top three named libhdf5 frames. The
# script fails on a finding whose top frame is in our code, whose stack cannot be classified, or whose
# (kind, signature) is not listed in Fixtures/fuzz/h5/known_libhdf5_findings.txt (known bugs of Debian's
# libhdf5 1.10.8, see Docs/reliability.md). Known findings are still reported on every run; they are not
# fixed, only expected. A finding that does not happen again alone (a timeout that finishes within 10 s,
# a leak that needed the state of earlier inputs) is printed as "not reproduced" and does not fail.
# The counts per kind and signature, with the smallest input of each, go to .build-fuzz/h5/findings.txt.
#
# The h5_isolated harness drives the .h5 entry point as the weightbridge command uses it: libhdf5 runs in a
# child process (the release `weightbridge _read-h5`, built here first, 2 s deadline) and only the parent is
# instrumented. Its seeds add the kept libhdf5 findings (Fixtures/fuzz/h5/libhdf5_known), so it starts from
# inputs that crash and hang libhdf5. Any crash, timeout or leak of the parent fails the run; what the child
# did with each input is counted in .build-fuzz/h5_isolated/outcomes.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
REPLAY_ONLY=0
if [ "${1:-}" = --replay ]; then
    REPLAY_ONLY=1
    shift
fi
SECONDS_EACH=60
if [ "$REPLAY_ONLY" = 0 ] && [ $# -gt 0 ]; then
    SECONDS_EACH=$1
    shift
fi
HARNESSES=("$@")
[ ${#HARNESSES[@]} -gt 0 ] || HARNESSES=(npy npz keras_config keras_yaml h5 h5_isolated)
OUT=$ROOT/.build-fuzz
LIB=$OUT/lib
mkdir -p "$LIB"

CHECKOUTS=$ROOT/.build/checkouts
if [ ! -d "$CHECKOUTS/Yams/Sources/Yams" ]; then
    swift package resolve
fi
YAMS=$CHECKOUTS/Yams/Sources
HDF5_CFLAGS=$(pkg-config --cflags hdf5 | xargs)   # -I/usr/include/hdf5/serial
HDF5_LIBDIR=$(pkg-config --variable=libdir hdf5 2>/dev/null || true)
[ -n "$HDF5_LIBDIR" ] || HDF5_LIBDIR=$(pkg-config --libs-only-L hdf5 | xargs | sed "s/^-L//")
# YAML_DECLARE_STATIC: as Yams' Package.swift.
FLAGS=(-sanitize=fuzzer,address -parse-as-library -O -g -swift-version 5 -package-name WeightBridge -Xcc -D_GNU_SOURCE=1
    -Xcc -DYAML_DECLARE_STATIC -Xcc "$HDF5_CFLAGS")
INCLUDES=(-I "$LIB" -I "$ROOT/Sources/CGzip" -I "$ROOT/Sources/CDeflate" -I "$YAMS/CYaml/include" -I "$ROOT/Sources/CHDF5")

build_module() {  # name, sources...
    local name=$1
    shift
    echo "fuzz.sh: building $name"
    (cd "$LIB" && swiftc "${FLAGS[@]}" "${INCLUDES[@]}" -module-name "$name" \
        -emit-module -emit-library -static -o "$LIB/lib$name.a" "$@")
}

if [ ! -f "$LIB/.stamp" ] || [ -n "$(find Sources/SafeIO Sources/NumPyFormat Sources/HDF5 Sources/ModelSpec Sources/KerasFormat Tests/Fuzz \
    -newer "$LIB/.stamp" -name '*.swift' | head -1)" ]; then
    build_module SafeIO "$ROOT"/Sources/SafeIO/*.swift
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
    build_module ModelSpec "$ROOT"/Sources/ModelSpec/*.swift
    build_module KerasFormat "$ROOT"/Sources/KerasFormat/*.swift
    touch "$LIB/.stamp"
fi

# Libraries each harness links, in dependency order.
libs_for() {
    case $1 in
        npy | npz) echo "-lNumPyFormat -lSafeIO -lz -ldeflate" ;;
        keras_config | keras_yaml | h5 | h5_isolated) echo "-lKerasFormat -lModelSpec -lNumPyFormat -lYams -lCYaml -lHDF5 -lSafeIO -lz -ldeflate -L$HDF5_LIBDIR -lhdf5" ;;
        *) echo "fuzz.sh: unknown harness $1" >&2; exit 2 ;;
    esac
}

# The signature of a finding's stack: its top three named libhdf5 frames ("H5A__x<H5A_y<H5O_z"), or
# "ours:<frame>" when the first frame that counts is not in libhdf5. Frames that do not count: the
# sanitizer and libFuzzer runtime (the allocator, the timeout handler), libc (memcpy, the signal
# trampoline), libhdf5's own allocator wrappers (H5MM_*, H5FL_*) and libhdf5's unnamed static functions
# (Debian strips them, so they have no stable name). For a leak it is the stack of the first leaked block.
finding_signature() {  # log file
    awk '/^ *#[0-9]+ 0x[0-9a-f]+ / {
            where = $0
            fn = ($3 == "in") ? $4 : ""
            if (where ~ /libclang_rt|compiler-rt|asan_|lsan_|sanitizer_common|\/libc\.so|\/libm\.so|libpthread|ld-linux/) next
            if (where ~ /libhdf5/) {
                if (fn == "" || fn ~ /^H5(MM|FL)_/) next
                sig = sig (n ? "<" : "") fn
                if (++n == 3) exit
                next
            }
            if (n == 0) { sig = "ours:" (fn == "" ? $3 : fn) }
            exit
         }
         END { if (sig != "") print sig }' "$1"
}

# Replays one h5 finding alone and prints its signature (or "unclassified:..." / "unreproduced").
# The log goes to <artifact>.log. fast_unwind_on_malloc=0: libhdf5 has no frame pointers, so without
# it a leak's or a bad allocation's stack stops at the first libhdf5 frame.
replay_h5() {  # artifact
    local artifact=$1 kind=${1##*/}
    kind=${kind%%-*}
    local leaks=0
    [ "$kind" = leak ] && leaks=1
    ASAN_OPTIONS=detect_leaks=$leaks:fast_unwind_on_malloc=0:malloc_context_size=30 \
        LSAN_OPTIONS=suppressions=$ROOT/Tests/Fuzz/lsan.supp:print_suppressions=0 FUZZ_TMPDIR=$OUT/h5 \
        nice -n 10 "$OUT/h5/fuzz-h5" -timeout=10 -rss_limit_mb=2048 "$artifact" >"$artifact.log" 2>&1 || true
    if ! grep -qE '==[0-9]+== ?ERROR: ' "$artifact.log"; then
        echo unreproduced
        return
    fi
    local sig
    sig=$(finding_signature "$artifact.log")
    [ -n "$sig" ] || sig="unclassified:$(grep -m1 -oE 'ERROR: [A-Za-z]+: [a-z-]+' "$artifact.log" | tr ' ' _ || echo none)"
    echo "$sig"
}

# Replays every crash, timeout, leak and out-of-memory input of the h5 harness (those replayed by an
# older build or never replayed) and compares each signature with the list of known libhdf5 findings.
# Prints one line per finding and a summary per kind and signature (also in .build-fuzz/h5/findings.txt).
# Returns non-zero if any finding is in our code, unclassified, or has an unlisted signature.
classify_h5() {
    local dir=$OUT/h5 known=$ROOT/Fixtures/fuzz/h5/known_libhdf5_findings.txt new=0 artifact kind sig
    : >"$dir/findings.tsv"
    for artifact in "$dir"/artifacts/{crash,timeout,leak,oom}-*; do
        [ -e "$artifact" ] || continue
        case $artifact in *.log | *.sig) continue ;; esac
        kind=${artifact##*/}
        kind=${kind%%-*}
        if [ ! -s "$artifact.sig" ] || [ "$artifact.sig" -ot "$dir/fuzz-h5" ]; then
            replay_h5 "$artifact" >"$artifact.sig"
        fi
        sig=$(cat "$artifact.sig")
        printf '%s\t%s\t%s\t%s\n' "$kind" "$sig" "$(wc -c <"$artifact")" "$artifact" >>"$dir/findings.tsv"
        if [ "$sig" = unreproduced ]; then
            # A timeout that finishes within 10 s alone was slow under load, not stuck; anything else
            # that does not reproduce (a leak seen only after many inputs) is reported but not failed.
            echo "fuzz.sh: h5: $kind not reproduced alone ($(basename "$artifact"), log in $artifact.log)"
        elif [[ $sig != ours:* && $sig != unclassified:* ]] &&
            grep -v '^#' "$known" | awk -v k="$kind" -v s="$sig" '$1 == k && $2 == s { f = 1 } END { exit !f }'; then
            echo "fuzz.sh: h5: known libhdf5 $kind $sig ($(basename "$artifact"))"
        else
            echo "fuzz.sh: h5: NEW $kind $sig ($(basename "$artifact"), stack in $artifact.log)"
            new=1
        fi
    done
    # kind, signature, number of inputs, smallest input
    sort -t$'\t' -k1,1 -k2,2 -k3,3n "$dir/findings.tsv" |
        awk -F'\t' '{ k = $1 "\t" $2; if (!(k in n)) { order[++m] = k; small[k] = $4 " (" $3 " bytes)" } n[k]++ }
             END { for (i = 1; i <= m; i++) print order[i] "\t" n[order[i]] "\t" small[order[i]] }' >"$dir/findings.txt"
    echo "fuzz.sh: h5 findings by kind and signature (count, smallest input):"
    sed 's/^/    /' "$dir/findings.txt"
    return $new
}

status=0
for h in "${HARNESSES[@]}"; do
    dir=$OUT/$h
    mkdir -p "$dir/corpus" "$dir/artifacts"
    # Relinked only when a library or the harness changed: a new binary makes classify_h5 replay every artifact.
    if [ ! -f "$dir/fuzz-$h" ] || [ "$LIB/.stamp" -nt "$dir/fuzz-$h" ] ||
        [ -n "$(find Tests/Fuzz/"$h" -newer "$dir/fuzz-$h" -name '*.swift' | head -1)" ]; then
        echo "fuzz.sh: linking $h"
        # ld.gold warns once per ASan helper symbol ("Cannot export local symbol"); keep that out of the way.
        # shellcheck disable=SC2046
        swiftc "${FLAGS[@]}" "${INCLUDES[@]}" -L "$LIB" $(libs_for "$h") \
            Tests/Fuzz/"$h"/*.swift -o "$dir/fuzz-$h" 2>"$dir/link.log" || { cat "$dir/link.log"; exit 1; }
    fi
    seeds=()
    [ -d "$ROOT/Fixtures/fuzz/$h/corpus" ] && seeds+=("$ROOT/Fixtures/fuzz/$h/corpus")
    [ -d "$ROOT/Fixtures/fuzz/regressions" ] && seeds+=("$ROOT/Fixtures/fuzz/regressions")
    extra=()
    if [ "$h" = h5_isolated ]; then
        seeds+=("$ROOT/Fixtures/fuzz/h5/corpus" "$ROOT/Fixtures/fuzz/h5/libhdf5_known")
        echo "fuzz.sh: building the release weightbridge (the isolated reader's child)"
        swift build -c release -Xswiftc -enable-testing --product weightbridge >"$dir/build.log" 2>&1 || { cat "$dir/build.log"; exit 1; }
        export WEIGHTBRIDGE_BIN=$ROOT/.build/release/weightbridge
        extra=(-timeout=30)
    fi
    if [ "$h" = h5 ]; then
        # Fork mode: each input batch runs in a child, and the run goes on past crashes, timeouts and OOMs
        # of a child (libhdf5 has many); every one leaves an artifact, classified below.
        extra=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
    fi
    rc=0
    if [ "$REPLAY_ONLY" = 0 ]; then
        echo "fuzz.sh: running $h for ${SECONDS_EACH}s"
        LSAN_OPTIONS=suppressions=$ROOT/Tests/Fuzz/lsan.supp:print_suppressions=0 FUZZ_TMPDIR=$dir nice -n 10 "$dir/fuzz-$h" \
            "$dir/corpus" "${seeds[@]}" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
            -artifact_prefix="$dir/artifacts/" -print_final_stats=1 "${extra[@]}" >"$dir/last-run.log" 2>&1 || rc=$?
        grep -E '^(#[0-9]+[[:space:]]+(INITED|DONE)|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY|.*Test unit written|INFO: exiting)' \
            "$dir/last-run.log" | sort | uniq -c | sort -rn | head -20 || true
        grep -E '^#[0-9]+: cov' "$dir/last-run.log" | tail -1 || true
        if [ "$h" = h5_isolated ] && [ -f "$dir/outcomes.txt" ]; then
            echo "fuzz.sh: h5_isolated: what the child did with each input (count, outcome):"
            sed 's/^/    /' "$dir/outcomes.txt"
        fi
    fi
    if [ "$h" = h5 ]; then
        # In fork mode libFuzzer exits non-zero when it ignored a crash, timeout or OOM; what counts is the
        # replay of every artifact: only findings in our code or with unlisted signatures fail the run.
        if classify_h5; then rc=0; else rc=1; fi
        # ...provided the fork-mode parent itself ran to its time limit (it did not die or refuse a flag).
        if [ "$REPLAY_ONLY" = 0 ] && ! grep -q '^INFO: fuzzed for' "$dir/last-run.log"; then
            echo "fuzz.sh: h5: libFuzzer did not run to its time limit, see $dir/last-run.log"
            rc=1
        fi
    fi
    if [ "$rc" != 0 ]; then
        echo "fuzz.sh: $h FOUND A PROBLEM (exit $rc), see $dir/artifacts and $dir/last-run.log"
        status=1
    fi
done
exit $status
