"""The config object for tortoise's own command line: `tortoise -c app.tortoise_conf.TORTOISE_ORM makemigrations`."""

from app import db, settings

TORTOISE_ORM = db.tortoise_config(settings.get(), statement_timeout_ms=0)  # migrations may run long
