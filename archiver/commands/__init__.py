"""The `archiver` subcommands beyond the crawl core: each module adds its parsers and thin handlers."""
