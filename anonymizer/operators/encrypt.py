"""The ``encrypt`` operator: reversible pseudonyms for someone who holds the key.

Deterministic authenticated encryption (AES-SIV, RFC 5297) of the exact surface text:
the same value under the same key gives the same token in every row, file and run (so
joins still work), a changed token fails authentication, and ``anonymizer decrypt``
(:mod:`anonymizer.restore`) gives the original text back. A token reads
``[PER:<base64url>]``: the label, then the 16-byte SIV tag and the ciphertext.

The AES key (64 bytes, AES-256-SIV) is derived from the run's secret key (``--key-file``)
with the keyed digest of :mod:`anonymizer.operators.keyed` under this module's domain,
so it never equals a pseudonym id or a hash. The label is authenticated as associated
data: a token moved under another label does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from anonymizer.errors import OPTION, UsageError
from anonymizer.operators import Operator, Target
from anonymizer.operators.keyed import check_key, keyed_digest
from anonymizer.operators.registry import uses_reversible

if TYPE_CHECKING:
    from collections.abc import Iterable

    from anonymizer.config import Config

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESSIV

DOMAIN = "anonymizer/encrypt/v1"
#: A token as :class:`Encrypt` writes it: the label, then at least the 16-byte tag (22 characters).
TOKEN = re.compile(r"\[([A-Z][A-Z0-9_]*):([A-Za-z0-9_-]{22,})\]")


class TokenError(ValueError):
    """A token that does not decrypt under the key: a wrong key, or a changed token."""


def _aes_key(key: bytes) -> bytes:
    return keyed_digest(key, DOMAIN, "siv", "1") + keyed_digest(key, DOMAIN, "siv", "2")


@dataclass(frozen=True)
class Cipher:
    """AES-SIV under the key derived from ``key``; the label is associated data."""

    key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        check_key(self.key)

    @cached_property
    def _siv(self) -> AESSIV:
        from cryptography.hazmat.primitives.ciphers.aead import AESSIV  # imported only when used

        return AESSIV(_aes_key(self.key))

    def seal(self, label: str, text: str) -> str:
        """The token of ``text`` under ``label``."""
        sealed = self._siv.encrypt(text.encode("utf-8"), [DOMAIN.encode(), label.encode()])
        return f"[{label}:{base64.urlsafe_b64encode(sealed).rstrip(b'=').decode('ascii')}]"

    def open(self, label: str, body: str) -> str:
        """The text of a token's ``label`` and ``body``; :class:`TokenError` if it does not decrypt."""
        from cryptography.exceptions import InvalidTag

        try:
            sealed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            return self._siv.decrypt(sealed, [DOMAIN.encode(), label.encode()]).decode("utf-8")
        except (InvalidTag, binascii.Error, UnicodeDecodeError, ValueError):
            raise TokenError("the token does not decrypt under this key") from None


@dataclass(frozen=True, slots=True)
class Encrypt(Operator):
    """``[PER:…]``: the surface text encrypted, so that the holder of the key can restore it.

    Unlike ``pseudonym`` the token depends on the exact surface ("Anna" and "anna" differ),
    since decrypting must give back the original bytes.
    """

    name = "encrypt"
    needs_key = True
    reversible = True

    key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        check_key(self.key)

    def replace(self, target: Target) -> str:
        return cipher(self.key).seal(target.label, target.surface)


def check_kept_key(config: Config, labels: Iterable[str], *, key_was_random: bool) -> None:
    """Refuse to encrypt under a random key: nobody could ever decrypt the tokens."""
    if key_was_random and uses_reversible(config, labels):
        raise UsageError(
            f"the encrypt operator needs a key that is kept ({OPTION}): under a random key for "
            "this run its tokens could never be decrypted",
            option="key",
        )


@lru_cache(maxsize=8)
def cipher(key: bytes) -> Cipher:
    """The :class:`Cipher` of ``key``, built once per key (the key schedule is not free)."""
    return Cipher(key)
