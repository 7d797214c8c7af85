"""PyTorch reference of sgd-noise's VGG11 (stages/models/vgg.ts), for gpu/check.ts and test/torch-vgg.test.ts.

Usage: python3 bench/torch_vgg.py DIR check|bench [cpu|cuda]

DIR holds header.json and data.bin as bench/exchange.ts writes them: the flat parameter vector `w` in the tfjs
model's layout (layer by layer, weight then bias; conv weights [kh, kw, ci, co], dense weights [nin, nout],
row-major), NHWC float32 images `x_train` [n, 32, 32, 3] and int32 labels `y_train` [n].

The network, as stages/models/vgg.ts builds it: 3x3 convolutions with 'same' padding (stride 1, with bias), each
followed by ReLU, in the pattern 64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512, M (M: 2x2 max-pool, stride 2),
then flatten in NHWC order (h, w, c), FC -> ReLU -> FC -> ReLU -> FC, mean softmax cross-entropy. No batch-norm, no
dropout. The widths are read from the layout (stages/models/vgg.ts `width` scales them) and checked against this
structure; any other layout fails with a message naming both.

  check  the mean loss and its gradient on all of x_train: the gradient goes to DIR/torch-grad.f32, the loss into the
         JSON printed on stdout.
  bench  for each batch size B in settings.batchSizes: the median wall time (settings.reps runs after one warm-up) of
         the value + gradient on the first B images, read back to the host (which waits for a GPU), in ms per batch
         and per image.

On cuda, TF32 is off (full float32 matmuls and cuDNN convolutions, as tfjs). One JSON object is printed on stdout.
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from torch_common import load, median_ms, set_device, value_and_grad

PATTERN = [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]


def expected_layout(params):
    """The VGG11 layout with the widths the header's layout uses (conv widths from its conv weights, FC width from fc1)."""
    shapes = {p["name"]: list(p["shape"]) for p in params}
    convs = [c for c in PATTERN if c != "M"]
    widths = [shapes.get(f"conv{i + 1}.weight", [0, 0, 0, 0])[3] for i in range(len(convs))]
    hidden = shapes.get("fc1.weight", [0, 0])[1]
    classes = shapes.get("fc3.weight", [0, 0])[1]
    out, cin = [], 3
    for i, c in enumerate(widths):
        out += [(f"conv{i + 1}.weight", [3, 3, cin, c]), (f"conv{i + 1}.bias", [c])]
        cin = c
    # five 2x2 pools take 32x32 to 1x1, so the flattened features are the last conv's channels
    out += [("fc1.weight", [cin, hidden]), ("fc1.bias", [hidden]), ("fc2.weight", [hidden, hidden]), ("fc2.bias", [hidden]),
            ("fc3.weight", [hidden, classes]), ("fc3.bias", [classes])]
    return out


class Vgg11:
    """The flat-parameter VGG11 of stages/models/vgg.ts."""

    def __init__(self, params):
        layout = [(p["name"], list(p["shape"])) for p in params]
        expected = expected_layout(params)
        if layout != expected:
            raise SystemExit(f"torch_vgg.py: parameter layout {layout} is not the VGG11 this reference implements {expected}")
        self.sizes = [int(np.prod(s)) for _, s in layout]
        self.shapes = [s for _, s in layout]

    def logits(self, w, x):
        ps = [p.reshape(s) for p, s in zip(torch.split(w, self.sizes), self.shapes)]
        h, i = x, 0
        for item in PATTERN:
            if item == "M":
                h = F.max_pool2d(h, 2)
            else:
                h = F.relu(F.conv2d(h, ps[i].permute(3, 2, 0, 1), ps[i + 1], padding=1))  # [kh, kw, ci, co] -> [co, ci, kh, kw]
                i += 2
        h = h.permute(0, 2, 3, 1).reshape(h.shape[0], -1)  # NHWC flatten order (h, w, c)
        h = F.relu(h @ ps[i] + ps[i + 1])
        h = F.relu(h @ ps[i + 2] + ps[i + 3])
        return h @ ps[i + 4] + ps[i + 5]

    def loss(self, w, x, y):
        return F.cross_entropy(self.logits(w, x), y)


def main():
    if len(sys.argv) not in (3, 4) or sys.argv[2] not in ("check", "bench"):
        raise SystemExit("usage: torch_vgg.py DIR check|bench [cpu|cuda]")
    directory, mode = sys.argv[1], sys.argv[2]
    device = set_device(sys.argv[3] if len(sys.argv) == 4 else "cpu", "torch_vgg.py")
    header, arrays = load(directory)
    model = Vgg11(header["params"])
    w = torch.from_numpy(arrays["w"].copy()).to(device)
    x = torch.from_numpy(np.ascontiguousarray(arrays["x_train"])).permute(0, 3, 1, 2).contiguous().to(device)
    y = torch.from_numpy(arrays["y_train"].astype(np.int64)).to(device)
    info = {"versions": {"torch": torch.__version__, "python": sys.version.split()[0]}, "device": device.type, "threads": torch.get_num_threads()}
    if device.type == "cuda":
        info["cudaDevice"] = torch.cuda.get_device_name(device)
        info["tf32"] = {"matmul": torch.backends.cuda.matmul.allow_tf32, "cudnn": torch.backends.cudnn.allow_tf32}
    if mode == "check":
        loss, g = value_and_grad(model, w, x, y)
        g.astype(np.float32).tofile(os.path.join(directory, "torch-grad.f32"))
        print(json.dumps({**info, "loss": loss}))
        return
    s = header["settings"]
    reps = int(s.get("reps", 5))
    rows = []
    for b in s["batchSizes"]:
        b = int(b)
        if b > x.shape[0]:
            raise SystemExit(f"torch_vgg.py: batch size {b} > the {x.shape[0]} images passed")
        xb, yb = x[:b], y[:b]
        try:
            ms = median_ms(lambda: value_and_grad(model, w, xb, yb), reps)
            rows.append({"batch": b, "ms": ms, "msPerImage": ms / b})
        except RuntimeError as err:  # out of memory on a small GPU: say so, keep the other sizes
            rows.append({"batch": b, "error": str(err).split("\n")[0][:300]})
            if device.type == "cuda":
                torch.cuda.empty_cache()
    print(json.dumps({**info, "reps": reps, "rows": rows}))


if __name__ == "__main__":
    main()
