"""Hotline's DSP core: Cython kernels over 16-bit PCM, each with a NumPy reference.

Kernels keep their own per-channel state and know nothing about calls.
"""
