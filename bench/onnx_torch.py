"""An ONNX graph (as written by bench/onnx-graph-json.ts: graph.json + weights.bin) rebuilt as a
torch.nn.Module: the op set ftmtlnet exports (Conv, BatchNormalization, Relu, Sigmoid, MaxPool,
AveragePool, GlobalAveragePool, Resize, Concat, Add, Sub, Mul, Reshape, Gemm, Identity).
Initializers named in `trainable` become parameters, the rest buffers; BatchNormalization uses
batch statistics and updates its running buffers in train mode, as torch.nn.BatchNorm2d does.
The exporter drops Dropout (identity in eval); in train mode the classifier's dropout
(config arch.dropout) is put back before each Gemm, where ftmtlnet applies it."""
import json
import os

import torch
import torch.nn.functional as F


def load_graph(folder):
    with open(os.path.join(folder, "graph.json")) as f:
        graph = json.load(f)
    with open(os.path.join(folder, "weights.bin"), "rb") as f:
        weights = torch.frombuffer(bytearray(f.read()), dtype=torch.float32)
    return graph, weights


class OnnxModule(torch.nn.Module):
    def __init__(self, graph, weights, trainable):
        super().__init__()
        self.graph = graph
        self.params = torch.nn.ParameterList()
        self.slots = {}  # tensor name -> ("p", index) | ("b", buffer name)
        trainable = set(trainable)
        for k, t in enumerate(graph["floats"]):
            data = weights[t["offset"]:t["offset"] + t["length"]].clone().reshape(t["dims"])
            if t["name"] in trainable:
                self.slots[t["name"]] = ("p", len(self.params))
                self.params.append(torch.nn.Parameter(data))
            else:
                self.register_buffer(f"b{k}", data)
                self.slots[t["name"]] = ("b", f"b{k}")
        self.ints = {t["name"]: t["values"] for t in graph["ints"]}
        config = json.loads(graph["metadata"].get("ftmtlnet.config", "{}"))
        self.dropout = float(config.get("arch", {}).get("dropout", 0.0))

    def tensor(self, env, name):
        if name in env:
            return env[name]
        kind, key = self.slots[name]
        return self.params[key] if kind == "p" else getattr(self, key)

    def forward(self, x):
        env = {self.graph["inputs"][0]: x}
        for node in self.graph["nodes"]:
            env[node["outputs"][0]] = self.run_node(node, env)
        return [env[name] for name in self.graph["outputs"]]

    def run_node(self, node, env):
        op, a = node["op"], node["attrs"]
        names = node["inputs"]
        get = lambda i: self.tensor(env, names[i]) if i < len(names) and names[i] else None
        if op == "Conv":
            pads = a.get("pads", [0, 0, 0, 0])
            assert pads[0] == pads[2] and pads[1] == pads[3], f"asymmetric pads {pads}"
            return F.conv2d(get(0), get(1), get(2), stride=a.get("strides", [1, 1]), padding=pads[:2],
                            dilation=a.get("dilations", [1, 1]), groups=a.get("group", 1))
        if op == "BatchNormalization":
            return F.batch_norm(get(0), get(3), get(4), get(1), get(2), self.training, 0.1, a.get("epsilon", 1e-5))
        if op == "Relu":
            return F.relu(get(0))
        if op == "Sigmoid":
            return torch.sigmoid(get(0))
        if op in ("MaxPool", "AveragePool"):
            pads = a.get("pads", [0, 0, 0, 0])
            k, s = a["kernel_shape"], a.get("strides", a["kernel_shape"])
            if op == "MaxPool":
                return F.max_pool2d(get(0), k, s, pads[:2])
            return F.avg_pool2d(get(0), k, s, pads[:2], count_include_pad=bool(a.get("count_include_pad", 0)))
        if op == "GlobalAveragePool":
            return get(0).mean((2, 3), keepdim=True)
        if op == "Resize":
            scales = get(2).tolist()
            if a["mode"] == "linear":
                assert a["coordinate_transformation_mode"] == "half_pixel"
                return F.interpolate(get(0), scale_factor=scales[2:], mode="bilinear", align_corners=False)
            assert a["coordinate_transformation_mode"] == "asymmetric" and a.get("nearest_mode") == "floor"
            return F.interpolate(get(0), scale_factor=scales[2:], mode="nearest")
        if op == "Concat":
            return torch.cat([self.tensor(env, n) for n in names], a.get("axis", 1))
        if op == "Add":
            return get(0) + get(1)
        if op == "Sub":
            return get(0) - get(1)
        if op == "Mul":
            return get(0) * get(1)
        if op == "Reshape":
            x = get(0)
            shape = [x.shape[i] if s == 0 else s for i, s in enumerate(self.ints[names[1]])]
            return x.reshape(shape)
        if op == "Gemm":
            assert a.get("transB", 0) == 1 and a.get("alpha", 1.0) == 1.0 and a.get("beta", 1.0) == 1.0
            x = F.dropout(get(0), self.dropout, self.training) if self.dropout > 0 else get(0)
            return F.linear(x, get(1), get(2))
        if op == "Identity":
            return get(0)
        raise ValueError(f"the torch peer has no mapping for ONNX op {op}")
