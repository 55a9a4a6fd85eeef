"""`chalice local` with the local gateway answering as the deployed one (local/gateway.py).

Run as `python -m local.chalice_local local --port 8000 ...`: the arguments are
Chalice's own command line.
"""

from __future__ import annotations

import sys


def main() -> int:
    from chalice.cli import main as chalice_main

    from local.gateway import install

    install()
    status: int = chalice_main()
    return status


if __name__ == "__main__":
    sys.exit(main())
