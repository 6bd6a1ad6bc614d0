#!/usr/bin/env python3
"""Writes the summary of a GPU session (scripts/gpu-session.sh) on stdout from its logs folder.

Usage: gpu-session-summary.py LOGS RUNS. LOGS holds steps.tsv (one row per step: name, status, seconds,
exit code, log file), the steps' logs and the JSON documents that `ilgpuvae bench --json`,
`bench --kernels --json` and bench/pytorch/vae_epoch.py --json wrote; RUNS the `train` run folders
(their metrics.jsonl). Every section reads what is there and says what is missing, so a summary can be
written after any step, also when earlier ones failed. Standard library only.
"""

import csv
import json
import os
import re
import statistics
import sys


def main(logs, runs):
    steps = read_steps(os.path.join(logs, "steps.tsv"))
    lines = ["GPU session summary", ""]
    lines += section_steps(steps)
    for section in (section_gpu, section_devices, section_verify, section_determinism, section_bench, section_kernels,
                    section_training, section_tests):
        lines.append("")
        try:
            lines += section(logs, runs, steps)
        except Exception as e:  # one broken section must not cost the others
            lines.append(f"({section.__name__[8:]}: could not be summarised: {e})")
    print("\n".join(lines))


def read_steps(path):
    with open(path, newline="") as f:
        return {row["step"]: row for row in csv.DictReader(f, delimiter="\t")}


def log_of(logs, steps, name):
    """The text of a step's log, or None when the step did not run."""
    row = steps.get(name)
    if not row or not row["log"]:
        return None
    path = os.path.join(logs, row["log"])
    return open(path, errors="replace").read() if os.path.exists(path) else None


def load_json(logs, name):
    path = os.path.join(logs, name)
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return None
    with open(path) as f:
        return json.load(f)


def section_steps(steps):
    lines = ["steps (status, seconds):"]
    for row in steps.values():
        lines.append(f"  {row['step']:<22} {row['status']:<45} {row['seconds']:>4} s")
    return lines


def section_gpu(logs, runs, steps):
    text = log_of(logs, steps, "environment") or ""
    # The CSV query of nvidia-smi: a header line "name, driver_version, ..." and one line per GPU.
    rows = text.splitlines()
    for i, line in enumerate(rows):
        if line.startswith("name, driver_version"):
            return ["GPU (" + line + "):"] + ["  " + r for r in rows[i + 1:] if r.strip() and "," in r]
    return ["GPU: not read (no nvidia-smi output)"]


def section_devices(logs, runs, steps):
    text = log_of(logs, steps, "devices")
    if text is None:
        return ["devices: not run"]
    lines = ["devices (cuda):"]
    in_cuda = False
    for line in text.splitlines():
        if line and not line.startswith(" "):
            in_cuda = line.startswith("cuda")
        if in_cuda:
            lines.append("  " + line.strip())
    return lines if len(lines) > 1 else ["devices: no cuda line in the output"]


def section_verify(logs, runs, steps):
    row = steps.get("verify")
    if row is None:
        return ["verify: not run"]
    meaning = {"0": "every value identical to the CPU", "5": "MISMATCH against the CPU (see the log's table)",
               "4": "the accelerator could not be used"}
    return [f"verify: {row['status']}: {meaning.get(row['exit'], 'see the log')}"]


def section_determinism(logs, runs, steps):
    text = log_of(logs, steps, "determinism")
    if text is None:
        return ["determinism: not run"]
    lines = ["determinism (byte-identical checkpoints, MNIST, 2 epochs):"]
    lines += ["  " + line for line in text.splitlines() if line.startswith(("identical:", "DIFFERENT:"))]
    return lines if len(lines) > 1 else [f"determinism: {steps['determinism']['status']}, no comparison in the log"]


def section_bench(logs, runs, steps):
    lines = ["bench (whole training steps, synthetic data, median of the repetitions):"]
    for name, label in (("bench-100", "batch 100"), ("bench-1024", "batch 1024"), ("bench-100-graphs-off", "batch 100, graphs off")):
        doc = load_json(logs, f"{name}.json")
        if doc is None:
            if name in steps or not name.endswith("graphs-off"):
                lines.append(f"  {label}: no result")
            continue
        lines.append(f"  {label}: {doc['ms_per_step']:.3f} ms/step, {doc['samples_per_second']:.0f} samples/s, "
                     f"{doc['gflops_per_second']:.1f} GFLOP/s ({doc['steps']} steps x {doc['repeats']})")
        if doc.get("kernel_sequences"):
            lines.append(f"    {doc['kernel_sequences']}")
    return lines


