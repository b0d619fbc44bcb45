"""Domain errors. Services raise these; the HTML views and the API turn them into one shape.

Every message is Japanese, says what was wrong and, where it helps, what is accepted.
"""

from typing import Any


class ApplicationError(Exception):
    """Base of every refusal the domain makes. `details` carries per-field or per-place errors."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, details: Any = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details if details is not None else {}
        if code:
            self.code = code


class InvalidInput(ApplicationError):
    code = "invalid"
    status = 400


class PermissionDenied(ApplicationError):
    code = "forbidden"
    status = 403


class NotFound(ApplicationError):
    code = "not_found"
    status = 404


class Conflict(ApplicationError):
    """Someone else changed the object first, or the object is in the wrong state."""

    code = "conflict"
    status = 409


class StaleVersion(Conflict):
    """A save was based on an older version than the one stored."""

    code = "stale"
    status = 409
