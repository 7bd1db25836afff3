"""``python -m ember`` runs the command line (see :mod:`ember.cli`)."""

import sys

from ember.cli import main

sys.exit(main())
