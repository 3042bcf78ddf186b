"""A model registry on the file system: a folder of model folders.

Layout::

    REGISTRY/
      NAME/
        stages.json        the pointer: {stage: version}, a change counter and the
                           promotion history (StageFile); replaced atomically
        .lock              held (flock) by every writer of NAME
        versions/
          v1/
            model/         the registered model folder, copied; read-only
            data/          files registered with it (the reviewer decisions it was
                           trained on, the held-out slice for the gate); read-only
            record.json    what the version is (VersionRecord): data fingerprint,
                           parent, resolved config, file hashes, gate summary,
                           promotions
            gate/          the latest gate report (report.json, report.html)

Versions never change once registered: the model folder and its data are copied
in, hashed and made read-only, and ``register`` refuses a version that exists.
``record.json`` is the only file of a version that is rewritten (by ``save_gate``
and by promotions), always atomically.

**Why the pointer is a JSON file, not a symlink.** Promotion writes one small
file per model name with :func:`nlp_ip.atomic.write_text_atomic` (a temporary file,
fsync, ``os.replace``). A symlink swap would be just as atomic, but it can carry
only the target: the promotion history and the change counter would need a
second file, and the pair would not change together. One JSON file carries the
stage, the history and the counter in the same atomic step, so a reader never
sees a production version without the history entry that made it so. It also
survives being copied (``rsync``, object-store mounts, Windows) where symlinks do
not. Writers of a model name take an exclusive ``flock`` on ``NAME/.lock`` for the
read-modify-write, so concurrent promotions are serialised and each one lands in
the history; readers take no lock.

The HTTP server follows the production stage with :meth:`Registry.production`
(the model folder to load) and :meth:`Registry.pointer_stamp` (a cheap ``stat``
that changes whenever the pointer does).
"""

from __future__ import annotations

import contextlib
import getpass
import json
import logging
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nlp_ip.artifact import read_meta
from nlp_ip.atomic import write_text_atomic
from nlp_ip.errors import (
    InvalidInputError,
    ModelLoadError,
    PromotionRefusedError,
    RegistryError,
)
from nlp_ip.io import file_sha256

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
STAGES: tuple[str, ...] = ("production", "staging")
PRODUCTION = "production"
STAGES_FILE = "stages.json"
RECORD_FILE = "record.json"
MODEL_DIR = "model"
DATA_DIR = "data"
GATE_DIR = "gate"
LOCK_FILE = ".lock"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_AUTO_VERSION = re.compile(r"v(\d+)")


def now_utc() -> str:
    """The current time, ISO 8601 UTC with milliseconds."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def current_user() -> str:
    """The OS user running this process (the default of ``--by``)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no passwd entry and no LOGNAME/USER (some containers)
        return f"uid-{os.getuid()}" if hasattr(os, "getuid") else "unknown"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StageEvent(_Record):
    """One change of a stage pointer: a promotion or a rollback."""

    serial: int
    stage: str
    action: Literal["promote", "rollback"]
    version: str
    previous: str | None = None
    by: str
    at: str
    forced: bool = False
    reason: str | None = None


class StageFile(_Record):
    """``NAME/stages.json``: the stage pointers of one model name and their history."""

    format_version: int = FORMAT_VERSION
    name: str
    stages: dict[str, str] = Field(default_factory=dict)
    serial: int = 0
    history: list[StageEvent] = Field(default_factory=list)


class GateSummary(_Record):
    """The outcome of the latest ``nlp-ip gate`` run on a version."""

    passed: bool
    #: The registry version it was compared with; None when compared with a folder.
    against_version: str | None = None
    against: str
    failures: list[str] = Field(default_factory=list)
    gated_at: str
    by: str
    #: Report files, relative to the version folder.
    files: list[str] = Field(default_factory=list)


class VersionRecord(_Record):
    """``record.json`` of one registered version."""

    format_version: int = FORMAT_VERSION
    name: str
    version: str
    model_version: str
    kind: str
    parent: str | None = None
    registered_at: str
    registered_by: str
    source: str
    data_fingerprint: dict[str, Any] = Field(default_factory=dict)
    config: dict[str, Any] = Field(default_factory=dict)
    #: sha256 of every file of the model folder (paths relative to ``model/``).
    files: dict[str, str] = Field(default_factory=dict)
    #: sha256 of every file registered with the version (in ``data/``).
    data_files: dict[str, str] = Field(default_factory=dict)
    #: What produced the version (``nlp-ip retrain`` records its run here).
    lineage: dict[str, Any] = Field(default_factory=dict)
    gate: GateSummary | None = None
    #: Earlier gate runs, oldest first (the latest is ``gate``).
    gate_history: list[GateSummary] = Field(default_factory=list)
    #: Stage changes that moved a pointer to this version (from ``stages.json``).
    promotions: list[StageEvent] = Field(default_factory=list)


