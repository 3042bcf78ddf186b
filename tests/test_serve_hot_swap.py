"""Hot swap (issue 17, item 4): a new model version replaces the served one without
downtime; every answer comes from one version; a failed reload leaves the old one serving."""

from __future__ import annotations

import gc
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from serve_helpers import asgi_client, assert_one_clean_switch, make_key, swap_under_requests

from nlp_ip.artifact import update_meta
from nlp_ip.errors import ModelLoadError
from nlp_ip.registry import Registry
from nlp_ip.serve import ServeSettings, create_app
from nlp_ip.serve.state import RELOAD_SWITCH_INTERVAL_S

pytestmark = pytest.mark.anyio
LISTINGS = ["G.U.C.C.I belt 1:1", {"title": "Oak shelf", "description": "solid wood"},
            "Chewy Vuiton plush toy", "Case for iPhone 15"]


def _version_of(tiny_model: Path, target: Path, version: str) -> Path:
    shutil.copytree(tiny_model, target)

    def change(meta: Any) -> None:
        meta.model_version = version

    update_meta(target, change)
    return target


@pytest.fixture
def registry(tiny_model: Path, tmp_path: Path) -> Registry:
    reg = Registry(tmp_path / "registry", create=True)
    for version in ("tiny-v1", "tiny-v2"):
        reg.register(_version_of(tiny_model, tmp_path / version, version), name="listings")
    reg.promote("listings", "v1", stage="production", by="test")
    return reg


def _keys(tmp_path: Path) -> tuple[Path, str, str]:
    keys = tmp_path / "keys.json"
    return keys, make_key(keys, "tool"), make_key(keys, "ops", ("admin",))


async def test_promotion_swaps_the_served_version_without_failed_requests(
        registry: Registry, tmp_path: Path) -> None:
    keys, key, admin = _keys(tmp_path)
    app = create_app(ServeSettings(model=Path("listings"), registry=registry.root,
                                   registry_poll_s=0.2, backend="torch-fp32",
                                   api_keys_file=keys, max_wait_ms=2))
    async with asgi_client(app, key) as client:
        assert app.state.nlp.ready, app.state.nlp.load_error
        seen, before = await swap_under_requests(
            client, LISTINGS, lambda: registry.promote("listings", "v2", stage="production",
                                                       by="test", force=True,
                                                       reason="hot-swap test"), "tiny-v2")
        info = (await client.get("/v1/model")).json()
        metrics = (await client.get("/metrics", headers={"Authorization": f"Bearer {admin}"}))
    assert_one_clean_switch(seen, before, "tiny-v1", "tiny-v2")
    assert info["model_version"] == "tiny-v2"
    assert metrics.status_code == 403  # the admin key has no metrics scope


async def test_admin_reload_and_a_failed_reload_keeps_the_old_model(
        registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keys, key, admin = _keys(tmp_path)
    app = create_app(ServeSettings(model=Path("listings"), registry=registry.root,
                                   registry_poll_s=3600, backend="torch-fp32",
                                   api_keys_file=keys, max_wait_ms=2))
    async with asgi_client(app, key) as client:
        state = app.state.nlp
        assert state.ready, state.load_error
        as_admin = {"Authorization": f"Bearer {admin}"}
        assert (await client.post("/v1/admin/reload")).status_code == 403  # classify key
        same = (await client.post("/v1/admin/reload", headers=as_admin)).json()
        assert same == {"reloaded": False, "model_version": "tiny-v1",
                        "previous_version": "tiny-v1", "reason": "admin request"}
        registry.promote("listings", "v2", stage="production", by="test", force=True,
                         reason="test")

        switch_during_load: list[float] = []
        collector_during_load: list[bool] = []
        assert gc.isenabled()
        default_switch = sys.getswitchinterval()

        def broken(*args: Any, **kwargs: Any) -> Any:
            switch_during_load.append(sys.getswitchinterval())
            collector_during_load.append(gc.isenabled())
            raise ModelLoadError("the new folder is broken")

        monkeypatch.setattr(state, "_load", broken)
        failed = await client.post("/v1/admin/reload", headers=as_admin)
        assert failed.status_code == 409
        assert failed.json()["error"]["code"] == "model_not_loaded"
        # the load ran with the short GIL switch interval, restored after the failure
        assert switch_during_load == [pytest.approx(min(default_switch, RELOAD_SWITCH_INTERVAL_S))]
        assert sys.getswitchinterval() == pytest.approx(default_switch)
        # and the cyclic collector was paused for the load, then switched on again
        assert collector_during_load == [False] and gc.isenabled()
        ok = await client.post("/v1/classify", json={"listings": LISTINGS})
        assert ok.json()["model_version"] == "tiny-v1"
        monkeypatch.undo()
        swapped = (await client.post("/v1/admin/reload", headers=as_admin)).json()
        assert swapped["reloaded"] is True and swapped["previous_version"] == "tiny-v1"
        assert swapped["model_version"] == "tiny-v2"
        after = await client.post("/v1/classify", json={"listings": LISTINGS})
        assert after.json()["model_version"] == "tiny-v2"
        assert {p["model_version"] for p in after.json()["predictions"]} == {"tiny-v2"}


async def test_gc_freeze_keeps_no_replaced_version_alive(
        registry: Registry, tmp_path: Path) -> None:
    """With ``manage_gc`` (what ``nlp-ip serve`` sets), the objects alive once the model is
    loaded are frozen (``gc.freeze``), and again after each swap. Frozen objects are freed by
    reference counting alone, so a replaced version that needed the cyclic collector would
    stay in memory for good: each replaced version (its classifier and its network) must be
    gone once the swap has drained it, with the collector frozen."""
    import weakref

    keys, key, admin = _keys(tmp_path)
    app = create_app(ServeSettings(model=Path("listings"), registry=registry.root,
                                   registry_poll_s=3600, backend="torch-fp32",
                                   api_keys_file=keys, max_wait_ms=2))
    state = app.state.nlp
    state.manage_gc = True
    try:
        async with asgi_client(app, key) as client:
            assert state.ready, state.load_error
            assert gc.get_freeze_count() > 0  # frozen once the model was loaded
            as_admin = {"Authorization": f"Bearer {admin}"}
            for version in ("v2", "v1", "v2"):
                old = weakref.ref(state.classifier)
                network = weakref.ref(state.classifier.backend.model)
                registry.promote("listings", version, stage="production", by="test",
                                 force=True, reason="test")
                swapped = (await client.post("/v1/admin/reload", headers=as_admin)).json()
                assert swapped["reloaded"] is True
                assert old() is None and network() is None, f"the version before {version} " \
                    "is still alive"
                ok = await client.post("/v1/classify", json={"listings": LISTINGS})
                assert ok.status_code == 200
    finally:
        gc.unfreeze()
