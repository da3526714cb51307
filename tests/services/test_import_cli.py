"""`flask pmsys import FILE`: a summary on success, a clean list of problems otherwise."""

import json

import pytest

from tests.services.import_bundles import row_counts, small_bundle


@pytest.fixture
def run_import(app, db, tmp_path):
    """Write `content` to a file and run the import command on it."""

    def run(content: str | bytes):
        path = tmp_path / "bundle.json"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return app.test_cli_runner().invoke(args=["pmsys", "import", str(path)])

    return run


def test_a_valid_file_loads_and_prints_a_summary(db, run_import):
    result = run_import(json.dumps(small_bundle(), ensure_ascii=False))

    assert result.exit_code == 0, result.output
    assert "households: 3 created, 0 updated, 0 unchanged" in result.stdout
    assert "users: 3 created, 0 updated, 0 unchanged" in result.stdout
    assert "assets: 5 created, 0 updated, 0 unchanged" in result.stdout
    assert "handovers: 1 created, 0 updated, 0 unchanged" in result.stdout
    assert row_counts(db.session)["households"] == 3

    again = run_import(json.dumps(small_bundle(), ensure_ascii=False))
    assert again.exit_code == 0
    assert "households: 0 created, 0 updated, 3 unchanged" in again.stdout
    assert "handovers: 0 created, 0 updated, 1 unchanged" in again.stdout
    assert row_counts(db.session)["bundle_imported"] == 2


def test_a_file_that_is_not_json_is_refused_without_a_traceback(db, run_import):
    result = run_import('{"version": 1, "regions": [}')

    assert result.exit_code == 1
    assert "not valid JSON" in result.stderr
    assert "line 1" in result.stderr
    assert "Traceback" not in result.output
    assert row_counts(db.session)["bundle_imported"] == 0


def test_a_file_that_is_not_utf8_is_refused(db, run_import):
    result = run_import('{"version": 1, "people": [{"code": "P1", "name": "张三"}]}'.encode("gbk"))

    assert result.exit_code == 1
    assert "not UTF-8" in result.stderr
    assert "Traceback" not in result.output


def test_an_invalid_bundle_lists_every_problem_and_writes_nothing(db, run_import):
    bundle = small_bundle()
    bundle["communities"][0]["buildings"][0]["units"][0]["households"][1]["owner"] = "NOBODY"
    bundle["management_terms"][1]["start"] = "2022-13-01"
    before = row_counts(db.session)

    result = run_import(json.dumps(bundle, ensure_ascii=False))

    assert result.exit_code == 1
    assert "the bundle was not loaded (2 problems)" in result.stderr
    assert (
        "  communities[0].buildings[0].units[0].households[1].owner: unknown person NOBODY"
        in result.stderr
    )
    assert "  management_terms[1].start: must be a date as YYYY-MM-DD" in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert row_counts(db.session) == before


def test_an_empty_file_is_refused(db, run_import):
    result = run_import("")
    assert result.exit_code == 1
    assert "not valid JSON" in result.stderr


def test_a_missing_file_is_refused(app, db, tmp_path):
    missing = tmp_path / "nowhere.json"
    result = app.test_cli_runner().invoke(args=["pmsys", "import", str(missing)])
    assert result.exit_code == 1
    assert "cannot read" in result.stderr
    assert "Traceback" not in result.output
