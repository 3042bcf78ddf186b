"""Record each queued item's true label as a reviewer decision through the workbench's HTTP
routes (sign-in, CSRF token, submission id), as a reviewer's browser would.

Usage: python decide_via_workbench.py REVIEW.sqlite LABELED.jsonl USER  (password on stdin)
"""
import json
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from nlp_ip.review.app import create_review_app
from nlp_ip.review.store import ReviewStore

db, labeled, user = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
password = sys.stdin.readline().rstrip("\n")
truth = {r["id"]: r["label"] for r in
         map(json.loads, labeled.read_text(encoding="utf-8").splitlines())}


def field(page: str, name: str) -> str:
    return page.split(f'name="{name}" value="')[1].split('"')[0]


app = create_review_app(db, secret="lifecycle-check-secret-0123456789ab")
count = 0
with TestClient(app, follow_redirects=False) as client:
    login = client.get("/login").text
    answer = client.post("/login", data={"username": user, "password": password,
                                         "csrf_token": field(login, "csrf_token")})
    if answer.status_code != 303:
        raise SystemExit(f"sign-in failed: {answer.status_code}")
    for row in ReviewStore(db).queue(limit=100_000)[0]:
        page = client.get(f"/items/{row['id']}").text
        answer = client.post(f"/items/{row['id']}/decision",
                             data={"decision": truth[row["listing_id"]],
                                   "csrf_token": field(page, "csrf_token"),
                                   "submission_id": field(page, "submission_id")},
                             headers={"Accept": "application/json"})
        if answer.status_code != 200:
            raise SystemExit(f"item {row['id']}: {answer.status_code} {answer.text}")
        count += 1
print(f"{count} decisions recorded through the workbench")
