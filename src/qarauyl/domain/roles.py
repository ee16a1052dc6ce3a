"""Who signs in: the roles authorisation knows (what each may do is in `accounts.permissions`)."""

ROLES: tuple[str, ...] = ("admin", "operator", "engineer", "planner", "viewer")
