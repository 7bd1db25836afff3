"""Sentence-embedding throughput: ember's SentenceEncoder against sentence-transformers (PyTorch), same run.

Three ways to embed the same sentences with all-MiniLM-L6-v2 (float32, CPU):
  ember        ``SentenceEncoder.encode`` (length-bucketed batches of at most 32, see ``length_batches``)
  st           ``SentenceTransformer.encode`` (its own batching: 32 sentences sorted by character length)
  torch_same   transformers' ``BertModel`` on exactly ember's batches (+ mean pooling + L2): the engines alone
Corpora: the 50 written test sentences (3 to 309 tokens), 512 tweets (``ember.datasets.tweets_sentiment``)
and the first 512 speeches of Shakespeare (``ember.datasets.shakespeare``, when installed).
Rounds are interleaved; the median sentences/s over rounds is printed, with the ratios ember/st and
ember/torch_same and the load average (ratios taken under load are suspect).
Threads: 2 (``BENCH_THREADS``). Run: ``HF_HUB_OFFLINE=1 python benchmarks/bench_sentence_encoder.py``.
"""

from __future__ import annotations

import os
import pathlib
import statistics
import time

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
ROOT = pathlib.Path(__file__).resolve().parents[1]


def shakespeare_speeches(text: str) -> list[str]:
    """The speeches of the plays (a ``**NAME**`` line, then verse), each joined into one line."""
    speeches = []
    for block in text.split("\n\n"):
        lines = [ln.strip() for ln in block.strip().splitlines()]
        if len(lines) > 1 and lines[0].startswith("**"):
            speeches.append(" ".join(lines[1:]))
    return speeches


def corpora() -> dict[str, list[str]]:
    import ember.datasets

    out = {"test50": (ROOT / "tests" / "applications" / "sentences.txt").read_text(encoding="utf-8").splitlines()}
    (x_train, _), _ = ember.datasets.tweets_sentiment.load_data()
    out["tweets512"] = [str(t) for t in x_train[:512]]
    try:
        out["shakespeare512"] = shakespeare_speeches(ember.datasets.shakespeare.load_text())[:512]
    except Exception as err:  # noqa: BLE001 - an optional corpus; say why it is missing
        print(f"shakespeare corpus skipped: {err}")
    return out


def main(rounds: int = 3) -> None:
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer

    from ember.applications import SentenceEncoder
    from ember.applications.sentence_encoder import length_batches

    torch.set_num_threads(THREADS)
    ours = SentenceEncoder("all-MiniLM-L6-v2")
    st = SentenceTransformer(str(ours.model_dir), device="cpu")
    bert = transformers.AutoModel.from_pretrained(str(ours.model_dir)).eval()

    def torch_same(sentences):
        encodings = ours.tokenize(sentences)
        out = np.zeros((len(sentences), 384), np.float32)
        with torch.no_grad():
            for rows in length_batches([len(e.ids) for e in encodings], 32):
                ids, mask, types = (torch.tensor(a) for a in ours.pad_batch([encodings[i] for i in rows]))
                h = bert(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state
                m = mask[..., None].float()
                pooled = torch.nn.functional.normalize((h * m).sum(1) / m.sum(1).clamp(min=1e-9), dim=1)
                out[rows] = pooled.numpy()
        return out

    runners = {"ember": lambda s: ours.encode(s, batch_size=32),
               "st": lambda s: st.encode(s, batch_size=32, normalize_embeddings=True, show_progress_bar=False),
               "torch_same": torch_same}  # fmt: skip
    print(f"threads={THREADS} torch={torch.__version__} transformers={transformers.__version__}")
    print("| corpus | n | ember sent/s | st sent/s | torch_same sent/s | ember/st | ember/torch_same | min cosine |")
    print("|---|---|---|---|---|---|---|---|")
    for name, sentences in corpora().items():
        rates: dict[str, list[float]] = {k: [] for k in runners}
        results = {}
        for _ in range(rounds):
            for key, run in runners.items():
                t0 = time.perf_counter()
                results[key] = run(sentences)
                rates[key].append(len(sentences) / (time.perf_counter() - t0))
        med = {k: statistics.median(v) for k, v in rates.items()}
        a, b = results["ember"], results["st"]
        cosine = float(((a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)).min())
        print(f"| {name} | {len(sentences)} | {med['ember']:.1f} | {med['st']:.1f} | {med['torch_same']:.1f} | "
              f"{med['ember'] / med['st']:.2f} | {med['ember'] / med['torch_same']:.2f} | {cosine:.7f} |")
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
