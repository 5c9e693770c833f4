"""The web app's own error: a status and a message, answered as JSON `{"error": ...}` on the API and as an error
page elsewhere. Its own module, so every part of the app can raise it without importing another."""

from __future__ import annotations


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
