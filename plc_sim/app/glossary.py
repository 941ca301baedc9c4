"""The words the page cannot do without, each explained where it appears: a popover on the word itself.

A term is a native disclosure (``<details>``): it opens on a click, a tap or the keyboard with no script, and
its explanation lies over the page like a popover (see the page's CSS). :func:`with_terms` escapes a text
and turns the first use of each glossary term in it into such a popover.
"""

from __future__ import annotations

import html
import re

from simulation.parameters import PARAMS_BY_NAME


def _level(name: str) -> str:
    return f"{100 * PARAMS_BY_NAME[name].default:g}%"


GLOSSARY: dict[str, str] = {
    "healthy": (f"A community is healthy until it decays: once formed (a school year at {_level('implementing_level')} "
                f"PLC health or more), it decays only if its yearly mean falls below {_level('initiating_level')} "
                "for a year. A school whose community never formed has not decayed either."),
    "decayed": (f"The community's yearly mean PLC health fell below {_level('initiating_level')} for a school year: "
                f"from a working community back to one that has not begun. It re-forms when it is back at "
                f"{_level('implementing_level')} for a year."),
    "PLC health": ("The mean of Hord's five dimensions of a professional learning community (shared "
                   "leadership, shared values and vision, collective learning, shared personal practice, "
                   "supportive conditions), each from 0% (absent) to 100% (fully present), as in the PLCA-R "
                   "survey."),
    "forms": (f"A community forms the first school year its mean PLC health reaches {_level('implementing_level')}: "
              "a critical mass of the staff takes part (the implementing stage of PLC surveys)."),
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