def check_name(value: str, what: str) -> str:
    """``value`` when it is a usable model name or version, else InvalidInputError."""
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise InvalidInputError(
            f"{what} {value!r} is not usable: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit (e.g. listing-classifier, v3)")
    return value


def check_stage(stage: str) -> str:
    if stage not in STAGES:
        raise InvalidInputError(f"stage {stage!r} is not known; use one of {', '.join(STAGES)}")
    return stage


def _read_json_model(path: Path, model: type[_Record], what: str) -> Any:
    try:
        return model.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError, ValidationError) as exc:
        raise RegistryError(f"{path} is not a valid {what} ({exc}); restore it from a backup "
                            "of the registry (it is written only by nlp-ip)") from exc


def _make_read_only(folder: Path, readable: int) -> None:
    """Every file under ``folder`` to ``readable & 0o444``, every folder (itself included)
    to ``readable & 0o555``: nobody may write, whoever may read the registry may read."""
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        os.chmod(path, readable & (0o555 if path.is_dir() else 0o444))
    os.chmod(folder, readable & 0o555)


def _copy_hashed(source: Path, target: Path) -> dict[str, str]:
    """Copy a folder (symlinks followed) and return the sha256 of each file in the copy."""
    shutil.copytree(source, target, symlinks=False)
    return {path.relative_to(target).as_posix(): file_sha256(path)
            for path in sorted(target.rglob("*")) if path.is_file()}


