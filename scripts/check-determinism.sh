#!/usr/bin/env bash
# End-to-end determinism check through the command line: the same short MNIST training run on the
# CPU with AVX-512, on the CPU with AVX-512 switched off (AVX2 code paths), with 1 thread, and on
# OpenCL (where a usable device exists) must write byte-identical checkpoints.
# Usage: scripts/check-determinism.sh   (needs MNIST in the data cache: ./ilgpuvae data)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
run() { local name=$1; shift; "$root/ilgpuvae" train --data mnist --train-limit 2000 --epochs 1 --hidden 100 --latent 10 -q --out "$work/$name" "$@" >/dev/null; }
run cpu --accelerator cpu
DOTNET_EnableAVX512F=0 run avx2 --accelerator cpu
run one-thread --accelerator cpu --threads 1
status=0
for other in avx2 one-thread; do
  if cmp -s "$work/cpu/model.ckpt" "$work/$other/model.ckpt"; then echo "identical: cpu and $other"; else echo "DIFFERENT: cpu and $other"; status=1; fi
done
if "$root/ilgpuvae" devices | grep -q '^opencl .*\[usable\]'; then
  run opencl --accelerator opencl
  if cmp -s "$work/cpu/model.ckpt" "$work/opencl/model.ckpt"; then echo "identical: cpu and opencl"; else echo "DIFFERENT: cpu and opencl"; status=1; fi
else
  echo "no usable OpenCL device: the OpenCL comparison did not run"
fi
exit $status
