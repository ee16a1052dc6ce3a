"""Camera passwords are encrypted with Fernet under a key derived from the installation's secret.

A keyed digest is stored beside each ciphertext so that an import can tell whether a password
changed without decrypting every stored one (Fernet ciphertexts differ on every encryption).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from qarauyl.config import Settings
from qarauyl.errors import ConfigError


def load_secret_key(settings: Settings) -> bytes:
    """The secret from the settings, else from data_dir/secret.key, created (mode 0600) on first use."""
    if settings.secret_key is not None:
        value = settings.secret_key.get_secret_value().encode()
        if len(value) < 16:
            raise ConfigError("QARAUYL_SECRET_KEY is too short: use at least 16 characters.")
        return value
    path = settings.data_dir / "secret.key"
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(value + b"\n")
    return value


def derive_key(secret: bytes, purpose: bytes) -> bytes:
    """A 32-byte key for one purpose: each use of the secret gets its own, so one never unlocks another."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"qarauyl", info=purpose).derive(secret)


class CredentialCipher:
    """Encrypts and decrypts camera passwords; the only place that ever sees them in clear."""

    def __init__(self, secret: bytes) -> None:
        self._fernet = Fernet(base64.urlsafe_b64encode(derive_key(secret, b"camera-password")))
        self._digest_key = derive_key(secret, b"camera-password-digest")

    @classmethod
    def from_settings(cls, settings: Settings) -> CredentialCipher:
        return cls(load_secret_key(settings))

    def encrypt(self, password: str) -> str:
        return self._fernet.encrypt(password.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise ConfigError(
                "A stored camera password cannot be decrypted: the secret key changed since it was stored."
            ) from None

    def digest(self, password: str) -> str:
        return hmac.new(self._digest_key, password.encode(), hashlib.sha256).hexdigest()
