"""Write tests/data/brian2_namespace.json: the names ``from brian2 import *`` gives.

Not run by the test suite: it documents how the list in that file was obtained (Brian2 is not
a dependency of lifdsl). Needs Brian2 2.9 (e.g. in /tmp/b2env), from outside the repository:
    cd /tmp && /tmp/b2env/bin/python /work/main/tests/data/make_brian2_namespace.py OUT.json
"brian2" holds the names bound to Brian2's own objects and modules, "reexported" the rest
(numpy, pylab/matplotlib and the standard-library names the star-import carries along);
"collisions" the Brian2 names that hide a pylab name of the same spelling.
"""

from __future__ import annotations

import json
import sys
import types

import brian2
import matplotlib
import numpy
import pylab

namespace: dict = {}
exec("from brian2 import *", namespace)  # noqa: S102 - the star-import being listed
names = sorted(k for k in namespace if not k.startswith("_"))


def is_brian2(value: object) -> bool:
    """Bound to an object (or module) of Brian2 itself."""
    if isinstance(value, types.ModuleType):
        return value.__name__.startswith("brian2")
    return str(getattr(value, "__module__", "") or "").startswith("brian2")


own = [k for k in names if is_brian2(namespace[k])]
data = {
    "how": "from brian2 import * in Brian2 " + brian2.__version__ + " (numpy "
           + numpy.__version__ + ", matplotlib " + matplotlib.__version__ + ")",
    "brian2": own,
    "reexported": [k for k in names if k not in own],
    "collisions": [k for k in own if hasattr(pylab, k)],
}
with open(sys.argv[1], "w") as f:
    json.dump(data, f, indent=0)
    f.write("\n")
