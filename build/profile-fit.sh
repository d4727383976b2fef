#!/usr/bin/env bash
# Profiles where the CPU time of the estimator's Fit goes, with the .NET diagnostic tools pinned in
# .config/dotnet-tools.json (dotnet-counters, dotnet-trace).
#
# How to run (from the repository root or anywhere else; the script cds to the repository root itself):
#   build/profile-fit.sh
#   TRAIN=2000 EPOCHS=2 PROFILE_DIR=/tmp/my-profile build/profile-fit.sh
# Needs the .NET SDK, python3, and Fashion-MNIST in /usr/share/datasets/fashion-mnist
# (apt-get install -y dataset-fashion-mnist). Takes 1-3 minutes on 2 cores with the defaults
# (TRAIN=5000 images, EPOCHS=1). Nothing in the repository is written except the build output in bin/ and obj/.
#
# What it does:
#   1. dotnet tool restore, then dotnet build -c Release examples/Benchmarks;
#   2. runs the estimator benchmark (Fit of MapValueToKey + Inception on the first $TRAIN Fashion-MNIST images for
#      $EPOCHS epoch(s), then scoring the 10,000 test images; its markdown goes to a scratch file, not to
#      BENCHMARKS.md) under `dotnet-counters collect --counters System.Runtime` (CSV, 1 s), with the benchmark's
#      output timestamped so that the counters can be split into phases (before Fit, Fit, the training epochs,
#      after Fit);
#   3. runs it again under `dotnet-trace collect --profile dotnet-common,dotnet-sampled-thread-time` (the EventPipe
#      sample profiler: the stack of every managed thread, about every millisecond, plus the runtime's GC events);
#   4. prints the counters' mean and max per phase, `dotnet-trace report topN` (exclusive and inclusive, whole
#      process), and, from a small TraceEvent-based analyser it builds in the output directory, the samples inside
#      Fit: the phases of Fit, the training loop by operation (forward, backward, optimizer step, ...), native code
#      (libtorch through TorchSharp's P/Invokes, ONNX Runtime, the runtime) versus managed code versus waiting, per
#      thread, the top P/Invoke callers and managed methods, and the GCs.
# OMP_WAIT_POLICY=PASSIVE is set for the profiled process, so that idle OpenMP workers sleep instead of spinning.
# The raw files stay in $PROFILE_DIR (default: a new /tmp/profile-fit.XXXXXX): counters.csv, fit.nettrace (open it in
# PerfView), fit.speedscope.json (for speedscope.app; its durations stretch a stack over gaps in a thread's samples,
# so use the analyser's sample counts for numbers), topN-*.txt, the benchmark logs and markdown.
#
# What the trace can and cannot show: sampled thread time is wall-clock time of *managed* threads, sampled whether a
# thread runs, waits or sits in native code. Time in libtorch is attributed to the TorchSharp method that made the
# P/Invoke (e.g. torch+Tensor.backward(); the native THSTensor_*/THSNN_* and ATen symbols are not resolved).
# libtorch's own OpenMP worker threads are native threads and are not sampled at all: their CPU time shows only in
# the counters' CPU usage. A GC suspends the sampler as well, so GC time is taken from the runtime's GC events and
# the counters, not from stacks.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

TRAIN="${TRAIN:-5000}"
EPOCHS="${EPOCHS:-1}"
OUT="${PROFILE_DIR:-$(mktemp -d /tmp/profile-fit.XXXXXX)}"
mkdir -p "$OUT"
export OMP_WAIT_POLICY=PASSIVE

section() { printf '\n=== %s ===\n' "$*"; }
indent() { sed 's/^/    /'; }

if ! command -v python3 >/dev/null 2>&1; then
    echo "python3 is needed to summarise the counters." >&2
    exit 1
fi

if [[ ! -d /usr/share/datasets/fashion-mnist ]]; then
    echo "Fashion-MNIST is not installed: apt-get install -y dataset-fashion-mnist" >&2
    exit 1
fi

section "Restoring the local dotnet tools and building examples/Benchmarks (Release)"
dotnet tool restore >"$OUT/tool-restore.log" 2>&1 || { cat "$OUT/tool-restore.log" >&2; exit 1; }
if ! dotnet build -c Release examples/Benchmarks -nologo >"$OUT/build.log" 2>&1; then
    grep -E 'error|Error' "$OUT/build.log" | sort -u | head -20 >&2
    echo "Build failed; full log: $OUT/build.log" >&2
    exit 1
fi
DLL="$(dotnet msbuild examples/Benchmarks -nologo -getProperty:TargetPath -p:Configuration=Release)"
echo "Benchmark: $DLL"
echo "Output directory: $OUT"

# Profile names differ between dotnet-trace versions: 10.x has dotnet-sampled-thread-time (cpu-sampling there is
# for collect-linux only); older versions call the same EventPipe sampling profile cpu-sampling.
if dotnet tool run dotnet-trace list-profiles 2>/dev/null | grep -q 'dotnet-sampled-thread-time'; then
    TRACE_PROFILE="dotnet-common,dotnet-sampled-thread-time"
