"""PyTorch reference of sgd-noise's Fashion-MNIST CNN, for `npm run bench -- compare` and test/bench-compare.test.ts.

Usage: /usr/bin/python3 bench/torch_cnn.py DIR check|bench THREADS [DEVICE]

DIR holds header.json and data.bin, written by bench/compare.ts. header.json lists the arrays in data.bin (dtype,
shape, byte offset), the flat parameter layout of the tfjs model (layer by layer, weight then bias; conv weights
[kh, kw, ci, co], dense weights [nin, nout], row-major) and the settings. Images are NHWC float32, flattened (h, w, c)
before the first dense layer, exactly as stages/models/sequential.ts does.

  check  loss, gradient and Hessian-vector product (double backprop) on the training batch; the gradient and the
         HVP are written to DIR/torch-grad.f32 and DIR/torch-hvp.f32, the loss is printed in the JSON on stdout.
  bench  median wall times (after a warm-up) of the operations the compare suite times, and Lanczos top-k with the
         algorithm of stages/numerics/lanczos.ts (float64 numpy, same start vector, same stopping rule).

Everything runs in float32 like tfjs; torch.set_num_threads(THREADS) (the caller also sets OMP_NUM_THREADS and
MKL_NUM_THREADS in this process's environment) and the result reports torch.get_num_threads(). One JSON object is printed on stdout.

DEVICE is cpu (default) or cuda (gpu/check.ts on a GPU machine): the tensors live there, TF32 is off (matmuls and
cuDNN convolutions in full float32, as tfjs), and every timed operation ends by copying its result to the host, which
waits for the GPU, as sgd-noise's timings await their reads. `settings.operations` (optional) lists the bench rows to
time (default: all of them).
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from torch_common import device_info, host, median_ms, set_device, value_and_grad
from torch_common import load as common_load

# The architecture this reference implements (stages/models/cnn.ts); the header's layout must match it exactly.
EXPECTED_PARAMS = [
    ("conv1.weight", [5, 5, 1, 10]), ("conv1.bias", [10]),
    ("conv2.weight", [5, 5, 10, 10]), ("conv2.bias", [10]),
    ("fc1.weight", [160, 50]), ("fc1.bias", [50]),
    ("fc2.weight", [50, 10]), ("fc2.bias", [10]),
]


def load(directory):
    """The exchange directory, its parameter layout checked against the CNN this reference implements."""
    header, arrays = common_load(directory)
    layout = [(p["name"], list(p["shape"])) for p in header["params"]]
    if layout != EXPECTED_PARAMS:
        raise SystemExit(f"torch_cnn.py: parameter layout {layout} is not the CNN this reference implements {EXPECTED_PARAMS}")
    return header, arrays


def nchw(images):
    """NHWC float32 images [n, 28, 28, 1] as a contiguous NCHW torch tensor."""
    return torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).contiguous()


class Cnn:
    """The flat-parameter CNN: conv 5x5 1->10, maxpool 2, ReLU, conv 5x5 10->10, maxpool 2, ReLU, FC 50, ReLU, FC 10."""

    def __init__(self, params):
        self.sizes = [int(np.prod(p["shape"])) for p in params]
        self.shapes = [list(p["shape"]) for p in params]

    def logits(self, w, x):
        c1w, c1b, c2w, c2b, f1w, f1b, f2w, f2b = [p.reshape(s) for p, s in zip(torch.split(w, self.sizes), self.shapes)]
        h = F.conv2d(x, c1w.permute(3, 2, 0, 1), c1b)  # [kh, kw, ci, co] -> [co, ci, kh, kw]
        h = F.relu(F.max_pool2d(h, 2))
        h = F.conv2d(h, c2w.permute(3, 2, 0, 1), c2b)
        h = F.relu(F.max_pool2d(h, 2))
        h = h.permute(0, 2, 3, 1).reshape(h.shape[0], -1)  # NHWC flatten order (h, w, c)
        h = F.relu(h @ f1w + f1b)
        return h @ f2w + f2b

    def loss(self, w, x, y):
        return F.cross_entropy(self.logits(w, x), y)


def hvp(model, w, x, y, v):
    """H(w) v by double backprop: grad_w (grad_w L(w) . v)."""
    wr = w.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(model.loss(wr, x, y), wr, create_graph=True)
    (hv,) = torch.autograd.grad(g, wr, grad_outputs=v)
    return host(hv)


class HvpSession:
    """H(w) v with the forward and first backward pass recorded once (retain_graph), like tfjs's hvpSession."""

    def __init__(self, model, w, x, y):
        self.w = w.detach().requires_grad_(True)
        (self.g,) = torch.autograd.grad(model.loss(self.w, x, y), self.w, create_graph=True)

    def hvp(self, v):
        (hv,) = torch.autograd.grad(self.g, self.w, grad_outputs=v, retain_graph=True)
        return host(hv)


