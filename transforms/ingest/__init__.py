"""Ingest: the inbox's folders, file readers, profiles, and mapping source rows onto canonical columns.

A trader's folder in, :class:`~transforms.model.inputs.TraderInput` tables and per-file reports out.
"""
