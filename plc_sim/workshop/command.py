"""``plc-sim workshop``: serve a participatory session, on this machine or (with ``--host``) to a room.

The command starts the server in a child process and, once the server answers, prints the facilitator's address
(with a key that opens the controls) and the join address and code for participants; with ``--host`` it says
who can connect. Ending the command (Ctrl+C, or a terminate signal) ends the server. The session is saved
after every school year to ``results/workshops/<date>-<code>/``.
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from plc_sim.core.errors import InputError
from plc_sim.core.limits import MAX_SEED
from plc_sim.workshop import ENVIRONMENT
from plc_sim.workshop.session import new_code
from simulation.parameters import Param
from simulation.presets import PRESETS, preset_params

STARTUP_SECONDS = 300
"""Longest wait for the server to answer before the command gives up (loading and compiling take most of it)."""

DEFAULT_PORT = 8766
DEFAULT_HOST = "127.0.0.1"
MAX_SCHOOLS = 60
OPTIONS = {p.name: p for p in (
    Param("--port", int, DEFAULT_PORT, "port to serve on", "workshop", low=1024, high=65535),
    Param("--schools", int, 8, "schools in the shared network", "workshop", low=1, high=MAX_SCHOOLS),
    Param("--seed", int, 0, "random seed", "workshop", low=0, high=MAX_SEED),
)}
"""The bounded numeric options, checked before anything starts (one line naming the option, exit 2)."""


def register(subparsers) -> None:
    """Add the ``workshop`` command."""
    cmd = subparsers.add_parser("workshop", help="run a participatory session: each participant leads a school "
                                "from their own browser (127.0.0.1 unless --host)")
    cmd.add_argument("--host", default=DEFAULT_HOST,
                     help="address to serve on (default 127.0.0.1: this computer only; 0.0.0.0: the room's network)")
    cmd.add_argument("--port", default=str(DEFAULT_PORT), help=f"port (default {DEFAULT_PORT})")
    cmd.add_argument("--schools", default="8",
                     help="schools in the shared network (default 8); more participants than schools share one")
    cmd.add_argument("--preset", default="baseline", help=f"one of: {', '.join(PRESETS)}")
    cmd.add_argument("--seed", default=None, help="random seed (default: drawn and saved with the session)")
    cmd.set_defaults(func=cmd_workshop)


def checked_options(args) -> dict:
    """The options as validated values; raise InputError or ParameterError naming the first bad one."""
    try:
        host = str(ipaddress.ip_address(args.host.strip()))
    except ValueError:
        raise InputError(f"--host: {args.host!r} is not allowed; expected an IP address such as 127.0.0.1 (this "
                         "computer) or 0.0.0.0 (every network)") from None
    values = {"host": host, "preset": args.preset}
    for name, declared in OPTIONS.items():
        text = getattr(args, name.lstrip("-"))
        values[name.lstrip("-")] = None if text is None else declared.coerce(text)
    preset_params(args.preset, {"n_schools": values["schools"]})  # a bad preset fails here, before the server
    return values


def reachable_address(host: str) -> str:
    """The address others use to reach ``host``: the machine's own network address for 0.0.0.0 or ::."""
    if not ipaddress.ip_address(host).is_unspecified:
        return host
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))  # picks the outgoing interface; sends nothing
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def who_can_connect(host: str, port: int) -> str:
    """One sentence for the terminal and the facilitator's page."""
    if ipaddress.ip_address(host).is_loopback:
        return (f"Only this computer can open these pages ({host}); to let the room join from phones and "
                "laptops, start again with --host 0.0.0.0.")
    return (f"Anyone who can reach this computer on port {port} (for example on this Wi-Fi) can open the join "
            "page; only the facilitator's address from the terminal opens the controls.")


def session_config(options: dict) -> dict:
    """What the server process needs to build the session (see :mod:`plc_sim.workshop.app`)."""
    address = reachable_address(options["host"])
    url_host = f"[{address}]" if ":" in address else address
    seed = options["seed"] if options["seed"] is not None else secrets.randbelow(2**31)
    return {"preset": options["preset"], "schools": options["schools"], "seed": seed,
            "code": new_code(), "key": secrets.token_urlsafe(12), "join_url": f"http://{url_host}:{options['port']}/",
            "who": who_can_connect(options["host"], options["port"])}


def server_command(host: str, port: int) -> list[str]:
    return [sys.executable, "-m", "solara", "run", "plc_sim.workshop.app:Page", "--host", host, "--port", str(port),
            "--production", "--no-open"]


UNBRANDED = {"SOLARA_THEME_SHOW_BANNER": "false", "SOLARA_THEME_LOADER": "plain"}
"""Solara's settings for no framework banner or branding on a server's pages, also while a page loads (Solara's
own loader says "Made with Solara" until the app is mounted)."""


def server_environment(config: dict) -> dict:
    """The server's environment: the session's settings (JSON in :data:`ENVIRONMENT`), the room's own title and no
    framework branding on its screens."""
    return {**os.environ, ENVIRONMENT: json.dumps(config), **UNBRANDED, "SOLARA_THEME_TITLE": "plc-sim workshop"}


def probe_url(host: str, port: int) -> str:
    """Where this machine itself reaches the server (the loopback for 0.0.0.0 or ::)."""
    address = ipaddress.ip_address(host)
    if address.is_unspecified:
        address = ipaddress.ip_address("::1" if address.version == 6 else "127.0.0.1")
    return f"http://[{address}]:{port}/" if address.version == 6 else f"http://{address}:{port}/"


def wait_until_serving(server: subprocess.Popen, url: str, seconds: float = STARTUP_SECONDS) -> bool:
    """Whether the server answers ``url`` within ``seconds`` (False: it exited or never answered)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return True
        except (OSError, ValueError):
            time.sleep(0.2)
    return False


def cmd_workshop(args) -> None:
    options = checked_options(args)
    config = session_config(options)
    command = server_command(options["host"], options["port"])
    print(f"plc-sim workshop: {options['schools']} schools ({options['preset']}), seed {config['seed']}; starting "
          "the server...", flush=True)
    server = subprocess.Popen(command, env=server_environment(config))
    signal.signal(signal.SIGTERM, lambda *_: server.terminate())  # a terminated command leaves no server behind
    try:
        if not wait_until_serving(server, probe_url(options["host"], options["port"])):
            server.terminate()
            raise SystemExit(server.wait() or 1)
        # The addresses only now: a participant who types them before the server answers gets an error page.
        print(f"  participants: open {config['join_url']} and type the code {config['code']}\n"
              f"  facilitator:  open {config['join_url']}?key={config['key']} (keep this address to yourself)\n"
              f"  {config['who']}\n  Ctrl+C ends the session; it is saved after every year in results/workshops/",
              flush=True)
        raise SystemExit(server.wait())
    except KeyboardInterrupt:  # Ctrl+C reaches the server too (same terminal): let it finish its save
        raise SystemExit(server.wait()) from None
