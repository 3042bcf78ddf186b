"""Importing Ray and connecting to (or starting) a Ray instance."""

from __future__ import annotations

import logging
import os
from typing import Any

logger = logging.getLogger(__name__)

INSTALL_HINT = 'pip install "nlp-ip[distributed]"'

#: Object store for a Ray started on this machine: enough for the in-flight
#: blocks of text and results, small enough to leave memory to the models.
LOCAL_OBJECT_STORE_BYTES = 500 * 1024 * 1024

#: Ray's start-up waits, raised for a local start: on a busy machine the per-node
#: agent can take longer than Ray's default 30 s to come up, and the raylet then
#: aborts the whole start. Values already in the environment win.
SLOW_START_ENV = {"RAY_agent_register_timeout_ms": "120000",
                  "RAY_raylet_start_wait_time_s": "120"}


def require_ray() -> Any:
    """Import and return ``ray`` (with Ray Data), or raise
    :class:`~nlp_ip.errors.MissingExtraError` naming ``pip install "nlp-ip[distributed]"``."""
    from nlp_ip.errors import MissingExtraError

    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise MissingExtraError(
            "distributed", "ray[data]",
            "`nlp-ip predict --engine ray` (run it without --engine ray for one machine)",
        ) from exc
    return ray


def connect(address: str | None, *, num_cpus: int | None = None,
            object_store_memory: int = LOCAL_OBJECT_STORE_BYTES) -> bool:
    """Connect to the Ray at ``address`` ("auto" or "HOST:PORT" or "ray://HOST:PORT"),
    or start a local one when ``address`` is None.

    Returns True when this call started Ray (the caller then shuts it down). An
    already initialised Ray (a notebook, a test fixture) is reused as is.
    """
    ray = require_ray()
    if ray.is_initialized():
        logger.info("reusing the Ray instance already initialised in this process")
        return False
    if address is None:
        for name, value in SLOW_START_ENV.items():
            os.environ.setdefault(name, value)
        ray.init(num_cpus=num_cpus, object_store_memory=object_store_memory,
                 include_dashboard=False, logging_level=logging.WARNING)
        logger.info("started a local Ray with %s CPUs", num_cpus)
    else:
        ray.init(address=address, logging_level=logging.WARNING)
        logger.info("connected to the Ray cluster at %s", address)
    return True
