from . import mango
