"""Fee use cases (docs/domain.md#fees): standards, billing runs, adjustments, payments, bill
reads."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pmsys.audit import AuditRecord
from pmsys.errors import Forbidden, InvalidInput, NotFound, RuleRefused
from pmsys.fees import services
from pmsys.models.fees import Bill, BillAdjustment, BillingRun, Payment, PaymentAllocation
from pmsys.models.governance import ManagementMode
from tests.fee_world import AMOUNTS, OUTSTANDING, PERIODS, build_fee_world
from tests.world import build_world

D = Decimal


@pytest.fixture
def fees(db):
    return build_fee_world()


@pytest.fixture
def world(db):
    return build_world()


def audits(db, action):
    return db.session.scalars(
        select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)
    ).all()


def owed(db, household) -> dict[str, Decimal]:
    return {bill.period: bill.outstanding for bill in services.open_bills(db.session, household)}


def allocations(db, payment) -> list[tuple[str, Decimal]]:
    return [
        (period, amount) for period, amount in db.session.execute(
            select(Bill.period, PaymentAllocation.amount)
            .join(Bill, Bill.id == PaymentAllocation.bill_id)
            .where(PaymentAllocation.payment_id == payment.id)
            .order_by(Bill.period))
    ]


# --- standards --------------------------------------------------------------------------

def test_the_manager_in_office_sets_a_standard_and_it_is_audited(db, world):
    manager = world.users["manager_a"]
    standard = services.set_standard(db.session, manager, world.communities["CA"],
                                     price_per_m2_month="0.5500", fixed_per_household="3.00",
                                     start="2025-07-01")
    assert (standard.price_per_m2_month, standard.fixed_per_household) == (D("0.55"), D("3.00"))
    assert standard.start == date(2025, 7, 1)
    assert standard.organization_id == manager.organization_id
    assert standard.set_by_id == manager.id
    [record] = audits(db, "fee_standard_set")
    assert (record.actor_id, record.object_key) == (manager.id, "CA")
    assert record.data == {"price": "0.5500", "fixed": "3.00", "start": "2025-07-01"}


@pytest.mark.parametrize("login, community", [
    ("manager_b", "CA"),  # the manager of another community
    ("self_manager", "CB"),  # its term has ended
    ("manager_a", "CC"),  # its term on CC starts only next year
    ("committee_a", "CA"),
    ("officer", "CA"),
    ("bureau", "CA"),
    ("resident_a", "CA"),
    ("operator_in", "CA"),
])
def test_only_the_manager_in_office_sets_the_fee(db, world, login, community):
    with pytest.raises(Forbidden) as refused:
        services.set_standard(db.session, world.users[login], world.communities[community],
                              price_per_m2_month="0.50", start="2025-07-01")
    assert refused.value.code == "not_the_manager"
    assert audits(db, "fee_standard_set") == []


def test_a_sysadmin_may_set_a_standard(db, world):
    standard = services.set_standard(db.session, world.users["sysadmin"], world.communities["CC"],
                                     price_per_m2_month="0.30", start="2025-07-01")
    assert standard.organization_id is None


@pytest.mark.parametrize("fields, field", [
    ({"price_per_m2_month": "abc"}, "price_per_m2_month"),
    ({"price_per_m2_month": "-0.10"}, "price_per_m2_month"),
    ({"price_per_m2_month": "0.12345"}, "price_per_m2_month"),
    ({"price_per_m2_month": 0.5}, "price_per_m2_month"),
    ({"price_per_m2_month": "NaN"}, "price_per_m2_month"),
    ({"fixed_per_household": "-1.00"}, "fixed_per_household"),
    ({"fixed_per_household": "1.001"}, "fixed_per_household"),
    ({"start": "2025-07"}, "start"),
    ({"start": "2025-02-30"}, "start"),
])
def test_standard_input_is_checked(db, world, fields, field):
    arguments = {"price_per_m2_month": "0.50", "start": "2025-07-01", **fields}
    with pytest.raises(InvalidInput) as refused:
        services.set_standard(db.session, world.users["manager_a"], world.communities["CA"],
                              **arguments)
    assert field in refused.value.fields


def test_a_standard_cannot_start_inside_billed_months(db, fees):
    manager, ca = fees.users["manager_a"], fees.communities["CA"]
    for start in ("2025-06-30", "2025-06-01", "2025-03-01"):
        with pytest.raises(RuleRefused) as refused:
            services.set_standard(db.session, manager, ca, price_per_m2_month="0.60", start=start)
        assert refused.value.code == "period_billed"
    standard = services.set_standard(db.session, manager, ca, price_per_m2_month="0.60",
                                     start="2025-07-01")
    assert standard.start == date(2025, 7, 1)


def test_two_standards_cannot_start_on_one_day(db, world):
    manager, ca = world.users["manager_a"], world.communities["CA"]
    services.set_standard(db.session, manager, ca, price_per_m2_month="0.50", start="2025-07-01")
    with pytest.raises(RuleRefused) as refused:
        services.set_standard(db.session, manager, ca, price_per_m2_month="0.60",
                              start="2025-07-01")
    assert refused.value.code == "standard_exists"


def test_standard_on_is_the_latest_started(db, fees):
    ca = fees.communities["CA"]
    later = services.set_standard(db.session, fees.users["manager_a"], ca,
                                  price_per_m2_month="0.60", start="2025-08-01")
    assert services.standard_on(db.session, ca, date(2024, 12, 31)) is None
    assert services.standard_on(db.session, ca, date(2025, 7, 31)) == fees.standards["CA"]
    assert services.standard_on(db.session, ca, date(2025, 8, 1)) == later


# --- billing ----------------------------------------------------------------------------

def test_billing_makes_one_bill_per_household_and_period_half_up(db, fees):
    assert len(fees.bills) == len(AMOUNTS) * len(PERIODS)
    for (place, month), bill in fees.bills.items():
        assert (bill.amount, bill.period) == (AMOUNTS[place], month)
        assert bill.area == fees.households[place].area
        assert bill.standard_id == fees.standards[place[:2]].id
        assert bill.community_id == fees.communities[place[:2]].id
    assert fees.bills[("CA/3/1/301", "2025-06")].amount == D("30.13")  # 30.125


def test_bills_carry_the_mode_and_manager_of_the_term(db, fees):
    pm_a = fees.users["manager_a"].organization_id
    pm_b = fees.users["manager_b"].organization_id
    for (place, _month), bill in fees.bills.items():
        assert bill.mode is ManagementMode.professional
        assert bill.organization_id == (pm_a if place.startswith("CA") else pm_b)


def test_the_term_in_force_on_the_first_day_is_stamped(db, world):
    cb = world.communities["CB"]
    services.set_standard(db.session, world.users["sysadmin"], cb, price_per_m2_month="0.40",
                          start="2022-01-01")
    for month in ("2022-12", "2023-01"):
        assert services.run_billing(db.session, "scheduler", month) == 1
    bills = {b.period: b
             for b in db.session.scalars(select(Bill).where(Bill.community_id == cb.id))}
    org_ids = {name: world.users[login].organization_id
               for name, login in (("SM-B", "self_manager"), ("PM-B", "manager_b"))}
    assert bills["2022-12"].mode is ManagementMode.self
    assert bills["2022-12"].organization_id == org_ids["SM-B"]
    assert bills["2023-01"].mode is ManagementMode.professional
    assert bills["2023-01"].organization_id == org_ids["PM-B"]
    assert bills["2023-01"].amount == D("22.00")


def test_a_period_without_a_manager_is_billed_with_no_mode(db, world):
    services.set_standard(db.session, world.users["sysadmin"], world.communities["CC"],
                          price_per_m2_month="0.25", start="2025-01-01")
    assert services.run_billing(db.session, "scheduler", "2025-06") == 1  # only CC has a fee
    bill = db.session.scalar(select(Bill).where(Bill.community_id == world.communities["CC"].id))
    assert (bill.mode, bill.organization_id, bill.amount) == (None, None, D("20.00"))


def test_billing_again_creates_nothing(db, fees):
    before = db.session.scalar(select(func.count()).select_from(Bill))
    for month in PERIODS:
        assert services.run_billing(db.session, "scheduler", month) == 0
    assert db.session.scalar(select(func.count()).select_from(Bill)) == before
    assert services.run_billing(db.session, fees.users["manager_a"], "2025-06",
                                [fees.communities["CA"]]) == 0


def test_communities_without_a_standard_are_not_billed(db, fees):
    cc = fees.communities["CC"]
    assert db.session.scalar(select(func.count()).select_from(Bill)
                             .where(Bill.community_id == cc.id)) == 0
    # Nor months before a community's first standard.
    assert services.run_billing(db.session, "scheduler", "2024-12") == 1  # CB only
    assert services.run_billing(db.session, "scheduler", "2023-12") == 0


def test_a_new_standard_bills_the_months_from_its_start(db, fees):
    ca = fees.communities["CA"]
    new = services.set_standard(db.session, fees.users["manager_a"], ca,
                                price_per_m2_month="0.60", fixed_per_household="1.00",
                                start="2025-07-01")
    assert services.run_billing(db.session, "scheduler", "2025-07") == 5
    july = {b.household.place_code: b for b in db.session.scalars(
        select(Bill).where(Bill.period == "2025-07"))}
    assert july["CA/3/1/301"].amount == D("37.15")  # 60.25 × 0.60 + 1.00
    assert july["CA/3/1/301"].standard_id == new.id
    assert july["CB/1/1/101"].amount == D("26.75")
    assert fees.bills[("CA/3/1/301", "2025-06")].amount == D("30.13")


def test_the_scheduler_bills_every_community_and_the_run_is_recorded(db, fees):
    runs = db.session.scalars(select(BillingRun).order_by(BillingRun.id)).all()
    assert [(r.period, r.community_id, r.bills_created, r.run_by_id) for r in runs] == [
        (month, None, 5, None) for month in PERIODS
    ]
    records = audits(db, "billing_run")
    assert [(r.actor, r.object_key, r.data) for r in records] == [
        ("scheduler", month, {"bills_created": 5, "communities": "all"}) for month in PERIODS
    ]


def test_a_manager_bills_only_communities_it_keeps(db, fees):
    manager, ca, cb = fees.users["manager_a"], fees.communities["CA"], fees.communities["CB"]
    assert services.run_billing(db.session, manager, "2025-07", [ca]) == 4
    with pytest.raises(Forbidden):
        services.run_billing(db.session, manager, "2025-08", [ca, cb])
    with pytest.raises(InvalidInput):
        services.run_billing(db.session, manager, "2025-08")
    run = db.session.scalars(select(BillingRun).order_by(BillingRun.id.desc())).first()
    assert (run.period, run.community_id, run.run_by_id, run.bills_created) == (
        "2025-07", ca.id, manager.id, 4)
    assert db.session.scalar(select(func.count()).select_from(Bill)
                             .where(Bill.period == "2025-08")) == 0


@pytest.mark.parametrize("month", ["2025-13", "2025-6", "june", None, "2025-06\n"])
def test_billing_needs_a_period(db, world, month):
    with pytest.raises(InvalidInput) as refused:
        services.run_billing(db.session, "scheduler", month)
    assert "period" in refused.value.fields


# --- adjustments ------------------------------------------------------------------------

def test_a_waiver_lowers_what_is_owed_and_is_audited(db, fees):
    bill = fees.bills[("CA/2/1/201", "2025-04")]
    adjustment = services.adjust_bill(db.session, fees.users["manager_a"], bill,
                                      amount="-35.00", reason=" 低保户 ", kind="waiver")
    assert (adjustment.amount, adjustment.reason) == (D("-35.00"), "低保户")
    assert bill.amount == D("35.00")  # the bill itself is never edited
    assert services.net_amounts(db.session, [bill.id]) == {bill.id: D("0.00")}
    assert "2025-04" not in owed(db, fees.households["CA/2/1/201"])
    record = audits(db, "bill_adjusted")[-1]
    assert record.data == {"kind": "waiver", "amount": "-35.00", "period": "2025-04"}
    assert record.object_key == str(bill.id)


def test_a_correction_may_raise_or_lower_a_bill(db, fees):
    bill = fees.bills[("CA/2/1/201", "2025-05")]
    manager = fees.users["manager_a"]
    services.adjust_bill(db.session, manager, bill, amount="5.00", reason="area was 80 m²",
                         kind="correction")
    services.adjust_bill(db.session, manager, bill, amount="-1.50", reason="rounding",
                         kind="correction")
    assert services.net_amounts(db.session, [bill.id]) == {bill.id: D("38.50")}


@pytest.mark.parametrize("amount, reason, kind, field", [
    ("5.00", "why", "waiver", "amount"),  # a waiver must lower the bill
    ("0.00", "why", "correction", "amount"),
    ("-1.005", "why", "correction", "amount"),
    ("-1.00", "", "waiver", "reason"),
    ("-1.00", "   ", "waiver", "reason"),
    ("-1.00", None, "waiver", "reason"),
    ("-1.00", "x" * 501, "waiver", "reason"),
    ("-1.00", "why", "gift", "kind"),
])
def test_adjustments_are_checked(db, fees, amount, reason, kind, field):
    with pytest.raises(InvalidInput) as refused:
        services.adjust_bill(db.session, fees.users["manager_a"],
                             fees.bills[("CA/2/1/201", "2025-04")], amount=amount, reason=reason,
                             kind=kind)
    assert field in refused.value.fields


def test_a_bill_cannot_be_lowered_below_what_was_paid(db, fees):
    manager = fees.users["manager_a"]
    paid_in_full = fees.bills[("CA/1/1/101", "2025-04")]
    with pytest.raises(RuleRefused) as refused:
        services.adjust_bill(db.session, manager, paid_in_full, amount="-0.01", reason="x",
                             kind="waiver")
    assert refused.value.code == "below_paid"
    half_paid = fees.bills[("CA/1/1/101", "2025-05")]  # 18.75 of 31.25 paid
    services.adjust_bill(db.session, manager, half_paid, amount="-12.50", reason="x",
                         kind="waiver")
    with pytest.raises(RuleRefused):
        services.adjust_bill(db.session, manager, half_paid, amount="-0.01", reason="x",
                             kind="correction")
    unpaid = fees.bills[("CA/2/1/201", "2025-06")]
    with pytest.raises(RuleRefused):
        services.adjust_bill(db.session, manager, unpaid, amount="-35.01", reason="x",
                             kind="waiver")


@pytest.mark.parametrize("login", ["manager_b", "committee_a", "officer", "resident_a"])
def test_only_the_manager_adjusts_bills(db, fees, login):
    with pytest.raises(Forbidden):
        services.adjust_bill(db.session, fees.users[login], fees.bills[("CA/2/1/201", "2025-04")],
                             amount="-1.00", reason="x", kind="waiver")
    assert db.session.scalar(select(func.count()).select_from(BillAdjustment)) == 1


# --- payments ---------------------------------------------------------------------------

def pay(db, fees, receipt="R-9", place="CA/2/1/201", amount="10.00", login="manager_a",
        **extra):
    arguments = {"paid_on": "2025-06-01", "method": "wechat", **extra}
    return services.post_payment(db.session, fees.users[login], receipt_no=receipt,
                                 household=place, amount=amount, **arguments)


def test_a_payment_is_posted_once_per_receipt(db, fees):
    payment, created = pay(db, fees, amount="40.00")
    assert created
    assert (payment.amount, payment.paid_on, payment.method.value) == (
        D("40.00"), date(2025, 6, 1), "wechat")
    again, created = pay(db, fees, amount="40.00", paid_on="2025-05-31", method="cash")
    assert (again.id, created) == (payment.id, False)
    assert db.session.scalar(select(func.count()).select_from(Payment)
                             .where(Payment.receipt_no == "R-9")) == 1
    assert allocations(db, payment) == [("2025-04", D("35.00")), ("2025-05", D("5.00"))]
    assert len(audits(db, "payment_posted")) == 3  # two in the world, one here


def test_a_receipt_with_another_amount_or_household_is_refused(db, fees):
    pay(db, fees, amount="40.00")
    for place, amount in (("CA/2/1/201", "40.01"), ("CA/1/1/102", "40.00")):
        with pytest.raises(RuleRefused) as refused:
            pay(db, fees, place=place, amount=amount)
        assert refused.value.code == "receipt_conflict"
        assert refused.value.status == 422
    with pytest.raises(RuleRefused):  # a receipt of the world, posted in another community
        pay(db, fees, receipt="R-0002", login="manager_a")


def test_the_receipt_number_is_trimmed(db, fees):
    payment, _ = pay(db, fees, receipt="  R-10 ")
    assert payment.receipt_no == "R-10"
    assert pay(db, fees, receipt="R-10") == (payment, False)


def test_an_unnamed_payment_pays_the_oldest_open_bills(db, fees):
    place = "CA/1/1/101"
    payment, _ = pay(db, fees, place=place, amount="20.00")
    assert allocations(db, payment) == [("2025-05", D("12.50")), ("2025-06", D("7.50"))]
    assert owed(db, fees.households[place]) == {"2025-06": D("23.75")}


def test_a_named_period_is_paid_first(db, fees):
    place = "CA/3/1/301"
    payment, _ = pay(db, fees, place=place, amount="40.00", period_text="2025-06")
    assert payment.period == "2025-06"
    assert allocations(db, payment) == [("2025-04", D("9.87")), ("2025-06", D("30.13"))]


def test_the_rest_of_a_payment_stays_as_credit(db, fees):
    place = "CB/1/1/101"
    payment, _ = pay(db, fees, place=place, amount="100.00", login="manager_b")
    assert allocations(db, payment) == [("2025-04", D("26.75")), ("2025-06", D("26.75"))]
    assert owed(db, fees.households[place]) == {}
    record = audits(db, "payment_posted")[-1]
    assert record.data["allocated"] == "53.50" and record.data["credit"] == "46.50"


def test_payments_and_waivers_leave_the_world_owing_what_it_says(db, fees):
    for place, household in fees.households.items():
        expected = {month: amount for (where, month), amount in OUTSTANDING.items()
                    if where == place and amount > 0 and place[:2] != "CC"}
        assert owed(db, household) == expected


def test_a_payment_cannot_be_dated_in_the_future(db, fees):
    with pytest.raises(InvalidInput) as refused:
        pay(db, fees, paid_on="2025-06-03")
    assert "paid_on" in refused.value.fields
    assert pay(db, fees, paid_on="2025-06-02")[1]  # today, in Shanghai


@pytest.mark.parametrize("changes, field", [
    ({"receipt": ""}, "receipt_no"),
    ({"receipt": "   "}, "receipt_no"),
    ({"receipt": None}, "receipt_no"),
    ({"receipt": "R" * 65}, "receipt_no"),
    ({"amount": "0"}, "amount"),
    ({"amount": "-5.00"}, "amount"),
    ({"amount": "1.234"}, "amount"),
    ({"amount": "100000000.00"}, "amount"),
    ({"amount": 12.5}, "amount"),
    ({"amount": True}, "amount"),
    ({"amount": "ten"}, "amount"),
    ({"paid_on": "2025-6-1"}, "paid_on"),
    ({"paid_on": 20250601}, "paid_on"),
    ({"method": "cheque"}, "method"),
    ({"place": "CA/1/1"}, "household"),
    ({"place": "CA/1/1/999"}, "household"),
    ({"place": None}, "household"),
    ({"period_text": "2025-13"}, "period"),
])
def test_payment_input_is_checked(db, fees, changes, field):
    with pytest.raises(InvalidInput) as refused:
        pay(db, fees, **changes)
    assert field in refused.value.fields
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 2


def test_who_may_post_a_payment(db, fees):
    # Those who may read the household but do not keep its fees are refused; those who
    # may not read it (a neighbour's home, another community) learn nothing of it.
    for login in ("committee_a", "officer"):
        with pytest.raises(Forbidden):
            pay(db, fees, login=login)
    with pytest.raises(Forbidden):
        pay(db, fees, login="resident_a", place="CA/1/1/101")  # their own home
    for login in ("manager_b", "operator_out", "resident_b", "resident_a"):
        with pytest.raises(NotFound):
            pay(db, fees, login=login)
    assert pay(db, fees, login="sysadmin")[1]


def test_the_payment_audit_holds_no_personal_details(db, fees):
    pay(db, fees, receipt="R-77", amount="12.00")
    record = audits(db, "payment_posted")[-1]
    assert record.object_key == "R-77"
    assert record.actor_id == fees.users["manager_a"].id
    assert set(record.data) == {"household", "amount", "paid_on", "allocated", "credit"}
    text = repr(record.data)
    assert "13800000" not in text and "业主" not in text


# --- reading a bill ---------------------------------------------------------------------

def test_a_bill_is_read_by_who_may_read_its_household(db, fees):
    bill = fees.bills[("CA/1/1/101", "2025-04")]
    for login in ("resident_a", "manager_a", "committee_a", "officer", "bureau", "sysadmin"):
        assert services.get_bill_or_404(db.session, fees.users[login], bill.id) == bill
        assert services.get_bill_or_404(db.session, fees.users[login], str(bill.id)) == bill
    for login in ("resident_b", "resident_ac", "manager_b", "operator_in", "tenant_a"):
        with pytest.raises(NotFound):
            services.get_bill_or_404(db.session, fees.users[login], bill.id)


@pytest.mark.parametrize("key", ["abc", None, -1, 0, 2**63, "1.5", 99999999])
def test_an_unknown_bill_is_not_found(db, fees, key):
    with pytest.raises(NotFound) as refused:
        services.get_bill_or_404(db.session, fees.users["sysadmin"], key)
    assert refused.value.code == "bill_not_found"


def test_a_run_over_named_communities_records_each_ones_bills(db, fees):
    ca, cb = fees.communities["CA"], fees.communities["CB"]
    admin = fees.users["sysadmin"]
    assert services.run_billing(db.session, admin, "2025-07", [ca, cb]) == 5
    runs = db.session.scalars(select(BillingRun).where(BillingRun.period == "2025-07")
                              .order_by(BillingRun.id)).all()
    assert [(r.community_id, r.bills_created, r.run_by_id) for r in runs] == [
        (ca.id, 4, admin.id), (cb.id, 1, admin.id)]
