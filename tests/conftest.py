"""Makes the helpers shared by several test folders (``tests/_support``) importable by plain name.

Test folders are not packages (``--import-mode=importlib``) and each is also run alone by the isolation check, which
copies this file and ``tests/_support`` next to the folder it runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

_SUPPORT = str(Path(__file__).resolve().parent / "_support")
if _SUPPORT not in sys.path:
    sys.path.insert(0, _SUPPORT)
