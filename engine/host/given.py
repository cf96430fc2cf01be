"""A call's input written with sample-data ids: `customer: NB-001` is the customer NB-001 of
the pack's `data/customers.yaml`, `task: T-1` the task of `data/tasks.yaml` (and its customer).

`callguide run --customer/--task`, `--given` files and scenario tests' `given:` all read
ids this way, so a scenario can be written as the simulator is started.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from callguide.host.store import Store
from callguide.problems import UnknownSample, did_you_mean

# The inputs that may be given as an id, and the sample data they are looked up in.
SAMPLE_KINDS = {"task": "tasks", "customer": "customers", "case": "cases", "member": "members"}


def resolve_ids(store: Store, given: Mapping[str, Any]) -> dict[str, Any]:
    """`given` with every id of a sample record replaced by the record; a task given by id
    brings its customer unless one is given too. Raises `UnknownSample`."""
    resolved = dict(given)
    for name, kind in SAMPLE_KINDS.items():
        key = resolved.get(name)
        if isinstance(key, bool) or not isinstance(key, str | int):
            continue
        record = store.get(kind, key)
        if record is None:
            known = [str(item.get("id")) for item in store.all(kind)]
            message = f"no {name} `{key}` in the pack's sample data (data/{kind}.yaml){did_you_mean(str(key), known)}"
            raise UnknownSample(name, message)
        resolved[name] = record
        if name == "task" and "customer" not in resolved and record.get("customer") is not None:
            resolved["customer"] = record["customer"]  # an id: looked up next
    return resolved
