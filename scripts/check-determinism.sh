#!/usr/bin/env bash
# End-to-end determinism check through the command line. The same short MNIST training run must write
# byte-identical checkpoints on:
#   the SIMD CPU accelerator with AVX-512, with AVX-512 switched off (AVX2 code paths) and with 1 thread;
#   OpenCL (ILGPU's OpenCL C, e.g. on pocl) and ILGPU's CPU accelerator (the same device kernels);
#   CUDA, where a usable GPU exists.
# Then a run stopped after its first epoch on one accelerator and resumed on another must end in the
# bytes of the run that never stopped (cpu -> opencl, opencl -> ilgpu-cpu, ilgpu-cpu -> cpu).
# A family without a usable device is reported as not run; OpenCL is required when ILGPUVAE_REQUIRE_OPENCL=1.
# Usage: scripts/check-determinism.sh   (needs MNIST in the data cache: ./ilgpuvae data)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# ILGPU's CPU accelerator runs every GPU thread as an OS thread, so the runs are small for its sake: the
# first 600 training and 200 test images of MNIST, written as IDX files of their own (each epoch ends with
# a test ELBO over the whole test set).
bash "$root/scripts/mnist-subset.sh" "$work/data" 600 200
common=(--data "$work/data" --batch-size 50 --hidden 64 --latent 8 -q)
run() { local name=$1; shift; "$root/ilgpuvae" train "${common[@]}" --epochs 2 --out "$work/$name" "$@" >/dev/null; }
usable() { "$root/ilgpuvae" devices | grep -q "^$1 .*\[usable\]"; }
status=0
same() {
  if cmp -s "$work/$1/model.ckpt" "$work/$2/model.ckpt"; then echo "identical: $1 and $2"; else echo "DIFFERENT: $1 and $2"; status=1; fi
}
run cpu --accelerator cpu
DOTNET_EnableAVX512F=0 run avx2 --accelerator cpu
run one-thread --accelerator cpu --threads 1
same cpu avx2
same cpu one-thread
families=(cpu ilgpu-cpu)
for family in opencl cuda; do
  if usable "$family"; then
    families+=("$family")
  elif [ "$family" = opencl ] && [ "${ILGPUVAE_REQUIRE_OPENCL:-}" = 1 ]; then
    echo "ILGPUVAE_REQUIRE_OPENCL=1 but no usable OpenCL device"; exit 1
  else
    echo "no usable $family device: the $family comparison did not run"
  fi
done
for family in "${families[@]:1}"; do
  run "$family" --accelerator "$family"
  same cpu "$family"
done
# Stop after epoch 1 on one accelerator, resume on the next one of the list, compare with the straight run.
for ((i = 0; i < ${#families[@]}; i++)); do
  first=${families[$i]}; second=${families[$(( (i + 1) % ${#families[@]} ))]}
  name="$first-then-$second"
  "$root/ilgpuvae" train "${common[@]}" --epochs 1 --accelerator "$first" --out "$work/$name" >/dev/null
  "$root/ilgpuvae" train --resume "$work/$name" --data "$work/data" --epochs 2 --accelerator "$second" -q >/dev/null
  same cpu "$name"
done
exit $status
