"""Evidence packages: WACZ files of captures, signed by the archive's key, timestamped, verifiable offline."""
