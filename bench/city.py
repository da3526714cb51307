"""City scale: a generated city bundle imported, imported again, and billed.

    .venv/bin/python bench/city.py                       # SQLite in a temporary folder
    DATABASE_URL=postgresql://…/EMPTY .venv/bin/python bench/city.py
    .venv/bin/python bench/city.py --communities 200 --households 35000   # a town
    .venv/bin/python bench/city.py --bundle-only /tmp/city.json           # just write it

The bundle (import format of `flask pmsys import`) describes one city: 6 districts,
60 streets, by default 2,000 communities of skewed sizes with 350,000 households,
each owned by its own person (some with a resident too), ~18k buildings, ~41k
units, a renovation project per community, ~34k assets (eight networks per
community and a roof per building), ~11k hand-overs of networks to their
utilities, management terms for 90 % of the communities and a fee standard for
every one (`--priced` lowers that share). The same seed writes the same bundle.

Each database step runs in a child process, `flask --app wsgi pmsys …`, as an
operator would: the table shows its wall time, the child's CPU time (user and
system; the database server's is not in it) and its peak resident memory. The
steps: migrate an empty database (not part of the figures that matter), import,
import again (changes nothing), the monthly billing job for December 2026, and
the job again (creates nothing). The database must be empty;
`--reset` empties a PostgreSQL database first (DROP SCHEMA public CASCADE).
Timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BILLING_NOW = "2026-12-01T01:00+08:00"
STEPS = (  # what each child runs: flask --app wsgi … (BUNDLE: the bundle's file)
    ("migrate (empty database)", ["db", "upgrade"]),
    ("import", ["pmsys", "import", "BUNDLE"]),
    ("import again (no change)", ["pmsys", "import", "BUNDLE"]),
    ("billing job", ["pmsys", "run-job", "billing", "--now", BILLING_NOW]),
    ("billing job again", ["pmsys", "run-job", "billing", "--now", BILLING_NOW]),
)

# Each network a community has, the utility that maintains it and the categories it runs.
NETWORKS = (
    ("WATER", "自来水公司", ("water_supply", "drainage")),
    ("HEAT", "热力公司", ("heating",)),
    ("GAS", "燃气公司", ("gas",)),
    ("POWER", "供电公司", ("power",)),
    ("UNICOM", "联通分公司", ("telecom",)),
    ("MOBILE", "移动分公司", ("telecom",)),
    ("TELECOM", "电信分公司", ("telecom",)),
    ("CATV", "广电网络公司", ("cable_tv",)),
)
# The networks a renovation project renews (an item each), so their assets name it.
RENEWED = {"water_supply": "water_pipes", "heating": "heating_pipes"}
# How communities are managed, weighted as in a typical northern city.
MODES = ("professional",) * 5 + ("self",) * 2 + ("community",) * 2 + ("original_unit",)
PRICES = ("0.30", "0.35", "0.4525", "0.50", "0.55", "0.60", "0.75", "0.80", "1.2050")
FAMILY = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红娥建国文辉力"


def _sizes(rnd: random.Random, communities: int, households: int) -> list[int]:
    """Households per community: a long tail of small ones, a few large; at least 12 each."""
    weights = [rnd.lognormvariate(0, 0.9) for _ in range(communities)]
    scale = (households - 12 * communities) / sum(weights)
    sizes = [12 + int(weight * scale) for weight in weights]
    sizes[sizes.index(max(sizes))] += households - sum(sizes)
    return sizes


class City:
    """Builds the bundle section by section; `people` numbers every owner."""

    def __init__(self, communities: int, households: int, priced: float, seed: int):
        self.rnd = random.Random(seed)
        self.communities, self.households, self.priced = communities, households, priced
        self.people = 0
        self.bundle: dict = {
            "version": 1,
            "settings": {"heating_season": {"start": "10-15", "end": "04-15"},
                         "handover_overdue_days": 90, "acceptance_min_satisfaction": "0.90"},
            "regions": [{"code": "CITY", "name": "示范市", "name_en": "Demo City",
                         "kind": "city"}],
            "organizations": [{"code": "CITY-HB", "name": "示范市住房和城乡建设局",
                               "kind": "housing_bureau", "region": "CITY"}],
            "people": [], "communities": [], "users": [], "projects": [], "assets": [],
            "handovers": [], "management_terms": [], "fee_standards": [],
        }

    def build(self) -> dict:
        streets = self._regions()
        for number, size in enumerate(_sizes(self.rnd, self.communities, self.households)):
            district, street = streets[number % len(streets)]
            self._community(f"C{number + 1:05d}", number + 1, district, street, size)
        self.bundle["users"].append({"username": "city-admin", "password": "Bureau of 2026 city",
                                     "role": "bureau_admin", "org": "CITY-HB"})
        return self.bundle

    def _org(self, code: str, name: str, kind: str, **more) -> None:
        self.bundle["organizations"].append({"code": code, "name": name, "kind": kind, **more})

    def _regions(self) -> list[tuple[str, str]]:
        streets = []
        for d in range(1, 7):
            district = f"D{d}"
            self.bundle["regions"].append({"code": district, "name": f"第{d}区",
                                           "kind": "district", "parent": "CITY"})
            self._org(f"{district}-HB", f"第{d}区住建局", "housing_bureau", region=district)
            self._org(f"{district}-UM", f"第{d}区城管执法局", "authority", region=district,
                      categories=["illegal_building"])
            for code, name, categories in NETWORKS:
                self._org(f"{district}-{code}", f"第{d}区{name}", "utility", region=district,
                          categories=list(categories), phone=f"0471-{d}{len(code):03d}000")
            for p in range(1, 6):
                self._org(f"{district}-PM{p}", f"第{d}区{p}号物业公司", "property_company",
                          region=district)
            self._org(f"{district}-BUILD", f"第{d}区建工集团", "contractor", region=district)
            for s in range(1, 11):
                street = f"{district}-S{s:02d}"
                streets.append((district, street))
                self.bundle["regions"].append({"code": street, "name": f"第{d}区{s}号街道",
                                               "kind": "street", "parent": district})
                self._org(f"{street}-SO", f"第{d}区{s}号街道办事处", "street_office",
                          region=street)
                self._org(f"{street}-CO", f"第{d}区{s}号社区居委会", "community_office",
                          region=street)
        return streets

    def _person(self) -> str:
        self.people += 1
        code = f"P{self.people:07d}"
        rnd = self.rnd
        person = {"code": code, "name": rnd.choice(FAMILY) + rnd.choice(GIVEN) + rnd.choice(GIVEN)}
        if rnd.random() < 0.8:
            person["phone"] = f"1{rnd.choice('3589')}{rnd.randrange(10 ** 9):09d}"
        self.bundle["people"].append(person)
        return code

    def _buildings(self, size: int) -> list[dict]:
        rnd = self.rnd
        per_unit = 2 * rnd.randint(3, 6)  # two doors a floor, three to six floors
        units_per_building = rnd.randint(2, 3)
        buildings: list[dict] = []
        left = size
        while left > 0:
            units = []
            for u in range(1, units_per_building + 1):
                if left <= 0:
                    break
                households, previous = [], None
                for k in range(min(per_unit, left)):
                    floor, door = divmod(k, 2)
                    owner = self._person()
                    household = {"code": f"{floor + 1}{door + 1:02d}",
                                 "area": f"{rnd.uniform(38, 110):.2f}", "owner": owner}
                    if previous is not None and rnd.random() < 0.05:
                        household["residents"] = [previous]  # a neighbour's family lives here
                    households.append(household)
                    previous = owner
                left -= len(households)
                units.append({"code": str(u), "households": households})
            buildings.append({"code": str(len(buildings) + 1), "floors": per_unit // 2,
                              "units": units})
        return buildings

    def _community(self, code: str, number: int, district: str, street: str, size: int) -> None:
        rnd, bundle = self.rnd, self.bundle
        buildings = self._buildings(size)
        bundle["communities"].append({
            "code": code, "name": f"示范小区{number}", "street": street,
            "built_year": rnd.randint(1980, 2004), "address": f"{street} 路 {number} 号",
            "community_office": f"{street}-CO", "buildings": buildings,
        })
        year = rnd.randint(2019, 2024)
        project = f"PRJ-{code}"
        bundle["projects"].append({
            "code": project, "name": f"示范小区{number}综合改造", "year": year,
            "contractor": f"{district}-BUILD", "communities": [code],
            "completed_on": f"{year}-08-31",
            "accepted_on": f"{year}-{rnd.randint(9, 11):02d}-{rnd.randint(1, 28):02d}",
            "items": [{"kind": "water_pipes", "class": "basic"},
                      {"kind": "heating_pipes", "class": "basic"},
                      {"kind": "roof_waterproofing", "class": "basic"}],
        })
        for network, _name, categories in NETWORKS:
            asset = f"{code}-{network}"
            renewed = categories[0] in RENEWED
            bundle["assets"].append({
                "code": asset, "category": categories[0], "community": code,
                "project": project if renewed else None,
                "warranty_contractor": f"{district}-BUILD" if renewed else None,
            })
            if rnd.random() < 0.7:
                bundle["handovers"].append({
                    "code": f"H-{asset}", "from": f"{district}-HB", "to": f"{district}-{network}",
                    "assets": [asset], "effective_on": f"{year + 1}-{rnd.randint(1, 6):02d}-01",
                })
        for building in buildings:
            bundle["assets"].append({
                "code": f"{code}-ROOF-{building['code']}", "category": "roof_leak",
                "community": code, "building": building["code"], "project": project,
            })
        start = f"{year + 1}-01-01"
        if rnd.random() < 0.9:
            mode = rnd.choice(MODES)
            if mode == "professional":
                org = f"{district}-PM{rnd.randint(1, 5)}"
            elif mode == "community":
                org = f"{street}-CO"
            elif mode == "self":
                org = f"{code}-SM"
                self._org(org, f"示范小区{number}自管会", "self_management", community=code)
            else:
                org = f"{code}-OU"
                self._org(org, f"示范小区{number}原产权单位", "original_unit", region=street)
            bundle["management_terms"].append({"community": code, "mode": mode, "org": org,
                                               "start": start})
        if rnd.random() < self.priced:
            standard = {"community": code, "price_per_m2_month": rnd.choice(PRICES),
                        "start": start}
            if rnd.random() < 0.2:
                standard["fixed_per_household"] = "5.00"
            bundle["fee_standards"].append(standard)


def describe(bundle: dict) -> str:
    buildings = units = households = 0
    for community in bundle["communities"]:
        for building in community["buildings"]:
            buildings += 1
            for unit in building["units"]:
                units += 1
                households += len(unit["households"])
    return (f"{len(bundle['communities'])} communities, {buildings} buildings, {units} units, "
            f"{households} households, {len(bundle['people'])} people, "
            f"{len(bundle['assets'])} assets, {len(bundle['handovers'])} hand-overs, "
            f"{len(bundle['management_terms'])} terms, "
            f"{len(bundle['fee_standards'])} fee standards")


# --- the timed steps ---------------------------------------------------------------------


TIME = "/usr/bin/time"  # GNU time: its own fork is small, so %M is the child's own peak


def run_child(args: list[str], env: dict) -> tuple[float, float, int, str]:
    """Run `flask --app wsgi …`: wall and CPU seconds, peak RSS in MiB, what it said.

    Through GNU time where there is one: a child forked from this process would
    count this process's memory in its peak (Linux keeps the high-water mark
    across exec).
    """
    flask = str(Path(sys.executable).with_name("flask"))
    command = [flask, "--app", "wsgi", *args]
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile("r") as measured:
        timed = Path(TIME).exists()
        if timed:
            command = [TIME, "-f", "%U %S %M", "-o", measured.name, *command]
        start = time.perf_counter()
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                 stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
        if timed:
            user, system, peak = measured.read().split()[-3:]
            cpu, rss = float(user) + float(system), int(peak) // 1024
        else:
            cpu, rss = usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024
    if child.returncode != 0:
        sys.exit(f"`flask {' '.join(args)}` failed ({child.returncode}):\n{text[-4000:]}")
    lines = [line for line in text.splitlines() if line.strip()]
    # An import's households line, a job's summary; else the last line, Alembic's aside.
    said = next((line for line in lines if line.startswith("households:")),
                lines[-1] if lines and "alembic" not in lines[-1] else "")
    return elapsed, cpu, rss, said


def database_url(option: str | None) -> tuple[str, str | None]:
    """The database to fill (from --database or DATABASE_URL), and a folder to remove after."""
    url = option or os.environ.get("DATABASE_URL")
    if url:
        return url, None
    folder = tempfile.mkdtemp(prefix="pmsys-city-")
    return "sqlite:///" + str(Path(folder) / "city.db"), folder


def prepare(url: str, reset: bool) -> str:
    """Refuse a database with tables in it (--reset empties a PostgreSQL one); its version."""
    import sqlite3

    from sqlalchemy import create_engine, inspect, text

    sys.path.insert(0, str(ROOT))
    from pmsys.config import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    try:
        if reset and engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        tables = inspect(engine).get_table_names()
        if engine.dialect.name == "postgresql":
            with engine.connect() as connection:
                version = "PostgreSQL " + connection.execute(text("SHOW server_version")).scalar()
        else:
            version = f"SQLite {sqlite3.sqlite_version}"
    finally:
        engine.dispose()
    if tables:
        sys.exit(f"the database is not empty ({len(tables)} tables); give an empty one"
                 " (or --reset for PostgreSQL)")
    return version


def machine() -> str:
    import psycopg
    import sqlalchemy

    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return (f"{os.cpu_count()} CPUs, load average {load}, Python {platform.python_version()},"
            f" SQLAlchemy {sqlalchemy.__version__}, psycopg {psycopg.__version__},"
            f" {platform.system()} {platform.release()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communities", type=int, default=2000)
    parser.add_argument("--households", type=int, default=350_000)
    parser.add_argument("--priced", type=float, default=1.0,
                        help="share of communities with a fee standard (default 1.0)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database", help="database URL (default: DATABASE_URL, else SQLite)")
    parser.add_argument("--reset", action="store_true",
                        help="empty the PostgreSQL database first (drops schema public)")
    parser.add_argument("--bundle", help="where to write the bundle (default: a temporary file)")
    parser.add_argument("--bundle-only", metavar="PATH", help="write the bundle and stop")
    args = parser.parse_args()
    if args.households < 12 * args.communities:
        parser.error("give at least 12 households per community")

    start = time.perf_counter()
    bundle = City(args.communities, args.households, args.priced, args.seed).build()
    summary = describe(bundle)
    path = Path(args.bundle_only or args.bundle or tempfile.mkstemp(suffix=".json")[1])
    with path.open("w", encoding="utf-8") as file:
        json.dump(bundle, file, ensure_ascii=False, separators=(",", ":"))
    del bundle
    generated = time.perf_counter() - start
    print(f"bundle: {path} ({path.stat().st_size / 2**20:.0f} MiB): {summary}")
    if args.bundle_only:
        return

    url, folder = database_url(args.database)
    try:
        version = prepare(url, args.reset)
        env = {**os.environ, "DATABASE_URL": url, "PMSYS_ENV": "development"}
        print(f"database: {url.split('@')[-1]} ({version})")
        print(f"machine: {machine()}\n")
        print(f"{'step':<26} {'wall s':>7} {'CPU s':>6} {'peak RSS':>9}  result")
        print(f"{'generate the bundle':<26} {generated:7.1f} {'':>6} {'':>9}  {path.name}")
        for label, command in STEPS:
            command = [str(path) if word == "BUNDLE" else word for word in command]
            elapsed, cpu, rss, said = run_child(command, env)
            print(f"{label:<26} {elapsed:7.1f} {cpu:6.1f} {rss:>5} MiB  {said[:64]}",
                  flush=True)
    finally:
        if not args.bundle:
            path.unlink()
        if folder:
            shutil.rmtree(folder)

if __name__ == "__main__":
    main()
