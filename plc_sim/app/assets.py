"""Install the browser files Solara's server would fetch from a CDN, from the npm registry, at set-up time.

Solara's page loads its JavaScript app, require.js, Font Awesome and (for the
charts) Vega from a CDN
through the server's proxy cache (``<venv>/share/solara/cdn``). With no
network but the package registries, the page would stay blank. This fills that
cache from the npm registry with npm, the registry's ordinary client, once, at
set-up (``make test``/``make app`` run it; it does nothing when the files are
there). The versions are read from Solara's own page template, so they follow
a Solara upgrade.

    .venv/bin/python -m plc_sim.app.assets          # install what is missing
    .venv/bin/python -m plc_sim.app.assets --check  # exit 1 if something is missing
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import solara.server
from solara.server.settings import assets as solara_assets

from plc_sim.app.widgets import VEGA_PACKAGES

_TEMPLATE = Path(solara.server.__file__).parent / "templates" / "solara.html.j2"
_PACKAGE = re.compile(r"{{cdn}}/((?:@[\w.-]+/)?[\w.-]+@[\w.-]+)/")


AXE = "axe-core@4.14.1"
"""The accessibility checker the browser tests inject (from this cache, never from the network at test time)."""


def needed_packages() -> list[str]:
    """npm ``name@version`` of every package the page can load from the CDN: the page template's (both Vue 2
    and 3 apps), the charts' Vega packages, and the tests' accessibility checker."""
    packages = set(_PACKAGE.findall(_TEMPLATE.read_text()))
    packages.add(solara_assets.fontawesome_path.strip("/").split("/")[0])
    packages.update(VEGA_PACKAGES.values())
    packages.add(AXE)
    return sorted(packages)


def cache_dir() -> Path:
    """Where Solara's server looks for CDN files before fetching them."""
    return Path(solara_assets.proxy_cache_dir)


def missing(packages: list[str], folder: Path) -> list[str]:
    """The packages without an unpacked folder in ``folder``."""
    return [name for name in packages if not (folder / name / "package.json").exists()]


def install(packages: list[str], folder: Path) -> None:
    """Fetch each package with ``npm pack`` and unpack it to ``folder/name@version`` (all or nothing per package)."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("plc-sim: error: npm is needed once to install the app's browser files "
                         "(Debian: apt-get install npm)")
    for name in packages:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"fetching {name} from the npm registry", flush=True)
            subprocess.run([npm, "pack", "--silent", name], cwd=tmp, check=True, stdout=subprocess.DEVNULL)
            (tarball,) = Path(tmp).glob("*.tgz")
            with tarfile.open(tarball) as archive:
                archive.extractall(tmp, filter="data")
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            staging = target.with_name(target.name + ".partial")
            shutil.rmtree(staging, ignore_errors=True)
            shutil.move(Path(tmp) / "package", staging)
            shutil.rmtree(target, ignore_errors=True)
            staging.rename(target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m plc_sim.app.assets", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report; exit 1 if files are missing")
    args = parser.parse_args(argv)
    folder, packages = cache_dir(), needed_packages()
    todo = missing(packages, folder)
    if args.check or not todo:
        print(f"app browser files in {folder}: " + ("all present" if not todo else "missing " + ", ".join(todo)))
        return 1 if todo else 0
    install(todo, folder)
    print(f"installed {', '.join(todo)} in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
