"""The client's review of a completed booking: stars from the request's buttons, then a
short comment (or none). Written once: the review request's buttons may be pressed again,
or forged, and core refuses what is not this client's to review."""

from __future__ import annotations

from pathlib import Path

from core.booking.queries import provider_of_booking
from core.booking.reviews import reviewable_booking, submit_review
from dialogs.client.menu import AFTER_ACTION
from dialogs.framework.context import Ctx, global_button
from dialogs.framework.flow import WRITES, Answer, Flow, Go, Invalid, Outcome, Step
from dialogs.framework.replies import Button, Reply

COMMENT_SHOWN_MAX = 500  # core.db.tables_reviews.COMMENT_MAX, said to the client


def stars(n: int) -> str:
    return "★" * n + "☆" * (5 - n)


def star_buttons(booking_id: int) -> tuple[tuple[Button, ...], ...]:
    """One to five stars (as the ticket rating shows them), valid on any screen: the
    request comes as news."""
    buttons = [global_button("★" * n, f"rv:{booking_id}:{n}") for n in range(1, 6)]
    return (tuple(buttons[:3]), tuple(buttons[3:]))


async def start_review(ctx: Ctx, arg: str) -> Outcome:
    """A star under the review request: checked, then the comment is asked."""
    booking_part, _, stars_part = arg.partition(":")
    if not booking_part.isdigit() or not stars_part.isdigit():
        return Invalid(ctx.t("Please choose from one to five stars."))
    booking = await reviewable_booking(ctx.uow, int(booking_part), ctx.user.id)
    if not 1 <= int(stars_part) <= 5:
        return Invalid(ctx.t("Please choose from one to five stars."))
    # Whatever the chat was doing is left; Back and Cancel lead home.
    ctx.state.flow, ctx.state.step, ctx.state.history = "menu", "main", []
    ctx.state.data = {"review_booking": booking.id, "review_stars": int(stars_part)}
    return Go("comment", "review")


async def comment_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    booking = await reviewable_booking(
        ctx.uow, int(ctx.state.data.get("review_booking") or 0), ctx.user.id
    )
    provider = await provider_of_booking(ctx.uow, booking)
    text = t(
        "{stars} for {provider} ({ref}). Add a short comment for other clients (at most {max} "
        "characters), or skip it.",
        stars=stars(int(ctx.state.data.get("review_stars") or 0)),
        provider=t.pick(provider.name) if provider else "—",
        ref=booking.reference,
        max=COMMENT_SHOWN_MAX,
    )
    skip = ctx.button(t("Skip the comment"), "skip")
    return ctx.reply(text, [(skip,), ctx.nav_row(back=False)])


async def comment_answer(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.code != "skip" and not answer.text:
        return Invalid(ctx.t("Please write a short comment, or skip it."))
    review = await submit_review(
        ctx.uow,
        booking_id=int(ctx.state.data.get("review_booking") or 0),
        client_id=ctx.user.id,
        stars=int(ctx.state.data.get("review_stars") or 0),
        comment=answer.text if answer.code != "skip" and answer.text else "",
        now=ctx.now,
    )
    thanks = ctx.reply(
        ctx.t("Thank you! Your review ({stars}) is published.", stars=stars(review.stars))
    )
    ctx.state.data, ctx.state.history = {AFTER_ACTION: True}, []  # no welcome after thanks
    return Go("main", "menu", before=(thanks,))


FLOW = Flow(
    "review",
    "comment",
    {"comment": Step(comment_prompt, comment_answer, WRITES)},
    diagram=Path(__file__).with_name("review.mmd"),
)
