"""Deploy one stateful app on GKE, configured by this stack's config file under stacks/."""

import pulumi

from components.app import StatefulApp
from components.config import load_password, load_settings

settings = load_settings()
password = load_password(settings)
app = StatefulApp(settings.name, settings, password=password)
for key, value in app.outputs.items():
    pulumi.export(key, value)
