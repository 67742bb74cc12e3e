"""The key derivation costs of the throwaway vaults benchmarks make (unlocking not measured)."""

from __future__ import annotations

from fieldkit.store.keyfile import KdfParams

#: The cheapest Argon2id costs a vault accepts: a benchmark's throwaway vault, never an officer's.
BENCH_KDF = KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1)
