"""An administrator's laptop lists the agreements the server enforces; an officer's may not."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tests.sync.conftest import Laptop, Server

from fieldkit.services.governance import GovernanceRefused, GovernanceService
from fieldkit.services.sync_engine import SyncOutcome
from fieldkit.ui.agreements_panel import agreement_text


def test_an_administrator_reads_the_agreements_and_an_officer_is_refused(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    sqlite_server.admin.add_user("ada", role="admin", districts=())
    sqlite_server.admin.add_user("olive")
    ada = laptops("ada", "ada", sqlite_server.url)
    olive = laptops("olive", "olive", sqlite_server.url)
    for laptop in (ada, olive):
        assert laptop.sync().outcome is SyncOutcome.OK
    service = GovernanceService(ada.open())
    assert service.is_admin()
    [default] = service.agreements()
    assert default.in_force
    assert default.agencies == ("council", "housing", "police")
    text = agreement_text(default)
    assert "Council, Housing provider, Police" in text
    assert "Lawful basis: Crime and Disorder Act 1998 s115" in text
    officer = GovernanceService(olive.open())
    assert not officer.is_admin()
    with pytest.raises(GovernanceRefused):
        officer.agreements()
