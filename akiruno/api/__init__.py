"""The API's common parts, one module per concern.

- errors: the one error shape, ERRORS and the exception handler
- parsing: strict JSON within the size limit, serializers that refuse unknown keys
- paging: numbered pages and ordering
- throttles: rate limits per client address
- permissions: DRF permission classes that delegate to the one policy
- concurrency: ETag / If-Match and the transactional create/update/destroy mixins

DRF's settings load these modules, so none of them imports rest_framework.views at module level.
The names below are re-exported so `from akiruno.api import X` keeps working.
"""

from .concurrency import ConcurrencyMixin, CreateMixin, DestroyMixin, UpdateMixin, etag_for
from .errors import (
    ERRORS,
    JapaneseThrottled,
    PayloadTooLarge,
    PreconditionFailed,
    PreconditionRequired,
    error_body,
    error_response,
    exception_handler,
    flatten_details,
)
from .paging import OrderingFilter, PageNumberPagination
from .parsing import JSONParser, StrictModelSerializer, StrictSerializer, StrictSerializerMixin
from .permissions import PolicyPermission, ServicePolicyPermission, policy_action
from .throttles import AddressRateThrottle, LoginRateThrottle, PublicRateThrottle

__all__ = [
    "ERRORS",
    "AddressRateThrottle",
    "ConcurrencyMixin",
    "CreateMixin",
    "DestroyMixin",
    "JSONParser",
    "JapaneseThrottled",
    "LoginRateThrottle",
    "OrderingFilter",
    "PageNumberPagination",
    "PayloadTooLarge",
    "PolicyPermission",
    "PreconditionFailed",
    "PreconditionRequired",
    "PublicRateThrottle",
    "ServicePolicyPermission",
    "StrictModelSerializer",
    "StrictSerializer",
    "StrictSerializerMixin",
    "UpdateMixin",
    "error_body",
    "error_response",
    "etag_for",
    "exception_handler",
    "flatten_details",
    "policy_action",
]
