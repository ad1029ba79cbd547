"""The project stage: see the whole project, not one file.

``layout`` names the project's modules; ``stage`` joins the per-module summaries
(``pvt_lint.model.summary``) into project facts (``pvt_lint.model.project_facts``). This package
belongs to the runner layer: it reads the model's plain data and never judges code.
"""
