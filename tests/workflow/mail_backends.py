"""Mail backends for the tests: a server that is down, and one that fails a few times."""

import smtplib

from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class DownBackend(BaseEmailBackend):
    attempts = 0

    def send_messages(self, email_messages):
        DownBackend.attempts += 1
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class FlakyBackend(LocmemBackend):
    """Fails the first `failures` sends with a network error, then delivers to mail.outbox."""

    failures = 2
    attempts = 0

    def send_messages(self, email_messages):
        FlakyBackend.attempts += 1
        if FlakyBackend.attempts <= FlakyBackend.failures:
            raise ConnectionRefusedError("mail server down")
        return super().send_messages(email_messages)


__all__ = ["DownBackend", "FlakyBackend", "mail"]
