"""Sync steps that catch a rolled-back vault and have each sync's head acknowledged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fieldkit.domain.attestation import Head
from fieldkit.store import attestation, audit, replica
from fieldkit.store.attestation import CachedDeviceAlert
from fieldkit.store.vault import Vault
from fieldkit.sync.protocol import AttestStatus, DeviceAlert, Handshake, ServerRefused
from fieldkit.sync.transport import Transport

#: Shown to the user, and printed by `fieldkit sync` (exit 9), when the vault was rolled back.
ROLLED_BACK_MESSAGE = (
    "This vault is older than the copy the server last synced with: it was restored from a "
    "backup or copied back. Work the server held has been brought back, your changes since "
    "were sent again under new numbers, and your supervisors have been told."
)
ROLLED_BACK_NEXT_STEP = "Check your recent work is all there, and tell your supervisor why."


@dataclass(frozen=True)
class Proof:
    """What the attestation found.

    Attributes:
        rolled_back: the server found the vault older than the state it acknowledged.
        floor: the highest change number the server has seen or acknowledged from this device.
        acknowledged: the head the server acknowledged last time (None from older servers).
    """

    rolled_back: bool
    floor: int
    acknowledged: Head | None


class RollbackGuard:
    """The rollback steps of a sync for one vault and one server connection.

    Args:
        vault: the unlocked vault.
        transport: the server connection.
        stamp: the current time as the vault stamps it (ISO 8601).
    """

    def __init__(self, vault: Vault, transport: Transport, *, stamp: Callable[[], str]) -> None:
        self._vault = vault
        self._transport = transport
        self._stamp = stamp

    def prove(self, handshake: Handshake) -> Proof:
        """Show the server the vault as it is, against the head it acknowledged last time.

        Called before the handshake changes anything in the vault, so the server judges the
        vault as it was found. A vault that does not extend the acknowledged head is recorded by
        the server for supervisors (once per acknowledged head).
        """
        acknowledged = handshake.acknowledged
        if acknowledged is None:
            return Proof(False, handshake.last_device_seq, None)
        with self._vault.read() as conn:
            shown = attestation.shown(conn, acknowledged)
        reply = self._transport.attest(shown)
        floor = max(handshake.last_device_seq, reply.last_device_seq, reply.acknowledged.change_seq)
        return Proof(reply.status is AttestStatus.ROLLED_BACK, floor, reply.acknowledged)

    def recover(self, proof: Proof) -> int:
        """Bring a rolled-back vault back into step: new numbers for its unsent work, and a note.

        Its unsent changes are numbered above everything the server has seen, so they are pushed
        as new work after it; the vault's own s62 log says what happened (once per acknowledged
        head).

        Returns:
            How many unsent changes were renumbered.
        """
        with self._vault.write() as conn:
            renumbered = attestation.renumber_outbox(conn, above=proof.floor)
            acknowledged = proof.acknowledged
            if acknowledged is not None:
                key = f"{acknowledged.audit_count}:{acknowledged.audit_hash}"
                if replica.get_state(conn, "rollback_flagged_head") != key:
                    replica.put_state(conn, "rollback_flagged_head", key)
                    self._log(conn, acknowledged)
        return renumbered

    def acknowledge(self, *, wire: Callable[[dict[str, Any]], dict[str, Any]]) -> Head | None:
        """Have the server acknowledge the head this sync reached (what the next must extend).

        A vault whose entries all went up before they were numbered (synced by an older
        Fieldkit) sends its head entry again, numbered, so the server holds it; resending an
        event stores nothing twice.

        Args:
            wire: an audit entry in the protocol's shape (as the audit step sends it).

        Returns:
            The head acknowledged, or None when the server would not (it lacks an audit event
            the vault thinks it sent): the next sync tries again.
        """
        with self._vault.read() as conn:
            head = attestation.sent_head(conn)
        for attempt in range(2):
            try:
                return self._transport.acknowledge(head)
            except ServerRefused as exc:
                if exc.status != 409:
                    raise
                if exc.code != "head_unknown" or attempt:
                    return None
            with self._vault.read() as conn:
                entry = attestation.numbered_event_at(conn, head.audit_count)
            if entry is None:
                return None
            self._transport.audit([wire(entry)])
        return None

    def fetch_device_alerts(self) -> int:
        """Keep the device alerts of the supervisor's districts in the vault, for offline review.

        Returns:
            How many alerts the server listed (0 from a server without them).
        """
        try:
            found = self._transport.device_alerts()
        except ServerRefused as exc:
            if exc.status == 404:
                return 0
            raise
        with self._vault.write() as conn:
            attestation.cache_device_alerts(conn, [_cached(a) for a in found], at=self._stamp())
        return len(found)

    def forget_device_alerts(self) -> None:
        """A user who is not a supervisor (any more) keeps no copy of the alerts."""
        with self._vault.read() as conn:
            held = replica.get_state(conn, "device_alerts_fetched_at") is not None
        if held:
            with self._vault.write() as conn:
                attestation.forget_device_alerts(conn)

    def _log(self, conn: Any, acknowledged: Head) -> None:
        audit.append(
            conn,
            [
                audit.new_event(
                    at=self._stamp(),
                    actor=self._vault.username,
                    action=audit.AuditAction.UPDATE,
                    reason=(
                        "sync: vault rolled back (it does not extend audit entry "
                        f"{acknowledged.audit_count} and change {acknowledged.change_seq} the "
                        "server acknowledged for this device)"
                    ),
                )
            ],
        )


def _cached(alert: DeviceAlert) -> CachedDeviceAlert:
    return {
        "id": alert.id,
        "kind": alert.kind,
        "username": alert.username,
        "device_name": alert.device_name,
        "detected_at": alert.detected_at,
        "acknowledged": dict(alert.acknowledged),
        "shown": dict(alert.shown),
    }
