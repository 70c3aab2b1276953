"""Test-wide settings."""

import logging

# Tests that expect the program to stop (a disk that would shrink) leave the SDK's own
# futures holding that error; asyncio reports them when they are collected. The error
# itself is asserted where it is raised.
logging.getLogger("asyncio").setLevel(logging.CRITICAL)
