"""Analysis layer: KPIs, time series, yearly tables, diagnostics (DataFrame in, DataFrame out)."""
