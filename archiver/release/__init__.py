"""Citable dataset releases: an export with its citation, DataCite record and card, all hashed (docs/evidence.md)."""
