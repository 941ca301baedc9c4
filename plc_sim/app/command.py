"""``plc-sim app``: serve the workshop app with Solara's server, on this machine or to a room.

The server runs as a child process that this command watches: Ctrl+C or a
supervisor's SIGTERM stops it within a few seconds whatever it is doing (a
server that does not stop in :data:`STOP_GRACE` seconds is killed), and it dies
with this command. A tab's session ends ``--disconnect-timeout`` seconds
(:data:`DISCONNECT_TIMEOUT` by default) after its browser went away (Solara's
default keeps it a day).
"""

from __future__ import annotations

import ipaddress
import os
import signal
import socket
import subprocess
import sys

from plc_sim.core.options import bounded_int
from plc_sim.core.processes import kill_group, own_group
from plc_sim.workshop.command import UNBRANDED, probe_url, wait_until_serving

APP_TITLE = "PLC-sim: learning communities in schools"
"""The browser tab's title, from the first byte the server sends (the framework's own title never shows)."""

DEFAULT_PORT = 8765
DEFAULT_HOST = "127.0.0.1"
DISCONNECT_TIMEOUT = 15
"""Seconds a tab's simulation outlives a lost connection (a reload reconnects well within it)."""
LONGEST_DISCONNECT = 86_400
"""The longest ``--disconnect-timeout``: Solara's own default, a day."""
STOP_GRACE = 1.5
"""Seconds the server gets to stop on SIGINT/SIGTERM before it is killed."""


def register(subparsers) -> None:
    """Add the ``app`` command."""
    app = subparsers.add_parser("app", help="serve the interactive workshop app in the browser (127.0.0.1)")
    app.add_argument("--port", type=bounded_int("--port", 1024, 65535), default=DEFAULT_PORT,
                     help=f"port to serve on (default {DEFAULT_PORT})")
    app.add_argument("--host", type=host_address, default=DEFAULT_HOST,
                     help="address to listen on: 127.0.0.1 (default, this machine only) or 0.0.0.0 (every "
                          "network this machine is on: anyone there can connect)")
    app.add_argument("--disconnect-timeout", type=bounded_int("--disconnect-timeout", 1, LONGEST_DISCONNECT),
                     default=DISCONNECT_TIMEOUT, metavar="SECONDS",
                     help=f"seconds a tab's simulation runs on after its browser went away without closing the tab "
                          f"(default {DISCONNECT_TIMEOUT}; a reload within it keeps the tab's run)")
    app.set_defaults(func=cmd_app)


def host_address(text: str) -> str:
    """An argparse type: an IPv4 or IPv6 address to listen on, or localhost."""
    import argparse

    if text == "localhost":
        return DEFAULT_HOST
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--host: {text!r} is not allowed; expected an IP address such as "
                                         f"127.0.0.1 or 0.0.0.0") from None


def server_command(port: int, host: str = DEFAULT_HOST) -> list[str]:
    """The command that serves the app: Solara's server in production mode."""
    return [sys.executable, "-m", "solara", "run", "plc_sim.app.page:page", "--host", host, "--port", str(port),
            "--production", "--no-open"]


def server_environment(disconnect: int = DISCONNECT_TIMEOUT) -> dict[str, str]:
    """The server's environment: sessions end ``disconnect`` seconds after their browser goes away; the app's own
    title and no framework banner or branding, also while the page loads;
    Python's objects in the C allocator, in few arenas, so the memory closed tabs freed can go back to the system
    (glibc's ``malloc_trim`` returns free pages anywhere in its heaps, while Python's own small-object arenas stay
    as long as one object in them lives)."""
    return {"MALLOC_ARENA_MAX": "2", "PYTHONMALLOC": "malloc", **os.environ,
            "SOLARA_KERNEL_CULL_TIMEOUT": f"{disconnect}s", **UNBRANDED, "SOLARA_THEME_TITLE": APP_TITLE}


def addresses(host: str, port: int) -> list[str]:
    """The URLs to open: 127.0.0.1, or every address of this machine when listening on all of them."""
    if not ipaddress.ip_address(host).is_unspecified:
        return [f"http://{host}:{port}"]
    found = {DEFAULT_HOST}
    try:
        found.update(info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET))
    except OSError:
        pass
    return [f"http://{address}:{port}" for address in sorted(found)]


def announce(host: str, port: int) -> str:
    """What the command prints once the server answers."""
    urls = addresses(host, port)
    lines = [f"plc-sim app: open {urls[0]} in a browser (Ctrl+C stops the server)"]
    if len(urls) > 1 or not ipaddress.ip_address(host).is_loopback:
        lines = ["plc-sim app: serving on every network of this machine; open one of:", *(f"  {u}" for u in urls),
                 "WARNING: anyone who can reach this machine on the network can open the app and use this "
                 "server. Serve a room only on a network you trust; Ctrl+C stops the server."]
    return "\n".join(lines)


class _Stopped(Exception):
    """Raised by the signal handler, so the wait for the server unwinds before the server is stopped."""


def _raise_stopped(signum, _frame) -> None:
    raise _Stopped(signum)


def cmd_app(args) -> None:
    print("plc-sim app: starting the server...", flush=True)
    server = subprocess.Popen(server_command(args.port, args.host),
                              env=server_environment(args.disconnect_timeout),
                              **own_group())
    signal.signal(signal.SIGTERM, _raise_stopped)
    signal.signal(signal.SIGINT, _raise_stopped)
    try:
        # The addresses only once the server answers: a room that opens them earlier gets an error page.
        if wait_until_serving(server, probe_url(args.host, args.port)):
            print(announce(args.host, args.port), flush=True)
        sys.exit(server.wait())
    except _Stopped as stopped:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _stop(server)
        sys.stdout.flush()
        os._exit(128 + stopped.args[0])  # nothing of ours left to tidy: leave at once


def _stop(server: subprocess.Popen) -> None:
    """Ask the server to stop; kill it (and anything it started) if it has not within STOP_GRACE seconds."""
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=STOP_GRACE)
    except subprocess.TimeoutExpired:
        kill_group(server)
        server.wait()
