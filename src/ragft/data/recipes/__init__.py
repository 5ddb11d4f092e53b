"""Fine-tuning recipes for documents: what a fine-tune of a `--docs` run trains on, made from the chunks (one module
per recipe defining `RECIPE`; recipe.py is the registry)."""
