"""Rendering with ReportLab: models in, PDF bytes out. Never reads or writes user paths."""
