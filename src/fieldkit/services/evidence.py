"""Photos and files attached to records: captured into the vault, listed, viewed and exported."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fieldkit.documents import BundleExhibit
from fieldkit.documents.images import ImageRefused, prepare
from fieldkit.domain.evidence import (
    IMAGE_TYPES,
    MediaType,
    number_exhibits,
    officer_initials,
    size_refusal,
    sniff,
)
from fieldkit.domain.records import (
    ATTACHMENT_OWNERS,
    FieldError,
    RecordType,
    ValidationError,
    is_restricted,
)
from fieldkit.domain.vocabulary import Sensitivity
from fieldkit.services import disclosure
from fieldkit.services.settings import SettingsService
from fieldkit.store import audit, blobs
from fieldkit.store.errors import RecordNotFoundError
from fieldkit.store.records import StoredRecord
from fieldkit.store.vault import Vault


class FileArriving(LookupError):
    """The attachment's record is here but its file has not arrived by sync yet."""

    def __init__(self) -> None:
        super().__init__("file arriving: the file has not reached this laptop yet")


@dataclass(frozen=True)
class AttachmentView:
    """An attachment as screens and the command line see it; ``available`` is False while the
    file is still arriving by sync."""

    id: str
    owner_type: str
    owner_id: str
    sha256: str
    media_type: str
    bytes: int
    caption: str
    captured_by: str
    captured_at: str
    original_id: str | None
    thumbnail_sha256: str | None
    district: str
    sensitivity: str
    available: bool

    def wire(self) -> dict[str, object]:
        """The pinned JSON Lines form of ``fieldkit attachments``."""
        return {
            "id": self.id,
            "sha256": self.sha256,
            "media_type": self.media_type,
            "bytes": self.bytes,
            "caption": self.caption,
            "captured_by": self.captured_by,
            "captured_at": self.captured_at,
        }

    @property
    def is_image(self) -> bool:
        return MediaType.parse(self.media_type) in IMAGE_TYPES


def _view(record: StoredRecord, available: bool) -> AttachmentView:
    f = record.fields
    return AttachmentView(
        id=record.id,
        owner_type=str(f["owner_type"]),
        owner_id=str(f["owner_id"]),
        sha256=str(f["sha256"]),
        media_type=str(f["media_type"]),
        bytes=int(str(f["bytes"])),
        caption=str(f.get("caption") or ""),
        captured_by=str(f["captured_by"]),
        captured_at=str(f["captured_at"]),
        original_id=str(f["original_id"]) if f.get("original_id") else None,
        thumbnail_sha256=str(f["thumbnail_sha256"]) if f.get("thumbnail_sha256") else None,
        district=str(f["district"]),
        sensitivity=str(f.get("sensitivity") or Sensitivity.STANDARD.value),
        available=available,
    )


def _refused(reason: str) -> ValidationError:
    return ValidationError([FieldError("file", reason)])


def owner_type_of(name: str) -> RecordType:
    """The record type a photo or file may be attached to, from its wire name.

    Raises:
        ValidationError: not a type that takes attachments.
    """
    parsed = RecordType.parse(name)
    if parsed is None or parsed not in ATTACHMENT_OWNERS:
        allowed = ", ".join(sorted(t.value for t in ATTACHMENT_OWNERS))
        raise ValidationError([FieldError("type", f"must be one of {allowed}")])
    return parsed


