def cron_batch(model, domain, limit, order=None):
    """The first ``limit`` records of ``domain`` for a cron that handles them one at a
    time: yields each, committed once it is handled, while the cron has time left. The
    cron is told how many are left, so that it calls the method again while some are."""
    Cron = model.env["ir.cron"]
    batch = model.search(domain, limit=limit, order=order)
    Cron._commit_progress(remaining=model.search_count(domain) if len(batch) == limit
                          else len(batch))
    for record in batch:
        yield record
        if not Cron._commit_progress(1):
            break
