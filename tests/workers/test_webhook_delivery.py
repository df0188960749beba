"""Webhook delivery by real arq workers to a real HTTP receiver on loopback: every request checked
with the independent `standardwebhooks` verifier; retries, Retry-After, 410, five days of
failures, a worker killed mid-send, a hanging endpoint, redelivery, private addresses, purge.
Time moves with the domain clock, never by sleeping."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from arq.constants import in_progress_key_prefix
from standardwebhooks.webhooks import WebhookVerificationError

import models
from app.worker import create_worker
from domain import clock
from domain.webhooks import delivery
from models.enums import NotificationKind, Role, WebhookDeliveryStatus, WebhookEventType, WebhookOwnerKind
from schema.node import encode, uuid_of
from tests.support.dates import utc
from tests.support.mail import body_of, smtp_server, with_smtp
from tests.support.webhooks import (
    Answer,
    Receiver,
    attempts_of,
    deliver_due,
    make_deliveries,
    make_endpoint,
    make_event,
    rotate,
    verified,
    worker_settings,
)
from tests.support.workers import eventually, run_worker
from workers.outbox import push_written
from workers.settings import create_queue
from workers.webhooks import purge_webhooks

ROOT = Path(__file__).resolve().parents[2]
NOW = utc(2030, 5, 6, 9)
NOTIFICATIONS = "{ notifications { totalCount edges { node { kind title body } } } }"


@pytest.fixture
def settings(test_settings):
    return worker_settings(test_settings)


async def delivery_row(delivery_id) -> models.WebhookDelivery:
    return await models.WebhookDelivery.get(id=delivery_id)


async def test_deliveries_verify_and_a_500_comes_again_with_the_same_webhook_id(api, settings):
    clock.freeze(NOW)
    async with Receiver() as receiver:
        endpoint, secret = await make_endpoint(receiver.url())
        events = [await make_event(WebhookEventType.PING, sequence=n) for n in (1, 2, 3)]
        await make_deliveries(endpoint, events)
        receiver.answer(Answer(500, body=b"boom " * 400))  # the first request fails

        await deliver_due(settings)
        assert len(receiver.received) == 3
        for request in receiver.received:
            assert request.method == "POST" and request.path == "/hook"
            assert request.headers["content-type"] == "application/json"
            body = verified(request, secret)
            assert body == (await models.WebhookEvent.get(id=request.webhook_id)).payload
        failed_id = receiver.received[0].webhook_id
        failed = await models.WebhookDelivery.get(event_id=failed_id)
        assert failed.status == WebhookDeliveryStatus.PENDING and failed.attempts == 1
        assert failed.last_response_status == 500
        assert NOW + timedelta(seconds=5) <= failed.next_attempt_at <= NOW + timedelta(seconds=6)
        [attempt] = await attempts_of(failed.id)
        assert attempt.response_status == 500 and attempt.duration_ms is not None
        assert len(attempt.response_body) == delivery.RESPONSE_KEPT_BYTES  # the first 1 KB only
        done = await models.WebhookDelivery.filter(status=WebhookDeliveryStatus.SUCCEEDED).count()
        assert done == 2

        await deliver_due(settings)  # not due yet: nothing is sent
        assert len(receiver.received) == 3

        clock.advance(timedelta(seconds=6))
        await deliver_due(settings)
        assert len(receiver.received) == 4
        retry = receiver.received[3]
        assert retry.webhook_id == failed_id  # the same id on the retry
        assert retry.body == receiver.received[0].body
        verified(retry, secret)
        failed = await delivery_row(failed.id)
        assert failed.status == WebhookDeliveryStatus.SUCCEEDED and failed.attempts == 2
        assert [a.response_status for a in await attempts_of(failed.id)] == [500, 200]
        assert (await models.WebhookEndpoint.get(id=endpoint.id)).failing_since is None


async def test_during_a_rotation_either_secret_verifies_then_only_the_new_one(api, settings):
    clock.freeze(NOW)
    async with Receiver() as receiver:
        endpoint, old = await make_endpoint(receiver.url())
        new = await rotate(endpoint, old)
        await make_deliveries(endpoint, [await make_event()])
        await deliver_due(settings)
        [during] = receiver.received
        assert len(during.headers["webhook-signature"].split(" ")) == 2
        verified(during, old)
        verified(during, new)

        clock.advance(timedelta(hours=24))
        await make_deliveries(endpoint, [await make_event()])
        await deliver_due(settings)
        after = receiver.received[1]
        verified(after, new)
        with pytest.raises(WebhookVerificationError):
            verified(after, old)


async def test_410_disables_the_endpoint_and_tells_its_owner(api, world, test_settings):
    clock.freeze(NOW)
    admin = await world.admin()
    with smtp_server() as (inbox, port):
        settings = with_smtp(worker_settings(test_settings), port)
        async with Receiver(Answer(410)) as receiver:
            endpoint, _ = await make_endpoint(receiver.url())
            [gone] = await make_deliveries(endpoint, [await make_event()])
            await deliver_due(settings)
            endpoint = await models.WebhookEndpoint.get(id=endpoint.id)
            assert not endpoint.enabled and endpoint.disabled_reason == delivery.DISABLED_GONE
            failed = await delivery_row(gone)
            assert failed.status == WebhookDeliveryStatus.FAILED and failed.next_attempt_at is None
            assert failed.last_response_status == 410

            # Nothing more goes to a disabled endpoint: later deliveries wait (a replay after
            # enabling it again sends them).
            [waiting] = await make_deliveries(endpoint, [await make_event(WebhookEventType.SESSION_BOOKED)])
            clock.advance(timedelta(days=1))
            await deliver_due(settings)
            assert len(receiver.received) == 1
            held = await delivery_row(waiting)
            assert held.status == WebhookDeliveryStatus.PENDING and held.attempts == 0
    notes = (await api.ok(NOTIFICATIONS, token=admin.token))["notifications"]
    assert [n["node"]["kind"] for n in notes["edges"]] == [NotificationKind.WEBHOOK_DISABLED.value]
    assert "127.0.0.1" in notes["edges"][0]["node"]["body"] and "/hook" not in notes["edges"][0]["node"]["body"]
    [mail] = inbox.to(admin.email)
    assert mail["Subject"] == "A webhook endpoint was disabled" and "410" in body_of(mail)


async def test_retry_after_is_honoured_on_503_and_429(api, settings):
    clock.freeze(NOW)
    async with Receiver() as receiver:
        endpoint, secret = await make_endpoint(receiver.url())
        [row] = await make_deliveries(endpoint, [await make_event()])
        receiver.answer(Answer(503, headers={"Retry-After": "120"}))
        await deliver_due(settings)
        assert (await delivery_row(row)).next_attempt_at == NOW + timedelta(seconds=120)

        clock.advance(timedelta(seconds=119))  # the schedule alone would have retried after 5-6 s
        await deliver_due(settings)
        assert len(receiver.received) == 1

        # 429 with an HTTP date, 10 minutes from now.
        clock.advance(timedelta(seconds=1))
        receiver.answer(
            Answer(429, headers={"Retry-After": format_datetime(clock.now() + timedelta(minutes=10), usegmt=True)})
        )
        await deliver_due(settings)
        assert len(receiver.received) == 2
        assert (await delivery_row(row)).next_attempt_at == clock.now() + timedelta(minutes=10)

        clock.advance(timedelta(minutes=10))
        await deliver_due(settings)
        assert len(receiver.received) == 3 and receiver.received[2].webhook_id == receiver.received[0].webhook_id
        verified(receiver.received[2], secret)
        assert (await delivery_row(row)).status == WebhookDeliveryStatus.SUCCEEDED


async def test_the_retry_schedule_runs_out_after_ten_attempts(api, settings):
    clock.freeze(NOW)
    async with Receiver(Answer(500)) as receiver:
        endpoint, _ = await make_endpoint(receiver.url())
        [row] = await make_deliveries(endpoint, [await make_event()])
        for wait in (timedelta(0), *delivery.RETRY_SCHEDULE):
            clock.advance(wait * (1 + delivery.JITTER))
            await deliver_due(settings)
        assert len(receiver.received) == delivery.MAX_ATTEMPTS == 10
        assert len({r.webhook_id for r in receiver.received}) == 1
        failed = await delivery_row(row)
        assert failed.status == WebhookDeliveryStatus.FAILED and failed.next_attempt_at is None
        # About 3 days of retries: the endpoint is failing, but not yet for 5 days.
        assert (await models.WebhookEndpoint.get(id=endpoint.id)).enabled


async def test_five_days_of_failures_disable_the_endpoint_and_tell_the_organisation(api, world, test_settings):
    clock.freeze(NOW)
    organisation = await world.organisation()
    org_admin = await world.user(Role.ORG_ADMIN, organisation=organisation)
    other_admin = await world.user(Role.ORG_ADMIN, organisation=await world.organisation("Other"))
    with smtp_server() as (inbox, port):
        settings = with_smtp(worker_settings(test_settings), port)
        async with Receiver(Answer(500)) as receiver:
            endpoint, _ = await make_endpoint(
                receiver.url(),
                owner_kind=WebhookOwnerKind.ORGANISATION,
                organisation_id=uuid_of(organisation, "Organisation"),
            )
            await make_deliveries(endpoint, [await make_event()])
            await deliver_due(settings)
            assert (await models.WebhookEndpoint.get(id=endpoint.id)).failing_since == NOW

            # A new event each day, failing each time: still enabled before 5 days have passed.
            for _day in range(4):
                clock.advance(timedelta(days=1))
                await make_deliveries(endpoint, [await make_event()])
                await deliver_due(settings)
            assert (await models.WebhookEndpoint.get(id=endpoint.id)).enabled

            clock.advance(timedelta(days=1))
            await make_deliveries(endpoint, [await make_event()])
            await deliver_due(settings)
            endpoint = await models.WebhookEndpoint.get(id=endpoint.id)
            assert not endpoint.enabled and endpoint.disabled_reason == delivery.DISABLED_FAILING
    notes = (await api.ok(NOTIFICATIONS, token=org_admin.token))["notifications"]
    assert [n["node"]["kind"] for n in notes["edges"]] == ["WEBHOOK_DISABLED"]
    assert (await api.ok(NOTIFICATIONS, token=other_admin.token))["notifications"]["totalCount"] == 0
    [mail] = inbox.to(org_admin.email)
    assert "failing for 5 days" in body_of(mail)
    assert inbox.to(other_admin.email) == []


async def test_a_success_ends_the_failure_run(api, settings):
    clock.freeze(NOW)
    async with Receiver(Answer(500)) as receiver:
        endpoint, _ = await make_endpoint(receiver.url())
        await make_deliveries(endpoint, [await make_event()])
        await deliver_due(settings)
        clock.advance(timedelta(days=3))
        receiver.default = Answer(200)
        await make_deliveries(endpoint, [await make_event()])
        await deliver_due(settings)
        assert (await models.WebhookEndpoint.get(id=endpoint.id)).failing_since is None
        receiver.default = Answer(500)
        clock.advance(timedelta(days=3))  # 6 days after the first failure, but not in a row
        await make_deliveries(endpoint, [await make_event()])
        await deliver_due(settings)
        assert (await models.WebhookEndpoint.get(id=endpoint.id)).enabled


async def test_a_worker_killed_mid_delivery_delivers_again(api, test_settings):
    # Real time here: the worker process has its own (unmoved) domain clock.
    async with Receiver(Answer(hang=True)) as receiver:
        endpoint, secret = await make_endpoint(receiver.url())
        [row] = await make_deliveries(endpoint, [await make_event()])
        await delivery.enqueue([row])
        env = {
            **os.environ,
            "DATABASE_URL": test_settings.database_url,
            "REDIS_URL": test_settings.redis_url,
            "CASELOAD_WEBHOOKS_ALLOW_PRIVATE": "true",
        }
        worker = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            queue = await create_queue(test_settings.redis_url)
            try:
                await push_written({"redis": queue})  # the slot job, as a request would push it
            finally:
                await queue.aclose()
            await eventually(lambda: receiver.hanging == 1, timeout=30, message="the worker sending")
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        finally:
            if worker.poll() is None:
                worker.kill()
        killed = await delivery_row(row)
        assert killed.status == WebhookDeliveryStatus.PENDING and killed.claimed_until is not None
        assert await attempts_of(row) == []  # the send never finished

        receiver.default = Answer(200)
        receiver.release()
        # The dead worker's claim holds until its lease lapses: nothing is due, nothing claimable.
        assert await delivery.due_endpoints() == []
        assert await delivery.claim_next(endpoint.id) is None
        clock.advance(delivery.CLAIM_LEASE + timedelta(seconds=1))
        assert await delivery.due_endpoints() == [(endpoint.id, 1)]
        # arq gives the dead job's id back only when its in-progress mark expires (a minute on):
        # fast-forward that, as the domain clock fast-forwards the lease.
        redis = await create_queue(test_settings.redis_url)
        try:
            await redis.delete(
                *[
                    in_progress_key_prefix + f"{delivery.DELIVER_JOB}:{subject}"
                    for subject in delivery.slots(endpoint.id, 1)
                ]
            )
        finally:
            await redis.aclose()
        await deliver_due(worker_settings(test_settings))
        assert len(receiver.received) == 2
        again = receiver.received[1]
        assert again.webhook_id == receiver.received[0].webhook_id
        verified(again, secret)
        assert (await delivery_row(row)).status == WebhookDeliveryStatus.SUCCEEDED


async def test_a_hanging_endpoint_does_not_delay_another(api, settings):
    clock.freeze(NOW)
    async with Receiver(Answer(hang=True)) as stuck, Receiver() as healthy:
        slow, _ = await make_endpoint(stuck.url())
        fast, secret = await make_endpoint(healthy.url())
        await make_deliveries(slow, [await make_event() for _ in range(8)])
        queue = await create_queue(settings.redis_url)
        worker = create_worker(settings.redis_url, settings, poll_delay=0.02)
        running = asyncio.create_task(worker.main())
        try:
            await deliver_slots(queue)
            await eventually(
                lambda: stuck.hanging == delivery.PER_ENDPOINT_CONCURRENCY, message="the stuck endpoint's slots busy"
            )
            await make_deliveries(fast, [await make_event() for _ in range(3)])
            await deliver_slots(queue)
            await eventually(lambda: len(healthy.received) == 3, message="the healthy endpoint's deliveries")
            # Still hanging, and never more sends in flight to it than its slots.
            assert stuck.hanging == delivery.PER_ENDPOINT_CONCURRENCY
            assert len(stuck.received) == delivery.PER_ENDPOINT_CONCURRENCY
            for request in healthy.received:
                verified(request, secret)
        finally:
            stuck.release()
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
            await worker.close()
            await queue.aclose()


async def deliver_slots(queue) -> None:
    from workers.webhooks import sweep_webhook_deliveries

    await sweep_webhook_deliveries({"redis": queue})


REDELIVER = "mutation($i: RedeliverWebhookInput!) { redeliverWebhook(input: $i) { delivery { id status } userErrors { code } } }"
REPLAY = "mutation($i: ReplayWebhooksInput!) { replayWebhooks(input: $i) { count userErrors { code field } } }"


async def test_redelivery_and_replay_send_again_with_the_same_webhook_id(api, world, settings):
    clock.freeze(NOW)
    admin = await world.admin()
    async with Receiver() as receiver:
        endpoint, secret = await make_endpoint(receiver.url())  # a platform endpoint: the admin's
        [row] = await make_deliveries(endpoint, [await make_event()])
        await deliver_due(settings)
        assert (await delivery_row(row)).status == WebhookDeliveryStatus.SUCCEEDED

        # redeliverWebhook: the request pushes the slot job; a worker alone (no sweep) sends it.
        again = await api.ok(REDELIVER, {"i": {"deliveryId": encode("WebhookDelivery", row)}}, admin.token)
        assert again["redeliverWebhook"]["delivery"]["status"] == "PENDING"
        await run_worker(settings)
        assert len(receiver.received) == 2

        # replayWebhooks, every delivery since an hour ago (not only the failed ones).
        since = (NOW - timedelta(hours=1)).isoformat()
        replay = {"i": {"endpointId": encode("WebhookEndpoint", endpoint.id), "since": since, "onlyFailed": False}}
        assert (await api.ok(REPLAY, replay, admin.token))["replayWebhooks"] == {"count": 1, "userErrors": []}
        await run_worker(settings)
        assert len(receiver.received) == 3
        assert len({request.webhook_id for request in receiver.received}) == 1
        for request in receiver.received:
            verified(request, secret)
        assert len(await attempts_of(row)) == 3
        assert (await delivery_row(row)).status == WebhookDeliveryStatus.SUCCEEDED


async def test_private_addresses_are_refused_at_every_attempt_with_the_switch_off(api, test_settings):
    clock.freeze(NOW)
    closed = worker_settings(test_settings, allow_private=False)
    async with Receiver() as receiver:
        by_ip, _ = await make_endpoint(receiver.url())
        by_name, _ = await make_endpoint(receiver.url(host="localhost"))
        metadata, _ = await make_endpoint("http://169.254.169.254/latest/meta-data/")
        rows = [
            *(await make_deliveries(by_ip, [await make_event()])),
            *(await make_deliveries(by_name, [await make_event()])),
            *(await make_deliveries(metadata, [await make_event()])),
        ]
        await deliver_due(closed)
        assert receiver.received == []
        for row in rows:
            [attempt] = await attempts_of(row)
            assert attempt.response_status is None and attempt.error.startswith("Address refused")
            assert (await delivery_row(row)).status == WebhookDeliveryStatus.PENDING  # retried later
        # With the switch on, the same rows go out (metadata stays refused).
        clock.advance(timedelta(seconds=6))
        await deliver_due(worker_settings(test_settings))
        assert len(receiver.received) == 2
        assert "metadata" in (await attempts_of(rows[2]))[-1].error


async def test_redirects_are_not_followed(api, settings):
    clock.freeze(NOW)
    async with Receiver() as target, Receiver() as redirecting:
        redirecting.default = Answer(307, headers={"Location": target.url()})
        endpoint, _ = await make_endpoint(redirecting.url())
        [row] = await make_deliveries(endpoint, [await make_event()])
        await deliver_due(settings)
        assert len(redirecting.received) == 1 and target.received == []
        failed = await delivery_row(row)
        assert failed.status == WebhookDeliveryStatus.PENDING and failed.last_response_status == 307


async def test_events_and_attempts_older_than_30_days_are_purged(api, settings):
    clock.freeze(NOW)
    async with Receiver() as receiver:
        endpoint, _ = await make_endpoint(receiver.url())
        [old] = await make_deliveries(endpoint, [await make_event()])
        await deliver_due(settings)
        clock.advance(timedelta(days=20))
        [recent] = await make_deliveries(endpoint, [await make_event()])
        await deliver_due(settings)
        clock.advance(timedelta(days=10, seconds=1))
        assert await purge_webhooks({"settings": settings}) == 2  # the old attempt and the old event
        assert not await models.WebhookDelivery.filter(id=old).exists()
        assert await models.WebhookDelivery.filter(id=recent).exists()
        assert len(await attempts_of(recent)) == 1
        assert await models.WebhookEvent.all().count() == 1