def section_kernels(logs, runs, steps):
    doc = load_json(logs, "bench-kernels.json")
    if doc is None:
        return ["bench --kernels: no result"]
    accelerators = doc["accelerators"]
    lines = [f"bench --kernels (median of {doc['repeats']} repetitions; speed-up: the CPU baseline's time / the device's;"
             " %peak: GFLOP/s of the FP32 peak, GB/s of the memory bandwidth):"]
    for a in accelerators:
        facts = [a["timer"], f"warm-up {a['warm_up_rounds']} rounds" + ("" if a["jit_settled"] else ", JIT still compiling")]
        if a.get("fp32_peak_gflops"):
            facts.append(f"FP32 peak {a['fp32_peak_gflops']:.0f} GFLOP/s")
        if a.get("memory_bandwidth_gbs"):
            facts.append(f"memory bandwidth {a['memory_bandwidth_gbs']:.0f} GB/s")
        if a["baseline"]:
            facts.append("the CPU baseline")
        lines.append(f"  {a['id']}: {a['name']} ({'; '.join(facts)})")

    def f(v, fmt):
        return format(v, fmt) if v is not None else "-"

    columns = []
    for a in accelerators:
        columns.append((a["id"] + " us", lambda t: f(t["microseconds_per_launch"], ".2f")))
        if a.get("fp32_peak_gflops"):
            columns.append(("%peak", lambda t: f(t["percent_of_fp32_peak"] if t["percent_of_fp32_peak"] is not None
                                                 else t.get("percent_of_memory_bandwidth"), ".1f")))
        if not a["baseline"]:
            columns.append(("speed-up", lambda t: f(t["speedup_over_baseline"], ".3g")))
    owners = [i for i, a in enumerate(accelerators)
              for _ in range(1 + bool(a.get("fp32_peak_gflops")) + (not a["baseline"]))]
    lines.append(f"  {'kernel':<22} {'shape':<22} {'batch':>5}" + "".join(f" {name:>14}" for name, _ in columns))
    for k in doc["kernels"]:
        cells = [cell(k["timings"][owner]) for (_, cell), owner in zip(columns, owners)]
        lines.append(f"  {k['kernel']:<22} {k['shape']:<22} {k['batch']:>5}" + "".join(f" {c:>14}" for c in cells))
    return lines


def engine_epochs(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def median_after_first(seconds):
    """The median of epochs 2..N (the first holds warm-up), or of epoch 1 when it is the only one."""
    return statistics.median(seconds[1:] if len(seconds) > 1 else seconds)


def section_training(logs, runs, steps):
    lines = ["training on MNIST (seconds of training per epoch, train ELBO, test ELBO):"]
    medians = {}
    for name, label in (("train", "engine"), ("train-graphs-off", "engine, graphs off")):
        path = os.path.join(runs, name, "metrics.jsonl")
        if not os.path.exists(path):
            lines.append(f"  {label}: no metrics ({steps.get(name, {}).get('status', 'not run')})")
            continue
        graphs = re.findall(r"CUDA graphs.*", log_of(logs, steps, name) or "")
        if graphs:
            lines.append(f"  {label}: {graphs[-1]}")
        epochs = engine_epochs(path)
        for e in epochs:
            test = f"{e['test_elbo']:.2f}" if e.get("test_elbo") is not None else "-"
            lines.append(f"  {label}: epoch {e['epoch']}: {e['seconds']:.3f} s, train {e['train_elbo']:.2f}, test {test}")
        if epochs:
            medians[label] = median_after_first([e["seconds"] for e in epochs])
    doc = load_json(logs, "pytorch.json")
    if doc is None:
        lines.append(f"  pytorch: no result ({steps.get('pytorch', {}).get('status', 'not run')})")
    else:
        lines.append(f"  pytorch {doc['torch_version']} (CUDA {doc['cuda_version']}) on {doc['device']}, TF32 {doc['tf32']}:")
        tests = doc.get("test_elbo") or [None] * len(doc["epoch_seconds"])
        for i, (s, train, test) in enumerate(zip(doc["epoch_seconds"], doc["train_elbo"], tests), start=1):
            test_text = f"{test:.2f}" if test is not None else "-"
            lines.append(f"  pytorch: epoch {i}: {s:.3f} s, train {train:.2f}, test {test_text}")
        medians["pytorch"] = doc["median_epoch_seconds"]
    if medians:
        lines.append("  median epoch (epochs 2..N): " + "; ".join(f"{k} {v:.3f} s" for k, v in medians.items()))
        if "pytorch" in medians and "engine" in medians:
            lines.append(f"  engine / pytorch: {medians['engine'] / medians['pytorch']:.2f}x the time")
    return lines


def section_tests(logs, runs, steps):
    lines = ["tests:"]
    for name in ("tests-cuda", "tests-all"):
        text = log_of(logs, steps, name)
        if text is None:
            lines.append(f"  {name}: {steps.get(name, {}).get('status', 'not run')}")
            continue
        counts = {k: re.findall(rf"^\s*{k}:\s*(\d+)", text, re.MULTILINE) for k in ("total", "succeeded", "failed", "skipped")}
        if all(counts.values()):
            lines.append(f"  {name}: " + ", ".join(f"{counts[k][-1]} {k}" for k in ("total", "succeeded", "failed", "skipped")))
        else:
            lines.append(f"  {name}: {steps[name]['status']}, no totals in the log")
        failures = re.findall(r"^failed (\S+)", text, re.MULTILINE)
        lines += [f"    failed: {f}" for f in failures[:20]]
    return lines


if __name__ == "__main__":
    if len(sys.argv) != 3 or not os.path.isdir(sys.argv[1]):
        print("usage: gpu-session-summary.py LOGS RUNS", file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2])
