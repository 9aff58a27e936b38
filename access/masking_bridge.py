"""The one place the access layer looks up masking operators.

Operators come from ``privacy.masking`` (the shared registry: nullify, redact, partial,
generalise, pseudonym, tokenise, free-text redaction, ...). Until that package is importable
a small local fallback with ``nullify``, ``redact`` and ``partial`` keeps the gateway
working; both follow the same interface:

* ``op.sql(expr, dialect, params, keys)`` -> sqlglot expression computing the masked value,
* ``op.sql_capable(dialect)`` -> whether :meth:`sql` works for that dialect,
* ``op.apply(value, params, keys)`` -> the masked value in Python,
* ``op.reversible`` -> whether a key holder can recover the clear value.

``clear`` is not an operator: it means "no mask" and is handled by the policy engine.
"""

from __future__ import annotations

import contextlib
from typing import Any, Protocol

from sqlglot import exp

CLEAR = "clear"

# Higher = reveals less. Used to break ties between equally specific policies.
RESTRICTIVENESS: dict[str, int] = {
    "deny": 1000,
    "nullify": 100,
    "redact": 90,
    "redact_text": 85,
    "pseudonym": 70,
    "hash": 70,
    "tokenise": 60,
    "generalise": 50,
    "partial": 40,
    CLEAR: 0,
}


class Operator(Protocol):
    name: str
    reversible: bool

    def sql(
        self, expr: exp.Expression, dialect: str, params: dict[str, Any], keys: Any
    ) -> exp.Expression: ...

    def sql_capable(self, dialect: str) -> bool: ...

    def apply(self, value: Any, params: dict[str, Any], keys: Any) -> Any: ...


class UnknownOperator(LookupError):
    pass


def _null_guard(expr: exp.Expression, masked: exp.Expression) -> exp.Expression:
    return exp.Case(
        ifs=[exp.If(this=exp.Is(this=expr.copy(), expression=exp.Null()), true=exp.Null())],
        default=masked,
    )


class _Nullify:
    name = "nullify"
    reversible = False

    def sql(
        self, expr: exp.Expression, dialect: str, params: dict[str, Any], keys: Any
    ) -> exp.Expression:
        return exp.Null()

    def sql_capable(self, dialect: str) -> bool:
        return True

    def apply(self, value: Any, params: dict[str, Any], keys: Any) -> Any:
        return None


class _Redact:
    name = "redact"
    reversible = False

    def _text(self, params: dict[str, Any]) -> str:
        return str(params.get("replacement", "[REDACTED]"))[:64]

    def sql(
        self, expr: exp.Expression, dialect: str, params: dict[str, Any], keys: Any
    ) -> exp.Expression:
        return _null_guard(expr, exp.Literal.string(self._text(params)))

    def sql_capable(self, dialect: str) -> bool:
        return True

    def apply(self, value: Any, params: dict[str, Any], keys: Any) -> Any:
        return None if value is None else self._text(params)


class _Partial:
    """Keep the first ``keep_start`` characters (default 1), replace the rest by ``fill``."""

    name = "partial"
    reversible = False

    @staticmethod
    def _args(params: dict[str, Any]) -> tuple[int, str]:
        keep = params.get("keep_start", 1)
        keep = keep if isinstance(keep, int) and 0 <= keep <= 8 else 1
        return keep, str(params.get("fill", "****"))[:16]

    def sql(
        self, expr: exp.Expression, dialect: str, params: dict[str, Any], keys: Any
    ) -> exp.Expression:
        keep, fill = self._args(params)
        text = exp.cast(expr.copy(), exp.DataType.build("text" if dialect != "mysql" else "char"))
        head: exp.Expression = exp.Substring(
            this=text, start=exp.Literal.number(1), length=exp.Literal.number(keep)
        )
        masked = exp.DPipe(this=head, expression=exp.Literal.string(fill), safe=True)
        return _null_guard(expr, masked if keep else exp.Literal.string(fill))

    def sql_capable(self, dialect: str) -> bool:
        return True

    def apply(self, value: Any, params: dict[str, Any], keys: Any) -> Any:
        if value is None:
            return None
        keep, fill = self._args(params)
        return str(value)[:keep] + fill


_LOCAL: dict[str, Operator] = {op.name: op for op in (_Nullify(), _Redact(), _Partial())}


def _registry() -> Any:
    try:
        from privacy import masking  # the shared registry, once it lands
    except ImportError:
        return None
    return masking if hasattr(masking, "get_operator") else None


def get_operator(name: str) -> Operator:
    """The operator called ``name`` (``UnknownOperator`` if there is none)."""
    registry = _registry()
    if registry is not None:
        try:
            return registry.get_operator(name)  # type: ignore[no-any-return,unused-ignore]
        except Exception as exc:
            if name not in _LOCAL:
                raise UnknownOperator(name) from exc
    if name not in _LOCAL:
        raise UnknownOperator(name)
    return _LOCAL[name]


def operator_names() -> list[str]:
    registry = _registry()
    names = set(_LOCAL)
    if registry is not None:
        for attr in ("operator_names", "names", "list_operators"):
            fn = getattr(registry, attr, None)
            if callable(fn):
                with contextlib.suppress(Exception):  # registry misbehaving
                    names.update(str(n) for n in fn())
                break
    return sorted(names)


def is_known(name: str) -> bool:
    if name == CLEAR:
        return True
    try:
        get_operator(name)
    except UnknownOperator:
        return False
    return True


def restrictiveness(name: str) -> int:
    return RESTRICTIVENESS.get(name, 80)  # unknown operators count as fairly restrictive


def keys_for(operator: Any) -> Any:
    """Key material for keyed operators (pseudonym, tokenise) from ``privacy.keys``."""
    try:
        from privacy import keys
    except ImportError:
        return None
    for attr in ("data_keys", "masking_keys", "get_keys", "keys"):
        fn = getattr(keys, attr, None)
        if callable(fn):
            try:
                return fn()
            except Exception:
                return None
    return None


def check_params(name: str, params: dict[str, Any]) -> dict[str, Any]:
    """Validated parameters for operator ``name`` (``ValueError`` with a message if not)."""
    if name == CLEAR:
        if params:
            raise ValueError("clear takes no parameters")
        return {}
    op = get_operator(name)
    validate = getattr(op, "params", None)
    if callable(validate):
        try:
            return dict(validate(params))
        except Exception as exc:
            raise ValueError(str(exc)) from exc
    return params


def prepare_sqlite(conn: Any) -> None:
    """Register the registry's SQLite UDFs (pseudonym, tokenise) on a gateway connection."""
    registry = _registry()
    register = getattr(registry, "register_sqlite_functions", None) if registry else None
    keys = keys_for(None)
    if callable(register) and keys is not None:
        register(conn, keys)
