from . import controllers, models, wizards


def uninstall_hook(env):
    """What the addon made in the database outside its tables."""
    env.cr.execute("DROP FUNCTION IF EXISTS pbx_call_match(varchar, integer)")
