"""The real pipeline of the claims stage: load the study's events, classify them by the control
ledger, evaluate every claim."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from geoclaims.claims.registry import Registry, load_registry
from geoclaims.claims.selection import Geo
from geoclaims.claims.verdicts import Evaluation, evaluate_all, with_sides

log = logging.getLogger(__name__)


def load_classified(dataset_names: Iterable[str] | None = None, *,
                    registry: Registry | None = None,
                    us_held: Iterable[str] | None = None,
                    events_files: Iterable[str | Path] = ()) -> pd.DataFrame:
    """``events.load`` for each dataset (default: the study's, unless ``events_files`` are
    given: event files such as an ACLED export, read with ``events.load(path=...)``), then
    ``control.classify``.

    Events outside the study's ``population.keep`` countries are left out; their number is kept
    in ``result.attrs['claims_load']`` and reported in the Evaluation's data.

    If the control stage cannot be imported, the events are returned unclassified with a
    warning; the claims that need zones of control then say "not testable" and why.
    """
    from geoclaims import events

    registry = registry or load_registry(check_article=False)
    files = list(events_files)
    names = list(dataset_names or ([] if files else registry.datasets))
    frames = [events.load(name).events for name in names]
    frames += [events.load(path=f).events for f in files]
    ev = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    report = {"events_outside_kept_countries": 0}
    kept = registry.kept_country_names
    if "country" in ev.columns and kept:
        keep = ev["country"].isin(kept).to_numpy()
        if not keep.all():
            report["events_outside_kept_countries"] = int((~keep).sum())
            log.warning("claims use events in %s only: left out %d events elsewhere",
                        ", ".join(registry.population.get("keep", [])), int((~keep).sum()))
            ev = ev[keep].reset_index(drop=True)
    try:
        from geoclaims import control
    except ImportError as exc:
        log.warning("control.classify not available (%s): claims needing control untestable", exc)
        ev.attrs["claims_load"] = report
        return ev
    held = tuple(us_held) if us_held else tuple(registry.side("us_held")["controllers"]) if (
        "us_held" in registry.study.get("sides", {})) else control.US_HELD_DEFAULT
    out = control.classify(ev, us_held=held)
    out.attrs["claims_load"] = report
    return out


def run(
    dataset_names: Iterable[str] | None = None,
    *,
    geo: Geo | None = None,
    claims: Iterable[str] | None = None,
    study: str | Path | None = None,
    us_held: Iterable[str] | None = None,
    events_files: Iterable[str | Path] = (),
) -> Evaluation:
    """The real pipeline: events.load -> control.classify -> evaluate_all.

    ``study``: a study folder or id (default the first study); ``dataset_names``: the event
    datasets (default the study's ``population.datasets``); ``us_held``: the controllers that
    count as the side ``us_held`` (default the study's ``sides.us_held``).
    """
    registry = with_sides(load_registry(study=study), {"us_held": us_held} if us_held else None)
    ev = load_classified(dataset_names, registry=registry, us_held=us_held,
                         events_files=events_files)
    return evaluate_all(ev, registry=registry, geo=geo, claims=claims)
