"""The headless browser of `tests/browser.py`, for the pages `docs` and `test --coverage-html` write."""

from browser import browser  # noqa: F401  (a fixture: pytest finds it here)
