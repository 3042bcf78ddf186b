"""Shared pieces of the fault-injection tests."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def tfidf_model(tmp_path_factory: pytest.TempPathFactory, tiny_cache: Path) -> Path:
    """A small TF-IDF model folder: it loads in well under a second, so a test can start
    many ``nlp-ip`` processes."""
    from nlp_ip_train.config import load_config
    from nlp_ip_train.run import train

    cfg = load_config(ROOT / "configs" / "baseline.yaml", [
        f"data.cache_dir={tiny_cache}", "data.generate.n=400", "data.generate.seed=7",
        "data.max_train_rows=300", "data.use_seed_train=false", "data.extra=[]"])
    run_dir = tmp_path_factory.mktemp("runs") / "fault-tfidf"
    train(cfg, run_dir, root=ROOT)
    return run_dir / "model-best"
