"""``vratnik edge``: inspect and exercise an edge agent's store from the command line.

Technicians use these on a controller (or next to the simulator) to see which list is
active and to ask the decision core what it would answer, without a reader attached.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import click

from edge.core import reasons
from edge.core.decide import HORIZON_DENY, HORIZON_IGNORE_SCHEDULE, decide
from edge.store.listfile import ListStore
from protocols import cardtext
from protocols.portable.accesslist import decode_snapshot
from protocols.portable.errors import ProtocolError

STORE_OPTION = click.option(
    "--store",
    "store_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("var/edge"),
    show_default=True,
    help="The agent's data directory (compiled list and outbox).",
)


@click.group(help="Run and inspect the edge agent of a door controller.")
def edge() -> None:
    """The ``vratnik edge`` group."""


def _parse_instant(text: str | None) -> int:
    if text is None:
        return int(time.time())
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as err:
        raise click.BadParameter(
            f"{text!r} is neither unix seconds nor an ISO 8601 time (2026-03-01T08:30+01:00)"
        ) from err
    if moment.tzinfo is None:
        raise click.BadParameter(f"{text!r} has no UTC offset; write e.g. 2026-03-01T08:30+01:00")
    return int(moment.timestamp())


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


@edge.command("install-list", help="Install a compiled snapshot file (CBOR) as the current list.")
@click.argument("snapshot", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@STORE_OPTION
def install_list(snapshot: Path, store_dir: Path) -> None:
    data = snapshot.read_bytes()
    try:
        compiled = decode_snapshot(data)
    except ProtocolError as err:
        raise click.ClickException(f"{snapshot} is not a valid compiled list: {err}") from err
    store_dir.mkdir(parents=True, exist_ok=True)
    digest = ListStore(store_dir).save(data, compiled.version)
    click.echo(
        f"installed list version {compiled.version} ({len(data)} bytes, {digest.hex()[:16]})"
    )


@edge.command("list-info", help="Show the active compiled list and any problem with the files.")
@STORE_OPTION
def list_info(store_dir: Path) -> None:
    loaded = ListStore(store_dir).load_access_list()
    click.echo(f"status: {loaded.status.level}: {loaded.status.message}")
    compiled = loaded.value
    if compiled is None:
        raise click.ClickException("no usable compiled list")
    compiled.compact()
    click.echo(f"site {compiled.site}, controller {compiled.controller}")
    click.echo(f"version {compiled.version}")
    click.echo(f"horizon {_iso(compiled.horizon_start)} .. {_iso(compiled.horizon_end)}")
    click.echo(
        f"{len(compiled.keys)} cards, {len(compiled.profiles)} profiles, "
        f"{len(compiled.schedules)} schedules, readers {sorted(compiled.readers)}"
    )


@edge.command("decide", help="Ask the offline decision core whether a card opens a reader.")
@click.option("--card", required=True, help="The credential, e.g. H10301:12:3456 or RAW32:0x1234.")
@click.option("--reader", required=True, type=int, help="Reader id on this controller.")
@click.option("--at", "at", default=None, help="When: unix seconds or ISO 8601 with offset (now).")
@click.option("--pin", default=None, help="PIN digits, for card + PIN readers.")
@click.option(
    "--after-horizon",
    type=click.Choice(["deny", "ignore-schedule"]),
    default="deny",
    show_default=True,
    help="What a list past its horizon does.",
)
@STORE_OPTION
def decide_cmd(
    card: str, reader: int, at: str | None, pin: str | None, after_horizon: str, store_dir: Path
) -> None:
    try:
        key = cardtext.parse(card)
    except ProtocolError as err:
        raise click.BadParameter(str(err), param_hint="--card") from err
    now = _parse_instant(at)
    loaded = ListStore(store_dir).load_access_list()
    if loaded.value is None:
        raise click.ClickException(f"no usable compiled list: {loaded.status.message}")
    policy = HORIZON_IGNORE_SCHEDULE if after_horizon == "ignore-schedule" else HORIZON_DENY
    code = decide(key, reader, loaded.value, now, pin, after_horizon=policy)
    verdict = "GRANT" if reasons.granted(code) else "DENY"
    click.echo(f"{verdict} ({reasons.name(code)}) card {cardtext.to_text(key)} reader {reader} "
               f"at {_iso(now)}")



from edge.agent.cli import check_config_cmd, run_cmd  # noqa: E402 - the agent's commands

edge.add_command(run_cmd)
edge.add_command(check_config_cmd)
