from . import (test_access, test_chatter, test_concurrency, test_demo, test_fuzz, test_journal, test_matching, test_numbers,
               test_forwarding, test_ordering, test_protocol, test_reconcile, test_routing, test_tracking,
               test_settings, test_user_import, test_web, test_webhook)
from . import test_models, test_views
from . import test_phone_button, test_quiet_retries
from . import test_autolead
from . import test_binotel_protocol, test_binotel_settings, test_binotel_webhook
from . import test_binotel_reconcile, test_binotel_recordings, test_binotel_web
from . import test_binotel_access, test_binotel_chatter
