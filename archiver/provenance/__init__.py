"""The server's own evidence in a capture: the address connected to, its certificate chain, TLS and DNS answer."""
