"""The WSGI entry point (wsgi.py): what gunicorn serves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # where wsgi.py is


def test_the_served_app_leaves_what_it_built_to_the_garbage_collector_frozen(tmp_path):
    """Built and frozen: a full collection walks what requests made, not the ~200,000
    objects of the modules, the app and its mappers (about 130 ms on this kind of machine
    each time a large report set one off)."""
    probe = ("import gc, wsgi; frozen = gc.get_freeze_count(); gc.collect(); "
             "print(frozen, len(gc.get_objects()), wsgi.app.name)")
    env = {"PATH": "/usr/bin:/bin", "PMSYS_ENV": "development", "SECRET_KEY": "probe",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'probe.db'}",
           "UPLOAD_FOLDER": str(tmp_path / "uploads")}
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=120, check=True)
    frozen, unfrozen, name = done.stdout.split()
    assert name == "pmsys"
    assert int(frozen) > 50_000
    # Only what was made after the freeze is left for the collector.
    assert int(unfrozen) < int(frozen) // 10
