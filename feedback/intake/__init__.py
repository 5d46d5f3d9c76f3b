"""Every way feedback comes in: signed webhooks (webhooks/), file imports (imports/), the forms
people fill in (forms.py, views.py) and source administration (admin.py). Each channel only
shapes what it receives into contract items and stores them through feedback_ingest, so
validation and exactly-once storage are the same everywhere."""
