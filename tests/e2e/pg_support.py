"""The throwaway PostgreSQL server CTest starts (TOPICDESK_TEST_PG, cmake/pg_test_server.cmake):
its admin URI, a fresh database per test, and psql."""
import os
import subprocess

ADMIN_URI = os.environ.get("TOPICDESK_TEST_PG", "")


def with_database(uri, database):
    """The admin URI (postgresql://user@/postgres?host=...) with another database."""
    path = uri.index("/", uri.index("://") + 3)
    query = uri.find("?", path)
    return uri[:path + 1] + database + (uri[query:] if query >= 0 else "")


def psql(uri, sql):
    done = subprocess.run(["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", uri, "-c", sql],
                          capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise AssertionError(f"psql {sql!r}: {done.stderr}")
    return done.stdout.strip()


def fresh_database(case, name):
    """A new, empty database `name` (dropped first if a failed run left it) on the test server,
    dropped again when the test case ends; returns its URI."""
    name = name[:63].lower()
    psql(ADMIN_URI, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    psql(ADMIN_URI, f"CREATE DATABASE {name}")
    case.addCleanup(psql, ADMIN_URI, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    return with_database(ADMIN_URI, name)
