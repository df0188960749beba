"""The outbox relay pushes jobs written in a transaction to arq, once, with their job ids."""

import models
from domain import outbox
from workers.outbox import relay_outbox
from workers.settings import create_queue


async def test_relay_pushes_each_unpushed_job_once(test_settings, clean):
    # Given two jobs recorded in the outbox (a second add of the same id is a no-op)
    await outbox.add("refund_session", "s1", "s1")
    await outbox.add("refund_session", "s1", "s1")
    await outbox.add("refund_session", "s2", "s2")
    assert await models.OutboxJob.all().count() == 2

    redis = await create_queue(test_settings.redis_url)
    try:
        # When the relay runs twice
        assert await relay_outbox({"redis": redis}) == 2
        assert await relay_outbox({"redis": redis}) == 0

        # Then arq holds exactly the two jobs, under their deterministic ids
        queued = await redis.queued_jobs()
        assert sorted(j.job_id for j in queued) == ["refund_session:s1", "refund_session:s2"]
        assert await models.OutboxJob.filter(pushed_at__isnull=True).count() == 0
    finally:
        await redis.aclose()


async def test_pushed_rows_are_purged_after_a_day(test_settings, clean):
    from datetime import timedelta

    from domain import clock
    from workers.outbox import purge_outbox

    await outbox.add("refund_session", "old", "old")
    await outbox.add("refund_session", "waiting", "waiting")
    await models.OutboxJob.filter(job_id="refund_session:old").update(pushed_at=clock.now() - timedelta(hours=25))

    assert await purge_outbox({}) == 1
    assert [r.job_id for r in await models.OutboxJob.all()] == ["refund_session:waiting"]  # unpushed rows stay


async def test_a_row_armed_again_while_being_pushed_stays_for_the_relay(test_settings, clean):
    from workers.outbox import push

    await outbox.add("recalculate_category", "pair", "a", "b")
    rows = list(await models.OutboxJob.filter(pushed_at__isnull=True))
    await outbox.add("recalculate_category", "pair", "a", "b")  # a change commits while the push is under way
    queue = await create_queue(test_settings.redis_url)
    try:
        await push(queue, rows)
    finally:
        await queue.aclose()
    assert await models.OutboxJob.filter(pushed_at__isnull=True).count() == 1  # the relay will push it again


async def test_push_leaves_a_job_arq_still_holds_for_the_relay(test_settings, clean):
    from workers.outbox import push

    # Given a job arq already holds under the same id (queued, or its result kept)
    queue = await create_queue(test_settings.redis_url)
    try:
        await queue.enqueue_job("refund_session", "held", _job_id="refund_session:held")
        await queue.set("arq:result:refund_session:done", b"x")
        await outbox.add("refund_session", "held", "held")
        await outbox.add("refund_session", "done", "done")
        await outbox.add("refund_session", "free", "free")

        # When the rows are pushed
        pushed = await push(queue, list(await models.OutboxJob.all().order_by("id")))

        # Then only the free one is queued and marked; the others wait for the relay
        assert pushed == 1
        assert sorted(j.job_id for j in await queue.queued_jobs()) == ["refund_session:free", "refund_session:held"]
        free = await queue.queued_jobs()
        assert [j.args for j in free if j.job_id == "refund_session:free"] == [["free"]]  # JSON, as the worker reads it
        assert sorted(r.job_id for r in await models.OutboxJob.filter(pushed_at__isnull=True)) == [
            "refund_session:done",
            "refund_session:held",
        ]
    finally:
        await queue.aclose()


async def test_an_event_is_published_once_by_its_id(test_settings, clean):
    from redis.asyncio import Redis

    from workers.events import publish

    redis = Redis.from_url(test_settings.redis_url)
    try:
        event = ("message", "00000000-0000-0000-0000-000000000001", "e1")
        assert await publish(redis, [event, ("session", "00000000-0000-0000-0000-000000000002", "e2")]) == 2
        assert await publish(redis, [event]) == 0  # the job after a direct publish, or two relays racing
        assert await publish(redis, [("message", "00000000-0000-0000-0000-000000000001", "e3")]) == 1  # a new change
        assert await publish(redis, [("message", "00000000-0000-0000-0000-000000000001")]) == 1  # a row from before ids
    finally:
        await redis.aclose()


async def test_rows_written_before_a_worker_started_are_not_pushed_again_by_its_jobs(test_settings, clean):
    # Found by the outside attack: `caseload serve --demo --with-worker` (make run) seeds the demo,
    # then starts the worker as a task of the same context. Every job then pushed every row the
    # seed wrote again (live events were published again once their hour was up) and added its
    # own rows to that one shared list, which only grew.
    import asyncio

    from arq.constants import job_key_prefix

    from workers.outbox import push_written

    await outbox.add("refund_session", "seeded", "seeded")  # written before the worker starts
    redis = await create_queue(test_settings.redis_url)
    try:
        assert await relay_outbox({"redis": redis}) == 1
        # That job ran and its result expired.
        await redis.delete(job_key_prefix + "refund_session:seeded")
        await redis.zrem(redis.default_queue_name, "refund_session:seeded")

        async def job(name: str) -> None:  # as arq runs each job: a task started from the worker's
            await outbox.add("refund_session", name, name)
            await push_written({"redis": redis})

        await asyncio.create_task(job("first"))
        await asyncio.create_task(job("second"))

        queued = sorted(j.job_id for j in await redis.queued_jobs())
        assert queued == ["refund_session:first", "refund_session:second"]
        assert [row.job_id for row in outbox.take_written()] == ["refund_session:seeded"]  # the starter's own
    finally:
        await redis.aclose()
