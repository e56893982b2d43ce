"""`tracker config list|get|set`: the settings (keys and their checks in tracker/config.py)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .base import Commands, Out

if TYPE_CHECKING:
    from ..service import Tracker


def register(commands: Commands) -> None:
    conf = commands.group("config", "show and change settings", run_config)
    conf.add("list", "list settings")
    p = conf.add("get", "show one setting")
    p.add_argument("key")
    p = conf.add("set", "change one setting")
    p.add_argument("key")
    p.add_argument("value")


def run_config(svc: Tracker, args: argparse.Namespace, out: Out) -> None:
    if args.action == "list":
        values = svc.config_list()
        if out.json:
            out.data(values)
        else:
            for k, v in values.items():
                out.line(f"{k} = {v}")
    elif args.action == "get":
        v = svc.config_get(args.key)
        out.data({"key": args.key, "value": v}) if out.json else out.line(v)
    else:
        v = svc.config_set(args.key, args.value)
        out.data({"key": args.key, "value": v}) if out.json else out.line(f"{args.key} = {v}")
