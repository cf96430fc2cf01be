"""The `callguide` command line: the analyst's workbench (click)."""
