"""Private buses with nothing on them: no GNOME idle monitor, no logind."""

from __future__ import annotations

from tracker.capture.backends import choose


def test_with_no_idle_service_wayland_says_so_in_one_line(buses):
    b = choose(env={"WAYLAND_DISPLAY": "wayland-0"}, platform="linux")
    (line,) = [x for x in b.unavailable() if x.startswith("Away detection")]
    assert "Wayland" in line and "GNOME's idle monitor nor logind" in line
    assert "\n" not in line
