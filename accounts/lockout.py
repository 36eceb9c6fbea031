"""Login lockout policy (django-axes): stop guessing without handing out lock-outs.

Two limits over the failures of the last ``AXES_COOLOFF_TIME`` hours, both keyed on the
client address (accounts/client_ip.py, correct behind the trusted proxies):

- a username from one address: ``AXES_FAILURE_LIMIT`` failures (5). Someone guessing
  from elsewhere adds nothing to the victim's counter, so nobody can lock another
  person out from their own address;
- one address, whatever the usernames: ``AXES_ADDRESS_FAILURE_LIMIT`` failures (30),
  so an address cannot spray guesses across many accounts.

A successful login clears only its own (username, address) counter: logging in to one
account must not wipe the address's failures on the others.

The settings must list ``AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"],
"ip_address"]`` in this order.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import QuerySet, Sum


def _failures(attempts: QuerySet) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class LoginLockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request: Any, credentials: dict | None = None) -> int:
        """Failures in units of the per-username limit, so that axes' one comparison
        (``failures >= AXES_FAILURE_LIMIT``) trips when either limit is reached."""
        pair_attempts, address_attempts = self.get_user_attempts(request, credentials)
        limit = get_failure_limit(request, credentials)
        address_failures = _failures(address_attempts)
        return max(
            _failures(pair_attempts),
            address_failures * limit // settings.AXES_ADDRESS_FAILURE_LIMIT,
        )

    def reset_user_attempts(self, request: Any, credentials: dict | None = None) -> int:
        pair_attempts = self.filter_user_attempts(request, credentials)[0]
        count, _ = pair_attempts.delete()
        return count
