"""Helpers for portable tests (MicroPython has no os.path or pytest)."""


def repo_path(relative):
    """Absolute path of a file given relative to the repository root."""
    here = __file__.replace("\\", "/")
    root = here.rsplit("/tests/portable/", 1)[0]
    return root + "/" + relative


def read_bytes(relative):
    with open(repo_path(relative), "rb") as f:
        return f.read()


def read_text(relative):
    with open(repo_path(relative)) as f:
        return f.read()


def raises(exc_type, func, *args):
    """Call func(*args); return the exception it raised, fail if it raised none or another."""
    try:
        func(*args)
    except exc_type as err:
        return err
    raise AssertionError("expected " + exc_type.__name__)
