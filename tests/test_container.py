"""The container (Dockerfile, .dockerignore) and the Kubernetes and KServe manifests.

No Docker engine runs here: the fast tests read the Dockerfile's structure, and the slow
one replays its steps with scripts/container_steps.sh and checks the server it builds.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from doc_snippets import doc_snippet

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli", reason="reading pyproject.toml: pip install tomli")

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("dockerfile_steps",
                                               ROOT / "scripts" / "dockerfile_steps.py")
assert _spec is not None and _spec.loader is not None
steps = importlib.util.module_from_spec(_spec)
sys.modules["dockerfile_steps"] = steps  # dataclasses look their module up by name
_spec.loader.exec_module(steps)

DOCKERFILE = steps.parse((ROOT / "Dockerfile").read_text(encoding="utf-8"))
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
KUBERNETES_MISSING = 'the kubernetes client is not installed: pip install "kubernetes==37.0.2"'


def env_of(stage: Any) -> dict[str, str]:
    return {k: v for item in stage.all("ENV") for k, v in steps.key_values(item.args)}


def args_of(stage: Any) -> dict[str, str]:
    items = [*DOCKERFILE.global_args, *stage.all("ARG")]
    return {k: v for item in items for k, v in steps.key_values(item.args)}


def pins() -> dict[str, str]:
    """``name -> version`` of every ``==`` pin in pyproject.toml (core and extras)."""
    lines = list(PYPROJECT["project"]["dependencies"])
    for extra in PYPROJECT["project"]["optional-dependencies"].values():
        lines += extra
    found = {}
    for line in lines:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([^;\s]+)", line.strip())
        if match:
            found[match.group(1).lower()] = match.group(2)
    return found


# -- Dockerfile -------------------------------------------------------------------------
def test_the_dockerfile_builds_in_one_stage_and_runs_slim_as_a_non_root_user() -> None:
    builder, runtime = DOCKERFILE.stages
    assert (builder.name, runtime.name) == ("builder", "runtime")
    base = args_of(runtime)["PYTHON_IMAGE"]
    assert runtime.base == "${PYTHON_IMAGE}" and base == "python:3.11-slim"
    user = runtime.all("USER")[-1].args.split(":")[0]
    assert user.isdigit() and int(user) >= 1000, user
    # the final stage takes the venv from the builder, and no compiler or pip step of its own
    copies = [steps.copy_args(i.args) for i in runtime.all("COPY")]
    assert ({"from": "builder"}, ["/opt/venv"], "/opt/venv") in copies
    assert not [i for i in runtime.all("RUN") if re.search(r"\bpip\b", i.args)]
    assert all(re.match(r"groupadd |useradd ", part.strip())
               for i in runtime.all("RUN") for part in i.args.split("&&"))


def test_the_entrypoint_serves_on_all_interfaces_with_keys_from_a_secret_mount() -> None:
    runtime = DOCKERFILE.stages[-1]
    assert runtime.all("ENTRYPOINT")[-1].exec_form() == ["nlp-ip", "serve"]
    env = env_of(runtime)
    assert env["NLP_IP_HOST"] == "0.0.0.0"
    assert env["NLP_IP_MODEL"] == "/models/model"
    assert env["NLP_IP_API_KEYS_FILE"].startswith("/run/secrets/")
    assert runtime.all("EXPOSE")[-1].args == env["NLP_IP_PORT"]
    # the model: baked in by MODEL_DIR (default: an empty placeholder for a mount)
    model_copy = [steps.copy_args(i.args) for i in runtime.all("COPY")
                  if "MODEL_DIR" in i.args]
    assert model_copy == [({}, ["${MODEL_DIR}"], "/models/model")]
    assert (ROOT / args_of(runtime)["MODEL_DIR"]).is_dir()


def test_the_healthcheck_asks_readyz() -> None:
    (health,) = DOCKERFILE.stages[-1].all("HEALTHCHECK")
    command = health.args.split("CMD", 1)[1]
    assert "/readyz" in command and "${NLP_IP_PORT}" in command
    assert "--start-period=" in health.args  # model load and warm-up are not failures


def test_no_secret_is_baked_into_the_image() -> None:
    for stage in DOCKERFILE.stages:
        for key, value in {**env_of(stage), **args_of(stage)}.items():
            if re.search(r"KEY|TOKEN|SECRET|PASSWORD", key, re.IGNORECASE):
                assert key == "NLP_IP_API_KEYS_FILE" and value.startswith("/run/secrets/"), key
        for item in stage.instructions:
            assert "keys add" not in item.args and "keys.json" not in item.args.replace(
                "/run/secrets/nlp-ip/keys.json", ""), item
    patterns = steps.ignore_patterns(ROOT)
    for secret in ("keys.json", "secrets/keys.json", "runs/x/keys.json", ".env", "deploy/.env",
                   ".git/config", ".venv/bin/python", "tests/fixtures/x.jsonl"):
        assert steps.ignored(secret, patterns), secret


def test_the_pip_lines_install_pyprojects_pins() -> None:
    builder = DOCKERFILE.stages[0]
    runs = " ".join(i.args for i in builder.all("RUN"))
    pinned = pins()
    named = re.findall(r'"([A-Za-z0-9_.-]+)==([^"\s]+)"', runs)
    assert named, "no pinned package in the builder's RUN lines"
    for name, version in named:
        assert pinned.get(name.lower()) == version, f"{name}=={version} is not pyproject's pin"
    assert f'"torch=={pinned["torch"]}"' in runs
    assert "--no-deps --wheel-dir dist ." in runs  # the project itself, built as a wheel
    extras = args_of(builder)["EXTRAS"].split(",")
    assert "serve" in extras
    assert set(extras) <= set(PYPROJECT["project"]["optional-dependencies"])
    assert '"$(ls dist/nlp_ip-*.whl)[$EXTRAS]"' in runs


def test_the_builder_copies_what_the_wheel_build_reads() -> None:
    builder = DOCKERFILE.stages[0]
    copied = {source for i in builder.all("COPY") for source in steps.copy_args(i.args)[1]}
    wheel = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]
    needed = {"pyproject.toml", PYPROJECT["project"]["readme"], *wheel["packages"],
              *wheel["force-include"]}
    assert copied == needed
    patterns = steps.ignore_patterns(ROOT)
    assert not [source for source in copied if steps.ignored(source, patterns)]


@pytest.mark.parametrize(("path", "left_out"), [
    ("nlp_ip/inference/engine.py", False),
    ("nlp_ip/__pycache__/engine.cpython-311.pyc", True),
    ("runs/default-int8/model.onnx", False),
    ("runs/default/checkpoints/checkpoint-200/optimizer.pt", True),
    ("runs/default/tensorboard/events.out", True),
    ("deploy/no-model/README.md", False),
    ("deploy/kubernetes.yaml", True),
    ("data/seed/listings.jsonl", True),
])
def test_dockerignore_keeps_the_context_to_what_the_build_copies(path: str,
                                                                 left_out: bool) -> None:
    assert steps.ignored(path, steps.ignore_patterns(ROOT)) is left_out


def test_the_docs_docker_run_mounts_where_the_image_looks() -> None:
    env = env_of(DOCKERFILE.stages[-1])
    words = shlex.split(doc_snippet("integrations.md", "docker-run").replace("\\\n", " "))
    mounts = [words[i + 1].split(":")[1] for i, w in enumerate(words) if w == "-v"]
    assert env["NLP_IP_MODEL"] in mounts
    assert str(Path(env["NLP_IP_API_KEYS_FILE"]).parent) in mounts
    published = [words[i + 1].split(":")[-1] for i, w in enumerate(words) if w == "-p"]
    assert published == [env["NLP_IP_PORT"]]
    assert "--user" in words  # the keys file is the host user's, mode 0600


# -- Kubernetes and KServe ----------------------------------------------------------------
def manifests(name: str) -> list[dict[str, Any]]:
    return list(yaml.safe_load_all((ROOT / "deploy" / name).read_text(encoding="utf-8")))


def schema_errors(data: Any, type_name: str, where: str = "") -> list[str]:
    """Where ``data`` departs from the Kubernetes API type ``type_name``: unknown fields
    (which the client's own deserializer skips silently) and wrong value types."""
    from kubernetes.client import models

    # the client spells containers "List[X]" and "Dict[str, X]" (older ones "list[X]",
    # "dict(str, X)")
    listed = re.fullmatch(r"[Ll]ist\[(.+)\]", type_name)
    if listed:
        if not isinstance(data, list):
            return [f"{where}: expected a list"]
        return [e for i, item in enumerate(data)
                for e in schema_errors(item, listed.group(1), f"{where}[{i}]")]
    mapped = re.fullmatch(r"Dict\[str, (.+)\]|dict\(str, (.+)\)", type_name)
    if mapped:
        if not isinstance(data, dict):
            return [f"{where}: expected a mapping"]
        inner = mapped.group(1) or mapped.group(2)
        return [e for k, v in data.items() for e in schema_errors(v, inner, f"{where}.{k}")]
    scalars = {"str": (str,), "int": (int,), "bool": (bool,), "float": (int, float),
               "datetime": (str,), "date": (str,), "bytes": (str,), "object": (object,)}
    if type_name in scalars:
        ok = isinstance(data, scalars[type_name]) and not (
            type_name in {"int", "float"} and isinstance(data, bool))
        return [] if ok else [f"{where}: expected {type_name}, got {data!r}"]
    cls = getattr(models, type_name)
    if not isinstance(data, dict):
        return [f"{where}: expected a {type_name} mapping"]
    fields = {json_key: attr for attr, json_key in cls.attribute_map.items()}
    errors = []
    for key, value in data.items():
        if key not in fields:
            errors.append(f"{where}.{key}: not a field of {type_name}")
        else:
            errors += schema_errors(value, cls.openapi_types[fields[key]], f"{where}.{key}")
    return errors


def deserialize(data: dict[str, Any], type_name: str) -> Any:
    """The client's own deserializer, which checks required fields and enums."""
    from kubernetes.client import ApiClient

    return ApiClient().deserialize(json.dumps(data), type_name, "application/json")


#: KServe's fields of a predictor besides the pod spec's (v1beta1 ComponentExtensionSpec).
KSERVE_PREDICTOR_FIELDS = {"minReplicas": int, "maxReplicas": int, "scaleTarget": int,
                           "scaleMetric": str, "containerConcurrency": int, "timeout": int,
                           "canaryTrafficPercent": int, "labels": dict, "annotations": dict}


@pytest.fixture(scope="module")
def kubernetes_client() -> None:
    pytest.importorskip("kubernetes", reason=KUBERNETES_MISSING)


def test_the_deployment_and_service_are_valid_kubernetes_objects(kubernetes_client: None) -> None:
    kinds = {"Deployment": "V1Deployment", "Service": "V1Service"}
    found = []
    for doc in manifests("kubernetes.yaml"):
        type_name = kinds[doc["kind"]]
        assert schema_errors(doc, type_name, doc["kind"]) == []
        found.append(deserialize(doc, type_name))
    deployment, service = found
    assert deployment.spec.selector.match_labels == deployment.spec.template.metadata.labels
    assert service.spec.selector == deployment.spec.template.metadata.labels
    (port,) = service.spec.ports
    assert port.target_port in {p.name for p in deployment.spec.template.spec.containers[0].ports}


def test_the_inference_service_is_a_kserve_custom_predictor(kubernetes_client: None) -> None:
    (doc,) = manifests("kserve.yaml")
    assert (doc["apiVersion"], doc["kind"]) == ("serving.kserve.io/v1beta1", "InferenceService")
    assert set(doc) == {"apiVersion", "kind", "metadata", "spec"} and set(doc["spec"]) == {
        "predictor"}
    assert schema_errors(doc["metadata"], "V1ObjectMeta", "metadata") == []
    predictor = dict(doc["spec"]["predictor"])
    for key, kind in KSERVE_PREDICTOR_FIELDS.items():
        if key in predictor:
            assert isinstance(predictor.pop(key), kind), key
    assert schema_errors(predictor, "V1PodSpec", "spec.predictor") == []
    pod = deserialize(predictor, "V1PodSpec")
    (container,) = pod.containers
    assert container.name == "kserve-container" and len(container.ports) == 1


@pytest.mark.parametrize("name", ["kubernetes.yaml", "kserve.yaml"])
def test_the_pods_probe_secure_size_and_mount_as_the_image_expects(
        name: str, kubernetes_client: None) -> None:
    doc = manifests(name)[0]
    spec = doc["spec"]["template"]["spec"] if doc["kind"] == "Deployment" else \
        doc["spec"]["predictor"]
    pod = deserialize({k: v for k, v in spec.items() if k not in KSERVE_PREDICTOR_FIELDS},
                      "V1PodSpec")
    (container,) = pod.containers
    image_env = env_of(DOCKERFILE.stages[-1])
    env = {e.name: e.value for e in container.env}
    assert container.liveness_probe.http_get.path == "/healthz"
    assert container.readiness_probe.http_get.path == "/readyz"
    assert container.ports[0].container_port == int(image_env["NLP_IP_PORT"])
    assert env["NLP_IP_HOST"] == "0.0.0.0"
    assert pod.security_context.run_as_non_root is True
    assert pod.security_context.run_as_user == int(
        DOCKERFILE.stages[-1].all("USER")[-1].args.split(":")[0])
    assert container.security_context.read_only_root_filesystem is True
    assert container.security_context.allow_privilege_escalation is False
    assert container.security_context.capabilities.drop == ["ALL"]
    resources = container.resources
    assert resources.requests["cpu"] == resources.limits["cpu"] == "2"
    assert set(resources.requests) >= {"cpu", "memory"} <= set(resources.limits)
    threads = next(e for e in container.env if e.name == "NLP_IP_NUM_THREADS")
    assert threads.value_from.resource_field_ref.resource == "limits.cpu"
    volumes = {v.name: v for v in pod.volumes}
    mounts = {m.mount_path: m for m in container.volume_mounts}
    keys_dir = str(Path(env["NLP_IP_API_KEYS_FILE"]).parent)
    assert volumes[mounts[keys_dir].name].secret is not None
    assert mounts[keys_dir].sub_path is None  # a directory mount: key changes reach the pod
    assert volumes[mounts[keys_dir].name].secret.default_mode & 0o007 == 0
    model = mounts[env["NLP_IP_MODEL"]]
    assert model.read_only and volumes[model.name].persistent_volume_claim is not None
    assert env["NLP_IP_MODEL"] == image_env["NLP_IP_MODEL"]
    assert env["NLP_IP_API_KEYS_FILE"] == image_env["NLP_IP_API_KEYS_FILE"]
    assert volumes[mounts["/tmp"].name].empty_dir is not None  # HOME=/tmp, writable


# -- the steps themselves -------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_container_steps_build_the_venv_and_serve(tiny_model: Path, tmp_path: Path) -> None:
    # docs/integrations.md's command, on the tiny model; torch from pip's configured index
    # (this machine cannot reach the PyTorch index the Dockerfile names)
    command = doc_snippet("integrations.md", "container-steps")
    assert "runs/default-int8" in command
    command = command.replace("runs/default-int8", shlex.quote(str(tiny_model)))
    command += f" {shlex.quote(str(tmp_path / 'work'))}"
    result = subprocess.run(["bash", "-c", command], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "TORCH_INDEX_URL": ""}, timeout=1700)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-6000:]
    for check in ("ok: GET /readyz -> 200", "ok: GET /healthz -> 200",
                  "ok: POST /v1/classify with the key -> 200",
                  "ok: POST /v1/classify without a key -> 401",
                  "ok: HEALTHCHECK command exits 0"):
        assert check in log
    prediction = json.loads(next(line for line in result.stdout.splitlines()
                                 if line.startswith("{")))
    assert prediction["id"] == "c-1" and prediction["decision"] in {"remove", "review", "allow"}
    venv = tmp_path / "work" / "root" / "opt" / "venv"
    freeze = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "freeze"],
                            capture_output=True, text=True, check=True).stdout
    installed = dict(line.split("==", 1) for line in freeze.splitlines() if "==" in line)
    for name in ("torch", "transformers", "numpy", "tokenizers", "spacy"):
        assert installed[name].split("+")[0] == pins()[name], name
