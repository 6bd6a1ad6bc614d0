#!/usr/bin/env bash
# Installs ptxas (the PTX assembler of CUDA 11.8) without a GPU and without the CUDA toolkit's multi-GB
# dependencies: Debian 12's nvidia-cuda-toolkit package (component non-free) is downloaded and unpacked
# into .build/ptxas, never installed. scripts/check-ptx.sh uses it. Needs root for `apt-get update`
# when the non-free component is not configured yet. Prints the path of ptxas.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.build/ptxas"
find_ptxas() { find "$dest" -type f -name ptxas -perm -u+x 2>/dev/null | head -n 1; }
if [ -n "$(find_ptxas)" ]; then find_ptxas; exit 0; fi
if ! apt-cache policy nvidia-cuda-toolkit 2>/dev/null | grep -q "Candidate: [0-9]"; then
  # Debian's own mirror, the non-free component only (the package is free to download, not to modify).
  cat >/etc/apt/sources.list.d/ilgpuvae-nonfree.sources <<'SOURCES'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: contrib non-free
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  apt-get update -qq >&2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -qq nvidia-cuda-toolkit >&2)
mkdir -p "$dest"
dpkg -x "$work"/nvidia-cuda-toolkit_*.deb "$dest"
ptxas=$(find_ptxas)
[ -n "$ptxas" ] || { echo "install-ptxas: the package holds no ptxas" >&2; exit 1; }
"$ptxas" --version >&2
echo "$ptxas"
