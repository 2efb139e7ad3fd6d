"""Faults a technician (or a scenario) injects: network cuts, power loss, jammed doors.

* **cut-network**: the controller's proxy drops its broker connection and refuses new
  ones; the controller keeps deciding offline and its events wait in its outbox.
* **power-cycle**: SIGKILL of the agent process (nothing flushed, no goodbye: the
  broker sends its last will), then a fresh process after the off time. The doors it
  drives are quiet first (no one mid-passage, and the last event has had time to reach
  the disk: on real hardware an event still in flight when the power goes is lost, and
  that is not what this fault tests); the reader buses stay, as readers have their own
  power in this simulation.
* **jam-door**: the door sticks open (sim/moves.py).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator

from sim.agents import AgentProcess
from sim.errors import SimError
from sim.ledger import Ledger
from sim.moves import Moves
from sim.netcut import NetworkProxies
from sim.site import SiteModel

log = logging.getLogger(__name__)

QUIET_S = 0.5  # after the last move at a controller's doors, before its power goes
READY_TIMEOUT_S = 60.0


class Faults:
    """Fault injection on one running simulation."""

    def __init__(self, site: SiteModel, agents: dict[str, AgentProcess],
                 proxies: NetworkProxies, moves: Moves, ledger: Ledger,
                 ready: Callable[[str], bool], note: Callable[[str], None]) -> None:
        self.site = site
        self.agents = agents
        self.proxies = proxies
        self.moves = moves
        self.ledger = ledger
        self._ready = ready
        self._note = note
        self._off: set[str] = set()
        self._lock = threading.Lock()

    def agent(self, code: str) -> AgentProcess:
        found = self.agents.get(code)
        if found is None:
            raise SimError(f"unknown controller {code!r} (controllers: "
                           f"{', '.join(sorted(self.agents))})")
        return found

    def powered(self, code: str) -> bool:
        """Whether the controller is on and ready (its readers answer a card)."""
        with self._lock:
            if code in self._off:
                return False
        agent = self.agents.get(code)
        return agent is not None and agent.running

    # -- network ---------------------------------------------------------------------------
    def cut_network(self, code: str, seconds: float | None) -> None:
        """Cut the controller off the broker (for ``seconds``, or until restored)."""
        self.agent(code)
        if self.proxies.is_cut(code):
            raise SimError(f"the network of {code} is already cut")
        self.proxies.cut(code)
        self.ledger.outage_begins(code, "network")
        self.ledger.count("network cuts")
        self._note(f"network of {code} cut" + (f" for {seconds:.1f} s" if seconds else ""))
        if seconds:
            self._later(seconds, lambda: self.restore_network(code))

    def restore_network(self, code: str) -> None:
        self.agent(code)
        if not self.proxies.is_cut(code):
            return
        self.proxies.restore(code)
        self.ledger.outage_ends(code, "network")
        self._note(f"network of {code} restored")

    # -- power -----------------------------------------------------------------------------
    def power_cycle(self, code: str, off_seconds: float) -> None:
        """Kill the agent, wait ``off_seconds``, start it again and wait until it is ready."""
        self.power_off(code)
        time.sleep(off_seconds)
        self.power_on(code)

    def power_off(self, code: str) -> None:
        agent = self.agent(code)
        with self._quiet_doors(code):
            with self._lock:
                if code in self._off:
                    raise SimError(f"{code} is already off")
                self._off.add(code)
            agent.power_off()
        self.ledger.outage_begins(code, "power")
        self.ledger.count("power cycles")
        self._note(f"{code} lost power (agent killed)")

    def power_on(self, code: str) -> None:
        """Start the agent again; returns once its readers and hub link work."""
        agent = self.agent(code)
        with self._lock:
            if code not in self._off:
                return
        agent.start()
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not self._ready(code):
            agent.check_alive()
            if time.monotonic() > deadline:
                raise SimError(f"{code} did not come back within {READY_TIMEOUT_S:.0f} s")
            time.sleep(0.1)
        with self._lock:
            self._off.discard(code)
        self.ledger.outage_ends(code, "power")
        self._note(f"{code} powered on again and ready")

    # -- doors -----------------------------------------------------------------------------
    def jam_door(self, name: str, seconds: float) -> None:
        """The door sticks open for ``seconds`` (in the background; returns at once)."""
        door = self.site.door("door", name)
        self._note(f"door {name} jammed open for {seconds:.1f} s")
        threading.Thread(target=self.moves.jam, args=(door, seconds), name="sim-jam",
                         daemon=True).start()

    # -- helpers ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def _quiet_doors(self, code: str) -> Iterator[None]:
        doors = sorted((d for d in self.site.doors.values() if d.controller == code),
                       key=lambda d: d.number)
        locks = [self.moves.door_lock(d) for d in doors]
        for lock in locks:
            lock.acquire()
        try:
            time.sleep(QUIET_S)
            yield
        finally:
            for lock in reversed(locks):
                lock.release()

    def _later(self, seconds: float, action: Callable[[], None]) -> None:
        timer = threading.Timer(seconds, action)
        timer.daemon = True
        timer.start()
