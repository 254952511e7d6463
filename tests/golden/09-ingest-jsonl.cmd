ingest --device press-1 --purpose predictive-maintenance --jurisdiction CN @SRC@/tests/golden/telemetry.jsonl
