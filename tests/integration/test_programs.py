"""Each program builds what it runs, no more: the worker sends and answers nothing, `serve`
shares one chat memory and one catalog cache between its two engines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from bots.programs.serve import build_app
from bots.programs.worker import build_worker
from core.bootstrap import build_core
from core.conversations.store import ConversationStore
from core.settings import Settings
from dialogs.framework.reads import CachedReads


def settings(tmp_path: Path, **options: Any) -> Settings:
    return Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'programs.db'}",
        twilio_media_dir=str(tmp_path / "media"),
        **options,
    )


async def test_the_worker_builds_senders_and_no_dialog_engine(tmp_path: Path) -> None:
    core = build_core(
        settings(
            tmp_path,
            telegram_client_token=SecretStr("111:client"),
            telegram_provider_token=SecretStr("222:provider"),
            twilio_account_sid="AC" + "0" * 32,
            twilio_auth_token=SecretStr("token"),
            twilio_whatsapp_from="whatsapp:+212600000000",
            rasa_url="http://127.0.0.1:9",
        )
    )
    outbound = build_worker(core)
    try:
        assert set(outbound.router.senders) == {"telegram_client", "telegram_provider", "whatsapp"}
        assert (
            outbound.router.email is None and outbound.router.gateway is outbound.pay.gateway_tasks
        )
        # Dialog engines hook their chat memory and catalog cache here: none was built.
        assert core.uows.after_commit == []
    finally:
        await outbound.close()
        await core.close()


async def test_serve_shares_one_conversation_store_and_one_cache_between_its_engines(
    tmp_path: Path,
) -> None:
    core = build_core(settings(tmp_path, sandbox_enabled=True))
    runner = web.AppRunner(build_app(core, worker=False))
    await runner.setup()
    try:
        owners = [type(getattr(hook, "__self__", None)) for hook in core.uows.after_commit]
        assert len(owners) == 2 and set(owners) == {ConversationStore, CachedReads}
    finally:
        await runner.cleanup()  # closes what build_app built, the core's engine included
