"""`flask --app wsgi pmsys …`: import, demo, run-job, scheduler, create-user."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from pmsys import clock, unit_of_work
from pmsys.demo.coverage import build_coverage_examples
from pmsys.demo.evaluation import build_evaluation_examples
from pmsys.demo.fees import build_fee_examples
from pmsys.demo.fund import build_fund_examples
from pmsys.demo.governance import build_governance_examples
from pmsys.demo.handovers import build_workflow_examples
from pmsys.demo.leaders import LEADER_LOGINS, build_leader_examples
from pmsys.demo.places import DEMO_LOGINS, build_bundle
from pmsys.demo.surveys import build_survey_examples
from pmsys.demo.tickets import build_ticket_examples
from pmsys.extensions import db
from pmsys.imports.services import BundleInvalid, import_bundle
from pmsys.memory import collector_paused
from pmsys.scheduling import JOBS, SchedulerLockLost, run_job, run_scheduler

pmsys_cli = AppGroup("pmsys", help="pmsys administration commands.")


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _read_json(path: str) -> object:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        _fail(f"cannot read {path}: {error.strerror or error}")
    except UnicodeDecodeError:
        _fail(f"{path} is not UTF-8 text")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        _fail(f"{path} is not valid JSON: {error.msg} at line {error.lineno}, "
              f"column {error.colno}")
    except RecursionError:
        _fail(f"{path} nests too deeply to be a region bundle")


@pmsys_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
def import_command(path: str) -> None:
    """Load a region bundle (JSON): all or nothing, idempotent."""
    try:
        with collector_paused(), unit_of_work.unit(db.session):
            # collector paused: a city's JSON alone is millions of objects
            summary = import_bundle(db.session, _read_json(path), actor="cli")
    except BundleInvalid as invalid:
        click.echo(f"error: the bundle was not loaded ({len(invalid.errors)} problems):", err=True)
        for problem in invalid.errors:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    click.echo(summary.describe())


@pmsys_cli.command("demo")
def demo_command() -> None:
    """Load the demo region (Tumed Right Banner, 2021) and print the demo logins."""
    with unit_of_work.unit(db.session):
        summary = import_bundle(db.session, build_bundle(), actor="demo")
        examples = build_workflow_examples(db.session)
        tickets = build_ticket_examples(db.session)
        fees = build_fee_examples(db.session)
        governance = build_governance_examples(db.session)
        fund = build_fund_examples(db.session)
        surveys = build_survey_examples(db.session)
        evaluation = build_evaluation_examples(db.session)
        coverage = build_coverage_examples(db.session)
        building_roles = build_leader_examples(db.session)
    click.echo(summary.describe())
    click.echo(f"hand-overs in progress: {len(examples['created'])} created, "
               f"{len(examples['unchanged'])} unchanged")
    click.echo(f"demo tickets: {tickets['created']} created, {tickets['existing']} unchanged")
    click.echo(f"demo fees: {fees['standards']} standards, {fees['bills']} bills, "
               f"{fees['payments']} payments ({fees['payments_existing']} already posted), "
               f"{fees['waived_bills']} waived bills, {fees['revenue_entries']} revenue entries")
    click.echo(f"demo governance: {governance['committees']} committees, "
               f"{governance['votes']} votes, {governance['ballots']} ballots, "
               f"{governance['terms']} terms created ({governance['existing']} examples "
               f"already there)")
    click.echo(f"demo maintenance funds: {fund['entries']} entries "
               f"({fund['existing']} funds already there)")
    click.echo(f"demo surveys: {surveys['surveys']} created with {surveys['answers']} answers "
               f"({surveys['existing']} already there)")
    click.echo(f"demo evaluation: {evaluation['callbacks']} follow-up calls, "
               f"{evaluation['deductions']} inspection deductions, "
               f"{evaluation['bulletins']} bulletins published")
    click.echo(f"demo long-term management plans: {coverage['plans']} recorded")
    click.echo(f"demo building leaders: {building_roles['leaders']} leaders and "
               f"{building_roles['grids']} grids assigned, {building_roles['tickets']} ticket "
               f"filed for a household, {building_roles['visits']} follow-up visit")
    click.echo("")
    click.echo("Demo logins (username / password — role):")
    for username, password, role in DEMO_LOGINS + LEADER_LOGINS:
        click.echo(f"  {username:<12} {password:<20} {role}")


@pmsys_cli.command("run-job")
@click.argument("name")
@click.option("--now", "now_text", help="Run as if the clock read this ISO 8601 time.")
def run_job_command(name: str, now_text: str | None) -> None:
    """Run one scheduled job once."""
    if name not in JOBS:
        _fail(f"unknown job {name!r}; known jobs: {', '.join(sorted(JOBS))}")
    moment = None
    if now_text:
        try:
            moment = clock.parse_instant(now_text)
        except ValueError:
            _fail(f"--now {now_text!r} is not an ISO 8601 time")
    summary = run_job(name, moment)
    click.echo(json.dumps({"job": name, **summary}, ensure_ascii=False, default=str))


@pmsys_cli.command("scheduler")
def scheduler_command() -> None:
    """Run the scheduled jobs; only one scheduler per database does anything."""

    app = current_app._get_current_object()
    try:
        ran = run_scheduler(app)
    except SchedulerLockLost as lost:
        click.echo(f"error: {lost}", err=True)
        sys.exit(1)
    if not ran:
        click.echo("another scheduler is running; exiting", err=True)
        sys.exit(3)


def register_cli(app: Flask) -> None:
    """Attach the `pmsys` command group."""
    app.cli.add_command(pmsys_cli)
