"""The pieces of bench/generate.py: table buffers and bulk writers, invented words, the organisations, the cases."""
