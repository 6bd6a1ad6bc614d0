#!/usr/bin/env bash
# Every GPU measurement of the project in one command, on a GPU node without .NET (a session's device
# machine, an HPC node). From the repository root there:
#
#   bash scripts/gpu-session.sh
#
# It needs .device/bundle.tar.gz and MNIST in .device/mnist/ (the four IDX files, raw or .gz), which
# scripts/gpu-bundle.sh puts there (docs/cuda.md, "Measuring on a GPU node"). Steps, in this order (the
# checks and measurements first, so a slow test run cannot crowd them out): the GPU and its software,
# unpacking the bundle, the data, `ilgpuvae devices`, `verify`, the determinism checks (CUDA and CPU write
# the same checkpoint; a run stopped on CUDA resumes on the CPU exactly), `bench` at batch 100 with CUDA
# graphs on and off and at batch 1024, the PyTorch baseline on the same data, `train` on MNIST with graphs
# on and off, `bench --kernels`, the CUDA tests, and the whole test suite when time is left.
#
# Results go to $OUT when it is set (the device tool brings that folder back), else ./gpu-session-out:
# summary.txt (each step's outcome and the key numbers) and logs.tar.gz (every step's log and JSON). Both
# are rewritten after every step, so a session cut short still returns what it measured. Each step runs
# under its own time limit and all of them within GPU_SESSION_BUDGET seconds (default 540, inside the
# device tool's 10 minutes per command); a step that fails or times out is recorded and the next one runs.
# Exit status: 0 when no step failed, 1 otherwise, 2 for a bad override.
#
# Overrides (for a dry run on a machine without a GPU, say ACCEL=cpu EPOCHS=1 TRAIN_LIMIT=6000 FULL_SUITE=0):
#   ACCEL               accelerator of every engine step [cuda]
#   EPOCHS              training epochs of `train` and of the PyTorch baseline [3]
#   TRAIN_LIMIT         train on the first N images only [all 60,000]
#   FULL_SUITE          1: run the whole test suite if time is left; 0: only the CUDA tests [1]
#   GPU_SESSION_BUDGET  seconds for all steps [540]
#   BUNDLE, MNIST_DIR   where the bundle and MNIST are [.device/bundle.tar.gz, .device/mnist]
set -uo pipefail # no -e: a failed step is recorded, and the rest still run

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1

accel=${ACCEL:-cuda}
epochs=${EPOCHS:-3}
train_limit=${TRAIN_LIMIT:-}
full_suite=${FULL_SUITE:-1}
budget=${GPU_SESSION_BUDGET:-540}
bundle=${BUNDLE:-.device/bundle.tar.gz}
mnist_src=${MNIST_DIR:-.device/mnist}
out=${OUT:-$root/gpu-session-out}

bad() { echo "gpu-session.sh: $1" >&2; exit 2; }
[[ $epochs =~ ^[1-9][0-9]*$ ]] || bad "EPOCHS must be a positive whole number, got '$epochs'"
[[ $budget =~ ^[1-9][0-9]*$ ]] || bad "GPU_SESSION_BUDGET must be a positive whole number of seconds, got '$budget'"
[[ -z $train_limit || $train_limit =~ ^[1-9][0-9]*$ ]] || bad "TRAIN_LIMIT must be a positive whole number, got '$train_limit'"
[[ $full_suite == 0 || $full_suite == 1 ]] || bad "FULL_SUITE must be 0 or 1, got '$full_suite'"
case $accel in cuda | opencl | cpu | auto) ;; *) bad "ACCEL must be cuda, opencl, cpu or auto, got '$accel'" ;; esac

mkdir -p "$out" || bad "cannot create the output folder $out"
work=$(mktemp -d "${TMPDIR:-/tmp}/gpu-session.XXXXXX") || exit 1
logs=$work/logs
bin=$work/bundle
runs=$work/runs
mkdir -p "$logs" "$runs"
steps=$logs/steps.tsv
printf 'step\tstatus\tseconds\texit\tlog\n' > "$steps"

ilgpuvae=$bin/ilgpuvae
tests=$bin/IlgpuVae.Tests
# The bundle is self-contained: its runtime is found through DOTNET_ROOT.
export DOTNET_ROOT=$bin
# MNIST is unpacked here, and the engine checks its SHA-256 when it loads it (`--data mnist`).
export ILGPUVAE_DATA_DIR=$work/data
# .NET needs ICU for culture data unless told to run without it; the engine formats numbers with the
# invariant culture, so on a node without libicu its output is the same in invariant mode.
if ! ldconfig -p 2> /dev/null | grep -q 'libicuuc\.so'; then
  export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
fi
# Progress on stderr of the session itself, for whoever watches it.
say() { echo "[gpu-session $(date +%H:%M:%S) +${SECONDS}s] $*" >&2; }

