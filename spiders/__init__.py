"""Scrapy spiders and site profiles of the Libya News Archive."""
