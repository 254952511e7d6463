ingest --device press-9 @SRC@/tests/golden/telemetry.jsonl
