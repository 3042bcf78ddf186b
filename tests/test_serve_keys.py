"""API keys: salted hashes in a 0600 file, the CLI that prints a key once, the key store."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest

from nlp_ip.cli import main
from nlp_ip.errors import AuthenticationError, ConfigError, PermissionDeniedError
from nlp_ip.serve.keys import KeyStore, add_key, list_keys, read_keys_file, remove_key


def test_add_key_stores_only_a_salted_hash_in_a_private_file(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "keys.json"
    key1 = add_key(path, "alice")
    key2 = add_key(path, "bob", ["classify", "metrics"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    for key in (key1, key2):
        assert key not in text and key.split("_", 2)[2] not in text
    raw = json.loads(text)
    salts = [k["salt"] for k in raw["keys"]]
    assert len(set(salts)) == 2 and all(len(bytes.fromhex(s)) == 16 for s in salts)
    assert raw["keys"][0]["kdf"]["name"] == "scrypt"
    assert [k["name"] for k in list_keys(path)] == ["alice", "bob"]
    assert "hash" not in list_keys(path)[0]


def test_same_key_material_hashes_differently_per_salt(tmp_path: Path) -> None:
    a = add_key(tmp_path / "k.json", "a")
    records = read_keys_file(tmp_path / "k.json")
    assert records[0].digest != records[0].salt and len(records[0].digest) == 32
    assert a.startswith("nlpip_") and len(a) > 50


def test_store_verifies_keys_and_scopes_in_constant_time_compare(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    key = add_key(path, "alice")
    store = KeyStore(path)
    assert store.verify(key).name == "alice"
    assert store.lookup_cached(key) is not None  # second time without scrypt
    for wrong in ("", "nlpip_", key + "x", key[:-1] + ("A" if key[-1] != "A" else "B"),
                  "Bearer " + key):
        with pytest.raises(AuthenticationError, match="missing or invalid API key"):
            store.verify(wrong)
    with pytest.raises(PermissionDeniedError):
        store.authorize(store.verify(key), "metrics")


def test_removed_key_stops_working_after_reload(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    key = add_key(path, "alice")
    add_key(path, "bob")
    store = KeyStore(path, reload_interval_s=0.0)
    assert store.verify(key).name == "alice"
    time.sleep(0.01)
    remove_key(path, "alice")
    with pytest.raises(AuthenticationError):
        store.verify(key)


def test_bad_names_duplicates_scopes_and_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    add_key(path, "alice")
    with pytest.raises(ConfigError, match="already has a key named 'alice'"):
        add_key(path, "alice")
    with pytest.raises(ConfigError, match="not valid"):
        add_key(path, "bad name!")
    with pytest.raises(ConfigError, match="scopes"):
        add_key(path, "carol", ["root"])
    with pytest.raises(ConfigError, match="does not exist"):
        read_keys_file(tmp_path / "missing.json")
    (tmp_path / "junk.json").write_text('{"hello": 1}')
    with pytest.raises(ConfigError, match="not an nlp-ip API keys file"):
        read_keys_file(tmp_path / "junk.json")
    with pytest.raises(ConfigError, match="no key named"):
        remove_key(path, "zed")


def test_cli_keys_add_prints_the_key_once_and_list_never_does(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "keys.json"
    assert main(["keys", "add", "moderation", "--keys-file", str(path)]) == 0
    out, err = capsys.readouterr()
    key = out.strip()
    assert key.startswith("nlpip_") and key.count("\n") == 0
    assert "only time" in err and key not in err
    assert KeyStore(path).verify(key).name == "moderation"
    monkeypatch.setenv("NLP_IP_API_KEYS_FILE", str(path))
    assert main(["keys", "add", "scraper", "--scope", "metrics"]) == 0
    capsys.readouterr()
    assert main(["keys", "list"]) == 0
    out, _ = capsys.readouterr()
    listed = json.loads(out)
    assert [(k["name"], k["scopes"]) for k in listed] == [("moderation", ["classify"]),
                                                         ("scraper", ["metrics"])]
    assert key not in out
    assert main(["keys", "remove", "scraper"]) == 0
    monkeypatch.delenv("NLP_IP_API_KEYS_FILE")
    assert main(["keys", "list"]) == 1  # no file named anywhere
    assert "NLP_IP_API_KEYS_FILE" in capsys.readouterr().err


def test_world_readable_keys_file_is_warned_about(tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "keys.json"
    add_key(path, "alice")
    os.chmod(path, 0o644)
    read_keys_file(path)
    assert "chmod 600" in caplog.text


def test_a_key_revoked_while_it_is_being_verified_is_not_accepted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: a verification in flight re-inserted the revoked record into the cache
    that the reload had just cleared, so the removed key kept working."""
    import threading

    import nlp_ip.serve.keys as keys_module

    path = tmp_path / "keys.json"
    key = add_key(path, "leaving")
    store = KeyStore(path, reload_interval_s=0.0)
    hashing, release = threading.Event(), threading.Event()
    real_hash = keys_module._hash

    def slow_hash(*args: object) -> bytes:
        hashing.set()
        assert release.wait(10)
        return real_hash(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(keys_module, "_hash", slow_hash)
    outcome: list[object] = []
    worker = threading.Thread(target=lambda: outcome.append(_try_verify(store, key)))
    worker.start()
    assert hashing.wait(10)
    remove_key(path, "leaving")
    store._load()  # the reload happens while the key is hashed
    release.set()
    worker.join(10)
    assert outcome and isinstance(outcome[0], AuthenticationError)
    assert store.lookup_cached(key) is None
    with pytest.raises(AuthenticationError):
        store.verify(key)


def _try_verify(store: KeyStore, key: str) -> object:
    try:
        return store.verify(key)
    except AuthenticationError as exc:
        return exc
