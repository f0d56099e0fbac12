"""Sphinx configuration of lifdsl's documentation site: the Markdown pages of docs/ (MyST) and
an API reference from the docstrings. Build: sphinx-build -W -b html docs docs/_build/html"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

project = "lifdsl"
author = "lifdsl contributors"
extensions = ["myst_parser", "sphinx.ext.autodoc"]
source_suffix = {".md": "markdown"}
root_doc = "site/index"
exclude_patterns = ["_build"]
html_theme = "alabaster"
myst_heading_anchors = 3
autodoc_member_order = "bysource"
autodoc_typehints = "none"
nitpicky = False
