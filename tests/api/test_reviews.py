"""Reviews: the session's coach answers feedback; Coach.publicReviews lists what clients allowed,
with the answers, each client named by first name and initial only."""

import json
from datetime import timedelta

from domain import clock
from models.enums import Role
from tests.support.booking import record, setup_coach
from tests.support.dates import utc
from tests.support.errors import user_error
from tests.support.messages import SEND_MESSAGE

NOW = utc(2030, 3, 1, 12)
LEAVE = """mutation($i: LeaveFeedbackInput!) { leaveFeedback(input: $i) { feedback { id } userErrors { code } } }"""
RESPOND = """mutation($i: RespondToFeedbackInput!) { respondToFeedback(input: $i) {
  feedback { response reviewerName } userErrors { code field message } } }"""
REVIEWS = """query($id: ID!, $first: Int, $after: String) { node(id: $id) { ... on Coach {
  publicReviews(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
    edges { node { rating comment response reviewerName publicReview } } } } } }"""


async def _reviewed(api, world, coach, service, name, hours_ago, rating, comment, public) -> tuple[object, str]:
    """A client with a login who wrote to the coach, had a session and left feedback on it."""
    member = await world.user(Role.CLIENT, name=name)
    await api.ok(SEND_MESSAGE, {"i": {"coachId": coach.coach_id, "body": "Hello"}}, member.token)
    session_id = await record(api, coach, service, member.client_id, NOW - timedelta(hours=hours_ago))
    clock.freeze(NOW - timedelta(hours=hours_ago) + timedelta(hours=2))  # left soon after the session
    left = await api.ok(
        LEAVE,
        {"i": {"sessionId": session_id, "rating": rating, "comment": comment, "publicReview": public}},
        member.token,
    )
    clock.freeze(NOW)
    assert left["leaveFeedback"]["userErrors"] == []
    return member, left["leaveFeedback"]["feedback"]["id"]


async def test_public_reviews_show_only_what_clients_allowed_with_short_names_and_answers(api, world):
    clock.freeze(NOW)
    coach, service = await setup_coach(api, world)
    mia, mia_review = await _reviewed(api, world, coach, service, "Mia van Client", 48, 5, "Life-changing.", True)
    await _reviewed(api, world, coach, service, "Otto Other", 24, 2, "private-canary-review", False)
    await _reviewed(api, world, coach, service, "Sam", 3, 4, None, True)
    answered = await api.ok(RESPOND, {"i": {"feedbackId": mia_review, "response": "Thank you, Mia!"}}, coach.token)
    assert answered["respondToFeedback"] == {
        "feedback": {"response": "Thank you, Mia!", "reviewerName": "Mia C."},
        "userErrors": [],
    }

    stranger = await world.user(Role.CLIENT, name="Pat Stranger")  # a client with no relationship
    body = await api(REVIEWS, {"id": coach.coach_id}, stranger.token)
    assert not body.get("errors"), body
    reviews = body["data"]["node"]["publicReviews"]
    assert reviews["totalCount"] == 2
    assert [e["node"] for e in reviews["edges"]] == [  # newest first
        {"rating": 4, "comment": None, "response": None, "reviewerName": "Sam", "publicReview": True},
        {
            "rating": 5,
            "comment": "Life-changing.",
            "response": "Thank you, Mia!",
            "reviewerName": "Mia C.",
            "publicReview": True,
        },
    ]
    text = json.dumps(body)
    assert "private-canary-review" not in text and "Otto" not in text and "van Client" not in text

    # Pages of one, newest first.
    first = (await api.ok(REVIEWS, {"id": coach.coach_id, "first": 1}, stranger.token))["node"]["publicReviews"]
    assert [e["node"]["reviewerName"] for e in first["edges"]] == ["Sam"] and first["pageInfo"]["hasNextPage"]
    after = first["pageInfo"]["endCursor"]
    rest = (await api.ok(REVIEWS, {"id": coach.coach_id, "after": after}, stranger.token))["node"]["publicReviews"]
    assert [e["node"]["reviewerName"] for e in rest["edges"]] == ["Mia C."] and not rest["pageInfo"]["hasNextPage"]

    # A public review does not open its session (the client, booking notes, ...) to its readers.
    peek = await api(
        """query($id: ID!) { node(id: $id) { ... on Coach { publicReviews { edges { node { session { id } } } } } } }""",
        {"id": coach.coach_id},
        stranger.token,
    )
    assert {e["extensions"]["code"] for e in peek["errors"]} == {"FORBIDDEN"} and peek["data"]["node"] is None

    # The erased client's review leaves the public list.
    erased = await api.ok(
        "mutation($id: ID!) { eraseClient(input: {clientId: $id}) { userErrors { code } } }",
        {"id": mia.client_id},
        mia.token,
    )
    assert erased["eraseClient"]["userErrors"] == []
    after_erasure = await api.ok(REVIEWS, {"id": coach.coach_id}, stranger.token)
    assert [e["node"]["reviewerName"] for e in after_erasure["node"]["publicReviews"]["edges"]] == ["Sam"]


async def test_only_the_sessions_coach_responds_and_may_rewrite_the_answer(api, world):
    clock.freeze(NOW)
    coach, service = await setup_coach(api, world)
    other_coach, _ = await setup_coach(api, world)
    admin = await world.admin()
    member, review = await _reviewed(api, world, coach, service, "Mia Client", 2, 5, "Great", True)

    not_theirs = await api.ok(RESPOND, {"i": {"feedbackId": review, "response": "Hi"}}, other_coach.token)
    assert not_theirs["respondToFeedback"]["userErrors"] == [
        user_error("NOT_FOUND", ["input", "feedbackId"], "Feedback not found.")
    ]
    for outsider in (member, admin):  # coaches only
        body = await api(RESPOND, {"i": {"feedbackId": review, "response": "Hi"}}, outsider.token)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]

    blank = await api.ok(RESPOND, {"i": {"feedbackId": review, "response": "  "}}, coach.token)
    assert blank["respondToFeedback"]["userErrors"] == [
        user_error("INVALID", ["input", "response"], "This field must not be blank.")
    ]
    too_long = await api.ok(RESPOND, {"i": {"feedbackId": review, "response": "x" * 5001}}, coach.token)
    assert too_long["respondToFeedback"]["userErrors"] == [
        user_error("INVALID", ["input", "response"], "Must be at most 5000 characters.")
    ]
    nul = await api.ok(RESPOND, {"i": {"feedbackId": review, "response": "a\x00b"}}, coach.token)
    assert [e["field"] for e in nul["respondToFeedback"]["userErrors"]] == [["input", "response"]]

    await api.ok(RESPOND, {"i": {"feedbackId": review, "response": "Thanks!\nSee you soon."}}, coach.token)
    rewritten = await api.ok(RESPOND, {"i": {"feedbackId": review, "response": "Thank you, Mia."}}, coach.token)
    assert rewritten["respondToFeedback"]["feedback"]["response"] == "Thank you, Mia."
    # The client reads the answer on their own session's feedback too.
    mine = await api.ok(
        "query($id: ID!) { node(id: $id) { ... on Feedback { response comment session { id } } } }",
        {"id": review},
        member.token,
    )
    assert mine["node"]["response"] == "Thank you, Mia." and mine["node"]["comment"] == "Great"
