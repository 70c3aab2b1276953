"""Deploy one stateful app on GKE, configured by this stack's config file under stacks/."""

import pulumi

from components.app import StatefulApp
from components.config import load_password, load_settings

# The component's name follows no setting, so no change of config moves a resource to a new
# identity. Earlier versions named it after `name`: the alias carries their stacks over.
APP = "app"

settings = load_settings()
password = load_password(settings)
legacy = [pulumi.Alias(name=settings.name)] if settings.name != APP else []
app = StatefulApp(APP, settings, pulumi.ResourceOptions(aliases=legacy), password=password)
for key, value in app.outputs.items():
    pulumi.export(key, value)
