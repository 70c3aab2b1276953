"""What talks to a live cluster: `verify` (a deployed stack against its plan), `preflight`
(is a cluster ready for a stack) and the Redis replication check they share.

May import the settings, the core and the offline renderer; nothing imports it but tests.
"""
