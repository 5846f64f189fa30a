"""The appliance's configuration: one TOML file, validated section by section.

``load_config(path)`` gives a :class:`Config` or raises :class:`ConfigError` with
every problem (``key.path: 'value' is not … (expected …)``). One module per section;
``docs/config.md`` describes every key, ``example.toml`` is the config the demo runs.
"""

from pathlib import Path

from .errors import ConfigError, Problem
from .lines import LINE_KINDS
from .loader import load_config, parse_config
from .model import Config
from .queues import STRATEGIES
from .reload import RESTART_SECTIONS, diff_for_reload, needs_restart

#: The annotated example config shipped with the package.
EXAMPLE = Path(__file__).with_name("example.toml")

__all__ = [
    "EXAMPLE",
    "LINE_KINDS",
    "RESTART_SECTIONS",
    "STRATEGIES",
    "Config",
    "ConfigError",
    "Problem",
    "diff_for_reload",
    "load_config",
    "needs_restart",
    "parse_config",
]
