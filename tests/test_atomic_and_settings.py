"""One atomic-write helper and one settings reader, used everywhere (issue 16)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from nlp_ip.atomic import atomic_folder, atomic_path, atomic_write, write_text_atomic
from nlp_ip.errors import ConfigError
from nlp_ip.settings import RuntimeSettings, env_name, settings_from_env

ROOT = Path(__file__).resolve().parents[1]


def test_atomic_write_replaces_whole_or_not_at_all(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    write_text_atomic(target, "old\n")
    with pytest.raises(RuntimeError), atomic_write(target) as handle:
        handle.write("half of the new ")
        raise RuntimeError("crash mid-write")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temporary left
    write_text_atomic(target, "new\n")
    assert target.read_text() == "new\n"


def test_atomic_write_with_mode_never_exists_wider(tmp_path: Path) -> None:
    old_umask = os.umask(0)
    try:
        with atomic_write(tmp_path / "secret", mode=0o600) as handle:
            (tmp_file,) = [p for p in tmp_path.iterdir()]
            assert stat.S_IMODE(tmp_file.stat().st_mode) == 0o600
            handle.write("key")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE((tmp_path / "secret").stat().st_mode) == 0o600


def test_atomic_path_for_writers_that_take_a_path(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "data.bin"
    with atomic_path(target) as tmp:
        tmp.write_bytes(b"\x00\x01")
        assert not target.exists()
    assert target.read_bytes() == b"\x00\x01"


def test_atomic_folder_keep_existing_drops_the_late_copy(tmp_path: Path) -> None:
    target = tmp_path / "cache"
    with atomic_folder(target, keep_existing=True) as tmp:
        (tmp / "a").write_text("first")
    with atomic_folder(target, keep_existing=True) as tmp:
        (tmp / "a").write_text("second")
    assert (target / "a").read_text() == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["cache"]
    with pytest.raises(FileExistsError, match="allow overwriting"), \
            atomic_folder(target, overwrite=False):
        pass


def test_runtime_settings_come_from_the_environment_only_through_the_settings_object() -> None:
    settings = RuntimeSettings.from_env({"NLP_IP_BACKEND": "onnx-int8",
                                         "NLP_IP_MALLOC_TUNING": "off",
                                         "NLP_IP_BRANDS": "/tmp/b.yaml",
                                         "NLP_IP_REVIEW_SECRET": "s" * 20})
    assert settings.backend == "onnx-int8" and settings.malloc_tuning is False
    assert settings.brands == Path("/tmp/b.yaml")
    assert "s" * 20 not in repr(settings)  # secrets stay out of logs
    with pytest.raises(ConfigError, match="environment variable NLP_IP_MALLOC_TUNING"):
        RuntimeSettings.from_env({"NLP_IP_MALLOC_TUNING": "maybe"})
    with pytest.raises(ConfigError, match="unknown runtime settings setting 'nope'"):
        settings_from_env(RuntimeSettings, {"nope": 1}, {}, what="runtime settings")
    assert env_name("api_keys_file") == "NLP_IP_API_KEYS_FILE"


def test_library_code_never_reads_the_environment_directly() -> None:
    allowed = {ROOT / "nlp_ip" / "settings.py"}
    offenders = []
    for folder in ("nlp_ip", "nlp_ip_train"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path in allowed:
                continue
            text = path.read_text(encoding="utf-8")
            if "os.environ.get(" in text or "os.getenv(" in text or "os.environ[" in text:
                offenders.append(path.relative_to(ROOT).as_posix())
    assert offenders == []


def test_cli_reports_a_command_whose_import_failed(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import nlp_ip.cli as cli

    monkeypatch.setitem(cli.BUILTIN_COMMANDS, "broken", "nlp_ip.cli.no_such_module:register")
    monkeypatch.setitem(cli.BUILTIN_COMMANDS, "needs-ray", "ray.no_such_module:register")
    help_text = cli.build_parser().format_help()
    assert "broken" in help_text and "unavailable" in help_text
    assert cli.main(["broken", "--anything"]) == 1
    err = capsys.readouterr().err
    assert "`nlp-ip broken` is unavailable: ModuleNotFoundError" in err
    assert "nlp_ip.cli.no_such_module failed to import" in err
    assert cli.main(["needs-ray"]) == 1
    assert 'pip install "nlp-ip[distributed]"' in capsys.readouterr().err