failed=0
count=0

# run_step NAME LIMIT [--stdout FILE] COMMAND...: runs COMMAND under `timeout`, its output in the step's
# log (stdout into FILE instead when given), and records the outcome. LIMIT is cut to what is left of
# the budget; a step with less than 20 s left is skipped.
run_step() {
  local name=$1 limit=$2
  shift 2
  local stdout=""
  if [[ ${1:-} == --stdout ]]; then
    stdout=$2
    shift 2
  fi
  count=$((count + 1))
  local log
  log=$logs/$(printf '%02d' "$count")-$name.log
  local left=$((budget - SECONDS))
  if ((left < 20)); then
    record "$name" "skipped: the budget of ${budget}s is spent" 0 "" ""
    failed=1
    return 1
  fi
  ((limit > left - 10)) && limit=$((left - 10))
  say "$name (at most ${limit}s)"
  printf '$ %s\n' "$*" > "$log"
  local start=$SECONDS rc
  if [[ -n $stdout ]]; then
    timeout -k 10 "$limit" "$@" > "$stdout" 2>> "$log"
  else
    timeout -k 10 "$limit" "$@" >> "$log" 2>&1
  fi
  rc=$?
  local status
  case $rc in
    0) status=ok ;;
    124 | 137) status="timed out after ${limit}s" ;;
    *) status="failed (exit $rc)" ;;
  esac
  [[ $rc == 0 ]] || failed=1
  record "$name" "$status" $((SECONDS - start)) "$rc" "$(basename "$log")"
  return "$rc"
}

# record NAME STATUS SECONDS EXIT LOG: one row of steps.tsv, then the summary and the logs are republished.
record() {
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >> "$steps"
  say "$1: $2"
  publish
}

publish() {
  if command -v python3 > /dev/null; then
    python3 "$root/scripts/gpu-session-summary.py" "$logs" "$runs" > "$work/summary.txt" 2> "$logs/summary-errors.log" ||
      cp "$steps" "$work/summary.txt"
  else
    cp "$steps" "$work/summary.txt"
  fi
  cp "$work/summary.txt" "$out/summary.txt"
  tar -C "$work" -czf "$out/logs.tar.gz.part" logs && mv "$out/logs.tar.gz.part" "$out/logs.tar.gz"
}

# The two functions below run in their own bash (`bash -c NAME`), so that `timeout` can limit them.
# shellcheck disable=SC2317
# Copies MNIST from MNIST_DIR (raw or .gz) into the engine's data cache as raw IDX files.
prepare_mnist() {
  local dest=$ILGPUVAE_DATA_DIR/mnist f
  mkdir -p "$dest"
  for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    if [[ -f $mnist_src/$f ]]; then
      cp "$mnist_src/$f" "$dest/$f"
    elif [[ -f $mnist_src/$f.gz ]]; then
      gzip -dc "$mnist_src/$f.gz" > "$dest/$f"
    else
      echo "missing $mnist_src/$f (raw or .gz): see docs/cuda.md, Measuring on a GPU node"
      return 1
    fi
  done
  # The engine verifies every file's SHA-256 and prints the sizes.
  "$ilgpuvae" data --data mnist
}
# shellcheck disable=SC2317
describe_environment() {
  date -u
  uname -a
  echo "cores: $(nproc)"
  echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-} DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=${DOTNET_SYSTEM_GLOBALIZATION_INVARIANT:-0}"
  echo "ACCEL=$accel EPOCHS=$epochs TRAIN_LIMIT=${train_limit:-all} budget=${budget}s"
  python3 --version 2>&1
  if [[ $accel == cuda ]]; then
    check_exports
    nvidia-smi || return 1
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.sm,power.limit --format=csv
  fi
}
# shellcheck disable=SC2317
# Lists the driver functions the engine calls itself (the CUDA graph calls of CudaGraphNative.cs, read from
# that file so the list never goes stale) that the installed driver does not export; ILGPU binds the rest.
# A missing one only turns graphs off: the engine then launches each step's kernels directly.
check_exports() {
  local path name missing=()
  path=$(ldconfig -p | awk '$1 ~ "^libcuda.so.1" {print $NF; exit}')
  if [[ -z $path ]]; then echo "exports: libcuda.so.1 not found"; return; fi
  for name in $(grep -ohE 'int (cu[A-Za-z0-9_]+)\(' src/Engine/Accelerators/Cuda/CudaGraphNative.cs | sed -E 's/int (cu[A-Za-z0-9_]+)\(/\1/' | sort -u); do
    nm -D --defined-only "$path" 2> /dev/null | grep -qw "$name" || missing+=("$name")
  done
  echo "exports of $path: ${#missing[@]} of the graph functions missing${missing[*]:+: ${missing[*]}}"
}
# shellcheck disable=SC2317
# The determinism checks: the same MNIST training (2 epochs) on ACCEL and on the CPU writes byte-identical
# checkpoints, and a run stopped on ACCEL after its first epoch and resumed on the CPU ends in the same bytes.
determinism() {
  local dir=$1 args=(train --data mnist -q) status=0
  [[ -n $train_limit ]] && args+=(--train-limit "$train_limit")
  "$ilgpuvae" "${args[@]}" --epochs 2 --accelerator "$accel" --out "$dir/$accel" || return 1
  "$ilgpuvae" "${args[@]}" --epochs 2 --accelerator cpu --out "$dir/cpu" || return 1
  "$ilgpuvae" "${args[@]}" --epochs 1 --accelerator "$accel" --out "$dir/$accel-then-cpu" || return 1
  "$ilgpuvae" train --resume "$dir/$accel-then-cpu" --epochs 2 -q --accelerator cpu || return 1
  for other in cpu "$accel-then-cpu"; do
    if cmp "$dir/$accel/model.ckpt" "$dir/$other/model.ckpt"; then echo "identical: $accel and $other (sha256 $(sha256sum < "$dir/$accel/model.ckpt" | cut -c1-16)…)"
    else echo "DIFFERENT: $accel and $other"; status=1; fi
  done
  for run in "$accel" cpu "$accel-then-cpu"; do echo "$run:"; cat "$dir/$run/metrics.jsonl"; done
  return $status
}
export -f prepare_mnist describe_environment check_exports determinism
export ilgpuvae mnist_src accel epochs train_limit budget

