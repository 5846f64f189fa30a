"""Plain NumPy references of every ``dsp_ext`` kernel.

Slow and obvious on purpose: tests hold each Cython kernel against its reference.
One module per kernel; import them from here.
"""
