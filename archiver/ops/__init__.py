"""Operations around the crawl: cron schedules (`schedule`), crawl history from the manifests (`crawls`), per-site
crawl health against each site's own recent history (`health`)."""
