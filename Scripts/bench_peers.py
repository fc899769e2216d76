#!/usr/bin/env python3
"""Peer side of Scripts/bench: the same model and input through other tools.

Run by Scripts/bench inside its own virtual environment (.venv-bench, made by that script);
it can also be run by hand with any python that has numpy and onnxruntime.

    bench_peers.py inputs DIR [--seed S] [--size 224] [--batches 1,8]
        Writes seeded float32 inputs DIR/input_b{B}.npy, shape B x 3 x SIZE x SIZE, drawn
        from N(0, 1) (about the range of camkit's (x-127)/128 preprocessing).

    bench_peers.py ort MODEL INPUT --threads T [--warmup 10] [--runs 50] [--compare LOGITS.npy]
        onnxruntime forward pass: one InferenceSession (intra_op_num_threads=T,
        inter_op_num_threads=1, sequential execution, graph optimisations at the default
        ORT_ENABLE_ALL), WARMUP untimed runs, then RUNS timed runs of session.run only.
        Prints one line in the same shape as `cam run --repeat`:
            ort: median X.XXX ms, min Y.YYY ms over N runs (batch B, threads T)
        and, with --compare, the largest absolute difference from that .npy (camkit's output).

    bench_peers.py ort MODEL INPUT --threads T --once
        Whole process, for hyperfine: import, session creation, one run, exit.

Later peers (whole-pipeline CAM tools such as torchcam and pytorch-grad-cam) are added as
further subcommands: one function `peer_NAME(args)` plus its parser in `PEERS`.
"""
import argparse
import os
import sys
import time

import numpy as np


# ---------------------------------------------------------------------------------------
# inputs

def make_inputs(args):
    os.makedirs(args.dir, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    for b in (int(x) for x in args.batches.split(",")):
        x = rng.standard_normal((b, 3, args.size, args.size), dtype=np.float32)
        path = os.path.join(args.dir, f"input_b{b}.npy")
        np.save(path, np.ascontiguousarray(x))
        print(path)


# ---------------------------------------------------------------------------------------
# timing helpers

def median_min(times_ms):
    s = sorted(times_ms)
    return s[len(s) // 2], s[0]   # same median convention as `cam run` (upper middle)


def timed_runs(fn, warmup, runs):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return times


def compare_line(result, path):
    ref = np.load(path)
    if ref.shape != result.shape:
        return f"compare: shape {list(result.shape)} vs {list(ref.shape)} in {path}"
    diff = float(np.max(np.abs(result.astype(np.float64) - ref.astype(np.float64))))
    return f"compare: max abs diff {diff:.3e} vs {path}"


# ---------------------------------------------------------------------------------------
# peer: onnxruntime (forward pass only)

def peer_ort(args):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = args.threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL   # the default
    opts.log_severity_level = 3
    sess = ort.InferenceSession(args.model, sess_options=opts, providers=["CPUExecutionProvider"])
    x = np.load(args.input)
    feed = {sess.get_inputs()[0].name: x}
    out_names = [o.name for o in sess.get_outputs()]

    if args.once:
        sess.run(out_names, feed)
        return

    result = [None]

    def step():
        result[0] = sess.run(out_names, feed)

    times = timed_runs(step, args.warmup, args.runs)
    med, mn = median_min(times)
    print(f"ort: median {med:.3f} ms, min {mn:.3f} ms over {args.runs} runs "
          f"(batch {x.shape[0]}, threads {args.threads}) onnxruntime {ort.__version__}")
    if args.compare:
        print(compare_line(result[0][0], args.compare))


def add_ort_parser(sub):
    p = sub.add_parser("ort", help="onnxruntime forward pass")
    p.add_argument("model")
    p.add_argument("input")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--runs", type=int, default=50)
    p.add_argument("--compare", help="an .npy of the first output to compare against")
    p.add_argument("--once", action="store_true", help="session creation + one run, no timing")
    p.set_defaults(func=peer_ort)


# Further peers: add_NAME_parser functions appended here.
PEERS = [add_ort_parser]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("inputs", help="write seeded input .npy files")
    p.add_argument("dir")
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--batches", default="1,8")
    p.set_defaults(func=make_inputs)
    for add in PEERS:
        add(sub)
    args = ap.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    sys.exit(main())
