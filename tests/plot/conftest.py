"""Force the headless Agg backend before any plotting test imports pyplot."""

import matplotlib

matplotlib.use("Agg")
