"""The guided first plan: a workload preset and a volume to a computed plan (issue 18)."""
