#!/usr/bin/env python3
"""PyTorch (CPU) peer for `npm run bench -- ops`: the same conv, feature-transfer and linear
passes, median ms after warm-up, on the given number of threads. Reads the cases as JSON on
stdin ({"threads", "repeat", "convs": [{key, n, sources, h, w, k, r, stride, padding}],
"linears": [{key, n, in, out}]}) and writes {"version", "rows": [{key, pass, ms}]} to stdout.
Feature transfer is written as PyTorch users write it: conv2d(cat(xs)), the concat built."""
import json
import sys
import time

import torch
import torch.nn.functional as F


def timed(fn, repeat):
    for _ in range(3):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return sorted(times)[len(times) // 2]


def main():
    spec = json.load(sys.stdin)
    torch.set_num_threads(spec["threads"])
    repeat = spec["repeat"]
    torch.manual_seed(0)
    rows = []
    with torch.no_grad():
        for cs in spec["convs"]:
            xs = [torch.randn(cs["n"], c, cs["h"], cs["w"]) * 0.5 for c in cs["sources"]]
            c = sum(cs["sources"])
            w = torch.randn(cs["k"], c, cs["r"], cs["r"]) * 0.1
            b = torch.randn(cs["k"]) * 0.1
            s, p = cs["stride"], cs["padding"]
            x = xs[0] if len(xs) == 1 else None
            y = F.conv2d(torch.cat(xs, 1), w, b, stride=s, padding=p)
            dy = torch.randn_like(y)

            def forward():
                return F.conv2d(x if x is not None else torch.cat(xs, 1), w, b, stride=s, padding=p)

            def backward(data, weight):
                inp = x if x is not None else torch.cat(xs, 1)
                out = torch.ops.aten.convolution_backward(dy, inp, w, [cs["k"]], [s, s], [p, p], [1, 1], False, [0, 0],
                                                          1, [data, weight, weight])
                if data and x is None:
                    torch.split(out[0], cs["sources"], 1)  # the gradient per source
                return out

            rows.append({"key": cs["key"], "pass": "forward", "ms": timed(forward, repeat)})
            rows.append({"key": cs["key"], "pass": "backward-data", "ms": timed(lambda: backward(True, False), repeat)})
            rows.append({"key": cs["key"], "pass": "backward-weight", "ms": timed(lambda: backward(False, True), repeat)})
        for ls in spec["linears"]:
            x = torch.randn(ls["n"], ls["in"])
            w = torch.randn(ls["out"], ls["in"]) * 0.05
            b = torch.randn(ls["out"])
            dy = torch.randn(ls["n"], ls["out"])
            rows.append({"key": ls["key"], "pass": "forward", "ms": timed(lambda: F.linear(x, w, b), repeat)})
            rows.append({"key": ls["key"], "pass": "backward (dx+dw)", "ms": timed(
                lambda: (dy @ w, dy.t() @ x, dy.sum(0)), repeat)})
    json.dump({"version": torch.__version__, "rows": rows}, sys.stdout)


if __name__ == "__main__":
    main()
