from . import mango_group_call, mango_user_import, mango_user_import_line
