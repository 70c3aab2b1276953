"""Reading a stack as the Pulumi CLI reads it: the YAML rules of `Pulumi.yaml` and the stack
files (yaml.v3's, not PyYAML's), the config values they hold, and the program's own config
through the engine, each turned into the app's validated settings.

May import the settings; the components and the offline tools import it.
"""
