"""``nlp-ip review suspects``: likely mislabeled rows from cross-validated baseline + cleanlab."""

from __future__ import annotations

import json
import re
import sqlite3
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("cleanlab")

from nlp_ip.cli import main
from nlp_ip.errors import DataFormatError, InvalidInputError
from nlp_ip.labels import LABEL_NAMES
from nlp_ip.review.export import correction_records
from nlp_ip.review.store import SCHEMA_VERSION, SUSPECT, ReviewStore
from nlp_ip.review.suspects import SuspectsSummary, find_label_suspects, find_suspects

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "seed" / "listings.jsonl"
#: Each flipped row gets a label the guide keeps far from its own.
SWAP = {"infringing": "legitimate", "legitimate": "infringing", "parody": "lookalike",
        "lookalike": "parody"}
FIELDS = {"rank", "id", "line", "given_label", "suggested_label", "label_quality", "probs",
          "title"}


def seed_rows(per_label: int) -> list[dict[str, Any]]:
    """The first ``per_label`` easy seed listings of each label, in label order."""
    by_label: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with SEED.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row.get("difficulty") == "easy" and len(by_label[row["label"]]) < per_label:
                by_label[row["label"]].append(row)
    return [row for name in LABEL_NAMES for row in by_label[name]]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    """100 labeled seed rows, 8 of them (2 per label) with a wrong label, plus one row
    without a label and one invalid row."""
    rows = seed_rows(25)
    flipped = set()
    for start in range(0, len(rows), 25):
        for row in rows[start + 3:start + 5]:
            row["label"] = SWAP[row["label"]]
            flipped.add(row["id"])
    rows.insert(10, {"id": "no-label", "title": "Plain cotton tote bag"})
    rows.insert(20, {"id": "bad", "title": "  ", "label": "parody"})
    return write_jsonl(tmp_path_factory.mktemp("suspects") / "labeled.jsonl", rows), flipped


@pytest.fixture(scope="module")
def result(corpus: tuple[Path, set[str]], tmp_path_factory: pytest.TempPathFactory
           ) -> tuple[SuspectsSummary, list[dict[str, Any]], Path]:
    path, _ = corpus
    folder = tmp_path_factory.mktemp("out")
    summary = find_suspects(path, folder / "suspects.jsonl", db=folder / "review.sqlite",
                            hints=False)
    lines = (folder / "suspects.jsonl").read_text(encoding="utf-8").splitlines()
    return summary, [json.loads(x) for x in lines], folder / "review.sqlite"


def test_flipped_labels_rank_among_the_top_suspects(corpus, result) -> None:
    _, flipped = corpus
    _, suspects, _ = result
    top = [s["id"] for s in suspects[:12]]
    found = flipped & set(top)
    # random ranking of 100 rows would put ~1 of the 8 in the top 12
    assert len(found) >= 6, f"only {sorted(found)} of {sorted(flipped)} in the top 12: {top}"
    for s in suspects:
        if s["id"] in flipped:  # the suggestion undoes the flip
            assert s["suggested_label"] != s["given_label"]


def test_summary_counts_rows_and_suspects(result) -> None:
    summary, suspects, _ = result
    assert (summary.n_rows, summary.n_invalid, summary.n_unlabeled, summary.n_labeled) == \
        (102, 1, 1, 100)
    assert summary.n_suspects == summary.n_written == len(suspects) > 0
    assert sum(summary.by_given_label.values()) == summary.n_suspects
    assert sum(summary.by_change.values()) == summary.n_suspects
    assert 0.5 < summary.cv_accuracy <= 1.0


def test_output_rows_carry_the_fields(result) -> None:
    _, suspects, _ = result
    assert [s["rank"] for s in suspects] == list(range(1, len(suspects) + 1))
    for s in suspects:
        assert set(s) == FIELDS
        assert s["given_label"] in LABEL_NAMES and s["suggested_label"] in LABEL_NAMES
        assert set(s["probs"]) == set(LABEL_NAMES)
        assert sum(s["probs"].values()) == pytest.approx(1.0, abs=1e-4)
        assert 0.0 <= s["label_quality"] <= 1.0
        # self-confidence: the quality is the out-of-fold probability of the given label
        assert s["label_quality"] == pytest.approx(s["probs"][s["given_label"]], abs=1e-5)
        assert isinstance(s["line"], int) and s["title"]
    qualities = [s["label_quality"] for s in suspects]
    assert qualities == sorted(qualities)  # most likely mislabeled first


