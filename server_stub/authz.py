"""Every "may user U do X to Y" question, answered in one place (server-spec §6.10).

Routes never check roles themselves: they ask here. Three kinds of answer:

* role-wide actions (:func:`require`): 403 when the role may not;
* one project (:func:`project`): 404 when the caller may not know it exists, 403 when they can
  see it but may not do what they ask;
* scopes as SQL (:func:`visible_projects`, :func:`interval_scope`, :func:`totals_scope`), so
  lists and aggregates are filtered by the same rules as single objects.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, exists, false, or_, select, true

from .db.tables import (
    activity_slots,
    intervals,
    invoice_lines,
    invoices,
    messages,
    project_files,
    project_members,
    projects,
    screenshots,
    tasks,
)
from .errors import ApiError, Forbidden, NotFound


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    MEMBER = "member"
    VIEWER = "viewer"


class Action(StrEnum):
    LIST_USERS = "list_users"
    CREATE_USER = "create_user"
    LIST_CLIENTS = "list_clients"
    CREATE_CLIENT = "create_client"
    CREATE_PROJECT = "create_project"
    TRACK_TIME = "track_time"
    SEE_DASHBOARD = "see_dashboard"  # the web dashboard: everyone's time, members, clients
    SEE_PORTAL = "see_portal"  # the client portal: the projects granted to a viewer
    MANAGE_INVOICES = "manage_invoices"  # uninvoiced time, drafts, finalize, payments
    VOID_INVOICES = "void_invoices"
    SEE_INVOICES = "see_invoices"  # issued ones, scoped by invoice_scope
    MANAGE_TEAM_INVOICES = "manage_team_invoices"
    SEE_TEAM_INVOICES = "see_team_invoices"  # scoped by team_invoice_scope
    SEE_WORKSPACE = "see_workspace"  # the seller's details and invoice settings
    EDIT_WORKSPACE = "edit_workspace"
    EDIT_CLIENT = "edit_client"  # and its contacts
    EDIT_USER = "edit_user"  # name, role, default rates, archiving
    SET_PAY_RATE = "set_pay_rate"
    MANAGE_EXCHANGE_RATES = "manage_exchange_rates"
    READ_AUDIT = "read_audit"


_ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action) - {Action.SEE_PORTAL},
    Role.MANAGER: frozenset(
        {
            Action.LIST_CLIENTS,
            Action.CREATE_CLIENT,
            Action.CREATE_PROJECT,
            Action.TRACK_TIME,
            Action.SEE_DASHBOARD,
            Action.MANAGE_INVOICES,
            Action.SEE_INVOICES,
            Action.MANAGE_TEAM_INVOICES,
            Action.SEE_TEAM_INVOICES,
            Action.SEE_WORKSPACE,
            Action.EDIT_CLIENT,
        }
    ),
    Role.MEMBER: frozenset({Action.TRACK_TIME, Action.SEE_TEAM_INVOICES}),
    Role.VIEWER: frozenset({Action.SEE_PORTAL, Action.SEE_INVOICES}),
}

GRANTS = (
    "show_members",
    "show_entries",
    "show_notes",
    "show_amounts",
    "show_screenshots",
    "show_activity",
    "show_invoices",
    "show_financial_summary",
)


class Capability(StrEnum):
    SEE = "see"
    EDIT = "edit"  # PATCH the project
    MANAGE_MEMBERS = "manage_members"
    CREATE_TASKS = "create_tasks"  # and edit them
    TRACK = "track"
    SEE_ENTRIES = "see_entries"  # everyone's intervals on the project
    SEE_MEMBERS = "see_members"


@dataclass(frozen=True, slots=True)
class ShareGrant:
    """A share link's access: one project, seen as a viewer with the link's grants."""

    link_id: str
    project_id: str
    grants: dict[str, bool] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: str
    role: Role
    token_id: str
    email: str = ""
    name: str = ""
    share: ShareGrant | None = None  # someone with a share link: no account, one project

    @classmethod
    def for_share(cls, share: ShareGrant, session_id: str = "") -> Actor:
        """The caller behind a share link: a viewer of its project with its grants only. The
        user id matches no user, so every membership-based rule gives nothing beyond it."""
        return cls(f"share:{share.link_id}", Role.VIEWER, session_id, "", "Shared link", share)

    @property
    def manages_all(self) -> bool:
        """Admins and managers manage every project of the workspace."""
        return self.role in (Role.ADMIN, Role.MANAGER)


def may(actor: Actor, action: Action) -> bool:
    return action in _ROLE_ACTIONS[actor.role]


def require(actor: Actor, action: Action) -> None:
    if not may(actor, action):
        raise Forbidden(f"a {actor.role} may not {action.value.replace('_', ' ')}")


def parse_grants(raw: str | None) -> dict[str, bool]:
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        data = {}
    return {g: bool(data.get(g, False)) for g in GRANTS}


@dataclass(frozen=True, slots=True)
class ProjectAccess:
    project_id: str
    archived: bool
    capabilities: frozenset[Capability]
    kind: str | None = None  # the caller's membership kind, if any
    grants: dict[str, bool] = field(default_factory=dict)

    def has(self, cap: Capability) -> bool:
        return cap in self.capabilities

    @property
    def sees_amounts(self) -> bool:
        return self.kind != "viewer" or self.grants.get("show_amounts", False)


def _capabilities(actor: Actor, kind: str | None, grants: dict[str, bool]) -> frozenset[Capability]:
    if actor.manages_all:
        return frozenset(Capability)
    if kind == "member" and actor.role == Role.MEMBER:
        return frozenset({Capability.SEE, Capability.CREATE_TASKS, Capability.TRACK})
    if kind is not None:  # a viewer, or a member-role user holding a viewer membership
        caps = {Capability.SEE}
        if grants.get("show_entries"):
            caps.add(Capability.SEE_ENTRIES)
        if grants.get("show_members"):
            caps.add(Capability.SEE_MEMBERS)
        return frozenset(caps)
    return frozenset()


def project_access(conn: Connection, actor: Actor, project_id: str) -> ProjectAccess | None:
    """What ``actor`` may do on the project; None when they may not know it exists."""
    if actor.share is not None:
        if project_id != actor.share.project_id:
            return None
        archived = conn.execute(
            select(projects.c.archived).where(projects.c.id == project_id)
        ).scalar()
        grants = {g: bool(actor.share.grants.get(g)) for g in GRANTS}
        caps = _capabilities(actor, "viewer", grants)
        return ProjectAccess(project_id, bool(archived), caps, "viewer", grants)
    row = conn.execute(
        select(projects.c.id, projects.c.archived, project_members.c.kind, project_members.c.grants)
        .select_from(
            projects.outerjoin(
                project_members,
                and_(
                    project_members.c.project_id == projects.c.id,
                    project_members.c.user_id == actor.user_id,
                ),
            )
        )
        .where(projects.c.id == project_id)
    ).first()
    if row is None:
        return None
    grants = parse_grants(row.grants) if row.kind == "viewer" else {}
    caps = _capabilities(actor, row.kind, grants)
    if Capability.SEE not in caps:
        return None
    return ProjectAccess(row.id, bool(row.archived), caps, row.kind, grants)


def project(
    conn: Connection, actor: Actor, project_id: str, need: Capability = Capability.SEE
) -> ProjectAccess:
    """The caller's access to a project they need ``need`` on: 404 if hidden, 403 if short."""
    access = project_access(conn, actor, project_id)
    if access is None:
        raise NotFound("project")
    if not access.has(need):
        raise Forbidden(f"you may not {need.value.replace('_', ' ')} on this project")
    return access


