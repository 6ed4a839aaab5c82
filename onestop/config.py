"""``onestop.toml``: the office, its calendar and its alert settings.

Found at ``--config PATH``, else ``$ONESTOP_CONFIG``, else ``./onestop.toml`` if present; every key is optional.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from onestop.errors import ConfigError
from sla.calendar import CalendarSpec
from sla.hours import OfficeHours, OfficeHoursError, parse_minutes, parse_time

WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
DEFAULT_OFFICE_CODE = "000.00.00.H00"
DEFAULT_OFFICE_NAME = "UBND xã"


@dataclass(frozen=True)
class OfficeSettings:
    code: str = DEFAULT_OFFICE_CODE
    name: str = DEFAULT_OFFICE_NAME
    timezone: str = "Asia/Ho_Chi_Minh"
    place: str = ""  # the place name printed before the date of a letter ("Bút Sơn, ngày ...")
    head: str = ""  # the signer of apologies and reports
    province: str = ""


@dataclass(frozen=True)
class AlertSettings:
    due_soon_working_days: int = 2
    check_time: str = "07:30"


@dataclass(frozen=True)
class Settings:
    office: OfficeSettings = field(default_factory=OfficeSettings)
    calendar: CalendarSpec = field(default_factory=CalendarSpec)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    source: Path | None = None

    @property
    def office_given(self) -> bool:
        return self.source is not None and self.office.code != DEFAULT_OFFICE_CODE


_KEYS = {
    "office": {"code", "name", "timezone", "place", "head", "province"},
    "calendar": {
        "holidays",
        "working_weekdays",
        "office_hours",
        "same_day_cutoff",
        "extra_days_off",
        "extra_working_days",
    },
    "alerts": {"due_soon_working_days", "check_time"},
}


def find_config(explicit: str | None) -> Path | None:
    """The configuration file to read: explicit, then $ONESTOP_CONFIG, then ./onestop.toml."""
    if explicit:
        return Path(explicit)
    if env := os.environ.get("ONESTOP_CONFIG"):
        return Path(env)
    local = Path("onestop.toml")
    return local if local.is_file() else None


def load_settings(path: Path | None) -> Settings:
    if path is None:
        return Settings()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError("config.missing", path=str(path)) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError("config.syntax", path=str(path), detail=str(exc)) from exc
    return parse_settings(raw, source=path)


def parse_settings(raw: dict[str, Any], *, source: Path | None = None) -> Settings:
    for section, values in raw.items():
        if section not in _KEYS:
            raise ConfigError("config.unknown_key", key=section)
        if not isinstance(values, dict):
            raise ConfigError("config.bad_value", key=section, detail="must be a table")
        for key in values:
            if key not in _KEYS[section]:
                raise ConfigError("config.unknown_key", key=f"{section}.{key}")
    office = _office(raw.get("office", {}))
    return Settings(
        office=office,
        calendar=_calendar(raw.get("calendar", {}), timezone=office.timezone),
        alerts=_alerts(raw.get("alerts", {})),
        source=source,
    )


def _office(values: dict[str, Any]) -> OfficeSettings:
    for key, value in values.items():
        if not isinstance(value, str) or (key in ("code", "name", "timezone") and not value.strip()):
            raise ConfigError("config.bad_value", key=f"office.{key}", detail="a non-empty text")
    timezone = values.get("timezone", "Asia/Ho_Chi_Minh")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError("config.bad_value", key="office.timezone", detail=timezone) from exc
    return OfficeSettings(**values)


def _calendar(values: dict[str, Any], *, timezone: str) -> CalendarSpec:
    spec: dict[str, Any] = {"timezone": timezone}
    if "holidays" in values:
        if str(values["holidays"]).upper() not in ("VN", "NONE"):
            raise ConfigError("config.bad_value", key="calendar.holidays", detail='"VN" or "none"')
        spec["holidays"] = str(values["holidays"]).upper()
    if "working_weekdays" in values:
        spec["working_weekdays"] = _weekdays(values["working_weekdays"])
    if "office_hours" in values:
        hours = values["office_hours"]
        if not isinstance(hours, list):
            raise ConfigError("config.bad_value", key="calendar.office_hours", detail='["07:00-11:30", ...]')
        try:
            spec["office_hours"] = OfficeHours.parse([str(h) for h in hours])
        except OfficeHoursError as exc:
            raise ConfigError("config.bad_value", key="calendar.office_hours", detail=str(exc)) from exc
    if "same_day_cutoff" in values:
        try:
            spec["same_day_cutoff"] = parse_time(str(values["same_day_cutoff"]))
        except OfficeHoursError as exc:
            raise ConfigError("config.bad_value", key="calendar.same_day_cutoff", detail=str(exc)) from exc
    for key in ("extra_days_off", "extra_working_days"):
        if key in values:
            spec[key] = _dates(values[key], key=f"calendar.{key}")
    return CalendarSpec(**spec)


def _weekdays(values: Any) -> frozenset[int]:
    if not isinstance(values, list) or not values:
        raise ConfigError("config.bad_value", key="calendar.working_weekdays", detail='["mon", ..., "fri"]')
    days = set()
    for value in values:
        name = str(value).strip().lower()[:3]
        if name not in WEEKDAYS or len(str(value).strip()) not in (3, len(_FULL.get(name, ""))):
            raise ConfigError("config.bad_value", key="calendar.working_weekdays", detail=str(value))
        days.add(WEEKDAYS[name])
    return frozenset(days)


_FULL = {
    "mon": "monday",
    "tue": "tuesday",
    "wed": "wednesday",
    "thu": "thursday",
    "fri": "friday",
    "sat": "saturday",
    "sun": "sunday",
}


def _dates(values: Any, *, key: str) -> frozenset[dt.date]:
    if not isinstance(values, list):
        raise ConfigError("config.bad_value", key=key, detail='["2026-12-31", ...]')
    out = set()
    for value in values:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            out.add(value)
            continue
        try:
            out.add(dt.date.fromisoformat(str(value)))
        except ValueError as exc:
            raise ConfigError("config.bad_value", key=key, detail=str(value)) from exc
    return frozenset(out)


def _alerts(values: dict[str, Any]) -> AlertSettings:
    soon = values.get("due_soon_working_days", 2)
    if not isinstance(soon, int) or isinstance(soon, bool) or not 0 <= soon <= 60:
        raise ConfigError("config.bad_value", key="alerts.due_soon_working_days", detail=str(soon))
    check_time = str(values.get("check_time", "07:30"))
    try:
        parse_minutes(check_time)
    except OfficeHoursError as exc:
        raise ConfigError("config.bad_value", key="alerts.check_time", detail=check_time) from exc
    return AlertSettings(due_soon_working_days=soon, check_time=check_time)
