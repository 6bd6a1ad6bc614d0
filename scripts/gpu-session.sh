#!/usr/bin/env bash
# Every GPU measurement of the project in one command, on a GPU node without .NET (a session's device
# machine, an HPC node). From the repository root there:
#
#   bash scripts/gpu-session.sh
#
# It needs .device/bundle.tar.gz and MNIST in .device/mnist/ (the four IDX files, raw or .gz), which
# scripts/gpu-bundle.sh puts there (docs/cuda.md, "Measuring on a GPU node"). Steps, in this order (measurements first, so a
# slow test run cannot crowd them out): the GPU and its software, unpacking the bundle, the data,
# `ilgpuvae devices`, `verify`, `bench` at batch 100 and 1024, `bench --kernels`, `train` on MNIST (the
# default, and with CUDA graphs off when this build can turn them off, with `bench` at batch 100 again),
# the PyTorch baseline on the same data, the CUDA tests, and the whole test suite when time is left.
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
# A fresh kernel cache: the first CUDA step (devices/verify) pays for the NVRTC compile, the later ones load it.
export ILGPUVAE_KERNEL_CACHE=$work/kernel-cache
# NVRTC comes with the toolkit; the engine looks in $CUDA_HOME/lib64 and /usr/local/cuda/lib64.
if [[ -z ${CUDA_HOME:-} ]] && command -v nvcc > /dev/null; then
  CUDA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v nvcc)")")")
  export CUDA_HOME
fi
# A toolkit-less node may still have NVRTC from PyTorch's pip packages (nvidia-cuda-nvrtc): put its folder
# on the loader's path, which the engine's first candidates (libnvrtc.so.13, .12) go through.
if ! compgen -G "${CUDA_HOME:-/usr/local/cuda}/lib64/libnvrtc.so*" > /dev/null && command -v python3 > /dev/null; then
  nvrtc=$(python3 -c 'import glob, site; found = sorted(f for p in site.getsitepackages() for f in glob.glob(p + "/nvidia/**/libnvrtc.so*", recursive=True)); print(found[0] if found else "")' 2> /dev/null)
  if [[ -n $nvrtc ]]; then
    LD_LIBRARY_PATH=$(dirname "$nvrtc")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export LD_LIBRARY_PATH
  fi
fi
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
  echo "CUDA_HOME=${CUDA_HOME:-} ACCEL=$accel EPOCHS=$epochs TRAIN_LIMIT=${train_limit:-all} budget=${budget}s"
  ls -l /usr/local/cuda*/lib64/libnvrtc.so* 2> /dev/null
  python3 --version 2>&1
  if [[ $accel == cuda ]]; then
    check_exports
    nvidia-smi || return 1
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.sm,power.limit --format=csv
  fi
}
# shellcheck disable=SC2317
# Lists every driver and NVRTC function the engine binds (read from the binding files, so the list never
# goes stale) that the installed libraries do not export. Some may be missing without harm: one of the two
# names of cuEventElapsedTime, and the optional graph functions (the engine then launches directly).
check_exports() {
  local pair lib file prefix path name missing
  for pair in "libcuda.so.1:src/Engine/Accelerators/Cuda/CudaNative.cs:cu" "libnvrtc.so:src/Engine/Accelerators/Cuda/NvrtcNative.cs:nvrtc"; do
    IFS=: read -r lib file prefix <<< "$pair"
    path=$(ldconfig -p | awk -v l="$lib" '$1 ~ "^"l {print $NF; exit}')
    [[ -z $path ]] && path=$(find "${CUDA_HOME:-/usr/local/cuda}/lib64" -maxdepth 1 -name "$lib*" 2> /dev/null | sort | head -n 1)
    if [[ -z $path ]]; then echo "exports: $lib not found"; continue; fi
    missing=()
    for name in $(grep -ohE "\"${prefix}[A-Z][A-Za-z0-9_]*\"" "$file" | tr -d '"' | sort -u); do
      nm -D --defined-only "$path" 2> /dev/null | grep -qw "$name" || missing+=("$name")
    done
    echo "exports of $path: ${#missing[@]} of the bound functions missing${missing[*]:+: ${missing[*]}}"
  done
}
export -f prepare_mnist describe_environment check_exports
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
run_step verify 180 "$ilgpuvae" verify --accelerator "$accel"
run_step bench-100 90 --stdout "$logs/bench-100.json" "$ilgpuvae" bench --accelerator "$accel" --batch-size 100 --json
run_step bench-1024 90 --stdout "$logs/bench-1024.json" "$ilgpuvae" bench --accelerator "$accel" --batch-size 1024 --json
run_step bench-kernels 150 --stdout "$logs/bench-kernels.json" "$ilgpuvae" bench --kernels --accelerator "$accel" --json
run_step train 150 "$ilgpuvae" "${train_args[@]}" --out "$runs/train"
# The same training with each kernel launched on its own instead of replayed as a CUDA graph, for
# (`--no-cuda-graphs`).
run_step train-graphs-off 150 "$ilgpuvae" "${train_args[@]}" --no-cuda-graphs --out "$runs/train-graphs-off"
run_step bench-100-graphs-off 90 --stdout "$logs/bench-100-graphs-off.json" "$ilgpuvae" bench --accelerator "$accel" --batch-size 100 --no-cuda-graphs --json
pytorch_args=(--data "$ILGPUVAE_DATA_DIR/mnist" --epochs "$epochs" --json)
run_step pytorch 180 --stdout "$logs/pytorch.json" python3 bench/pytorch/vae_epoch.py "${pytorch_args[@]}"
run_step tests-cuda 240 "$tests" --filter "FullyQualifiedName~Cuda" --results-directory "$work/test-results"
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
