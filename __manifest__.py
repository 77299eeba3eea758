{
    "name": "Mango Office Telephony",
    "version": "19.0.1.0.0",
    "summary": "Mango Office cloud PBX in Odoo CRM: call log, caller matching, routing, click-to-call",
    "description": """
Cloud PBXs (Mango Office) in Odoo CRM: every call in one call log, matched to its contact and
lead, with its recording; notes and missed-call activities in the chatter; the ringing card
of the salesperson whose phone rings; click-to-call, transfer and hang-up; routing of a known
customer to their salesperson; reconciliation from the PBX's statistics. See README.md.
""",
    "category": "Sales/CRM",
    "author": "mango_office developers",
    "license": "LGPL-3",
    "depends": ["crm", "mail", "phone_validation"],
    "external_dependencies": {"python": ["phonenumbers", "requests"]},
    "uninstall_hook": "uninstall_hook",
    "data": [
        "security/mango_office_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "data/mango_office_templates.xml",
        "views/pbx_call_views.xml",
        "views/pbx_event_views.xml",
        "views/res_users_views.xml",
        "wizards/pbx_group_call_views.xml",
        "views/res_partner_views.xml",
        "views/crm_lead_views.xml",
        "wizards/pbx_user_import_views.xml",
        "views/res_config_settings_views.xml",
        "views/mango_office_menus.xml",
        "views/pbx_line_views.xml",
    ],
    "demo": ["data/mango_office_demo.xml"],
    "assets": {
        "web.assets_backend": ["mango_office/static/src/**/*"],
        "web.assets_tests": ["mango_office/static/tests/tours/**/*"],
        "web.assets_unit_tests": ["mango_office/static/tests/**/*.test.js"],
    },
    "installable": True,
    "application": False,
}
