"""The trivial route and the limit route of bench/webhook (to be written)."""
