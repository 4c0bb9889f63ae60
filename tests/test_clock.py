"""jwt_course.clock.ManualClock: time that moves only when told to."""

from __future__ import annotations

from jwt_course.clock import COURSE_START, ManualClock


def test_the_clock_answers_the_time_it_was_given() -> None:
    assert ManualClock(1_700_000_000)() == 1_700_000_000


def test_the_default_is_the_course_start() -> None:
    assert ManualClock()() == COURSE_START == 1_767_225_600


def test_an_integer_time_stays_an_integer() -> None:
    clock = ManualClock(10)
    clock.advance(5)
    assert clock() == 15 and isinstance(clock(), int)


def test_advance_and_setting_now_move_the_clock() -> None:
    clock = ManualClock(100)
    clock.advance(-30)
    assert clock() == 70
    clock.now = 500
    assert clock() == 500


def test_manual_clock_fixture_is_the_package_clock(manual_clock: ManualClock) -> None:
    assert isinstance(manual_clock, ManualClock) and manual_clock() == COURSE_START
