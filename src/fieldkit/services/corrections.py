"""Corrections: change any record with a reason, read its versions, erase it where allowed."""

from __future__ import annotations

from collections.abc import Mapping

from fieldkit.domain.corrections import Version, checked_reason, reason_required
from fieldkit.domain.records import FieldError, RecordType, ValidationError, record_spec
from fieldkit.services.records import RecordView
from fieldkit.store import audit
from fieldkit.store.vault import Vault

#: Reference data only an administrator changes (the server refuses anyone else's change).
ADMIN_ONLY: frozenset[RecordType] = frozenset({RecordType.SERVICE})

#: Records that are decisions, not casework: a review is never edited, only followed by another.
NOT_EDITABLE: frozenset[RecordType] = frozenset({RecordType.REVIEW})


class CorrectionService:
    """Edit, read the history of, and erase records as one user.

    Args:
        vault: an unlocked vault.
        actor: who is acting (the vault's user by default).
    """

    def __init__(self, vault: Vault, *, actor: str | None = None) -> None:
        self._vault = vault
        self._actor = actor or vault.username

    def edit(
        self,
        *,
        record_type: str,
        record_id: str,
        changes: Mapping[str, object],
        reason: str | None,
    ) -> RecordView:
        """Change fields of a record as a new version; the prior one stays in its history.

        The change syncs as a per-field change and is audited with who, when and why. A
        reason is required where the law expects one (`domain.corrections.reason_required`).

        Raises:
            RecordNotFoundError: no such live record.
            ValidationError: naming each bad field (or the missing reason); nothing is written.
        """
        spec = record_spec(record_type)
        if spec.type in NOT_EDITABLE:
            raise ValidationError([FieldError("type", "a review decision is not edited")])
        if not changes:
            raise ValidationError([FieldError("fields", "name at least one field to change")])
        kept = checked_reason(reason, required=reason_required(spec.type, changes))
        with self._vault.write() as conn:
            repo = self._vault.records(conn, actor=self._actor)
            return RecordView.of(repo.update(spec.type, record_id, changes, reason=kept))

    def history(self, *, record_type: str, record_id: str) -> list[Version]:
        """Every version of a record this vault keeps, oldest first; logged as a view (s62).

        Raises:
            RecordNotFoundError: no such record.
        """
        spec = record_spec(record_type)
        with self._vault.write() as conn:
            found = self._vault.records(conn, actor=self._actor).history(spec.type, record_id)
            audit.append(
                conn,
                [
                    audit.new_event(
                        at=self._vault.now().isoformat(timespec="milliseconds"),
                        actor=self._actor,
                        action=audit.AuditAction.VIEW,
                        record_type=spec.type.value,
                        record_id=record_id,
                        reason="history",
                    )
                ],
            )
            return found

    def erase(self, *, record_type: str, record_id: str, reason: str | None) -> None:
        """Erase a record with a reason: on this laptop at once, on every other after sync.

        What is left: a tombstone (id, scope, clock) and the audit entry that it was erased,
        by whom, when and why — never its content. The file is compacted afterwards.

        Raises:
            RecordNotFoundError: no such live record.
            ValidationError: no reason given; nothing is erased.
        """
        spec = record_spec(record_type)
        kept = checked_reason(reason, required=True)
        with self._vault.write() as conn:
            self._vault.records(conn, actor=self._actor).delete(spec.type, record_id, reason=kept)
        self._vault.compact()
