"""The follow-up calls' sample (docs/domain.md#callbacks): stable, and about its share."""

from __future__ import annotations

import pytest

from pmsys.tickets.services.callbacks import check_percent, in_sample, percentile


def test_the_sample_is_a_function_of_the_id():
    assert [in_sample(ticket_id, 20) for ticket_id in range(1, 50)] == [
        in_sample(ticket_id, 20) for ticket_id in range(1, 50)]
    assert all(0 <= percentile(ticket_id) < 100 for ticket_id in range(1, 5000))


@pytest.mark.parametrize("percent", [0, 5, 20, 50, 100])
def test_the_sample_takes_its_share(percent):
    ids = range(1, 10_001)
    share = sum(in_sample(ticket_id, percent) for ticket_id in ids) / len(ids)
    assert abs(share - percent / 100) < 0.02
    if percent == 0:
        assert share == 0
    if percent == 100:
        assert share == 1


def test_a_larger_sample_holds_the_smaller():
    ids = range(1, 2000)
    small = {i for i in ids if in_sample(i, 10)}
    large = {i for i in ids if in_sample(i, 30)}
    assert small < large


def test_the_setting_is_a_whole_percent():
    assert check_percent(20) == 20
    for bad in (-1, 101, 2.5, "20", True, None):
        with pytest.raises(ValueError):
            check_percent(bad)
