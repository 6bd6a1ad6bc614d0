#!/usr/bin/env bash
# Builds and runs the NUnit test suite (an executable test host: Microsoft.Testing.Platform), then
# prints the totals as one plain line: "N passed, N failed, N skipped".
# Extra arguments go to the test host, e.g.  ./test.sh --filter "FullyQualifiedName~OpenCl"
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
if ! dotnet build tests/IlgpuVae.Tests.csproj -c Release -nologo -v q; then
  echo "test.sh: build failed" >&2
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet tests/bin/Release/net10.0/IlgpuVae.Tests.dll "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
count() { grep -E "^\s+$1: [0-9]+" "$log" | tail -n 1 | grep -oE '[0-9]+' || echo 0; }
passed=$(count succeeded); failed=$(count failed); skipped=$(count skipped)
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$rc"
