"""Second-factor helpers for tests (issue 14).

- `totp_code(user)`: the code the user's authenticator app would show now (or at `at`), never
  one whose time step the device has already accepted (a replay would be refused).
- `verified_session()`: a context in which Client.force_login / Client.login mark the session
  verified with the user's confirmed device, as django_otp.login does after a real code. The
  shared conftest turns it on for every test, so a test that force-logs-in a reviewer gets
  the session a reviewer has after signing in with their code; a test about unverified
  sessions signs in through the login page or uses `unverified_login`.
"""

from __future__ import annotations

import contextlib
import time

from django.test.client import ClientMixin
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def device_of(user) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user, confirmed=True)


def totp_code(user_or_device, *, at: float | None = None, fresh: bool = True) -> str:
    """The 6-digit code for `at` (default now). With `fresh`, a step the device has used is
    skipped for the next one (still within the one-step tolerance)."""
    device = user_or_device if isinstance(user_or_device, TOTPDevice) else device_of(user_or_device)
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    if fresh and at is None and totp.t() <= device.last_t:
        totp.time += device.step * (device.last_t + 1 - totp.t())
    return f"{totp.token():0{device.digits}d}"


_original_login = ClientMixin._login


def _verified_login(self, user, backend=None):
    _original_login(self, user, backend)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        # What django_otp.login(request, device) stores after a real code.
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


@contextlib.contextmanager
def verified_session():
    ClientMixin._login = _verified_login
    try:
        yield
    finally:
        ClientMixin._login = _original_login


def unverified_login(client, user) -> None:
    """A password-only session (what a forced login is without the shared fixture)."""
    _original_login(client, user)
