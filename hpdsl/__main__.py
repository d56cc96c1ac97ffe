"""`python -m hpdsl`: the same command line as the `hpdsl` script."""

from __future__ import annotations

import sys

from .cli import main

sys.exit(main())
