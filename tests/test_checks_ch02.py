"""Chapter 02 checkers against a corpus of learner answers.

For each exercise: realistic beginner mistakes that must be rejected with a message naming
the broken requirement, and correct answers in another style than the model answer that
must be accepted. The answers were written as a learner would, from the exercise text.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import random
import secrets
import uuid

import jwt
import pytest

from jwt_course.checks.ch02 import NOW, SECRET, SEED_TABLE, SESSIONS_SCHEMA, q1, q2, q3, random_bits

from model_answers import model_answer  # tests/model_answers.py

SqliteSessions = model_answer("02", "SqliteSessions")  # what q.solution() prints
validate_jwt = model_answer("02", "validate_jwt")
seed_table = model_answer("02", "seed_table")


def rejected(exercise, answer, *requirement_words: str) -> str:
    verdict = exercise.evaluate(answer)
    assert verdict.status == "incorrect", verdict.message
    assert "Requirement:" in verdict.message and "Counter-example" in verdict.message, verdict.message
    for word in requirement_words:
        assert word in verdict.requirement, (word, verdict.message)
    return verdict.message


def accepted(exercise, answer) -> None:
    verdict = exercise.evaluate(answer)
    assert verdict.status == "correct", verdict.message


@pytest.mark.parametrize(
    ("exercise", "answer"), [(q1, SqliteSessions), (q2, validate_jwt), (q3, seed_table)], ids=["q1", "q2", "q3"]
)
def test_model_answer_is_correct(exercise, answer):
    accepted(exercise, answer)


# -- q1 SqliteSessions --------------------------------------------------------------------


class Stub:
    def __init__(self, db):
        self.db = db
        self.db.execute(SESSIONS_SCHEMA)

    def create(self, username, now, ttl_seconds): ...  # your code here

    def get(self, session_id, now): ...  # your code here

    def delete(self, session_id): ...  # your code here


def test_q1_stub_is_not_solved():
    assert q1.evaluate(Stub).status == "not solved"


def test_q1_an_instance_instead_of_the_class_is_reported():
    assert "should be a class" in q1.evaluate(object()).message


class Base(Stub):
    """A correct store a learner's variant changes one method of."""

    def new_id(self, username, now):
        return secrets.token_urlsafe(32)

    def create(self, username, now, ttl_seconds):
        session_id = self.new_id(username, now)
        with self.db:
            self.db.execute("INSERT INTO sessions VALUES (?, ?, ?)", (session_id, username, now + ttl_seconds))
        return session_id

    def get(self, session_id, now):
        row = self.db.execute(
            "SELECT username FROM sessions WHERE id = ? AND expires_at > ?", (session_id, now)
        ).fetchone()
        return row[0] if row else None

    def delete(self, session_id):
        with self.db:
            return self.db.execute("DELETE FROM sessions WHERE id = ?", (session_id,)).rowcount > 0


def test_q1_the_base_of_the_variants_is_correct():
    accepted(q1, Base)


def test_q1_fstring_get_is_rejected_as_injection():
    class FStringGet(Base):
        def get(self, session_id, now):
            row = self.db.execute(
                f"SELECT username FROM sessions WHERE id = '{session_id}' AND expires_at > {now}"
            ).fetchone()
            return row[0] if row else None

    message = rejected(q1, FStringGet, "placeholders")
    assert "get(\"' OR '1'='1\", now=1000) returned 'alice'" in message


def test_q1_fstring_delete_that_empties_the_table_is_rejected():
    class FStringDelete(Base):
        def delete(self, session_id):
            with self.db:
                return self.db.execute(f"DELETE FROM sessions WHERE id = '{session_id}'").rowcount > 0

    message = rejected(q1, FStringDelete, "hostile id deletes nothing")
    assert "delete(\"' OR '1'='1\") returned True; expected it to return False" in message


def test_q1_get_with_like_logs_in_as_anyone():
    class LikeGet(Base):
        def get(self, session_id, now):
            row = self.db.execute(
                "SELECT username FROM sessions WHERE id LIKE ? AND expires_at > ?", (session_id, now)
            ).fetchone()
            return row[0] if row else None

    message = rejected(q1, LikeGet, "LIKE")
    assert "get('%', now=1000) returned 'alice'" in message


