"""The compiler's exceptions.

``RulesError`` is raised when the input model itself is unusable (a row naming an access
point that does not exist, a cycle in the group tree, an interval outside a day): the
loader or the API must not hand such rules to the compiler. Conflicts that still have a
well-defined meaning (a policy on a group and its member, a badge whose validity misses
its policy) are not exceptions: :mod:`hub.compiler.validate` reports them.
"""

from hub.errors import HubError


class CompilerError(HubError):
    """Base of every error raised by hub.compiler."""


class RulesError(CompilerError):
    """The site's rules are inconsistent; the message names the entity and the field."""
