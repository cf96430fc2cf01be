"""Tests of the analyst's workbench: fmt, the simulator, test reports, editors, the docs site."""
