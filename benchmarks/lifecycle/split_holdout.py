"""Split data/holdout 200/200 by label, on a stable hash of the id (the decisions half and
the gate half of the lifecycle check in docs/lifecycle.md).

Usage: python split_holdout.py OUT_DIR   (writes decide-labeled.jsonl, decide-input.jsonl,
holdout-gate.jsonl)
"""
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
out = Path(sys.argv[1])
rows = [json.loads(line) for line in
        (ROOT / "data/holdout/listings.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()]
by_label: dict[str, list[dict]] = {}
for row in rows:
    by_label.setdefault(row["label"], []).append(row)
decide, gate = [], []
for _, group in sorted(by_label.items()):
    group.sort(key=lambda r: hashlib.sha256(r["id"].encode()).hexdigest())
    decide += group[:len(group) // 2]
    gate += group[len(group) // 2:]


def write(name: str, items: list[dict]) -> None:
    (out / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in items),
                            encoding="utf-8")


write("decide-labeled.jsonl", decide)
write("decide-input.jsonl", [{k: v for k, v in r.items() if k != "label"} for r in decide])
write("holdout-gate.jsonl", gate)
print(f"{len(decide)} listings to decide, {len(gate)} for the gate")
