"""The simulator's one exception family.

Everything ``sim/`` raises on purpose derives from :class:`SimError`; errors of the hub,
the edge and the OS are translated once, where the simulator calls them.
"""


class SimError(Exception):
    """Base of every error raised on purpose by sim/."""


class ScenarioError(SimError):
    """A scenario file that cannot run; the message starts with the bad key's path."""


class ControlError(SimError):
    """A technician's command the running simulator refused or could not be reached for."""


class AgentError(SimError):
    """A controller's agent process could not be configured, started or stopped."""
