"""Alembic environment: always handed a connection by :mod:`server_stub.db.migrate`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from server_stub.db.tables import metadata

config = context.config


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # `alembic` command line with sqlalchemy.url set (development only)
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        _run(conn)
