"""``review build`` on the tiny model: queue, signals, explanations, similar examples, CLI."""

from __future__ import annotations

import io
import itertools
import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from nlp_ip.cli import main
from nlp_ip.io import read_listings, write_jsonl
from nlp_ip.labels import LABEL_NAMES
from nlp_ip.review.build import build_review_db
from nlp_ip.review.queue import find_borderline, margins
from nlp_ip.review.store import ReviewStore, from_blob
from nlp_ip.schema import parse_listing

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "seed" / "listings.jsonl"
XSS = {"id": "xss-1", "title": "<script>alert(1)</script> G.U.C.C.I belt 1:1",
       "description": "mirror quality <b>AAA</b>", "price": 19, "currency": "USD"}


def seed_rows(split: str, n: int) -> list[dict]:
    rows = [json.loads(line) for line in SEED.read_text(encoding="utf-8").splitlines()]
    picked = [r for r in rows if r.get("split") == split]
    return picked[:: max(1, len(picked) // n)][:n]


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    queue_file, train_file = tmp_path / "input.jsonl", tmp_path / "train.jsonl"
    write_jsonl(queue_file, [XSS, *({k: v for k, v in r.items() if k != "label"}
                                    for r in seed_rows("test", 11))])
    write_jsonl(train_file, seed_rows("train", 40))
    return queue_file, train_file


def test_build_queues_explains_and_finds_neighbours(tiny_model: Path, files: tuple[Path, Path],
                                                    tmp_path: Path) -> None:
    queue_file, train_file = files
    db = tmp_path / "review.sqlite"
    summary = build_review_db(tiny_model, queue_file, db, max_margin=1.0,
                              train_data=train_file, neighbours=3, max_words=40,
                              backend="torch-fp32")
    assert summary.n_input == 12 and summary.n_borderline == 12 and summary.n_added == 12
    assert summary.explanation_method == "occlusion"
    assert summary.embedding_kind == "mean-pooled-last-hidden-state"
    store = ReviewStore(db)
    rows, total = store.queue(limit=100)
    assert total == 12
    # Ranked by uncertainty: margins never decrease along the queue.
    assert all(a["margin"] <= b["margin"] + 1e-9 for a, b in itertools.pairwise(rows))
    listings, _ = read_listings(queue_file)
    by_id = {x.id: x for x in listings}
    for row in rows:
        item = store.item(row["id"])
        assert item is not None
        listing = parse_listing(item["listing"])
        assert listing == by_id[listing.id]
        assert set(item["probs"]) == set(LABEL_NAMES)
        assert item["predicted"] == max(item["probs"], key=item["probs"].get)
        expl = item["explanation"]
        assert expl["target"] == item["predicted"] and expl["words"]
        for w in expl["words"]:  # every span lands on the original text
            assert getattr(listing, w["field"])[w["start"]:w["end"]] == w["text"]
        for b in item["signals"]["brands"]:
            assert getattr(listing, b["field"])[b["start"]:b["end"]] == b["surface"]
        assert len(item["similar"]) == 3
        sims = [s["similarity"] for s in item["similar"]]
        assert sims == sorted(sims, reverse=True) and all(-1.0 <= s <= 1.0001 for s in sims)
        assert all(s["label"] in LABEL_NAMES for s in item["similar"])
        assert item["embedding"].dtype == np.float32
        assert np.linalg.norm(item["embedding"]) == pytest.approx(1.0, abs=1e-4)
    xss = next(store.item(r["id"]) for r in rows if r["listing_id"] == "xss-1")
    assert xss is not None
    assert "Gucci" in xss["brands"]
    obf = [b for b in xss["signals"]["brands"] if b["brand"] == "Gucci"]
    assert obf and obf[0]["obfuscated"] and obf[0]["surface"] == "G.U.C.C.I"
    meta = store.meta()
    assert meta["rank"] == "uncertainty" and meta["max_margin"] == 1.0
    with sqlite3.connect(db) as conn:
        blobs = conn.execute("SELECT embedding FROM train_examples").fetchall()
    assert len(blobs) == 40 and from_blob(blobs[0][0]) is not None
    # Building again appends nothing new and keeps decisions.
    store.record_decision(rows[0]["id"], "parody", reviewer="ana", submission_id="x")
    again = build_review_db(tiny_model, queue_file, db, max_margin=1.0, max_words=5,
                            backend="torch-fp32")
    assert again.n_added == 0 and store.count_items() == 12
    assert store.item(rows[0]["id"])["decided_label"] == "parody"  # type: ignore[index]


def test_build_keeps_only_borderline_rows(tiny_model: Path, files: tuple[Path, Path],
                                          tmp_path: Path) -> None:
    from nlp_ip.inference import ListingClassifier

    queue_file, _ = files
    clf = ListingClassifier.from_pretrained(tiny_model, backend="torch-fp32")
    listings, _ = read_listings(queue_file)
    probs = clf.predict_proba(listings)
    codes = clf.meta.policy.decide_codes(probs)
    cut = float(np.median(margins(probs)))
    expected = find_borderline(probs, max_margin=cut, decisions=codes)
    summary = build_review_db(tiny_model, queue_file, tmp_path / "r.sqlite", max_margin=cut,
                              rank="risk", neighbours=0, classifier=clf, max_words=10)
    assert summary.n_borderline == int(expected.sum())
    rows, _ = ReviewStore(tmp_path / "r.sqlite").queue(limit=100)
    assert {r["listing_id"] for r in rows} == {listings[i].id for i in np.flatnonzero(expected)}
    assert all(a["risk"] >= b["risk"] - 1e-9 for a, b in itertools.pairwise(rows))


def test_integrated_gradients_spans_map_to_the_original_text(tiny_model: Path) -> None:
    from nlp_ip.inference import ListingClassifier
    from nlp_ip.review.explain import integrated_gradients

    clf = ListingClassifier.from_pretrained(tiny_model, backend="torch-fp32")
    listings = [parse_listing(XSS), parse_listing(seed_rows("test", 3)[1])]
    expls = integrated_gradients(clf, listings, steps=8)
    for listing, expl in zip(listings, expls, strict=True):
        assert expl.method == "integrated-gradients"
        assert np.isfinite(expl.scores).all() and np.abs(expl.scores).sum() > 0
        for w in expl.words:
            assert getattr(listing, w.field)[w.start:w.end] == w.text


def test_embeddings_put_a_listing_nearest_to_itself(tiny_model: Path) -> None:
    from nlp_ip.inference import ListingClassifier
    from nlp_ip.review.embed import embed_listings, nearest

    clf = ListingClassifier.from_pretrained(tiny_model, backend="torch-fp32")
    listings = [parse_listing(r) for r in seed_rows("train", 12)]
    vectors = embed_listings(clf, listings)
    assert vectors.shape[0] == 12 and vectors.dtype == np.float32
    idx, sims = nearest(vectors[:4], vectors, k=2)
    assert idx[:, 0].tolist() == [0, 1, 2, 3]
    assert sims[:, 0] == pytest.approx(1.0, abs=1e-4)


def test_cli_build_add_user_export(tiny_model: Path, files: tuple[Path, Path], tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    queue_file, train_file = files
    db = tmp_path / "review.sqlite"
    assert main(["review", "build", "--model", str(tiny_model), "--input", str(queue_file),
                 "--db", str(db), "--max-margin", "1", "--rank", "brand",
                 "--train-data", str(train_file), "--max-words", "10",
                 "--neighbours", "2", "--backend", "torch-fp32"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["n_added"] == 12
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    assert main(["review", "add-user", "ana", "--db", str(db), "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["review", "add-user", "ben", "--db", str(db), "--password-stdin"]) == 1
    store = ReviewStore(db)
    first = store.queue(limit=1)[0][0]
    store.record_decision(first["id"], "lookalike", reviewer="ana", submission_id="s")
    out = tmp_path / "corrections.jsonl"
    assert main(["review", "export", "--db", str(db), "--out", str(out)]) == 0
    [listing], report = read_listings(out)
    assert report.errors == [] and listing.label is not None
    assert listing.label.value == "lookalike" and listing.id == first["listing_id"]
    assert main(["review", "export", "--db", str(tmp_path / "nope.sqlite"),
                 "--out", str(out)]) == 1
