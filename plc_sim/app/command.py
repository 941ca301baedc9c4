"""``plc-sim app``: serve the workshop app on this machine with Solara's server."""

from __future__ import annotations

import os
import sys

from plc_sim.core.options import bounded_int

DEFAULT_PORT = 8765


def register(subparsers) -> None:
    """Add the ``app`` command."""
    app = subparsers.add_parser("app", help="serve the interactive workshop app in the browser (127.0.0.1)")
    app.add_argument("--port", type=bounded_int("--port", 1024, 65535), default=DEFAULT_PORT,
                     help=f"port to serve on (default {DEFAULT_PORT}); open http://127.0.0.1:PORT")
    app.set_defaults(func=cmd_app)


def server_command(port: int) -> list[str]:
    """The command that serves the app: Solara's server in production mode, on 127.0.0.1 only."""
    return [sys.executable, "-m", "solara", "run", "plc_sim.app.page:page", "--host", "127.0.0.1", "--port", str(port),
            "--production", "--no-open"]


def cmd_app(args) -> None:
    print(f"plc-sim app: open http://127.0.0.1:{args.port} in a browser (Ctrl+C stops the server)", flush=True)
    command = server_command(args.port)
    # Become the server (exec), so Ctrl+C, a supervisor's SIGTERM and the exit status all reach Solara
    # directly and no orphaned server is left behind.
    os.execv(command[0], command)
