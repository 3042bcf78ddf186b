# syntax=docker/dockerfile:1
#
# nlp-ip's HTTP API (`nlp-ip serve`, docs/serving.md) on CPU torch, as a non-root user.
#
#   docker build -t nlp-ip:0.1.0 .                          # model mounted at /models/model
#   docker build -t nlp-ip:0.1.0-int8 --build-arg MODEL_DIR=runs/default-int8 .   # baked in
#
# Run it with the model folder at /models/model and the API keys file (`nlp-ip keys add`)
# mounted at /run/secrets/nlp-ip/keys.json: docs/integrations.md has the commands. No Docker
# engine runs on the dev machine, so scripts/container_steps.sh replays these steps in a
# scratch folder and checks the server (tests/test_container.py).

ARG PYTHON_IMAGE=python:3.11-slim

# -- builder: a wheel of the project, installed with its pins into /opt/venv -----------
FROM ${PYTHON_IMAGE} AS builder
# The CPU build of the torch pin (the default index's Linux wheels bring CUDA, ~4 GB more).
# Empty: whatever index pip is configured with.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
# Extras besides the core runtime: the HTTP API, and onnxruntime for int8 exports (the
# fastest backend, docs/serving.md).
ARG EXTRAS=serve,onnx
ENV VENV=/opt/venv PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY nlp_ip ./nlp_ip
COPY nlp_ip_train ./nlp_ip_train
COPY data/brands.yaml ./data/brands.yaml
RUN python -m venv "$VENV"
RUN "$VENV/bin/pip" wheel --no-deps --wheel-dir dist .
RUN "$VENV/bin/pip" install ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"} "torch==2.13.0"
RUN "$VENV/bin/pip" install "$(ls dist/nlp_ip-*.whl)[$EXTRAS]"

# -- runtime: the venv, the model, nothing else ----------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
# A model folder in the build context to bake in (see .dockerignore for where it may
# live); the default is an empty placeholder, for a model mounted at /models/model.
ARG MODEL_DIR=deploy/no-model
ENV VENV=/opt/venv
# HOME=/tmp: the only writable place when the root filesystem is read-only (deploy/).
ENV PATH="$VENV/bin:$PATH" \
    HOME=/tmp \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    NLP_IP_MODEL=/models/model \
    NLP_IP_HOST=0.0.0.0 \
    NLP_IP_PORT=8000 \
    NLP_IP_API_KEYS_FILE=/run/secrets/nlp-ip/keys.json
RUN groupadd --system --gid 10001 nlpip \
 && useradd --system --uid 10001 --gid nlpip --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin nlpip
COPY --from=builder /opt/venv /opt/venv
COPY ${MODEL_DIR} /models/model
USER 10001:10001
EXPOSE 8000
# Ready = model loaded and warmed up (503 before). python: the slim image has no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
    CMD python -c "import urllib.request as r; r.urlopen('http://127.0.0.1:${NLP_IP_PORT}/readyz', timeout=4)"
ENTRYPOINT ["nlp-ip", "serve"]
