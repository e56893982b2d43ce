"""The reminders' two settings in the Settings dialog: on by default, 0 shown as never."""


def test_reminder_settings_in_the_settings_dialog(harness, svc):
    app = harness.make()
    app.settings()
    d = harness.opened[-1]
    assert (d.remind_idle.value(), d.remind_long.value()) == (15, 4)  # on by default
    d.remind_idle.setValue(0)
    assert d.remind_idle.text() == "never"
    d.remind_long.setValue(2)
    d.submit()
    assert svc.config_get("reminders.not_tracking_minutes") == "0"
    assert svc.config_get("reminders.long_timer_hours") == "2"
    assert app.controller.overview.reminders == (0, 2)
