#!/usr/bin/env python3
"""PyTorch reference for the SiameseIndex benchmark.

The model is written the way the Coursera NLP course (Siamese networks) does it:
Embedding(V, 128) -> LSTM(128) -> mean over all time steps of the padded batch
(padding included, like trax's Mean(axis=1)) -> L2 normalize. One set of weights
encodes both questions of a pair. Loss: the course's triplet loss with mean
negative and closest negative, margin 0.25, summed over the batch. Adam, lr 0.01.

Token file (written by the Swift side): line 1 = "V N"; then N lines
"ids1<TAB>ids2", ids space-separated ints, 0 = pad (never in the file).

Timing covers only the model work: padded batch tensors are built beforehand.
Train mode uses full batches only (the remainder of N / batch is dropped);
batches are taken in file order and wrap around when warmup + steps exceed them.

With --directions 2 the LSTM is nn.LSTM(128, 64, bidirectional=True): two directions of 64 whose outputs
are concatenated (128 values), the shape of SiameseIndex's default encoder. (Over the padded batch the
reverse direction reads the padding first; the work per step is what matters here.)
With --members M there are M such encoders of 128/M values each (own embedding, own LSTM), their unit
vectors side by side and scaled by 1/sqrt(M), the shape of `siamese train --members M`; training sums the
members' losses, which trains each on its own loss (they share no weight).

Usage:
  torch_siamese.py --tokens FILE --threads N --mode train|encode [--batch 256]
                   [--steps S] [--warmup 3] [--seed 1] [--directions 1|2] [--members M] [--json]
  torch_siamese.py --self-check
"""
import argparse
import json
import os
import resource
import sys
import time

torch = None  # imported by import_torch() once the thread variables are set

DIM = 128
MARGIN = 0.25
LR = 0.01


def parse_args(argv=None):
    """Parse the command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--tokens", help="token file written by the Swift side")
    p.add_argument("--threads", type=int, default=1, help="intra-op threads")
    p.add_argument("--mode", choices=["train", "encode"], default="train")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--steps", type=int, default=None,
                   help="batches to time (default: one full pass)")
    p.add_argument("--warmup", type=int, default=3, help="untimed batches first")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--directions", type=int, choices=[1, 2], default=1, help="LSTM directions (2: 64 each)")
    p.add_argument("--members", type=int, choices=[1, 2, 4], default=1,
                   help="encoders of 128/M values side by side")
    p.add_argument("--json", action="store_true", help="print one JSON line")
    p.add_argument("--self-check", action="store_true",
                   help="check the loss on the course notebook's numbers and exit")
    args = p.parse_args(argv)
    if not args.self_check and not args.tokens:
        p.error("--tokens is required (or use --self-check)")
    if args.threads < 1 or args.batch < 2 or args.warmup < 0 or (args.steps is not None and args.steps < 1):
        p.error("need --threads >= 1, --batch >= 2, --warmup >= 0, --steps >= 1")
    return args


def import_torch(threads):
    """Set OMP/MKL thread variables, then import torch and fix its thread pools."""
    global torch
    os.environ["OMP_NUM_THREADS"] = str(threads)
    os.environ["MKL_NUM_THREADS"] = str(threads)
    import torch as _torch
    torch = _torch
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)


def read_tokens(path):
    """Read the token file; return (vocab_size, list of (ids1, ids2) int lists)."""
    with open(path, encoding="utf-8") as f:
        vocab, n = (int(x) for x in f.readline().split())
        pairs = []
        for lineno, line in enumerate(f, start=2):
            line = line.rstrip("\n")
            if not line:
                continue
            a, b = line.split("\t")
            q1, q2 = [int(t) for t in a.split()], [int(t) for t in b.split()]
            if any(t <= 0 or t >= vocab for t in q1 + q2):
                raise ValueError(f"{path}:{lineno}: id outside 1..{vocab - 1}")
            pairs.append((q1, q2))
    if len(pairs) != n:
        raise ValueError(f"{path}: header says {n} pairs, found {len(pairs)}")
    return vocab, pairs


def pad(seqs, length):
    """Right-pad int sequences with 0 to `length`; return a LongTensor [len(seqs), length]."""
    out = torch.zeros(len(seqs), length, dtype=torch.long)
    for i, s in enumerate(seqs):
        if s:
            out[i, :len(s)] = torch.tensor(s, dtype=torch.long)
    return out


def train_batches(pairs, batch):
    """Full batches of pairs; both sides padded to the longest question of the batch."""
    out = []
    for start in range(0, len(pairs) - batch + 1, batch):
        chunk = pairs[start:start + batch]
        length = max(1, max(max(len(a), len(b)) for a, b in chunk))
        out.append((pad([a for a, _ in chunk], length), pad([b for _, b in chunk], length)))
    return out


def encode_batches(pairs, batch):
    """All questions (q1, q2 of each pair, in order) in batches padded to their longest."""
    questions = [q for pair in pairs for q in pair]
    out = []
    for start in range(0, len(questions), batch):
        chunk = questions[start:start + batch]
        out.append(pad(chunk, max(1, max(len(q) for q in chunk))))
    return out


def build_encoder(vocab_size, directions=1, members=1):
    """The shared encoder's layers: per member, Embedding(V, 128/M) and a one-layer LSTM(128/M), or two
    directions of 64/M."""
    width = DIM // members
    return torch.nn.ModuleList([torch.nn.ModuleDict({
        "embedding": torch.nn.Embedding(vocab_size, width),
        "lstm": torch.nn.LSTM(width, width // directions, num_layers=1, batch_first=True,
                              bidirectional=directions == 2),
    }) for _ in range(members)])


def encode_member(member, ids):
    """Embedding -> LSTM -> mean over all time steps (padding included) -> L2 normalize."""
    hidden, _ = member["lstm"](member["embedding"](ids))
    v = hidden.mean(dim=1)
    return v / torch.sqrt((v * v).sum(dim=-1, keepdim=True))


def encode(model, ids):
    """The members' unit vectors side by side, scaled so the whole is a unit vector."""
    if len(model) == 1:
        return encode_member(model[0], ids)
    return torch.cat([encode_member(m, ids) for m in model], dim=-1) / len(model) ** 0.5


