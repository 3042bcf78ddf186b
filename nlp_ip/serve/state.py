"""Everything one server instance owns: the model, the micro-batcher, keys and metrics.

:class:`ServerState` loads the model in the background after start-up (so ``/healthz``
answers at once), warms it, and reports ready; the routes reach it through the
dependencies in :mod:`nlp_ip.serve.dependencies`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from nlp_ip.errors import ConfigError, NotReadyError
from nlp_ip.schema import Listing
from nlp_ip.serve.batching import MicroBatcher
from nlp_ip.serve.metrics import ServerMetrics
from nlp_ip.serve.settings import ServeSettings
from nlp_ip.serve.tracing import tracing_for

logger = logging.getLogger(__name__)

#: Rows per warm-up batch at start: the first call builds lazy state, the larger ones
#: time the engine (the queue's first rate estimate).
WARMUP_SIZES = (1, 8, 32)
#: Rows per warm-up batch of a hot swap: lazy state only. The engine rate is already
#: known, and on a busy machine every extra warm-up row is a row of traffic delayed
#: (with (1, 8, 32) on 2 cores at half load, p99 went from 160 ms to 1 s during a swap).
RELOAD_WARMUP_SIZES = (1,)

_WARMUP_TEXTS = (
    "Leather belt",
    "Quilted chain flap bag with gold-tone hardware, vegan leather, no logo",
    "Vintage watch, stainless steel, automatic movement, box and papers included, serviced "
    "last year, small scratches on the bracelet, ships insured from a verified seller",
)


def engine_layout(settings: ServeSettings, classifier: Any | None = None) -> tuple[int, int]:
    """``(workers, engine_concurrency)``: the settings when given, else by backend family.

    Measured with ``benchmarks/load_test.py`` (32 closed-loop clients, 2 EPYC cores):
    onnxruntime runs a whole forward pass per call without the GIL, so N single-threaded
    micro-batches side by side kept both cores busy (int8: 88% of offline throughput,
    against 58% with one two-threaded batch at a time); PyTorch's eager forward holds the
    GIL between operators, so two batches in parallel lost to one two-threaded batch
    (bf16: 56% against 64%).
    """
    onnx = False
    if classifier is not None:
        onnx = str(getattr(classifier, "backend_name", "")).startswith("onnx")
    elif settings.backend != "auto":
        onnx = settings.backend.startswith("onnx")
    elif settings.model is not None:
        from nlp_ip.artifact import read_meta
        from nlp_ip.inference.backends import folder_backends

        try:
            onnx = folder_backends(Path(settings.model),
                                   read_meta(settings.model))[0].startswith("onnx")
        except Exception:  # a bad folder fails later, with the loader's own message
            onnx = False
    from nlp_ip.inference.engine import default_threads

    threads = settings.num_threads or default_threads()
    workers = settings.workers or (threads if onnx else 1)
    concurrency = settings.engine_concurrency or (workers if onnx else 1)
    return workers, concurrency


class ServerState:
    """Everything one app instance owns."""

    def __init__(self, settings: ServeSettings, classifier: Any | None) -> None:
        self.settings = settings
        self.classifier: Any = classifier
        self._owns_classifier = classifier is None
        self.metrics = ServerMetrics()
        self.ready = False
        #: set when a SIGTERM's drain period starts (nlp_ip.draining): /readyz says not
        #: ready while requests are still served
        self.draining = False
        self.load_error: str | None = None
        self.on_fatal: Callable[[str], None] | None = None
        #: freeze the garbage collector's view after loads (``gc_freeze``); set by
        #: ``nlp-ip serve``, which owns its process, and not by apps made in other programs
        self.manage_gc = False
        self.keystore: Any = None
        #: path -> the API-key scope its routes need (None: no key), for the answers that
        #: no route gives (unknown path, wrong method); filled by create_app
        self.key_scopes: dict[str, str | None] = {}
        if settings.auth:
            from nlp_ip.serve.keys import KeyStore

            assert settings.api_keys_file is not None
            self.keystore = KeyStore(settings.api_keys_file)
            if len(self.keystore) == 0:
                logger.warning("the API keys file %s holds no keys: every request will get "
                               "401. Add one with `nlp-ip keys add NAME`",
                               settings.api_keys_file)
        if classifier is None and settings.model is None:
            raise ConfigError("no model to serve: pass --model DIR or set NLP_IP_MODEL")
        self.workers, self.engine_concurrency = engine_layout(settings, classifier)
        #: OpenTelemetry spans when ``settings.tracing`` is on, else a no-op
        self.tracing = tracing_for(settings, self)
        self.batcher: MicroBatcher[Listing, dict[str, Any]] = MicroBatcher(
            self._run_batch, estimate_tokens=self._estimate_tokens,
            max_batch_tokens=settings.max_batch_tokens, max_batch_rows=settings.max_batch_rows,
            max_wait_ms=settings.max_wait_ms, max_queue_rows=settings.max_queue_rows,
            max_queue_delay_s=settings.max_queue_delay_s,
            concurrency=self.engine_concurrency, metrics=self.metrics,
            observer=self.tracing.batch_observer)
        # ?explain=true: signals are extracted behind the same bounds as classification, on
        # one thread (spaCy pipelines are not shared between threads)
        self.explainer: MicroBatcher[Listing, dict[str, Any]] = MicroBatcher(
            self._explain_batch, estimate_tokens=self._estimate_tokens,
            max_batch_tokens=settings.max_batch_tokens, max_batch_rows=settings.max_batch_rows,
            max_wait_ms=settings.max_wait_ms, max_queue_rows=settings.max_queue_rows,
            max_queue_delay_s=settings.max_queue_delay_s, concurrency=1)
        self._loader: asyncio.Task[None] | None = None
        self._follower: asyncio.Task[None] | None = None
        self._reload_lock: asyncio.Lock | None = None
        #: batches each loaded model is computing now (a swapped-out model is freed at 0)
        self._in_use: dict[int, int] = {}
        self._in_use_lock = threading.Lock()
        self._stamp: object = None
        self._max_length = 128

    def catalog_path(self) -> Path | None:
        """The model folder's brands.yaml (the catalog used in training), if it has one."""
        folder = getattr(self.classifier, "folder", None)
        if folder is None:
            return None
        from nlp_ip.artifact import BRANDS_FILE

        path = Path(folder) / BRANDS_FILE
        return path if path.is_file() else None

    def queues(self, explain: bool) -> list[MicroBatcher[Listing, dict[str, Any]]]:
        """The queues a classify request goes through: the engine's, and the explainer's
        with ``explain``."""
        return [self.batcher, self.explainer] if explain else [self.batcher]

    def _explain_batch(self, rows: list[Listing]) -> list[dict[str, Any]]:
        """Rule-based evidence per listing (``?explain=true``), on the explainer's thread."""
        return _signals(rows, self.catalog_path())

    # -- engine side (runs on the engine thread) -------------------------------------------
    def _estimate_tokens(self, listing: Listing) -> int:
        chars = len(listing.title) + len(listing.description) + len(listing.brand or "")
        return min(self._max_length, 8 + chars // 4)

    def _run_batch(self, rows: list[Listing]) -> list[dict[str, Any]]:
        # One model per batch, read once: a request's rows are never split between the
        # versions of a hot swap, and every answer names the version that made it.
        classifier = self.classifier
        key = id(classifier)
        with self._in_use_lock:
            self._in_use[key] = self._in_use.get(key, 0) + 1
        try:
            return [p.to_dict() for p in classifier.predict(rows)]
        finally:
            with self._in_use_lock:
                self._in_use[key] -= 1

    def model_folder(self) -> Path:
        """The folder to serve: ``--model``, or the registry's production version of it."""
        s = self.settings
        assert s.model is not None
        if s.registry is None:
            return Path(s.model)
        from nlp_ip.registry import Registry

        return Registry(s.registry).production(str(s.model))

    def _load(self, folder: Path | None = None) -> Any:
        from nlp_ip.inference import ListingClassifier

        s = self.settings
        return ListingClassifier.from_pretrained(
            folder or self.model_folder(), backend=s.backend, num_threads=s.num_threads,
            workers=self.workers, max_batch_tokens=s.engine_batch_tokens, cascade=s.cascade)

    @staticmethod
    def _warm_batch(classifier: Any, n: int) -> tuple[int, float]:
        """One warm-up batch of ``n`` rows; ``(rows, seconds)``."""
        started = time.perf_counter()
        classifier.predict([{"title": _WARMUP_TEXTS[i % 3],
                             "description": _WARMUP_TEXTS[(i + 1) % 3] * (i % 3)}
                            for i in range(n)])
        return n, time.perf_counter() - started

    @classmethod
    def _warm_model(cls, classifier: Any) -> tuple[int, float]:
        """Run warm-up batches; ``(rows, seconds)`` of the last one."""
        n, seconds = 0, 0.0
        for size in WARMUP_SIZES:
            n, seconds = cls._warm_batch(classifier, size)
        return n, seconds

    def _warm(self) -> None:
        # a first estimate of the engine rate, for the queue's delay bound
        self.batcher.record_rate(*self._warm_model(self.classifier))

    async def _load_and_warm(self) -> None:
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        try:
            if self.classifier is None:
                self.classifier = await loop.run_in_executor(None, self._load)
            self._max_length = int(self.classifier.meta.text.max_length)
            if self.settings.warmup:
                await self.batcher.call(self._warm)
        except Exception as exc:
            self.load_error = f"{type(exc).__name__}: {exc}"
            logger.error("the model could not be loaded: %s", self.load_error)
            if self.on_fatal is not None:
                self.on_fatal(self.load_error)
            return
        if self.manage_gc:
            _freeze_survivors()
        self.ready = True
        self.metrics.ready.set(1)
        self.metrics.model_info.labels(self.classifier.model_version,
                                       self.classifier.backend_name).set(1)
        counts = getattr(self.classifier, "cascade_counts", None)
        if isinstance(counts, dict):  # warm-up batches are not traffic
            counts.update(dict.fromkeys(counts, 0))
        self.metrics.watch_cascade(self.classifier)
        logger.info("ready: model %s on backend %s (loaded and warmed in %.1f s)",
                    self.classifier.model_version, self.classifier.backend_name,
                    time.perf_counter() - started)

    # -- hot swap ------------------------------------------------------------------------
    async def reload(self, reason: str) -> dict[str, Any]:
        """Load the model to serve now beside the current one, warm it, switch, drain, free.

        The new version is loaded and warmed off the event loop while the old one keeps
        answering; the switch is one assignment, so each batch (and so each request) runs
        on one version; the old model is closed once no batch uses it any more. A
        failure leaves the old model serving and raises (``ModelLoadError`` or
        ``RegistryError``: HTTP 409). One reload at a time; a reload that finds the same
        version already served does nothing.
        """
        from nlp_ip.artifact import read_meta

        if self._reload_lock is None:
            self._reload_lock = asyncio.Lock()
        async with self._reload_lock:
            self.require_ready()
            loop = asyncio.get_running_loop()
            started = time.perf_counter()
            old = self.classifier
            folder = await loop.run_in_executor(None, self.model_folder)
            version = read_meta(folder).model_version
            if version == old.meta.model_version and Path(folder) == Path(old.folder):
                return {"reloaded": False, "model_version": old.model_version,
                        "previous_version": old.model_version, "reason": reason}
            logger.info("reload (%s): loading %s beside %s", reason, version,
                        old.model_version)
            try:
                # on a thread of its own at a lower OS priority: reading and building
                # the new version takes CPU time (about 0.1 s for the default model) that
                # traffic needs more
                cpu: list[float] = []
                with _quiet_load():
                    new = await in_background_thread(self._load, folder, cpu_seconds=cpu)
                loaded = time.perf_counter()
                # Warm-up runs on the engine thread between traffic batches: run beside
                # them it would oversubscribe the cores and stall the answers of the
                # version still serving.
                for size in RELOAD_WARMUP_SIZES:
                    await self.batcher.call(self._warm_batch, new, size)
            except Exception:
                self.metrics.reloads.labels("failed").inc()
                logger.exception("reload (%s) of %s failed; still serving %s", reason, folder,
                                 old.model_version)
                raise
            self.classifier = new  # the switch: the next batch runs on the new version
            self._max_length = int(new.meta.text.max_length)
            self.metrics.model_info.clear()
            self.metrics.model_info.labels(new.model_version, new.backend_name).set(1)
            self.metrics.reloads.labels("swapped").inc()
            switched = time.perf_counter()
            logger.info("reload (%s): %s -> %s (loaded in %.2f s, %.2f CPU-s on its thread; "
                        "warmed in %.2f s); draining the old model", reason, old.model_version,
                        new.model_version, loaded - started, sum(cpu), switched - loaded)
            await self._drain_and_free(old)
            if self.manage_gc:
                _freeze_survivors()
            logger.info("reload (%s): %s drained and freed in %.2f s", reason,
                        old.model_version, time.perf_counter() - switched)
            return {"reloaded": True, "model_version": new.model_version,
                    "previous_version": old.model_version, "reason": reason,
                    "seconds": round(time.perf_counter() - started, 3)}

    async def _drain_and_free(self, old: Any) -> None:
        """Wait until no batch runs on ``old`` (the shutdown timeout at most), then free it."""
        deadline = time.monotonic() + self.settings.shutdown_timeout_s
        while time.monotonic() < deadline:
            with self._in_use_lock:
                busy = self._in_use.get(id(old), 0)
            if busy == 0:
                break
            await asyncio.sleep(0.02)
        with self._in_use_lock:
            self._in_use.pop(id(old), None)
        from nlp_ip.inference.allocator import release_free_memory

        # the only reference to the old model from here on: the worker drops it
        holder: list[Any] = [old]
        del old
        # Off the event loop. Reference counting frees the model (a full gc.collect()
        # found nothing left to free in it, and it held the GIL for 0.2-0.3 s per swap,
        # which stalled every request); the allocator then hands the pages back.
        await asyncio.get_running_loop().run_in_executor(
            None, _close_and_release, holder, self._owns_classifier, release_free_memory)

    async def _follow_registry(self) -> None:
        """Reload when the registry's production pointer moves (``--registry``)."""
        from nlp_ip.registry import Registry

        assert self.settings.registry is not None and self.settings.model is not None
        registry, name = Registry(self.settings.registry), str(self.settings.model)
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.settings.registry_poll_s)
            if not self.ready:
                continue
            try:
                stamp = await loop.run_in_executor(None, registry.pointer_stamp, name)
                if self._stamp is None:
                    self._stamp = stamp
                elif stamp != self._stamp:
                    self._stamp = stamp
                    await self.reload("registry promotion")
            except asyncio.CancelledError:
                raise
            except Exception:  # logged by reload(); keep following
                logger.exception("following the registry failed; still serving %s",
                                 self.classifier.model_version)

    def _on_sighup(self) -> None:
        task = asyncio.get_running_loop().create_task(self.reload("SIGHUP"))
        task.add_done_callback(lambda t: t.cancelled() or t.exception())  # logged in reload

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        await self.batcher.start()
        await self.explainer.start()
        self._loader = asyncio.create_task(self._load_and_warm(), name="nlp-ip-load-model")
        if self.settings.registry is not None and self._owns_classifier:
            from nlp_ip.registry import Registry

            self._stamp = Registry(self.settings.registry).pointer_stamp(
                str(self.settings.model))
            self._follower = asyncio.create_task(self._follow_registry(),
                                                 name="nlp-ip-follow-registry")
        if self._owns_classifier and threading.current_thread() is threading.main_thread() \
                and hasattr(signal, "SIGHUP"):
            try:  # `kill -HUP <pid>` reloads, as for most servers
                asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._on_sighup)
            except (NotImplementedError, RuntimeError):
                pass

    async def stop(self) -> None:
        self.ready = False
        self.metrics.ready.set(0)
        if self._follower is not None:
            self._follower.cancel()
        if self._loader is not None and not self._loader.done():
            self._loader.cancel()
        await asyncio.gather(self.batcher.stop(timeout=self.settings.shutdown_timeout_s),
                             self.explainer.stop(timeout=self.settings.shutdown_timeout_s))
        if self._owns_classifier and self.classifier is not None:
            close = getattr(self.classifier, "close", None)
            if close is not None:
                close()

    def start_draining(self) -> None:
        """The drain before shutdown has started: report not ready, keep serving."""
        self.draining = True

    def require_ready(self) -> None:
        if self.batcher.closing:
            raise NotReadyError("the server is shutting down; retry on another instance")
        if not self.ready:
            if self.load_error:
                raise NotReadyError("the model failed to load; see the server log")
            raise NotReadyError("the model is still loading; retry shortly")


