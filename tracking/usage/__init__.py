"""Actual usage in: the files teams already keep (our CSV, LiteLLM's spend logs and its
daily aggregate tables), streamed row by row, routed to workloads by the organization's
rules, and written as monthly totals per (workload, model, kind).

* `formats`: the files we read and what each column means;
* `dates`: the day of a row, from ISO 8601 or a spreadsheet's date forms;
* `routing`: which workload a row belongs to;
* `parser`: the streaming parse (pure: bytes in, totals and a report or errors out);
* `storage`: an uploaded file kept in the database, in pieces, until its job has run;
* `report`: the parse's report in words, for the pages;
* `services`: routing rules and imports (now, or as a background job).
"""
