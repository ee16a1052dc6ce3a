"""Accounts: users and roles, argon2 passwords, throttled sign-in, sessions and API tokens, the audit log."""

from qarauyl.accounts._errors import AuthError, Forbidden, ThrottledError
from qarauyl.accounts.audit import AuditFilter, Auditor, list_audit, record_audit
from qarauyl.accounts.permissions import (
    ACTIONS,
    LANGUAGES,
    Principal,
    camera_scope,
    permitted,
    require,
)
from qarauyl.accounts.sessions import (
    SESSION_COOKIE,
    SessionCodec,
    cookie_options,
    principal_from_request,
)
from qarauyl.accounts.users import (
    NameTaken,
    SelfLockout,
    UserInfo,
    authenticate,
    check_not_self_lockout,
    create_token,
    create_user,
    end_sessions,
    get_user,
    list_users,
    principal_for_token,
    set_language,
    set_password,
    update_user,
)
from qarauyl.domain.roles import ROLES

__all__ = [
    "ACTIONS",
    "LANGUAGES",
    "ROLES",
    "SESSION_COOKIE",
    "AuditFilter",
    "Auditor",
    "AuthError",
    "Forbidden",
    "NameTaken",
    "Principal",
    "SelfLockout",
    "SessionCodec",
    "ThrottledError",
    "UserInfo",
    "authenticate",
    "camera_scope",
    "check_not_self_lockout",
    "cookie_options",
    "create_token",
    "create_user",
    "end_sessions",
    "get_user",
    "list_audit",
    "list_users",
    "permitted",
    "principal_for_token",
    "principal_from_request",
    "record_audit",
    "require",
    "set_language",
    "set_password",
    "update_user",
]
