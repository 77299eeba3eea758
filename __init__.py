from . import controllers, models, wizards


def uninstall_hook(env):
    """What the addon made in the database outside its tables."""
    for function in ("pbx_call_match", "pbx_call_leg_merge", "pbx_call_lock"):
        env.cr.execute(f"DROP FUNCTION IF EXISTS {function}")
