from . import test_concurrency, test_protocol, test_settings, test_webhook
