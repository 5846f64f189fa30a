# Voice activity detector: state of one channel (see vad.pyx for the algorithm).

cdef class VoiceActivityDetector:
    cdef readonly int sample_rate
    cdef readonly int frame_len
    cdef readonly int hangover_frames
    cdef readonly int onset_frames
    cdef readonly int startup_frames
    cdef readonly int smooth_frames
    cdef readonly int window_frames
    cdef double margin_db
    cdef double min_level_dbm0
    cdef double rise_db
    cdef double stat_level_var
    cdef double stat_tilt_var

    # Ring buffers, one slot per frame.
    cdef long long[::1] _energies
    cdef double[::1] _levels
    cdef double[::1] _tilts
    cdef double[::1] _smooths

    # The frame being filled.
    cdef long long _acc_energy
    cdef long long _acc_diff
    cdef int _pos
    cdef int _prev

    # Decision state.
    cdef long long _frames
    cdef double _floor
    cdef bint _speaking
    cdef int _run
    cdef int _quiet
    cdef long long _silence_start
    cdef long long _event_start

    cdef int _frame(self, long long energy, long long diff_energy) noexcept
    cdef bint _is_stationary(self) noexcept
    cdef int _decide(self, bint active, long long k) noexcept