class Registry:
    """The registry folder at ``root`` (see the module docstring for the layout).

    ``create=True`` makes the folder when it does not exist (``register`` does).
    All methods are safe to call from several processes at once.
    """

    def __init__(self, root: str | os.PathLike[str], *, create: bool = False,
                 lock_timeout_s: float = 60.0) -> None:
        self.root = Path(root)
        self.lock_timeout_s = lock_timeout_s
        if not self.root.is_dir():
            if self.root.exists():
                raise RegistryError(f"model registry {self.root} is a file, not a folder; "
                                    "pass the registry folder with --registry DIR")
            if not create:
                raise RegistryError(
                    f"model registry {self.root} does not exist; create it by registering a "
                    f"model: nlp-ip models register MODEL_DIR --registry {self.root}")
            self.root.mkdir(parents=True, exist_ok=True)
        # Versions are readable by whoever may read the registry folder, writable by nobody.
        self._readable = stat.S_IMODE(self.root.stat().st_mode) & 0o555 | 0o500

    # -- paths -----------------------------------------------------------------
    def _model_root(self, name: str) -> Path:
        return self.root / check_name(name, "model name")

    def _existing_model_root(self, name: str) -> Path:
        folder = self._model_root(name)
        if not folder.is_dir():
            known = ", ".join(self.names()) or "none yet"
            raise RegistryError(f"{self.root} has no model named {name!r} (registered: {known});"
                                " register one with nlp-ip models register MODEL_DIR --name "
                                f"{name} --registry {self.root}")
        return folder

    def version_dir(self, name: str, version: str) -> Path:
        """The folder of one version (``model/``, ``data/``, ``record.json``, ``gate/``)."""
        folder = self._existing_model_root(name) / "versions" / check_name(version, "version")
        if not (folder / RECORD_FILE).is_file():
            known = ", ".join(self.version_names(name)) or "none"
            raise RegistryError(f"{name} has no version {version!r} (versions: {known}); see "
                                f"nlp-ip models list {name} --registry {self.root}")
        return folder

    def model_path(self, name: str, version: str) -> Path:
        """The (read-only) model folder of ``name`` ``version``."""
        return self.version_dir(name, version) / MODEL_DIR

    def data_file(self, name: str, version: str, filename: str) -> Path | None:
        """A file registered with the version (``data/filename``), or None."""
        path = self.version_dir(name, version) / DATA_DIR / filename
        return path if path.is_file() else None

    # -- reading -----------------------------------------------------------------
    def names(self) -> list[str]:
        """Registered model names, sorted."""
        return sorted(p.name for p in self.root.iterdir()
                      if p.is_dir() and _NAME.fullmatch(p.name) and (p / "versions").is_dir())

    def version_names(self, name: str) -> list[str]:
        """Versions of ``name`` in registration order."""
        versions = self._existing_model_root(name) / "versions"
        found = [p for p in versions.iterdir() if (p / RECORD_FILE).is_file()]
        return [p.name for p in sorted(found, key=_registration_order)]

    def record(self, name: str, version: str) -> VersionRecord:
        """The record of one version; ``promotions`` come from the stage history."""
        record: VersionRecord = _read_json_model(
            self.version_dir(name, version) / RECORD_FILE, VersionRecord, "version record")
        record.promotions = [e for e in self._stages(name).history if e.version == version]
        return record

    def versions(self, name: str) -> list[VersionRecord]:
        """Every version of ``name`` (records), in registration order."""
        history = self._stages(name).history
        out = []
        for version in self.version_names(name):
            record: VersionRecord = _read_json_model(
                self._model_root(name) / "versions" / version / RECORD_FILE, VersionRecord,
                "version record")
            record.promotions = [e for e in history if e.version == version]
            out.append(record)
        return out

    def _stages(self, name: str) -> StageFile:
        path = self._existing_model_root(name) / STAGES_FILE
        if not path.is_file():
            return StageFile(name=name)
        stages: StageFile = _read_json_model(path, StageFile, "stage pointer file")
        return stages

    def stage(self, name: str, stage: str = PRODUCTION) -> str | None:
        """The version ``stage`` points at, or None."""
        return self._stages(name).stages.get(check_stage(stage))

    def stages(self, name: str) -> dict[str, str]:
        """Every stage of ``name`` and its version."""
        return dict(self._stages(name).stages)

    def history(self, name: str) -> list[StageEvent]:
        """Every promotion and rollback of ``name``, oldest first."""
        return list(self._stages(name).history)

    def production(self, name: str) -> Path:
        """The model folder of the production version of ``name`` (what a server loads)."""
        version = self.stage(name, PRODUCTION)
        if version is None:
            raise RegistryError(
                f"{name} has no production version yet; promote one: nlp-ip models promote "
                f"{name} VERSION --stage production --registry {self.root}")
        return self.model_path(name, version)

    def pointer_stamp(self, name: str) -> str | None:
        """A token that changes whenever a stage pointer of ``name`` changes (None: none set).

        One ``stat`` call, no parsing: a server polls it and reloads
        :meth:`production` when it differs from the last one. Every change replaces
        ``stages.json`` with a new file (new inode) that is longer than the last
        (the history only grows), so the token never repeats.
        """
        try:
            info = (self._model_root(name) / STAGES_FILE).stat()
        except FileNotFoundError:
            return None
        return f"{info.st_ino}-{info.st_size}-{info.st_mtime_ns}"

    def verify(self, name: str, version: str) -> list[str]:
        """Files of a version that differ from their registered sha256 (empty: intact)."""
        record = self.record(name, version)
        folder = self.version_dir(name, version)
        problems = []
        for sub, files in ((MODEL_DIR, record.files), (DATA_DIR, record.data_files)):
            present = {p.relative_to(folder / sub).as_posix()
                       for p in (folder / sub).rglob("*") if p.is_file()}
            for rel, digest in files.items():
                path = folder / sub / rel
                if not path.is_file():
                    problems.append(f"{sub}/{rel}: missing")
                elif file_sha256(path) != digest:
                    problems.append(f"{sub}/{rel}: changed since it was registered")
            problems.extend(f"{sub}/{rel}: added after registration"
                            for rel in sorted(present - set(files)))
        return problems

    # -- writing -----------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self, name: str) -> Iterator[None]:
        """An exclusive lock on ``name`` (flock: released when the process dies)."""
        try:
            import fcntl
        except ImportError as exc:  # pragma: no cover - Windows
            raise RegistryError("changing the registry needs POSIX file locks (fcntl); run "
                                "nlp-ip models on Linux or macOS") from exc

        folder = self._model_root(name)
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + self.lock_timeout_s
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise RegistryError(
                            f"another process has held {folder / LOCK_FILE} for over "
                            f"{self.lock_timeout_s:.0f} s; wait for it to finish (a lock is "
                            "released when its process ends) and try again") from None
                    time.sleep(0.02)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def register(self, model_dir: str | os.PathLike[str], *, name: str | None = None,
                 version: str | None = None, parent: str | None = None,
                 by: str | None = None, data_files: Mapping[str, str | os.PathLike[str]]
                 | None = None, lineage: Mapping[str, Any] | None = None) -> VersionRecord:
        """Copy ``model_dir`` in as a new version and return its record.

        ``name`` defaults to the config name in the folder's ``nlp_ip.json``;
        ``version`` to the next ``vN``. ``parent`` is the version it was trained
        from. ``data_files`` (file name -> path) are copied into ``data/``. Nothing
        is overwritten: an existing ``version`` is refused.
        """
        source = Path(model_dir)
        try:
            meta = read_meta(source)
        except ModelLoadError as exc:
            raise RegistryError(f"cannot register {source}: {exc}") from exc
        if name is None:
            name = str(meta.config.get("name") or source.name)
        check_name(name, "model name")
        if version is not None:
            check_name(version, "version")
        files = dict(data_files or {})
        for filename, path in files.items():
            check_name(filename, "data file name")
            if not Path(path).is_file():
                raise RegistryError(f"data file {path} (to register as {filename}) does not "
                                    "exist; pass an existing file")
        if parent is not None:
            self.version_dir(name, parent)  # must exist
        versions = self._model_root(name) / "versions"
        versions.mkdir(parents=True, exist_ok=True)
        # Copy outside the lock (model folders are large); the rename below is atomic.
        staging = Path(tempfile.mkdtemp(prefix=".register-", dir=versions))
        try:
            os.chmod(staging, self._readable | 0o200)  # mkdtemp made it private
            hashes = _copy_hashed(source, staging / MODEL_DIR)
            data_hashes: dict[str, str] = {}
            if files:
                (staging / DATA_DIR).mkdir()
                for filename, path in files.items():
                    shutil.copyfile(path, staging / DATA_DIR / filename)
                    data_hashes[filename] = file_sha256(staging / DATA_DIR / filename)
                _make_read_only(staging / DATA_DIR, self._readable)
            _make_read_only(staging / MODEL_DIR, self._readable)
            with self._locked(name):
                chosen = version or _next_version(versions)
                target = versions / chosen
                if target.exists():
                    raise RegistryError(
                        f"{name} {chosen} exists already and versions are never overwritten; "
                        "register under another --version, or leave it out for the next one")
                record = VersionRecord(
                    name=name, version=chosen, model_version=meta.model_version, kind=meta.kind,
                    parent=parent, registered_at=now_utc(), registered_by=by or current_user(),
                    source=str(source.resolve()), data_fingerprint=meta.data_fingerprint,
                    config=meta.config, files=hashes, data_files=data_hashes,
                    lineage=dict(lineage or {}))
                write_text_atomic(staging / RECORD_FILE, record.model_dump_json(indent=2) + "\n")
                os.rename(staging, target)
        except BaseException:
            _remove_tree(staging)
            raise
        logger.info("registered %s as %s %s", source, name, chosen)
        return record

    def save_gate(self, name: str, version: str, summary: GateSummary,
                  files: Mapping[str, str]) -> VersionRecord:
        """Store a gate report with a version (``gate/<file>``) and its summary in the record."""
        folder = self.version_dir(name, version)
        for filename in files:
            check_name(filename, "report file name")
        summary = summary.model_copy(update={"files": [f"{GATE_DIR}/{f}" for f in files]})
        with self._locked(name):
            for filename, text in files.items():
                write_text_atomic(folder / GATE_DIR / filename, text)
            record = self.record(name, version)
            if record.gate is not None:
                record.gate_history.append(record.gate)
            record.gate = summary
            write_text_atomic(folder / RECORD_FILE, record.model_dump_json(indent=2) + "\n")
        return record

    def promote(self, name: str, version: str, *, stage: str = PRODUCTION,
                by: str | None = None, force: bool = False, reason: str | None = None
                ) -> StageEvent:
        """Point ``stage`` at ``version`` (one atomic write) and record who did it.

        Refused (:class:`PromotionRefusedError`) when the version's gate failed,
        when it was never gated while the stage already has a version, or when it
        was gated against another version than the one it replaces; ``force=True``
        with a ``reason`` overrides that, and both are recorded.
        """
        check_stage(stage)
        if force and not (reason and reason.strip()):
            raise InvalidInputError("a forced promotion needs a reason: pass --reason TEXT "
                                    "(it is kept in the promotion history)")
        with self._locked(name):
            record = self.record(name, version)
            stages = self._stages(name)
            current = stages.stages.get(stage)
            if current == version:
                raise RegistryError(f"{name} {version} is already the {stage} version; "
                                    "nothing to do")
            if not force:
                _check_gate(record, stage, current, self.root)
            event = StageEvent(serial=stages.serial + 1, stage=stage, action="promote",
                               version=version, previous=current, by=by or current_user(),
                               at=now_utc(), forced=force,
                               reason=reason.strip() if reason else None)
            self._write_stages(name, stages, event)
        logger.info("%s %s -> %s (%s)", name, stage, version, event.by)
        return event

    def rollback(self, name: str, *, stage: str = PRODUCTION, by: str | None = None,
                 reason: str | None = None) -> StageEvent:
        """Point ``stage`` back at the version it had before the current one.

        The history is replayed as a stack (a promotion pushes, a rollback pops),
        so repeated rollbacks walk back through earlier versions, never forth.
        """
        check_stage(stage)
        with self._locked(name):
            stages = self._stages(name)
            stack = _stage_stack(stages.history, stage)
            if len(stack) < 2:
                where = f"{stage} is {stack[-1]}" if stack else f"{stage} was never set"
                raise RegistryError(f"{name} has no earlier {stage} version to roll back to "
                                    f"({where}); promote a version instead")
            event = StageEvent(serial=stages.serial + 1, stage=stage, action="rollback",
                               version=stack[-2], previous=stack[-1], by=by or current_user(),
                               at=now_utc(), reason=reason.strip() if reason else None)
            self._write_stages(name, stages, event)
        logger.info("%s %s rolled back %s -> %s", name, stage, event.previous, event.version)
        return event

    def _write_stages(self, name: str, stages: StageFile, event: StageEvent) -> None:
        """Apply ``event`` (under the lock): the pointer first, then the version records."""
        stages.stages[event.stage] = event.version
        stages.serial = event.serial
        stages.history.append(event)
        root = self._model_root(name)
        write_text_atomic(root / STAGES_FILE, stages.model_dump_json(indent=2) + "\n")
        # record.json keeps a copy of the version's promotions; stages.json is the source
        # of truth (record() always reads them from there), so a crash here loses nothing.
        for version in {event.version, event.previous} - {None}:
            path = root / "versions" / str(version) / RECORD_FILE
            record: VersionRecord = _read_json_model(path, VersionRecord, "version record")
            record.promotions = [e for e in stages.history if e.version == version]
            write_text_atomic(path, record.model_dump_json(indent=2) + "\n")


