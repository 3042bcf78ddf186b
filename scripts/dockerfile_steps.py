"""Read the Dockerfile and replay its steps without a Docker engine.

Used by ``scripts/container_steps.sh`` (which builds the image's virtualenv in a scratch
folder and checks the server) and by ``tests/test_container.py`` (which checks the
Dockerfile's structure). Only the Dockerfile syntax this project uses is understood:
line continuations with a backslash, comments, ``ARG``/``ENV`` in ``key=value`` form, and
exec-form (JSON) or shell-form commands.

``python3 scripts/dockerfile_steps.py replay DOCKERFILE`` prints a bash script that replays
every stage in one scratch root (``$ROOT``, which stands for ``/``): ``ARG`` becomes a
variable the caller may set (as ``--build-arg`` would), ``ENV`` an exported variable (values
that are absolute paths get ``$ROOT`` in front), ``WORKDIR`` a ``cd``, ``COPY`` a copy that
honours ``.dockerignore``, and ``RUN`` the same command through ``sh -ec``. Steps that only
make sense inside an image (creating system users, switching to them) are printed, not run.
``python3 scripts/dockerfile_steps.py copy CONTEXT SRC DEST`` is that copy.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, RUN, COPY, ...
    args: str  # the rest, continuation lines joined with a space
    line: int  # 1-based line where it starts

    def exec_form(self) -> list[str] | None:
        """The JSON-array form of ``CMD``/``ENTRYPOINT``/``RUN``, else None."""
        text = self.args
        if self.keyword == "HEALTHCHECK":
            text = text.split("CMD", 1)[1].strip() if "CMD" in text else ""
        if text.startswith("["):
            value = json.loads(text)
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return value
        return None


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]


@dataclass
class Dockerfile:
    global_args: list[Instruction]  # ARGs before the first FROM
    stages: list[Stage]

    def stage(self, name: str) -> Stage:
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise KeyError(f"no stage named {name!r}; stages: {[s.name for s in self.stages]}")


def instructions(text: str) -> list[Instruction]:
    """The instructions of a Dockerfile, continuation lines joined, comments dropped."""
    out: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue  # comments may also sit between continuation lines
        if not pending:
            start = number
        if line.endswith("\\"):
            pending.append(line[:-1].strip())
            continue
        pending.append(line)
        joined = " ".join(part for part in pending if part)
        keyword, _, args = joined.partition(" ")
        out.append(Instruction(keyword.upper(), args.strip(), start))
        pending = []
    if pending:
        raise ValueError(f"line {start}: the last instruction ends with a continuation")
    return out


def parse(text: str) -> Dockerfile:
    """Split a Dockerfile into its global ARGs and its stages."""
    global_args: list[Instruction] = []
    stages: list[Stage] = []
    for item in instructions(text):
        if item.keyword == "FROM":
            words = item.args.split()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(words[0], name))
        elif not stages:
            if item.keyword != "ARG":
                raise ValueError(f"line {item.line}: only ARG may come before FROM")
            global_args.append(item)
        else:
            stages[-1].instructions.append(item)
    return Dockerfile(global_args, stages)


def key_values(args: str) -> list[tuple[str, str]]:
    """``KEY=value`` pairs of an ``ENV``/``ARG``/``LABEL`` line (values may be quoted)."""
    pairs = []
    for word in shlex.split(args, posix=True):
        key, sep, value = word.partition("=")
        pairs.append((key, value if sep else ""))
    return pairs


def copy_args(args: str) -> tuple[dict[str, str], list[str], str]:
    """``(flags, sources, destination)`` of a ``COPY`` line."""
    words = shlex.split(args)
    flags = {}
    while words and words[0].startswith("--"):
        key, _, value = words.pop(0)[2:].partition("=")
        flags[key] = value
    return flags, words[:-1], words[-1]


# -- .dockerignore ------------------------------------------------------------------
def ignore_patterns(context: Path) -> list[str]:
    path = context / ".dockerignore"
    if not path.is_file():
        return []
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _glob_regex(pattern: str) -> str:
    """A regex for a .dockerignore pattern: ``*`` and ``?`` within one path element,
    ``**`` for any number of elements."""
    parts = pattern.strip("/").split("/")
    regex = ""
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == "**":
            regex += ".*" if last else "(?:[^/]+/)*"
            continue
        for char in part:
            regex += "[^/]*" if char == "*" else "[^/]" if char == "?" else re.escape(char)
        regex += "" if last else "/"
    return regex


def _matches(pattern: str, path: str) -> bool:
    """A pattern that matches a folder matches everything in it."""
    return re.fullmatch(f"{_glob_regex(pattern)}(?:/.*)?", path) is not None


def ignored(relative: str, patterns: list[str]) -> bool:
    """Whether ``relative`` (a path in the build context) is left out of it."""
    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        if _matches(pattern.lstrip("!"), relative):
            result = not negate
    return result


def copy_into(context: Path, source: str, destination: str) -> None:
    """``COPY source destination`` from ``context``, leaving out what .dockerignore does.

    A folder's contents go into ``destination``; a file goes to ``destination`` (or into
    it when it ends with ``/``). An absolute ``source`` is taken as it is (the replay's
    way of passing a model folder from outside the context).
    """
    patterns = ignore_patterns(context)
    origin = Path(source) if Path(source).is_absolute() else context / source
    if not origin.exists():
        raise FileNotFoundError(f"COPY {source}: {origin} does not exist")

    def relative(path: Path) -> str:
        try:
            return path.relative_to(context).as_posix()
        except ValueError:
            return ""  # outside the context: nothing there is ignored

    folder = Path(destination)
    if relative(origin) and ignored(relative(origin), patterns):
        raise FileNotFoundError(f"COPY {source}: .dockerignore leaves it out of the context")
    if origin.is_file():
        target = folder / origin.name if destination.endswith("/") else folder
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(origin, target)
        return
    for path in sorted(origin.rglob("*")):
        name = relative(path)
        if path.is_dir() or (name and ignored(name, patterns)):
            continue
        target = folder / path.relative_to(origin)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)


# -- replay -------------------------------------------------------------------------
def replay_script(dockerfile: Dockerfile, helper: str) -> str:
    """A bash script (to be sourced, with ROOT and CONTEXT set) that replays every stage."""
    lines = ["# generated by scripts/dockerfile_steps.py from the Dockerfile"]
    for item in dockerfile.global_args:
        for key, value in key_values(item.args):
            lines.append(f': "${{{key}={value}}}"; export {key}')
    for stage in dockerfile.stages:
        lines.append(f'echo "== stage {stage.name} (FROM {stage.base})" >&2')
        lines.append('cd "$ROOT"')
        for item in stage.instructions:
            where = f"Dockerfile:{item.line} {item.keyword}"
            if item.keyword == "ARG":
                for key, value in key_values(item.args):
                    lines.append(f': "${{{key}={value}}}"; export {key}')
            elif item.keyword == "ENV":
                for key, value in key_values(item.args):
                    # values may use variables set before (ENV PATH="$VENV/bin:$PATH")
                    rooted = f"$ROOT{value}" if value.startswith("/") else value
                    lines.append(f'export {key}="{rooted}"')
            elif item.keyword == "WORKDIR":
                lines.append(f'mkdir -p "$ROOT"{shlex.quote(item.args)} && '
                             f'cd "$ROOT"{shlex.quote(item.args)}')
            elif item.keyword == "COPY":
                flags, sources, destination = copy_args(item.args)
                target = (f'"$ROOT"{shlex.quote(destination)}' if destination.startswith("/")
                          else f'"$PWD"/{shlex.quote(destination)}')
                if "from" in flags:
                    # one root for every stage: the path is already there
                    lines.append(f"echo '{where}: --from={flags['from']} {' '.join(sources)} "
                                 "(same path in the one replay root)' >&2")
                    continue
                for source in sources:
                    lines.append(f'echo "{where} {source}" >&2')
                    lines.append(f'python3 {shlex.quote(helper)} copy "$CONTEXT" '
                                 f'"{source}" {target}')
            elif item.keyword == "RUN":
                if stage is dockerfile.stages[-1]:
                    # the final stage's RUN steps set up the image's system user
                    note = f"{where} (not run here: changes the system) {item.args}"
                    lines.append(f"echo {shlex.quote(note)} >&2")
                    continue
                lines.append(f"echo {shlex.quote(f'{where} ' + item.args)} >&2")
                lines.append(f"sh -ec {shlex.quote(item.args)}")
            else:
                lines.append(f"echo {shlex.quote(f'{where} (not replayed) ' + item.args)} >&2")
    final = dockerfile.stages[-1]
    entry = final.all("ENTRYPOINT")
    health = final.all("HEALTHCHECK")
    if entry:
        words = entry[-1].exec_form() or []
        lines.append(f"ENTRYPOINT_ARGS=({' '.join(map(shlex.quote, words))})")
    if health:
        command = health[-1].args.split("CMD", 1)[1].strip()
        lines.append(f"HEALTHCHECK_CMD={shlex.quote(command)}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "replay":
        dockerfile = parse(Path(argv[1]).read_text(encoding="utf-8"))
        sys.stdout.write(replay_script(dockerfile, str(Path(__file__).resolve())))
        return 0
    if len(argv) == 4 and argv[0] == "copy":
        copy_into(Path(argv[1]), argv[2], argv[3])
        return 0
    print("usage: dockerfile_steps.py replay DOCKERFILE | copy CONTEXT SRC DEST",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
