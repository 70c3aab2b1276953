"""Deploy one stateful app on GKE, configured by this stack's config file under stacks/."""

import pulumi

from components.app import StatefulApp
from components.stack.config import load_args, load_password, load_settings
from components.stack.config_values import PROGRAM_APP as APP

# Earlier versions named the component after `name`: the alias carries their stacks over.

args = load_args()
settings = load_settings(args)
password = load_password(settings)
legacy = [pulumi.Alias(name=settings.name)] if settings.name != APP else []
app = StatefulApp(APP, {**args, "password": password}, pulumi.ResourceOptions(aliases=legacy))
for key, value in app.outputs.items():
    pulumi.export(key, value)
