#!/usr/bin/env python
"""Django's manage.py; `peerway` (the installed console command) does the same."""

from peerway.cli import main

if __name__ == "__main__":
    main()
