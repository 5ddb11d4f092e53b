"""The contexts an arm can answer in, one module each (a `CONTEXT`): evaluate/context.py finds them."""
