"""Writes for the cases app. Every function is keyword-only, atomic and takes the acting user."""