def test_db_queues_suspects_for_the_review_page(result) -> None:
    summary, suspects, db = result
    store = ReviewStore(db)
    rows, total = store.queue(kind=SUSPECT, limit=500)
    assert total == summary.n_added == len(suspects)
    assert [r["listing_id"] for r in rows] == [s["id"] for s in suspects]
    first = store.item(rows[0]["id"])
    assert first is not None
    assert first["kind"] == SUSPECT and first["given_label"] == suspects[0]["given_label"]
    assert first["predicted"] == suspects[0]["suggested_label"]
    assert first["label_quality"] == pytest.approx(suspects[0]["label_quality"], abs=1e-5)
    assert first["explanation"]["method"] == "occlusion"
    assert first["explanation"]["target"] == first["predicted"] and first["explanation"]["words"]
    assert len(first["similar"]) == 5 and all(s["label"] in LABEL_NAMES
                                              for s in first["similar"])
    assert store.queue(kind="borderline")[1] == 0
    assert store.meta()["suspects"]["folds"] == 5
    # The existing decision flow records the corrected label, and the export carries it.
    store.record_decision(first["id"], first["predicted"], reviewer="ana",
                          submission_id="fix-1")
    (record,) = list(correction_records(store))
    assert record["label"] == first["predicted"]
    assert record["review_kind"] == SUSPECT
    assert record["review_given_label"] == first["given_label"]


def test_a_second_run_writes_the_same_and_queues_nothing_new(corpus, result,
                                                            tmp_path: Path) -> None:
    summary, _, db = result
    again = find_suspects(corpus[0], tmp_path / "again.jsonl", db=db, hints=False,
                          explain=False, neighbours=0)
    first = db.parent / "suspects.jsonl"
    assert (tmp_path / "again.jsonl").read_bytes() == first.read_bytes()  # deterministic
    assert again.n_added == 0  # already queued: nothing is added twice
    assert ReviewStore(db).count_items() == summary.n_added


def test_review_page_shows_suspects(result) -> None:
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient
    from review_support import PASSWORD

    from nlp_ip.review.app import create_review_app
    from nlp_ip.review.auth import add_user

    _, suspects, db = result
    add_user(ReviewStore(db), "sus", PASSWORD)
    client = TestClient(create_review_app(db, secret="s" * 32), follow_redirects=False)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"username": "sus", "password": PASSWORD, "csrf_token": token})
    queue = client.get("/queue?kind=suspect")
    assert queue.status_code == 200 and "Suspects: labeled rows of" in queue.text
    assert queue.text.count('class="kind-suspect"') == len(suspects)
    item_id = ReviewStore(db).queue(kind=SUSPECT, limit=1)[0][0]["id"]
    item = client.get(f"/items/{item_id}?kind=suspect")
    assert item.status_code == 200 and 'id="suspect-note"' in item.text
    assert "Out-of-fold baseline probabilities" in item.text
    assert client.get("/queue?kind=nonsense").status_code == 400


def test_top_keeps_the_most_likely(tmp_path: Path) -> None:
    rows = seed_rows(12)
    for row in rows[::12]:
        row["label"] = SWAP[row["label"]]
    path = write_jsonl(tmp_path / "small.jsonl", rows)
    summary = find_suspects(path, tmp_path / "top.jsonl", folds=3, hints=False, top=2)
    lines = [json.loads(x) for x in (tmp_path / "top.jsonl").read_text().splitlines()]
    assert summary.n_suspects > 2 and summary.n_written == 2
    assert [x["rank"] for x in lines] == [1, 2]
    assert lines[0]["label_quality"] <= lines[1]["label_quality"]


# ------------------------------------------------------------------ error paths


def test_too_few_rows_per_label_for_the_folds(tmp_path: Path) -> None:
    rows = seed_rows(6)
    rows = [r for r in rows if r["label"] != "parody"] + \
        [r for r in rows if r["label"] == "parody"][:3]
    path = write_jsonl(tmp_path / "few.jsonl", rows)
    with pytest.raises(InvalidInputError, match=r"too few rows per label for 5 folds: "
                                                r"parody has 3.*lower --folds to 3"):
        find_suspects(path, tmp_path / "out.jsonl", hints=False)
    assert not (tmp_path / "out.jsonl").exists()


