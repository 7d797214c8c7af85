"""What the PyTorch references (bench/torch_cnn.py, bench/torch_vgg.py) share: reading the exchange directory that
bench/exchange.ts writes, choosing the device (CUDA with TF32 off, so both sides compute in float32), and timing.
"""
import json
import os
import time

import numpy as np
import torch

DTYPES = {"float32": np.float32, "float64": np.float64, "int32": np.int32}


def load(directory):
    """header.json and the arrays of data.bin, as (header, {name: numpy array}) (views of one buffer)."""
    with open(os.path.join(directory, "header.json")) as f:
        header = json.load(f)
    raw = np.fromfile(os.path.join(directory, "data.bin"), dtype=np.uint8)
    arrays = {}
    for name, a in header["arrays"].items():
        dtype = DTYPES[a["dtype"]]
        count = int(np.prod(a["shape"])) if a["shape"] else 1
        nbytes = count * np.dtype(dtype).itemsize
        arrays[name] = raw[a["offset"]:a["offset"] + nbytes].view(dtype).reshape(a["shape"])
    return header, arrays


def host(t):
    """A tensor's values as a numpy array on the host (for a CUDA tensor this waits for the GPU)."""
    return t.detach().cpu().numpy()


def set_device(name, script):
    """The torch device for DEVICE; on CUDA, TF32 is turned off so matmuls and convolutions are full float32."""
    if name == "cpu":
        return torch.device("cpu")
    if name != "cuda":
        raise SystemExit(f"{script}: DEVICE must be cpu or cuda, got {name!r}")
    if not torch.cuda.is_available():
        raise SystemExit(f"{script}: DEVICE cuda asked for, but torch.cuda.is_available() is False")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    return torch.device("cuda")


def device_info(device):
    """The device, and on CUDA its name, the CUDA and cuDNN versions and the TF32 switches (both off)."""
    if device.type != "cuda":
        return {"device": "cpu"}
    return {"device": "cuda", "cudaDevice": torch.cuda.get_device_name(device), "cudaVersion": torch.version.cuda,
            "cudnnVersion": torch.backends.cudnn.version(),
            "tf32": {"matmul": torch.backends.cuda.matmul.allow_tf32, "cudnn": torch.backends.cudnn.allow_tf32}}


def median_ms(fn, reps):
    """The median wall time of `reps` calls of fn after one warm-up, in ms (fn must wait for the device itself)."""
    fn()  # warm-up
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(times))


def value_and_grad(model, w, x, y):
    """The mean loss (a float) and its gradient (a host numpy array) of `model.loss` at the flat parameters w."""
    wr = w.detach().requires_grad_(True)
    loss = model.loss(wr, x, y)
    (g,) = torch.autograd.grad(loss, wr)
    return loss.item(), host(g)
