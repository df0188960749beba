from models.enums import Role
from tests.support.api import LOGIN, PASSWORD

VIEWER = "{ viewer { role user { email } } }"


async def test_login_then_viewer(api, world):
    coach = await world.user(Role.COACH)
    data = await api.ok(VIEWER, token=coach.token)
    assert data["viewer"] == {"role": "COACH", "user": {"email": coach.email}}


async def test_unknown_email_and_wrong_password_get_the_same_answer(api, world):
    coach = await world.user(Role.COACH)
    wrong = await api.ok(LOGIN, {"e": coach.email, "p": "not the password"})
    unknown = await api.ok(LOGIN, {"e": "nobody@example.test", "p": PASSWORD})
    assert wrong["login"] == unknown["login"]
    assert wrong["login"]["token"] is None
    assert wrong["login"]["userErrors"] == [
        {"code": "INVALID", "field": ["input", "password"], "message": "E-mail or password is not right."}
    ]


async def test_anonymous_gets_unauthenticated(api):
    body = await api(VIEWER)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
