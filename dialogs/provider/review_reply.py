"""The provider's one public reply to a review, from the "Reply" button under its news."""

from __future__ import annotations

from pathlib import Path

from core.booking.reviews import answerable_review, reply_to_review
from dialogs.client.review import stars
from dialogs.framework.context import Ctx
from dialogs.framework.flow import WRITES, Answer, Flow, Go, Invalid, Outcome, Step
from dialogs.framework.replies import Reply

REPLY_SHOWN_MAX = 500  # core.db.tables_reviews.REPLY_MAX, said to the provider


async def open_reply(ctx: Ctx, arg: str) -> Outcome:
    """Anyone can forge the button: the review must be about this provider, unanswered."""
    review = await answerable_review(ctx.uow, int(arg) if arg.isdigit() else 0, ctx.user.id)
    ctx.state.flow, ctx.state.step, ctx.state.history = "phome", "home", []
    ctx.state.data = {"review_id": review.id}
    return Go("text", "review_reply")


async def text_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    review = await answerable_review(
        ctx.uow, int(ctx.state.data.get("review_id") or 0), ctx.user.id
    )
    quoted = f"{stars(review.stars)} {review.comment}".strip()
    text = t(
        "Your reply is shown under this review on your page, and only one reply is possible. "
        "Write it in a few words (at most {max} characters):",
        max=REPLY_SHOWN_MAX,
    )
    return ctx.reply(f"{quoted}\n\n{text}", [ctx.nav_row(back=False)])


async def text_answer(ctx: Ctx, answer: Answer) -> Outcome:
    if not answer.text:
        return Invalid(ctx.t("Please write your reply."))
    await reply_to_review(
        ctx.uow, int(ctx.state.data.get("review_id") or 0), ctx.user.id, answer.text, now=ctx.now
    )
    done = ctx.reply(ctx.t("Your reply is published. The client has been told."))
    return Go("home", "phome", reset=True, before=(done,))


FLOW = Flow(
    "review_reply",
    "text",
    {"text": Step(text_prompt, text_answer, WRITES)},
    on_cancel=("phome", "home"),
    diagram=Path(__file__).with_name("review_reply.mmd"),
)
