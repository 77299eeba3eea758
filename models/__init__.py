from . import ir_cron, ir_http, mail_thread_phone, res_company, res_config_settings, res_partner, res_users
from . import res_company_binotel, res_config_settings_binotel
from . import pbx_call, pbx_call_leg, pbx_call_recording
from . import (pbx_call_routing, pbx_call_chatter, pbx_call_tracking, pbx_call_web,
               pbx_call_display, pbx_call_autolead, pbx_call_binotel)
from . import (crm_lead, mail_activity, pbx_event, pbx_extension, mango_forwarding,
               pbx_reconciliation)
from . import pbx_listed, pbx_group, pbx_line
from . import mail_message
