"""The live explorer for teaching (`tariffsim explore`): a local web page over the same engine.

Needs the optional extra `tariffsim[explore]` (Shiny for Python); nothing else in the package imports it.
"""
