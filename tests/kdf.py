"""Key derivation for the vaults tests make; its own module, as server-only runs have no vault."""

from __future__ import annotations

from fieldkit.store.keyfile import KdfParams

#: The cheapest Argon2id costs a vault accepts, so that tests unlock in milliseconds. Tests only:
#: a vault made with them is no harder to attack than its passphrase.
TEST_KDF = KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1)
