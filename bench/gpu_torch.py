"""PyTorch baseline for bench/gpu.ts part 3: prismer_base forward with the same shapes and the same layer
structure as lib/model (our own re-implementation, random weights): expert encoder at 480 px with all six
experts (CLIP ViT-B/16 trunk with an adaptor per layer, the expert stems, Perceiver resampler with 64 latents)
plus the teacher-forced RoBERTa-base decoder (causal self-attention, cross-attention, norm-late adaptor, MLP,
output layer, tied LM head over 50265 tokens), 20 tokens, batch 8, fp32. The ViT uses nn.MultiheadAttention as
CLIP does; the decoder computes attention explicitly as transformers 4.26's RoBERTa did.

    python3 bench/gpu_torch.py [--batch 8] [--resolution 480] [--tokens 20] [--repeats 5] [--tf32] [--gemm] [--profile]

Writes $OUT/gpu-torch[-tf32].json and appends to $OUT/summary.txt; when $OUT/gpu-forward[-tf32].json (our cuda
backend, same run) exists, also the ratio cuda/PyTorch.
  --gemm     first, torch.matmul alone on bench/gpu.ts --part gemm's shapes: $OUT/gpu-torch-gemm[-tf32].json, and the
             time ratio ours/torch per shape when $OUT/gpu-gemm[-tf32].json exists
  --profile  after the timing, encoder and decoder GPU times apart (CUDA events, median of --repeats) and a
             torch.profiler trace of one forward: $OUT/gpu-torch-profile[-tf32].json (top 30 by self CUDA time)
"""
import argparse
import json
import os
import random
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

WIDTH, LAYERS, HEADS, PATCH = 768, 12, 12, 16
RES_LAYERS, RES_HEADS, LATENTS = 4, 8, 64
VOCAB, HIDDEN, DEC_LAYERS, DEC_HEADS, INTER, MAX_POS = 50265, 768, 12, 12, 3072, 514
EXPERTS = [("depth", 1, "dense"), ("normal", 3, "dense"), ("seg_coco", 64, "categorical"), ("edge", 1, "dense"),
           ("obj_detection", 64, "categorical"), ("ocr_detection", 64, "categorical")]


class SquaredReLU(nn.Module):
    def forward(self, x):
        return torch.square(torch.relu(x))


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class Adaptor(nn.Module):
    """down (E→E), squared ReLU, up, LayerNorm; norm early for vision, norm late for language."""

    def __init__(self, dim, norm_late):
        super().__init__()
        self.down, self.up, self.ln, self.norm_late = nn.Linear(dim, dim), nn.Linear(dim, dim), nn.LayerNorm(dim), norm_late

    def forward(self, x):
        if self.norm_late:
            return self.ln(self.up(torch.square(torch.relu(self.down(x)))) + x)
        return x + self.up(torch.square(torch.relu(self.down(self.ln(x)))))


class ResidualBlock(nn.Module):
    def __init__(self, d, heads, act):
        super().__init__()
        self.attn = nn.MultiheadAttention(d, heads)
        self.ln_1, self.ln_2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), act, nn.Linear(4 * d, d))

    def attention(self, x):
        h = self.ln_1(x)
        return x + self.attn(h, h, h, need_weights=False)[0]

    def feed_forward(self, x):
        return x + self.mlp(self.ln_2(x))


class PerceiverBlock(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.attn = nn.MultiheadAttention(d, heads)
        self.ln_1, self.ln_2, self.ln_ff = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), SquaredReLU(), nn.Linear(4 * d, d))

    def forward(self, x, latents):
        q = self.ln_1(latents)
        kv = torch.cat([q, self.ln_2(x)], 0)
        latents = latents + self.attn(q, kv, kv, need_weights=False)[0]
        return latents + self.mlp(self.ln_ff(latents))


