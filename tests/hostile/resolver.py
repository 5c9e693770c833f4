"""A Scrapy DNS resolver for tests (`--set DNS_RESOLVER=tests.hostile.resolver.MappedResolver`): names listed in
$HOSTILE_DNS_MAP ("name=ip,name=ip") resolve to those addresses, as a public name under DNS rebinding would."""

from __future__ import annotations

import os
from collections.abc import Sequence

from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer
from twisted.internet.defer import Deferred


class MappedResolver(CachingThreadedResolver):
    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:  # noqa: N802 - Twisted's
        mapping = dict(pair.split("=", 1) for pair in os.environ.get("HOSTILE_DNS_MAP", "").split(",") if "=" in pair)
        if name in mapping:
            return defer.succeed(mapping[name])
        return super().getHostByName(name, timeout)
