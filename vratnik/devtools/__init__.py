"""Developer tooling (the test driver); not used at run time."""
