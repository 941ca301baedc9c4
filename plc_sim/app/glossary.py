"""The words the page cannot do without, each explained where it appears: a popover on the word itself.

A term is a native disclosure (``<details>``): it opens on a click, a tap or the keyboard with no script, and
its explanation lies over the page like a popover (see the page's CSS). :func:`with_terms` escapes a text
and turns the first use of each glossary term in it into such a popover.
"""

from __future__ import annotations

import html
import re

from simulation.parameters import PARAMS_BY_NAME


def _points(name: str) -> str:
    return f"{100 * PARAMS_BY_NAME[name].default:g} points"


def _level() -> str:
    return f"{100 * PARAMS_BY_NAME['formation_level'].default:g}%"


GLOSSARY: dict[str, str] = {
    "healthy": (f"A community is healthy until it decays: once formed, it decays when its yearly mean PLC health "
                f"stays more than {_points('decay_drop')} below its own usual level for "
                f"{PARAMS_BY_NAME['decay_span'].default} years in a row. A school whose community never formed "
                f"(never reached {_level()}) has not decayed either."),
    "decayed": (f"The community's yearly mean PLC health stayed more than {_points('decay_drop')} below its own "
                f"usual level for {PARAMS_BY_NAME['decay_span'].default} years in a row. It recovers when it "
                f"comes back within {_points('recovery_drop')} of that level for as long."),
    "PLC health": ("The mean of Hord's five dimensions of a professional learning community (shared "
                   "leadership, shared values and vision, collective learning, shared personal practice, "
                   "supportive conditions), each from 0% (absent) to 100% (fully present), as in the PLCA-R "
                   "survey."),
    "forms": (f"A community forms the first year its mean PLC health reaches {_level()}. From then on its usual "
              "level follows its yearly means while it stays healthy."),
    "teachers who stayed": ("Of the teachers in the schools at the start of the last school year, the share "
                            "still there at its end."),
    "points": "Percentage points: the difference between two percentages (60% and 55% differ by 5 points).",
    "bonding social capital": ("The trust and close ties inside one staff. It holds a community together; very "
                               "tight, it can also close the staff to ideas from outside."),
    "boundary spanners": ("The people who carry a school's ties to other schools: its principal and its "
                          "teacher leaders."),
    "same random numbers": ("Both runs draw the same chances (who leaves, who talks to whom, which principal "
                            "comes next), so a difference between them is caused by the one change, not by luck."),
}
"""Each term the page uses, in plain words (numbers from the parameter declaration's defaults)."""


def term(word: str, text: str | None = None) -> str:
    """``word`` (or ``text``, shown instead) as a popover explaining glossary term ``word``."""
    shown = html.escape(text or word)
    return (f"<details class='plc-term'><summary>{shown}</summary>"
            f"<span class='plc-term-body' role='note'>{html.escape(GLOSSARY[word])}</span></details>")


def with_terms(text: str) -> str:
    """``text`` as HTML with the first use of each glossary term a popover."""
    out, done = html.escape(text), set()
    for word in sorted(GLOSSARY, key=len, reverse=True):
        pattern = re.compile(rf"\b{re.escape(html.escape(word))}\b")
        found = pattern.search(out)
        if found and word not in done and not _inside_tag(out, found.start()):
            done.add(word)
            out = out[:found.start()] + term(word, html.unescape(found[0])) + out[found.end():]
    return out


def _inside_tag(markup: str, at: int) -> bool:
    """Whether position ``at`` lies inside a popover already made (a shorter term inside a longer one)."""
    return markup.rfind("<details", 0, at) > markup.rfind("</details>", 0, at)
