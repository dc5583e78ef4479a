"""The analytics dataset (partitioned Parquet), its SQL views and the clearance-time report."""
