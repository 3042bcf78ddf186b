"""Cross-request micro-batching.

Requests put their listings in a bounded FIFO queue and await a future. One
worker task forms batches from the front of the queue, up to a token budget
and a row limit, waiting at most ``max_wait_ms`` after the oldest request
arrived for others to join, then runs the engine on an engine thread (off
the event loop) and hands each request its own rows. ``concurrency`` batches
may be in the engine at once, each on its own thread (with an engine whose
forward passes are single-threaded, one per core: a core never idles while
the answers of the other batch are written and its clients send the next
requests).

Under load no one waits: while the engine runs one batch the next one fills,
and it starts as soon as an engine thread is free. A request whose client went away,
or whose deadline passed, is taken out of the queue (:meth:`MicroBatcher.cancel`)
and costs no engine time. When the queue holds ``max_queue_rows`` listings, new
requests are refused at once with :class:`~nlp_ip.errors.OverloadedError`,
whose ``retry_after`` is the time the queue needs to drain at the measured rate.

An optional :class:`BatchObserver` (the server's tracing) sees each job submitted and each
batch run, with its times.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from nlp_ip.errors import NotReadyError, OverloadedError

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

MAX_RETRY_AFTER_S = 60


class Job(Generic[T, R]):
    """One request's rows in the queue."""

    __slots__ = ("enqueued", "future", "rows", "tokens", "trace")

    def __init__(self, rows: Sequence[T], tokens: int, future: asyncio.Future[list[R]]) -> None:
        self.rows = rows
        self.tokens = tokens
        self.future = future
        self.enqueued = time.monotonic()
        self.trace: Any = None  # what the observer captured when the job was submitted


@dataclass(frozen=True)
class BatchTiming:
    """When one engine batch ran, in ``time.time_ns()``: taken from the queue, the
    ``run_batch`` call on the engine thread, and its results handed out."""

    started_ns: int
    run_started_ns: int
    run_ended_ns: int
    ended_ns: int
    rows: int
    error: BaseException | None = None


class BatchObserver(Protocol):
    """Sees the batcher's work (the server's tracing, :mod:`nlp_ip.serve.tracing`)."""

    def capture(self) -> Any:
        """Called by :meth:`MicroBatcher.submit` in the submitting request's context; the
        value is kept as the job's ``trace``."""

    def record(self, jobs: Sequence[Job[Any, Any]], timing: BatchTiming) -> None:
        """Called on the event loop after a batch of ``jobs`` ran, before they get their
        results."""


