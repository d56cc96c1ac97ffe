"""Diagnostics as plain data: where, what, how bad, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from ._codes import CODES, Severity


class Token(Protocol):
    """Where a token lies, as Lark's `Token` records it (None when unknown)."""

    @property
    def line(self) -> int | None: ...
    @property
    def column(self) -> int | None: ...
    @property
    def end_line(self) -> int | None: ...
    @property
    def end_column(self) -> int | None: ...
    @property
    def start_pos(self) -> int | None: ...
    @property
    def end_pos(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class Span:
    """A region of one source file: 1-based lines and columns, end exclusive."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    start: int = 0
    end: int = 0

    @classmethod
    def point(cls, file: str, line: int, column: int, offset: int = 0) -> Span:
        """One character: at `offset` in the text, on `line` at `column`."""
        return cls(file, line, column, line, column + 1, offset, offset + 1)

    @classmethod
    def from_token(cls, file: str, token: Token) -> Span:
        """The span of one token (a position Lark leaves unknown counts as the start)."""
        return cls(file, token.line or 1, token.column or 1, token.end_line or 1,
                   token.end_column or 1, token.start_pos or 0, token.end_pos or 0)

    def to(self, other: Span) -> Span:
        """The span from the start of `self` to the end of `other`."""
        return Span(
            self.file, self.line, self.column, other.end_line, other.end_column,
            self.start, other.end,
        )


@dataclass(frozen=True, slots=True)
class Note:
    """A secondary location that explains a diagnostic (e.g. the first declaration)."""

    span: Span
    message: str


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding. Its code (a key of `CODES`) decides its severity."""

    code: str
    message: str
    span: Span
    label: str | None = None
    help: str | None = None
    notes: tuple[Note, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown diagnostic code {self.code!r}")

    @property
    def severity(self) -> Severity:
        return CODES[self.code].severity

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
            "file": self.span.file,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "label": self.label,
            "help": self.help,
            "notes": [
                {"message": n.message, "file": n.span.file, "line": n.span.line,
                 "column": n.span.column}
                for n in self.notes
            ],
        }


def sort_key(diag: Diagnostic) -> tuple[str, int, int, str]:
    return (diag.span.file, diag.span.line, diag.span.column, diag.code)
