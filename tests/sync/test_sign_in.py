"""Signing a laptop in from the app against real server processes, TLS with a partnership CA."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import update
from tests.factories import PASSPHRASE, person
from tests.kdf import TEST_KDF
from tests.sync.conftest import PASSWORD, SERVER_ENV, Server, free_port

from fieldkit.domain.enrolment import Enrolment, enrolment_code
from fieldkit.services.records import RecordService
from fieldkit.services.settings import SettingsService
from fieldkit.services.sign_in import AppSync, SignInError, SignInProblem
from fieldkit.store.vault import Vault
from fieldkit.sync.status import SyncState, SyncStatus
from fieldkit.sync.transport import Transport, TransportConfig
from fieldkit_server import accounts
from fieldkit_server.db import make_engine, migrate
from fieldkit_server.models import Token

UVICORN = Path(sys.executable).parent / "uvicorn"


def _fast(url: str, ca: Path | None) -> TransportConfig:
    return TransportConfig(
        server_url=url,
        ca_bundle=ca,
        connect_timeout=2.0,
        read_timeout=30.0,
        max_attempts=2,
        backoff_base=0.01,
        backoff_cap=0.02,
    )


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    made = Vault.create(
        tmp_path / "laptop", username="amy.officer", passphrase=PASSPHRASE, kdf=TEST_KDF
    )
    yield made
    if not made.locked:
        made.lock()


def _app_sync(vault: Vault) -> AppSync:
    return AppSync(vault, SettingsService(vault), device_name="test laptop", config=_fast)


def _add_amy(server: Server, *, staff_number: str = "PCSO 4471") -> None:
    server.admin.add_user("amy.officer")
    server.admin._run(
        lambda s: accounts.set_user(
            s,
            username="amy.officer",
            display_name="Amy Okafor",
            staff_number=staff_number,
            now=dt.datetime.now(dt.UTC),
            actor="test",
        )
    )


def _settled(sync: AppSync) -> SyncStatus:
    sync.wait(120)
    return sync.current()


def test_signing_in_keeps_the_server_and_takes_the_officer_from_the_account(
    sqlite_server: Server, vault: Vault
) -> None:
    _add_amy(sqlite_server)
    sync = _app_sync(vault)
    seen: list[SyncStatus] = []
    sync.subscribe(seen.append)
    assert seen[0].sign_in_needed
    signed = sync.sign_in(server_url=sqlite_server.url, username="Amy.Officer", password=PASSWORD)
    assert (signed.display_name, signed.staff_number) == ("Amy Okafor", "PCSO 4471")
    status = _settled(sync)
    assert status.state is SyncState.UP_TO_DATE
    # The first sync reported its progress step by step before it settled.
    assert {"handshake", "pull"} <= {s.step for s in seen if s.state is SyncState.SYNCING}
    settings = SettingsService(vault).load()
    assert (settings.server_url, settings.officer_name, settings.officer_number) == (
        sqlite_server.url,
        "Amy Okafor",
        "PCSO 4471",
    )


def test_the_status_is_kept_in_the_vault_and_shown_again_at_unlock(
    sqlite_server: Server, vault: Vault
) -> None:
    _add_amy(sqlite_server)
    sync = _app_sync(vault)
    sync.sign_in(server_url=sqlite_server.url, username="", password=PASSWORD)
    synced = _settled(sync)
    sync.close()
    folder = vault.folder
    vault.lock()
    again = Vault.unlock(folder, passphrase=PASSPHRASE)
    try:
        restored = _app_sync(again).current()
        assert restored.state is SyncState.UP_TO_DATE
        assert restored.last_synced_at == synced.last_synced_at
        assert not restored.sign_in_needed
    finally:
        again.lock()


def test_a_wrong_password_has_its_own_sentence_and_changes_nothing(
    sqlite_server: Server, vault: Vault
) -> None:
    _add_amy(sqlite_server)
    sync = _app_sync(vault)
    with pytest.raises(SignInError) as caught:
        sync.sign_in(server_url=sqlite_server.url, username="", password="not my password")
    assert caught.value.problem is SignInProblem.WRONG_PASSWORD
    assert "password was not accepted" in str(caught.value)
    assert "not my password" not in str(caught.value)
    assert SettingsService(vault).load().server_url == ""


def test_a_disabled_account_has_its_own_sentence(sqlite_server: Server, vault: Vault) -> None:
    _add_amy(sqlite_server)
    sqlite_server.admin.disable_user("amy.officer")
    with pytest.raises(SignInError) as caught:
        _app_sync(vault).sign_in(server_url=sqlite_server.url, username="", password=PASSWORD)
    assert caught.value.problem is SignInProblem.ACCOUNT_DISABLED
    assert "disabled" in str(caught.value)


def test_an_unreachable_server_has_its_own_sentence(vault: Vault) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(SignInError) as caught:
        _app_sync(vault).sign_in(server_url=nobody, username="", password=PASSWORD)
    assert caught.value.problem is SignInProblem.NO_NETWORK
    assert "could not be reached" in str(caught.value)


def test_plain_http_to_another_computer_is_refused_before_anything_is_sent(vault: Vault) -> None:
    with pytest.raises(SignInError) as caught:
        _app_sync(vault).sign_in(
            server_url="http://sync.partnership.example", username="", password=PASSWORD
        )
    assert caught.value.problem is SignInProblem.ADDRESS
    assert "https://" in str(caught.value)
    with pytest.raises(ValueError, match="https://"):
        Transport(TransportConfig(server_url="http://10.1.2.3:8080"))


def test_a_password_in_the_server_address_is_refused_and_never_repeated(vault: Vault) -> None:
    with pytest.raises(SignInError) as caught:
        _app_sync(vault).sign_in(
            server_url="https://amy:hunter2-secret@sync.partnership.example",
            username="",
            password=PASSWORD,
        )
    assert caught.value.problem is SignInProblem.ADDRESS
    assert "hunter2-secret" not in str(caught.value)
    assert SettingsService(vault).load().server_url == ""


def test_an_expired_sign_in_asks_for_the_password_and_signing_in_resumes_sync(
    sqlite_server: Server, vault: Vault
) -> None:
    _add_amy(sqlite_server)
    sync = _app_sync(vault)
    sync.sign_in(server_url=sqlite_server.url, username="", password=PASSWORD)
    assert _settled(sync).state is SyncState.UP_TO_DATE
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    sqlite_server.admin._run(lambda s: s.execute(update(Token).values(expires_at=past)))
    RecordService(vault).create(record_type="person", fields=person())
    sync.sync_now()
    stopped = _settled(sync)
    assert stopped.state is SyncState.NEEDS_ATTENTION
    assert stopped.sign_in_needed
    assert stopped.unsynced == 1  # the work waits on the laptop
    sync.sign_in(server_url=sqlite_server.url, username="", password=PASSWORD)
    resumed = _settled(sync)
    assert (resumed.state, resumed.unsynced, resumed.sign_in_needed) == (
        SyncState.UP_TO_DATE,
        0,
        False,
    )


# Real server processes started with uvicorn directly: over TLS, or with a newer minimum -------


@dataclass
class _Uvicorn:
    proc: subprocess.Popen[bytes]
    url: str


def _uvicorn(
    tmp: Path, *, tls: tuple[Path, Path, Path] | None = None, min_client: str = "0.1.0"
) -> _Uvicorn:
    """`tls` is (ca, certificate, key)."""
    db = f"sqlite:///{tmp / 'tls-server.sqlite3'}"
    engine = make_engine(db)
    migrate(engine)
    engine.dispose()
    port = free_port()
    args = [str(UVICORN), "fieldkit_server.app:create_app_from_env", "--factory"]
    args += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    scheme = "http"
    if tls is not None:
        args += ["--ssl-certfile", str(tls[1]), "--ssl-keyfile", str(tls[2])]
        scheme = "https"
    env = {
        **SERVER_ENV,
        "FIELDKIT_SERVER_DB": db,
        "FIELDKIT_SERVER_MIN_CLIENT_VERSION": min_client,
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
    }
    proc = subprocess.Popen(args, cwd=tmp, env=env, stdout=subprocess.DEVNULL)
    url = f"{scheme}://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server process ended"
        try:
            requests.get(url + "/v1/health", timeout=2, verify=str(tls[0]) if tls else True)
            return _Uvicorn(proc, url)
        except requests.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    raise AssertionError("server did not start within 30 s")


def _partnership_ca(tmp: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for 127.0.0.1 it signed: (ca, cert, key)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Kirklees Partnership CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = (tmp / "partnership-ca.pem", tmp / "server.pem", tmp / "server.key")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


def _add_user_to(db_url: str) -> None:
    from tests.sync.conftest import Admin

    Admin(db_url).add_user("amy.officer")


def test_a_partnership_ca_is_trusted_only_when_settings_point_at_its_certificate(
    tmp_path: Path, vault: Vault
) -> None:
    ca, cert, key = _partnership_ca(tmp_path)
    server = _uvicorn(tmp_path, tls=(ca, cert, key))
    try:
        _add_user_to(f"sqlite:///{tmp_path / 'tls-server.sqlite3'}")
        sync = _app_sync(vault)
        with pytest.raises(SignInError) as caught:
            sync.sign_in(server_url=server.url, username="", password=PASSWORD)
        assert caught.value.problem is SignInProblem.CERTIFICATE
        assert "certificate authority" in str(caught.value)
        sync.sign_in(server_url=server.url, username="", password=PASSWORD, ca_certificate=str(ca))
        assert _settled(sync).state is SyncState.UP_TO_DATE
        assert SettingsService(vault).load().ca_certificate == str(ca)
        sync.close()
    finally:
        server.proc.terminate()
        server.proc.wait(timeout=30)


def test_a_server_that_needs_a_newer_fieldkit_has_its_own_sentence(
    tmp_path: Path, vault: Vault
) -> None:
    server = _uvicorn(tmp_path, min_client="99.0.0")
    try:
        _add_user_to(f"sqlite:///{tmp_path / 'tls-server.sqlite3'}")
        with pytest.raises(SignInError) as caught:
            _app_sync(vault).sign_in(server_url=server.url, username="", password=PASSWORD)
        assert caught.value.problem is SignInProblem.VERSION
        assert "needs Fieldkit 99.0.0" in str(caught.value)
    finally:
        server.proc.terminate()
        server.proc.wait(timeout=30)


def test_a_certificate_file_gone_from_the_laptop_asks_for_it_again(
    tmp_path: Path, vault: Vault
) -> None:
    ca = tmp_path / "partnership-ca.pem"
    ca.write_text("kept for a moment", encoding="utf-8")
    settings = SettingsService(vault)
    settings.save(
        replace(settings.load(), server_url="https://sync.example", ca_certificate=str(ca))
    )
    ca.unlink()
    status = _app_sync(vault).current()
    assert status.state is SyncState.NEEDS_ATTENTION
    assert status.sign_in_needed
    assert "certificate file" in status.message


def test_an_enrolment_code_signs_in_with_the_server_and_user_it_carries(
    sqlite_server: Server, vault: Vault
) -> None:
    _add_amy(sqlite_server)
    code = enrolment_code(Enrolment(sqlite_server.url, "amy.officer"))
    sync = _app_sync(vault)
    signed = sync.sign_in(server_url=code, username="", password=PASSWORD)
    assert signed.server_url == sqlite_server.url
    assert _settled(sync).state is SyncState.UP_TO_DATE
    assert SettingsService(vault).load().server_url == sqlite_server.url
    with pytest.raises(SignInError) as caught:
        _app_sync(vault).sign_in(server_url=code[:-6] + "!!", username="", password=PASSWORD)
    assert caught.value.problem is SignInProblem.ADDRESS
