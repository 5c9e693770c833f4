"""The web app (`archiver serve`): search, URL timelines, article versions with diffs and provenance, sandboxed
replay on a separate origin, datasets and the archivists' pages, with a JSON API answering as the CLI does."""
