"""The workshop's pages as Solara serves them: one shared session per server, a page per browser.

``plc-sim workshop`` starts ``solara run plc_sim.workshop.app:Page`` with the session's settings in the
environment variable :data:`ENVIRONMENT` (JSON). Solara runs this module once per server, so the
:class:`Workshop` built here is the one every browser shares (participants, the facilitator, a reloaded page).
The session is saved after every school year, in a background thread a few seconds later, so that the pages
update first; the server's full garbage collections run then too (:func:`collect_when_idle`), not in the middle of
an advance's page updates, and the model's compiled code is loaded before the first advance (:func:`warm_up`). The
address with the facilitator's key (printed in the terminal only) opens the controls; any
other address opens the participant's page.
"""

from __future__ import annotations

import gc
import hmac
import json
import os
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs

import solara
from solara.server import kernel_context

from plc_sim.workshop import ENVIRONMENT, record
from plc_sim.workshop.facilitator import FacilitatorPage, Room
from plc_sim.workshop.participant import ParticipantPage, SchoolViews
from plc_sim.workshop.session import Workshop, build_model
from plc_sim.workshop.viewport import Viewport
from simulation.parameters import TICKS_PER_YEAR, Params
from simulation.presets import preset_params

SAVE_DELAY = 3.0
"""Seconds between an advance and its save, so that the save does not compete with the pages' updates."""


def collect_when_idle() -> None:
    """Leave full garbage collections to :func:`from_environment`'s save, a few seconds after each advance.

    Forty open pages make a large heap; an automatic full collection landing during an advance's page updates
    scanned all of it (0.2-0.3 s of CPU at the first advance of a 40-page room, measured in one process).
    Young objects are still collected automatically.
    """
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, 1_000_000)


def warm_up(params: Params) -> None:
    """Run a throwaway model of the session's network through its first school year and one month more.

    The model's compiled kernels load from numba's cache when first called, and a session's model first steps
    at the first advance: without this that advance paid for the loading while every page waited (10 schools'
    year took 50-70 ms instead of 10 ms on a quiet core, several times more on a busy one). The throwaway has its
    own generator and shares nothing with the session, whose run stays as its seed and decisions make it.
    """
    model, _ = build_model(params, seed=0)
    for _ in range(TICKS_PER_YEAR + 1):
        model.step()


def from_environment() -> tuple[Workshop, Room]:
    """The session and room described by :data:`ENVIRONMENT` (defaults: 8 baseline schools on this machine)."""
    config = json.loads(os.environ.get(ENVIRONMENT) or "{}")
    params = preset_params(config.get("preset", "baseline"), {"n_schools": config.get("schools", 8)})
    warm_up(params)
    workshop = Workshop(params, seed=config.get("seed", secrets.randbelow(2**31)), code=config.get("code"),
                        preset=config.get("preset", "baseline"))
    workshop.facilitator_key = config.get("key", workshop.facilitator_key)
    room = Room(join_url=config.get("join_url", "http://127.0.0.1:8766/"),
                who=config.get("who", "Only this computer can open these pages."),
                results=Path(config.get("results", str(record.WORKSHOPS))))
    saver = ThreadPoolExecutor(max_workers=1, thread_name_prefix="workshop-save")  # one save at a time, in order

    def save_later(session: Workshop) -> None:
        time.sleep(SAVE_DELAY)
        record.save_or_refusal(session, room.results)  # a refusal is one line on the terminal
        gc.collect()  # the full collection the server holds back during advances (collect_when_idle)

    workshop.on_advance = lambda session: saver.submit(save_later, session)
    return workshop, room


def client_address() -> str:
    """The network address of the browser whose page is being drawn, as the server's socket sees it.

    The session's door counts wrong codes and places by this address (:mod:`plc_sim.workshop.gate`). Solara
    does not hand it to pages, so it is read from the page's open websockets; a page whose sockets cannot be
    read counts as "unknown", which shares one allowance, rather than going uncounted. Headers such as
    X-Forwarded-For are ignored: a browser can write them.
    """
    try:
        sockets = kernel_context.get_current_context().kernel.session.websockets
        hosts = sorted({wrapper.ws.client.host for wrapper in list(sockets) if wrapper.ws.client is not None})
    except (RuntimeError, AttributeError):
        return "unknown"
    return hosts[0] if hosts else "unknown"


collect_when_idle()
WORKSHOP, ROOM = from_environment()
VIEWS = SchoolViews(WORKSHOP)


@solara.component
def Page():
    search = solara.use_router().search or ""
    key = parse_qs(search).get("key", [""])[0]
    Viewport.element()
    if hmac.compare_digest(key.encode(), WORKSHOP.facilitator_key.encode()):
        FacilitatorPage(WORKSHOP, ROOM)
    else:
        ParticipantPage(WORKSHOP, VIEWS, solara.use_memo(client_address, []))
