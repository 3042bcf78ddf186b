"""The cross-request micro-batcher on its own (no HTTP)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from serve_helpers import async_wait_until

from nlp_ip.errors import NotReadyError, OverloadedError
from nlp_ip.serve.batching import MicroBatcher

pytestmark = pytest.mark.anyio


class Engine:
    def __init__(self, delay_s: float = 0.0, gate: threading.Event | None = None) -> None:
        self.batches: list[list[str]] = []
        self.delay_s = delay_s
        self.gate = gate
        self.thread_names: set[str] = set()
        self.calls = 0

    def __call__(self, rows: list[str]) -> list[str]:
        self.calls += 1
        self.thread_names.add(threading.current_thread().name)
        if self.gate is not None:
            self.gate.wait(10)
        time.sleep(self.delay_s)
        self.batches.append(list(rows))
        return [row.upper() for row in rows]


def batcher(engine: Engine, **kw: object) -> MicroBatcher[str, str]:
    return MicroBatcher(engine, estimate_tokens=len, **kw)  # type: ignore[arg-type]


async def test_each_job_gets_its_own_rows_and_batches_respect_both_budgets() -> None:
    engine = Engine(delay_s=0.002)
    b = batcher(engine, max_batch_rows=5, max_batch_tokens=40, max_wait_ms=20)
    await b.start()
    jobs = [b.submit([f"j{j}r{r}" + "x" * j for r in range(1 + j % 3)]) for j in range(30)]
    results = await asyncio.gather(*(job.future for job in jobs))
    for j, result in enumerate(results):
        assert result == [(f"j{j}r{r}" + "x" * j).upper() for r in range(1 + j % 3)]
    for rows in engine.batches:
        # a job is never split; a batch over a budget is a single job alone
        assert (len(rows) <= 5 and sum(map(len, rows)) <= 40) or len(
            {row.split("r")[0] for row in rows}) == 1
    assert len(engine.batches) < 30
    assert engine.thread_names == {"nlp-ip-engine_0"}  # off the event loop, one thread
    await b.stop()


async def test_the_first_request_waits_up_to_max_wait_for_company() -> None:
    engine = Engine()
    b = batcher(engine, max_wait_ms=500)
    await b.start()
    first = b.submit(["a"])
    await asyncio.sleep(0.03)
    second = b.submit(["b"])
    await asyncio.gather(first.future, second.future)
    assert engine.batches == [["a", "b"]]
    await b.stop()


async def test_cancelled_jobs_leave_the_queue_and_never_run() -> None:
    gate = threading.Event()
    engine = Engine(gate=gate)
    b = batcher(engine, max_wait_ms=0)
    await b.start()
    running = b.submit(["a"])
    await async_wait_until(lambda: engine.calls == 1)
    gone = b.submit(["b", "c"])
    kept = b.submit(["d"])
    assert b.queued_rows == 3
    b.cancel(gone)
    assert b.queued_rows == 1 and b.queued_requests == 1
    gate.set()
    assert await running.future == ["A"] and await kept.future == ["D"]
    assert ["b", "c"] not in engine.batches and all("b" not in x for x in engine.batches)
    await b.stop()


async def test_full_queue_refuses_with_a_retry_hint() -> None:
    gate = threading.Event()
    engine = Engine(gate=gate)
    b = batcher(engine, max_queue_rows=3, max_wait_ms=0)
    await b.start()
    b.submit(["a"])
    await async_wait_until(lambda: engine.calls == 1)  # taken by the engine, which blocks
    b.submit(["b", "c"])
    with pytest.raises(OverloadedError, match="limit 3") as info:
        b.submit(["d", "e"])
    assert info.value.retry_after >= 1
    b.submit(["d"])  # exactly fills the queue
    gate.set()
    await b.stop()


async def test_stop_finishes_queued_work_then_refuses_new_work() -> None:
    engine = Engine(delay_s=0.05)
    b = batcher(engine, max_batch_rows=1, max_wait_ms=0)
    await b.start()
    jobs = [b.submit([str(i)]) for i in range(4)]
    await b.stop(timeout=10)
    assert [job.future.result() for job in jobs] == [["0"], ["1"], ["2"], ["3"]]
    with pytest.raises(NotReadyError, match="shutting down"):
        b.submit(["late"])


async def test_stop_timeout_fails_what_is_left_with_not_ready() -> None:
    gate = threading.Event()
    engine = Engine(gate=gate)
    b = batcher(engine, max_batch_rows=1, max_wait_ms=0)
    await b.start()
    first = b.submit(["a"])
    await async_wait_until(lambda: engine.calls == 1)
    second = b.submit(["b"])
    await b.stop(timeout=0.1)
    gate.set()
    assert isinstance(second.future.exception(), NotReadyError)
    assert isinstance(first.future.exception(), NotReadyError)  # nobody is left hanging


async def test_queue_is_bounded_by_its_expected_drain_time() -> None:
    gate = threading.Event()
    engine = Engine(gate=gate)
    b = batcher(engine, max_queue_rows=1000, max_queue_delay_s=0.5, max_wait_ms=0)
    await b.start()
    gate.set()
    await b.submit(["warm"]).future  # measures a rate
    b._rows_per_s = 10.0  # pin the measured engine rate: 10 listings/s
    gate.clear()
    b.submit(["a"])
    await async_wait_until(lambda: engine.calls == 2)  # blocked in the engine
    b.submit(["b"] * 5)  # 0.5 s of work: admitted
    with pytest.raises(OverloadedError, match="to drain") as info:
        b.submit(["c"])
    assert info.value.retry_after == 1
    b.check_capacity(0)
    gate.set()
    await b.stop()


class CountingEngine(Engine):
    """Records how many batches are inside the engine at the same moment."""

    def __init__(self, delay_s: float) -> None:
        super().__init__(delay_s=delay_s)
        self.inside = 0
        self.most_inside = 0
        self.lock = threading.Lock()

    def __call__(self, rows: list[str]) -> list[str]:
        with self.lock:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
        try:
            return super().__call__(rows)
        finally:
            with self.lock:
                self.inside -= 1


@pytest.mark.parametrize("concurrency", [1, 2, 3])
async def test_concurrency_bounds_the_batches_in_the_engine(concurrency: int) -> None:
    engine = CountingEngine(delay_s=0.03)
    b = batcher(engine, max_batch_rows=2, max_wait_ms=0, concurrency=concurrency)
    await b.start()
    jobs = [b.submit([f"r{i}"]) for i in range(24)]
    results = await asyncio.gather(*(job.future for job in jobs))
    assert results == [[f"R{i}"] for i in range(24)]
    assert engine.most_inside == concurrency
    assert len(engine.thread_names) == concurrency
    await b.stop()


async def test_stop_waits_for_every_batch_in_the_engine() -> None:
    engine = CountingEngine(delay_s=0.05)
    b = batcher(engine, max_batch_rows=1, max_wait_ms=0, concurrency=2)
    await b.start()
    jobs = [b.submit([f"r{i}"]) for i in range(6)]
    await async_wait_until(lambda: engine.inside == 2)
    await b.stop()
    assert [job.future.result() for job in jobs] == [[f"R{i}"] for i in range(6)]
    with pytest.raises(NotReadyError):
        b.submit(["late"])


def test_concurrency_must_be_positive() -> None:
    with pytest.raises(ValueError, match="concurrency"):
        batcher(Engine(), concurrency=0)
