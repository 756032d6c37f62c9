"""The keyed digest behind the pseudonym, hash and surrogate operators.

HMAC-SHA256 under the run's secret key: the same key gives the same digest for
the same text in every row, file and run; without the key the digest can neither
be recomputed nor inverted by trying candidate names. Each operator passes its own
domain, so a hash never equals a pseudonym id of the same text. Operators digest
text normalised by ``anonymizer.normalise``.
"""

from __future__ import annotations

import hashlib
import hmac


def check_key(key: bytes) -> bytes:
    if not key:
        raise ValueError("keyed operators need a non-empty secret key")
    return key


def keyed_digest(key: bytes, domain: str, *parts: str) -> bytes:
    """HMAC-SHA256 of ``domain`` and ``parts``, each length-prefixed so no two inputs collide."""
    message = b"".join(
        len(data).to_bytes(4, "big") + data for data in (item.encode() for item in (domain, *parts))
    )
    return hmac.new(key, message, hashlib.sha256).digest()
