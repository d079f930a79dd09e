"""The evaluation harness: datasets, metrics, runs, reports and comparisons (`rag eval`)."""
