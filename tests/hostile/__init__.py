"""A hostile web server on loopback (raw sockets): gzip bombs, endless headers, malformed HTTP, poison links,
10,000-link pages, 1,000-deep JSON-LD and HTML deeper than libxml2's limit. See `server.py`."""
