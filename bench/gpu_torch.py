#!/usr/bin/env python3
"""PyTorch (cuDNN) peer for `bench cuda`: the same conv and feature-transfer shapes, median ms
after warm-up, TF32 allowed as in ftmtlnet's default. Writes {"version", "rows": [{key, ms}]}."""
import argparse
import json

import torch
import torch.nn.functional as F


def timed(fn, repeat):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeat):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    return sorted(times)[len(times) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", required=True)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    assert torch.cuda.is_available(), "PyTorch sees no CUDA device"
    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.allow_tf32 = True
    torch.backends.cuda.matmul.allow_tf32 = True
    dev = torch.device("cuda")
    rows = []
    for key, n, c, h, k in [("conv_s4_64", 16, 64, 128, 64), ("conv_s8_128", 16, 128, 64, 128), ("conv_s16_256", 16, 256, 32, 256)]:
        x = torch.randn(n, c, h, h, device=dev) * 0.1
        w = torch.randn(k, c, 3, 3, device=dev) * 0.1
        b = torch.randn(k, device=dev) * 0.1
        dy = torch.randn(n, k, h, h, device=dev) * 0.1
        rows.append({"key": f"{key}_fwd", "ms": timed(lambda: F.conv2d(x, w, b, padding=1), args.repeat)})
        rows.append({"key": f"{key}_bwd_data", "ms": timed(
            lambda: torch.ops.aten.convolution_backward(dy, x, w, [k], [1, 1], [1, 1], [1, 1], False, [0, 0], 1,
                                                        [True, False, False]), args.repeat)})
        rows.append({"key": f"{key}_bwd_weight", "ms": timed(
            lambda: torch.ops.aten.convolution_backward(dy, x, w, [k], [1, 1], [1, 1], [1, 1], False, [0, 0], 1,
                                                        [False, True, True]), args.repeat)})
    # Feature transfer as PyTorch writes it: conv2d(cat(xs)) (the concat is materialised).
    n, h, k = 16, 64, 128
    xs = [(torch.randn(n, 64, h, h, device=dev) * 0.1).requires_grad_() for _ in range(3)]
    w = (torch.randn(k, 192, 3, 3, device=dev) * 0.1).requires_grad_()
    b = (torch.randn(k, device=dev) * 0.1).requires_grad_()
    dy = torch.randn(n, k, h, h, device=dev) * 0.1
    rows.append({"key": "ft3_fwd", "ms": timed(lambda: F.conv2d(torch.cat(xs, 1), w, b, padding=1), args.repeat)})

    def ft_backward():
        y = F.conv2d(torch.cat(xs, 1), w, b, padding=1)
        torch.autograd.grad(y, xs + [w, b], dy)

    fwd_ms = rows[-1]["ms"]
    rows.append({"key": "ft3_bwd", "ms": max(0.0, timed(ft_backward, args.repeat) - fwd_ms)})
    with open(args.json, "w") as f:
        json.dump({"version": torch.__version__, "rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
