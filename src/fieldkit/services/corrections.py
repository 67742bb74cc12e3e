"""Corrections: change any record with a reason, read its versions, erase it where allowed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from fieldkit.domain.corrections import (
    Version,
    checked_reason,
    editable_fields,
    field_text,
    reason_required,
    text_value,
)
from fieldkit.domain.legal_clocks import format_datetime
from fieldkit.domain.records import FieldError, RecordType, ValidationError, record_spec
from fieldkit.domain.vocabulary import District, ReviewDecision
from fieldkit.services.people import category_label
from fieldkit.services.records import RecordView
from fieldkit.store import audit, replica
from fieldkit.store.transaction import Transaction
from fieldkit.store.vault import Vault

#: Reference data only an administrator changes (the server refuses anyone else's change).
ADMIN_ONLY: frozenset[RecordType] = frozenset({RecordType.SERVICE})

#: Records that are decisions, not casework: a review is never edited, only followed by another.
NOT_EDITABLE: frozenset[RecordType] = frozenset({RecordType.REVIEW})


#: What each record type is called in an editor's title.
TYPE_WORDS: dict[RecordType, str] = {
    RecordType.PERSON: "Person",
    RecordType.PLACE: "Place",
    RecordType.VISIT: "Visit",
    RecordType.WARNING: "Warning",
    RecordType.SIGNPOSTING: "Signposting",
    RecordType.TENANCY_CASE: "Tenancy case",
    RecordType.TENANCY_NOTE: "Tenancy note",
    RecordType.CLOSURE: "Closure step",
    RecordType.DOCUMENT: "Document",
    RecordType.SERVICE: "Support service",
    RecordType.REVIEW: "Review decision",
    RecordType.ASB_CASE: "ASB case",
    RecordType.ASB_PARTY: "Party to an ASB case",
    RecordType.ASB_RISK: "Risk assessment",
    RecordType.ASB_ACTION: "ASB case action",
}

_DECISION_WORDS = {
    ReviewDecision.RETURNED.value: "Returned",
    ReviewDecision.APPROVED.value: "Approved",
    ReviewDecision.COUNTERSIGNED.value: "Countersigned",
}


def _choice_label(field: str, value: str) -> str:
    if field in ("district", "districts"):
        return District(value).label
    if field == "categories":
        return category_label(value)
    return value


@dataclass(frozen=True)
class EditableField:
    """One field as an editor shows it: its current value as text, and its choices."""

    name: str
    label: str
    text: str
    required: bool
    multiline: bool
    #: (value, label) pairs for a single choice; empty for typed text.
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class EditForm:
    """A record opened for correcting, with the latest supervisor decision about it."""

    record_type: str
    record_id: str
    title: str
    fields: tuple[EditableField, ...]
    #: The latest review decision and its comment (empty when none), shown above the fields.
    decision: str
    returned: bool
    reason_always_required: bool


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
            _check_may_change(conn, record_id, me=self._actor)
            repo = self._vault.records(conn, actor=self._actor)
            return RecordView.of(repo.update(spec.type, record_id, changes, reason=kept))

    def open_for_edit(self, *, record_type: str, record_id: str) -> EditForm:
        """A record as its editor shows it; logged as a consultation (s62, reason ``edit``).

        Raises:
            RecordNotFoundError: no such live record.
        """
        spec = record_spec(record_type)
        if spec.type in NOT_EDITABLE:
            raise ValidationError([FieldError("type", "a review decision is not edited")])
        with self._vault.write() as conn:
            repo = self._vault.records(conn, actor=self._actor)
            record = repo.require(spec.type, record_id)
            reviews = repo.where(RecordType.REVIEW, "subject_id", [record_id])
            self._consulted(conn, spec.type, record_id, reason="edit")
        latest = max(reviews, key=lambda r: str(r.fields.get("decided_at") or ""), default=None)
        decision, returned = "", False
        if latest is not None:
            value = str(latest.fields.get("decision") or "")
            returned = value == ReviewDecision.RETURNED.value
            when = latest.fields.get("decided_at")
            said = f"{_DECISION_WORDS.get(value, value)} by {latest.fields.get('reviewer') or '?'}"
            if isinstance(when, str) and when:
                said += f" on {format_datetime(datetime.fromisoformat(when))}"
            comment = str(latest.fields.get("comment") or "")
            decision = f"{said}: {comment}" if comment else said
        fields = tuple(
            EditableField(
                name=f.name,
                label=f.name.replace("_", " ").capitalize(),
                text=field_text(f, record.fields.get(f.name)),
                required=f.required,
                multiline=f.max_length > 200 and not f.is_list,
                choices=tuple((c, _choice_label(f.name, c)) for c in sorted(f.choices))
                if f.choices and not f.is_list
                else (),
            )
            for f in editable_fields(spec.type)
        )
        return EditForm(
            record_type=spec.type.value,
            record_id=record_id,
            title=f"{TYPE_WORDS[spec.type]}: correct and save as a new version",
            fields=fields,
            decision=decision,
            returned=returned,
            reason_always_required=reason_required(spec.type, ()),
        )

    def save_form(
        self, form: EditForm, *, texts: Mapping[str, str], reason: str | None
    ) -> RecordView:
        """Save what the user changed in an editor as a new version.

        Only the fields whose text differs from what the form was opened with are sent, so a
        field the user did not touch keeps whatever another laptop set meanwhile.

        Raises:
            RecordNotFoundError: the record was erased meanwhile.
            ValidationError: naming each bad field (or the missing reason); nothing is written.
        """
        spec = record_spec(form.record_type)
        opened = {f.name: f.text for f in form.fields}
        changes = {
            name: text_value(spec.by_name[name], text)
            for name, text in texts.items()
            if name in opened and text != opened[name]
        }
        return self.edit(
            record_type=form.record_type,
            record_id=form.record_id,
            changes=changes,
            reason=reason,
        )

    def history(self, *, record_type: str, record_id: str) -> list[Version]:
        """Every version of a record this vault keeps, oldest first; logged as a view (s62).

        Raises:
            RecordNotFoundError: no such record.
        """
        spec = record_spec(record_type)
        with self._vault.write() as conn:
            found = self._vault.records(conn, actor=self._actor).history(spec.type, record_id)
            self._consulted(conn, spec.type, record_id, reason="history")
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
            _check_may_change(conn, record_id, me=self._actor)
            self._vault.records(conn, actor=self._actor).delete(spec.type, record_id, reason=kept)
        self._vault.compact()

    def _consulted(
        self, conn: Transaction, record_type: RecordType, record_id: str, *, reason: str
    ) -> None:
        """Log, in the reading transaction, that this user consulted a record (s62)."""
        audit.append(
            conn,
            [
                audit.new_event(
                    at=self._vault.now().isoformat(timespec="milliseconds"),
                    actor=self._actor,
                    action=audit.AuditAction.VIEW,
                    record_type=record_type.value,
                    record_id=record_id,
                    reason=reason,
                )
            ],
        )


#: Roles the server lets change case records others created (in their districts).
_CHANGE_ANYONES: frozenset[str] = frozenset({"supervisor"})


def _check_may_change(conn: Transaction, record_id: str, *, me: str) -> None:
    """Refuse, before anything is written, a change the server would refuse: an officer's
    change to a record someone else created (it came by sync from another author).

    Raises:
        ValidationError: naming the record, not its content.
    """
    origin = replica.origin_of(conn, record_id)
    if origin is None or not origin.author:
        return  # written on this laptop, or reference data with no author
    user = replica.get_state(conn, "user")
    role = user.get("role") if isinstance(user, dict) else None
    names = {me.casefold()}
    if isinstance(user, dict) and isinstance(user.get("username"), str):
        names.add(str(user["username"]).casefold())
    if role in _CHANGE_ANYONES or origin.author.casefold() in names:
        return
    raise ValidationError(
        [FieldError("record", "only its author or a supervisor may change or erase it")]
    )