class MicroBatcher(Generic[T, R]):
    """Merge concurrent requests into engine batches.

    ``run_batch(rows) -> results`` is called on one engine thread with the rows of
    several requests and must return one result per row, in order.
    ``estimate_tokens(row)`` sizes rows for the token budget.
    """

    def __init__(self, run_batch: Callable[[list[T]], Sequence[R]], *,
                 estimate_tokens: Callable[[T], int], max_batch_tokens: int = 8192,
                 max_batch_rows: int = 256, max_wait_ms: float = 2.0,
                 max_queue_rows: int = 1024, max_queue_delay_s: float | None = None,
                 concurrency: int = 1, metrics: Any = None,
                 observer: BatchObserver | None = None) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be >= 1, got {concurrency}")
        self.run_batch = run_batch
        self.estimate_tokens = estimate_tokens
        self.max_batch_tokens = max_batch_tokens
        self.max_batch_rows = max_batch_rows
        self.max_wait_s = max_wait_ms / 1000.0
        self.max_queue_rows = max_queue_rows
        self.max_queue_delay_s = max_queue_delay_s
        self.metrics = metrics
        self.observer = observer
        self.concurrency = concurrency
        self._slots: asyncio.Semaphore | None = None
        self._running: set[asyncio.Task[None]] = set()
        self._queue: deque[Job[T, R]] = deque()
        self._queued_rows = 0
        self._queued_tokens = 0
        self._wakeup: asyncio.Event | None = None
        self._worker: asyncio.Task[None] | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._closing = False
        self._rows_per_s = 0.0  # measured engine rate (EWMA), for Retry-After
        self.batches_run = 0

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        """Start the worker on the running event loop."""
        if self._worker is not None:
            return
        self._wakeup = asyncio.Event()
        self._slots = asyncio.Semaphore(self.concurrency)
        self._executor = ThreadPoolExecutor(max_workers=self.concurrency,
                                            thread_name_prefix="nlp-ip-engine")
        self._worker = asyncio.create_task(self._run(), name="nlp-ip-batcher")

    async def stop(self, timeout: float = 30.0) -> None:
        """Refuse new work, finish what is queued (up to ``timeout`` s), then stop."""
        self._closing = True
        deadline = time.monotonic() + timeout
        if self._wakeup is not None:
            self._wakeup.set()
        if self._worker is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._worker), timeout)
            except asyncio.TimeoutError:
                logger.warning("shutdown: %d queued request(s) did not finish within %.1f s",
                               len(self._queue), timeout)
                self._worker.cancel()
                await asyncio.gather(self._worker, return_exceptions=True)
        if self._running:
            # batches still in the engine get what is left of the same timeout
            _, late = await asyncio.wait(set(self._running),
                                         timeout=max(0.0, deadline - time.monotonic()))
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        while self._queue:
            job = self._queue.popleft()
            if not job.future.done():
                job.future.set_exception(NotReadyError("the server is shutting down; retry"))
        self._queued_rows = self._queued_tokens = 0
        if self._executor is not None:
            self._executor.shutdown(wait=False)
        self._worker = None

    async def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn(*args)`` on the engine thread (e.g. a warm-up), between batches."""
        if self._executor is None:
            raise NotReadyError("the batcher is not started")
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    @property
    def closing(self) -> bool:
        return self._closing

    @property
    def queued_rows(self) -> int:
        return self._queued_rows

    @property
    def queued_requests(self) -> int:
        return len(self._queue)

    # -- requests --------------------------------------------------------------------------
    def retry_after(self, extra_rows: int = 0) -> float:
        """Seconds until the queue (plus ``extra_rows``) should have drained."""
        rate = self._rows_per_s or 100.0
        return float(min(MAX_RETRY_AFTER_S,
                         max(1, math.ceil((self._queued_rows + extra_rows) / rate))))

    def record_rate(self, rows: int, seconds: float) -> None:
        """Feed the engine-rate estimate (EWMA) behind Retry-After and the delay bound."""
        rate = rows / max(seconds, 1e-6)
        self._rows_per_s = rate if not self._rows_per_s else 0.8 * self._rows_per_s + 0.2 * rate

    def expected_wait(self, extra_rows: int = 0) -> float | None:
        """Seconds the queue (plus ``extra_rows``) needs at the measured engine rate."""
        if not self._rows_per_s:
            return None
        return (self._queued_rows + extra_rows) / self._rows_per_s

    def check_capacity(self, rows: int) -> None:
        """Raise :class:`OverloadedError` if ``rows`` more listings would not be admitted.

        Two bounds: at most ``max_queue_rows`` listings wait, and (once the engine
        rate is measured) the queue must drain within ``max_queue_delay_s``, so an
        admitted request is answered well before its deadline whatever the model's
        speed. An empty queue always admits one request, however large.
        """
        if not self._queue:
            return
        if self._queued_rows + rows > self.max_queue_rows:
            raise OverloadedError(
                f"the queue holds {self._queued_rows} listings (limit {self.max_queue_rows}); "
                "retry after the time given in Retry-After",
                retry_after=self.retry_after(rows))
        wait = self.expected_wait(rows)
        if self.max_queue_delay_s is not None and wait is not None \
                and wait > self.max_queue_delay_s:
            raise OverloadedError(
                f"the queue needs about {wait:.1f} s to drain (limit "
                f"{self.max_queue_delay_s:g} s); retry after the time given in Retry-After",
                retry_after=self.retry_after(rows))

    def submit(self, rows: Sequence[T]) -> Job[T, R]:
        """Queue ``rows``; await ``job.future`` for their results.

        Raises :class:`OverloadedError` when the queue is full and
        :class:`NotReadyError` when the batcher is stopping or not started.
        """
        if self._closing or self._worker is None or self._wakeup is None:
            raise NotReadyError("the server is shutting down or not started; retry shortly")
        self.check_capacity(len(rows))
        tokens = sum(self.estimate_tokens(row) for row in rows)
        job: Job[T, R] = Job(rows, tokens, asyncio.get_running_loop().create_future())
        if self.observer is not None:
            job.trace = self.observer.capture()
        self._queue.append(job)
        self._queued_rows += len(rows)
        self._queued_tokens += tokens
        self._gauges()
        self._wakeup.set()
        return job

    def cancel(self, job: Job[T, R]) -> None:
        """Drop a job (client gone, deadline passed): out of the queue if still there."""
        if not job.future.done():
            job.future.cancel()
        try:
            self._queue.remove(job)
        except ValueError:
            return  # already taken by the worker; its results are discarded
        self._queued_rows -= len(job.rows)
        self._queued_tokens -= job.tokens
        self._gauges()

    # -- worker ----------------------------------------------------------------------------
    def _gauges(self) -> None:
        if self.metrics is not None:
            self.metrics.queue_rows.set(self._queued_rows)
            self.metrics.queue_requests.set(len(self._queue))

    def _take(self) -> list[Job[T, R]]:
        batch: list[Job[T, R]] = []
        rows = tokens = 0
        while self._queue:
            job = self._queue[0]
            if batch and (rows + len(job.rows) > self.max_batch_rows
                          or tokens + job.tokens > self.max_batch_tokens):
                break
            self._queue.popleft()
            self._queued_rows -= len(job.rows)
            self._queued_tokens -= job.tokens
            if job.future.done():  # cancelled while queued
                continue
            batch.append(job)
            rows += len(job.rows)
            tokens += job.tokens
        self._gauges()
        return batch

    def _full(self) -> bool:
        return (self._queued_rows >= self.max_batch_rows
                or self._queued_tokens >= self.max_batch_tokens)

    async def _run(self) -> None:
        assert self._wakeup is not None and self._slots is not None
        loop = asyncio.get_running_loop()
        while True:
            while not self._queue:
                if self._closing:
                    if self._running:
                        await asyncio.gather(*set(self._running), return_exceptions=True)
                    return
                self._wakeup.clear()
                await self._wakeup.wait()
            # Give others a moment to join the oldest request, unless the batch is full.
            deadline = self._queue[0].enqueued + self.max_wait_s
            while self._queue and not self._full() and not self._closing:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._wakeup.clear()
                try:
                    await asyncio.wait_for(self._wakeup.wait(), remaining)
                except asyncio.TimeoutError:
                    break
            await self._slots.acquire()  # an engine thread is free
            batch = self._take()
            if not batch:
                self._slots.release()
                continue
            task = asyncio.create_task(self._run_one(loop, batch))
            self._running.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if self._slots is not None:
            self._slots.release()

    async def _run_one(self, loop: asyncio.AbstractEventLoop, batch: list[Job[T, R]]) -> None:
        rows = [row for job in batch for row in job.rows]
        started = time.perf_counter()
        started_ns = time.time_ns()
        run_times: list[int] = []
        try:
            results = await loop.run_in_executor(self._executor, self._run_timed, rows,
                                                 run_times)
            if len(results) != len(rows):
                raise RuntimeError(f"the engine returned {len(results)} results for "
                                   f"{len(rows)} rows")
        except asyncio.CancelledError:  # stop() gave up waiting for this batch
            for job in batch:
                if not job.future.done():
                    job.future.set_exception(NotReadyError("the server is shutting down; "
                                                           "retry"))
            raise
        except Exception as exc:
            logger.exception("engine failed on a batch of %d rows from %d request(s)",
                             len(rows), len(batch))
            self._observe(batch, started_ns, run_times, len(rows), exc)
            for job in batch:
                if not job.future.done():
                    job.future.set_exception(exc)
            return
        elapsed = max(time.perf_counter() - started, 1e-6)
        # with several batches in the engine at once, the engine's rate is that many times
        # one batch's (what matters is the rate under load, when every thread is busy)
        self.record_rate(len(rows) * self.concurrency, elapsed)
        self.batches_run += 1
        if self.metrics is not None:
            self.metrics.batch_rows.observe(len(rows))
            self.metrics.batch_requests.observe(len(batch))
            self.metrics.batch_seconds.observe(elapsed)
        self._observe(batch, started_ns, run_times, len(rows))
        start = 0
        for job in batch:
            end = start + len(job.rows)
            if not job.future.done():
                job.future.set_result(list(results[start:end]))
            start = end

    def _run_timed(self, rows: list[T], times: list[int]) -> Sequence[R]:
        """``run_batch(rows)`` on the engine thread, appending its start and end to ``times``."""
        times.append(time.time_ns())
        try:
            return self.run_batch(rows)
        finally:
            times.append(time.time_ns())

    def _observe(self, batch: list[Job[T, R]], started_ns: int, run_times: list[int], rows: int,
                 error: BaseException | None = None) -> None:
        if self.observer is None:
            return
        ended_ns = time.time_ns()
        run_started, run_ended = (*run_times, ended_ns, ended_ns)[:2]
        self.observer.record(batch, BatchTiming(started_ns, run_started, run_ended, ended_ns,
                                                rows, error))
