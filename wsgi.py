"""WSGI entry point: `flask --app wsgi …` and `gunicorn wsgi:app`."""

import gc

from sqlalchemy.orm import configure_mappers

from pmsys import create_app

app = create_app()

# What is built by now (modules, the app, the mappers) lives as long as the process. Frozen,
# the garbage collector no longer walks it: a full collection walks only what requests made
# (a large report's objects), and gunicorn's forked workers do not touch the pages they share.
configure_mappers()
gc.collect()
gc.freeze()
