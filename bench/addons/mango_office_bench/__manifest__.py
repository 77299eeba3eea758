{
    "name": "Mango Office benchmarks",
    "summary": "The floors bench/ measures the webhooks against: never install it in production",
    "version": "19.0.1.0.0",
    "category": "Hidden",
    "author": "mango_office developers",
    "license": "LGPL-3",
    "depends": ["mango_office"],
    "installable": True,
    "auto_install": False,
}
