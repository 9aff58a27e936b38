"""Masking operators: Python results, and the SQL forms giving the same results on SQLite,
PostgreSQL and MariaDB."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
import sqlglot
from sqlglot import exp

from privacy.masking import (
    OPERATORS,
    KeyMaterial,
    MaskingError,
    NotSqlCapable,
    StaticKeys,
    detokenise,
    get_operator,
    register_sqlite_functions,
    token_kid,
)

KEYS = StaticKeys(
    {
        "pseudonym": [KeyMaterial("p-old", b"\x01" * 32), KeyMaterial("p1", bytes(range(32)))],
        "tokenise": [KeyMaterial("t1", bytes(range(64)))],
    }
)

# (operator, params, column, expected Python results for ROWS' column values)
ROWS: list[dict[str, Any]] = [
    {
        "id": 1,
        "txt": "4111111111111111",
        "email": "ana.sari@example.co.id",
        "born": dt.date(1985, 7, 14),
        "post": "SW1A 1AA",
        "num": 12345,
    },
    {
        "id": 2,
        "txt": "José Müller 😀",
        "email": "no-at-sign",
        "born": dt.date(2000, 1, 1),
        "post": "  75001",
        "num": 7,
    },
    {"id": 3, "txt": "abc", "email": "x@y", "born": dt.date(1964, 6, 2), "post": "1", "num": 0},
    {"id": 4, "txt": None, "email": None, "born": None, "post": None, "num": None},
]

CASES: list[tuple[str, dict[str, Any], str]] = [
    ("nullify", {}, "txt"),
    ("redact", {}, "txt"),
    ("redact", {"value": "it's hidden"}, "email"),
    ("partial", {}, "txt"),
    ("partial", {"keep": 2, "mask_char": "#"}, "num"),
    ("partial", {"keep": 0}, "txt"),
    ("partial", {"mode": "email"}, "email"),
    ("generalise", {"to": "year"}, "born"),
    ("generalise", {"to": "age_band", "as_of": "2024-06-01"}, "born"),
    ("generalise", {"to": "age_band", "as_of": "2024-07-14", "band": 5}, "born"),
    ("generalise", {"to": "prefix", "keep": 3}, "post"),
    ("pseudonym", {}, "txt"),
    ("pseudonym", {"length": 12}, "email"),
    ("pseudonym", {"kid": "p-old"}, "num"),
    ("pseudonym", {}, "born"),
]


def test_python_results() -> None:
    row = ROWS[0]
    assert get_operator("nullify").apply("x") is None
    assert get_operator("redact").apply("x") == "[REDACTED]"
    assert get_operator("partial").apply(row["txt"]) == "************1111"
    assert get_operator("partial").apply("abc") == "***"
    assert get_operator("partial").apply(row["email"], {"mode": "email"}) == "***@example.co.id"
    assert get_operator("generalise").apply(row["born"]) == 1985
    assert get_operator("generalise").apply("1985-07-14") == 1985
    band = {"to": "age_band", "as_of": "2024-07-13"}
    assert get_operator("generalise").apply(row["born"], band) == "30-39"
    assert get_operator("generalize").apply("2000-07-14", band) == "20-29"
    assert get_operator("generalise").apply(row["post"], {"to": "prefix"}) == "SW1"
    for name in OPERATORS:
        assert get_operator(name).apply(None, keys=KEYS) is None


def test_pseudonym_is_deterministic_keyed_and_hmac_sha256() -> None:
    import hashlib
    import hmac

    op = get_operator("pseudonym")
    first = op.apply("ana@example.com", keys=KEYS)
    assert first == op.apply("ana@example.com", keys=KEYS)
    assert first != op.apply("ana@example.org", keys=KEYS)
    expected = hmac.new(bytes(range(32)), b"ana@example.com", hashlib.sha256).hexdigest()[:32]
    assert first == expected
    assert op.apply("ana@example.com", {"kid": "p-old"}, KEYS) != first
    with pytest.raises(MaskingError, match="needs keys"):
        op.apply("x")


def test_tokens_are_deterministic_reversible_and_carry_the_key_id() -> None:
    op = get_operator("tokenize")
    token = op.apply("ana@example.com", keys=KEYS)
    assert isinstance(token, str) and token.startswith("tok:t1:")
    assert token == op.apply("ana@example.com", keys=KEYS)
    assert op.reversible and not get_operator("pseudonym").reversible
    assert token_kid(token) == "t1"
    assert detokenise(token, KEYS) == "ana@example.com"
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(MaskingError):
        detokenise(tampered, KEYS)
    with pytest.raises(MaskingError, match="not a Custos token"):
        detokenise("hello", KEYS)
    with pytest.raises(MaskingError, match="unknown key id"):
        detokenise("tok:zz:AAAA", KEYS)


def test_free_text_redaction_replaces_pii_inside_prose() -> None:
    op = get_operator("redact_text")
    out = op.apply("Pax asked to be called on +44 20 7946 0958, mail ana.sari@example.com ok")
    assert out == "Pax asked to be called on <PHONE_NUMBER>, mail <EMAIL_ADDRESS> ok"
    assert op.apply("Window seat please") == "Window seat please"
    only_mail = op.apply(
        "ana@example.com / +44 20 7946 0958", {"entities": ["EMAIL_ADDRESS"], "replacement": "#"}
    )
    assert only_mail == "# / +44 20 7946 0958"
    assert not op.sql_capable("postgres")
    with pytest.raises(NotSqlCapable):
        op.sql(exp.column("note"), "postgres")


def test_capabilities_and_bad_parameters() -> None:
    assert get_operator("tokenise").sql_capable("sqlite")
    assert not get_operator("tokenise").sql_capable("mariadb")
    assert get_operator("pseudonym").sql_capable("postgresql")
    assert not get_operator("pseudonym").sql_capable("oracle")
    with pytest.raises(MaskingError, match="unknown masking operator"):
        get_operator("shuffle")
    with pytest.raises(MaskingError, match="unknown parameter"):
        get_operator("redact").apply("x", {"colour": "red"})
    with pytest.raises(MaskingError, match="keep"):
        get_operator("partial").apply("x", {"keep": -1})
    with pytest.raises(MaskingError, match="mask_char"):
        get_operator("partial").apply("x", {"mask_char": "'"})
    with pytest.raises(MaskingError, match="as_of"):
        get_operator("generalise").apply("2000-01-01", {"to": "age_band", "as_of": "soon"})
    with pytest.raises(MaskingError, match="unsupported dialect"):
        get_operator("redact").sql(exp.column("x"), "oracle")


def test_sql_wraps_any_expression_and_renders_in_a_query() -> None:
    masked = get_operator("partial").sql(exp.column("card", table="p"), "postgres")
    query = sqlglot.select(masked.as_("card")).from_("payments AS p")
    sql = query.sql(dialect="postgres")
    assert sql.startswith("SELECT CASE WHEN p.card IS NULL THEN NULL")
    assert "AS card FROM payments AS p" in sql


# -- same output in SQL on every engine ----------------------------------------------------

_TYPES = {
    "sqlite": {"txt": "TEXT", "email": "TEXT", "born": "DATE", "post": "TEXT", "num": "INTEGER"},
    "postgres": {"txt": "TEXT", "email": "TEXT", "born": "DATE", "post": "TEXT", "num": "INTEGER"},
    "mysql": {
        "txt": "VARCHAR(200)",
        "email": "VARCHAR(200)",
        "born": "DATE",
        "post": "VARCHAR(20)",
        "num": "INTEGER",
    },
}


@pytest.fixture(params=["sqlite", "postgres", "mysql"])
def engine(request: Any, throwaway_db: Callable[[str], str]) -> Iterator[tuple[str, sa.Engine]]:
    dialect = request.param
    url = throwaway_db(dialect)
    args = {"charset": "utf8mb4"} if dialect == "mysql" else {}
    eng = sa.create_engine(url, connect_args=args, poolclass=sa.pool.NullPool)
    if dialect == "sqlite":
        sa.event.listen(eng, "connect", lambda conn, _r: register_sqlite_functions(conn, KEYS))
    cols = ", ".join(f"{name} {kind}" for name, kind in _TYPES[dialect].items())
    suffix = " DEFAULT CHARSET=utf8mb4" if dialect == "mysql" else ""
    with eng.begin() as conn:
        conn.execute(sa.text(f"CREATE TABLE t (id INTEGER PRIMARY KEY, {cols}){suffix}"))
        conn.execute(
            sa.text(
                "INSERT INTO t (id, txt, email, born, post, num) "
                "VALUES (:id, :txt, :email, :born, :post, :num)"
            ),
            ROWS,
        )
    yield dialect, eng
    eng.dispose()


def _masked_select(dialect: str, name: str, params: dict[str, Any], column: str) -> str:
    op = get_operator(name)
    masked = op.sql(exp.column(column), dialect, params, KEYS)
    return (
        sqlglot.select(masked.as_("m"), exp.column(column))
        .from_("t")
        .order_by("id")
        .sql(dialect=dialect)
    )


@pytest.mark.sources
def test_sql_equals_python_on_every_engine(engine: tuple[str, sa.Engine]) -> None:
    dialect, eng = engine
    with eng.connect() as conn:
        for name, params, column in CASES:
            rows = conn.execute(sa.text(_masked_select(dialect, name, params, column))).all()
            op = get_operator(name)
            for masked, raw in rows:
                expected = op.apply(raw, params, KEYS)
                assert masked == expected, (dialect, name, params, column, raw)
        token_sql = _masked_select(dialect, "tokenise", {}, "email") if dialect == "sqlite" else ""
        if token_sql:
            tokens = [r[0] for r in conn.execute(sa.text(token_sql))]
            assert detokenise(tokens[0], KEYS) == ROWS[0]["email"]
            assert tokens[3] is None


@pytest.mark.sources
def test_masked_join_keys_agree_between_sql_and_python(engine: tuple[str, sa.Engine]) -> None:
    """A pseudonymised key from the database joins with one pseudonymised in Python."""
    dialect, eng = engine
    with eng.connect() as conn:
        in_sql = [
            r[0] for r in conn.execute(sa.text(_masked_select(dialect, "pseudonym", {}, "email")))
        ]
    in_python = [get_operator("pseudonym").apply(r["email"], keys=KEYS) for r in ROWS]
    assert in_sql == in_python


@pytest.mark.sources
def test_postgres_construction_equals_pgcrypto_hmac(throwaway_db: Callable[[str], str]) -> None:
    url = throwaway_db("postgres")
    eng = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with eng.begin() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pgcrypto"))
            masked = get_operator("pseudonym").sql(
                exp.Literal.string("José"), "postgres", {"length": 64}, KEYS
            )
            ours = conn.execute(sa.text(f"SELECT {masked.sql(dialect='postgres')}")).scalar()
            theirs = conn.execute(
                sa.text("SELECT encode(hmac(convert_to('José', 'UTF8'), :k, 'sha256'), 'hex')"),
                {"k": bytes(range(32))},
            ).scalar()
    finally:
        eng.dispose()
    assert ours == theirs
