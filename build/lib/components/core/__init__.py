"""The pure core: every object the app deploys, computed as plain data from its settings.

Nothing here imports Pulumi or waits on an Output, so names, zones and volume handles are
known strings and `pulumi preview` shows every value.
"""
