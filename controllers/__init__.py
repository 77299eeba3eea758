from . import binotel, mango
