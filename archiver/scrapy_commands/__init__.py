"""Scrapy commands of this project (`COMMANDS_MODULE`): what a Scrapy user types in the repository folder."""
