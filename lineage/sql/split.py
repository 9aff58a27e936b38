"""Split a SQL script into statements without parsing it.

The split uses the dialect's own tokenizer, so semicolons inside strings, quoted
identifiers, comments and dollar-quoted bodies never split. Semicolons inside a
``BEGIN ... END`` body of ``CREATE FUNCTION/PROCEDURE/TRIGGER`` don't split either,
and T-SQL's ``GO`` separates batches. When the tokenizer itself fails (for example on
an unterminated string) a character-level splitter that knows quotes and comments
takes over, so one broken statement never hides the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot.dialects.dialect import Dialect
from sqlglot.tokens import Token, TokenType

_ROUTINE_WORDS = {"FUNCTION", "PROCEDURE", "PROC", "TRIGGER"}
_BLOCK_CLOSERS_TO_IGNORE = {"IF", "LOOP", "WHILE", "REPEAT", "FOR"}


@dataclass
class Chunk:
    """One statement's text; ``tokens`` is None when it came from the fallback splitter."""

    text: str
    tokens: list[Token] | None


def split_script(sql: str, dialect: Dialect) -> list[Chunk]:
    """Statements of ``sql`` in order (empty and comment-only statements dropped)."""
    try:
        tokens = dialect.tokenize(sql)
    except Exception:
        return [Chunk(text, None) for text in _split_chars(sql)]
    return _split_tokens(sql, tokens)


def _split_tokens(sql: str, tokens: list[Token]) -> list[Chunk]:
    chunks: list[Chunk] = []
    current: list[Token] = []
    depth = 0
    routine = False

    def flush() -> None:
        if current:
            text = sql[current[0].start : current[-1].end + 1]
            chunks.append(Chunk(text, list(current)))
            current.clear()

    for i, token in enumerate(tokens):
        kind = token.token_type
        word = token.text.upper()
        if kind == TokenType.SEMICOLON and depth <= 0:
            flush()
            depth, routine = 0, False
            continue
        if kind == TokenType.COMMAND and word == "GO":
            # T-SQL batch separator (the tokenizer only makes it a COMMAND on its own line)
            flush()
            depth, routine = 0, False
            continue
        current.append(token)
        if len(current) <= 6 and word in _ROUTINE_WORDS and current[0].text.upper() == "CREATE":
            routine = True
        if not routine:
            continue
        following = tokens[i + 1].text.upper() if i + 1 < len(tokens) else ""
        if (
            kind == TokenType.BEGIN and following not in ("TRANSACTION", "TRAN", "WORK")
        ) or kind == TokenType.CASE:
            depth += 1
        elif kind == TokenType.END and following not in _BLOCK_CLOSERS_TO_IGNORE:
            depth -= 1
    flush()
    return chunks


def _split_chars(sql: str) -> list[str]:
    """Split on semicolons outside quotes, comments and dollar-quoted strings."""
    statements: list[str] = []
    start = 0
    i = 0
    n = len(sql)
    while i < n:
        char = sql[i]
        if char in "'\"`":
            end = sql.find(char, i + 1)
            while end != -1 and end + 1 < n and sql[end + 1] == char:
                end = sql.find(char, end + 2)
            i = n if end == -1 else end + 1
            continue
        if char == "[":
            end = sql.find("]", i + 1)
            i = n if end == -1 else end + 1
            continue
        if sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end == -1 else end + 1
            continue
        if sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end == -1 else end + 2
            continue
        if char == "$":
            tag_end = sql.find("$", i + 1)
            tag = sql[i : tag_end + 1] if tag_end != -1 else ""
            if tag and (tag == "$$" or tag[1:-1].isidentifier()):
                end = sql.find(tag, tag_end + 1)
                i = n if end == -1 else end + len(tag)
                continue
        if char == ";":
            statements.append(sql[start:i])
            start = i + 1
        i += 1
    statements.append(sql[start:])
    return [text.strip() for text in statements if _has_code(text)]


def _has_code(text: str) -> bool:
    """Whether ``text`` holds anything besides whitespace and comments."""
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
        elif text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end == -1 else end + 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end == -1 else end + 2
        else:
            return True
    return False
