"""Conversations and messages: one per coach-client pair, encrypted, templates, read receipts, privacy."""

from datetime import timedelta

from tortoise import connections

from domain import clock
from models.enums import Role
from tests.support.booking import BOOK, setup_coach
from tests.support.credits import GRANT
from tests.support.database import StatementCounter
from tests.support.dates import utc
from tests.support.errors import user_error
from tests.support.messages import SEND, TEMPLATE

# Pages within the node budget: 50 conversations x 50 messages each would cost 15,000.
CONVERSATIONS = """query($u: Boolean) { conversations(first: 10, unreadOnly: $u) { totalCount edges { node {
  id unreadCount lastMessage { body sender } messages(first: 20) { edges { node { body sender readAt } } } } } } }"""
NOW = utc(2030, 3, 1, 12)


async def test_a_clients_first_message_starts_a_prospective_relationship_and_read_receipts_work(api, world):
    clock.freeze(NOW)
    coach, _ = await setup_coach(api, world)
    member = await world.user(Role.CLIENT, name="Mia Client")

    sent = await api.ok(
        SEND, {"i": {"coachId": coach.coach_id, "body": "Hello, can we talk? canary-msg-1"}}, member.token
    )
    assert sent["sendMessage"]["userErrors"] == []
    assert sent["sendMessage"]["message"]["sender"] == "CLIENT"
    assert sent["sendMessage"]["message"]["senderName"] == "Mia Client"

    mine = await api.ok(
        "{ myClients { edges { node { name category lastMessage { body } conversation { unreadCount } } } } }",
        token=coach.token,
    )
    assert mine["myClients"]["edges"] == [
        {
            "node": {
                "name": "Mia Client",
                "category": "PROSPECTIVE",
                "lastMessage": {"body": "Hello, can we talk? canary-msg-1"},
                "conversation": {"unreadCount": 1},
            }
        }
    ]
    unread = await api.ok(CONVERSATIONS, {"u": True}, coach.token)
    assert unread["conversations"]["totalCount"] == 1
    conversation_id = unread["conversations"]["edges"][0]["node"]["id"]

    await api.ok(
        "mutation($i: MarkConversationReadInput!) { markConversationRead(input: $i) { userErrors { code } } }",
        {"i": {"conversationId": conversation_id}},
        coach.token,
    )
    after = await api.ok(CONVERSATIONS, {"u": True}, coach.token)
    assert after["conversations"]["totalCount"] == 0
    seen_by_client = await api.ok(CONVERSATIONS, {"u": False}, member.token)
    message = seen_by_client["conversations"]["edges"][0]["node"]["messages"]["edges"][0]["node"]
    assert message["readAt"] is not None  # the client sees that the coach read it

    reply = await api.ok(SEND, {"i": {"clientId": member.client_id, "body": "Of course."}}, coach.token)
    assert reply["sendMessage"]["message"]["conversation"]["id"] == conversation_id  # one conversation per pair

    raw = await connections.get("default").execute_query_dict("SELECT body_enc::text AS b FROM messages")
    assert all("canary-msg-1" not in r["b"] for r in raw)


async def test_templates_fill_placeholders_and_a_message_can_follow_up_a_session(api, world):
    clock.freeze(NOW)
    admin = await world.admin()
    coach, service = await setup_coach(api, world)
    client_id = await world.client_of(coach, name="Nora Lind")
    await api.ok(GRANT, {"input": {"clientId": client_id, "amount": 1}}, admin.token)
    booked = await api.ok(
        BOOK, {"i": {"serviceId": service, "clientId": client_id, "startsAt": "2030-03-04T09:00:00Z"}}, coach.token
    )
    session_id = booked["bookSession"]["session"]["id"]
    template = await api.ok(
        TEMPLATE,
        {
            "i": {
                "name": "Reminder",
                "kind": "BEFORE_SESSION",
                "body": "Hi {{client_first_name}}, see you {{next_session}} for {{service}}. {{unknown}}",
            }
        },
        coach.token,
    )
    template_id = template["createMessageTemplate"]["template"]["id"]

    sent = await api.ok(
        SEND, {"i": {"clientId": client_id, "templateId": template_id, "sessionId": session_id}}, coach.token
    )

    message = sent["sendMessage"]["message"]
    assert message["body"] == "Hi Nora, see you Monday 04 March 2030, 09:00 for Session. {{unknown}}"
    assert message["session"]["id"] == session_id
    listed = await api.ok("{ messageTemplates { name body } }", token=coach.token)
    assert [t["name"] for t in listed["messageTemplates"]] == ["Reminder"]


