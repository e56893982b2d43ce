"""Projects and tasks: create, rename, archive, change status."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import InvalidInput, NotFound
from ..model import Origin, Project, Task, TaskStatus
from .base import Base, clean


@dataclass(frozen=True, slots=True)
class QuickTask:
    """What the quick-start box's text named: a task, and whether it (and its project) is new."""

    task: Task
    new_task: bool = False
    new_project: bool = False

    @property
    def line(self) -> str:
        made = " (new project and task)" if self.new_project else (
            " (new task)" if self.new_task else "")  # fmt: skip
        return f"Started {self.task.project_name} / {self.task.title}{made}"


class Projects(Base):
    def add_project(self, name: str, client: str | None = None) -> Project:
        name = clean(name, "project name", 200)
        client = clean(client, "client name", 200) if client else None
        with self.store.transaction():
            if self.store.projects_named(name):
                raise InvalidInput(f"a project named '{name}' exists: choose another name")
            p = Project(id=self.make_id(), name=name, client=client, origin=Origin.LOCAL)
            self.store.insert_project(p, self.clock.now())
        return p

    def set_project(
        self,
        ref: str,
        name: str | None = None,
        screenshots: bool | None = None,
        blur: bool | None = None,
        archived: bool | None = None,
    ) -> Project:
        with self.store.transaction():
            p = self.project(ref)
            if p.origin is Origin.SERVER:
                raise InvalidInput(
                    f"'{p.name}' is a server project: its settings come from the server"
                )
            changes: dict[str, object] = {}
            if name is not None:
                name = clean(name, "project name", 200)
                clash = [q for q in self.store.projects_named(name) if q.id != p.id]
                if clash:
                    raise InvalidInput(f"a project named '{name}' exists: choose another name")
                changes["name"] = name
            for field, value in (("screenshots", screenshots), ("blur", blur),
                                 ("archived", archived)):  # fmt: skip
                if value is not None:
                    changes[field] = value
            if not changes:
                return p
            p = replace(p, revision=p.revision + 1, **changes)
            self.store.update_project(p, self.clock.now())
        return p

    def add_task(self, project_ref: str, title: str) -> Task:
        title = clean(title, "task title", 500)
        with self.store.transaction():
            p = self.project(project_ref)
            if p.archived:
                raise InvalidInput(f"project '{p.name}' is archived: unarchive it first")
            if self.store.tasks_titled(title, p.id):
                raise InvalidInput(f"'{p.name}' already has a task '{title}': choose another title")
            t = Task(id=self.make_id(), project_id=p.id, title=title, project_name=p.name)
            self.store.insert_task(t, self.clock.now())
        return t

    def set_task(self, ref: str, title: str | None = None, status: str | None = None) -> Task:
        with self.store.transaction():
            t = self.task(ref)
            changes: dict[str, object] = {}
            if title is not None:
                title = clean(title, "task title", 500)
                if any(x.id != t.id for x in self.store.tasks_titled(title, t.project_id)):
                    raise InvalidInput(
                        f"'{t.project_name}' already has a task '{title}': choose another title"
                    )
                changes["title"] = title
            if status is not None:
                changes["status"] = TaskStatus(status)
            if not changes:
                return t
            t = replace(t, revision=t.revision + 1, **changes)
            self.store.update_task(t, self.clock.now())
        return t

    def quick_task(self, text: str, project_ref: str | None = None) -> QuickTask:
        """The task the quick-start box's ``text`` names, created when it is missing.

        An existing task by ``Project / Task``, a unique title or its id; else ``Project / New
        task`` creates the task in that project (tasks in server projects are pushed), or a new
        local project with the task when no project has that name (projects made here are local:
        server projects come from the server). A bare new title goes into ``project_ref``, the
        project the user has open. One transaction."""
        text = text.strip()
        if not text:
            raise InvalidInput("type a task, or 'Project / New task' to create one")
        with self.store.transaction():
            try:
                return QuickTask(self.task(text))
            except NotFound:
                pass
            cuts = [i for i, ch in enumerate(text) if ch == "/"]
            for i in cuts:  # the first "/" whose left side names a project
                pname, title = text[:i].strip(), text[i + 1 :].strip()
                named = self.store.projects_named(pname) if pname and title else []
                if len(named) == 1:
                    return QuickTask(self.add_task(named[0].id, title), new_task=True)
            if cuts:
                pname, title = text[: cuts[0]].strip(), text[cuts[0] + 1 :].strip()
                if not pname or not title:
                    raise InvalidInput("type 'Project / Task': both sides of the / are needed")
                p = self.add_project(pname)
                return QuickTask(self.add_task(p.id, title), new_task=True, new_project=True)
            if project_ref is None:
                raise InvalidInput(
                    f"no task '{text}': type 'Project / {text}' to create it, or pick a project"
                )
            return QuickTask(self.add_task(project_ref, text), new_task=True)
