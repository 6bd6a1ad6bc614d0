#!/usr/bin/env bash
# End-to-end check of data-parallel training under MPI (MPICH's mpiexec, or $MPIEXEC):
#   1. one process and mpiexec -n 2, -n 3, -n 4 write byte-identical checkpoints, and so do 2 ranks of which
#      one runs on the CPU and one on OpenCL;
#   2. a run on 4 ranks stopped by SIGTERM (sent to mpiexec, which passes it to every rank) exits 130 with one
#      line, having saved once; it resumes on 2 ranks, and on OpenCL, to the bytes of a run that never stopped;
#   3. a rank killed with SIGKILL in mid-run ends the whole job, the last checkpoint stays intact, and a resume
#      from it ends in the same bytes;
#   4. a diverging run on 3 ranks exits 3 with one message; with --on-divergence rollback (rank 0 decides and
#      hands the other ranks the checkpoint to go back to) it ends in the bytes of one process;
#   5. experiment fig2 spread over 2 ranks writes each model's bytes of one process.
# Small runs (the first 600 MNIST training and 200 test images, a 784-64-8 model) to keep CI short.
# Usage: scripts/check-mpi.sh   (needs MNIST in the data cache: ./ilgpuvae data; OpenCL is required when
# ILGPUVAE_REQUIRE_OPENCL=1)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mpiexec=${MPIEXEC:-mpiexec}
command -v "$mpiexec" >/dev/null || { echo "check-mpi: no $mpiexec; install MPICH (apt-get install mpich)"; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
bash "$root/scripts/mnist-subset.sh" "$work/data" 600 200
ilgpuvae="$root/ilgpuvae"
"$ilgpuvae" --version >/dev/null # builds the runner once, before several processes start it
common=(--data "$work/data" --batch-size 50 --hidden 64 --latent 8 -q)
status=0
same() {
  if cmp -s "$work/$1/model.ckpt" "$work/$2/model.ckpt"; then echo "identical: $1 and $2"; else echo "DIFFERENT: $1 and $2"; status=1; fi
}
fail() { echo "FAILED: $*"; status=1; }
# The pid of rank $1 of the job training into folder $2 (its PMI_RANK, as Hydra sets it), read from /proc.
rank_pid() {
  local d
  for d in /proc/[0-9]*; do
    tr '\0' ' ' <"$d/cmdline" 2>/dev/null | grep -q "ilgpuvae.dll train .*$2" || continue
    if tr '\0' '\n' <"$d/environ" 2>/dev/null | grep -qx "PMI_RANK=$1"; then echo "${d#/proc/}"; return; fi
  done
}
wait_for_file() { local i; for i in $(seq 1 600); do [ -f "$1" ] && return 0; sleep 0.1; done; return 1; }

echo "== 1. one process, 2, 3 and 4 ranks"
"$ilgpuvae" train "${common[@]}" --accelerator cpu --epochs 2 --out "$work/one" >/dev/null
for n in 2 3 4; do
  "$mpiexec" -n "$n" "$ilgpuvae" train "${common[@]}" --accelerator cpu --epochs 2 --out "$work/ranks-$n" >/dev/null
  same one "ranks-$n"
done
opencl=0
if "$ilgpuvae" devices | grep -q "^opencl .*\[usable\]"; then
  opencl=1
elif [ "${ILGPUVAE_REQUIRE_OPENCL:-}" = 1 ]; then
  fail "ILGPUVAE_REQUIRE_OPENCL=1 but no usable OpenCL device"
else
  echo "no usable OpenCL device: the runs on OpenCL did not run"
fi
if ((opencl)); then
  "$mpiexec" -n 1 "$ilgpuvae" train "${common[@]}" --accelerator cpu --epochs 2 --out "$work/mixed" : \
    -n 1 "$ilgpuvae" train "${common[@]}" --accelerator opencl --epochs 2 --out "$work/mixed" >/dev/null
  same one mixed
fi

echo "== 2. stopped by SIGTERM on 4 ranks, resumed on 2 ranks (CPU and OpenCL)"
long=(--accelerator cpu --epochs 12 --checkpoint-every 4)
"$ilgpuvae" train "${common[@]}" "${long[@]}" --out "$work/straight" >/dev/null
"$mpiexec" -n 4 "$ilgpuvae" train "${common[@]}" "${long[@]}" --out "$work/stopped" >/dev/null 2>"$work/stopped.err" &
job=$!
wait_for_file "$work/stopped/model.ckpt" || fail "no checkpoint appeared"
kill -TERM "$job"
code=0; wait "$job" || code=$?
stops=$(grep -c "stopped by SIGTERM" "$work/stopped.err" || true)
if [ "$code" = 130 ] && [ "$stops" = 1 ]; then echo "stopped: exit code 130, one line"; else fail "exit code $code, $stops stop lines: $(cat "$work/stopped.err")"; fi
cp -r "$work/stopped" "$work/stopped-opencl"
"$mpiexec" -n 2 "$ilgpuvae" train --resume "$work/stopped" --accelerator cpu -q >/dev/null
same straight stopped
if ((opencl)); then
  "$mpiexec" -n 2 "$ilgpuvae" train --resume "$work/stopped-opencl" --accelerator opencl -q >/dev/null
  same straight stopped-opencl
fi

echo "== 3. a rank killed in mid-run"
"$mpiexec" -n 3 "$ilgpuvae" train "${common[@]}" "${long[@]}" --out "$work/killed" >/dev/null 2>"$work/killed.err" &
job=$!
wait_for_file "$work/killed/model.ckpt" || fail "no checkpoint appeared"
pid=$(rank_pid 1 "$work/killed")
[ -n "$pid" ] && kill -KILL "$pid" || fail "rank 1 not found"
start=$(date +%s)
( sleep 60; kill -KILL "$job" 2>/dev/null ) & guard=$!
code=0; wait "$job" || code=$?
kill "$guard" 2>/dev/null || true
if [ "$code" != 0 ] && [ "$code" != 137 ] && [ $(( $(date +%s) - start )) -lt 60 ]; then
  echo "the job ended (exit code $code) $(( $(date +%s) - start )) s after rank 1 was killed"
else
  fail "the job did not end by itself after rank 1 was killed (exit code $code)"
fi
"$ilgpuvae" train --resume "$work/killed" --accelerator cpu -q >/dev/null
same straight killed

echo "== 4. a diverging run on 3 ranks"
code=0
"$mpiexec" -n 3 "$ilgpuvae" train "${common[@]}" --accelerator cpu --lr 1e9 --out "$work/diverged" >/dev/null 2>"$work/diverged.err" || code=$?
messages=$(grep -c "^ilgpuvae: step" "$work/diverged.err" || true)
if [ "$code" = 3 ] && [ "$messages" = 1 ]; then echo "diverged: exit code 3, one message"; else fail "exit code $code, $messages messages: $(cat "$work/diverged.err")"; fi
rollback=(--accelerator cpu --optimizer sgd --lr 0.3 --epochs 4 --checkpoint-every 3 --on-divergence rollback)
"$ilgpuvae" train "${common[@]}" "${rollback[@]}" --out "$work/rollback-one" >/dev/null 2>&1
"$mpiexec" -n 3 "$ilgpuvae" train "${common[@]}" "${rollback[@]}" --out "$work/rollback-three" >/dev/null 2>"$work/rollback.err"
# config.json records the learning rate a rollback halved.
grep -q '"lr": 0.3' "$work/rollback-three/config.json" && fail "the run did not roll back: $(cat "$work/rollback-three/config.json")"
same rollback-one rollback-three

echo "== 5. experiment fig2 over 2 ranks"
fig2=(experiment fig2 --data "$work/data" --hidden 64 --latents 2,3 --budget-samples 1200 --evals-per-decade 1 --train-eval-images 100 --accelerator cpu -q)
"$ilgpuvae" "${fig2[@]}" --out "$work/fig2-one" >/dev/null
"$mpiexec" -n 2 "$ilgpuvae" "${fig2[@]}" --out "$work/fig2-two" >/dev/null
for nz in 2 3; do same "fig2-one/nz-$nz" "fig2-two/nz-$nz"; done
[ -f "$work/fig2-two/fig2.md" ] && grep -q "^| 3 " "$work/fig2-two/fig2.md" && echo "fig2.md holds every latent size" || fail "fig2.md incomplete"
exit $status