def landing(actor: Actor) -> str:
    """Where a signed-in browser lands: the dashboard, the portal, or the member's own week."""
    if may(actor, Action.SEE_DASHBOARD):
        return "/dashboard"
    if may(actor, Action.SEE_PORTAL):
        return "/portal"
    return "/me"


def portal_projects(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause on ``projects``: the projects the caller views in the portal."""
    return projects.c.id.in_(_viewer_projects(actor, None))


def visible_projects(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause on ``projects``: the projects the caller may see."""
    if actor.manages_all:
        return true()
    return projects.c.id.in_(
        select(project_members.c.project_id).where(project_members.c.user_id == actor.user_id)
    )


def tasks_for_tracking(
    conn: Connection, actor: Actor, task_ids: set[str]
) -> dict[str, tuple[str, str | None]]:
    """For each task id: ("ok", project_id) | ("task_not_found", None) | ("no_access", pid).

    A task on a project the caller cannot see is "not found", as the project would be.
    """
    out: dict[str, tuple[str, str | None]] = {}
    if not task_ids:
        return out
    rows = conn.execute(
        select(tasks.c.id, tasks.c.project_id, project_members.c.kind)
        .select_from(
            tasks.outerjoin(
                project_members,
                and_(
                    project_members.c.project_id == tasks.c.project_id,
                    project_members.c.user_id == actor.user_id,
                ),
            )
        )
        .where(tasks.c.id.in_(sorted(task_ids)))
    ).all()
    for row in rows:
        caps = _capabilities(actor, row.kind, {})
        if Capability.SEE not in caps:
            out[row.id] = ("task_not_found", None)
        elif Capability.TRACK in caps and may(actor, Action.TRACK_TIME):
            out[row.id] = ("ok", row.project_id)
        else:
            out[row.id] = ("no_access", row.project_id)
    for tid in task_ids:
        out.setdefault(tid, ("task_not_found", None))
    return out


def _viewer_projects(actor: Actor, grant: str | None) -> Any:
    if actor.share is not None:  # the link's project, if the link grants it
        q = select(projects.c.id).where(projects.c.id == actor.share.project_id)
        return q if grant is None or actor.share.grants.get(grant) else q.where(false())
    q = select(project_members.c.project_id).where(
        project_members.c.user_id == actor.user_id, project_members.c.kind == "viewer"
    )
    if grant is not None:
        # Grants are a small JSON object; a LIKE on its canonical dump keeps this portable.
        q = q.where(project_members.c.grants.like(f'%"{grant}": true%'))
    return q


def interval_scope(actor: Actor) -> ColumnElement[bool]:
    """WHERE clause over ``intervals`` JOIN ``tasks``: intervals listed to the caller."""
    if actor.manages_all:
        return true()
    own = intervals.c.user_id == actor.user_id
    if actor.role == Role.VIEWER:
        return tasks.c.project_id.in_(_viewer_projects(actor, "show_entries"))
    return or_(own, tasks.c.project_id.in_(_viewer_projects(actor, "show_entries")))


def totals_scope_sql(actor: Actor) -> tuple[str, dict[str, Any], bool]:
    """SQL over ``intervals i JOIN tasks t``: the intervals counted in the caller's totals.

    Members count their own time; viewers the time on the projects they view (the portal's
    time report); admins and managers everything. Returns (condition, binds, needs tasks join).
    """
    if actor.manages_all:
        return "1 = 1", {}, False
    if actor.share is not None:
        return "t.project_id = :scope_pid", {"scope_pid": actor.share.project_id}, True
    viewed = (
        "t.project_id IN (SELECT pm.project_id FROM project_members pm "
        "WHERE pm.user_id = :scope_uid AND pm.kind = 'viewer')"
    )
    if actor.role == Role.VIEWER:
        return viewed, {"scope_uid": actor.user_id}, True
    return f"(i.user_id = :scope_uid OR {viewed})", {"scope_uid": actor.user_id}, True


def may_group_by_user(conn: Connection, actor: Actor) -> bool:
    """Totals per user reveal who works on a project: viewers need ``show_members`` everywhere."""
    if actor.role != Role.VIEWER:
        return True
    if actor.share is not None:
        return bool(actor.share.grants.get("show_members"))
    rows = conn.execute(
        select(project_members.c.grants).where(
            project_members.c.user_id == actor.user_id, project_members.c.kind == "viewer"
        )
    ).all()
    return all(parse_grants(r.grants)["show_members"] for r in rows)


def may_see_user(actor: Actor, user_id: str) -> bool:
    """May the caller filter totals or intervals by this user?"""
    return actor.manages_all or actor.role == Role.VIEWER or user_id == actor.user_id


def may_see_pay_rate(actor: Actor, user_id: str) -> bool:
    """Pay rates: admins, and the member for their own (the Hubstaff rule); never viewers."""
    return actor.role == Role.ADMIN or (actor.role != Role.VIEWER and user_id == actor.user_id)


def may_see_bill_rates(actor: Actor, access: ProjectAccess | None = None) -> bool:
    if actor.manages_all:
        return True
    if actor.role == Role.VIEWER:
        return bool(access and access.grants.get("show_amounts"))
    return True  # members see their own rates (workspace setting; on by default)


def may_see_amounts(conn: Connection, actor: Actor, project_id: str | None = None) -> bool:
    """Money in totals (bill amounts only, never pay): admins, managers and members (their own
    time); viewers only with ``show_amounts`` on the project asked for, or on every project
    they view when no project is named."""
    if actor.role != Role.VIEWER:
        return True
    if actor.share is not None:
        shared = project_id in (None, actor.share.project_id)
        return shared and bool(actor.share.grants.get("show_amounts"))
    q = select(project_members.c.grants).where(
        project_members.c.user_id == actor.user_id, project_members.c.kind == "viewer"
    )
    if project_id is not None:
        q = q.where(project_members.c.project_id == project_id)
    rows = conn.execute(q).all()
    return bool(rows) and all(parse_grants(r.grants)["show_amounts"] for r in rows)


def activity_scope(actor: Actor) -> ColumnElement[bool]:
    """WHERE clause over ``activity_slots`` JOIN ``tasks``: the slots listed to the caller.

    Admins and managers see all; members their own; viewers the projects whose grant carries
    ``show_activity`` (server-spec §6.10).
    """
    if actor.manages_all:
        return true()
    granted = tasks.c.project_id.in_(_viewer_projects(actor, "show_activity"))
    if actor.role == Role.VIEWER:
        return granted
    return or_(activity_slots.c.user_id == actor.user_id, granted)


def screenshot_scope(actor: Actor) -> ColumnElement[bool]:
    """WHERE clause over ``screenshots`` JOIN ``tasks`` JOIN ``projects``: the shots listed.

    Admins and managers see all; members their own; viewers only where the project takes
    screenshots **and** their grant carries ``show_screenshots``.
    """
    if actor.manages_all:
        return true()
    granted = and_(
        projects.c.screenshots == true(),
        tasks.c.project_id.in_(_viewer_projects(actor, "show_screenshots")),
    )
    if actor.role == Role.VIEWER:
        return granted
    return or_(screenshots.c.user_id == actor.user_id, granted)


def may_see_screenshot(
    actor: Actor, owner_id: str, access: ProjectAccess | None, project_screenshots: bool
) -> bool:
    """One screenshot: the same rule as :func:`screenshot_scope`, for a loaded row."""
    if actor.manages_all or owner_id == actor.user_id:
        return True
    return bool(
        access is not None
        and access.kind == "viewer"
        and project_screenshots
        and access.grants.get("show_screenshots")
    )


def may_delete_screenshot(actor: Actor, owner_id: str) -> bool:
    """The person screenshotted may always delete; admins and managers may moderate."""
    return actor.manages_all or owner_id == actor.user_id


def may_upload_capture(actor: Actor, owner_id: str) -> bool:
    """Activity and screenshots belong to the caller's own intervals, by people who track.

    The same rule answers who may change capture already uploaded (move a slot or a screenshot
    to another entry, delete a slot by its id): only the person who tracked the time.
    """
    return may(actor, Action.TRACK_TIME) and owner_id == actor.user_id


def sees_interval(access: ProjectAccess | None, actor: Actor, owner_id: str) -> bool:
    """One interval: the same rule as :func:`interval_scope`, for a loaded row (``access`` is
    the caller's access to the interval's project)."""
    if actor.manages_all or owner_id == actor.user_id:
        return True
    return access is not None and access.has(Capability.SEE_ENTRIES)


def capture_targets(
    conn: Connection, actor: Actor, targets: dict[str, tuple[str, str]]
) -> dict[str, str | None]:
    """For each live interval ``id -> (owner_id, project_id)``: may the caller attach activity
    or a screenshot to it? None when they may; else the refusal's code: ``no_access`` when they
    see the interval but it is someone else's (403), ``interval_not_found`` when they may not
    know it exists (404). Asks the database once per project, and only for others' intervals.
    """
    out: dict[str, str | None] = {}
    access: dict[str, ProjectAccess | None] = {}
    for iid, (owner_id, project_id) in targets.items():
        if may_upload_capture(actor, owner_id):
            out[iid] = None
            continue
        if project_id not in access and not actor.manages_all:
            access[project_id] = project_access(conn, actor, project_id)
        seen = sees_interval(access.get(project_id), actor, owner_id)
        out[iid] = "no_access" if seen else "interval_not_found"
    return out


def capture_target(conn: Connection, actor: Actor, owner_id: str, project_id: str) -> None:
    """One interval a screenshot goes to: 404 ``interval_not_found`` when the caller may not
    know it exists, 403 ``no_access`` when they see it but it is someone else's."""
    code = capture_targets(conn, actor, {"": (owner_id, project_id)})[""]
    if code == "interval_not_found":
        raise NotFound("interval", "interval_not_found")
    if code is not None:
        raise Forbidden("screenshots go only to your own entries", code)


class ShotAction(StrEnum):
    SEE = "see"  # list it, fetch the image
    DELETE = "delete"
    RELINK = "relink"  # move it to another entry


def screenshot(
    conn: Connection,
    actor: Actor,
    owner_id: str,
    project_id: str | None,
    project_screenshots: bool,
    action: ShotAction = ShotAction.SEE,
) -> ProjectAccess | None:
    """One screenshot and what the caller asks of it: 404 when they may not know it exists,
    403 when they know it (they see it, or its project) but may not do ``action``. Returns the
    caller's access to the shot's project (None when hidden from them or unknown)."""
    access = project_access(conn, actor, project_id) if project_id is not None else None
    if not may_see_screenshot(actor, owner_id, access, project_screenshots):
        if access is None:
            raise NotFound("screenshot")
        raise Forbidden("you may not see screenshots on this project")
    if action is ShotAction.DELETE and not may_delete_screenshot(actor, owner_id):
        raise Forbidden("only the person screenshotted or a manager may delete it")
    if action is ShotAction.RELINK and not may_upload_capture(actor, owner_id):
        raise Forbidden("only the person screenshotted may move it to another entry")
    return access


# -- collaboration (server-spec §6.15): chat, files, assignment, share links ------------------
# Everyone who sees a project (its members, its viewers, admins, managers) reads and posts its
# chat and sees and adds its files; archived projects keep both readable and take nothing new.


def _participant(conn: Connection, actor: Actor, project_id: str, write: bool) -> ProjectAccess:
    access = project(conn, actor, project_id)
    if write and access.archived:
        raise ApiError(409, "project_archived", "the project is archived: nothing new is added")
    return access


def chat(conn: Connection, actor: Actor, project_id: str, *, post: bool = False) -> ProjectAccess:
    """May the caller read (``post``: write to) the project's chat? 404 when hidden."""
    return _participant(conn, actor, project_id, post)


def files(conn: Connection, actor: Actor, project_id: str, *, add: bool = False) -> ProjectAccess:
    """May the caller see (``add``: upload) the project's files? Viewers may add. 404 hidden."""
    return _participant(conn, actor, project_id, add)


def delete_file(conn: Connection, actor: Actor, project_id: str, uploaded_by: str) -> None:
    """A file goes by its uploader or an admin or manager: 404 when the project is hidden,
    403 when the caller sees it but the file is someone else's."""
    project(conn, actor, project_id)
    if not (actor.manages_all or uploaded_by == actor.user_id):
        raise Forbidden("only who uploaded a file, or a manager, may delete it")


def share_links(conn: Connection, actor: Actor, project_id: str) -> ProjectAccess:
    """Create, list and revoke a project's share links: admins and managers (404 hidden, 403
    for the project's members and viewers)."""
    access = project(conn, actor, project_id)
    if not actor.manages_all:
        raise Forbidden("only admins and managers share projects by link")
    return access


def assign_tasks(conn: Connection, actor: Actor, project_id: str) -> ProjectAccess:
    """Assigning a task to someone: admins and managers (403 for members who see the task)."""
    access = project(conn, actor, project_id)
    if not actor.manages_all:
        raise Forbidden("only admins and managers assign tasks")
    return access


def _visible_project_ids(actor: Actor) -> Any:
    return select(project_members.c.project_id).where(project_members.c.user_id == actor.user_id)


def message_scope(actor: Actor) -> ColumnElement[bool]:
    """WHERE clause over ``messages``: the chat messages of every project the caller sees."""
    return true() if actor.manages_all else messages.c.project_id.in_(_visible_project_ids(actor))


def file_scope(actor: Actor) -> ColumnElement[bool]:
    """WHERE clause over ``project_files``: the files of every project the caller sees."""
    if actor.manages_all:
        return true()
    return project_files.c.project_id.in_(_visible_project_ids(actor))


# -- invoices (server-spec §6.10): viewers see issued invoices of granted projects only --------

CLIENT_INVOICE_KINDS = ("invoice", "credit_note")


def invoice_scope(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause on ``invoices``: the client invoices and credit notes the caller sees.

    Admins and managers all of them; viewers the final and void ones whose every project they
    view with ``show_invoices`` (an invoice of no project stays hidden); nobody else any.
    """
    kinds = invoices.c.kind.in_(CLIENT_INVOICE_KINDS)
    if actor.manages_all:
        return kinds
    if actor.role != Role.VIEWER:
        return false()
    lines = invoice_lines.c
    on_invoice = and_(lines.invoice_id == invoices.c.id, lines.project_id.is_not(None))
    return and_(
        kinds,
        invoices.c.status.in_(("final", "void")),
        exists().where(on_invoice),
        ~exists().where(
            on_invoice, lines.project_id.not_in(_viewer_projects(actor, "show_invoices"))
        ),
    )


def team_invoice_scope(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause on ``invoices``: the team invoices (payouts) the caller sees.

    Admins and managers all; a member their own final and void ones; viewers never.
    """
    kind = invoices.c.kind == "team_invoice"
    if actor.manages_all:
        return kind
    if actor.role == Role.VIEWER:
        return false()
    return and_(kind, invoices.c.user_id == actor.user_id, invoices.c.status.in_(("final", "void")))


def invoice(conn: Connection, actor: Actor, invoice_id: str, *, team: bool = False) -> None:
    """One invoice (or, with ``team``, one team invoice): 403 for a role that sees none, 404
    when it is not one the caller may see."""
    require(actor, Action.SEE_TEAM_INVOICES if team else Action.SEE_INVOICES)
    scope = team_invoice_scope(actor) if team else invoice_scope(actor)
    if (
        conn.execute(select(invoices.c.id).where(invoices.c.id == invoice_id, scope)).first()
        is None
    ):
        raise NotFound("team invoice" if team else "invoice")


NOTHING = false()
