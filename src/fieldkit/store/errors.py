"""What can go wrong with a vault, in words an officer can act on. No message holds a secret."""

from __future__ import annotations


class VaultError(Exception):
    """Base of every error the vault reports to its user."""


class WrongPassphraseError(VaultError):
    def __init__(self) -> None:
        super().__init__("The passphrase is not right for this vault. Check it and try again.")


class VaultDamagedError(VaultError):
    def __init__(self, detail: str = "") -> None:
        message = (
            "This vault's files are damaged or have been altered, so Fieldkit will not read them. "
            "Restore the vault from a backup or ask your administrator."
        )
        super().__init__(f"{message} ({detail})" if detail else message)


class ForeignVaultError(VaultError):
    def __init__(self) -> None:
        super().__init__(
            "This vault belongs to another account on this computer and cannot be opened here. "
            "Each user must create their own vault."
        )


class VaultExistsError(VaultError):
    def __init__(self) -> None:
        super().__init__("A vault already exists in that folder. Unlock it instead.")


class FolderNotEmptyError(VaultError):
    def __init__(self) -> None:
        super().__init__(
            "That folder already holds other files. A vault needs a folder of its own: "
            "choose a new or empty folder."
        )


class VaultMissingError(VaultError):
    def __init__(self) -> None:
        super().__init__("There is no vault in that folder. Create one first.")


class VaultLockedError(VaultError):
    def __init__(self) -> None:
        super().__init__("The vault is locked. Unlock it with your passphrase.")


class RecordNotFoundError(VaultError):
    def __init__(self, record_type: str) -> None:
        super().__init__(f"That {record_type.replace('_', ' ')} is not in this vault.")
