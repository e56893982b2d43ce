"""The quick-start box's use case: the task a text names, created when missing (one
transaction; projects made here are local, tasks in server projects are allowed)."""

from __future__ import annotations

import pytest

from tracker.errors import Ambiguous, InvalidInput
from tracker.model import Origin, Project

SRV = "00000000-0000-7000-8000-0000000000b1"


@pytest.fixture
def seeded(svc):
    svc.add_project("Globex site")
    return svc.add_task("Globex site", "Homepage")


def test_an_existing_task_by_label_title_or_id(svc, seeded):
    for text in ("Globex site / Homepage", "globex site/homepage", "Homepage", seeded.id):
        q = svc.quick_task(text)
        assert (q.task.id, q.new_task, q.new_project) == (seeded.id, False, False)
        assert q.line == "Started Globex site / Homepage"


def test_a_new_task_in_a_named_project_and_a_new_local_project(svc, seeded):
    q = svc.quick_task("Globex site / Checkout")
    assert (q.task.project_id, q.task.title, q.new_task, q.new_project) == (
        seeded.project_id, "Checkout", True, False
    )  # fmt: skip
    assert q.line == "Started Globex site / Checkout (new task)"
    q = svc.quick_task("Acme / Design / review")  # the first "/" splits a new project's name
    assert (q.task.project_name, q.task.title, q.new_project) == ("Acme", "Design / review", True)
    assert svc.project("Acme").origin is Origin.LOCAL


def test_a_project_name_with_a_slash_is_found(svc):
    svc.add_project("R/D")
    q = svc.quick_task("R/D / Prototype")
    assert (q.task.project_name, q.task.title, q.new_project) == ("R/D", "Prototype", False)


def test_a_bare_title_goes_into_the_open_project_or_is_refused(svc, seeded):
    q = svc.quick_task("Landing", seeded.project_id)
    assert (q.task.project_id, q.task.title) == (seeded.project_id, "Landing")
    with pytest.raises(InvalidInput, match="type 'Project / Budget' to create it"):
        svc.quick_task("Budget")
    for bad in ("", "  ", "Acme /", "/ Design"):
        with pytest.raises(InvalidInput):
            svc.quick_task(bad)
    assert [p.name for p in svc.store.list_projects()] == ["Globex site"]  # nothing half-made


def test_server_projects_take_tasks_archived_ones_refuse(svc):
    with svc.store.transaction():
        svc.store.insert_project(Project(SRV, "Remote", origin=Origin.SERVER), svc.clock.now())
    q = svc.quick_task("Remote / Triage")
    assert q.task.project_id == SRV and q.new_task
    svc.add_project("Old")
    svc.set_project("Old", archived=True)
    with pytest.raises(InvalidInput, match="archived"):
        svc.quick_task("Old / Something")


def test_an_ambiguous_title_asks_for_the_project(svc, seeded):
    svc.add_project("Internal")
    svc.add_task("Internal", "Homepage")
    with pytest.raises(Ambiguous):
        svc.quick_task("Homepage")
