"""The model registry: versions, stages, promotion history, immutability, concurrency."""

from __future__ import annotations

import itertools
import json
import multiprocessing
import stat
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest

from nlp_ip.artifact import ModelMeta, TextSettings, write_meta
from nlp_ip.cli import main
from nlp_ip.errors import InvalidInputError, PromotionRefusedError, RegistryError
from nlp_ip.registry import STAGES_FILE, GateSummary, Registry, now_utc


def make_model(folder: Path, version: str = "m-1", name: str = "clf") -> Path:
    """A model folder the registry accepts (it reads nlp_ip.json only)."""
    folder.mkdir(parents=True)
    write_meta(folder, ModelMeta(kind="transformer", model_version=version,
                                 text=TextSettings(builder_version=1),
                                 config={"name": name, "seed": 13},
                                 data_fingerprint={"combined": f"fp-{version}"}))
    (folder / "model.safetensors").write_bytes(b"weights " + version.encode())
    (folder / "sub").mkdir()
    (folder / "sub" / "tokenizer.json").write_text("{}", encoding="utf-8")
    return folder


def passed_gate(against: str, *, passed: bool = True, failures: list[str] | None = None
                ) -> GateSummary:
    return GateSummary(passed=passed, against_version=against, against=against,
                       failures=failures or [], gated_at=now_utc(), by="gate-bot")


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    return Registry(tmp_path / "registry", create=True)


def test_register_promote_rollback_and_history(registry: Registry, tmp_path: Path) -> None:
    first = registry.register(make_model(tmp_path / "a", "m-1"), by="ana")
    assert (first.name, first.version, first.parent) == ("clf", "v1", None)
    assert first.data_fingerprint == {"combined": "fp-m-1"}
    assert first.config["seed"] == 13 and first.registered_by == "ana"
    assert set(first.files) == {"nlp_ip.json", "model.safetensors", "sub/tokenizer.json"}
    assert registry.stage("clf") is None and registry.pointer_stamp("clf") is None

    event = registry.promote("clf", "v1", by="ana")  # the first production needs no gate
    assert (event.version, event.previous, event.by, event.serial) == ("v1", None, "ana", 1)
    assert registry.production("clf") == registry.model_path("clf", "v1")
    stamp = registry.pointer_stamp("clf")

    second = registry.register(make_model(tmp_path / "b", "m-2"), parent="v1", by="ben")
    assert (second.version, second.parent) == ("v2", "v1")
    registry.save_gate("clf", "v2", passed_gate("v1"), {"report.json": "{}"})
    registry.promote("clf", "v2", by="carl")
    assert registry.production("clf").parent.name == "v2"
    assert registry.pointer_stamp("clf") != stamp

    record = registry.record("clf", "v2")
    assert [(p.action, p.by) for p in record.promotions] == [("promote", "carl")]
    assert record.gate is not None and record.gate.files == ["gate/report.json"]
    assert (registry.version_dir("clf", "v2") / "gate" / "report.json").is_file()
    on_disk = json.loads((registry.version_dir("clf", "v2") / "record.json").read_text())
    assert on_disk["promotions"][0]["by"] == "carl"  # who promoted it when, beside the model

    back = registry.rollback("clf", by="dana", reason="complaints about parody removals")
    assert (back.version, back.previous, back.action) == ("v1", "v2", "rollback")
    assert registry.stage("clf") == "v1"
    with pytest.raises(RegistryError, match=r"no earlier production version to roll back to "
                                            r"\(production is v1\); promote a version instead"):
        registry.rollback("clf")
    history = registry.history("clf")
    assert [(e.serial, e.action, e.version) for e in history] == [
        (1, "promote", "v1"), (2, "promote", "v2"), (3, "rollback", "v1")]
    assert [r.version for r in registry.versions("clf")] == ["v1", "v2"]


def test_rollback_walks_back_through_the_history(registry: Registry, tmp_path: Path) -> None:
    for i in range(3):
        registry.register(make_model(tmp_path / f"m{i}", f"m-{i}"))
        registry.promote("clf", f"v{i + 1}", force=i > 0, reason="test" if i else None)
    assert registry.rollback("clf").version == "v2"
    assert registry.rollback("clf").version == "v1"  # never forth to v3
    registry.promote("clf", "v3", force=True, reason="again")
    assert registry.rollback("clf").version == "v1"


