"""Chapter 08's demo route: ``GET /ticks``, a slow text stream that stops when the client leaves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from .deps import CurrentClaims
from .errors import BEARER_ERRORS

__all__ = ["ticks_router"]

ticks_router = APIRouter()


@ticks_router.get("/ticks", response_class=StreamingResponse, responses=BEARER_ERRORS)
async def ticks(
    request: Request,
    claims: CurrentClaims,
    count: Annotated[int, Query(ge=1, le=1000)] = 10,
    interval: Annotated[float, Query(ge=0, le=1)] = 0.1,
) -> StreamingResponse:
    """Stream ``tick i`` lines; stop as soon as the client disconnects.

    Before each tick the generator asks ``request.is_disconnected()`` (a
    cooperative cancellation check); Starlette may also cancel it directly.
    ``app.state.ticks_sent`` counts ticks delivered, and
    ``app.state.last_stream_disconnected`` says how the last stream ended.
    """
    state = request.app.state

    async def lines() -> AsyncIterator[str]:
        state.last_stream_disconnected = False
        try:
            for i in range(count):
                if await request.is_disconnected():
                    state.last_stream_disconnected = True
                    return
                yield f"tick {i}\n"
                state.ticks_sent += 1
                if interval and i + 1 < count:
                    await asyncio.sleep(interval)
        except asyncio.CancelledError:
            state.last_stream_disconnected = True
            raise

    return StreamingResponse(lines(), media_type="text/plain")
