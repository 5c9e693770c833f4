"""Research datasets: selecting article versions from the store and writing them as JSONL, CSV or Parquet."""
