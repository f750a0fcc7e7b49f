"""The holder wallet core: accounts with their own DIDs, credentials encrypted at rest,
backups and presentations, with no web framework.

- :mod:`~vcbadges.wallet.store`: the :class:`WalletStore` protocol, :class:`SQLWalletStore`
  on the vcbadges database, :class:`UnlockedWallet` (an open account) and
  :class:`CredentialRecord`.
- :mod:`~vcbadges.wallet.crypto`: Argon2id key derivation (:class:`KDFParams`), data-key
  wrapping, record sealing and the backup file format (hazardous materials).

Errors are :class:`~vcbadges.errors.StorageError` with a ``code``; the wallet adds
:class:`WrongPassphrase` (``wrong_passphrase``), :class:`RecordTampered`
(``record_tampered``) and :class:`InvalidBackup` (``invalid_backup``).
"""

from vcbadges.wallet.crypto import (
    DEFAULT_KDF,
    InvalidBackup,
    KDFParams,
    RecordTampered,
    WrongPassphrase,
)
from vcbadges.wallet.store import (
    CredentialRecord,
    HolderAccount,
    SQLWalletStore,
    UnlockedWallet,
    WalletStore,
)

__all__ = [
    "WalletStore",
    "SQLWalletStore",
    "UnlockedWallet",
    "HolderAccount",
    "CredentialRecord",
    "KDFParams",
    "DEFAULT_KDF",
    "WrongPassphrase",
    "RecordTampered",
    "InvalidBackup",
]
