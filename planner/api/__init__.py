"""The planner's REST API (stateless quote for now); built on ``accounts.api``."""