train_args=(train --accelerator "$accel" --epochs "$epochs" --data mnist)
[[ -n $train_limit ]] && train_args+=(--train-limit "$train_limit")

say "work folder $work, results in $out"
run_step environment 30 bash -c describe_environment
if [[ -f $bundle ]]; then
  # shellcheck disable=SC2016 # the positional parameters are expanded by the inner bash
  run_step unpack 90 bash -c 'mkdir -p "$1" && tar -C "$1" -xzf "$2" && test -x "$1/ilgpuvae" && test -x "$1/IlgpuVae.Tests"' _ "$bin" "$bundle"
else
  record unpack "failed: no $bundle (see docs/cuda.md)" 0 "" ""
  failed=1
fi
run_step data 90 bash -c prepare_mnist
run_step devices 60 "$ilgpuvae" devices
run_step verify 150 "$ilgpuvae" verify --accelerator "$accel"
run_step determinism 150 bash -c 'determinism "$1"' _ "$runs/determinism"
run_step bench-100 60 --stdout "$logs/bench-100.json" "$ilgpuvae" bench --accelerator "$accel" --batch-size 100 --json
run_step bench-100-graphs-off 60 --stdout "$logs/bench-100-graphs-off.json" "$ilgpuvae" bench --accelerator "$accel" --batch-size 100 --no-cuda-graphs --json
run_step bench-1024 60 --stdout "$logs/bench-1024.json" "$ilgpuvae" bench --accelerator "$accel" --batch-size 1024 --json
pytorch_args=(--data "$ILGPUVAE_DATA_DIR/mnist" --epochs "$epochs" --json)
run_step pytorch 120 --stdout "$logs/pytorch.json" python3 bench/pytorch/vae_epoch.py "${pytorch_args[@]}"
run_step train 90 "$ilgpuvae" "${train_args[@]}" --out "$runs/train"
# The same training with each kernel launched on its own instead of replayed as a CUDA graph.
run_step train-graphs-off 90 "$ilgpuvae" "${train_args[@]}" --no-cuda-graphs --out "$runs/train-graphs-off"
run_step bench-kernels 120 --stdout "$logs/bench-kernels.json" "$ilgpuvae" bench --kernels --accelerator "$accel" --json
# Every test that runs on CUDA (the device families' tests name their family; ILGPUVAE_REQUIRE_CUDA makes a
# CUDA test fail rather than skip when the GPU cannot be used).
run_step tests-cuda 180 env ILGPUVAE_REQUIRE_CUDA=1 "$tests" --filter "Name~cuda|FullyQualifiedName~Cuda" --results-directory "$work/test-results"
if [[ $full_suite == 1 ]]; then
  if ((budget - SECONDS >= 150)); then
    run_step tests-all 400 "$tests" --results-directory "$work/test-results"
  else
    record tests-all "skipped: less than 150 s of the budget left" 0 "" ""
  fi
fi

say "done in ${SECONDS}s; $(grep -c $'\tok\t' "$steps") steps ok; summary: $out/summary.txt"
cat "$out/summary.txt"
exit "$failed"
