"""The user guide's and README's Python blocks run as written (each page in one namespace);
the notebook pages' code cells (MyST ``{code-cell}``) too, in order."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
# a Python block, or a code cell of a MyST Markdown notebook (docs/tutorial.md)
BLOCK = re.compile(r"```(?:python|\{code-cell\}[^\n]*)\n(.*?)```", re.S)


# the notebook compiles a kernel per neuron variant on a fresh cache (~45 s here): slow
SLOW_PAGES = {"tutorial.md"}


@pytest.mark.parametrize("page", [pytest.param(p, marks=pytest.mark.slow)
                                  if p.name in SLOW_PAGES else p for p in PAGES],
                         ids=lambda p: p.name)
def test_python_blocks_run(page, request):
    blocks = BLOCK.findall(page.read_text())
    if page.name in ("index.md", "architecture.md"):  # pages without examples
        assert not blocks
        return
    assert blocks, f"{page.name} has no Python example"
    import lifdsl as ld
    from lifdsl.methods import METHODS

    ld.start_scope()
    # a page may register methods (docs/methods.md does): they must not outlive the page, or
    # a later test in this process sees a registry other than the package's
    methods = dict(METHODS)
    request.addfinalizer(lambda: (METHODS.clear(), METHODS.update(methods)))
    ns: dict = {"__name__": f"docs_{page.stem}"}
    for k, code in enumerate(blocks):
        # (a notebook's IPython magics, such as %matplotlib inline, are not Python)
        code = "\n".join(ln for ln in code.splitlines() if not ln.startswith("%"))
        # the documentation is ours: running it is the point of this test
        # a block that raises fails the test, naming the page and the block
        exec(compile(code, f"{page.name}[block {k}]", "exec"), ns)  # noqa: S102
