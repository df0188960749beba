"""A client's category with a coach at an instant, and the instant it next changes on its own
(domain.categories: one SQL statement, so these run on the database; the rows are written
directly, the rule is called directly)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import pytest

import models
from domain import categories, clients, clock, services, users
from models.enums import ClientCategory, CoachKind, Role, SessionFormat, SessionStatus
from tests.support.api import PASSWORD, SYSTEM
from tests.support.dates import utc

NOW = utc(2030, 3, 1, 12)
DAY = timedelta(days=1)


@dataclass
class Pair:
    coach_id: UUID
    client_id: UUID
    service_id: UUID

    async def session(self, starts_at: datetime, status: SessionStatus) -> None:
        await models.Session.create(
            coach_id=self.coach_id,
            client_id=self.client_id,
            service_id=self.service_id,
            kind=CoachKind.GLOBAL,
            format=SessionFormat.VIDEO,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
            blocked_until=starts_at + timedelta(hours=1),
            status=status,
            booked_by=Role.COACH,
        )

    async def category_at(self, now: datetime) -> tuple[ClientCategory, datetime | None]:
        assert await categories.recalculate_pairs([(self.coach_id, self.client_id)], now) == 1
        row = await models.CoachClient.get(coach_id=self.coach_id, client_id=self.client_id)
        return row.category, row.category_valid_until


@pytest.fixture
async def pair(clean) -> Pair:
    clock.freeze(NOW)
    user = await users.create_user(
        SYSTEM,
        email="coach@example.test",
        name="Coach",
        password=PASSWORD,
        role=Role.COACH,
        coach_kind=CoachKind.GLOBAL,
    )
    coach = await users.viewer_for(user)
    client = await clients.create_client(coach, {"name": "Casey"})
    service = await services.create_service(
        coach, {"name": "Session", "duration_minutes": 60, "format": SessionFormat.VIDEO, "credits": 1}
    )
    return Pair(coach.coach_id, client.id, service.id)


async def test_without_sessions_prospective_for_good(pair):
    assert await pair.category_at(NOW) == (ClientCategory.PROSPECTIVE, None)


@pytest.mark.parametrize(
    "age, category, valid_for",
    [
        (timedelta(0), ClientCategory.PREVIOUSLY_BOOKED_0_14, 14 * DAY),  # a session starting now has been had
        (13 * DAY, ClientCategory.PREVIOUSLY_BOOKED_0_14, DAY),
        (14 * DAY, ClientCategory.PREVIOUSLY_BOOKED_14_30, 16 * DAY),
        (30 * DAY - timedelta(seconds=1), ClientCategory.PREVIOUSLY_BOOKED_14_30, timedelta(seconds=1)),
        (30 * DAY, ClientCategory.PREVIOUSLY_BOOKED_30_PLUS, None),
    ],
)
async def test_previously_booked_by_the_age_of_the_last_session_until_the_next_threshold(
    pair, age, category, valid_for
):
    await pair.session(NOW - age, SessionStatus.COMPLETED)
    assert await pair.category_at(NOW) == (category, NOW + valid_for if valid_for is not None else None)


async def test_the_category_at_an_instant_is_the_one_valid_until_says_it_changes(pair):
    await pair.session(NOW - 3 * DAY, SessionStatus.COMPLETED)
    category, until = await pair.category_at(NOW)
    assert (category, until) == (ClientCategory.PREVIOUSLY_BOOKED_0_14, NOW + 11 * DAY)
    assert await pair.category_at(until - timedelta(microseconds=1)) == (ClientCategory.PREVIOUSLY_BOOKED_0_14, until)
    assert await pair.category_at(until) == (ClientCategory.PREVIOUSLY_BOOKED_14_30, NOW + 27 * DAY)


async def test_a_confirmed_future_session_books_until_it_starts(pair):
    await pair.session(NOW - 40 * DAY, SessionStatus.COMPLETED)
    await pair.session(NOW + 2 * DAY, SessionStatus.CONFIRMED)
    assert await pair.category_at(NOW) == (ClientCategory.BOOKED, NOW + 2 * DAY)
    # Once it has started it is the last session had.
    assert await pair.category_at(NOW + 2 * DAY) == (ClientCategory.PREVIOUSLY_BOOKED_0_14, NOW + 16 * DAY)


async def test_a_pending_session_does_not_book_but_ends_the_validity_when_it_starts(pair):
    await pair.session(NOW - 20 * DAY, SessionStatus.COMPLETED)
    await pair.session(NOW + 3 * DAY, SessionStatus.PENDING)
    assert await pair.category_at(NOW) == (ClientCategory.PREVIOUSLY_BOOKED_14_30, NOW + 3 * DAY)


@pytest.mark.parametrize(
    "status, category",
    [
        (SessionStatus.NO_SHOW, ClientCategory.PREVIOUSLY_BOOKED_0_14),  # a no-show counts as a session had
        (SessionStatus.CANCELLED, ClientCategory.PROSPECTIVE),
    ],
)
async def test_which_past_sessions_count(pair, status, category):
    await pair.session(NOW - DAY, status)
    assert (await pair.category_at(NOW))[0] is category


async def test_the_expired_sweep_changes_only_rows_past_their_validity(pair):
    await pair.session(NOW - 13 * DAY, SessionStatus.COMPLETED)
    await pair.category_at(NOW)
    assert await categories.recalculate_expired(NOW + DAY - timedelta(microseconds=1)) == 0
    assert await categories.recalculate_expired(NOW + DAY) == 1
    row = await models.CoachClient.get(coach_id=pair.coach_id, client_id=pair.client_id)
    assert (row.category, row.category_valid_until) == (ClientCategory.PREVIOUSLY_BOOKED_14_30, NOW + 17 * DAY)
