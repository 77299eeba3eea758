"""Rows read in plain SQL, put in the ORM's cache as the ORM itself would have read them."""


def column_names(model):
    """The model's stored columns but ``id``, in a fixed order: what ``cached`` takes."""
    return [name for name, field in model._fields.items()
            if field.store and field.column_type and name != "id" and not field.translate]


def cached(model, names, rows):
    """The records of ``rows`` (each ``(id, *values of names)``, as the database answers
    them), their cache replaced by those values."""
    records = model.browse(row[0] for row in rows)
    records.invalidate_recordset(names, flush=False)
    for index, name in enumerate(names, start=1):
        model._fields[name]._insert_cache(records, [row[index] for row in rows])
    return records
