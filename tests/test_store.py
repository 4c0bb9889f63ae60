"""jwt_course.store: the denylist and refresh-token families, called directly on SQLite."""

from __future__ import annotations

import sqlite3

import pytest

from jwt_course.store import RevocationStore

ISS = "https://issuer.example"
NOW = 1_700_000_000


@pytest.fixture
def store():
    with RevocationStore() as store:
        yield store


@pytest.fixture
def family(store):
    # one login: family "fam-1" of user alice, whose current refresh token is "r1"
    store.start_family(ISS, "fam-1", "alice", "r1", NOW + 3600, NOW)
    return store


def test_a_new_store_is_empty(store):
    assert store.row_counts() == {"denied_tokens": 0, "families": 0}
    assert not store.is_rejected(ISS, "a1", "fam-1")


def test_a_denied_token_is_rejected(store):
    store.deny_token(ISS, "a1", NOW + 900, NOW)
    assert store.is_rejected(ISS, "a1", "any-family")


def test_denying_one_token_leaves_the_others_alone(store):
    store.deny_token(ISS, "a1", NOW + 900, NOW)
    assert not store.is_rejected(ISS, "a2", "any-family")


def test_a_denial_is_per_issuer(store):
    store.deny_token(ISS, "a1", NOW + 900, NOW)
    assert not store.is_rejected("https://other.example", "a1", "any-family")


def test_denying_a_token_twice_keeps_one_row(store):
    store.deny_token(ISS, "a1", NOW + 900, NOW)
    store.deny_token(ISS, "a1", NOW + 900, NOW)
    assert store.row_counts()["denied_tokens"] == 1


def test_rotating_the_current_token_is_ok(family):
    assert family.rotate(ISS, "fam-1", "r1", "r2", NOW + 3600, NOW) == "ok"


def test_after_rotation_the_new_token_is_current(family):
    family.rotate(ISS, "fam-1", "r1", "r2", NOW + 3600, NOW)
    assert family.rotate(ISS, "fam-1", "r2", "r3", NOW + 3600, NOW) == "ok"


def test_presenting_a_used_token_is_reuse_and_revokes_the_family(family):
    family.rotate(ISS, "fam-1", "r1", "r2", NOW + 3600, NOW)
    assert family.rotate(ISS, "fam-1", "r1", "r9", NOW + 3600, NOW) == "reuse"
    assert family.is_rejected(ISS, "any-access-jti", "fam-1")
    assert family.rotate(ISS, "fam-1", "r2", "r3", NOW + 3600, NOW) == "revoked"


def test_an_unknown_family_is_unknown(store):
    assert store.rotate(ISS, "nobody", "r1", "r2", NOW + 3600, NOW) == "unknown"
    assert store.row_counts()["families"] == 0  # rotating an unknown family creates nothing


def test_a_family_is_per_issuer(family):
    assert family.rotate("https://other.example", "fam-1", "r1", "r2", NOW + 3600, NOW) == "unknown"


def test_starting_a_family_twice_is_refused(family):
    with pytest.raises(sqlite3.IntegrityError):
        family.start_family(ISS, "fam-1", "mallory", "r1", NOW + 3600, NOW)


def test_revoke_family_rejects_its_access_tokens_and_refresh_tokens(family):
    family.revoke_family(ISS, "fam-1", NOW, keep_until=NOW + 900)
    assert family.is_rejected(ISS, "any-access-jti", "fam-1")
    assert family.rotate(ISS, "fam-1", "r1", "r2", NOW + 3600, NOW) == "revoked"


def test_logout_denies_the_access_token_and_revokes_the_family(family):
    family.logout(ISS, "a1", NOW + 900, "fam-1", NOW, keep_until=NOW + 900)
    assert family.is_rejected(ISS, "a1", "another-family")
    assert family.rotate(ISS, "fam-1", "r1", "r2", NOW + 3600, NOW) == "revoked"


def test_a_failed_logout_writes_nothing(family):
    # The denial is written, then revoking the family fails (keep_until NULL breaks its
    # NOT NULL column): the whole logout rolls back, the denial included.
    with pytest.raises(sqlite3.IntegrityError):
        family.logout(ISS, "a1", NOW + 900, "fam-1", NOW, keep_until=None)
    assert family.row_counts() == {"denied_tokens": 0, "families": 1}
    assert family.rotate(ISS, "fam-1", "r1", "r2", NOW + 3600, NOW) == "ok"


def test_purge_removes_only_what_has_expired(store):
    store.deny_token(ISS, "short", NOW + 10, NOW)
    store.deny_token(ISS, "long", NOW + 1000, NOW)
    assert store.purge_expired(NOW + 10) == 1
    assert store.row_counts()["denied_tokens"] == 1
    assert store.is_rejected(ISS, "long", "f") and not store.is_rejected(ISS, "short", "f")


def test_every_write_purges_expired_rows(store):
    store.deny_token(ISS, "old", NOW + 10, NOW)
    store.start_family(ISS, "fam-1", "alice", "r1", NOW + 3600, NOW + 20)
    assert store.row_counts() == {"denied_tokens": 0, "families": 1}


def test_an_expired_family_is_forgotten(family):
    family.purge_expired(NOW + 3600)
    assert family.rotate(ISS, "fam-1", "r1", "r2", NOW + 7200, NOW + 3600) == "unknown"


def test_revoking_keeps_a_family_on_record_until_keep_until(store):
    store.start_family(ISS, "fam-1", "alice", "r1", NOW + 60, NOW)
    store.revoke_family(ISS, "fam-1", NOW, keep_until=NOW + 900)
    store.purge_expired(NOW + 61)
    assert store.is_rejected(ISS, "any-access-jti", "fam-1")


def test_rotation_never_shortens_a_family_record(family):
    family.rotate(ISS, "fam-1", "r1", "r2", NOW + 10, NOW)  # an earlier expiry than recorded
    family.purge_expired(NOW + 11)
    assert family.row_counts()["families"] == 1


def test_hostile_identifiers_are_data_not_sql(store):
    jti = "x'); DROP TABLE denied_tokens; --"
    store.deny_token(ISS, jti, NOW + 900, NOW)
    assert store.is_rejected(ISS, jti, "f") and store.row_counts()["denied_tokens"] == 1


def test_revocations_in_a_file_survive_a_new_store(tmp_path):
    database = str(tmp_path / "revocations.sqlite")
    with RevocationStore(database) as first:
        first.start_family(ISS, "fam-1", "alice", "r1", NOW + 3600, NOW)
        first.logout(ISS, "a1", NOW + 900, "fam-1", NOW, keep_until=NOW + 900)
    with RevocationStore(database) as second:
        assert second.is_rejected(ISS, "a1", "other")
        assert second.rotate(ISS, "fam-1", "r1", "r2", NOW + 3600, NOW) == "revoked"


def test_a_memory_store_is_private_to_its_object():
    with RevocationStore() as first, RevocationStore() as second:
        first.deny_token(ISS, "a1", NOW + 900, NOW)
        assert not second.is_rejected(ISS, "a1", "f")


def test_a_closed_store_refuses_work(store):
    store.close()
    with pytest.raises(sqlite3.ProgrammingError):
        store.row_counts()