def evaluate(model, w, x, y, chunk):
    """Mean loss and accuracy in chunks, as stages/models/evaluate.ts."""
    n = x.shape[0]
    loss_sum = 0.0
    correct = 0
    with torch.no_grad():
        for start in range(0, n, chunk):
            xs, ys = x[start:start + chunk], y[start:start + chunk]
            out = model.logits(w, xs)
            loss_sum += float(F.cross_entropy(out, ys, reduction="none").double().sum())
            correct += int((out.argmax(1) == ys).sum())
    return loss_sum / n, correct / n


# ---- Lanczos: the algorithm of stages/numerics/lanczos.ts, step for step, in float64 ----

def relative_residual(r, theta):
    if theta != 0:
        return r / abs(theta)
    return 0.0 if r == 0 else float("inf")


def orthogonalize(v, basis):
    """Classical Gram-Schmidt applied twice against the rows of `basis`; returns the norm after projection."""
    if basis:
        b = np.array(basis)
        for _ in range(2):
            v -= b.T @ (b @ v)
    return float(np.sqrt(v @ v))


def lanczos(matvec, size, k, tol, tol_pairs, random_vectors, max_basis=None, max_iter=None):
    max_basis = max_basis or min(size, max(3 * k, k + 30))
    max_iter = max_iter or max(300, 20 * k)
    randoms = iter(random_vectors)
    V, W = [], []
    proj = np.zeros((0, 0))
    state = {"matvecs": 0}
    norm_est = 0.0

    def extend(v):
        if state["matvecs"] >= max_iter:
            raise RuntimeError(f"lanczos: internal: matvec budget {max_iter} exceeded")
        w = matvec(v)
        state["matvecs"] += 1
        if not np.all(np.isfinite(w)):
            raise RuntimeError(f"lanczos: matvec {state['matvecs']} returned non-finite values")
        nonlocal proj
        m = len(V)
        nxt = np.zeros((m + 1, m + 1))
        nxt[:m, :m] = proj
        if m:
            a = np.array(V) @ w
            b = np.array(W) @ v
            nxt[:m, m] = nxt[m, :m] = 0.5 * (a + b)
        nxt[m, m] = v @ w
        V.append(v)
        W.append(w)
        proj = nxt

    def random_direction():
        for _ in range(3):
            try:
                v = np.array(next(randoms), dtype=np.float64)
            except StopIteration:
                raise RuntimeError("lanczos: ran out of the random vectors passed from tfjs (more breakdowns than expected)")
            before = float(np.sqrt(v @ v))
            after = orthogonalize(v, V)
            if after > 1e-6 * before:
                return v / after
        return None

    def ritz_pairs(coeffs, values, count):
        Vm, Wm = np.array(V), np.array(W)
        out = {"vectors": [], "products": [], "residual_vectors": [], "residuals": []}
        for i in range(count):
            s = coeffs[:, i]
            y = s @ Vm
            ay = s @ Wm
            ny = float(np.sqrt(y @ y))
            y, ay = y / ny, ay / ny
            r = ay - values[i] * y
            out["vectors"].append(y)
            out["products"].append(ay)
            out["residual_vectors"].append(r)
            out["residuals"].append(float(np.sqrt(r @ r)))
        return out

    extend(random_direction())
    iterations = restarts = breakdowns = 0
    while True:
        m = len(V)
        sym = 0.5 * (proj + proj.T)
        lam, vec = np.linalg.eigh(sym)
        order = np.argsort(-lam, kind="stable")
        values, coeffs = lam[order], vec[:, order]
        iterations += 1
        norm_est = max(norm_est, float(np.max(np.abs(values))))
        n_pairs = min(k, m)
        ritz = ritz_pairs(coeffs, values, n_pairs)
        floor = 1e3 * np.finfo(np.float64).eps * norm_est
        conv = [r <= tol * abs(values[i]) or r <= floor for i, r in enumerate(ritz["residuals"])]
        wanted_done = m >= k and all(conv[:tol_pairs])
        if wanted_done or m == size or state["matvecs"] >= max_iter:
            ev = values[:k]
            return {
                "eigenvalues": ev.tolist(),
                "relativeResiduals": [relative_residual(r, ev[i]) for i, r in enumerate(ritz["residuals"])],
                "converged": bool(all(conv[:tol_pairs]) and m >= k),
                "matvecs": state["matvecs"],
                "iterations": iterations,
                "restarts": restarts,
                "breakdowns": breakdowns,
            }
        checked = min(tol_pairs, n_pairs)
        pool = [i for i in range(checked) if not conv[i]] or list(range(n_pairs))
        pick, worst = pool[0], -1.0
        for i in pool:
            rel = relative_residual(ritz["residuals"][i], values[i])
            score = rel if np.isfinite(rel) else sys.float_info.max
            if score > worst:
                worst, pick = score, i
        direction = ritz["residual_vectors"][pick].copy() if ritz["residuals"][pick] > floor else None
        if m >= max_basis:
            keep = min(max_basis - 1, max(k, k + (max_basis - k) // 3))
            kept = ritz_pairs(coeffs, values, keep)
            V[:], W[:] = kept["vectors"], kept["products"]
            proj = np.diag(values[:keep]).astype(np.float64)
            restarts += 1
        if direction is not None:
            before = float(np.sqrt(direction @ direction))
            after = orthogonalize(direction, V)
            direction = direction / after if after > 1e-8 * before else None
        if direction is None:
            breakdowns += 1
            direction = random_direction()
            if direction is None:
                raise RuntimeError(f"lanczos: could not extend a search space of size {len(V)} in dimension {size}")
        extend(direction)


# ---- modes ----


def main():
    if len(sys.argv) not in (4, 5) or sys.argv[2] not in ("check", "bench") or not sys.argv[3].isdigit():
        raise SystemExit("usage: torch_cnn.py DIR check|bench THREADS [cpu|cuda]")
    directory, mode, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    device = set_device(sys.argv[4] if len(sys.argv) == 5 else "cpu", "torch_cnn.py")
    header, arrays = load(directory)
    torch.set_num_threads(threads)
    model = Cnn(header["params"])
    w = torch.from_numpy(arrays["w"].copy()).to(device)
    x = nchw(arrays["x_train"]).to(device)
    y = torch.from_numpy(arrays["y_train"].astype(np.int64)).to(device)
    info = {
        "threadsRequested": threads,
        "threadsInEffect": torch.get_num_threads(),
        "versions": {"torch": torch.__version__, "numpy": np.__version__, "python": sys.version.split()[0],
                     "torchMkldnn": str(torch.backends.mkldnn.is_available())},
        "env": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")},
        **device_info(device),
    }

    if mode == "check":
        v = torch.from_numpy(arrays["v"].copy()).to(device)
        loss, g = value_and_grad(model, w, x, y)
        hv = hvp(model, w, x, y, v)
        hv_session = HvpSession(model, w, x, y).hvp(v)
        g.astype(np.float32).tofile(os.path.join(directory, "torch-grad.f32"))
        hv.astype(np.float32).tofile(os.path.join(directory, "torch-hvp.f32"))
        hv_session.astype(np.float32).tofile(os.path.join(directory, "torch-hvp-session.f32"))
        out = {"loss": loss}
        if "x_test" in arrays:
            xt = nchw(arrays["x_test"]).to(device)
            yt = torch.from_numpy(arrays["y_test"].astype(np.int64)).to(device)
            out["testLoss"], out["testAccuracy"] = evaluate(model, w, xt, yt, int(header["settings"]["evalChunk"]))
        print(json.dumps({**info, **out}))
        return

    s = header["settings"]
    reps = int(s["reps"])
    wanted = set(s.get("operations") or ["fullBatchGradient", "minibatch20Gradient", "hvp", "hvpReusedPass", "evaluateTest",
                                         "sixtyMinibatchGradients", "lanczos"])
    v = torch.from_numpy(arrays["v"].copy()).to(device)
    minibatches = torch.from_numpy(arrays["minibatches"].astype(np.int64)).to(device)  # [60 (or fewer), 20]
    ms = {}
    if "fullBatchGradient" in wanted:
        ms["fullBatchGradient"] = median_ms(lambda: value_and_grad(model, w, x, y), reps)
    counter = {"i": 0}

    def mini():
        idx = minibatches[counter["i"] % minibatches.shape[0]]
        counter["i"] += 1
        value_and_grad(model, w, x.index_select(0, idx), y.index_select(0, idx))

    if "minibatch20Gradient" in wanted:
        ms["minibatch20Gradient"] = median_ms(mini, reps * 4)
    if "hvp" in wanted:
        ms["hvp"] = median_ms(lambda: hvp(model, w, x, y, v), reps)
    if "hvpReusedPass" in wanted:
        session = HvpSession(model, w, x, y)
        ms["hvpReusedPass"] = median_ms(lambda: session.hvp(v), reps)
        del session
    if "evaluateTest" in wanted:
        xt = nchw(arrays["x_test"]).to(device)
        yt = torch.from_numpy(arrays["y_test"].astype(np.int64)).to(device)
        ms["evaluateTest"] = median_ms(lambda: evaluate(model, w, xt, yt, int(s["evalChunk"])), max(3, reps // 2))

    def sixty():
        out = []
        for b in range(minibatches.shape[0]):
            idx = minibatches[b]
            out.append(value_and_grad(model, w, x.index_select(0, idx), y.index_select(0, idx))[1].copy())
        return out

    if "sixtyMinibatchGradients" in wanted:
        ms["sixtyMinibatchGradients"] = median_ms(sixty, max(3, reps // 2))
    if "lanczos" not in wanted:
        print(json.dumps({**info, "ms": ms}))
        return

    lz = s["lanczos"]
    randoms = arrays["lanczos_random"]
    results = []
    times = []
    for _ in range(int(lz["runs"])):
        t0 = time.perf_counter()
        op = HvpSession(model, w, x, y)
        res = lanczos(
            lambda vec: op.hvp(torch.from_numpy(vec.astype(np.float32)).to(device)).astype(np.float64),
            w.shape[0], int(lz["k"]), float(lz["tol"]), int(lz["tolPairs"]), randoms, max_iter=lz.get("maxIter"),
        )
        del op
        times.append((time.perf_counter() - t0) * 1e3)
        results.append(res)
    ms["lanczos"] = float(np.median(times))
    print(json.dumps({**info, "ms": ms, "lanczos": results[0]}))


if __name__ == "__main__":
    main()
