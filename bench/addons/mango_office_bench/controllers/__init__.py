from . import floors  # bench/webhook: the trivial and limit routes
from . import bus  # bench/card: a bare bus message
