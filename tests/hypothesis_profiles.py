"""Hypothesis profiles, loaded by `tests/conftest.py` and by the hostile tests' child processes.

`ci`, the default: the same examples on every run (`derandomize`), no deadline (CI runs on two
busy cores; how fast is for benchmarks/), no example database between runs: a property test
cannot pass on one run and fail on the next with nothing changed.
`fuzz` (`make fuzz`, or HYPOTHESIS_PROFILE=fuzz): new random examples on every run, to find
what the fixed ones miss; a failure prints the `@reproduce_failure` blob to add as a test.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, database=None, print_blob=True)
settings.register_profile("fuzz", derandomize=False, deadline=None, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
