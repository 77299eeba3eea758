from . import mango_user_import, mango_user_import_line
