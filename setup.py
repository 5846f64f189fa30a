"""Build the ``hotline`` distribution and its Cython DSP kernels.

Every ``dsp_ext/*.pyx`` is compiled; no generated ``.c`` file is checked in.
``HOTLINE_ONLY_EXT=dtmf,g711`` limits an in-place build to those modules (handy
while working on one kernel).
"""

import os
from pathlib import Path

import numpy
from Cython.Build import cythonize
from setuptools import Extension, find_packages, setup

HERE = Path(__file__).parent


def _extensions() -> list[Extension]:
    only = {
        name.strip() for name in os.environ.get("HOTLINE_ONLY_EXT", "").split(",") if name.strip()
    }
    exts = []
    for pyx in sorted((HERE / "dsp_ext").glob("*.pyx")):
        if only and pyx.stem not in only:
            continue
        exts.append(
            Extension(
                f"dsp_ext.{pyx.stem}",
                [str(pyx.relative_to(HERE))],
                include_dirs=[numpy.get_include()],
                define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
                extra_compile_args=["-O3"],
            )
        )
    return exts


setup(
    name="hotline",
    version="0.1.0",
    description="Call-centre appliance for a small office: lines, IVR, queues, operator stations",
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    packages=find_packages(include=["firmware*", "dsp_ext*", "mgmt*"]),
    package_data={
        "dsp_ext": ["*.pxd", "*.pyx"],
        "dsp_ext.data": ["*.toml"],
        "firmware.config": ["example.toml"],
        "firmware.demo": ["office.toml"],
    },
    ext_modules=cythonize(
        _extensions(),
        language_level=3,
        compiler_directives={"boundscheck": False, "wraparound": False, "cdivision": True},
    ),
    install_requires=[
        "numpy>=1.24",
        "pyserial>=3.5",
        "pyserial-asyncio-fast>=0.11",
        "gpiozero>=2.0",
        "sounddevice>=0.4.6",
        "pydantic>=2.6",
    ],
    extras_require={
        # The second headset backend; building it needs portaudio19-dev (apt).
        "pyaudio": ["pyaudio>=0.2.14"],
        # gpiozero's pin library on a Pi 5 (and the best one on a Pi 4).
        "pi": ["lgpio>=0.2"],
        "dev": [
            "pytest>=8",
            "hypothesis>=6.100",
            "ruff==0.17.6",
            "Cython>=3.0",
            "pytest-asyncio>=0.23",
        ],
    },
    entry_points={
        "console_scripts": [
            "hotline=firmware.cli:main",
            "hotline-mgmt=mgmt.cli:main",
        ]
    },
    zip_safe=False,
)
