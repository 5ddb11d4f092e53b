"""The studies a run reports beside its arms, one module each (a `STUDY`); studies/registry.py finds them."""