def test_q1_ids_hashed_from_username_and_time_are_predictable():
    class Hashed(Base):
        def new_id(self, username, now):
            return hashlib.sha256(f"{username}:{now}".encode()).hexdigest()

    message = rejected(q1, Hashed, "same second")
    assert "two different ids" in message


def test_q1_ids_hashed_from_the_wall_clock_are_predictable():
    import time

    class WallClock(Base):
        def new_id(self, username, now):
            return hashlib.sha256(f"{username}{time.time()}".encode()).hexdigest()

    message = rejected(q1, WallClock, "unguessable")
    assert "clock standing still" in message


def test_q1_uuid1_ids_are_rejected():
    class Uuid1(Base):
        def new_id(self, username, now):
            return str(uuid.uuid1())

    message = rejected(q1, Uuid1, "unguessable")
    assert "at least 64 random bits" in message


def test_q1_random_module_ids_are_rejected():
    class Mersenne(Base):
        def new_id(self, username, now):
            return f"{random.getrandbits(128):032x}"

    assert "random module reseeded" in rejected(q1, Mersenne, "unguessable")


def test_q1_sequential_ids_are_rejected():
    counter = itertools.count(1)

    class Sequential(Base):
        def new_id(self, username, now):
            return str(next(counter))

    rejected(q1, Sequential, "unguessable")


def test_q1_32_bit_ids_are_rejected_with_their_size():
    class Short(Base):
        def new_id(self, username, now):
            return secrets.token_hex(4)

    assert "about 32 bits" in rejected(q1, Short, "unguessable")


def test_q1_a_store_that_never_commits_is_caught_by_the_second_connection():
    class NoCommit(Base):
        def create(self, username, now, ttl_seconds):
            session_id = secrets.token_urlsafe(32)
            self.db.execute("INSERT INTO sessions VALUES (?, ?, ?)", (session_id, username, now + ttl_seconds))
            return session_id

    assert "did you commit" in rejected(q1, NoCommit, "commit")


def test_q1_ignoring_expiry_is_rejected():
    class NoExpiry(Base):
        def get(self, session_id, now):
            row = self.db.execute("SELECT username FROM sessions WHERE id = ?", (session_id,)).fetchone()
            return row[0] if row else None

    assert "get(alice's id, now=1060) returned 'alice'" in rejected(q1, NoExpiry, "expired")


def test_q1_expiry_off_by_one_is_rejected():
    class Inclusive(Base):
        def get(self, session_id, now):
            row = self.db.execute(
                "SELECT username FROM sessions WHERE id = ? AND expires_at >= ?", (session_id, now)
            ).fetchone()
            return row[0] if row else None

    rejected(q1, Inclusive, "expired")


def test_q1_delete_that_always_says_true_is_rejected():
    class AlwaysTrue(Base):
        def delete(self, session_id):
            super().delete(session_id)
            return True

    rejected(q1, AlwaysTrue, "delete")


def test_q1_fstring_insert_breaks_on_a_quote():
    class FStringInsert(Base):
        def create(self, username, now, ttl_seconds):
            session_id = secrets.token_urlsafe(32)
            with self.db:
                self.db.execute(f"INSERT INTO sessions VALUES ('{session_id}', '{username}', {now + ttl_seconds})")
            return session_id

    message = rejected(q1, FStringInsert, "placeholders")
    assert "o'brien" in message and "raised OperationalError" in message


def test_q1_returning_the_row_tuple_is_rejected():
    class RowTuple(Base):
        def get(self, session_id, now):
            return self.db.execute(
                "SELECT username FROM sessions WHERE id = ? AND expires_at > ?", (session_id, now)
            ).fetchone()

    assert "returned ('alice',)" in rejected(q1, RowTuple, "username")


# -- q1: right, other styles ----------------------------------------------------------------


