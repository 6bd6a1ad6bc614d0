#!/usr/bin/env bash
# Prepares what a GPU node without .NET needs to run the engine and its tests, in .device/ (git-ignored):
#
#   .device/bundle.tar.gz   the ilgpuvae runner and the test host, published together as one self-contained
#                           linux-x64 folder (one copy of the .NET runtime for both): unpack it anywhere,
#                           set DOTNET_ROOT to that folder, and run ./ilgpuvae or ./IlgpuVae.Tests there
#   .device/mnist/*.gz      the four MNIST files from the engine's data cache, gzipped (12 MB instead of 55)
#
# scripts/gpu-session.sh takes both from there. Usage, from any checkout (a git worktree too):
#
#   scripts/gpu-bundle.sh            # the bundle and MNIST (fetched into the cache first if it is not there)
#   scripts/gpu-bundle.sh --no-data  # the bundle only
#
# Needs the .NET 10 SDK and the linux-x64 runtime pack (restored from the NuGet feed on first use).
# Prints the size of what it wrote: a device session carries at most 64 MiB, so it says so when the two
# together are larger.
set -euo pipefail

data=1
case ${1:-} in
  "") ;;
  --no-data) data=0 ;;
  -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "gpu-bundle.sh: unknown argument '$1' (--no-data or nothing)" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
command -v dotnet > /dev/null || { echo "gpu-bundle.sh: the .NET SDK (dotnet) is needed to publish the bundle" >&2; exit 2; }

staging=$(mktemp -d "${TMPDIR:-/tmp}/gpu-bundle.XXXXXX")
trap 'rm -rf "$staging"' EXIT

# Both projects into one folder: the runtime and the engine's assemblies are the same files, written once.
for project in src/Runner/IlgpuVae.Runner.csproj tests/IlgpuVae.Tests.csproj; do
  echo "gpu-bundle.sh: publishing $project (Release, self-contained, linux-x64)" >&2
  if ! log=$(dotnet publish "$project" -c Release -r linux-x64 --self-contained true -p:PublishSingleFile=false \
      -p:DebugType=none -o "$staging/bundle" -nologo -v q 2>&1); then
    echo "$log" >&2
    echo "gpu-bundle.sh: publishing $project failed" >&2
    exit 1
  fi
done
for program in ilgpuvae IlgpuVae.Tests; do
  [[ -x $staging/bundle/$program ]] || { echo "gpu-bundle.sh: the bundle lacks its $program launcher" >&2; exit 1; }
done

mkdir -p .device
tar -C "$staging/bundle" -czf "$staging/bundle.tar.gz" .
mv "$staging/bundle.tar.gz" .device/bundle.tar.gz
total=$(stat -c %s .device/bundle.tar.gz)
echo "gpu-bundle.sh: wrote .device/bundle.tar.gz ($((total / 1048576)) MiB)" >&2

if ((data)); then
  cache=${ILGPUVAE_DATA_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ilgpuvae/data}
  files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
  for f in "${files[@]}"; do
    if [[ ! -f $cache/mnist/$f ]]; then
      echo "gpu-bundle.sh: MNIST is not in $cache/mnist; fetching it with ./ilgpuvae data" >&2
      ./ilgpuvae data --data mnist > /dev/null
      break
    fi
  done
  mkdir -p .device/mnist
  for f in "${files[@]}"; do
    gzip -c "$cache/mnist/$f" > ".device/mnist/$f.gz.tmp"
    mv ".device/mnist/$f.gz.tmp" ".device/mnist/$f.gz"
    total=$((total + $(stat -c %s ".device/mnist/$f.gz")))
  done
  echo "gpu-bundle.sh: wrote .device/mnist/ (the four MNIST files, gzipped)" >&2
fi

echo "gpu-bundle.sh: .device/ holds $((total / 1048576)) MiB for the GPU node" >&2
if ((total > 64 * 1048576)); then
  echo "gpu-bundle.sh: that is more than the 64 MiB a device session carries" >&2
fi
