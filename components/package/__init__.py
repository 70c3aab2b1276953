"""The component package for other Pulumi languages: the package schema (from the args'
docstrings), the provider the plugin serves, and the configuration reference written from
the schema.

May import the components and the settings; nothing in the program imports it.
"""
