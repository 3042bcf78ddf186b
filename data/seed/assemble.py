"""Assemble data/seed/listings.jsonl from the hand-written parts, with a fixed split.

Run once after editing a part: ``python data/seed/assemble.py``. The split is a
pure function of each row's id (sha256), stratified by label and difficulty, so
re-running never moves an existing row between seed-train and seed-test.
About 45% of each stratum goes to seed-test, which no training config reads.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEST_SHARE = 0.45
FIELDS = ("id", "title", "description", "price", "currency", "brand", "label", "rationale",
          "difficulty", "language", "marketplace")


def _rank(row_id: str) -> str:
    return hashlib.sha256(f"seed-split-v1:{row_id}".encode()).hexdigest()


def main() -> None:
    rows = []
    for part in sorted((HERE / "parts").glob("*.jsonl")):
        with part.open(encoding="utf-8") as handle:
            rows.extend(json.loads(line) for line in handle if line.strip())
    ids = Counter(r["id"] for r in rows)
    dupes = [i for i, n in ids.items() if n > 1]
    if dupes:
        raise SystemExit(f"duplicate ids in parts: {dupes[:10]}")
    strata: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        strata.setdefault((row["label"], row["difficulty"]), []).append(row)
    for members in strata.values():
        members.sort(key=lambda r: _rank(r["id"]))
        n_test = round(len(members) * TEST_SHARE)
        for i, row in enumerate(members):
            row["split"] = "test" if i < n_test else "train"
    rows.sort(key=lambda r: r["id"])
    out = HERE / "listings.jsonl"
    with out.open("w", encoding="utf-8") as handle:
        for row in rows:
            ordered = {k: row.get(k) for k in FIELDS}
            ordered["split"] = row["split"]
            handle.write(json.dumps(ordered, ensure_ascii=False) + "\n")
    counts = Counter((r["split"], r["label"]) for r in rows)
    print(f"wrote {len(rows)} rows to {out}")
    for key in sorted(counts):
        print(f"  {key[0]:<6} {key[1]:<11} {counts[key]}")


if __name__ == "__main__":
    main()
