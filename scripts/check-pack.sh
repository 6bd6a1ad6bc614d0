#!/usr/bin/env bash
# Packs the two NuGet packages (IlgpuVae.Kernels, IlgpuVae.Engine) into a temporary folder and checks
# their metadata, README, XML documentation, dependency and symbols: the slow part of
# tests/Embedding/PackageTests.cs, which the ordinary test run skips. Prints the test host's summary.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
dotnet build tests/IlgpuVae.Tests.csproj -c Release -nologo -v q
ILGPUVAE_CHECK_PACK=1 dotnet tests/bin/Release/net10.0/IlgpuVae.Tests.dll --filter "FullyQualifiedName~Embedding.PackageTests"
