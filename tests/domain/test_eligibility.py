"""Who may book (domain.eligibility.evaluate): the rules on facts already read, no database.
Every failing rule is reported, not only the first."""

from datetime import date
from uuid import uuid4

import pytest

from domain import clock
from domain.eligibility import Facts, Reason, evaluate
from models.enums import CoachKind
from tests.support.dates import utc

TODAY = utc(2030, 6, 15, 12)
ORG = uuid4()


@pytest.fixture(autouse=True)
def today():
    clock.freeze(TODAY)


def member(**changes) -> Facts:
    """An active client of an active organisation, both with credits, booking open all year."""
    values = {
        "client_active": True,
        "client_balance": 5,
        "organisation_id": ORG,
        "organisation_active": True,
        "booking_starts_on": date(2030, 1, 1),
        "booking_ends_on": date(2030, 12, 31),
        "organisation_balance": 5,
    }
    return Facts(**{**values, **changes})


def test_a_private_client_with_a_credit_may_book():
    assert evaluate(Facts(client_active=True, client_balance=1)).reasons == []
    assert evaluate(Facts(client_active=True, client_balance=1)).eligible


def test_a_session_needs_as_many_client_credits_as_it_costs():
    assert evaluate(Facts(client_active=True, client_balance=2), credits=2).reasons == []
    assert evaluate(Facts(client_active=True, client_balance=1), credits=2).reasons == [Reason.NO_CLIENT_CREDITS]


def test_a_free_session_still_needs_one_credit_in_the_pool():
    assert evaluate(Facts(client_active=True, client_balance=0), credits=0).reasons == [Reason.NO_CLIENT_CREDITS]


def test_every_failing_rule_is_reported_in_order():
    facts = member(
        client_active=False,
        client_balance=0,
        organisation_active=False,
        booking_starts_on=date(2031, 1, 1),
        booking_ends_on=None,
        organisation_balance=0,
    )
    result = evaluate(facts, kind=CoachKind.GLOBAL)
    assert result.reasons == [
        Reason.CLIENT_INACTIVE,
        Reason.ORGANISATION_INACTIVE,
        Reason.OUTSIDE_BOOKING_PERIOD,
        Reason.NO_CLIENT_CREDITS,
        Reason.NO_ORGANISATION_CREDITS,
    ]
    assert not result.eligible


def test_organisation_rules_do_not_apply_to_a_private_client():
    facts = Facts(
        client_active=True,
        client_balance=1,
        organisation_active=False,
        organisation_balance=0,
        booking_ends_on=date(2000, 1, 1),
    )
    assert evaluate(facts, kind=CoachKind.GLOBAL).reasons == []


@pytest.mark.parametrize(
    "starts, ends, reasons",
    [
        (date(2030, 6, 15), date(2030, 6, 15), []),  # both ends of the period are days inside it
        (date(2030, 6, 16), None, [Reason.OUTSIDE_BOOKING_PERIOD]),  # opens tomorrow
        (None, date(2030, 6, 14), [Reason.OUTSIDE_BOOKING_PERIOD]),  # closed yesterday
        (None, None, []),
    ],
)
def test_the_booking_period_is_checked_on_today(starts, ends, reasons):
    assert evaluate(member(booking_starts_on=starts, booking_ends_on=ends)).reasons == reasons


def test_a_session_after_the_booking_period_ends_is_outside_it_even_if_today_is_inside():
    facts = member(booking_ends_on=date(2030, 6, 30))
    assert evaluate(facts, on=date(2030, 6, 30)).reasons == []
    assert evaluate(facts, on=date(2030, 7, 1)).reasons == [Reason.OUTSIDE_BOOKING_PERIOD]


def test_a_global_session_draws_its_full_cost_from_the_organisation_pool():
    assert evaluate(member(organisation_balance=3), credits=3, kind=CoachKind.GLOBAL).reasons == []
    assert evaluate(member(organisation_balance=2), credits=3, kind=CoachKind.GLOBAL).reasons == [
        Reason.NO_ORGANISATION_CREDITS
    ]


def test_an_internal_session_only_needs_the_organisation_pool_not_empty():
    assert evaluate(member(organisation_balance=1), credits=3, kind=CoachKind.INTERNAL).reasons == []
    assert evaluate(member(organisation_balance=0), credits=3, kind=CoachKind.INTERNAL).reasons == [
        Reason.NO_ORGANISATION_CREDITS
    ]
