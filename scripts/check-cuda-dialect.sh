#!/usr/bin/env bash
# Compile check of the CUDA dialect of the device kernels, without a GPU or a CUDA toolkit.
#
# Usage: scripts/check-cuda-dialect.sh [PROGRAM.cu]
#   Without an argument the program is printed by `ilgpuvae kernels-source --dialect cuda`, i.e.
#   exactly the text DeviceSources.Build(DeviceDialect.Cuda) hands to NVRTC (prelude, geometry
#   defines, headers and kernels in their fixed order). With an argument, that file is compiled.
#
# clang-14 compiles it as CUDA device code for sm_80 to PTX, with scripts/cuda_shim.h standing in
# for the CUDA headers. -ffp-contract=off mirrors NVRTC's --fmad=false. Exits non-zero on any
# error (and on warnings, which are errors here), or when clang-14 is missing (exit 3).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
clang="${CLANG:-clang-14}"
if ! command -v "$clang" >/dev/null 2>&1; then
  echo "check-cuda-dialect: $clang not found (on Debian/Ubuntu: apt install clang-14)" >&2
  exit 3
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ $# -ge 1 ]; then
  cp "$1" "$work/program.cu"
else
  "$root/ilgpuvae" kernels-source --dialect cuda > "$work/program.cu"
fi

"$clang" -x cuda --cuda-device-only --cuda-gpu-arch=sm_80 -nocudainc -nocudalib -S \
  -ffp-contract=off -Wall -Wextra -Werror -Wno-unused-function \
  -include "$root/scripts/cuda_shim.h" \
  "$work/program.cu" -o "$work/program.ptx"

# Every entry point must have become a PTX kernel under its own (unmangled) name.
entries=$(grep -c '^\.visible \.entry' "$work/program.ptx" || true)
expected=$(grep -c '^KERNEL void ' "$work/program.cu" || true)
if [ "$entries" -ne "$expected" ] || [ "$entries" -eq 0 ]; then
  echo "check-cuda-dialect: the PTX has $entries kernels, the program defines $expected" >&2
  exit 1
fi
echo "check-cuda-dialect: OK, $entries kernels compiled to PTX for sm_80"
