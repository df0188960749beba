"""The `caseload` command: serve, worker, migrate, seed, schema, create-user, rotate-keys."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from app import db, infra, logs
from app.settings import Settings, get

log = logging.getLogger("caseload")


def _redis_url(settings: Settings) -> str:
    return infra.redis_url(settings)


async def _with_db(settings: Settings, work):
    from domain import encryption

    encryption.configure(settings.master_keys)
    await db.init(settings, statement_timeout_ms=settings.worker_statement_timeout_ms)  # batch work
    try:
        return await work()
    finally:
        await db.close()


def cmd_migrate(args, settings: Settings) -> int:
    asyncio.run(db.migrate(settings))
    print("migrations applied")
    return 0


def cmd_seed(args, settings: Settings) -> int:
    from app import seed

    if settings.production:
        print(DEMO_REFUSED, file=sys.stderr)
        return 2

    async def work():
        return await seed.seed_if_empty()

    loaded = asyncio.run(_with_db(settings, work))
    print("demo data loaded" if loaded else "the database already has users; nothing loaded")
    return 0


def cmd_schema(args, settings: Settings) -> int:
    from schema.build import build

    sys.stdout.write(build().as_str() + "\n")
    return 0


def cmd_create_user(args, settings: Settings) -> int:
    from app.seed import SYSTEM
    from domain import users
    from domain.errors import DomainError
    from models.enums import Role

    async def work():
        return await users.create_user(
            SYSTEM, email=args.email, name=args.name, password=args.password, role=Role(args.role)
        )

    try:
        user = asyncio.run(_with_db(settings, work))
    except DomainError as error:
        print(f"error: {error.message} ({error.code.value}, {error.field})", file=sys.stderr)
        return 2
    print(f"created {user.role.value} {user.email}")
    return 0


def cmd_rotate_keys(args, settings: Settings) -> int:
    from domain import encryption

    async def work():
        return await encryption.rewrap_all()

    count = asyncio.run(_with_db(settings, work))
    print(f"re-wrapped {count} client data keys with the newest master key")
    return 0


def cmd_worker(args, settings: Settings) -> int:
    from app.worker import create_worker
    from workers.supervisor import supervise

    redis_url = _redis_url(settings)

    async def run():
        # Opened once: workers come and go with Redis, the database pool stays.
        await db.init(settings)
        loop, me = asyncio.get_running_loop(), asyncio.current_task()
        assert me is not None  # run() is itself a task
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, me.cancel)
        try:
            await supervise(lambda: create_worker(redis_url, settings))
        finally:
            await db.close()

    with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
        asyncio.run(run())
    infra.stop_embedded_redis()
    return 0


DEMO_REFUSED = "error: demo data is refused when CASELOAD_ENV=production (the demo accounts' passwords are public)"


def cmd_serve(args, settings: Settings) -> int:
    import uvicorn

    from app.http import asgi
    from workers.supervisor import Heartbeat

    redis_url = _redis_url(settings)  # starts the embedded Redis when no URL is set
    heartbeat = Heartbeat() if args.with_worker else None

    async def prepare():
        await db.migrate(settings)
        if args.demo:
            from app import seed

            async def load():
                if await seed.seed_if_empty():
                    log.warning("demo data loaded: see README.md for the demo logins")

            await _with_db(settings, load)

    async def run():
        await prepare()
        server = uvicorn.Server(
            uvicorn.Config(
                asgi(settings, redis_url=redis_url, heartbeat=heartbeat),
                host=args.host,
                port=args.port,
                loop="uvloop",
                http="httptools",
                ws="websockets-sansio",
                proxy_headers=False,
                log_level="info",
                # Our logging (app.logs) for every record; app.logs.RequestLog writes one line a request.
                log_config=None,
                access_log=False,
            )
        )
        worker_task = None
        if args.with_worker:
            from app.worker import create_worker
            from workers.supervisor import supervise

            async def run_worker():
                while not server.started:  # the API opens Tortoise; the worker reuses it
                    await asyncio.sleep(0.05)
                await supervise(lambda: create_worker(redis_url, settings, heartbeat=heartbeat))

            worker_task = asyncio.create_task(run_worker())
        try:
            await server.serve()
        finally:
            if worker_task is not None:
                worker_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await worker_task

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
    finally:
        infra.stop_embedded_redis()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="caseload", description="Caseload: the coaching practice API.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the GraphQL API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--with-worker", action="store_true", help="run an arq worker in the same process")
    serve.add_argument(
        "--demo",
        action="store_true",
        help="load the demo accounts into an empty database (development only; refused in production)",
    )
    serve.set_defaults(run=cmd_serve)

    sub.add_parser("worker", help="run an arq worker").set_defaults(run=cmd_worker)
    sub.add_parser("migrate", help="apply pending migrations").set_defaults(run=cmd_migrate)
    sub.add_parser("seed", help="load demo data into an empty database").set_defaults(run=cmd_seed)
    sub.add_parser("schema", help="print the GraphQL SDL").set_defaults(run=cmd_schema)
    sub.add_parser("rotate-keys", help="re-wrap client data keys with the newest master key").set_defaults(
        run=cmd_rotate_keys
    )

    create_user = sub.add_parser("create-user", help="create an account")
    create_user.add_argument("--email", required=True)
    create_user.add_argument("--password", required=True)
    create_user.add_argument("--name", required=True)
    create_user.add_argument("--role", required=True, choices=["ADMIN", "COACH", "CLIENT", "ORG_ADMIN"])
    create_user.set_defaults(run=cmd_create_user)

    args = parser.parse_args(argv)
    settings = get()
    logs.configure(settings.log_format if settings.log_format in ("text", "json") else "text")
    if getattr(args, "demo", False) and settings.production:
        print(DEMO_REFUSED, file=sys.stderr)
        return 2
    settings.check()
    return args.run(args, settings)


if __name__ == "__main__":
    sys.exit(main())
