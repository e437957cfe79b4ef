"""``python -m hdkit``: the ``hdkit`` command."""

import sys

from hdkit.cli import main

sys.exit(main())
