#!/usr/bin/env python3
"""PyTorch peer of tools/fashion_mnist: same models, optimizer, batch size and
data files, for the time-per-epoch comparison in the README.

  ATEN_CPU_CAPABILITY=avx512 /usr/bin/python3 tools/peer/fashion_mnist_torch.py \
      --model=cnn --epochs=1 --threads=2
  python3 tools/peer/fashion_mnist_torch.py --device=cuda   # on a GPU machine

Needs Debian's python3-torch and python3-numpy and dataset-fashion-mnist.
"""
import argparse
import gzip
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not a uint8 IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(data_dir, split):
    images = read_idx(f"{data_dir}/{split}-images-idx3-ubyte.gz")
    labels = read_idx(f"{data_dir}/{split}-labels-idx1-ubyte.gz")
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    return x, torch.from_numpy(labels.astype(np.int64))


class Cnn(nn.Module):
    """The TF layers tutorial convnet."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 5, padding=2)
        self.conv2 = nn.Conv2d(32, 64, 5, padding=2)
        self.dense = nn.Linear(7 * 7 * 64, 1024)
        self.logits = nn.Linear(1024, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        # TF flattens NHWC; the order does not change the cost.
        x = F.relu(self.dense(x.flatten(1)))
        return self.logits(F.dropout(x, 0.4, self.training))


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.h1 = nn.Linear(784, 256)
        self.h2 = nn.Linear(256, 128)
        self.logits = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.h1(x.flatten(1)))
        return self.logits(F.relu(self.h2(x)))


def evaluate(model, x, y, batch):
    model.eval()
    correct, loss = 0, 0.0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            out = model(x[i:i + batch])
            loss += F.cross_entropy(out, y[i:i + batch], reduction="sum").item()
            correct += (out.argmax(1) == y[i:i + batch]).sum().item()
    return correct / len(x), loss / len(x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="cnn", choices=["cnn", "mlp"])
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch_size", type=int, default=100)
    p.add_argument("--learning_rate", type=float, default=1e-3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--data_dir", default=DATA)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    dev = torch.device(a.device)
    # TF's float32 matmul/conv results are IEEE (Tessera's allow_tf32 off).
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    x_train, y_train = (t.to(dev) for t in load(a.data_dir, "train"))
    x_test, y_test = (t.to(dev) for t in load(a.data_dir, "t10k"))
    model = (Cnn() if a.model == "cnn" else Mlp()).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=a.learning_rate)
    for epoch in range(1, a.epochs + 1):
        model.train()
        perm = torch.randperm(len(x_train), device=dev)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        for i in range(0, len(x_train), a.batch_size):
            idx = perm[i:i + a.batch_size]
            opt.zero_grad()
            loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
            loss.backward()
            opt.step()
        if dev.type == "cuda":
            torch.cuda.synchronize()
        seconds = time.perf_counter() - start
        acc, test_loss = evaluate(model, x_test, y_test, 1000)
        steps = (len(x_train) + a.batch_size - 1) // a.batch_size
        print(f"epoch {epoch}: train {seconds:.1f} s "
              f"({len(x_train) / seconds:.0f} examples/s, "
              f"{steps / seconds:.1f} steps/s), last loss "
              f"{loss.item():.4f}, test accuracy {acc:.4f}, test loss "
              f"{test_loss:.4f}", flush=True)


if __name__ == "__main__":
    main()
