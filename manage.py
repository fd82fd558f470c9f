#!/usr/bin/env python
"""Django's command-line utility; operators use the `hocbaso` command, which is the same."""

import sys

from hocbaso.cli import main

if __name__ == "__main__":
    sys.exit(main())
