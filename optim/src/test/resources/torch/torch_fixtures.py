#!/usr/bin/python3
"""PyTorch fixtures for finitegrad's torch layout (Checkpoint.saveTorch / loadTorch), both ways.

Run on a developer machine with PyTorch (Debian: apt-get install python3-torch; tested with 1.13),
from the repository root:

    /usr/bin/python3 optim/src/test/resources/torch/torch_fixtures.py

The build never runs it: its outputs are committed next to it, and TorchFixturesTest reads them.

1. PyTorch -> finitegrad. For each reference module (an nn.Sequential MLP and Recurrent(nn.RNN |
   nn.LSTM | nn.GRU, nn.Linear)) built from a fixed seed, it writes
     <name>.safetensors     the module's state_dict in float32, as PyTorch keeps it;
     <name>.io.safetensors  'input' (float64, values exact in float32), 'logits_f32' (the float32
                            module's output, stored as F32) and 'logits_f64' (model.double()'s output).
2. finitegrad -> PyTorch. For each finitegrad_<name>.safetensors present (written by
   TorchFixturesTest.exportedFilesAreWhatTheExporterWrites with -Dtorch.fixtures.write=true), it builds
   the module that file's 'module' metadata names, loads the file with load_state_dict(strict=True)
   and writes finitegrad_<name>.io.safetensors ('input', 'logits_f64': the double module's output).

Debian has no safetensors package, so the format is written and read by hand: an 8-byte
little-endian header length, the JSON header, the raw little-endian bytes.
"""
import json
import os
import struct

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = {torch.float32: "F32", torch.float64: "F64"}
TORCH_DTYPES = {"F32": torch.float32, "F64": torch.float64}


class Recurrent(nn.Module):
    """The reference recurrent model: rnn (batch_first) over the steps, head on the last step's output.

    forward takes finitegrad's matrix form, n x (T*in) step-major, and reshapes it to n x T x in.
    """

    def __init__(self, rnn, head):
        super().__init__()
        self.rnn = rnn
        self.head = head

    def forward(self, x):
        steps = x.reshape(x.shape[0], -1, self.rnn.input_size)
        out, _ = self.rnn(steps)
        return self.head(out[:, -1])


def write_safetensors(path, tensors, metadata=None):
    header, offset, blobs = {}, 0, []
    for name, t in tensors.items():
        t = t.detach().contiguous()
        data = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    if metadata:
        header["__metadata__"] = metadata
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, h in header.items():
        begin, end = h["data_offsets"]
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=TORCH_DTYPES[h["dtype"]])
        tensors[name] = t.reshape(h["shape"]).clone()
    return tensors, metadata


def reference_modules():
    """name -> (module, input columns per row); each module built right after its own seed."""
    def build(seed, make):
        torch.manual_seed(seed)
        return make()
    return {
        "mlp": (build(1, lambda: nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 6), nn.Tanh(),
                                               nn.Linear(6, 5), nn.Sigmoid(), nn.Linear(5, 3))), 4),
        "rnn": (build(2, lambda: Recurrent(nn.RNN(3, 5, batch_first=True), nn.Linear(5, 2))), 3 * 6),
        "lstm": (build(3, lambda: Recurrent(nn.LSTM(3, 5, batch_first=True), nn.Linear(5, 2))), 3 * 6),
        "gru": (build(4, lambda: Recurrent(nn.GRU(3, 5, batch_first=True), nn.Linear(5, 2))), 3 * 6),
    }


def fixed_input(cols, seed=100, rows=7):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(rows, cols, generator=g, dtype=torch.float32)


def torch_to_finitegrad():
    for name, (module, cols) in reference_modules().items():
        module.eval()
        x = fixed_input(cols)
        with torch.no_grad():
            logits32 = module(x)
            state = {k: v.clone() for k, v in module.state_dict().items()}
            logits64 = module.double()(x.double())
        write_safetensors(os.path.join(HERE, name + ".safetensors"), state, {"format": "pt"})
        write_safetensors(os.path.join(HERE, name + ".io.safetensors"),
                          {"input": x.double(), "logits_f32": logits32, "logits_f64": logits64})
        print(name, "written:", list(state))


def module_from_description(text):
    # the 'module' metadata saveTorch writes is a Python expression over nn and Recurrent
    return eval(text, {"nn": nn, "Recurrent": Recurrent})


def finitegrad_to_torch():
    for file in sorted(os.listdir(HERE)):
        if not (file.startswith("finitegrad_") and file.endswith(".safetensors")) or file.endswith(".io.safetensors"):
            continue
        tensors, metadata = read_safetensors(os.path.join(HERE, file))
        module = module_from_description(metadata["module"]).double()
        module.load_state_dict(tensors, strict=True)
        module.eval()
        cols = next(iter(tensors.values())).shape[1] if "0.weight" in tensors else None
        if cols is None:
            cols = module.rnn.input_size * 6
        x = fixed_input(cols, seed=200).double()
        with torch.no_grad():
            logits = module(x)
        write_safetensors(os.path.join(HERE, file[:-len(".safetensors")] + ".io.safetensors"),
                          {"input": x, "logits_f64": logits})
        print(file, "loaded strictly as", metadata["module"])


if __name__ == "__main__":
    torch_to_finitegrad()
    finitegrad_to_torch()
