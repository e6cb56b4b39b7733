"""Mark a booking delivered, with a photo or a link to the work as proof, or without."""

from __future__ import annotations

from core.booking.delivery_proof import Proof, mark_delivered, proof_from_url
from core.catalog.provider_photos import keep_proof_photo
from dialogs.framework.context import Ctx
from dialogs.framework.flow import (
    ATTACHMENT_UNAVAILABLE,
    WRITES,
    Answer,
    Flow,
    Invalid,
    Outcome,
    Step,
)
from dialogs.framework.replies import Reply
from dialogs.provider.choices import photo_refusal
from dialogs.provider.dashboard import DIAGRAM, back_to_booking, current_booking, provider_actor


async def proof_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    booking = await current_booking(ctx)
    text = t(
        "Mark {ref} as delivered. To show the client your work, send a photo, or a link to"
        " the gallery or video; or deliver without proof.",
        ref=booking.reference,
    )
    return ctx.reply(
        text, [(ctx.button("📦 " + t("Delivered, without proof"), "none"),), ctx.nav_row()]
    )


async def proof_answer(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.code == "none":
        proof = None
    elif answer.photo is not None:
        if ctx.deps.photos is None:
            return Invalid(photo_refusal(Answer(attachment=ATTACHMENT_UNAVAILABLE), ctx.t))
        url = await keep_proof_photo(ctx.uow, ctx.user.id, answer.photo, ctx.deps.photos)
        proof = Proof("photo", ctx.deps.public_url.rstrip("/") + url)  # shown in the chat
    elif answer.attachment:
        return Invalid(photo_refusal(answer, ctx.t))
    elif answer.text:
        proof = proof_from_url(answer.text)
    else:
        return Invalid(ctx.t("Please send a photo or a link, or choose an option."))
    booking = await current_booking(ctx)
    booking = await mark_delivered(
        ctx.uow, booking.id, provider_actor(ctx), now=ctx.now, proof=proof
    )
    text = ctx.t(
        "{ref} is marked as delivered. The client will be asked to confirm.", ref=booking.reference
    )
    return back_to_booking(ctx, (ctx.reply(text),))


FLOW = Flow(
    "pdeliver",
    "proof",
    {"proof": Step(proof_prompt, proof_answer, WRITES)},
    on_cancel=("pdash", "list"),  # Cancel forgets the chat's data, the booking's id too
    diagram=DIAGRAM,
)
