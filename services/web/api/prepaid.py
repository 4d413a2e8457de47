"""Prepaid meters: balance and days left, sending a token, the token history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from ...core.messages import TokenSet, new_id
from ...domain.tokens import TokenRefused, masked, normalise_token
from ..models import DailyUse, Prepaid, TokenAccepted, TokenAttempt, TokenRequest, TokenStep
from ..state import WebState, web_state

router = APIRouter(prefix="/api", tags=["prepaid"])
State = Annotated[WebState, Depends(web_state)]
SOURCE = "web"
DAYS_SHOWN = 14


def _balance_quantity(web: WebState, device_id: str) -> str:
    quantity = web.balance_quantity(device_id)
    if quantity is None:
        raise HTTPException(404, f"{device_id} is not a prepaid meter")
    return quantity


@router.get("/devices/{device_id}/prepaid")
def prepaid(device_id: str, web: State) -> Prepaid:
    """Balance, the days-left forecast with its uncertainty, use per day."""
    quantity = _balance_quantity(web, device_id)
    latest = web.queries.latest(device_id)
    value = (latest or {}).get("values", {}).get(quantity)
    token_state = web.hub.device(device_id).token_state
    return Prepaid(
        device=device_id,
        quantity=quantity,
        balance_kwh=value["value"] if value else None,
        ts=value["ts"] if value else None,
        forecast=web.queries.days_left(device_id, quantity),
        daily=[
            DailyUse.model_validate(d)
            for d in web.queries.daily_use(device_id, quantity, DAYS_SHOWN)
        ],
        accepts_tokens=device_id in web.keypads,
        token_state=TokenStep.model_validate(token_state) if token_state else None,
    )


@router.post(
    "/devices/{device_id}/token",
    status_code=202,
    responses={400: {"description": "Not a token; the detail says why."}},
)
async def send_token(device_id: str, body: TokenRequest, web: State) -> TokenAccepted:
    """Have the keypad type a bought token; follow ``token_state`` events with the
    returned request id until ``verified`` or ``failed``."""
    _balance_quantity(web, device_id)
    if device_id not in web.keypads:
        raise HTTPException(404, f"{device_id} has no keypad to type tokens")
    try:
        token = normalise_token(body.token)
    except TokenRefused as error:
        raise HTTPException(400, str(error)) from None
    bus = web.bus_or_503()
    request = TokenSet(token=token, request_id=new_id(), source=SOURCE)
    await bus.publish(bus.topics.device("token_set", device_id), request.to_payload())
    return TokenAccepted(device=device_id, request_id=request.request_id, token=masked(token))


@router.get("/devices/{device_id}/tokens")
def tokens(
    device_id: str,
    web: State,
    limit: Annotated[int, Query(ge=1, le=500, description="How many.")] = 20,
) -> list[TokenAttempt]:
    """Every token sent to this meter, from any source, newest first (tokens masked)."""
    _balance_quantity(web, device_id)
    return [TokenAttempt.model_validate(r) for r in web.tokens.recent(device_id, limit)]
