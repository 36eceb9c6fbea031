"""REST API foundation: see accounts.api.scoping for how to build org-scoped endpoints."""
