#!/usr/bin/env bash
# Builds and runs the NUnit test suite (an executable test host: Microsoft.Testing.Platform), then
# prints the totals as one plain line: "N passed, N failed, N skipped".
# Extra arguments go to the test host, e.g.  ./test.sh --filter "FullyQualifiedName~OpenCl"
# Failed tests are shown in full as they fail; skipped tests are listed at the end, one line per reason
# ("skipped 28 tests (A, B, …): needs a CUDA GPU: …"). A filter that matches no test says so and exits 2.
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
# --no-ansi: under CI (CI=true and the like) the test host otherwise colours its summary lines,
# and a colour code in front of "succeeded: N" hid the totals from the parser below.
dotnet tests/bin/Release/net10.0/IlgpuVae.Tests.dll --no-ansi --settings tests/quiet.runsettings \
    --show-test-results failed,skipped --show-stdout failed --show-stderr failed "$@" 2>&1 | tee "$log" |
  awk -f scripts/group-skipped-tests.awk
rc=${PIPESTATUS[0]}
# Strip any escape sequence that still got through before reading the summary block.
plain=$(sed -E 's/\x1b\[[0-9;?]*[A-Za-z]//g' "$log")
count() { grep -E "^\s*$1: [0-9]+" <<<"$plain" | tail -n 1 | grep -oE '[0-9]+'; }
total=$(count total); passed=$(count succeeded); failed=$(count failed); skipped=$(count skipped)
if [ -z "$total" ] || [ -z "$passed" ] || [ -z "$failed" ] || [ -z "$skipped" ]; then
  # No summary block means the host died or its format changed: never report "0 failed" then.
  echo "test.sh: the test host printed no totals (exit code $rc)" >&2
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi
if [ "$total" -eq 0 ]; then
  # The host exits 8 when nothing ran; that is a filter matching nothing, not a failed test.
  echo "test.sh: no test matches the arguments: $*" >&2
  echo "0 passed, 0 failed, 0 skipped"
  exit 2
fi
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$rc"
