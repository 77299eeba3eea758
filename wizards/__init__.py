from . import pbx_group_call, pbx_user_import, pbx_user_import_line