def triplet_loss(a, b, margin=MARGIN):
    """Course triplet loss for unit vectors a[i], b[i] (duplicates), summed over the batch."""
    s = a @ b.T
    n = s.shape[0]
    pos = s.diagonal()
    eye = torch.eye(n, dtype=torch.bool)
    mean_neg = s.masked_fill(eye, 0.0).sum(dim=1) / (n - 1)
    closest_neg = s.masked_fill(eye, float("-inf")).max(dim=1).values
    return (torch.relu(mean_neg - pos + margin) + torch.relu(closest_neg - pos + margin)).sum()


def peak_rss_mib():
    """Peak resident set size of this process in MiB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_train(model, batches, warmup, steps):
    """Warm up, then time `steps` Adam steps; return (seconds, last loss)."""
    opt = torch.optim.Adam(model.parameters(), lr=LR)

    def step(k):
        q1, q2 = batches[k % len(batches)]
        opt.zero_grad()
        loss = sum(triplet_loss(encode_member(m, q1), encode_member(m, q2)) for m in model)
        loss.backward()
        opt.step()
        return loss.item()

    for k in range(warmup):
        step(k)
    t0 = time.perf_counter()
    for k in range(warmup, warmup + steps):
        loss = step(k)
    return time.perf_counter() - t0, loss


def run_encode(model, batches, warmup, steps):
    """Warm up, then encode `steps` batches under inference_mode; return (seconds, questions)."""
    count = 0
    with torch.inference_mode():
        for k in range(warmup):
            encode(model, batches[k % len(batches)])
        t0 = time.perf_counter()
        for k in range(warmup, warmup + steps):
            ids = batches[k % len(batches)]
            encode(model, ids)
            count += ids.shape[0]
        return time.perf_counter() - t0, count


def self_check():
    """Check triplet_loss on the course notebook's v1, v2 (expected 0.33096828); return exit code."""
    v1 = torch.tensor([[1, 2, 3], [9, 8, 7], [-1, -4, -2], [1, -7, 2]], dtype=torch.float64)
    v2 = torch.tensor([[1.27551159, 2.11854853, 3.01429143],
                       [8.83539979, 8.44302619, 8.21303737],
                       [-1.95506567, -2.96172592, -1.76136987],
                       [1.45513761, -8.12660221, 2.14513688]], dtype=torch.float64)
    unit = lambda x: x / torch.sqrt((x * x).sum(dim=-1, keepdim=True))
    loss = triplet_loss(unit(v1), unit(v2)).item()
    ok = abs(loss - 0.33096828) <= 1e-6
    print(f"self-check: loss = {loss:.8f}, expected 0.33096828 -> {'OK' if ok else 'FAIL'}")
    return 0 if ok else 1


def main(argv=None):
    """Run the benchmark (or the self-check) and print the result."""
    args = parse_args(argv)
    import_torch(args.threads)
    if args.self_check:
        return self_check()
    torch.manual_seed(args.seed)
    vocab, pairs = read_tokens(args.tokens)
    model = build_encoder(vocab, args.directions, args.members)
    if args.mode == "train":
        batches = train_batches(pairs, args.batch)
        if not batches:
            sys.exit(f"need at least {args.batch} pairs for one training batch, have {len(pairs)}")
        steps = args.steps or len(batches)
        seconds, loss = run_train(model, batches, args.warmup, steps)
        rate_key, rate, count = "pairs_per_s", steps * args.batch / seconds, steps * args.batch
    else:
        batches = encode_batches(pairs, args.batch)
        steps = args.steps or len(batches)
        seconds, count = run_encode(model, batches, args.warmup, steps)
        rate_key, rate, loss = "questions_per_s", count / seconds, None
    result = {"impl": "pytorch", "mode": args.mode, "threads": args.threads, "directions": args.directions,
              "members": args.members, rate_key: round(rate, 2), "peak_rss_mib": round(peak_rss_mib(), 1),
              "loss": None if loss is None else round(loss, 6), "torch": torch.__version__,
              "batch": args.batch, "steps": steps, "warmup": args.warmup,
              "items": count, "seconds": round(seconds, 4)}
    if args.json:
        print(json.dumps(result))
    else:
        unit = "pairs/s" if args.mode == "train" else "questions/s"
        extra = f", final loss {loss:.4f}" if loss is not None else ""
        print(f"pytorch {torch.__version__} {args.mode}, {args.threads} thread(s): "
              f"{rate:.1f} {unit} ({count} in {seconds:.3f} s, {steps} batches of {args.batch})"
              f"{extra}, peak RSS {result['peak_rss_mib']} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
