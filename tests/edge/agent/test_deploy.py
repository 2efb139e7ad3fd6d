"""deploy/vratnik-edge.service says what the agent's shutdown and hardening rely on."""

from __future__ import annotations

import shlex
from pathlib import Path

from edge.agent.service import STOP_TIMEOUT_S

UNIT = Path(__file__).resolve().parents[3] / "deploy" / "vratnik-edge.service"


def settings() -> dict[str, list[str]]:
    """``key -> values`` of the [Service] section (a key may repeat)."""
    out: dict[str, list[str]] = {}
    section = ""
    for raw in UNIT.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line
            continue
        if section == "[Service]":
            key, value = line.split("=", 1)
            out.setdefault(key, []).append(value)
    return out


def test_unit_runs_the_agent_as_a_notify_service_that_stops_on_sigterm() -> None:
    unit = settings()
    assert unit["Type"] == ["notify"] and unit["NotifyAccess"] == ["main"]
    command = shlex.split(unit["ExecStart"][0])
    assert command[1:] == ["edge", "run", "--config", "/etc/vratnik-edge/edge.toml"]
    assert shlex.split(unit["ExecStartPre"][0])[1:3] == ["edge", "check-config"]
    assert unit["Restart"] == ["on-failure"]
    assert unit["KillSignal"] == ["SIGTERM"] and unit["KillMode"] == ["mixed"]
    # systemd must not kill the agent while it is still storing events
    assert float(unit["TimeoutStopSec"][0]) > STOP_TIMEOUT_S


def test_unit_confines_the_agent_to_its_data() -> None:
    unit = settings()
    assert unit["User"] == ["vratnik-edge"] and unit["Group"] == ["vratnik-edge"]
    assert unit["ProtectSystem"] == ["strict"] and unit["NoNewPrivileges"] == ["yes"]
    assert unit["StateDirectory"] == ["vratnik-edge"]
    writable = unit["ReadWritePaths"][0].split()
    assert "/var/lib/vratnik-edge" in writable  # the example config's data_dir
    example = (UNIT.parent / "edge.example.toml").read_text(encoding="utf-8")
    assert 'data_dir = "/var/lib/vratnik-edge"' in example
    assert "PrivateDevices" not in unit  # GPIO, serial and camera devices stay reachable
    assert unit["CapabilityBoundingSet"] == [""]