def test_a_single_label_is_refused(tmp_path: Path) -> None:
    rows = [r for r in seed_rows(10) if r["label"] == "parody"]
    path = write_jsonl(tmp_path / "one.jsonl", rows)
    with pytest.raises(InvalidInputError, match="every labeled row has the label 'parody'"):
        find_suspects(path, tmp_path / "out.jsonl", hints=False)


def test_a_file_without_labels_is_refused(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "none.jsonl", [{"title": "Oak bookshelf"}])
    with pytest.raises(InvalidInputError, match=r"no labeled rows \(1 read, 0 invalid, "
                                                r"1 without a label\)"):
        find_suspects(path, tmp_path / "out.jsonl")


def test_strict_stops_at_an_unlabeled_row(tmp_path: Path) -> None:
    rows = [*seed_rows(5), {"title": "Oak bookshelf"}]
    path = write_jsonl(tmp_path / "strict.jsonl", rows)
    with pytest.raises(InvalidInputError, match=r"strict\.jsonl:21: field 'label': missing"):
        find_suspects(path, tmp_path / "out.jsonl", strict=True)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match="does not exist"):
        find_suspects(tmp_path / "nope.jsonl", tmp_path / "out.jsonl")


def test_cli_reports_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                    ) -> None:
    code = main(["review", "suspects", "--data", str(tmp_path / "nope.jsonl"),
                 "--out", str(tmp_path / "out.jsonl")])
    assert code == 1
    assert "nope.jsonl does not exist" in capsys.readouterr().err


def test_folds_below_two_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="folds: expected at least 2, got 1"):
        find_suspects(tmp_path / "x.jsonl", tmp_path / "out.jsonl", folds=1)


def test_find_label_suspects_ignores_labels_nobody_carries() -> None:
    labels = np.array([0, 0, 0, 3, 3, 3, 3, 0])
    probs = np.array([[0.9, 0, 0, 0.1]] * 3 + [[0.1, 0, 0, 0.9]] * 4 + [[0.05, 0, 0, 0.95]])
    ranked, quality = find_label_suspects(labels, probs)
    assert ranked.tolist() == [7]
    assert quality[7] == pytest.approx(0.05)


# ------------------------------------------------------------------ schema upgrade

V1_ITEMS = """
CREATE TABLE items (
    id INTEGER PRIMARY KEY, position INTEGER NOT NULL, listing_id TEXT, listing TEXT NOT NULL,
    text_key TEXT NOT NULL UNIQUE, predicted TEXT NOT NULL, probs TEXT NOT NULL,
    confidence REAL NOT NULL, margin REAL NOT NULL, risk REAL NOT NULL,
    policy_decision TEXT NOT NULL, brand TEXT, brands TEXT NOT NULL DEFAULT '',
    signals TEXT NOT NULL, explanation TEXT NOT NULL, similar TEXT NOT NULL, embedding BLOB,
    model_version TEXT NOT NULL, added_at TEXT NOT NULL);
INSERT INTO items(position, listing_id, listing, text_key, predicted, probs, confidence, margin,
    risk, policy_decision, signals, explanation, similar, model_version, added_at)
VALUES (0, 'old-1', '{"title": "Old item"}', 'k1', 'parody',
    '{"infringing": 0.1, "parody": 0.5, "lookalike": 0.3, "legitimate": 0.1}', 0.5, 0.2, 0.1,
    'review', '{}', '{"words": []}', '[]', 'm1', '2026-01-01T00:00:00+00:00');
PRAGMA user_version = 1;
"""


def test_a_v1_database_is_upgraded_in_place(tmp_path: Path) -> None:
    db = tmp_path / "v1.sqlite"
    with sqlite3.connect(db) as conn:
        conn.executescript(V1_ITEMS)
    store = ReviewStore(db)
    with store.connect() as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    rows, total = store.queue()
    assert total == 1 and rows[0]["kind"] == "borderline" and rows[0]["given_label"] is None
    assert store.queue(kind="borderline")[1] == 1 and store.queue(kind=SUSPECT)[1] == 0
    ReviewStore(db)  # opening again is a no-op
    store.record_decision(rows[0]["id"], "parody", reviewer="ana", submission_id="s-1")
    assert [d["label"] for d in store.decisions()] == ["parody"]
