"""Typed queries, one module per aggregate, each a small class over one transaction (`Tx`) that
returns plain records. Statements are compiled once per dialect; storage never decides: the rules
are in `annobatch.domain`, the order of things in `annobatch.services`. `UnitOfWork` gathers the
groups over one transaction."""
