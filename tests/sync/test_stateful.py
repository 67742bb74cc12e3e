"""Random offline work on three laptops, synced at random moments, always converges."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test
from tests.factories import person
from tests.sync.conftest import Laptop, Server

from fieldkit.domain.records import RecordType
from fieldkit.services.records import RecordService
from fieldkit.services.sync_engine import SyncOutcome

NAMES = st.sampled_from(["Ash", "Bo", "Cy", "Di"])
FIELDS = st.sampled_from(["given_name", "family_name", "description"])
_examples = itertools.count()


def test_random_offline_work_synced_in_random_order_converges(sqlite_server: Server) -> None:
    server = sqlite_server

    class OfflineLaptops(RuleBasedStateMachine):
        """Two laptops of one officer and a supervisor's, editing people offline."""

        @initialize()
        def start(self) -> None:
            n = next(_examples)
            self.amy, self.sue = f"amy{n}", f"sue{n}"
            server.admin.add_user(self.amy)
            server.admin.add_user(self.sue, role="supervisor")
            self.folder = Path(tempfile.mkdtemp(prefix="fieldkit-stateful-"))
            self.laptops = [
                Laptop(self.folder / "a1", self.amy, server.url),
                Laptop(self.folder / "a2", self.amy, server.url),
                Laptop(self.folder / "s1", self.sue, server.url),
            ]
            self.creator: dict[str, str] = {}
            self.deleted: set[str] = set()

        def _editable(self, index: int) -> list[str]:
            laptop = self.laptops[index]
            vault = laptop.open()
            with vault.read() as conn:
                live = [r.id for r in vault.records(conn).iter_all(RecordType.PERSON)]
            # An officer edits only their own records (the server refuses the rest).
            return sorted(
                i
                for i in live
                if i in self.creator
                and (laptop.username == self.sue or self.creator[i] == self.amy)
            )

        @rule(index=st.integers(0, 2), name=NAMES)
        def create(self, index: int, name: str) -> None:
            laptop = self.laptops[index]
            made = RecordService(laptop.open()).create(
                record_type="person", fields=person(given_name=name)
            )
            self.creator[made.id] = laptop.username

        @rule(index=st.integers(0, 2), pick=st.integers(0, 50), field=FIELDS, name=NAMES)
        def edit(self, index: int, pick: int, field: str, name: str) -> None:
            choices = self._editable(index)
            if choices:
                RecordService(self.laptops[index].open()).update(
                    record_type="person",
                    record_id=choices[pick % len(choices)],
                    changes={field: name},
                )

        @rule(index=st.integers(0, 2), pick=st.integers(0, 50))
        def delete(self, index: int, pick: int) -> None:
            choices = self._editable(index)
            if choices:
                chosen = choices[pick % len(choices)]
                RecordService(self.laptops[index].open()).delete(
                    record_type="person", record_id=chosen
                )
                self.deleted.add(chosen)

        @rule(index=st.integers(0, 2))
        def sync(self, index: int) -> None:
            report = self.laptops[index].sync()
            assert report.outcome is SyncOutcome.OK, report.message

        def teardown(self) -> None:
            try:
                for _round in range(2):
                    for laptop in self.laptops:
                        self.sync(self.laptops.index(laptop))
                view = server.view(self.amy)
                assert server.view(self.sue) == view
                for laptop in self.laptops:
                    assert laptop.records() == view, laptop.folder.name
                    assert laptop.engine().unsynced_count() == 0
                    assert laptop.open().check().ok
                # Nothing lost: every record made and not deleted is on the server.
                assert set(self.creator) - self.deleted <= set(view)
                assert not (set(view) & self.deleted)
            finally:
                for laptop in self.laptops:
                    laptop.close()
                shutil.rmtree(self.folder, ignore_errors=True)

    run_state_machine_as_test(
        OfflineLaptops,
        settings=settings(
            max_examples=6,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
            database=None,
        ),
    )