def test_q1_uuid4_with_explicit_commits_is_accepted():
    class Uuid4Store:
        def __init__(self, db):
            self.db = db
            self.db.execute(SESSIONS_SCHEMA)

        def create(self, username, now, ttl_seconds):
            sid = str(uuid.uuid4())
            self.db.execute(
                "INSERT INTO sessions (id, username, expires_at) VALUES (?, ?, ?)", [sid, username, now + ttl_seconds]
            )
            self.db.commit()
            return sid

        def get(self, session_id, now):
            cur = self.db.execute("SELECT username, expires_at FROM sessions WHERE id = ?", [session_id])
            row = cur.fetchone()
            if row is None or now >= row[1]:
                return None
            return row[0]

        def delete(self, session_id):
            cur = self.db.cursor()
            cur.execute("DELETE FROM sessions WHERE id = ?", [session_id])
            self.db.commit()
            return cur.rowcount == 1

    accepted(q1, Uuid4Store)


def test_q1_token_hex_8_with_named_parameters_is_accepted():
    class HexStore:
        def __init__(self, db):
            self.db = db
            self.db.execute(SESSIONS_SCHEMA)

        def create(self, username, now, ttl_seconds):
            token = secrets.token_hex(8)  # 64 random bits: OWASP's minimum
            with self.db:
                self.db.execute(
                    "INSERT INTO sessions VALUES (:id, :user, :exp)",
                    {"id": token, "user": username, "exp": now + ttl_seconds},
                )
            return token

        def get(self, session_id, now):
            for (username,) in self.db.execute(
                "SELECT username FROM sessions WHERE id = :id AND :now < expires_at", {"id": session_id, "now": now}
            ):
                return username
            return None

        def delete(self, session_id):
            with self.db:
                deleted = self.db.execute("DELETE FROM sessions WHERE id = :id", {"id": session_id}).rowcount
            return bool(deleted)

    accepted(q1, HexStore)


def test_random_bits_estimates_common_id_makers():
    assert random_bits([secrets.token_hex(8) for _ in range(8)]) == 64
    assert random_bits([str(n) for n in range(100, 108)]) < 10
    assert random_bits([secrets.token_urlsafe(32) for _ in range(8)]) >= 250


# -- q2 validate_jwt ------------------------------------------------------------------------


def test_q2_stub_is_not_solved():
    def validate_jwt(token, secret, now): ...  # your code here

    assert q2.evaluate(validate_jwt).status == "not solved"


def test_q2_checking_exp_against_the_wall_clock_is_rejected():
    def wall_clock(token, secret, now):
        try:
            return jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp", "sub"]})["sub"]
        except jwt.PyJWTError:
            return None

    assert "a token from 2020" in rejected(q2, wall_clock, "`now`")


def test_q2_the_old_model_answer_is_rejected_for_nbf():
    # verify_exp off, but nbf and iat still checked by PyJWT against the wall clock
    def old_model(token, secret, now):
        try:
            claims = jwt.decode(
                token, secret, algorithms=["HS256"], options={"require": ["exp", "sub"], "verify_exp": False}
            )
        except jwt.InvalidTokenError:
            return None
        if not now < claims["exp"]:
            return None
        return claims["sub"]

    rejected(q2, old_model, "`now`")


def test_q2_comparing_a_string_exp_raises_and_is_rejected():
    def untyped(token, secret, now):
        try:
            claims = jwt.decode(
                token,
                secret,
                algorithms=["HS256"],
                options={"require": ["exp", "sub"], "verify_exp": False, "verify_nbf": False, "verify_iat": False},
            )
        except jwt.PyJWTError:
            return None
        if claims.get("nbf", now) > now or claims.get("iat", now) > now or not now < claims["exp"]:
            return None
        return claims["sub"]

    message = rejected(q2, untyped, "never raise")
    assert "raised TypeError" in message


def test_q2_accepting_every_hmac_algorithm_is_rejected():
    def any_hmac(token, secret, now):
        try:
            claims = jwt.decode(
                token,
                secret,
                algorithms=["HS256", "HS384", "HS512"],
                options={"require": ["exp", "sub"], "verify_exp": False, "verify_nbf": False, "verify_iat": False},
            )
        except jwt.PyJWTError:
            return None
        return claims["sub"] if claims.get("nbf", 0) <= now < claims["exp"] and claims.get("iat", 0) <= now else None

    assert "HS384 token signed with the right secret" in rejected(q2, any_hmac, "HS256 only")