async def test_bad_messages_and_other_peoples_conversations(api, world):
    clock.freeze(NOW)
    coach, _ = await setup_coach(api, world)
    other_coach, _ = await setup_coach(api, world)
    member = await world.user(Role.CLIENT)
    stranger = await world.user(Role.CLIENT)
    sent = await api.ok(SEND, {"i": {"coachId": coach.coach_id, "body": "private words"}}, member.token)
    message_id = sent["sendMessage"]["message"]["id"]
    conversation_id = sent["sendMessage"]["message"]["conversation"]["id"]

    too_long = await api.ok(SEND, {"i": {"coachId": coach.coach_id, "body": "x" * 5001}}, member.token)
    assert too_long["sendMessage"]["userErrors"] == [
        {"code": "INVALID", "field": ["input", "body"], "message": "Must be at most 5000 characters."}
    ]
    empty = await api.ok(SEND, {"i": {"coachId": coach.coach_id, "body": "  "}}, member.token)
    assert empty["sendMessage"]["userErrors"] == [
        user_error("INVALID", ["input", "body"], "This field must not be blank.")
    ]
    not_mine = await api.ok(SEND, {"i": {"clientId": member.client_id, "body": "hi"}}, other_coach.token)
    assert not_mine["sendMessage"]["userErrors"] == [
        user_error("NOT_FOUND", ["input", "clientId"], "Client not found.")
    ]

    for viewer in (stranger, other_coach):
        nodes = await api.ok(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [message_id, conversation_id]}, viewer.token
        )
        assert nodes["nodes"] == [None, None]
        listed = await api.post(CONVERSATIONS, {"u": False}, viewer.token)
        assert "private words" not in listed.text
        marked = await api.ok(
            "mutation($i: MarkConversationReadInput!) { markConversationRead(input: $i) { userErrors { code } } }",
            {"i": {"conversationId": conversation_id}},
            viewer.token,
        )
        assert marked["markConversationRead"]["userErrors"] == [{"code": "NOT_FOUND"}]
    admin = await world.admin()
    assert (await api(CONVERSATIONS, {"u": False}, admin.token))["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_list_of_conversations_costs_the_same_statements_for_2_and_for_6(api, world, monkeypatch):

    clock.freeze(NOW)
    coach, _ = await setup_coach(api, world)
    members = [await world.user(Role.CLIENT, name=f"Member {i}") for i in range(6)]
    for i, member in enumerate(members):
        clock.freeze(NOW + timedelta(minutes=2 * i))
        await api.ok(SEND, {"i": {"coachId": coach.coach_id, "body": f"first {i}"}}, member.token)
        clock.freeze(NOW + timedelta(minutes=2 * i + 1))
        await api.ok(SEND, {"i": {"coachId": coach.coach_id, "body": f"latest {i}"}}, member.token)
    listing = (
        """query($n: Int) { conversations(first: $n) { edges { node { id unreadCount lastMessage { body } } } } }"""
    )
    await api.ok(listing, {"n": 2}, coach.token)  # warm caches (prepared statements)

    counter = StatementCounter(monkeypatch)
    two = await api.ok(listing, {"n": 2}, coach.token)
    at_two, counter.count = counter.count, 0
    six = await api.ok(listing, {"n": 6}, coach.token)

    assert counter.count == at_two, (at_two, counter.count)
    nodes = [edge["node"] for edge in six["conversations"]["edges"]]
    assert len(two["conversations"]["edges"]) == 2 and len(nodes) == 6
    assert sorted(n["lastMessage"]["body"] for n in nodes) == [f"latest {i}" for i in range(6)]
    assert {n["unreadCount"] for n in nodes} == {2}  # both from the client, unread by the coach


UPDATE_TEMPLATE = """mutation($i: UpdateMessageTemplateInput!) { updateMessageTemplate(input: $i) {
  template { name kind body } userErrors { code field message } } }"""
DELETE_TEMPLATE = """mutation($i: DeleteMessageTemplateInput!) { deleteMessageTemplate(input: $i) {
  deletedId userErrors { code field message } } }"""


async def test_a_coach_edits_and_deletes_only_their_own_templates(api, world):
    coach, _ = await setup_coach(api, world)
    other_coach, _ = await setup_coach(api, world)
    member = await world.user(Role.CLIENT)
    created = await api.ok(
        TEMPLATE, {"i": {"name": "Welcome", "kind": "GENERAL", "body": "Hi {{client_name}}"}}, coach.token
    )
    template_id = created["createMessageTemplate"]["template"]["id"]
    missing = [{"code": "NOT_FOUND", "field": ["input", "templateId"], "message": "Template not found."}]

    for attempt in (
        await api.ok(UPDATE_TEMPLATE, {"i": {"templateId": template_id, "body": "taken over"}}, other_coach.token),
        await api.ok(DELETE_TEMPLATE, {"i": {"templateId": template_id}}, other_coach.token),
    ):
        assert next(iter(attempt.values()))["userErrors"] == missing
    assert (await api.ok(DELETE_TEMPLATE, {"i": {"templateId": "not-an-id"}}, coach.token))["deleteMessageTemplate"][
        "userErrors"
    ] == missing
    refused = await api(DELETE_TEMPLATE, {"i": {"templateId": template_id}}, member.token)
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["FORBIDDEN"]

    updated = await api.ok(UPDATE_TEMPLATE, {"i": {"templateId": template_id, "name": "Hello"}}, coach.token)
    assert updated["updateMessageTemplate"] == {
        "template": {"name": "Hello", "kind": "GENERAL", "body": "Hi {{client_name}}"},
        "userErrors": [],
    }
    deleted = await api.ok(DELETE_TEMPLATE, {"i": {"templateId": template_id}}, coach.token)
    assert deleted["deleteMessageTemplate"] == {"deletedId": template_id, "userErrors": []}
    assert (await api.ok("{ messageTemplates { id } }", token=coach.token))["messageTemplates"] == []
    again = await api.ok(DELETE_TEMPLATE, {"i": {"templateId": template_id}}, coach.token)
    assert again["deleteMessageTemplate"]["userErrors"] == missing
