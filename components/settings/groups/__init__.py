"""The groups of the settings, one module each, grouped exactly as the inputs are."""
