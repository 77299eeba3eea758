from . import (test_concurrency, test_matching, test_numbers, test_protocol, test_routing,
               test_settings, test_user_import, test_webhook)
