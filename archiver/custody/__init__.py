"""The custody log: who did what to the archive, when, with which bytes, in a hash chain (docs/custody.md)."""
