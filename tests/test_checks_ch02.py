"""Chapter 02 checkers: each accepts a right answer, refuses a wrong one, and spots a stub."""

from __future__ import annotations

import secrets

import jwt

from model_answers import model_answer  # tests/model_answers.py

from jwt_course.checks.ch02 import NOW, SECRET, q1, q2, q3, seed_table_model

# -- q1 ------------------------------------------------------------------------


SqliteSessions = model_answer("02", "SqliteSessions")  # what q.solution() prints


def test_q1_accepts_the_model_answer():
    assert q1.evaluate(SqliteSessions).status == "correct"


def test_q1_stub_is_not_solved():
    class Stub(SqliteSessions):
        def create(self, username, now, ttl_seconds): ...

        def get(self, session_id, now): ...

        def delete(self, session_id): ...

    assert q1.evaluate(Stub).status == "not solved"


def test_q1_sql_built_with_an_f_string_is_caught_by_injection():
    class FString(SqliteSessions):
        def get(self, session_id, now):
            row = self.db.execute(
                f"SELECT username FROM sessions WHERE id = '{session_id}' AND expires_at > {now}"
            ).fetchone()
            return None if row is None else row[0]

    verdict = q1.evaluate(FString)
    assert verdict.status == "incorrect"
    assert "SQL injection" in verdict.message


def test_q1_a_store_that_never_commits_is_caught_by_the_second_connection():
    class NoCommit(SqliteSessions):
        def create(self, username, now, ttl_seconds):
            session_id = secrets.token_urlsafe(32)
            self.db.execute(
                "INSERT INTO sessions (id, username, expires_at) VALUES (?, ?, ?)",
                (session_id, username, now + ttl_seconds),
            )
            return session_id

    verdict = q1.evaluate(NoCommit)
    assert verdict.status == "incorrect"
    assert "did you commit" in verdict.message


def test_q1_ignoring_expiry_is_refused():
    class NoExpiry(SqliteSessions):
        def get(self, session_id, now):
            row = self.db.execute(
                "SELECT username FROM sessions WHERE id = ?", (session_id,)
            ).fetchone()
            return None if row is None else row[0]

    verdict = q1.evaluate(NoExpiry)
    assert verdict.status == "incorrect"
    assert "now=1060" in verdict.message


def test_q1_sequential_ids_are_refused():
    class Counter(SqliteSessions):
        counter = 0

        def create(self, username, now, ttl_seconds):
            Counter.counter += 1
            with self.db:
                self.db.execute(
                    "INSERT INTO sessions VALUES (?, ?, ?)",
                    (str(Counter.counter), username, now + ttl_seconds),
                )
            return str(Counter.counter)

    verdict = q1.evaluate(Counter)
    assert verdict.status == "incorrect"
    assert "unguessable" in verdict.message


def test_q1_delete_that_always_says_true_is_refused():
    class AlwaysTrue(SqliteSessions):
        def delete(self, session_id):
            super().delete(session_id)
            return True

    verdict = q1.evaluate(AlwaysTrue)
    assert verdict.status == "incorrect"
    assert "a second time" in verdict.message


# -- q2 ------------------------------------------------------------------------


validate_jwt = model_answer("02", "validate_jwt")  # what q.solution() prints


def test_q2_accepts_the_model_answer():
    assert q2.evaluate(validate_jwt).status == "correct"


def test_q2_stub_is_not_solved():
    def stub(token, secret, now): ...

    assert q2.evaluate(stub).status == "not solved"


def test_q2_checking_exp_against_the_wall_clock_is_refused():
    def wall_clock(token, secret, now):
        try:
            claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp"]})
            return claims["sub"]
        except jwt.InvalidTokenError:
            return None

    verdict = q2.evaluate(wall_clock)
    assert verdict.status == "incorrect"
    assert "2020" in verdict.message


def test_q2_exp_is_exclusive():
    def off_by_one(token, secret, now):
        try:
            claims = jwt.decode(
                token, secret, algorithms=["HS256"],
                options={"require": ["exp", "sub"], "verify_exp": False},
            )
        except jwt.InvalidTokenError:
            return None
        return claims["sub"] if now <= claims["exp"] else None

    verdict = q2.evaluate(off_by_one)
    assert verdict.status == "incorrect"
    assert "exactly at exp" in verdict.message


def test_q2_not_requiring_exp_is_refused():
    def no_require(token, secret, now):
        try:
            claims = jwt.decode(token, secret, algorithms=["HS256"], options={"verify_exp": False})
        except jwt.InvalidTokenError:
            return None
        return claims.get("sub") if now < claims.get("exp", float("inf")) else None

    verdict = q2.evaluate(no_require)
    assert verdict.status == "incorrect"
    assert "without exp" in verdict.message


def test_q2_accepting_any_hmac_algorithm_is_refused():
    def any_hmac(token, secret, now):
        try:
            claims = jwt.decode(
                token, secret, algorithms=["HS256", "HS512"],
                options={"require": ["exp", "sub"], "verify_exp": False},
            )
        except jwt.InvalidTokenError:
            return None
        return claims["sub"] if now < claims["exp"] else None

    verdict = q2.evaluate(any_hmac)
    assert verdict.status == "incorrect"
    assert "HS512" in verdict.message


def test_q2_raising_on_a_bad_token_is_refused():
    def raises(token, secret, now):
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], options={"verify_exp": False}
        )
        return claims["sub"] if now < claims["exp"] else None

    verdict = q2.evaluate(raises)
    assert verdict.status == "incorrect"
    assert "Return None" in verdict.message


def test_q2_secret_constant_is_long_enough_for_hs512():
    assert len(SECRET.encode()) >= 64 and NOW == 1_767_225_600


# -- q3 ------------------------------------------------------------------------


seed_table = model_answer("02", "seed_table")  # what q.solution() prints


def test_q3_accepts_the_model_answer():
    assert q3.evaluate(seed_table).status == "correct"


def test_q3_stub_is_not_solved():
    def stub(auth, store, instances, denylist): ...

    assert q3.evaluate(stub).status == "not solved"


def test_q3_the_seeds_table_taken_literally_is_refused_with_the_reason():
    def literal(auth, store, instances, denylist):
        jwt_ = auth == "jwt"
        return {
            "server_state": not jwt_,
            "works_behind_load_balancer": jwt_,
            "instant_logout": not jwt_,
        }

    verdict = q3.evaluate(literal)
    assert verdict.status == "incorrect"
    assert "('session', 'shared', 3, False)" in verdict.message
    assert "shared store" in verdict.message


def test_q3_a_per_instance_denylist_is_not_an_instant_logout():
    def denylist_always_works(auth, store, instances, denylist):
        answer = seed_table_model(auth, store, instances, denylist)
        if auth == "jwt":
            answer["instant_logout"] = denylist
        return answer

    verdict = q3.evaluate(denylist_always_works)
    assert verdict.status == "incorrect"
    assert "('jwt', 'memory', 3, True)" in verdict.message


def test_q3_a_missing_key_is_named():
    def partial(auth, store, instances, denylist):
        answer = seed_table_model(auth, store, instances, denylist)
        del answer["instant_logout"]
        return answer

    verdict = q3.evaluate(partial)
    assert verdict.status == "incorrect"
    assert "'instant_logout'" in verdict.message
