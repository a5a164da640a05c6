"""Known wrong answers: implementations of common mistakes (``variants``) and
the catalogue that names them (``catalogue``). A failing test whose output
matches a variant is reported with that mistake's name and explanation."""
