from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def tiny_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A corpus/tokenisation cache shared by the tests that train."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory, tiny_cache: Path) -> Path:
    """A run of configs/tiny.yaml (random 2-layer BERT), trained once per test session."""
    from nlp_ip_train.config import load_config
    from nlp_ip_train.run import train

    cache = tiny_cache
    cfg = load_config(ROOT / "configs" / "tiny.yaml", [f"data.cache_dir={cache}"])
    run_dir = tmp_path_factory.mktemp("runs") / "tiny"
    train(cfg, run_dir, root=ROOT)
    return run_dir


@pytest.fixture
def tiny_model(tiny_run: Path, tmp_path: Path) -> Path:
    """A private copy of the tiny model folder, safe to modify."""
    target = tmp_path / "model"
    shutil.copytree(tiny_run / "model-best", target)
    return target


@pytest.fixture(scope="session")
def tiny_blend_run(tmp_path_factory: pytest.TempPathFactory, tiny_cache: Path) -> Path:
    """configs/tiny.yaml with a TF-IDF model blended in (what configs/default.yaml does)."""
    from nlp_ip_train.config import load_config
    from nlp_ip_train.run import train

    cfg = load_config(ROOT / "configs" / "tiny.yaml",
                      [f"data.cache_dir={tiny_cache}", "model.blend.enabled=true"])
    run_dir = tmp_path_factory.mktemp("runs") / "tiny-blend"
    train(cfg, run_dir, root=ROOT)
    return run_dir


@pytest.fixture
def keys_file(tmp_path: Path) -> Path:
    """Where a server test keeps its API keys (``tmp_path / "keys.json"``)."""
    return tmp_path / "keys.json"


@pytest.fixture
def key(keys_file: Path) -> str:
    """An API key with scope ``classify``, added to :func:`keys_file`."""
    from serve_helpers import make_key

    return make_key(keys_file, "moderation")
