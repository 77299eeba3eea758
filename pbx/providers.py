"""Which package speaks for each PBX a company may choose (``res.company.pbx_provider``).

A provider is what the call log needs of a PBX's package on the inbound side:

* ``parse(path, raw_json)``: a journaled notification as a neutral event (``pbx.events``);
  raises the package's ``ValueError`` (with ``entry_ref`` when it could be read) for one
  whose values cannot be applied;
* ``describe(code)``: one of its result or disconnect codes in English words, marked for
  translation (the Odoo side translates them when it shows them);
* ``client_class``: its ``pbx.client.PbxClient``, for what the client says without a
  request (its result codes, its statistics window); the company's settings build one
  (``res.company._pbx_client``).
"""
from collections import namedtuple

from ..binotel import BinotelClient
from ..binotel import neutral as binotel
from ..mango import MangoClient
from ..mango import neutral as mango

Provider = namedtuple("Provider", "parse describe client_class")

PROVIDERS = {
    "mango": Provider(parse=mango.parse, describe=mango.describe, client_class=MangoClient),
    "binotel": Provider(parse=binotel.parse, describe=binotel.describe,
                        client_class=BinotelClient),
}


def provider(name):
    """The provider of this name; KeyError for a PBX no package speaks for."""
    return PROVIDERS[name]
