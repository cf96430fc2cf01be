"""callguide's benchmark harness: `python -m benchmarks [--quick]` (or `make bench`).

Measures, side by side in one run, loading the packs, one session's moves, many live
sessions and the same call on peer state-machine libraries; prints a Markdown table and
writes `benchmarks/results/latest.json` and `latest.md`. Not timed unit tests: nothing
here fails a build, the report says which targets are met.
"""