def test_versions_are_immutable(registry: Registry, tmp_path: Path) -> None:
    source = make_model(tmp_path / "a")
    registry.register(source, version="first")
    model = registry.model_path("clf", "first")
    registry.root.chmod(0o750)  # whoever may read the registry may read its versions
    assert stat.S_IMODE(registry.root.stat().st_mode) == 0o750
    for path in [model, *model.rglob("*")]:
        assert stat.S_IMODE(path.stat().st_mode) == (0o555 if path.is_dir() else 0o444), path
    group_only = Registry(registry.root)
    group_only.register(source, version="second")
    for path in [group_only.model_path("clf", "second"),
                 *group_only.model_path("clf", "second").rglob("*")]:
        assert stat.S_IMODE(path.stat().st_mode) == (0o550 if path.is_dir() else 0o440), path
    (source / "model.safetensors").write_bytes(b"changed after registration")
    assert (model / "model.safetensors").read_bytes() == b"weights m-1"  # a copy, not a link
    with pytest.raises(RegistryError, match=r"clf first exists already and versions are never "
                                            r"overwritten; register under another --version"):
        registry.register(source, version="first")
    assert registry.verify("clf", "first") == []
    target = model / "model.safetensors"
    target.chmod(0o644)
    target.write_bytes(b"tampered")
    (model / "extra.txt").parent.chmod(0o755)
    (model / "extra.txt").write_text("x")
    assert registry.verify("clf", "first") == [
        "model/model.safetensors: changed since it was registered",
        "model/extra.txt: added after registration"]


def test_register_copies_data_files_read_only(registry: Registry, tmp_path: Path) -> None:
    decisions = tmp_path / "decisions.jsonl"
    decisions.write_text('{"title": "x", "label": "parody"}\n', encoding="utf-8")
    record = registry.register(make_model(tmp_path / "a"), data_files={
        "decisions.jsonl": decisions}, lineage={"run_dir": "runs/x"})
    copied = registry.data_file("clf", "v1", "decisions.jsonl")
    assert copied is not None and copied.read_text() == decisions.read_text()
    assert stat.S_IMODE(copied.stat().st_mode) & 0o222 == 0
    assert set(record.data_files) == {"decisions.jsonl"} and record.lineage["run_dir"]
    assert registry.data_file("clf", "v1", "missing.jsonl") is None


def test_promotion_refuses_failed_missing_and_stale_gates(registry: Registry,
                                                          tmp_path: Path) -> None:
    for i in range(3):
        registry.register(make_model(tmp_path / f"m{i}", f"m-{i}"))
    registry.promote("clf", "v1")
    with pytest.raises(PromotionRefusedError, match=r"clf v2 has no gate report and production "
                                                    r"is v1; run `nlp-ip gate v2 --registry"):
        registry.promote("clf", "v2")
    registry.save_gate("clf", "v2", passed_gate(
        "v1", passed=False, failures=["seed-test: over_enforcement_parody"]), {})
    with pytest.raises(PromotionRefusedError, match=r"failed its gate against v1 \(seed-test: "
                                                    r"over_enforcement_parody\); fix the cand"):
        registry.promote("clf", "v2")
    with pytest.raises(InvalidInputError, match=r"a forced promotion needs a reason: pass "
                                                r"--reason TEXT"):
        registry.promote("clf", "v2", force=True)
    assert registry.stage("clf") == "v1"  # refusals change nothing

    registry.save_gate("clf", "v3", passed_gate("v1"), {})
    registry.promote("clf", "v2", force=True, reason="legal asked for it", by="lead")
    with pytest.raises(PromotionRefusedError, match=r"was gated against v1, but production is "
                                                    r"now v2"):
        registry.promote("clf", "v3")
    last = registry.history("clf")[-1]
    assert (last.forced, last.reason, last.by) == (True, "legal asked for it", "lead")
    assert registry.record("clf", "v2").gate_history == []
    with pytest.raises(RegistryError, match=r"clf v2 is already the production version"):
        registry.promote("clf", "v2", force=True, reason="again")


