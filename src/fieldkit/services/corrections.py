"""Corrections: change any record with a reason, read its versions, erase it where allowed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from fieldkit.domain.corrections import (
    READ_ONLY,
    Version,
    checked_reason,
    editable_fields,
    field_text,
    reason_required,
    refuse_read_only,
    text_value,
)
from fieldkit.domain.legal_clocks import format_date, format_datetime
from fieldkit.domain.records import (
    FieldError,
    FieldKind,
    FieldSpec,
    RecordType,
    ValidationError,
    field_label,
    record_spec,
    value_label,
)
from fieldkit.domain.retention import load_rules
from fieldkit.domain.vocabulary import ReviewDecision
from fieldkit.services.records import RecordView
from fieldkit.store import audit, replica
from fieldkit.store.transaction import Transaction
from fieldkit.store.vault import Vault

#: Reference data only an administrator changes (the server refuses anyone else's change).
ADMIN_ONLY: frozenset[RecordType] = frozenset({RecordType.SERVICE})

#: Records that are decisions, not casework: a review is never edited, only followed by another.
NOT_EDITABLE: frozenset[RecordType] = frozenset({RecordType.REVIEW})


#: What each record type is called in an editor's title.
TYPE_WORDS: dict[RecordType, str] = {t: t.label for t in RecordType}


def choice_label(record_type: RecordType, field: str, value: str) -> str:
    """A stored choice as the editor shows it ("asb_youth" → "ASB (youth)")."""
    return value_label(record_type, field, value)


#: What an editor shows a field with (its kind of editor).
class FieldEditor(StrEnum):
    TEXT = "text"
    MULTILINE = "multiline"
    CHOICE = "choice"
    CHOICES = "choices"
    DATE = "date"
    DATETIME = "datetime"
    YES_NO = "yes_no"
    NUMBER = "number"


def _editor_for(spec: FieldSpec) -> FieldEditor:
    if spec.choices:
        return FieldEditor.CHOICES if spec.is_list else FieldEditor.CHOICE
    if spec.kind is FieldKind.DATE:
        return FieldEditor.DATE
    if spec.kind is FieldKind.DATETIME:
        return FieldEditor.DATETIME
    if spec.kind is FieldKind.BOOL:
        return FieldEditor.YES_NO
    if spec.kind in (FieldKind.INT, FieldKind.FLOAT):
        return FieldEditor.NUMBER
    if spec.max_length > 200 and not spec.is_list:
        return FieldEditor.MULTILINE
    return FieldEditor.TEXT


@dataclass(frozen=True)
class EditableField:
    """One field as an editor shows it: its current value as text, and its choices.

    ``text`` is the stored value as text (ISO for dates and times, ``; ``-separated values for
    a list); ``shown`` is how a person reads it (labels, London dates), for read-only fields.
    """

    name: str
    label: str
    text: str
    required: bool
    multiline: bool
    #: (value, label) pairs for a choice or a list of choices; empty for typed text.
    choices: tuple[tuple[str, str], ...] = ()
    editor: FieldEditor = FieldEditor.TEXT
    #: Stamped by Fieldkit (who recorded it, when it was issued): shown, never changed.
    read_only: bool = False
    shown: str = ""


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
    #: The regime the record is processed under, in words ("UK GDPR", ...), from the
    #: retention rules; shown on the record.
    regime: str = ""


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
        refuse_read_only(spec.type, changes)
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
            said = f"{ReviewDecision.label_for(value)} by {latest.fields.get('reviewer') or '?'}"
            if isinstance(when, str) and when:
                said += f" on {format_datetime(datetime.fromisoformat(when))}"
            comment = str(latest.fields.get("comment") or "")
            decision = f"{said}: {comment}" if comment else said
        stamped = READ_ONLY.get(spec.type, frozenset())
        fields = tuple(
            _editable(spec.type, f, record.fields.get(f.name), read_only=f.name in stamped)
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
            regime=load_rules()[spec.type].regime_of(record.fields).label,
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
        opened = {f.name: f.text for f in form.fields if not f.read_only}
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


def _editable(
    record_type: RecordType, spec: FieldSpec, value: object, *, read_only: bool
) -> EditableField:
    text = field_text(spec, value)
    choices = tuple((c, choice_label(record_type, spec.name, c)) for c in sorted(spec.choices))
    return EditableField(
        name=spec.name,
        label=field_label(spec.name),
        text=text,
        required=spec.required,
        multiline=spec.max_length > 200 and not spec.is_list,
        choices=choices,
        editor=_editor_for(spec),
        read_only=read_only,
        shown=shown_text(record_type, spec, value),
    )


def shown_text(record_type: RecordType, spec: FieldSpec, value: object) -> str:
    """A stored value as a person reads it: labels for choices, London dates and times."""
    if value is None or value == "" or value == []:
        return ""
    if spec.choices:
        values = value if isinstance(value, list) else [value]
        return ", ".join(choice_label(record_type, spec.name, str(v)) for v in values)
    if spec.kind is FieldKind.DATETIME and isinstance(value, str):
        try:
            return format_datetime(datetime.fromisoformat(value))
        except ValueError:
            return value
    if spec.kind is FieldKind.DATE and isinstance(value, str):
        try:
            return format_date(date.fromisoformat(value))
        except ValueError:
            return value
    return field_text(spec, value)


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