def test_q2_algorithm_from_the_header_is_rejected():
    def header_alg(token, secret, now):
        try:
            alg = jwt.get_unverified_header(token)["alg"]
            claims = jwt.decode(
                token,
                secret,
                algorithms=[alg],
                options={"require": ["exp", "sub"], "verify_exp": False, "verify_nbf": False, "verify_iat": False},
            )
        except (jwt.PyJWTError, KeyError):
            return None
        return claims["sub"] if claims.get("nbf", 0) <= now < claims["exp"] and claims.get("iat", 0) <= now else None

    rejected(q2, header_alg, "HS256 only")


def test_q2_not_requiring_exp_is_rejected():
    def exp_optional(token, secret, now):
        try:
            claims = jwt.decode(
                token,
                secret,
                algorithms=["HS256"],
                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
            )
        except jwt.PyJWTError:
            return None
        if not now < claims.get("exp", math.inf) or claims.get("nbf", 0) > now or claims.get("iat", 0) > now:
            return None
        return claims.get("sub")

    assert "without 'exp'" in rejected(q2, exp_optional, "without exp")


def test_q2_inclusive_exp_is_rejected():
    def inclusive(token, secret, now):
        try:
            claims = jwt.decode(
                token,
                secret,
                algorithms=["HS256"],
                options={"require": ["exp", "sub"], "verify_exp": False, "verify_nbf": False, "verify_iat": False},
            )
        except jwt.PyJWTError:
            return None
        return claims["sub"] if now <= claims["exp"] else None

    assert "exactly at exp" in rejected(q2, inclusive, "expired")


def test_q2_returning_the_claims_is_rejected():
    def claims_dict(token, secret, now):
        try:
            return jwt.decode(token, secret, algorithms=["HS256"], options={"verify_exp": False})
        except jwt.PyJWTError:
            return None

    rejected(q2, claims_dict, "sub")


def test_q2_raising_on_a_bad_token_is_rejected():
    def raises(token, secret, now):
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            options={"require": ["exp", "sub"], "verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
        return claims["sub"] if now < claims["exp"] else None

    assert "raised ExpiredSignatureError" not in rejected(q2, raises)


# -- q2: right, other styles ------------------------------------------------------------------


def test_q2_float_conversion_style_is_accepted():
    def as_floats(token: str, secret: str, now: float) -> str | None:
        try:
            claims = jwt.decode(
                token,
                secret,
                algorithms=["HS256"],
                options={"require": ["exp", "sub"], "verify_exp": False, "verify_nbf": False, "verify_iat": False},
            )
            if any(isinstance(claims.get(name), bool) for name in ("exp", "nbf", "iat")):
                return None
            exp = float(claims["exp"])
            nbf = float(claims.get("nbf", now))
            iat = float(claims.get("iat", now))
        except (jwt.PyJWTError, TypeError, ValueError):
            return None
        if not (nbf <= now < exp and iat <= now):  # False for NaN too
            return None
        return claims["sub"]

    accepted(q2, as_floats)


def test_q2_float_conversion_checking_only_exp_is_rejected():
    # nbf=NaN passes `nbf > now` (False) and float(True) is 1.0: the text lists NaN and true as not numbers
    def as_floats(token: str, secret: str, now: float) -> str | None:
        try:
            claims = jwt.decode(
                token,
                secret,
                algorithms=["HS256"],
                options={"require": ["exp", "sub"], "verify_exp": False, "verify_nbf": False, "verify_iat": False},
            )
            if isinstance(claims["exp"], bool):
                return None
            exp = float(claims["exp"])
            nbf = float(claims.get("nbf", now))
            iat = float(claims.get("iat", now))
        except (jwt.PyJWTError, TypeError, ValueError):
            return None
        if math.isnan(exp) or exp <= now or nbf > now or iat > now:
            return None
        return claims["sub"]

    assert "a token whose nbf is NaN" in rejected(q2, as_floats, "not a number")


def test_q2_pyjwt_like_int_conversion_is_rejected():
    # PyJWT's int() makes nbf=true the number 1: the text lists true as not a number
    def like_pyjwt(token, secret, now):
        try:
            claims = jwt.decode(
                token,
                secret,
                algorithms=["HS256"],
                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "require": ["sub", "exp"]},
            )
        except jwt.PyJWTError:
            return None
        try:
            if int(claims["exp"]) <= now:
                return None
            if "nbf" in claims and int(claims["nbf"]) > now:
                return None
            if "iat" in claims and int(claims["iat"]) > now:
                return None
        except (TypeError, ValueError, OverflowError):
            return None
        return claims["sub"]

    assert "a token whose nbf is true" in rejected(q2, like_pyjwt, "not a number")


