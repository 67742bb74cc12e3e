"""A place with a point takes its district from the district outlines, not the form's box."""

from __future__ import annotations

import pytest
from tests.factories import place

from fieldkit.services.workspace import Workspace, open_workspace
from fieldkit.store import replica
from fieldkit.store.vault import Vault


@pytest.fixture
def workspace(vault: Vault) -> Workspace:
    return open_workspace(vault)


@pytest.mark.parametrize(
    ("lat", "lon", "form_district", "saved"),
    [
        (53.6466086, -1.7821281, "rural", "huddersfield"),  # Kirkgate, the box left wrong
        (53.69, -1.63, "huddersfield", "dewsbury_mirfield"),
        (53.60, -1.90, "batley_spen", "rural"),
        (53.65, -1.72, "batley_spen", "batley_spen"),  # on the Huddersfield/Dewsbury line
        (51.50, -0.12, "batley_spen", "batley_spen"),  # outside every outline
        (None, None, "batley_spen", "batley_spen"),  # typed by hand: no point
    ],
)
def test_a_place_with_a_point_takes_its_district_from_the_outlines(
    workspace: Workspace,
    lat: float | None,
    lon: float | None,
    form_district: str,
    saved: str,
) -> None:
    choice = workspace.visits.add_place(**place(district=form_district), lat=lat, lon=lon)
    assert choice.district == saved
    stored = workspace.records.view(record_type="place", record_id=choice.id)
    assert stored.fields["district"] == saved


def test_the_outlines_fetched_from_the_server_decide_over_the_shipped_ones(
    workspace: Workspace, vault: Vault
) -> None:
    # The partnership's own outlines put Kirkgate in Dewsbury and Mirfield (the shipped
    # ones put it in Huddersfield).
    ring = [[-1.79, 53.64], [-1.77, 53.64], [-1.77, 53.65], [-1.79, 53.65], [-1.79, 53.64]]
    held = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"LAD24CD": "dewsbury_mirfield", "LAD24NM": "Dewsbury and Mirfield"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    }
    with vault.write() as conn:
        replica.put_state(conn, "boundaries", held)
    choice = workspace.visits.add_place(
        **place(district="huddersfield"), lat=53.6466086, lon=-1.7821281
    )
    assert choice.district == "dewsbury_mirfield"
