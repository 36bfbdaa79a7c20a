"""Time-zone names are checked against the IANA database shipped with the app (tzdata)."""

import pytest

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.timezones import check_time_zone, is_time_zone


@pytest.mark.parametrize("name", ["UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Asia/Kolkata"])
def test_known_zones_are_accepted(name: str) -> None:
    assert is_time_zone(name)


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../../etc/passwd", "/etc/localtime", "Europe/"])
def test_unknown_or_path_like_names_are_refused_naming_the_field(name: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_time_zone(name, field="settings.timezone")
    assert refused.value.field == "settings.timezone"
