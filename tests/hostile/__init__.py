"""The hostile-input corpus: every class of attack on callguide, each run in a child
process with a memory and CPU limit (`isolation.py`), so that a regression fails a test
instead of taking CI down."""
