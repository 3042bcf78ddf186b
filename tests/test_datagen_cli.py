"""`nlp-ip data generate` and `nlp-ip data validate`."""

from __future__ import annotations

import json

from nlp_ip.cli import main


def test_data_generate_writes_splits_and_stats(tmp_path, capsys):
    out = tmp_path / "corpus"
    code = main(
        [
            "data",
            "generate",
            "--out",
            str(out),
            "--n",
            "240",
            "--seed",
            "4",
            "--no-audit",
            "--seed-listings",
            str(tmp_path / "none.jsonl"),
        ]
    )
    assert code == 0
    for name in ("train.jsonl", "validation.jsonl", "test.jsonl", "stats.json", "stats.md"):
        assert (out / name).is_file(), name
    stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    assert stats["splits"]["train"]["rows"] == 192
    assert stats["leakage"]["clean"]
    assert "wrote 240 rows" in capsys.readouterr().out


def test_data_validate_prints_the_report(tmp_path, capsys):
    path = tmp_path / "rows.jsonl"
    path.write_text(
        json.dumps({"title": "Plain mug", "label": "legitimate"})
        + "\n"
        + json.dumps({"title": "", "label": "parody"})
        + "\n",
        encoding="utf-8",
    )
    code = main(["data", "validate", str(path)])
    out = capsys.readouterr().out
    assert code == 1
    assert "2 rows, 1 valid, 1 bad" in out
