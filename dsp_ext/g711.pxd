# cython: language_level=3
"""Per-sample ITU-T G.711 coders, ``cdef inline`` so any kernel can cimport them.

The arithmetic is the classic public-domain CCITT/Sun formulation (the one CPython's
``audioop`` uses): µ-law works on the top 14 bits of a 16-bit sample, A-law on the
top 13 bits; both keep the G.711 segment (chord) tables and bit inversions.
"""

from libc.stdint cimport int16_t, uint8_t

# µ-law: magnitudes above this (14-bit scale) are clipped; 0x21 is the bias (0x84 >> 2).
cdef enum:
    ULAW_CLIP_14 = 8159
    ULAW_BIAS_14 = 0x21
    ULAW_BIAS_16 = 0x84
    ALAW_EVEN_BITS = 0x55


cdef inline int _bit_length(int v) noexcept nogil:
    cdef int n = 0
    while v:
        n += 1
        v >>= 1
    return n


cdef inline uint8_t linear_to_ulaw(int16_t sample) noexcept nogil:
    """One int16 sample to a µ-law code (all bits inverted, as G.711 sends it)."""
    cdef int pcm = sample >> 2  # 14-bit two's complement
    cdef int mask, seg
    if pcm < 0:
        pcm = -pcm
        mask = 0x7F  # sign bit 0 after inversion
    else:
        mask = 0xFF
    if pcm > ULAW_CLIP_14:
        pcm = ULAW_CLIP_14
    pcm += ULAW_BIAS_14
    seg = _bit_length(pcm >> 6)  # segment ends 0x3F, 0x7F, ... 0x1FFF
    if seg >= 8:
        return <uint8_t>(0x7F ^ mask)
    return <uint8_t>(((seg << 4) | ((pcm >> (seg + 1)) & 0x0F)) ^ mask)


cdef inline int16_t ulaw_to_linear(uint8_t code) noexcept nogil:
    """One µ-law code to its G.711 decoder output value in 16-bit PCM (max 32124)."""
    cdef int u = (~code) & 0xFF
    cdef int t = ((u & 0x0F) << 3) + ULAW_BIAS_16
    t <<= (u & 0x70) >> 4
    if u & 0x80:
        return <int16_t>(ULAW_BIAS_16 - t)
    return <int16_t>(t - ULAW_BIAS_16)


cdef inline uint8_t linear_to_alaw(int16_t sample) noexcept nogil:
    """One int16 sample to an A-law code (even bits inverted with 0x55)."""
    cdef int pcm = sample >> 3  # 13-bit two's complement
    cdef int mask, seg, aval
    if pcm >= 0:
        mask = 0x80 | ALAW_EVEN_BITS  # sign bit 1 for positive
    else:
        mask = ALAW_EVEN_BITS
        pcm = -pcm - 1  # one's complement: negative half mirrors about -1/2
    seg = _bit_length(pcm >> 5)  # segment ends 0x1F, 0x3F, ... 0xFFF
    if seg >= 8:
        return <uint8_t>(0x7F ^ mask)
    aval = seg << 4
    if seg < 2:
        aval |= (pcm >> 1) & 0x0F
    else:
        aval |= (pcm >> seg) & 0x0F
    return <uint8_t>(aval ^ mask)


cdef inline int16_t alaw_to_linear(uint8_t code) noexcept nogil:
    """One A-law code to its G.711 decoder output value in 16-bit PCM (max 32256)."""
    cdef int a = code ^ ALAW_EVEN_BITS
    cdef int t = (a & 0x0F) << 4
    cdef int seg = (a & 0x70) >> 4
    if seg == 0:
        t += 8
    else:
        t += 0x108
        if seg > 1:
            t <<= seg - 1
    if a & 0x80:
        return <int16_t>t
    return <int16_t>(-t)
