"""The promotion gate on real models: a candidate worse on parody is refused, an equal one passes.

Production is configs/tiny.yaml as a TF-IDF model (it learns in seconds where the tiny
BERT learns nothing); the bad candidate is the same config trained with the seed's
parody rows relabeled as infringing and a remove threshold of 0.5, so it takes down
parody listings.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import nlp_ip.cli
from nlp_ip.cli import main
from nlp_ip.registry import Registry

ROOT = Path(__file__).resolve().parents[1]
SEED_SOURCES = [ROOT / "data" / "seed" / "listings.jsonl",
                *sorted((ROOT / "data" / "seed" / "extra").glob("*.jsonl"))]


def train_tiny_tfidf(out: Path, cache: Path, overrides: list[str]) -> Path:
    from nlp_ip_train.config import load_config
    from nlp_ip_train.run import train

    cfg = load_config(ROOT / "configs" / "tiny.yaml",
                      [f"data.cache_dir={cache}", "model.kind=tfidf", *overrides])
    return train(cfg, out, root=ROOT).model_best


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory, tiny_cache: Path) -> dict[str, Path]:
    """``production`` and ``worse_on_parody`` model folders."""
    folder = tmp_path_factory.mktemp("gate")
    flipped = folder / "parody-as-infringing.jsonl"
    rows = []
    for source in SEED_SOURCES:
        for line in source.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row.get("label") == "parody" and row.get("split", "train") == "train":
                rows.append(json.dumps({**row, "label": "infringing"}))
    flipped.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return {
        "production": train_tiny_tfidf(folder / "production", tiny_cache, []),
        "worse_on_parody": train_tiny_tfidf(folder / "worse", tiny_cache, [
            "policy.remove_threshold=0.5",
            f'data.extra=[{{path: "data/seed/extra/*.jsonl", repeat: 6}}, '
            f"{{path: {flipped}, weight: 2, repeat: 3}}]"]),
    }


@pytest.fixture
def lifecycle_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """retrain and gate as the merged pyproject.toml registers them (entry points come from
    the installed metadata, which may predate them)."""
    monkeypatch.setitem(nlp_ip.cli.BUILTIN_COMMANDS, "gate",
                        "nlp_ip_train.lifecycle.cli:register_gate")
    monkeypatch.setitem(nlp_ip.cli.BUILTIN_COMMANDS, "retrain",
                        "nlp_ip_train.lifecycle.cli:register_retrain")
    monkeypatch.chdir(ROOT)  # the gate sets are repository paths


def registry_with(folder: Path, production: Path, candidate: Path) -> Registry:
    """A registry where ``production`` is clf v1 (production) and ``candidate`` clf v2."""
    registry = Registry(folder, create=True)
    registry.register(production, name="clf")
    registry.promote("clf", "v1")
    registry.register(candidate, name="clf", parent="v1")
    return registry


def test_a_candidate_worse_on_parody_is_refused(models: dict[str, Path], tmp_path: Path,
                                                lifecycle_cli: None,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    registry = registry_with(tmp_path / "registry", models["production"],
                             models["worse_on_parody"])
    args = ["--registry", str(registry.root), "--name", "clf", "--set", "gate.n_bootstrap=300"]
    assert main(["gate", "v2", *args]) == 3
    err = capsys.readouterr().err
    assert "gate REFUSED: clf v2 is worse than clf v1 (production):" in err
    assert "seed-test: over_enforcement_parody (+" in err
    assert "holdout: over_enforcement_parody (+" in err

    record = registry.record("clf", "v2")
    assert record.gate is not None and not record.gate.passed
    assert record.gate.against_version == "v1"
    assert any(f.startswith("seed-test: over_enforcement_parody") for f in record.gate.failures)
    report = json.loads((registry.version_dir("clf", "v2") / "gate/report.json").read_text())
    seed_test = next(s for s in report["sets"] if s["name"] == "seed-test")
    parody = seed_test["metrics"]["over_enforcement_parody"]
    assert parody["verdict"] == "fail" and parody["interval"][0] > 0
    assert [s["name"] for s in report["sets"]] == ["seed-test", "holdout", "cases",
                                                   "litigated-2"]
    page = (registry.version_dir("clf", "v2") / "gate/report.html").read_text()
    assert "REFUSED" in page and "over_enforcement_parody" in page
    assert "http://" not in page and "https://" not in page

    assert main(["models", "promote", "clf", "v2", "--registry", str(registry.root)]) == 1
    err = capsys.readouterr().err
    assert "error: clf v2 failed its gate against v1 (seed-test: " in err
    assert "seed-test: over_enforcement_parody (+" in err and "--force --reason TEXT" in err
    assert registry.stage("clf") == "v1"  # production unchanged
    assert registry.history("clf")[-1].version == "v1"


def test_a_candidate_equal_to_production_passes(models: dict[str, Path], tmp_path: Path,
                                                lifecycle_cli: None,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    registry = registry_with(tmp_path / "registry", models["production"], models["production"])
    out = tmp_path / "copy"
    assert main(["gate", "v2", "--registry", str(registry.root), "--name", "clf",
                 "--set", "gate.n_bootstrap=100", "--output", str(out)]) == 0
    assert "gate PASSED: clf v2 is not worse than clf v1" in capsys.readouterr().out
    assert (out / "report.html").is_file()
    report = json.loads((out / "report.json").read_text())
    assert report["passed"] and report["failures"] == []
    for result in report["sets"]:
        for row in result["metrics"].values():
            assert row["verdict"] in {"pass", "not measured", "not gated"}
            assert row["difference"] in (None, 0.0)
    assert main(["models", "promote", "clf", "v2", "--registry", str(registry.root),
                 "--by", "ana"]) == 0
    assert registry.stage("clf") == "v2"
    assert registry.record("clf", "v2").promotions[0].by == "ana"

    # a folder candidate against a folder: nothing is saved in the registry
    folder_out = tmp_path / "folders"
    assert main(["gate", str(models["production"]), "--against", str(models["production"]),
                 "--set", "gate.n_bootstrap=100", "--set",
                 "gate.sets=[{name: cases, path: data/cases/cases.jsonl}]",
                 "--output", str(folder_out)]) == 0
    assert json.loads((folder_out / "report.json").read_text())["passed"]
