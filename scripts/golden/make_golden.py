#!/usr/bin/python3
"""Writes the PyTorch golden files that test/nn/golden.test.ts checks embedlm's nn core against
(the llm.c way: same initial weights and batch, compare logits, loss, every gradient, and the
parameters after 3 Adam steps).

Run with Debian's python3-torch:  /usr/bin/python3 scripts/golden/make_golden.py
Writes test/fixtures/golden/{lstm_lm,transformer_lm}.safetensors (small, committed). Tensor names
are embedlm's parameter names ("0.weight", "1.weight_ih_l0", ...); the batch is "input" (int32
[B, T]) and "target" (int32 [B*T]); results are "logits", "loss", "grad.<name>", "adam3.<name>".
The safetensors files are written by hand (the format is 8 bytes of header length, a JSON header
and the raw bytes), so the script needs nothing beyond torch.
"""
import json
import math
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "fixtures", "golden")
ADAM = dict(lr=1e-2, betas=(0.9, 0.999), eps=1e-8)


def write_safetensors(path, tensors, metadata):
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        dtype = {torch.float32: "F32", torch.int32: "I32"}[t.dtype]
        raw = t.numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def run(name, params, forward, x, y, vocab, meta):
    """params: dict name -> leaf tensor (requires_grad); forward(params, x) -> logits [B, T, V]."""
    out = {k: v.detach().clone() for k, v in params.items()}
    out["input"] = x.to(torch.int32)
    out["target"] = y.reshape(-1).to(torch.int32)
    opt = torch.optim.Adam(list(params.values()), **ADAM)
    for step in range(3):
        opt.zero_grad()
        logits = forward(params, x)
        loss = F.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1))
        loss.backward()
        if step == 0:
            out["logits"] = logits.detach().clone()
            out["loss"] = loss.detach().reshape(1).clone()
            for k, v in params.items():
                out["grad." + k] = v.grad.detach().clone()
        opt.step()
    for k, v in params.items():
        out["adam3." + k] = v.detach().clone()
    meta = {k: str(v) for k, v in {**meta, "torch": torch.__version__, "adam_lr": ADAM["lr"]}.items()}
    write_safetensors(os.path.join(OUT, name + ".safetensors"), out, meta)
    print(name, "loss", out["loss"].item())


def lstm_lm():
    V, E, H, B, T = 11, 6, 5, 3, 4
    torch.manual_seed(0)
    emb, rnn, head = nn.Embedding(V, E), nn.LSTM(E, H, 2, batch_first=True), nn.Linear(H, V)
    params = {"0.weight": emb.weight}
    for k, v in rnn.named_parameters():
        params["1." + k] = v
    params["2.weight"], params["2.bias"] = head.weight, head.bias

    def forward(p, x):
        return head(rnn(emb(x))[0])

    x = torch.randint(0, V, (B, T))
    y = torch.randint(0, V, (B, T))
    run("lstm_lm", params, forward, x, y, V, dict(vocab=V, emb=E, hidden=H, layers=2, batch=B, steps=T))


def transformer_lm():
    V, D, NH, B, T, L = 13, 8, 2, 2, 5, 2
    torch.manual_seed(1)

    def w(*shape, scale=0.3):
        return (torch.randn(*shape) * scale).requires_grad_()

    def ln_w():
        return (1 + 0.1 * torch.randn(D)).requires_grad_()

    p = {"0.weight": w(V, D, scale=1.0), "1.weight": w(T, D, scale=0.1)}
    for l in range(L):
        a, m = 2 + 2 * l, 3 + 2 * l
        p.update({
            f"{a}.0.weight": ln_w(), f"{a}.0.bias": w(D, scale=0.1),
            f"{a}.1.in_proj_weight": w(3 * D, D), f"{a}.1.in_proj_bias": w(3 * D, scale=0.1),
            f"{a}.1.out_proj.weight": w(D, D), f"{a}.1.out_proj.bias": w(D, scale=0.1),
            f"{m}.0.weight": ln_w(), f"{m}.0.bias": w(D, scale=0.1),
            f"{m}.1.weight": w(4 * D, D), f"{m}.1.bias": w(4 * D, scale=0.1),
            f"{m}.2.weight": w(D, 4 * D), f"{m}.2.bias": w(D, scale=0.1),
        })
    f = 2 + 2 * L
    p.update({f"{f}.weight": ln_w(), f"{f}.bias": w(D, scale=0.1), f"{f + 1}.weight": w(V, D), f"{f + 1}.bias": w(V, scale=0.1)})
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)

    def attention(x, pre):
        qkv = F.linear(x, p[pre + "in_proj_weight"], p[pre + "in_proj_bias"])
        q, k, v = (t.reshape(B, T, NH, D // NH).transpose(1, 2) for t in qkv.split(D, dim=-1))
        att = (q @ k.transpose(-1, -2)) / math.sqrt(D // NH)
        att = att.masked_fill(mask, float("-inf")).softmax(-1)
        o = (att @ v).transpose(1, 2).reshape(B, T, D)
        return F.linear(o, p[pre + "out_proj.weight"], p[pre + "out_proj.bias"])

    def forward(p, x):
        h = p["0.weight"][x] + p["1.weight"][:T]
        for l in range(L):
            a, m = 2 + 2 * l, 3 + 2 * l
            h = h + attention(F.layer_norm(h, (D,), p[f"{a}.0.weight"], p[f"{a}.0.bias"]), f"{a}.1.")
            z = F.layer_norm(h, (D,), p[f"{m}.0.weight"], p[f"{m}.0.bias"])
            z = F.gelu(F.linear(z, p[f"{m}.1.weight"], p[f"{m}.1.bias"]), approximate="tanh")
            h = h + F.linear(z, p[f"{m}.2.weight"], p[f"{m}.2.bias"])
        h = F.layer_norm(h, (D,), p[f"{f}.weight"], p[f"{f}.bias"])
        return F.linear(h, p[f"{f + 1}.weight"], p[f"{f + 1}.bias"])

    x = torch.randint(0, V, (B, T))
    y = torch.randint(0, V, (B, T))
    run("transformer_lm", p, forward, x, y, V, dict(vocab=V, dim=D, heads=NH, layers=L, batch=B, steps=T))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    lstm_lm()
    transformer_lm()