def _check_gate(record: VersionRecord, stage: str, current: str | None, root: Path) -> None:
    fix = (f"run `nlp-ip gate {record.version} --registry {root} --name {record.name}`, or "
           "promote anyway with --force --reason TEXT")
    gate = record.gate
    if gate is None:
        if current is not None:
            raise PromotionRefusedError(
                f"{record.name} {record.version} has no gate report and {stage} is {current}; "
                f"{fix}")
        return  # the first version of a stage has nothing to be compared with
    if not gate.passed:
        failed = "; ".join(gate.failures) or "see its report"
        raise PromotionRefusedError(
            f"{record.name} {record.version} failed its gate against {gate.against} "
            f"({failed}); fix the candidate, or promote anyway with --force --reason TEXT")
    if current is not None and gate.against_version != current:
        raise PromotionRefusedError(
            f"{record.name} {record.version} was gated against {gate.against}, but {stage} "
            f"is now {current}; {fix}")


def _stage_stack(history: list[StageEvent], stage: str) -> list[str]:
    stack: list[str] = []
    for event in history:
        if event.stage != stage:
            continue
        if event.action == "promote":
            stack.append(event.version)
        elif stack:
            stack.pop()
    return stack


def _next_version(versions: Path) -> str:
    numbers = [int(m.group(1)) for p in versions.iterdir()
               if (m := _AUTO_VERSION.fullmatch(p.name))]
    return f"v{max(numbers, default=0) + 1}"


def _registration_order(folder: Path) -> tuple[str, int, str]:
    try:
        registered = json.loads((folder / RECORD_FILE).read_text(encoding="utf-8"))
        at = str(registered.get("registered_at", ""))
    except (OSError, json.JSONDecodeError):
        at = ""
    match = _AUTO_VERSION.fullmatch(folder.name)
    return at, int(match.group(1)) if match else 0, folder.name


def _remove_tree(folder: Path) -> None:
    """Remove a folder whose files and folders were made read-only."""
    if not folder.exists():
        return
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir() and not path.is_symlink():  # entries of a writable folder can go
            with contextlib.suppress(OSError):
                os.chmod(path, 0o755)
    shutil.rmtree(folder, ignore_errors=True)
