"""The provider's services: list them, open one to change a field, pause, resume or
delete it, and write a new one question by question (dialogs/provider/services.mmd)."""

from __future__ import annotations

from pathlib import Path

from core.catalog.availability_editor import opening_windows
from core.catalog.service_editor import (
    active_booking_count,
    delete_service,
    owned_service,
    provider_services,
    save_service,
    set_service_active,
    spec_of,
)
from core.errors import NotFound
from core.people.provider_accounts import provider_of_user
from dialogs.framework.context import Ctx
from dialogs.framework.flow import WRITES, Answer, Flow, Go, Invalid, Outcome, Step
from dialogs.framework.replies import Button, Reply
from dialogs.provider.owner import own_provider
from dialogs.provider.service_draft import FIELDS, draft_of, spec_from
from dialogs.provider.service_fields import OWN_CATEGORIES, field_steps
from dialogs.provider.service_text import FIELD_LABELS, price_text, service_card

DIAGRAM = Path(__file__).with_name("services.mmd")


async def list_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    services = await provider_services(ctx.uow, (await own_provider(ctx)).id)
    rows: list[tuple[Button, ...]] = []
    for s in services:
        label = f"{t.pick(s.title)} · {price_text(s.pricing_model, s.price_minor, t)}"
        rows.append((ctx.button(label if s.active else "⏸ " + label, f"s:{s.id}"),))
    text = (
        t("Your services. Open one to change it, or add a new one.")
        if services
        else t("You have no service yet. Add your first one: clients book services, not providers.")
    )
    rows.append((ctx.button("➕ " + t("New service"), "new"),))
    rows.append((ctx.button("« " + t("Menu"), "home"),))
    return ctx.reply(text, rows)


async def list_answer(ctx: Ctx, answer: Answer) -> Outcome:
    code = answer.code or ""
    if code == "new":
        services = await provider_services(ctx.uow, (await own_provider(ctx)).id)
        # Its categories first at "which category?": a caterer's second menu is catering.
        own = list(dict.fromkeys(s.category for s in services))
        ctx.state.data = {"draft": {}, OWN_CATEGORIES: own}
        return Go("category")
    if code == "home":
        return Go("home", "phome", reset=True)
    if code.startswith("s:") and code[2:].isdigit():
        service = await owned_service(ctx.uow, (await own_provider(ctx)).id, int(code[2:]))
        ctx.state.data = {"sid": service.id, "draft": draft_of(spec_of(service))}
        return Go("svc")
    return Invalid(ctx.t("Please choose a service from the list."))


async def summary_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    spec = spec_from(ctx.state.data.get("draft", {}))
    if spec is None:
        raise NotFound("service_not_found")
    sid = ctx.state.data.get("sid")
    active = None
    if sid:
        active = (await owned_service(ctx.uow, (await own_provider(ctx)).id, int(sid))).active
    edits = [ctx.button("✏ " + t(FIELD_LABELS[name]), f"ed:{name}") for name in FIELDS]
    rows: list[tuple[Button, ...]] = [tuple(edits[i : i + 2]) for i in range(0, len(edits), 2)]
    if active is None:
        rows.append((ctx.button("✅ " + t("Save and offer it"), "save"),))
    else:
        pause = ("⏸ " + t("Pause"), "pause") if active else ("▶ " + t("Offer it again"), "resume")
        rows.append((ctx.button(*pause), ctx.button("🗑 " + t("Delete"), "del")))
    rows.append((ctx.button("« " + t("My services"), "list"),))
    hint = t("Choose a field to change it.")
    return ctx.reply(service_card(spec, t, active=active) + "\n\n" + hint, rows)


async def summary_answer(ctx: Ctx, answer: Answer) -> Outcome:
    t, code = ctx.t, answer.code or ""
    if code.startswith("ed:") and code[3:] in FIELDS:
        return Go(code[3:])
    if code == "list":
        return Go("list", reset=True)
    spec = spec_from(ctx.state.data.get("draft", {}))
    owner = await own_provider(ctx)
    sid = ctx.state.data.get("sid")
    if code == "save" and spec is not None and not sid:
        service = await save_service(ctx.uow, owner.id, spec)
        ctx.state.data["sid"] = service.id
        if not await opening_windows(ctx.uow, owner.id):
            # Closed every day, nothing can be booked: the hours come next, not a card
            # that says the service is bookable.
            hours = t(
                "Your service is saved. Clients can book it once you have opening hours: "
                "choose your days below."
            )
            return Go("week", "pavail", before=(ctx.reply(hours),), reset=True)
        done = t("Your service is saved and on offer: clients can find and book it.")
        return Go("svc", before=(ctx.reply(done),))
    if code in ("pause", "resume") and sid:
        await set_service_active(ctx.uow, owner.id, int(sid), active=code == "resume")
        said = (
            t("Paused: clients no longer see this service.")
            if code == "pause"
            else t("This service is on offer again.")
        )
        return Go("svc", before=(ctx.reply(said),))
    if code == "del" and sid:
        under_way = await active_booking_count(ctx.uow, int(sid))
        if under_way:
            return Invalid(
                t.plural(
                    "This service has {n} booking under way, so it can't be deleted. You can"
                    " pause it instead: clients no longer see it, and your booking stays as it is.",
                    "This service has {n} bookings under way, so it can't be deleted. You can"
                    " pause it instead: clients no longer see it, and your bookings stay as they"
                    " are.",
                    under_way,
                )
            )
        return Go("delete")
    return Invalid(t("Please choose an option."))


async def delete_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    spec = spec_from(ctx.state.data.get("draft", {}))
    title = t.pick(spec.title) if spec else ""
    text = t(
        "Delete «{title}»? Clients will no longer see it; your past bookings keep their"
        " records. This can't be undone.",
        title=title,
    )
    rows: list[tuple[Button, ...]] = [
        (ctx.button("🗑 " + t("Yes, delete it"), "yes"),),
        (ctx.button(t("Keep it"), "no"),),
    ]
    return ctx.reply(text, rows)


async def delete_answer(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.code == "yes":
        sid = int(ctx.state.data.get("sid") or 0)
        await delete_service(ctx.uow, (await own_provider(ctx)).id, sid, now=ctx.now)
        return Go("list", reset=True, before=(ctx.reply(ctx.t("The service is deleted.")),))
    if answer.code == "no":
        return Go("svc")
    return Invalid(ctx.t("Please choose an option."))


async def open_services(ctx: Ctx, _: str) -> Outcome:
    """/services and the home menu's button: only a connected provider gets there."""
    if await provider_of_user(ctx.uow, ctx.user.id) is None:
        return Go("home", "phome", reset=True)
    return Go("list", "psvc", reset=True)


SERVICES_FLOW = Flow(
    "psvc",
    "list",
    {
        "list": Step(list_prompt, list_answer, WRITES),
        "svc": Step(summary_prompt, summary_answer, WRITES),
        "delete": Step(delete_prompt, delete_answer, WRITES),
        **field_steps(),
    },
    on_cancel=("psvc", "list"),
    diagram=DIAGRAM,
)
