from . import ir_http, mail_thread_phone, res_company, res_config_settings, res_partner, res_users
from . import (mango_call_chatter, mango_call_routing, mango_call_tracking, mango_call_web,
               mango_call, mango_call_leg, mango_call_recording)
from . import mango_call_display
from . import (crm_lead, mail_activity, mango_event, mango_extension, mango_forwarding,
               mango_reconciliation)
from . import mango_pbx_listed, mango_pbx_group, mango_pbx_line
from . import mail_message
from . import mango_call_autolead
