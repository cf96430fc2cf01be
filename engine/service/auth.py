"""Who is calling: API keys (kept as SHA-256 hashes in the server's config) and the bearer
tokens the console gets by signing in (HS256, signed with the server's secret).

What a caller may do comes from the identity alone: its role (`agent` reaches only its own
sessions, `supervisor` all of them) and its permissions (what flows read as
`agent.permissions`). Nothing a request carries in its body can add to them.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import jwt
import yaml
from callguide.service.problems import ConfigError, Unauthenticated

ROLES = ("agent", "supervisor")
Role = Literal["agent", "supervisor"]


@dataclass(frozen=True, slots=True)
class Identity:
    name: str
    role: Role
    display: str = ""
    permissions: tuple[str, ...] = ()

    @property
    def supervisor(self) -> bool:
        return self.role == "supervisor"

    def agent(self) -> dict[str, Any]:
        """The `agent` a flow sees (`name` is what the flows say to callers, `id` the login):
        made here, never taken from the request."""
        return {
            "id": self.name,
            "name": self.display or self.name,
            "role": self.role,
            "permissions": list(self.permissions),
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "display": self.display or self.name,
            "role": self.role,
            "permissions": list(self.permissions),
        }


@dataclass(frozen=True, slots=True)
class User:
    identity: Identity
    key_sha256: str


@dataclass(frozen=True, slots=True)
class AuthConfig:
    secret: bytes
    users: tuple[User, ...] = ()
    token_minutes: int = 480
    by_hash: dict[str, User] = field(default_factory=dict)

    @classmethod
    def of(cls, secret: bytes, users: tuple[User, ...], token_minutes: int = 480) -> AuthConfig:
        return cls(secret, users, token_minutes, {user.key_sha256: user for user in users})

    def by_key(self, key: str) -> Identity | None:
        wanted = hash_key(key)
        user = self.by_hash.get(wanted)
        # the lookup is by hash, so timing tells nothing about any key; compared once more all the same
        if user is None or not hmac.compare_digest(user.key_sha256, wanted):
            return None
        return user.identity

    def sign_in(self, name: str, key: str) -> Identity | None:
        identity = self.by_key(key)
        return identity if identity is not None and identity.name == name else None

    def token(self, identity: Identity, now: datetime | None = None) -> tuple[str, datetime]:
        issued = now or datetime.now(UTC)
        expires = issued + timedelta(minutes=self.token_minutes)
        claims = {"sub": identity.name, "iat": int(issued.timestamp()), "exp": int(expires.timestamp())}
        return jwt.encode(claims, self.secret, algorithm="HS256"), expires

    def authenticate(self, credential: str) -> Identity:
        """The identity of an API key or a token; the token's user must still be configured
        (its role and permissions are the config's now, not the ones it was signed with)."""
        if credential.count(".") == 2:
            try:
                claims = jwt.decode(credential, self.secret, algorithms=["HS256"], options={"require": ["exp", "sub"]})
            except jwt.ExpiredSignatureError:
                raise Unauthenticated("the token has expired: sign in again") from None
            except jwt.InvalidTokenError:
                raise Unauthenticated("the token is not valid") from None
            for user in self.users:
                if user.identity.name == claims["sub"]:
                    return user.identity
            raise Unauthenticated("the token's user is no longer configured")
        identity = self.by_key(credential)
        if identity is None:
            raise Unauthenticated("the API key is not valid")
        return identity


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def load_config(path: Path | None, secret: str | None = None) -> AuthConfig:
    """The server's users and secret from its YAML config (`secret` may come from the
    environment instead: CALLGUIDE_SECRET)."""
    data: dict[str, Any] = {}
    if path is not None:
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise ConfigError(f"cannot read {path}: {error.strerror}") from None
        except yaml.YAMLError as error:
            raise ConfigError(f"{path} is not YAML: {error}") from None
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path}: the config is a map (secret:, users:)")
        data = loaded
    chosen = secret or data.get("secret")
    if not isinstance(chosen, str) or len(chosen) < 16:
        raise ConfigError("the server needs a `secret` of at least 16 characters (config file or CALLGUIDE_SECRET)")
    users = []
    for index, entry in enumerate(data.get("users") or [], 1):
        users.append(_user(entry, f"{path}: user {index}"))
    names = [user.identity.name for user in users]
    if len(set(names)) != len(names):
        raise ConfigError(f"{path}: two users have the same name")
    minutes = data.get("token_minutes", 480)
    if not isinstance(minutes, int) or minutes <= 0:
        raise ConfigError(f"{path}: token_minutes is a whole number of minutes")
    return AuthConfig.of(chosen.encode(), tuple(users), minutes)


def _user(entry: Any, where: str) -> User:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} is a map (name, role, key_sha256)")
    name, role, digest = entry.get("name"), entry.get("role", "agent"), entry.get("key_sha256")
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{where} has no name")
    if role not in ROLES:
        raise ConfigError(f"{where}: role is agent or supervisor, not {role!r}")
    if not isinstance(digest, str) or len(digest) != 64:
        raise ConfigError(f"{where}: key_sha256 is the SHA-256 (64 hex digits) of the user's key")
    permissions = entry.get("permissions") or []
    if not isinstance(permissions, list) or not all(isinstance(p, str) for p in permissions):
        raise ConfigError(f"{where}: permissions is a list of names")
    identity = Identity(name, role, str(entry.get("display") or ""), tuple(permissions))
    return User(identity, digest.lower())