# -- q3 seed_table --------------------------------------------------------------------------


def test_q3_stub_is_not_solved():
    def seed_table(auth, store, instances, denylist): ...  # your code here

    assert q3.evaluate(seed_table).status == "not solved"


def test_q3_the_seeds_table_taken_literally_is_rejected_with_the_reason():
    def literal(auth, store, instances, denylist):
        is_jwt = auth == "jwt"
        return {"server_state": not is_jwt, "works_behind_load_balancer": is_jwt, "instant_logout": not is_jwt}

    message = rejected(q3, literal, "works_behind_load_balancer")
    assert "seed_table('session', 'shared', 3, False)['works_behind_load_balancer'] is False" in message
    assert "only a shared store" in message


def test_q3_a_per_instance_denylist_is_not_an_instant_logout():
    def any_denylist(auth, store, instances, denylist):
        if auth == "session":
            return {
                "server_state": True,
                "works_behind_load_balancer": instances == 1 or store == "shared",
                "instant_logout": True,
            }
        return {"server_state": denylist, "works_behind_load_balancer": True, "instant_logout": denylist}

    assert "('jwt', 'memory', 3, True)['instant_logout'] is True" in rejected(q3, any_denylist, "instant_logout")


def test_q3_jwt_never_keeps_state_is_rejected():
    def stateless(auth, store, instances, denylist):
        row = seed_table(auth, store, instances, denylist)
        return {**row, "server_state": auth == "session"}

    rejected(q3, stateless, "server_state")


def test_q3_sessions_always_break_behind_a_balancer_is_rejected():
    def ignores_instances(auth, store, instances, denylist):
        row = seed_table(auth, store, instances, denylist)
        if auth == "session":
            row["works_behind_load_balancer"] = store == "shared"
        return row

    assert "('session', 'memory', 1, False)" in rejected(q3, ignores_instances, "load_balancer")


def test_q3_strings_instead_of_booleans_are_rejected():
    def words(auth, store, instances, denylist):
        return {k: "yes" if v else "no" for k, v in seed_table(auth, store, instances, denylist).items()}

    assert "expected it to return True or False for each key" in rejected(q3, words, "three booleans")


def test_q3_a_missing_key_is_named():
    def two_keys(auth, store, instances, denylist):
        return {"server_state": True, "works_behind_load_balancer": True}

    assert "instant_logout" in rejected(q3, two_keys, "keys")


# -- q3: right, other styles ------------------------------------------------------------------


def test_q3_boolean_algebra_is_accepted():
    def algebra(auth, store, instances, denylist):
        everyone_sees = instances == 1 or store == "shared"
        session = auth == "session"
        return {
            "server_state": session or denylist,
            "works_behind_load_balancer": not session or everyone_sees,
            "instant_logout": session or (denylist and everyone_sees),
        }

    accepted(q3, algebra)


def test_q3_nested_ifs_are_accepted():
    def nested(auth: str, store: str, instances: int, denylist: bool) -> dict:
        shared = store == "shared"
        single = instances <= 1
        if auth == "jwt":
            if denylist:
                return {"server_state": True, "works_behind_load_balancer": True, "instant_logout": shared or single}
            return {"server_state": False, "works_behind_load_balancer": True, "instant_logout": False}
        return {"server_state": True, "works_behind_load_balancer": shared or single, "instant_logout": True}

    accepted(q3, nested)


def test_q3_expected_table_covers_every_architecture_of_the_exercise():
    assert {(a, s) for a, s, _, _ in SEED_TABLE} == {(a, s) for a in ("session", "jwt") for s in ("memory", "shared")}
    assert {n for _, _, n, _ in SEED_TABLE} == {1, 2, 3}


def test_now_and_secret_are_what_the_notebook_prints():
    assert NOW == 1_767_225_600 and len(SECRET) >= 64