def _signals(listings: Sequence[Listing], catalog: Path | None) -> list[dict[str, Any]]:
    """Rule-based evidence per listing, with the brand catalog the model was trained with."""
    from nlp_ip.text import extract_signals_batch

    return [s.to_dict() for s in extract_signals_batch(listings, catalog_path=catalog)]


def _close_and_release(holder: list[Any], owned: bool, release: Callable[..., Any]) -> None:
    """Close the model in ``holder`` (when the server made it), drop it, trim the heap."""
    model = holder.pop()
    close = getattr(model, "close", None)
    if owned and close is not None:
        close()
    del model, close
    release(min_interval_s=0.0)


def _freeze_survivors() -> None:
    """Collect, then move the objects still alive into the collector's permanent generation.

    A loaded model brings half a million objects the cyclic collector tracks (most of them
    the text layer's pipeline); each full collection walks them all, holding the GIL for
    about 0.25 s on the development machine, and a hot swap's new objects make one due
    within seconds. Frozen objects are still freed by reference counting (a replaced
    version is: ``tests/test_serve_hot_swap.py``), only the collector skips them. The
    collection first walks what is not frozen yet: everything at start (before the server
    is ready), and after a swap only what came since the last freeze (under a millisecond),
    so cyclic garbage is not frozen with the survivors.
    """
    gc.collect()
    gc.freeze()


