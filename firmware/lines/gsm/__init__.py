"""GSM voice modems: the 3GPP TS 27.007 driver and the vendor dialects it knows.

``GsmLine`` is the driver; importing this package registers every dialect
(``generic``, ``huawei``) so detection and ``dialect="…"`` overrides find them.
"""

from . import huawei  # noqa: F401  (registers the dialect)
from .core import GsmLine
from .dialect import Dialect, by_name, detect, names, register
from .quectel import Quectel  # noqa: F401  (registers the dialect)
from .simcom import Sim800, Sim7600  # noqa: F401  (registers the dialects)

__all__ = ["Dialect", "GsmLine", "by_name", "detect", "names", "register"]
