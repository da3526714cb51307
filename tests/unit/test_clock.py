from datetime import UTC, date, datetime

from pmsys import clock


def test_set_now_fixes_time_and_today_is_china_local():
    clock.set_now(datetime(2026, 1, 1, 17, 0, tzinfo=UTC))
    assert clock.now() == datetime(2026, 1, 1, 17, 0, tzinfo=UTC)
    # 17:00 UTC is 01:00 the next day in Beijing.
    assert clock.today() == date(2026, 1, 2)


def test_frozen_restores_previous_setting():
    clock.set_now(None)
    with clock.frozen(datetime(2021, 11, 20, tzinfo=UTC)):
        assert clock.now().year == 2021
    assert clock.now().year >= 2026


def test_parse_instant_without_offset_is_china_time():
    assert clock.parse_instant("2026-03-01T08:00") == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    assert clock.parse_instant("2026-03-01T08:00+00:00").hour == 8
