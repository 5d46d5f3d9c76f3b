"""The pipeline scenarios of `make bench` (#13): the processes `make run` starts, under load.

Run by `python -m bench` in a process of its own, against a database of its own
(`<name>_bench_pipeline`, rebuilt each run): the demo organisation, its rules and triage team, and
50,000 feedback items stored but not yet enriched (seed_demo's last days, as on a first start).
Every process is started with `make run`'s command lines (cxloop.devstack.cli.run_programs), on
Celery queues of its own (CXLOOP_QUEUE_PREFIX), so a `make run` sharing the Redis is left alone.

  drain        the 50,000 items enriched and triaged by the processing worker alone (2 processes)
  latency      20 detractors a second for 60 s while another 50,000 drain: the API's 201 to the case
  escalation   overdue cases during the same drain: the deadline to the escalation
  senders      50 concurrent senders posting the same 200 items
  mixed        8 clients mixing ingestion, the queue page, the NPS API and claim next

Each figure stands beside a baseline from the same run: enrichment alone in this process for the
drain, the same measurement on an idle pipeline for latency, escalation and the mixed load.
"""
