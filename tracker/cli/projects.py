"""`tracker project add|list|set` and `tracker task add|list|set`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .base import Commands, Out

if TYPE_CHECKING:
    from ..service import Tracker


def register(commands: Commands) -> None:
    project = commands.group("project", "create, list and configure projects", run_project)
    p = project.add("add", "create a local project")
    p.add_argument("name")
    p.add_argument("--client")
    project.add("list", "list projects (local and server)")
    p = project.add("set", "change a local project's settings")
    p.add_argument("project")
    p.add_argument("--name")
    for flag in ("screenshots", "blur", "archived"):
        p.add_argument(f"--{flag}", choices=["on", "off"])

    task = commands.group("task", "create, list and change tasks", run_task)
    p = task.add("add", "create a task in a project")
    p.add_argument("project")
    p.add_argument("title")
    p = task.add("list", "list tasks")
    p.add_argument("project", nargs="?")
    p = task.add("set", "rename a task or change its status")
    p.add_argument("task")
    p.add_argument("--title")
    p.add_argument("--status", choices=["open", "in_progress", "done"])


def run_project(svc: Tracker, args: argparse.Namespace, out: Out) -> None:
    if args.action == "add":
        p = svc.add_project(args.name, args.client)
        out.data(out.project(p)) if out.json else out.line(f"Created project {p.name}\n{p.id}")
    elif args.action == "list":
        projects = svc.store.list_projects()
        if out.json:
            out.data([out.project(p) for p in projects])
        else:
            for p in projects:
                flags = [p.origin.value] + (["archived"] if p.archived else [])
                client = f" [{p.client}]" if p.client else ""
                out.line(f"{p.id}  {p.name}{client} ({', '.join(flags)})")
            if not projects:
                out.line("No projects yet: `tracker project add NAME`")
    else:
        onoff = {"on": True, "off": False, None: None}
        p = svc.set_project(args.project, args.name, onoff[args.screenshots],
                            onoff[args.blur], onoff[args.archived])  # fmt: skip
        out.data(out.project(p)) if out.json else out.line(f"Updated project {p.name}\n{p.id}")


def run_task(svc: Tracker, args: argparse.Namespace, out: Out) -> None:
    if args.action == "add":
        t = svc.add_task(args.project, args.title)
        out.data(out.task(t)) if out.json else out.line(f"Created task {t.label}\n{t.id}")
    elif args.action == "list":
        pid = svc.project(args.project).id if args.project else None
        tasks = svc.store.list_tasks(pid)
        if out.json:
            out.data([out.task(t) for t in tasks])
        else:
            for t in tasks:
                out.line(f"{t.id}  {t.label} ({t.status.value})")
            if not tasks:
                out.line("No tasks yet: `tracker task add PROJECT TITLE`")
    else:
        t = svc.set_task(args.task, args.title, args.status)
        out.data(out.task(t)) if out.json else out.line(f"Updated task {t.label}\n{t.id}")
