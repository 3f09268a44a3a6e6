#!/usr/bin/env python3
"""PyTorch (CPU) peer of `npm run bench -- train`: the exported FTMTLNet graph rebuilt as torch
modules (bench/onnx_torch.py) from the folder bench/train-step.ts wrote (graph.json,
weights.bin, spec.json, input.bin, r.bin, ours_eval.bin). One process per mode:
  parity: eval-mode forward on input.bin, max |torch - ours| per output against ours_eval.bin;
  train:  `repeat` training steps after `warmup` (forward in train mode, backward of
          sum_i sum(out_i * r_i), SGD with momentum), median ms, and this process's peak RSS
          (resource.getrusage ru_maxrss) before the first step and at the end.
Writes one JSON object to stdout."""
import argparse
import json
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_torch import OnnxModule, load_graph  # noqa: E402


def read_floats(folder, name):
    with open(os.path.join(folder, name), "rb") as f:
        return torch.frombuffer(bytearray(f.read()), dtype=torch.float32)


def split(flat, shapes):
    out, at = [], 0
    for shape in shapes:
        n = 1
        for d in shape:
            n *= d
        out.append(flat[at:at + n].reshape(shape))
        at += n
    return out


def max_rss_mb():
    """Peak RSS of this process, as bench/train-step-ours.ts measures it: VmHWM from
    /proc/self/status (getrusage's ru_maxrss would start from the parent's RSS at the fork)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--mode", choices=["parity", "train"], required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    with open(os.path.join(args.dir, "spec.json")) as f:
        spec = json.load(f)
    graph, weights = load_graph(args.dir)
    model = OnnxModule(graph, weights, spec["trainable"])
    del weights
    b, s = spec["batch"], spec["imageSize"]
    x = read_floats(args.dir, "input.bin").reshape(b, 1, s, s)
    shapes = spec["outputShapes"]
    result = {"version": torch.__version__, "threads": torch.get_num_threads()}
    if args.mode == "parity":
        model.eval()
        with torch.no_grad():
            outs = model(x)
        ours = split(read_floats(args.dir, "ours_eval.bin"), shapes)
        result["maxAbsDiff"] = {name: float((o - r).abs().max()) for name, o, r in zip(graph["outputs"], outs, ours)}
    else:
        model.train()
        r = split(read_floats(args.dir, "r.bin"), shapes)
        opt = torch.optim.SGD(model.parameters(), lr=spec["lr"], momentum=spec["momentum"])

        def step():
            opt.zero_grad(set_to_none=True)
            outs = model(x)
            loss = sum((o * ri).sum() for o, ri in zip(outs, r))
            loss.backward()
            opt.step()

        result["rssBeforeMb"] = max_rss_mb()
        times = []
        for k in range(args.warmup + args.repeat):
            t0 = time.perf_counter()
            step()
            if k >= args.warmup:
                times.append((time.perf_counter() - t0) * 1e3)
        result["ms"] = times
        result["peakRssMb"] = max_rss_mb()
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