else
    TRACE_PROFILE="cpu-sampling"
fi

BENCH=(dotnet "$DLL" --estimator --train "$TRAIN" --epochs "$EPOCHS")

# dotnet-counters does not show the launched process's output, so the benchmark runs through a small wrapper that
# timestamps each line of it (the phases of the counters summary come from these timestamps). The wrapper execs
# dotnet, so that the profiled process keeps the pid dotnet-counters launched (it accepts only that pid on its
# diagnostic port). Note: `dotnet tool run` swallows the first `--`, hence
# `dotnet tool run dotnet-counters -- collect ... -- command`.

section "Run 1/2: dotnet-counters collect (System.Runtime, 1 s) -- ${BENCH[*]}"
rm -f "$OUT/counters-run.log.done"
dotnet tool run dotnet-counters -- collect --format csv --refresh-interval 1 --counters System.Runtime \
    -o "$OUT/counters.csv" -- "$ROOT/build/profile/stamp-lines.sh" "$OUT/counters-run.log" "${BENCH[@]}" --output "$OUT/counters-run.md" \
    >"$OUT/counters-tool.log" 2>&1 || { cat "$OUT/counters-tool.log" "$OUT/counters-run.log" >&2 || true; exit 1; }
for _ in $(seq 50); do [[ -e "$OUT/counters-run.log.done" ]] && break; sleep 0.2; done
cut -f2- "$OUT/counters-run.log" | indent

section "Run 2/2: dotnet-trace collect --profile $TRACE_PROFILE -- ${BENCH[*]}"
dotnet tool run dotnet-trace -- collect --profile "$TRACE_PROFILE" --show-child-io -o "$OUT/fit.nettrace" \
    -- "${BENCH[@]}" --output "$OUT/trace-run.md" 2>&1 | tee "$OUT/trace-run.log" | { grep -v -E '^\s*$|Press <Enter>|Ctrl\+C' || true; } | indent

dotnet tool run dotnet-trace -- report "$OUT/fit.nettrace" topN -n 20 >"$OUT/topN-exclusive.txt" 2>&1
dotnet tool run dotnet-trace -- report "$OUT/fit.nettrace" topN -n 20 --inclusive >"$OUT/topN-inclusive.txt" 2>&1
dotnet tool run dotnet-trace -- convert --format Speedscope -o "$OUT/fit" "$OUT/fit.nettrace" >"$OUT/convert.log" 2>&1

section "Where Fit's wall time went, as the benchmark itself measures it (counters run, then trace run)"
for md in "$OUT/counters-run.md" "$OUT/trace-run.md"; do
    grep -E '^\| (training images|[0-9]|part of Fit|before|training epochs|between|after)|^During Fit' "$md" | indent || true
    echo
done

section "Counters (System.Runtime, whole process, 1 s samples), by phase"
python3 "$ROOT/build/profile/summarize-counters.py" "$OUT/counters.csv" "$OUT/counters-run.log"

section "dotnet-trace report topN -n 20 (whole process, Fit and scoring, all managed threads)"
echo "Percentages of sampled thread time over every managed thread, waiting ones included. topN stretches a thread's"
echo "last stack over gaps in its samples, so rarely sampled threads (the finalizer's Scalar/SafeHandle.Finalize) are overstated."
indent <"$OUT/topN-exclusive.txt"
echo
indent <"$OUT/topN-inclusive.txt"

section "Sampled thread time inside Fit (TraceEvent over $OUT/fit.nettrace)"
# A small analyser built on Microsoft.Diagnostics.Tracing.TraceEvent (the library dotnet-trace uses): it counts the
# sample profiler's samples per thread inside InceptionEstimator.Fit. (Durations in the speedscope/Chromium
# conversions are not usable for this: a thread that is not sampled for a while, like the idle finalizer thread,
# gets its last stack stretched over the gap.)
NO_REPO_PROPS=(-p:ImportDirectoryBuildProps=false -p:ImportDirectoryBuildTargets=false -p:ImportDirectoryPackagesProps=false)
if ! dotnet build -c Release "$ROOT/build/profile/FitTraceAnalyzer" -nologo -o "$OUT/analyzer/bin" "${NO_REPO_PROPS[@]}" >"$OUT/analyzer-build.log" 2>&1; then
    tail -20 "$OUT/analyzer-build.log" >&2
    echo "Could not build the trace analyser; the raw trace is $OUT/fit.nettrace" >&2
    exit 1
fi
dotnet "$OUT/analyzer/bin/FitTraceAnalyzer.dll" "$OUT/fit.nettrace"

section "Files"
echo "$OUT: counters.csv, fit.nettrace, fit.speedscope.json, topN-*.txt, *-run.log, *-run.md"