def stem(channels, kind, width):
    scale = (16 if kind == "dense" else 4) / PATCH
    strides = [2, 2, 2, 2] if kind == "dense" else [2, 2, 1, 1]
    widths = [channels, width // 8, width // 4, width // 2, width]
    layers = [nn.UpsamplingBilinear2d(scale_factor=scale)]
    for i in range(4):
        layers += [nn.Conv2d(widths[i], widths[i + 1], 3, strides[i], 1, bias=False), nn.BatchNorm2d(widths[i + 1]), nn.ReLU()]
    layers.append(nn.Conv2d(width, width, 1, bias=False))
    return nn.Sequential(*layers)


class Encoder(nn.Module):
    def __init__(self, resolution):
        super().__init__()
        grid = resolution // PATCH
        self.pos = nn.Parameter(torch.randn(grid * grid, WIDTH) * WIDTH ** -0.5)
        self.instance = nn.Parameter(torch.randn(128, WIDTH) * WIDTH ** -0.5)
        self.rgb = nn.Conv2d(3, WIDTH, PATCH, PATCH, bias=False)
        self.stems = nn.ModuleDict({name: stem(c, kind, WIDTH) for name, c, kind in EXPERTS})
        self.blocks = nn.ModuleList([ResidualBlock(WIDTH, HEADS, QuickGELU()) for _ in range(LAYERS)])
        self.adaptors = nn.ModuleList([Adaptor(WIDTH, False) for _ in range(LAYERS)])
        self.latents = nn.Parameter(torch.randn(LATENTS, WIDTH) * WIDTH ** -0.5)
        self.resampler = nn.ModuleList([PerceiverBlock(WIDTH, RES_HEADS) for _ in range(RES_LAYERS)])
        self.ln_pre, self.ln_post = nn.LayerNorm(WIDTH), nn.LayerNorm(WIDTH)
        self.rng = random.Random(2023)

    def forward(self, inputs):
        b = inputs["rgb"].shape[0]
        x = self.rgb(inputs["rgb"]).flatten(2).transpose(1, 2) + self.pos  # [B, L, D]
        experts = []
        for name, _, _ in EXPERTS:
            label = inputs[name]
            t = self.stems[name](label).flatten(2).transpose(1, 2)
            if name == "obj_detection":
                # As the official forward: a random instance_embedding row per unique id of the full-resolution
                # map (a host round trip), then each token takes the row of its nearest-downsampled id.
                full = inputs["instance"]
                unique = torch.unique(full).tolist()
                table = torch.zeros(int(max(unique)) + 1, dtype=torch.long, device=full.device)
                table[torch.tensor(unique, device=full.device)] = torch.tensor([self.rng.randint(0, 127) for _ in unique], device=full.device)
                grid = int(t.shape[1] ** 0.5)
                ids = F.interpolate(full.float(), size=(grid, grid), mode="nearest").long().flatten(1)
                t = t + self.instance[table[ids]]
            experts.append(t + self.pos)
        tokens = torch.cat(experts, 1).transpose(0, 1)  # [Le, B, D]
        latents = self.latents.unsqueeze(1).expand(-1, b, -1)
        for block in self.resampler:
            latents = block(tokens, latents)
        x = torch.cat([x.transpose(0, 1), latents], 0)
        x = self.ln_pre(x)
        for block, adaptor in zip(self.blocks, self.adaptors):
            x = block.feed_forward(adaptor(block.attention(x)))
        return self.ln_post(x).transpose(0, 1)  # [B, L, D]


class BertAttention(nn.Module):
    """transformers 4.26 RobertaSelfAttention + RobertaSelfOutput: explicit scores, softmax, context, dense, LN."""

    def __init__(self, d, heads):
        super().__init__()
        self.q, self.k, self.v, self.o = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.ln, self.heads = nn.LayerNorm(d), heads

    def split(self, x):
        b, l, d = x.shape
        return x.view(b, l, self.heads, d // self.heads).permute(0, 2, 1, 3)

    def forward(self, h, source, mask):
        q, k, v = self.split(self.q(h)), self.split(self.k(source)), self.split(self.v(source))
        scores = torch.matmul(q, k.transpose(-1, -2)) / (q.shape[-1] ** 0.5)
        if mask is not None:
            scores = scores + mask
        context = torch.matmul(torch.softmax(scores, -1), v).permute(0, 2, 1, 3).flatten(2)
        return self.ln(self.o(context) + h)


class FeedForward(nn.Module):
    def __init__(self, d, inner):
        super().__init__()
        self.fc, self.out, self.ln = nn.Linear(d, inner), nn.Linear(inner, d), nn.LayerNorm(d)

    def forward(self, h):
        return self.ln(self.out(F.gelu(self.fc(h))) + h)


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.words, self.positions, self.types = nn.Embedding(VOCAB, HIDDEN), nn.Embedding(MAX_POS, HIDDEN), nn.Embedding(1, HIDDEN)
        self.emb_ln = nn.LayerNorm(HIDDEN)
        self.self_attn = nn.ModuleList([BertAttention(HIDDEN, DEC_HEADS) for _ in range(DEC_LAYERS + 1)])
        self.cross_attn = nn.ModuleList([BertAttention(HIDDEN, DEC_HEADS) for _ in range(DEC_LAYERS)])
        self.adaptors = nn.ModuleList([Adaptor(HIDDEN, True) for _ in range(DEC_LAYERS)])
        self.ffn = nn.ModuleList([FeedForward(HIDDEN, INTER) for _ in range(DEC_LAYERS + 1)])
        self.head_dense, self.head_ln = nn.Linear(HIDDEN, HIDDEN), nn.LayerNorm(HIDDEN)
        self.head_bias = nn.Parameter(torch.zeros(VOCAB))

    def forward(self, ids, attention_mask, encoder_hidden):
        b, t = ids.shape
        padding = ids.ne(1).int()
        positions = torch.cumsum(padding, 1) * padding + 1
        h = self.emb_ln(self.words(ids) + self.positions(positions) + self.types(torch.zeros_like(ids)))
        causal = torch.tril(torch.ones(t, t, device=ids.device))
        mask = (1.0 - causal[None, None] * attention_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for i in range(DEC_LAYERS):
            h = self.self_attn[i](h, h, mask)
            h = self.cross_attn[i](h, encoder_hidden, None)
            h = self.adaptors[i](h)
            h = self.ffn[i](h)
        h = self.ffn[DEC_LAYERS](self.self_attn[DEC_LAYERS](h, h, mask))
        features = self.head_ln(F.gelu(self.head_dense(h)))
        return features @ self.words.weight.t() + self.head_bias


# bench/gpu.ts GEMM_SHAPES: (name, batch, m, n, k, transB) for C[m,n] = A[m,k]·B[k,n].
GEMM_SHAPES = [
    ("vit qkv", 1, 7712, 2304, 768, False), ("vit out/adaptor", 1, 7712, 768, 768, False),
    ("vit fc", 1, 7712, 3072, 768, False), ("vit proj", 1, 7712, 768, 3072, False),
    ("resampler kv", 1, 43712, 1536, 768, False), ("vit attn QK^T", 96, 964, 964, 64, True),
    ("vit attn PV", 96, 964, 64, 964, False), ("dec 768", 1, 160, 768, 768, False), ("dec fc", 1, 160, 3072, 768, False),
    ("dec lm head", 1, 160, 50265, 768, False), ("stem conv 120px", 1, 115200, 192, 864, False),
    ("stem conv 30px", 1, 7200, 768, 3456, False), ("stem resize", 1, 245760, 120, 480, False),
]


def summarize(out_dir, lines):
    with open(os.path.join(out_dir, "summary.txt"), "a") as f:
        f.write("".join(line + "\n" for line in lines))
    print("\n".join(lines))


def bench_gemm(out_dir, suffix, tf32, device, warmup=3, iterations=20):
    rows = []
    for name, batch, m, n, k, trans_b in GEMM_SHAPES:
        lead = (batch,) if batch > 1 else ()
        a = torch.full(lead + (m, k), 0.5, device=device)
        b = torch.full(lead + ((n, k) if trans_b else (k, n)), 0.5, device=device)
        b = b.transpose(-1, -2) if trans_b else b
        c = torch.empty(lead + (m, n), device=device)
        for _ in range(warmup):
            torch.matmul(a, b, out=c)
        torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(iterations):
            torch.matmul(a, b, out=c)
        torch.cuda.synchronize()
        ms = (time.perf_counter() - start) * 1000 / iterations
        rows.append({"name": name, "batch": batch, "m": m, "n": n, "k": k, "transB": trans_b, "ms": ms, "tflops": 2 * batch * m * n * k / (ms / 1000) / 1e12})
        del a, b, c
    torch.cuda.empty_cache()
    ours = {}
    ours_path = os.path.join(out_dir, f"gpu-gemm{suffix}.json")
    if os.path.exists(ours_path):
        with open(ours_path) as f:
            ours = {r["name"]: r for r in json.load(f).get("rows", [])}
    for r in rows:
        if r["name"] in ours:
            r["oursMs"] = ours[r["name"]]["ms"]
            r["ratioOursOverTorch"] = r["oursMs"] / r["ms"]
    with open(os.path.join(out_dir, f"gpu-torch-gemm{suffix}.json"), "w") as f:
        json.dump({"tf32": tf32, "warmup": warmup, "iterations": iterations, "rows": rows}, f, indent=2)
    lines = [f"torch gemm ({'TF32' if tf32 else 'fp32'}, mean of {iterations} after {warmup} warm-up; batch×m×n×k{', time ours/torch' if ours else ''}):"]
    for r in rows:
        ratio = f", ours/torch {r['ratioOursOverTorch']:.2f}x" if "ratioOursOverTorch" in r else ""
        lines.append(f"  {r['name']} {r['batch']}×{r['m']}×{r['n']}×{r['k']}{' Bᵀ' if r['transB'] else ''}: {r['ms']:.3f} ms, {r['tflops']:.1f} TFLOP/s{ratio}")
    summarize(out_dir, lines)


def self_cuda_us(event):
    # torch >= 2.4 names it self_device_time_total (self_cuda_time_total deprecated, later removed).
    value = getattr(event, "self_device_time_total", None)
    return value if value is not None else getattr(event, "self_cuda_time_total", 0)


def profile_forward(out_dir, suffix, encoder, decoder, inputs, ids, mask, repeats):
    """Encoder and decoder GPU times apart (CUDA events), then one forward under torch.profiler."""
    sides = []
    for _ in range(repeats):
        events = [torch.cuda.Event(enable_timing=True) for _ in range(3)]
        events[0].record()
        hidden = encoder(inputs)
        events[1].record()
        decoder(ids, mask, hidden)
        events[2].record()
        torch.cuda.synchronize()
        sides.append((events[0].elapsed_time(events[1]), events[1].elapsed_time(events[2])))
    enc_ms, dec_ms = sorted(sides, key=sum)[len(sides) // 2]
    activities = [torch.profiler.ProfilerActivity.CPU, torch.profiler.ProfilerActivity.CUDA]
    with torch.profiler.profile(activities=activities) as prof:
        decoder(ids, mask, encoder(inputs))
        torch.cuda.synchronize()
    averages = sorted(prof.key_averages(), key=self_cuda_us, reverse=True)
    rows = [{"name": e.key, "calls": e.count, "selfCudaMs": self_cuda_us(e) / 1000} for e in averages[:30]]
    # Operator rows carry their kernels' time too, so totals come from the kernel (device) rows alone.
    kernels = [e for e in averages if str(getattr(e, "device_type", "")).endswith("CUDA")]
    launches = sum(e.count for e in kernels)
    total_ms = sum(self_cuda_us(e) for e in kernels) / 1000
    result = {"encoderCudaMs": enc_ms, "decoderCudaMs": dec_ms, "sides": sides, "selfCudaTotalMs": total_ms, "cudaKernelLaunches": launches, "top": rows}
    with open(os.path.join(out_dir, f"gpu-torch-profile{suffix}.json"), "w") as f:
        json.dump(result, f, indent=2)
    summarize(out_dir, [
        f"torch CUDA-event times (median of {repeats}): encoder {enc_ms:.1f} ms, decoder {dec_ms:.1f} ms",
        f"torch profile (one forward, {total_ms:.1f} ms self CUDA, {launches} CUDA kernels): "
        + ", ".join(f"{r['name'][:60]} {r['selfCudaMs']:.1f} ms/{r['calls']}" for r in rows[:12]),
    ])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--resolution", type=int, default=480)
    parser.add_argument("--tokens", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--tf32", action="store_true")
    parser.add_argument("--gemm", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    out_dir = os.environ.get("OUT", "out/gpu")
    os.makedirs(out_dir, exist_ok=True)
    suffix = "-tf32" if args.tf32 else ""
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    torch.backends.cudnn.allow_tf32 = args.tf32
    torch.manual_seed(1)
    device = torch.device("cuda")
    if args.gemm:
        bench_gemm(out_dir, suffix, args.tf32, device)
    b, r = args.batch, args.resolution
    encoder, decoder = Encoder(r).to(device).eval(), Decoder().to(device).eval()
    inputs = {"rgb": torch.randn(b, 3, r, r, device=device)}
    for name, channels, _ in EXPERTS:
        inputs[name] = torch.rand(b, channels, r, r, device=device) * 2 - 1
    inputs["instance"] = torch.randint(0, 6, (b, 1, r, r), device=device)
    ids = torch.tensor([[0 if t == 0 else 4 + ((t * 7919 + i * 104729) % (VOCAB - 4)) for t in range(args.tokens)] for i in range(b)], device=device)
    mask = torch.ones_like(ids)

    def once():
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        hidden = encoder(inputs)
        torch.cuda.synchronize()
        t1 = time.perf_counter()
        logits = decoder(ids, mask, hidden)
        logits.cpu()
        t2 = time.perf_counter()
        return t1 - t0, t2 - t1

    with torch.inference_mode():
        once()
        once()
        runs = sorted((once() for _ in range(args.repeats)), key=sum)
    enc, dec = runs[len(runs) // 2]
    seconds = enc + dec
    params = sum(p.numel() for p in encoder.parameters()) + sum(p.numel() for p in decoder.parameters())
    result = {
        "device": torch.cuda.get_device_name(0), "torch": torch.__version__, "batch": b, "resolution": r, "tokens": args.tokens,
        "tf32": args.tf32, "parameters": params, "seconds": seconds, "encoderSeconds": enc, "decoderSeconds": dec,
        "imagesPerSecond": b / seconds, "runs": runs,
    }
    line = (f"pytorch {torch.__version__} on {result['device']}: {b / seconds:.2f} images/s ({seconds * 1000:.1f} ms per batch: "
            f"encoder {enc * 1000:.1f}, decoder {dec * 1000:.1f}; median of {args.repeats}), {params / 1e6:.1f} M parameters, fp32{' (TF32)' if args.tf32 else ''}")
    ours_path = os.path.join(out_dir, f"gpu-forward{suffix}.json")
    if os.path.exists(ours_path):
        with open(ours_path) as f:
            ours = json.load(f)
        if "imagesPerSecond" in ours:
            result["ratioCudaOverTorch"] = ours["imagesPerSecond"] / result["imagesPerSecond"]
            line += f"\nratio cuda/PyTorch{' (TF32)' if args.tf32 else ''}: {result['ratioCudaOverTorch']:.3f} (ours {ours['imagesPerSecond']:.2f} images/s, {ours.get('parameters', 0) / 1e6:.1f} M parameters)"
    with open(os.path.join(out_dir, f"gpu-torch{suffix}.json"), "w") as f:
        json.dump(result, f, indent=2)
    with open(os.path.join(out_dir, "summary.txt"), "a") as f:
        f.write(line + "\n")
    print(line)
    if args.profile:
        with torch.inference_mode():
            profile_forward(out_dir, suffix, encoder, decoder, inputs, ids, mask, args.repeats)


if __name__ == "__main__":
    main()
