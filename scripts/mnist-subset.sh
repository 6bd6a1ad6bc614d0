#!/usr/bin/env bash
# Writes the first TRAIN training and TEST test images of the cached MNIST as IDX files of their own into
# DIR (train-images-idx3-ubyte, t10k-images-idx3-ubyte), for end-to-end checks that must stay small.
# Usage: scripts/mnist-subset.sh DIR TRAIN TEST   (needs MNIST in the data cache: ./ilgpuvae data)
set -euo pipefail
dir=$1 train=$2 test=$3
cache="${ILGPUVAE_DATA_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ilgpuvae/data}/mnist"
subset() { # subset SOURCE TARGET COUNT: the first COUNT 28x28 images of an IDX image file
  local n=$3 count
  count=$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((n >> 24 & 255)) $((n >> 16 & 255)) $((n >> 8 & 255)) $((n & 255)))
  { printf '\x00\x00\x08\x03'; printf "$count"; printf '\x00\x00\x00\x1c\x00\x00\x00\x1c'; head -c $((16 + n * 784)) "$1" | tail -c +17; } >"$2"
}
mkdir -p "$dir"
subset "$cache/train-images-idx3-ubyte" "$dir/train-images-idx3-ubyte" "$train"
subset "$cache/t10k-images-idx3-ubyte" "$dir/t10k-images-idx3-ubyte" "$test"
