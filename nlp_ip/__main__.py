from __future__ import annotations

import sys

from nlp_ip.cli import main

sys.exit(main())
