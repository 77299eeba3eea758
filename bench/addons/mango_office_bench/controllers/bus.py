"""A bare bus message for bench/card (to be written)."""
