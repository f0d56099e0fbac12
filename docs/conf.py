"""Sphinx configuration of lifdsl's documentation site: the Markdown pages of docs/ (MyST), the
tutorial notebook (MyST-NB, executed at every build, its figures shown) and an API reference
from the docstrings. Build: sphinx-build -W -b html docs build/docs"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1])
sys.path.insert(0, ROOT)
# the notebook's kernel is another process: it imports this checkout's lifdsl
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH"))
                                           if p)

project = "lifdsl"
author = "lifdsl contributors"
# myst_nb reads plain MyST pages as myst_parser does, and pages with a notebook's front matter
# (jupytext, kernelspec: docs/tutorial.md) as notebooks
extensions = ["myst_nb", "sphinx.ext.autodoc"]
nb_execution_mode = "force"          # every build runs the notebook: its output is never stale
nb_execution_raise_on_error = True   # a cell that raises fails the build
nb_execution_timeout = 600
nb_execution_show_tb = True
root_doc = "site/index"
exclude_patterns = ["_build"]
html_theme = "alabaster"
myst_heading_anchors = 3
autodoc_member_order = "bysource"
autodoc_typehints = "none"
nitpicky = False