class AttachmentService:
    """Attach, list, view and export evidence files; every view and export is logged (s62).

    Args:
        vault: an unlocked vault.
        actor: who is acting (the vault's user by default).
        fetch: fetches one whole file by its SHA-256 from the sync server, answering whether
            the vault now holds it (False when offline or not signed in). Opening an attachment
            whose file this laptop does not hold (Settings: thumbnails only) uses it.
    """

    def __init__(
        self,
        vault: Vault,
        *,
        actor: str | None = None,
        fetch: Callable[[str], bool] | None = None,
    ) -> None:
        self._vault = vault
        self._actor = actor or vault.username
        self._fetch = fetch

    def size_limit(self) -> int:
        """The largest file accepted: the last limit the server gave (25 MB until it says)."""
        return SettingsService(self._vault).load().attachment_limit

    def attach(
        self,
        *,
        owner_type: str,
        owner_id: str,
        data: bytes,
        caption: str = "",
        original_id: str | None = None,
    ) -> AttachmentView:
        """Keep a file as evidence on a record: one transaction, file and record together.

        Images are re-encoded once (turned upright, location and device data stripped) and get
        a thumbnail; the SHA-256 is of the bytes stored, which never change afterwards.

        Raises:
            ValidationError: the owner type is wrong, the file is not a kind Fieldkit keeps, is
                too large or unreadable, or the caption is too long; nothing is stored.
            RecordNotFoundError: no such record to attach to.
        """
        kind = owner_type_of(owner_type)
        refusal = size_refusal(len(data), self.size_limit())
        if refusal:
            raise _refused(refusal)
        media = sniff(data)
        if media is None:
            raise _refused(
                "is not a kind of file Fieldkit keeps (photos, PDF, sound recordings, "
                "office documents)"
            )
        stored, thumbnail = data, None
        if media in IMAGE_TYPES:
            try:
                prepared = prepare(data, media)
            except ImageRefused as exc:
                raise _refused(str(exc)) from None
            stored, thumbnail, media = prepared.data, prepared.thumbnail, prepared.media_type
        at = self._vault.now().isoformat(timespec="seconds")
        with self._vault.write() as conn:
            repo = self._vault.records(conn, actor=self._actor)
            owner = repo.require(kind, owner_id)
            if original_id is not None:
                repo.require(RecordType.ATTACHMENT, original_id)
            digest = blobs.put(conn, stored, at=at)
            thumb_digest = blobs.put(conn, thumbnail, at=at) if thumbnail else None
            record = repo.create(
                RecordType.ATTACHMENT.value,
                {
                    "owner_type": kind.value,
                    "owner_id": owner.id,
                    "sha256": digest,
                    "media_type": media.value,
                    "bytes": len(stored),
                    "thumbnail_sha256": thumb_digest,
                    "caption": caption,
                    "captured_by": self._actor,
                    "captured_at": at,
                    "original_id": original_id,
                    "district": owner.fields.get("district"),
                    "sensitivity": (
                        Sensitivity.RESTRICTED.value
                        if is_restricted(owner.fields)
                        else Sensitivity.STANDARD.value
                    ),
                },
            )
            return _view(record, True)

    def list_for(self, *, owner_type: str, owner_id: str) -> list[AttachmentView]:
        """An owner's attachments, oldest first. Listing is not a consultation; opening one is."""
        kind = owner_type_of(owner_type)
        with self._vault.read() as conn:
            repo = self._vault.records(conn, actor=self._actor)
            found = [
                r
                for r in repo.where(RecordType.ATTACHMENT, "owner_id", [owner_id])
                if r.fields.get("owner_type") == kind.value
            ]
            whole = blobs.complete_set(conn, [str(r.fields["sha256"]) for r in found])
        # Oldest first; photos taken in the same second keep the order they were captured in
        # (the clock stamp of their capture time, which only grows), not the order of their ids.
        found.sort(
            key=lambda r: (
                str(r.fields["captured_at"]),
                r.versions.get("captured_at") or r.updated_hlc,
                r.id,
            )
        )
        return [_view(r, str(r.fields["sha256"]) in whole) for r in found]

    def get(self, *, attachment_id: str) -> AttachmentView:
        """One attachment's details (not its content).

        Raises:
            RecordNotFoundError: no such attachment.
        """
        with self._vault.read() as conn:
            record = self._vault.records(conn, actor=self._actor).require(
                RecordType.ATTACHMENT, attachment_id
            )
            whole = blobs.complete_set(conn, [str(record.fields["sha256"])])
        return _view(record, bool(whole))

    def open(self, *, attachment_id: str, reason: str | None = None) -> bytes:
        """The stored bytes, to show from memory; logged as a view in the same transaction.

        A file this laptop does not hold is fetched first, on its own, when a way to fetch it
        was given and the server answers.

        Raises:
            RecordNotFoundError: no such attachment.
            FileArriving: the file has not reached this laptop yet (and could not be fetched).
        """
        if self._fetch is not None:
            view = self.get(attachment_id=attachment_id)
            if not view.available:
                self._fetch(view.sha256)
        with self._vault.write() as conn:
            record = self._vault.records(conn, actor=self._actor).require(
                RecordType.ATTACHMENT, attachment_id
            )
            data = blobs.read(conn, str(record.fields["sha256"]))
            if data is None:
                raise FileArriving()
            self._log(conn, audit.AuditAction.VIEW, [attachment_id], reason)
            return data

    def thumbnails(self, *, owner_type: str, owner_id: str) -> dict[str, bytes | None]:
        """Every attachment's thumbnail on a record, by attachment id, logged as views.

        A file without a thumbnail (not an image) or not yet arrived maps to None.
        """
        kind = owner_type_of(owner_type)
        out: dict[str, bytes | None] = {}
        with self._vault.write() as conn:
            repo = self._vault.records(conn, actor=self._actor)
            for record in repo.where(RecordType.ATTACHMENT, "owner_id", [owner_id]):
                if record.fields.get("owner_type") != kind.value:
                    continue
                thumb = record.fields.get("thumbnail_sha256")
                out[record.id] = blobs.read(conn, str(thumb)) if thumb else None
            self._log(conn, audit.AuditAction.VIEW, list(out), "thumbnail")
        return out

    def export(self, *, attachment_id: str, out: Path, reason: str = "attachment export") -> None:
        """Write the stored bytes to a file, atomically and owner-only; logged as an export.

        Raises:
            RecordNotFoundError: no such attachment.
            FileArriving: the file has not reached this laptop yet.
            OSError: the file could not be written (nothing is left half-written).
        """
        with self._vault.read() as conn:
            record = self._vault.records(conn, actor=self._actor).require(
                RecordType.ATTACHMENT, attachment_id
            )
            data = blobs.read(conn, str(record.fields["sha256"]))
        if data is None:
            raise FileArriving()
        disclosure.log_disclosure(
            self._vault,
            action=audit.AuditAction.EXPORT,
            records=[(RecordType.ATTACHMENT.value, attachment_id)],
            reason=reason,
        )
        disclosure.write_private_file(out, data)
        disclosure.log_completion(self._vault, what=reason, count=1, unit="files")

    def exhibits(
        self, *, owner_ids: list[str], names: dict[str, str]
    ) -> tuple[list[BundleExhibit], list[str]]:
        """The attachments on these records as numbered exhibits (JS/1, JS/2, AO/1, ...).

        Images carry their stored bytes, to print; other files and files still arriving are
        listed with their hash. The caller logs the print of each attachment returned.

        Args:
            owner_ids: the records the bundle shows.
            names: display names of users by user name (for their initials).

        Returns:
            The exhibits, and the attachment ids they show.
        """
        with self._vault.read() as conn:
            repo = self._vault.records(conn, actor=self._actor)
            found = repo.where(RecordType.ATTACHMENT, "owner_id", owner_ids) if owner_ids else []
            views = [_view(r, False) for r in found]
            whole = blobs.complete_set(conn, [v.sha256 for v in views])
            images = {
                v.sha256: blobs.read(conn, v.sha256)
                for v in views
                if v.is_image and v.sha256 in whole
            }
        initials = {
            v.captured_by: officer_initials(names.get(v.captured_by, ""), fallback=v.captured_by)
            for v in views
        }
        numbered = number_exhibits([{"id": v.id, **v.wire()} for v in views], initials_of=initials)
        by_id = {v.id: v for v in views}
        out = [
            BundleExhibit(
                reference=x.reference,
                attachment_id=x.attachment_id,
                caption=x.caption,
                media_label=MediaType.label_for(x.media_type),
                size=x.size,
                captured_by=names.get(x.captured_by) or x.captured_by,
                captured_at=datetime.fromisoformat(x.captured_at),
                sha256=x.sha256,
                image=images.get(by_id[x.attachment_id].sha256),
            )
            for x in numbered
        ]
        return out, [x.attachment_id for x in numbered]

    def _log(
        self, conn: Any, action: audit.AuditAction, ids: list[str], reason: str | None
    ) -> None:
        at = self._vault.now().isoformat(timespec="milliseconds")
        audit.append(
            conn,
            [
                audit.new_event(
                    at=at,
                    actor=self._actor,
                    action=action,
                    record_type=RecordType.ATTACHMENT.value,
                    record_id=i,
                    reason=reason,
                )
                for i in ids
            ],
        )


__all__ = ["AttachmentService", "AttachmentView", "FileArriving", "RecordNotFoundError"]
