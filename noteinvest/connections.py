"""Telling a lost database connection from a failed query."""

from django.db import InterfaceError, OperationalError, connections


def connection_lost(exception) -> bool:
    """The error is a database connection going away (a restart, a failover, a terminated
    backend), not a query that failed on a working connection (a timeout, a lock, bad SQL)."""
    if not isinstance(exception, (OperationalError, InterfaceError)):
        return False
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and not conn.is_usable():
            return True
        # A connection Django already closed after the error counts as lost too.
        if conn.connection is None and conn.errors_occurred:
            return True
    return False


def close_all() -> None:
    for conn in connections.all(initialized_only=True):
        conn.close()