def test_bad_inputs_name_the_fix(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match=r"does not exist; create it by registering a model: "
                                            r"nlp-ip models register MODEL_DIR --registry"):
        Registry(tmp_path / "nowhere")
    registry = Registry(tmp_path / "reg", create=True)
    not_a_model = tmp_path / "empty"
    not_a_model.mkdir()
    with pytest.raises(RegistryError, match=r"cannot register .*empty: .* has no nlp_ip.json"):
        registry.register(not_a_model)
    model = make_model(tmp_path / "a")
    with pytest.raises(InvalidInputError, match=r"model name 'bad name/x' is not usable: use "
                                                r"1-64 letters"):
        registry.register(model, name="bad name/x")
    with pytest.raises(RegistryError, match=r"has no model named 'clf' \(registered: none yet\)"):
        registry.production("clf")
    registry.register(model)
    with pytest.raises(RegistryError, match=r"clf has no production version yet; promote one: "
                                            r"nlp-ip models promote clf VERSION"):
        registry.production("clf")
    with pytest.raises(RegistryError, match=r"clf has no version 'v9' \(versions: v1\)"):
        registry.promote("clf", "v9")
    with pytest.raises(InvalidInputError, match=r"stage 'prod' is not known; use one of "
                                                r"production, staging"):
        registry.promote("clf", "v1", stage="prod")
    with pytest.raises(RegistryError, match=r"data file .*nope.jsonl .* does not exist"):
        registry.register(model, data_files={"d.jsonl": tmp_path / "nope.jsonl"})
    (registry.root / "clf" / STAGES_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(RegistryError, match=r"stages.json is not a valid stage pointer file"):
        registry.stage("clf")


def _promote_in_process(root: str, version: str) -> int:
    event = Registry(root).promote("clf", version, force=True, reason=f"race {version}")
    return event.serial


def test_concurrent_promotions_leave_a_consistent_history(registry: Registry,
                                                          tmp_path: Path) -> None:
    n = 8
    for i in range(n):
        registry.register(make_model(tmp_path / f"m{i}", f"m-{i}"))
    registry.promote("clf", "v1")
    seen_bad: list[str] = []
    stop = threading.Event()

    def read_pointer() -> None:
        # readers take no lock: every read must still be a whole, valid pointer
        path = registry.root / "clf" / STAGES_FILE
        while not stop.is_set():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                assert data["stages"]["production"] == data["history"][-1]["version"]
                registry.production("clf")
            except Exception as exc:  # any failure is the finding
                seen_bad.append(repr(exc))

    reader = threading.Thread(target=read_pointer)
    reader.start()
    try:
        with ThreadPoolExecutor(4) as pool:
            serials = list(pool.map(lambda v: Registry(registry.root).promote(
                "clf", v, force=True, reason="race").serial, [f"v{i}" for i in range(2, 6)]))
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
            serials += list(pool.map(_promote_in_process, [str(registry.root)] * 3,
                                     [f"v{i}" for i in range(6, n + 1)]))
    finally:
        stop.set()
        reader.join()
    assert seen_bad == []
    history = registry.history("clf")
    assert [e.serial for e in history] == list(range(1, n + 1))
    assert sorted(serials) == list(range(2, n + 1))
    # every event names the version it replaced: the chain has no gap
    for before, after in itertools.pairwise(history):
        assert after.previous == before.version
    assert registry.stage("clf") == history[-1].version


def test_models_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "reg"
    model = make_model(tmp_path / "a")
    assert main(["models", "register", str(model), "--registry", str(root), "--by", "ana",
                 "--name", "listing-classifier"]) == 0
    assert "registered" in capsys.readouterr().out
    assert main(["models", "register", str(model), "--registry", str(root),
                 "--name", "listing-classifier", "--parent", "v1"]) == 0
    assert main(["models", "promote", "listing-classifier", "v1", "--stage", "production",
                 "--registry", str(root), "--by", "ana"]) == 0
    capsys.readouterr()
    assert main(["models", "promote", "listing-classifier", "v2", "--registry", str(root)]) == 1
    assert "has no gate report" in capsys.readouterr().err
    assert main(["models", "promote", "listing-classifier", "v2", "--registry", str(root),
                 "--force", "--reason", "hotfix", "--by", "lead"]) == 0
    assert main(["models", "list", "--registry", str(root)]) == 0
    out = capsys.readouterr().out
    assert "listing-classifier (production: v2)" in out
    assert "FORCED (hotfix)" in out and "by ana" in out
    assert main(["models", "rollback", "listing-classifier", "--registry", str(root)]) == 0
    assert "rolled back v2 -> v1" in capsys.readouterr().out
    assert main(["models", "path", "listing-classifier", "--registry", str(root)]) == 0
    assert capsys.readouterr().out.strip() == str(root / "listing-classifier/versions/v1/model")
    assert main(["models", "path", "listing-classifier", "--stage", "staging", "--registry",
                 str(root)]) == 1
    assert "has no staging version; pass a VERSION or promote one" in capsys.readouterr().err
    assert main(["models", "show", "listing-classifier", "v2", "--verify", "--registry",
                 str(root)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["parent"] == "v1" and shown["verify"] == "intact"
    assert main(["models", "list", "--json", "--registry", str(root)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["listing-classifier"]["stages"] == {"production": "v1"}
