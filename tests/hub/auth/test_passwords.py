"""Argon2id hashes, password rules, random passwords, IP allow-lists, the directory port."""

from __future__ import annotations

import pytest

from hub.auth.config import AuthConfig, DirectoryConfig
from hub.auth.directory import DirectoryError, LdapDirectory, MemoryDirectory, escape_rdn
from hub.auth.networks import allowed, client_address, parse_networks
from hub.auth.passwords import (
    GENERATED_ALPHABET,
    PASSWORD_MAX,
    Passwords,
    check_new_password,
    generate_password,
)
from hub.errors import Invalid
from tests.hub.auth_fixtures import FAST_AUTH


def test_hashes_are_argon2id_salted_and_verify(passwords: Passwords) -> None:
    first, second = passwords.hash("correct horse"), passwords.hash("correct horse")
    assert first.startswith("$argon2id$") and first != second  # a salt of its own each
    assert passwords.verify(first, "correct horse")
    assert not passwords.verify(first, "correct horsE")
    assert not passwords.verify(None, "anything at all")
    assert not passwords.verify("not a hash", "correct horse")
    assert not passwords.verify(first, "x" * (PASSWORD_MAX + 1))


def test_stronger_parameters_rehash_old_hashes(passwords: Passwords) -> None:
    old = passwords.hash("correct horse")
    stronger = Passwords(AuthConfig(argon2_time_cost=2, argon2_memory_kib=16,
                                    argon2_parallelism=1))
    assert stronger.verify(old, "correct horse")  # old hashes still work ...
    assert stronger.needs_rehash(old)  # ... and are renewed at the next login
    assert not stronger.needs_rehash(stronger.hash("correct horse"))
    assert not passwords.needs_rehash(old)


def test_new_passwords_must_be_long_enough() -> None:
    with pytest.raises(Invalid, match="at least 10"):
        check_new_password("short")
    with pytest.raises(Invalid, match="only spaces"):
        check_new_password(" " * 12)
    with pytest.raises(Invalid, match="at most"):
        check_new_password("x" * (PASSWORD_MAX + 1))
    assert check_new_password("long enough!") == "long enough!"


def test_generated_passwords_are_random_and_readable() -> None:
    made = {generate_password() for _ in range(50)}
    assert len(made) == 50
    for password in made:
        assert len(password) == 16 and set(password) <= set(GENERATED_ALPHABET)
        assert not set(password) & set("0O1lI")
        check_new_password(password)


def test_allow_lists() -> None:
    assert parse_networks("192.168.1.20\n10.0.0.0/8, 2001:db8::/32 10.0.0.0/8") == [
        "192.168.1.20/32", "10.0.0.0/8", "2001:db8::/32"]
    with pytest.raises(Invalid, match="not an IP address"):
        parse_networks("10.0.0.300")
    nets = ["192.168.1.20/32", "10.0.0.0/8"]
    assert allowed("192.168.1.20", nets) and allowed("10.9.8.7", nets)
    assert not allowed("192.168.1.21", nets)
    assert allowed("::ffff:10.1.1.1", nets)  # IPv4 over an IPv6 socket
    assert not allowed(None, nets) and not allowed("garbage", nets)
    assert allowed("203.0.113.9", [])  # no list: anywhere
    assert client_address("fe80::1%eth0") is not None


def test_memory_directory() -> None:
    directory = MemoryDirectory({"eva": "secret word"})
    assert directory.authenticate("eva", "secret word")
    assert not directory.authenticate("eva", "wrong")
    assert not directory.authenticate("eva", "")
    directory.down = True
    with pytest.raises(DirectoryError):
        directory.authenticate("eva", "secret word")


def test_user_names_cannot_inject_dn_syntax() -> None:
    assert escape_rdn("eva") == "eva"
    assert escape_rdn("a,ou=admins") == "a\\,ou\\=admins"
    assert escape_rdn("#x ") == "\\#x\\ "
    directory = LdapDirectory(DirectoryConfig("ldap://127.0.0.1:1", "uid={username},dc=x"))
    assert directory.user_dn("a+b") == "uid=a\\+b,dc=x"
    assert not directory.authenticate("eva", "")  # never an anonymous bind


def test_directory_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="ldap://"):
        DirectoryConfig("http://x", "uid={username}")
    with pytest.raises(ValueError, match="username"):
        DirectoryConfig("ldap://x", "uid=fixed")
    config = AuthConfig.from_env({"VRATNIK_LDAP_URL": "ldaps://dc.example",
                                  "VRATNIK_LDAP_USER_DN": "{username}@corp.example",
                                  "VRATNIK_SECRET_KEY": "s3cr3t", "VRATNIK_PROXY_HOPS": "1"})
    assert config.directory == DirectoryConfig("ldaps://dc.example", "{username}@corp.example")
    assert config.proxy_hops == 1 and "s3cr3t" not in repr(config)
    assert FAST_AUTH.secure_cookies is None
    with pytest.raises(ValueError, match="yes, no or auto"):
        AuthConfig.from_env({"VRATNIK_SECURE_COOKIES": "maybe"})
