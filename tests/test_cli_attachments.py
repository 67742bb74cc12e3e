"""`fieldkit attach`, `attachments` and `attachment get`: the pinned contract, crashes, no leaks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from tests.evidence_files import pdf, photo
from tests.factories import PASSPHRASE, visit
from tests.kdf import TEST_KDF

from fieldkit.domain.evidence import sha256
from fieldkit.services.evidence import AttachmentService
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault

FIELDKIT = [sys.executable, "-m", "fieldkit.cli"]
HERE = Path(__file__).parent


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*FIELDKIT, *args],
        input=PASSPHRASE + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


@pytest.fixture
def with_visit(tmp_path: Path) -> tuple[Path, str]:
    folder = tmp_path / "vault"
    vault = Vault.create(folder, username="amy.officer", passphrase=PASSPHRASE, kdf=TEST_KDF)
    with vault.write() as conn:
        visit_id = vault.records(conn).create("visit", visit()).id
    vault.lock()
    return folder, visit_id


def _vault_args(folder: Path) -> list[str]:
    return ["--vault", str(folder), "--passphrase-stdin"]


def test_attach_prints_the_id_and_sha256_and_attachments_lists_it(
    with_visit: tuple[Path, str], tmp_path: Path
) -> None:
    folder, visit_id = with_visit
    source = tmp_path / "statement.pdf"
    source.write_bytes(pdf())
    attached = run("attach", "visit", visit_id, str(source), "--caption", "Statement",
                   *_vault_args(folder))  # fmt: skip
    assert attached.returncode == 0, attached.stderr
    attachment_id, digest = attached.stdout.split()
    assert digest == sha256(pdf())
    listed = run("attachments", "visit", visit_id, *_vault_args(folder))
    assert listed.returncode == 0, listed.stderr
    [line] = [json.loads(x) for x in listed.stdout.splitlines()]
    assert set(line) == {
        "id", "sha256", "media_type", "bytes", "caption", "captured_by", "captured_at"
    }  # fmt: skip
    assert (line["id"], line["sha256"], line["media_type"], line["bytes"], line["caption"]) == (
        attachment_id, digest, "application/pdf", len(pdf()), "Statement"
    )  # fmt: skip
    assert line["captured_by"] == "amy.officer"


def test_attach_takes_an_asb_case_by_its_type_name(tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    vault = Vault.create(folder, username="amy.officer", passphrase=PASSPHRASE, kdf=TEST_KDF)
    from fieldkit.services.documents_service import DocumentService
    from fieldkit.services.workspace import open_workspace

    case_id = open_workspace(vault, documents=DocumentService(vault)).asb.open_case(
        title="Fly-tipping behind the garages", category="environmental", district="rural"
    )
    vault.lock()
    source = tmp_path / "garages.jpg"
    source.write_bytes(photo(seed=9))
    attached = run("attach", "asb_case", case_id, str(source), *_vault_args(folder))
    assert attached.returncode == 0, attached.stderr
    attachment_id, _digest = attached.stdout.split()
    listed = run("attachments", "asb_case", case_id, *_vault_args(folder))
    assert [json.loads(x)["id"] for x in listed.stdout.splitlines()] == [attachment_id]


def test_attachment_get_writes_the_stored_bytes_and_logs_an_export(
    with_visit: tuple[Path, str], tmp_path: Path
) -> None:
    folder, visit_id = with_visit
    source = tmp_path / "photo.jpg"
    source.write_bytes(photo())
    attachment_id, digest = run(
        "attach", "visit", visit_id, str(source), *_vault_args(folder)
    ).stdout.split()
    out = tmp_path / "out" / "exhibit.jpg"
    out.parent.mkdir()
    got = run("attachment", "get", attachment_id, "--out", str(out), *_vault_args(folder))
    assert got.returncode == 0, got.stderr
    assert sha256(out.read_bytes()) == digest
    assert [p.name for p in out.parent.iterdir()] == ["exhibit.jpg"]  # no temporary left
    vault = Vault.unlock(folder, passphrase=PASSPHRASE)
    try:
        with vault.read() as conn:
            exported = (
                connection(conn)
                .execute(text("SELECT record_id FROM audit_log WHERE action = 'export'"))
                .scalars()
                .all()
            )
    finally:
        vault.lock()
    assert exported == [attachment_id]


@pytest.mark.parametrize(
    "content", [b"plain text notes\n", b"MZ\x90\x00" + bytes(200)], ids=["text", "program"]
)
def test_attach_of_an_unsupported_file_exits_5_and_stores_nothing(
    with_visit: tuple[Path, str], tmp_path: Path, content: bytes
) -> None:
    folder, visit_id = with_visit
    source = tmp_path / "photo.jpg"  # the name says photo; the content decides
    source.write_bytes(content)
    result = run("attach", "visit", visit_id, str(source), *_vault_args(folder))
    assert result.returncode == 5
    assert "Traceback" not in result.stderr
    assert run("attachments", "visit", visit_id, *_vault_args(folder)).stdout == ""


def test_attach_of_a_file_over_the_limit_exits_5_and_stores_nothing(
    with_visit: tuple[Path, str], tmp_path: Path
) -> None:
    folder, visit_id = with_visit
    source = tmp_path / "big.pdf"
    source.write_bytes(pdf() + b"%" * (25 * 1024 * 1024))
    result = run("attach", "visit", visit_id, str(source), *_vault_args(folder))
    assert result.returncode == 5
    assert "larger than the limit of 25 MB" in result.stderr
    assert run("attachments", "visit", visit_id, *_vault_args(folder)).stdout == ""


def _check_after_crash(folder: Path, visit_id: str, acknowledged: dict[str, str]) -> int:
    vault = Vault.unlock(folder, passphrase=PASSPHRASE)
    try:
        assert vault.check().ok, vault.check().problems
        service = AttachmentService(vault)
        listed = service.list_for(owner_type="visit", owner_id=visit_id)
        held = {v.id: v.sha256 for v in listed}
        for attachment_id, digest in acknowledged.items():
            assert held.get(attachment_id) == digest, "an acknowledged attachment was lost"
        for view in listed:  # anything visible is whole, acknowledged or not
            assert view.available
            assert sha256(service.open(attachment_id=view.id)) == view.sha256
        with vault.read() as conn:
            counted = connection(conn).execute(
                text(
                    "SELECT count(*) FROM blob WHERE sha256 NOT IN "
                    "(SELECT sha256 FROM attachment UNION "
                    "SELECT thumbnail_sha256 FROM attachment WHERE thumbnail_sha256 IS NOT NULL)"
                )
            )
            orphans = counted.scalar_one()
        assert orphans == 0, "a file without its record was left behind"
        return len(listed)
    finally:
        vault.lock()


def test_kill_9_during_attach_loses_no_acknowledged_attachment_and_shows_no_partial_one(
    with_visit: tuple[Path, str], tmp_path: Path
) -> None:
    folder, visit_id = with_visit
    photos = []
    for seed in range(3):  # about 700 KB each: three chunks apiece
        path = tmp_path / f"p{seed}.jpg"
        path.write_bytes(photo(width=800, height=800, seed=seed))
        photos.append(str(path))
    acknowledged: dict[str, str] = {}
    runs = 22
    for number in range(runs):
        stop_inside = number % 4 == 3
        child = subprocess.Popen(
            [sys.executable, str(HERE / "crash_attach.py"), str(folder), visit_id, *photos]
            + (["--stop-inside"] if stop_inside else []),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdin is not None
        assert child.stdout is not None
        child.stdin.write(PASSPHRASE + "\n")
        child.stdin.flush()
        # Killed after 1-3 acknowledgements (mid-way through the next attach) or, every fourth
        # run, inside an attach's transaction after its file was written.
        wanted = 1 + number % 3
        while True:
            line = child.stdout.readline()
            assert line, "the attaching process stopped on its own"
            if line.strip() == "inside":
                break
            _word, attachment_id, digest = line.split()
            acknowledged[attachment_id] = digest
            wanted -= 1
            if wanted == 0 and not stop_inside:
                break
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
        child.stdin.close()
        child.stdout.close()
        held = _check_after_crash(folder, visit_id, acknowledged)
        assert len(acknowledged) <= held <= len(acknowledged) + 1
    assert len(acknowledged) >= runs


def _occurrences(roots: list[Path], needles: list[bytes]) -> list[str]:
    found: list[str] = []
    for root in roots:
        if not root.exists():
            continue
        for path in root.rglob("*"):
            if not path.is_file() or path.is_symlink():
                continue
            try:
                data = path.read_bytes()
            except OSError:
                continue
            found.extend(str(path) for needle in needles if needle in data)
    return found


def test_no_image_or_thumbnail_bytes_exist_outside_the_vault_after_attach_and_view(
    with_visit: tuple[Path, str], tmp_path: Path
) -> None:
    folder, visit_id = with_visit
    source_folder = tmp_path / "camera"
    source_folder.mkdir()
    source = source_folder / "photo.jpg"
    source.write_bytes(photo(width=700, height=500, seed=7))
    # The attaching and viewing processes get temporary, home and cache folders of their own,
    # so everything they could have written is searched, not a guess at where.
    temp, home, cache = tmp_path / "tmp", tmp_path / "home", tmp_path / "cache"
    for place in (temp, home, cache):
        place.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "HOME": str(home), "XDG_CACHE_HOME": str(cache)}
    attached = run("attach", "visit", visit_id, str(source), *_vault_args(folder), env=env)
    assert attached.returncode == 0, attached.stderr
    viewer = (
        "import sys, tempfile\n"
        "from pathlib import Path\n"
        "from fieldkit.services.evidence import AttachmentService\n"
        "from fieldkit.store.vault import Vault\n"
        "assert tempfile.gettempdir() == sys.argv[3]\n"
        "vault = Vault.unlock(Path(sys.argv[1]), passphrase=sys.stdin.readline().strip())\n"
        "service = AttachmentService(vault)\n"
        "service.open(attachment_id=sys.argv[2])\n"
        "service.thumbnails(owner_type='visit', owner_id=sys.argv[4])\n"
        "vault.lock()\n"
    )
    attachment_id = attached.stdout.split()[0]
    viewed = subprocess.run(
        [sys.executable, "-c", viewer, str(folder), attachment_id, str(temp), visit_id],
        input=PASSPHRASE + "\n", capture_output=True, text=True, env=env, timeout=120,
        check=False,
    )  # fmt: skip
    assert viewed.returncode == 0, viewed.stderr
    vault = Vault.unlock(folder, passphrase=PASSPHRASE)
    try:
        service = AttachmentService(vault)
        stored = service.open(attachment_id=attachment_id)
        [thumbnail] = service.thumbnails(owner_type="visit", owner_id=visit_id).values()
    finally:
        vault.lock()
    assert thumbnail is not None
    original = source.read_bytes()

    def samples(data: bytes) -> list[bytes]:
        return [data[i : i + 48] for i in (len(data) // 4, len(data) // 2, 3 * len(data) // 4)]

    needles = samples(stored) + samples(thumbnail) + samples(original)
    roots = [folder, temp, home, cache]
    assert _occurrences(roots, needles) == []
    # The search itself finds what it is looking for where it is in the clear.
    assert _occurrences([source_folder], samples(original)) == [str(source)] * 3
