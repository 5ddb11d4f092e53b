"""Generated knowledge, one domain per module (a `DOMAIN`, and a `GENERATOR` where its conversations are not the
domain's own): data/sources.py finds them, so adding a domain is adding a module here."""
