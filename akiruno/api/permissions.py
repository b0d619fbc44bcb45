"""DRF permission classes: they delegate to the one permission policy and decide nothing."""

from __future__ import annotations

from rest_framework import permissions

from akiruno.exceptions import PermissionDenied as DomainPermissionDenied
from reports.permissions import is_staff_user, policy


class PolicyPermission(permissions.BasePermission):
    """Ask the one permission policy (reports.permissions.policy); no role logic here.

    Anonymous and inactive users are refused (401). A view names the policy action of each of
    its actions in `policy_actions` (reads default to "view"). Lists are narrowed by
    `policy.visible` in the view's queryset. An unsafe request that acts on no particular object
    (a create, a collection-level action) is asked of `view.policy_prototype()`, an unsaved
    object of the model; an object is checked with `policy.check`, which answers 404 where the
    user may not see it and 403 where they see it but may not act.
    """

    def has_permission(self, request, view) -> bool:
        if not is_staff_user(request.user):
            return False
        if request.method in permissions.SAFE_METHODS or getattr(view, "detail", False):
            return True  # reads are narrowed by the queryset; objects are checked one by one
        if not hasattr(view, request.method.lower()):
            return True  # a method the view does not handle: DRF answers 405 next
        action = policy_action(view, request)
        prototype = view.policy_prototype() if hasattr(view, "policy_prototype") else None
        if prototype is None or not policy.can(request.user, action, prototype):
            raise DomainPermissionDenied(policy.denied_message(action, prototype))
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        policy.check(request.user, policy_action(view, request), obj)
        return True


def policy_action(view, request) -> str:
    """The policy action for this request: `view.policy_actions[action]`, else "view" for reads.

    An unsafe request whose action is not listed is refused ("deny" is no policy action), so a
    new write endpoint cannot forget to name its rule.
    """
    actions = getattr(view, "policy_actions", None) or {}
    name = getattr(view, "action", None) or request.method.lower()
    if name in actions:
        return actions[name]
    return "view" if request.method in permissions.SAFE_METHODS else "deny"


class ServicePolicyPermission(permissions.BasePermission):
    """For views whose every write goes through a service that asks the policy itself.

    Only authenticated, active staff get past this class, and an unsafe request only if the
    view names the policy action its service checks (`policy_actions`, as for
    PolicyPermission): a new write endpoint that names none is refused (default deny). What
    the user may do to which object is decided by the service (reports.permissions.policy), so
    a refused write is the same 403/404 as in the HTML pages. Used by the meetings and finance
    endpoints.
    """

    def has_permission(self, request, view) -> bool:
        if not is_staff_user(request.user):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        if not hasattr(view, request.method.lower()):
            return True  # a method the view does not handle: DRF answers 405 next
        if policy_action(view, request) == "deny":
            raise DomainPermissionDenied("この操作は許可されていません。")
        return True