#: ``nice`` of the thread that loads a new version during a hot swap (Linux: per thread).
RELOAD_NICENESS = 10

#: ``sys.setswitchinterval`` while a new version loads beside the serving one.
RELOAD_SWITCH_INTERVAL_S = 1e-4


@contextlib.contextmanager
def _quiet_load(seconds: float = RELOAD_SWITCH_INTERVAL_S) -> Iterator[None]:
    """Hand the GIL back and forth faster while a new version loads.

    The serving engine releases the GIL in every torch operation and needs it back after
    each; a loader thread running Python code keeps it until the interpreter's switch
    interval (5 ms by default) runs out. Each of a forward pass's hundred-odd operations
    then waits up to that long, so a load of about 0.1 CPU-second stalls the batch beside
    it by a similar time (the convoy effect). At 0.1 ms the wait per operation is that much
    shorter; the loader runs a little slower, which no request waits for. Process-wide, so
    it is set for the load alone and restored after (``reload`` holds a lock: one at a time),
    as is the cyclic garbage collector, paused for the load.
    """
    previous, collecting = sys.getswitchinterval(), gc.isenabled()
    sys.setswitchinterval(min(previous, seconds))
    # A full collection that the load's allocations happen to trigger would run on the
    # loader's low-priority thread, holding the GIL for as long as it walks every object
    # (measured: a 0.08 CPU-s load took 0.39 CPU-s and stalled requests for 0.65 s). The
    # collector waits for the load instead.
    gc.disable()
    try:
        yield
    finally:
        sys.setswitchinterval(previous)
        if collecting:
            gc.enable()


