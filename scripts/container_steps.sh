#!/usr/bin/env bash
# Replay the Dockerfile's steps without a Docker engine, then run and check the server.
#
#   scripts/container_steps.sh MODEL_DIR [WORK_DIR]
#
# 1. The builder stage as written: the same COPY steps (honouring .dockerignore) and the
#    same RUN steps (python -m venv, pip wheel, pip install torch, pip install the wheel
#    with its extras), in WORK_DIR/root, which stands for the image's "/".
# 2. The runtime stage: its ENV, and MODEL_DIR copied to /models/model (what the build
#    argument MODEL_DIR bakes in, or a mount puts there).
# 3. A keys file at the image's secret path (nlp-ip keys add), then the ENTRYPOINT
#    (nlp-ip serve) from the new venv, and checks: /healthz, /readyz (until ready), the
#    HEALTHCHECK command, POST /v1/classify with the key, and without it (401).
#
# Differences from a real container, on purpose: the server listens on 127.0.0.1 (not the
# image's 0.0.0.0: this machine takes no outside traffic) on a free port. Not checked here,
# as they need a container engine: the base image, the non-root USER, file ownership, the
# read-only root file system of deploy/. Build arguments come from the environment, as
# --build-arg would give them; TORCH_INDEX_URL= (empty) installs torch from pip's
# configured index (the tests do, where the PyTorch index cannot be reached).
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
    echo "usage: $0 MODEL_DIR [WORK_DIR]" >&2
    exit 2
fi
CONTEXT=$(cd "$(dirname "$0")/.." && pwd)
MODEL_DIR=$(cd "$1" && pwd)
WORK=${2:-$(mktemp -d -t nlp-ip-container.XXXXXX)}
mkdir -p "$WORK"
ROOT=$(cd "$WORK" && pwd)/root
if [[ -e "$ROOT" ]]; then
    echo "$ROOT already exists: give an empty WORK_DIR" >&2
    exit 2
fi
mkdir -p "$ROOT"
export ROOT CONTEXT MODEL_DIR
echo "replaying $CONTEXT/Dockerfile in $ROOT" >&2

# shellcheck disable=SC1090  # the steps are generated from the Dockerfile
source <(python3 "$CONTEXT/scripts/dockerfile_steps.py" replay "$CONTEXT/Dockerfile")

# The runtime stage's ENV is now in effect: PATH starts with the venv, NLP_IP_MODEL and
# NLP_IP_API_KEYS_FILE point into $ROOT.
mkdir -p "$HOME" "$(dirname "$NLP_IP_API_KEYS_FILE")"
KEY=$(nlp-ip keys add container-check | head -n 1)
export NLP_IP_HOST=127.0.0.1
NLP_IP_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
export NLP_IP_PORT
URL="http://127.0.0.1:$NLP_IP_PORT"

cd "$ROOT"
"${ENTRYPOINT_ARGS[@]}" >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT
echo "started ${ENTRYPOINT_ARGS[*]} (pid $SERVER) on $URL; log: $WORK/server.log" >&2

python - "$URL" "$KEY" "$SERVER" <<'PY'
import json
import os
import sys
import time
import urllib.error
import urllib.request

url, key, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])


def get(path, headers=None, body=None):
    request = urllib.request.Request(url + path, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def check(what, ok, detail):
    print(f"{'ok' if ok else 'FAILED'}: {what}", file=sys.stderr)
    if not ok:
        print(detail, file=sys.stderr)
        sys.exit(1)


deadline = time.monotonic() + 180
status = None
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        check("server running", False, "the server exited; see server.log")
    try:
        status, _ = get("/readyz")
    except OSError:
        status = None  # not listening yet
    if status == 200:
        break
    time.sleep(0.5)
check("GET /readyz -> 200 (model loaded and warm)", status == 200, f"last status {status}")
status, body = get("/healthz")
check("GET /healthz -> 200", status == 200, body)

listing = {"id": "c-1", "title": "G-U-C-C-I belt 1:1 mirror quality", "price": 25,
           "currency": "USD"}
payload = json.dumps({"listings": [listing]}).encode()
headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
status, body = get("/v1/classify", headers, payload)
check("POST /v1/classify with the key -> 200", status == 200, body)
prediction = json.loads(body)["predictions"][0]
check("one prediction for c-1 with a label and a decision",
      prediction["id"] == "c-1" and prediction["label"] and prediction["decision"], prediction)
print(json.dumps(prediction))
status, body = get("/v1/classify", {"Content-Type": "application/json"}, payload)
check("POST /v1/classify without a key -> 401", status == 401, body)
PY

sh -c "$HEALTHCHECK_CMD"
echo "ok: HEALTHCHECK command exits 0" >&2
echo "container steps: all checks passed" >&2
