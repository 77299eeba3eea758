from . import (test_concurrency, test_matching, test_numbers, test_routing, test_settings,
               test_webhook)
