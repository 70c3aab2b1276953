"""Entry point of the gke-stateful plugin: `PulumiPlugin.yaml` names this directory as `main`,
so the language host runs it (the repository root's `__main__.py` is the stack program).

The component package lives beside this directory, in `components/`.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from components.package.component_provider import serve

if __name__ == "__main__":
    # The language host runs `python <this directory> <engine address and flags>`.
    serve(sys.argv[1:])
