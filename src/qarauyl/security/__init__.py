"""Secrets at rest: the installation's secret key and the cipher for camera passwords."""

from qarauyl.security.credentials import CredentialCipher, load_secret_key

__all__ = ["CredentialCipher", "load_secret_key"]
