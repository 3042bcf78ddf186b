"""The batched inference engine on the tiny model: API, properties, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp_ip.errors import InputTooLargeError, InvalidInputError, ModelLoadError
from nlp_ip.inference import ListingClassifier, Prediction
from nlp_ip.labels import LABEL_NAMES
from nlp_ip.policy import Decision
from nlp_ip.schema import Listing

LISTINGS = [
    {"id": "a", "title": "G.U.C.C.I belt 1:1 mirror quality", "price": 25, "currency": "USD"},
    {"id": "b", "title": "Chewy Vuiton plush dog toy", "description": "parody squeaker"},
    {"id": "c", "title": "Quilted chain flap bag, no logo",
     "description": "designer-inspired, similar vibe " * 40},
    {"id": "d", "title": "Case for iPhone 15", "brand": "Spigen", "price": 12.5,
     "currency": "EUR"},
    {"id": "e", "title": "x"},
]


@pytest.fixture(scope="module")
def clf(tiny_run: Path) -> ListingClassifier:
    return ListingClassifier.from_pretrained(tiny_run / "model-best", backend="torch-fp32")


def _variant(base: ListingClassifier, **kwargs: int) -> ListingClassifier:
    """The same loaded model with other batching settings."""
    return ListingClassifier(base.folder, base.meta, base.backend, **kwargs)


def test_predict_returns_one_calibrated_prediction_per_listing(clf: ListingClassifier) -> None:
    predictions = clf.predict(LISTINGS)
    assert [p.id for p in predictions] == ["a", "b", "c", "d", "e"]
    for p in predictions:
        assert isinstance(p, Prediction)
        assert list(p.probabilities) == list(LABEL_NAMES)
        assert sum(p.probabilities.values()) == pytest.approx(1.0, abs=1e-9)
        assert p.label == max(p.probabilities, key=p.probabilities.__getitem__)
        assert p.confidence == p.probabilities[p.label]
        assert p.decision in {d.value for d in Decision}
        assert p.model_version == clf.model_version
        assert json.dumps(p.to_dict())
    probs = clf.predict_proba(LISTINGS)
    assert probs.shape == (5, 4)
    np.testing.assert_allclose(probs, [list(p.probabilities.values()) for p in predictions])
    decisions = clf.meta.policy.decide(probs)
    assert [p.decision for p in predictions] == [d.value for d in decisions]


def test_accepts_listing_dict_string_and_single_items(clf: ListingClassifier) -> None:
    as_dict = clf.predict_proba({"title": "Oak bookshelf"})
    as_str = clf.predict_proba("Oak bookshelf")
    as_model = clf.predict_proba(Listing(title="Oak bookshelf"))
    assert as_dict.shape == (1, 4)
    np.testing.assert_allclose(as_dict, as_str)
    np.testing.assert_allclose(as_dict, as_model)
    assert clf.predict([]) == []
    assert clf.predict_proba([]).shape == (0, 4)


def test_calibration_uses_the_folder_temperature(clf: ListingClassifier) -> None:
    logits = clf.predict_logits(LISTINGS).astype(np.float64) / clf.meta.temperature
    expected = np.exp(logits - logits.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    np.testing.assert_allclose(clf.predict_proba(LISTINGS), expected, atol=1e-6)


# -- properties ----------------------------------------------------------------
_words = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs", "So")),
                 min_size=1, max_size=60).filter(lambda s: s.strip() != "")
_listing = st.fixed_dictionaries(
    {"title": _words},
    optional={"description": st.text(max_size=400),
              "price": st.floats(min_value=0, max_value=1e6, allow_nan=False),
              "brand": _words})
_PROPERTY = settings(max_examples=12, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow])


@_PROPERTY
@given(rows=st.lists(_listing, min_size=1, max_size=12), data=st.data())
def test_shuffling_inputs_shuffles_outputs(clf: ListingClassifier, rows: list[dict],
                                           data: st.DataObject) -> None:
    rows = [dict(row, id=f"row-{i}") for i, row in enumerate(rows)]
    order = data.draw(st.permutations(range(len(rows))))
    predictions = clf.predict(rows)
    shuffled = clf.predict([rows[i] for i in order])
    # one output per input, in input order
    assert [p.id for p in predictions] == [r["id"] for r in rows]
    assert [p.id for p in shuffled] == [rows[i]["id"] for i in order]
    probs = np.array([list(p.probabilities.values()) for p in predictions])
    shuffled_probs = np.array([list(p.probabilities.values()) for p in shuffled])
    np.testing.assert_allclose(shuffled_probs, probs[list(order)], atol=1e-5)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-9)
    assert all(0.0 <= p <= 1.0 for row in probs for p in row)


@_PROPERTY
@given(rows=st.lists(_listing, min_size=1, max_size=16),
       budget=st.integers(min_value=1, max_value=4096),
       chunk=st.integers(min_value=1, max_value=20))
def test_results_do_not_depend_on_batching(clf: ListingClassifier, rows: list[dict],
                                           budget: int, chunk: int) -> None:
    reference = clf.predict_proba(rows)
    other = _variant(clf, max_batch_tokens=budget, chunk_size=chunk)
    np.testing.assert_allclose(other.predict_proba(rows), reference, atol=1e-5)
    streamed = np.array([list(p.probabilities.values()) for p in other.predict_iter(rows)])
    np.testing.assert_allclose(streamed, reference, atol=1e-5)


def test_batches_respect_the_token_budget(clf: ListingClassifier) -> None:
    other = _variant(clf, max_batch_tokens=100)
    lengths = np.array([5, 50, 7, 30, 200, 12, 12, 1])
    batches = other._batches(lengths)
    assert sorted(np.concatenate(batches).tolist()) == list(range(len(lengths)))
    for idx in batches:
        assert len(idx) == 1 or len(idx) * lengths[idx].max() <= 100
        assert list(lengths[idx]) == sorted(lengths[idx])  # packed by length


def test_predict_iter_streams_a_generator_in_order(clf: ListingClassifier) -> None:
    small = _variant(clf, chunk_size=7)
    rows = ({"id": str(i), "title": f"listing number {i} " + "word " * (i % 13)}
            for i in range(40))
    out = list(small.predict_iter(rows))
    assert [p.id for p in out] == [str(i) for i in range(40)]
    reference = clf.predict_proba([{"title": f"listing number {i} " + "word " * (i % 13)}
                                   for i in range(40)])
    got = np.array([list(p.probabilities.values()) for p in out])
    np.testing.assert_allclose(got, reference, atol=1e-5)


def test_predict_iter_as_tuples_carries_context(clf: ListingClassifier) -> None:
    items = [("Oak bookshelf", 10), ("", 11), ({"title": "Nike socks"}, 12)]
    out = list(clf.predict_iter(items, as_tuples=True, skip_invalid=True))
    assert [ctx for _, ctx in out] == [10, 11, 12]
    assert isinstance(out[0][0], Prediction) and isinstance(out[2][0], Prediction)
    assert isinstance(out[1][0], InvalidInputError)


# -- bad input -------------------------------------------------------------------
def test_bad_rows_in_a_batch_are_all_named_and_nothing_runs(clf: ListingClassifier) -> None:
    rows = [{"title": "ok"}, {"title": "   "}, {"title": 123}, 7, {"title": "ok",
            "description": "d" * 1_000_000}]
    with pytest.raises(InputTooLargeError) as info:
        clf.predict(rows)
    fields = [(e.index, e.field) for e in info.value.errors]
    assert fields == [(1, "title"), (2, "title"), (3, "listing"), (4, "description")]
    message = str(info.value)
    assert "is blank" in message and "must be a string, got int" in message
    assert "expected a Listing, a dict or a title string, got int" in message
    assert "1,000,000 characters; the limit is 20,000" in message
    with pytest.raises(InvalidInputError, match=r"row 0: field 'title': is blank"):
        clf.predict_proba(" ")


def test_predict_iter_keeps_good_rows_around_bad_ones(clf: ListingClassifier) -> None:
    good = [{"id": "g1", "title": "Oak bookshelf"}, {"id": "g2", "title": "Rolex $89 replica"},
            {"id": "g3", "title": "Nike socks"}]
    rows = [good[0], {"title": ""}, good[1], 3.5, {"title": "t", "description": "x" * 1_000_000},
            good[2]]
    out = list(_variant(clf, chunk_size=2).predict_iter(rows, skip_invalid=True))
    assert len(out) == len(rows)
    assert [type(x).__name__ for x in out] == [
        "Prediction", "InvalidInputError", "Prediction", "InvalidInputError",
        "InputTooLargeError", "Prediction"]
    kept = np.array([list(p.probabilities.values()) for p in out if isinstance(p, Prediction)])
    np.testing.assert_allclose(kept, clf.predict_proba(good), atol=1e-5)
    with pytest.raises(InvalidInputError, match="row 1: field 'title': is blank"):
        list(clf.predict_iter(rows))


def test_long_descriptions_are_truncated_to_the_model_length(clf: ListingClassifier) -> None:
    encoded = clf._prepare([Listing(title="bag", description="word " * 3000)])
    assert clf.backend.lengths(encoded)[0] == clf.meta.text.max_length


# -- loading ---------------------------------------------------------------------
def test_unknown_or_unsupported_backend_is_explained(tiny_run: Path) -> None:
    model = tiny_run / "model-best"
    with pytest.raises(InvalidInputError, match="backend 'gpu' is unknown; use auto or one of"):
        ListingClassifier.from_pretrained(model, backend="gpu")
    with pytest.raises(InvalidInputError, match=r"cannot run the transformer model .* "
                                                r"`nlp-ip export --format onnx --quantize int8`"):
        ListingClassifier.from_pretrained(model, backend="onnx-int8")


def test_backend_setting_overrides_auto(tiny_run: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NLP_IP_BACKEND", "torch-fp32")
    clf = ListingClassifier.from_pretrained(tiny_run / "model-best")
    assert clf.backend_name == "torch-fp32"


def test_auto_probe_keeps_fp32_when_bf16_is_not_faster(tiny_run: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from nlp_ip.inference import backends

    monkeypatch.delenv("NLP_IP_BACKEND", raising=False)
    monkeypatch.setattr(backends, "cpu_supports_bf16", lambda: False)
    assert ListingClassifier.from_pretrained(tiny_run / "model-best").backend_name == "torch-fp32"
    monkeypatch.setattr(backends, "cpu_supports_bf16", lambda: True)
    clf = ListingClassifier.from_pretrained(tiny_run / "model-best")
    assert clf.backend_name in ("torch-fp32", "torch-bf16")
    assert clf.backend.model.dtype.is_floating_point


def test_a_second_load_of_the_same_architecture_reuses_the_bf16_timing(
        tiny_run: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """A hot swap loads a new version beside the traffic: timing fp32 against bf16 again
    (8 forward passes of 32 rows) stalled the old version's requests on bf16 CPUs. A later
    load keeps the verdict: where bf16 won it casts in place (no second copy of the
    weights) and checks 2 rows; where bf16 lost it does not look at bf16 at all; where
    the new weights disagree in bf16 it serves fp32 weights read again from the folder."""
    import copy

    from nlp_ip.inference import backends

    monkeypatch.delenv("NLP_IP_BACKEND", raising=False)
    monkeypatch.setattr(backends, "cpu_supports_bf16", lambda: True)
    monkeypatch.setattr(backends, "_PROBE_VERDICTS", {})
    rows: list[int] = []
    real_forward = backends.TorchBackend.forward

    def counted(self, encoded, idx):  # type: ignore[no-untyped-def]
        rows.append(len(idx))
        return real_forward(self, encoded, idx)

    monkeypatch.setattr(backends.TorchBackend, "forward", counted)
    folder = tiny_run / "model-best"
    with caplog.at_level("INFO", logger="nlp_ip.inference.backends"):
        ListingClassifier.from_pretrained(folder)
    assert rows.count(32) == 8  # warm-up and 3 timed rounds, each precision
    assert len(backends._PROBE_VERDICTS) == 1
    key = next(iter(backends._PROBE_VERDICTS))

    import torch

    real_deepcopy = copy.deepcopy

    def no_copy(obj, *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(obj, torch.nn.Module):
            raise AssertionError("a later load copied the weights")
        return real_deepcopy(obj, *args, **kwargs)

    # bf16 won the timing: cast in place, agreement checked on 2 rows
    backends._PROBE_VERDICTS[key] = (True, 0.010, 0.005)
    rows.clear()
    caplog.clear()
    with monkeypatch.context() as m, caplog.at_level("INFO", logger="nlp_ip.inference.backends"):
        m.setattr(copy, "deepcopy", no_copy)
        won = ListingClassifier.from_pretrained(folder)
    assert rows[:2] == [2, 2] and 32 not in rows
    assert won.backend_name == "torch-bf16"
    assert "timing of an earlier load of this architecture" in caplog.text

    # bf16 lost the timing: fp32, and no forward pass in bf16 or for the check
    backends._PROBE_VERDICTS[key] = (False, 0.010, 0.020)
    rows.clear()
    caplog.clear()
    with caplog.at_level("INFO", logger="nlp_ip.inference.backends"):
        lost = ListingClassifier.from_pretrained(folder)
    assert lost.backend_name == "torch-fp32" and 2 not in rows and 32 not in rows
    assert "max prob diff not checked" in caplog.text

    # bf16 won but these weights disagree in bf16: fp32 weights, read again
    backends._PROBE_VERDICTS[key] = (True, 0.010, 0.005)
    monkeypatch.setattr(backends, "_max_prob_diff", lambda a, b: 0.5)
    disagree = ListingClassifier.from_pretrained(folder)
    assert disagree.backend_name == "torch-fp32"
    assert next(disagree.backend.model.parameters()).dtype == torch.float32
    assert len(backends._PROBE_VERDICTS) == 1


def test_a_model_built_with_another_text_builder_is_refused(tiny_model: Path) -> None:
    meta = json.loads((tiny_model / "nlp_ip.json").read_text())
    meta["text"]["builder_version"] = 999
    (tiny_model / "nlp_ip.json").write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError, match=r"text builder v999.*Retrain the model"):
        ListingClassifier.from_pretrained(tiny_model)


def test_importing_the_engine_loads_no_heavy_or_training_module() -> None:
    code = ("import sys, nlp_ip.inference, nlp_ip.inference.files; "
            "print(sorted(m for m in ('torch', 'transformers', 'nlp_ip_train', 'datasets', "
            "'sklearn', 'onnxruntime') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
