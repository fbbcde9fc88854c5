"""Searching the longest form of a document that fits its pages, in few trials, when each
trial is a layout that says how far it ran over.

A summary that runs past its pages takes shorter forms in a fixed order, then has its note cut;
each trial is a measured layout (a third of a rendering) that gives its overflow: the height
its content took past the last page, less the room it left unused (negative: it fits, with
room to spare). The overflow, set against how much height each step of the choice is worth,
proposes the next trial (a secant step); the search keeps the nearest form known to fit and the
nearest known not to, and bisects between them when a proposal does not help, so a good
estimate costs two trials and a bad one a bisection's. Fitting is taken to be monotone:
a longer form never fits where a shorter one does not.
"""

from __future__ import annotations

from collections.abc import Callable

Trial = Callable[[int], float]
"""The overflow of the form numbered n (at most 0: it fits)."""

Proposal = Callable[[int, float], int]
"""The form to try after form n ran over by the given overflow."""


def longest_fitting(trial: Trial, low: int, high: int, first: int,
                    propose: Proposal) -> int | None:
    """The largest ``n`` in ``[low, high]`` whose form fits (``trial(n) <= 0``), forms being
    longer as ``n`` grows; None when none fits. ``first`` is tried first; after a form that
    fits, the next longer (then 2, 4… further while they fit); after one that runs over, what
    ``propose`` makes of its overflow; the middle of what is left open when a step would leave
    it, or after a second miss in a row."""
    if low > high:
        return None
    good, bad = low - 1, high + 1  # known to fit (or below the range), known not to
    n, fits, misses = min(max(first, low), high), 0, 0  # how many in a row
    while bad - good > 1:
        overflow = trial(n)
        if overflow <= 0:  # it fits: the next longer form, in steps that grow while it fits
            good, fits, misses = n, fits + 1, 0
            wanted = good + 2 ** (fits - 1)
        else:  # it runs over: take off what the overflow is worth; halve after a second miss
            bad, fits, misses = n, 0, misses + 1
            wanted = propose(n, overflow) if misses == 1 else (good + bad) // 2
        n = wanted if good < wanted < bad else (good + bad) // 2
    return good if good >= low else None


def fewest_fitting(trial: Trial, low: int, high: int, first: int,
                   propose: Proposal) -> int | None:
    """The smallest ``n`` in ``[low, high]`` whose form fits (``trial(n) <= 0``), forms being
    shorter as ``n`` grows (``n`` reductions taken); None when none fits."""
    found = longest_fitting(lambda n: trial(high + low - n), low, high, high + low - first,
                            lambda n, over: high + low - propose(high + low - n, over))
    return None if found is None else high + low - found


def remembered(trial: Trial) -> Trial:
    """``trial`` run once per argument."""
    seen: dict[int, float] = {}

    def once(n: int) -> float:
        if n not in seen:
            seen[n] = trial(n)
        return seen[n]
    return once
