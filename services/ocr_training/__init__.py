"""Building the OCR models: synthetic digits, renderers, training, export.

Never imported by a running service; the worker only loads the exported models.
"""
