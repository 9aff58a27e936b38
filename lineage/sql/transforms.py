"""Which transform kind a value undergoes between a column reference and its output.

The kinds exist for the privacy team: PII propagation stops at ``aggregate``, ``count``
and ``hash``, so those names are only given where no input value can come out as is.
Aggregates that return input values verbatim (``array_agg``, ``string_agg``,
``group_concat``, ``listagg``, ``collect_list``, ``any_value``, ``first``/``last``...)
are ``expression``. ``min``/``max`` are ``aggregate`` as the privacy policy asks,
although they do return one input value: a consumer that cares can re-check them.
"""

from __future__ import annotations

from sqlglot import exp

from lineage.sql.model import (
    AGGREGATE,
    CASE,
    COUNT,
    EXPRESSION,
    HASH,
    IDENTITY,
    WINDOW,
    chain,
)

# Wrappers that leave the value as it is.
_TRANSPARENT = (exp.Alias, exp.Paren, exp.Cast, exp.Subquery, exp.Distinct)

_HASH_CLASSES = frozenset(
    {
        "MD5",
        "MD5Digest",
        "MD5NumberLower64",
        "MD5NumberUpper64",
        "SHA",
        "SHA1Digest",
        "SHA2",
        "SHA2Digest",
        "StandardHash",
        "FarmFingerprint",
        "HashAgg",
        "Minhash",
    }
)
_HASH_NAMES = frozenset(
    {
        "md5",
        "md5_hex",
        "md5_binary",
        "md5_number_lower64",
        "md5_number_upper64",
        "sha",
        "sha1",
        "sha1_hex",
        "sha1_binary",
        "sha2",
        "sha2_hex",
        "sha2_binary",
        "sha224",
        "sha256",
        "sha384",
        "sha512",
        "hash",
        "hash_agg",
        "hashbytes",
        "hashtext",
        "farm_fingerprint",
        "fingerprint",
        "xxhash32",
        "xxhash64",
        "xxh3_64",
        "crc32",
        "murmur3",
        "murmur_hash3_32",
        "murmur_hash3_64",
        "murmurhash3_32",
        "citycash64",
        "cityhash64",
        "siphash64",
        "hmac",
        "digest",
        "standard_hash",
        "keccak256",
        "blake3",
    }
)
_COUNT_CLASSES = frozenset({"Count", "CountIf", "ApproxDistinct", "ApproxCountDistinct"})
_COUNT_NAMES = frozenset({"count", "count_if", "countif", "approx_count_distinct", "ndv", "hll"})
_COLLECTING_CLASSES = frozenset(
    {
        "AnyValue",
        "ArrayAgg",
        "ArrayUniqueAgg",
        "ArrayConcatAgg",
        "First",
        "FirstValue",
        "Last",
        "LastValue",
        "GroupConcat",
        "JSONArrayAgg",
        "JSONObjectAgg",
        "JSONBObjectAgg",
        "ObjectAgg",
        "ListAgg",
        "StringAgg",
        "ArgMax",
        "ArgMin",
    }
)
_COLLECTING_NAMES = frozenset(
    {
        "array_agg",
        "string_agg",
        "listagg",
        "group_concat",
        "collect_list",
        "collect_set",
        "any_value",
        "arbitrary",
        "first",
        "last",
        "json_agg",
        "jsonb_agg",
        "json_object_agg",
        "jsonb_object_agg",
        "object_agg",
        "array_union_agg",
        "max_by",
        "min_by",
        "arg_max",
        "arg_min",
        "any",
        "list",
    }
)
_AGGREGATE_NAMES = frozenset(
    {
        "sum",
        "avg",
        "min",
        "max",
        "median",
        "mode",
        "stddev",
        "stddev_pop",
        "stddev_samp",
        "variance",
        "var_pop",
        "var_samp",
        "corr",
        "covar_pop",
        "covar_samp",
        "percentile_cont",
        "percentile_disc",
        "approx_percentile",
        "approx_quantiles",
        "bit_and",
        "bit_or",
        "bit_xor",
        "bool_and",
        "bool_or",
        "every",
        "kurtosis",
        "skewness",
    }
)


def _function_name(node: exp.Expr) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return ""


def node_kind(node: exp.Expr) -> str | None:
    """The kind one AST node applies to the values of its arguments (None: transparent)."""
    if isinstance(node, _TRANSPARENT):
        return None
    if isinstance(node, exp.Window):
        return WINDOW
    if isinstance(node, (exp.Case, exp.If)):
        return CASE
    if not isinstance(node, exp.Func):
        return EXPRESSION
    class_name = type(node).__name__
    name = _function_name(node)
    if class_name in _HASH_CLASSES or name in _HASH_NAMES:
        return HASH
    if isinstance(node.parent, exp.Window) and node.arg_key == "this":
        # the function a window applies is judged as a window, not as an aggregate
        return None
    if class_name in _COUNT_CLASSES or name in _COUNT_NAMES:
        return COUNT
    if class_name in _COLLECTING_CLASSES or name in _COLLECTING_NAMES:
        return EXPRESSION
    if isinstance(node, exp.AggFunc) or name in _AGGREGATE_NAMES:
        return AGGREGATE
    return EXPRESSION


def path_kind(node: exp.Expr, root: exp.Expr) -> str:
    """Kind of the path from ``node`` (a column or subquery) up to ``root``.

    ``root`` is the projection (or assignment value) that contains ``node``; the node
    itself does not count, so a bare column is ``identity``.
    """
    kind = IDENTITY
    child = node
    parent = node.parent
    while parent is not None and child is not root:
        step = node_kind(parent)
        if step is not None:
            if isinstance(parent, exp.Window) and child.arg_key != "this":
                step = WINDOW  # PARTITION BY / ORDER BY columns of a window
            kind = chain(kind, step)
        child = parent
        parent = parent.parent
    return kind
