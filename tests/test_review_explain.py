"""Explanations: word spans on the original text, occlusion, highlighting segments."""

from __future__ import annotations

import numpy as np
import pytest

from nlp_ip.labels import LABEL_NAMES
from nlp_ip.review.explain import (
    EMPTY_TITLE,
    delete_words,
    occlusion,
    segments,
    signals_dict,
    words_of,
)
from nlp_ip.schema import Listing


def keyword_scorer(listings: list[Listing]) -> np.ndarray:
    """p(infringing) rises with '1:1' and 'G.U.C.C.I'; p(parody) with 'parody'."""
    out = []
    for x in listings:
        text = f"{x.title} {x.description}"
        z = np.array([2.0 * ("1:1" in text) + 1.5 * ("G.U.C.C.I" in text),
                      2.5 * ("parody" in text), 0.3, 0.5])
        e = np.exp(z - z.max())
        out.append(e / e.sum())
    return np.array(out)


LISTING = Listing(title="  G.U.C.C.I  belt 1:1\tmirror", description="ships\nfast, a parody? no",
                  price=25)


def test_word_spans_slice_the_original_fields() -> None:
    words = words_of(LISTING)
    assert [w.text for w in words] == ["G.U.C.C.I", "belt", "1:1", "mirror", "ships", "fast,",
                                       "a", "parody?", "no"]
    for w in words:
        assert getattr(LISTING, w.field)[w.start:w.end] == w.text
    assert len(words_of(LISTING, max_words=3)) == 3


def test_delete_words_keeps_other_fields_and_never_blanks_the_title() -> None:
    words = words_of(LISTING)
    cut = delete_words(LISTING, [words[2], words[5]])
    assert "1:1" not in cut.title and "fast," not in cut.description
    assert cut.price == 25 and "mirror" in cut.title
    single = Listing(title="Rolx")
    assert delete_words(single, words_of(single)).title == EMPTY_TITLE


def test_occlusion_finds_the_words_the_scorer_uses() -> None:
    [expl] = occlusion(keyword_scorer, [LISTING])
    assert expl.target == "infringing"
    top = [expl.words[i].text for i in expl.top_words(2)]
    assert set(top) == {"1:1", "G.U.C.C.I"}
    # The parody cue pushes away from infringing.
    parody = next(i for i, w in enumerate(expl.words) if w.text == "parody?")
    assert expl.scores[parody] < 0
    neutral = next(i for i, w in enumerate(expl.words) if w.text == "belt")
    assert expl.scores[neutral] == pytest.approx(0.0, abs=1e-9)
    # Scores are exactly p(target) - p(target | word deleted).
    p = keyword_scorer([LISTING])[0, 0]
    one_one_word = [w for w in expl.words if w.text == "1:1"]
    p_cut = keyword_scorer([delete_words(LISTING, one_one_word)])[0, 0]
    one_one = next(i for i, w in enumerate(expl.words) if w.text == "1:1")
    assert expl.scores[one_one] == pytest.approx(p - p_cut)


def test_occlusion_with_explicit_targets_and_a_dict_export() -> None:
    [expl] = occlusion(keyword_scorer, [LISTING], targets=["parody"])
    assert expl.target == "parody"
    data = expl.to_dict()
    parody = next(w for w in data["words"] if w["text"] == "parody?")
    assert parody["score"] > 0
    assert LISTING.description[parody["start"]:parody["end"]] == "parody?"
    with pytest.raises(ValueError, match="unknown label"):
        occlusion(keyword_scorer, [LISTING], targets=["fake"])


def test_signals_are_merged_into_words_and_segments_cover_the_text() -> None:
    [expl] = occlusion(keyword_scorer, [LISTING])
    expl.signals = signals_dict({"brands": [{"brand": "Gucci", "surface": "G.U.C.C.I",
                                             "field": "title", "start": 2, "end": 11,
                                             "obfuscated": True}],
                                 "cues": [{"kind": "counterfeit", "surface": "1:1",
                                           "field": "title", "start": 18, "end": 21}]})
    data = expl.to_dict()
    by_text = {w["text"]: w for w in data["words"]}
    assert by_text["G.U.C.C.I"]["signals"] == ["brand:Gucci"]
    assert by_text["1:1"]["signals"] == ["cue:counterfeit"]
    parts = segments(LISTING.title, "title", data)
    assert "".join(p["text"] for p in parts) == LISTING.title
    marked = [p for p in parts if p["marks"]]
    assert [p["text"] for p in marked] == ["G.U.C.C.I", "1:1"]
    assert marked[0]["marks"][0]["obfuscated"] is True
    assert all(p["score"] is None for p in parts if not p["text"].strip())
    desc = segments(LISTING.description, "description", data)
    assert "".join(p["text"] for p in desc) == LISTING.description


def test_labels_are_in_the_fixed_order() -> None:
    assert keyword_scorer([LISTING]).shape == (1, len(LABEL_NAMES))


def test_locate_words_in_a_built_model_input() -> None:
    from nlp_ip.review.explain import locate_words

    listing = Listing(title="G.U.C.C.I  belt\t1:1", description="brand:  new\n\nreplica",
                      price=25)
    built = ("G.U.C.C.I belt 1:1\nprice: 25\n[hints] brand: gucci (obfuscated)\n"
             "brand: new replica")
    words = words_of(listing)
    spans = locate_words(listing, words, built)
    for word, span in zip(words, spans, strict=True):
        assert span is not None and built[span[0]:span[1]] == word.text
    # The description's "brand:" is the one after the hints line, not the hint itself.
    assert spans[3] == (built.rindex("brand: new"), built.rindex("brand: new") + 6)
