"""Test-wide set-up: the Hypothesis profile (deterministic unless HYPOTHESIS_PROFILE says so)."""

import hypothesis_profiles  # noqa: F401  (registers and loads the profile)
