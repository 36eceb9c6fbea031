"""The tracking API: budgets, alerts, webhooks, plan forecasts and workload actuals."""
