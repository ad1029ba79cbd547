"""``python -m pvt_lint.docs``: regenerate the generated docs (see `write`)."""

import sys

from .write import main

sys.exit(main())
