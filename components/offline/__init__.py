"""Seeing a stack without a cloud: the renderer (the program under the mock engine, or the
pure core alone with `--manifests-only`), the plan of every resource, the change preview
against an earlier plan or state (`--previous`) and the gate on a real preview
(`--check-preview`).

May import the components, the stack reading, the settings and the core; only the live
checks and tests import it.
"""
