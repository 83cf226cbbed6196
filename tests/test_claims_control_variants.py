"""The control ledger's per-event uncertainty in the claims (issue 10): regions reach a few km
past the country's outline like the zones do, and the narrower pocket reading and the
near-anchor variant run on the first study."""

from __future__ import annotations

import pandas as pd
import pytest
from shapely.geometry import box

from geoclaims import claims
from geoclaims.claims import kinds, selection


class BoxGeo:
    """Home country: a box; one region: its eastern half (a stand-in for a river bank)."""

    def region(self, region_id):
        return box(39.0, 34.0, 40.0, 36.0)

    def syria(self):
        return box(38.0, 34.0, 40.0, 36.0)


def _events(points):
    xs, ys = selection._TO_LAEA.transform([p[0] for p in points], [p[1] for p in points])
    return pd.DataFrame({"x": xs, "y": ys})


def test_regions_take_the_border_strip_but_never_cross_an_interior_line():
    ctx = kinds.Context(registry=None, geo=BoxGeo(), data_start=pd.Timestamp("2019-01-01"),
                        data_end=pd.Timestamp("2020-01-01"), datasets=("x",))
    ev = _events([(39.5, 35.0),    # inside the region
                  (40.03, 35.0),   # about 2.7 km outside the outline, next to the region
                  (40.2, 35.0),    # about 18 km outside: beyond the tolerance
                  (38.5, 35.0),    # inside the country, the other side of the region's edge
                  (38.97, 35.0)])  # 2.7 km the other side of the interior line
    inside = selection.contains(ctx.region("rg:test"), ev).tolist()
    assert inside == [True, True, False, False, False]


@pytest.fixture(scope="module")
def first_study():
    result = claims.run()
    return claims.sensitivity_table(result).set_index(["id", "variant"])


def test_pocket_and_near_anchor_variants_run(first_study):
    s = first_study
    for cid, name in [("C1", "enclosed_pockets_us_held"), ("C1", "anchor_15km"),
                      ("C2", "anchor_15km"), ("C3", "enclosed_pockets_only"),
                      ("C3", "anchor_15km")]:
        assert s.loc[(cid, name), "verdict"] in ("supported", "contradicted", "mixed"), name
    # the narrower reading counts fewer or as many events in the zone as counting every IS-held
    # area, and keeping events decided by a near anchor keeps fewer events
    assert s.loc[("C1", "enclosed_pockets_us_held"), "estimate"] <= \
        s.loc[("C1", "isis_pocket_in_zone"), "estimate"] + 1e-9
    assert s.loc[("C1", "anchor_15km"), "n_events"] < s.loc[("C1", "main"), "n_events"]
    assert s.loc[("C3", "enclosed_pockets_only"), "estimate"] <= \
        s.loc[("C3", "main"), "estimate"] + 1e-9
