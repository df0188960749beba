"""Out of office: the coach's promised response time, shown to clients, and an auto-reply sent once
per conversation and time-off period while the coach is away."""

from datetime import timedelta

from domain import clock
from models.enums import Role
from tests.support.booking import setup_coach
from tests.support.dates import utc
from tests.support.errors import user_error
from tests.support.messages import SEND

NOW = utc(2030, 3, 1, 12)
AWAY = "Away until Monday; I answer within 24 hours of my return."

SETTINGS = """mutation($i: UpdateCoachSettingsInput!) { updateCoachSettings(input: $i) {
  coach { responseTimeHours autoReply } userErrors { code field message } } }"""
TIME_OFF = """mutation($s: DateTime!, $e: DateTime!) { addTimeOff(input: {startsAt: $s, endsAt: $e}) {
  userErrors { code field message } } }"""
COACH = "query($id: ID!) { node(id: $id) { ... on Coach { responseTimeHours autoReply } } }"
THREAD = """{ conversations(first: 10) { edges { node { messages(first: 50) { edges { node {
  body sender automatic } } } } } } }"""


async def _thread(api, actor) -> list[tuple[str, str, bool]]:
    """The actor's one conversation, oldest message first, as (sender, body, automatic)."""
    data = await api.ok(THREAD, token=actor.token)
    [conversation] = data["conversations"]["edges"]
    messages = [e["node"] for e in conversation["node"]["messages"]["edges"]]
    return [(m["sender"], m["body"], m["automatic"]) for m in reversed(messages)]


async def _away(api, coach, starts, ends) -> None:
    data = await api.ok(TIME_OFF, {"s": starts.isoformat(), "e": ends.isoformat()}, coach.token)
    assert data["addTimeOff"]["userErrors"] == []


def _tick() -> None:
    """A minute on: messages of one test follow each other in time, as in life."""
    clock.freeze(clock.now() + timedelta(minutes=1))


async def _write(api, member, coach, body) -> None:
    _tick()
    sent = await api.ok(SEND, {"i": {"coachId": coach.coach_id, "body": body}}, member.token)
    assert sent["sendMessage"]["userErrors"] == []


async def test_response_time_and_auto_reply_are_settings_and_only_the_response_time_is_public(api, world):
    coach, _ = await setup_coach(api, world)
    member = await world.user(Role.CLIENT)
    admin = await world.admin()
    data = await api.ok(SETTINGS, {"i": {"responseTimeHours": 24, "autoReply": f"  {AWAY}  "}}, coach.token)
    assert data["updateCoachSettings"] == {
        "coach": {"responseTimeHours": 24, "autoReply": AWAY},
        "userErrors": [],
    }

    for hours in (-1, 169):
        refused = await api.ok(SETTINGS, {"i": {"responseTimeHours": hours}}, coach.token)
        assert refused["updateCoachSettings"]["userErrors"] == [
            user_error("INVALID", ["input", "responseTimeHours"], "Must be between 0 and 168.")
        ]
    too_long = await api.ok(SETTINGS, {"i": {"autoReply": "x" * 2001}}, coach.token)
    assert too_long["updateCoachSettings"]["userErrors"] == [
        user_error("INVALID", ["input", "autoReply"], "Must be at most 2000 characters.")
    ]
    nul = await api(SETTINGS, {"i": {"autoReply": "away\x00"}}, coach.token)
    assert nul["data"]["updateCoachSettings"]["userErrors"][0]["field"] == ["input", "autoReply"]

    # Clients see the promise, not the coach's reply text; the coach and admins see both.
    seen = {}
    for viewer in (member, coach, admin):
        seen[viewer.role] = (await api.ok(COACH, {"id": coach.coach_id}, viewer.token))["node"]
    assert seen[Role.CLIENT] == {"responseTimeHours": 24, "autoReply": None}
    assert seen[Role.COACH] == seen[Role.ADMIN] == {"responseTimeHours": 24, "autoReply": AWAY}

    cleared = await api.ok(SETTINGS, {"i": {"responseTimeHours": None, "autoReply": None}}, coach.token)
    assert cleared["updateCoachSettings"]["coach"] == {"responseTimeHours": None, "autoReply": None}


async def test_one_auto_reply_per_conversation_and_time_off_period(api, world):
    clock.freeze(NOW)
    coach, _ = await setup_coach(api, world)
    await api.ok(SETTINGS, {"i": {"autoReply": AWAY}}, coach.token)
    member = await world.user(Role.CLIENT, name="Mia Client")
    other = await world.user(Role.CLIENT, name="Otto Client")

    await _write(api, member, coach, "Before the break")  # not on time off: no reply
    await _away(api, coach, NOW + timedelta(days=1), NOW + timedelta(days=3))
    clock.freeze(NOW + timedelta(days=1, hours=1))
    await _write(api, member, coach, "Are you there?")
    await _write(api, member, coach, "Hello again")  # the same period: no second reply
    _tick()
    await api.ok(SEND, {"i": {"clientId": member.client_id, "body": "Quick answer from my phone"}}, coach.token)
    await _write(api, other, coach, "Hi, new here")  # another conversation: its own reply
    clock.freeze(NOW + timedelta(days=4))
    await _write(api, member, coach, "Back now?")  # after the time off: none
    await _away(api, coach, NOW + timedelta(days=10), NOW + timedelta(days=11))
    clock.freeze(NOW + timedelta(days=10, hours=2))
    await _write(api, member, coach, "Next trip?")  # a new period: a new reply

    assert await _thread(api, member) == [
        ("CLIENT", "Before the break", False),
        ("CLIENT", "Are you there?", False),
        ("COACH", AWAY, True),
        ("CLIENT", "Hello again", False),
        ("COACH", "Quick answer from my phone", False),
        ("CLIENT", "Back now?", False),
        ("CLIENT", "Next trip?", False),
        ("COACH", AWAY, True),
    ]
    assert await _thread(api, other) == [("CLIENT", "Hi, new here", False), ("COACH", AWAY, True)]

    # The client is told of each reply as of any message from their coach (two replies, one by hand).
    notes = await api.ok("{ notifications(first: 10) { edges { node { kind } } } }", token=member.token)
    assert [e["node"]["kind"] for e in notes["notifications"]["edges"]].count("MESSAGE_RECEIVED") == 3


async def test_no_auto_reply_without_a_text_or_for_the_coachs_own_messages(api, world):
    clock.freeze(NOW)
    coach, _ = await setup_coach(api, world)
    member = await world.user(Role.CLIENT)
    await _away(api, coach, NOW - timedelta(hours=1), NOW + timedelta(days=2))

    await _write(api, member, coach, "Anyone?")  # no auto-reply set
    await api.ok(SETTINGS, {"i": {"autoReply": "   "}}, coach.token)  # blank: none
    await _write(api, member, coach, "Still nobody?")
    await api.ok(SETTINGS, {"i": {"autoReply": AWAY}}, coach.token)
    _tick()
    await api.ok(SEND, {"i": {"clientId": member.client_id, "body": "Sorry, travelling"}}, coach.token)

    assert await _thread(api, member) == [
        ("CLIENT", "Anyone?", False),
        ("CLIENT", "Still nobody?", False),
        ("COACH", "Sorry, travelling", False),
    ]
