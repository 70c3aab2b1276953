"""What a user may set, and its rules: the validated settings of one app (`app_settings`),
the messages its errors read as, the pod rules across containers, the catalogues a value is
checked against (GCE zones, disk types), placement, presets, naming, quantities, passwords
and the config keys of earlier versions.

Pure (pydantic only): imports nothing else of the package; everything else imports it.
"""
