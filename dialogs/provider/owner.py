"""The provider a chat runs, for the provider's own editors."""

from __future__ import annotations

from core.errors import NotFound
from core.people.provider_accounts import provider_of_user
from core.rows import Provider
from dialogs.framework.context import Ctx


async def own_provider(ctx: Ctx) -> Provider:
    """The chat's provider. The editors are entered only by one (``open_services``,
    ``open_availability``); an account unlinked meanwhile is told so, and sent home."""
    found = await provider_of_user(ctx.uow, ctx.user.id)
    if found is None:
        raise NotFound("provider_not_available")
    return found