def _lower_this_thread_priority(niceness: int) -> None:
    """Make the calling thread yield the CPU to the serving threads (Linux, best effort).

    On Linux ``setpriority`` on a thread id changes that thread alone. An unprivileged
    process cannot raise it again, which is why the loader is a thread of its own.
    """
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
    except (AttributeError, OSError):  # not Linux, or not allowed: run at normal priority
        pass


async def in_background_thread(fn: Callable[..., Any], *args: Any,
                               niceness: int = RELOAD_NICENESS,
                               cpu_seconds: list[float] | None = None) -> Any:
    """``fn(*args)`` on a new low-priority thread; its result (or exception) awaited.

    With ``cpu_seconds``, the CPU time the thread spent is appended to it.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def settle(ok: bool, value: Any) -> None:
        if future.done():  # the awaiting task was cancelled
            return
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

    def run() -> None:
        _lower_this_thread_priority(niceness)
        started = time.thread_time()
        try:
            ok, value = True, fn(*args)
        except BaseException as exc:  # handed to the awaiting task
            ok, value = False, exc
        if cpu_seconds is not None:  # before the awaiting task can resume
            cpu_seconds.append(time.thread_time() - started)
        loop.call_soon_threadsafe(settle, ok, value)

    threading.Thread(target=run, name="nlp-ip-reload", daemon=True).start()
    return await future
