"""The provider's earnings (/earnings): this month, last month, what is still to come."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from core.payments.provider_earnings import MonthEarnings, provider_earnings
from core.rows import Provider
from dialogs.framework.context import Ctx
from dialogs.i18n.translator import Translator


def month_lines(title: str, month: MonthEarnings, currency: str, t: Translator) -> list[str]:
    totals = month.totals

    def money(amount: int) -> str:
        return t.money(amount, currency)

    return [
        title,
        "• " + t("Received from clients") + ": " + money(totals.paid),
        "  " + t("of which deposits") + ": " + money(month.deposits),
        "• " + t("Refunded") + ": " + money(totals.refunded),
        "• " + t("Mounasabet's commission") + ": " + money(totals.commission),
        "• " + t("Your share") + ": " + money(totals.provider_share),
    ]


async def earnings_text(ctx: Ctx, provider: Provider) -> str:
    t = ctx.t
    # With payments off no money moves, so there is nothing to take a commission on.
    commission_bp = ctx.deps.payments.commission_bp if ctx.deps.payments else 0
    earned = await provider_earnings(
        ctx.uow,
        provider.id,
        today=ctx.today,
        tz=ZoneInfo(provider.timezone),
        commission_bp=commission_bp,
    )
    this_month = t.date(earned.this_month.month, "MMMM y")
    last_month = t.date(earned.last_month.month, "MMMM y")
    lines = [
        t("Your earnings"),
        "",
        *month_lines(
            t("This month ({month})", month=this_month), earned.this_month, earned.currency, t
        ),
        "",
        *month_lines(
            t("Last month ({month})", month=last_month), earned.last_month, earned.currency, t
        ),
        "",
        t("Balance still due from clients on your bookings")
        + ": "
        + t.money(earned.balance_due, earned.currency),
        t("Owed to you, not transferred yet")
        + ": "
        + t.money(earned.payouts_owed, earned.currency),
    ]
    return "\n".join(lines)
