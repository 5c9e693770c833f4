"""The handlers of the `archiver` command line, one module per group of commands.

The rule, for every command:

- `archiver/cli.py` holds only the parser (it asks each module here to add its commands) and `main` (logging, and
  turning an ArchiverError into one line on stderr and its exit code). No handler lives in cli.py.
- A command's options and its handler live in `archiver/commands/<group>.py`: `crawl` (crawl), `sites` (sites
  list/show/check), `datasets` (export, verify-export), `integrity` (verify), `retrieval` (history, snapshot,
  reindex), `operations` (schedule, crawls, health, worker), `replay` (replay), `extract` (extract), `importing`
  (import). A new
  command goes into the module of its users' group, or a new module named for the group.
- A handler turns its options into arguments, calls ONE library function that does the work, and prints what it
  returns. Everything else (lookups, diffs, file writes, decisions) belongs to the library under `archiver/`, which
  never prints or exits, so the web app and scripts get the same behaviour as the command line. A handler may check
  option combinations argparse cannot express and raise ConfigError (exit 2) naming the fix.
- Handlers import their library lazily, inside the function, so `archiver --help` and a mistyped option stay fast.
"""
