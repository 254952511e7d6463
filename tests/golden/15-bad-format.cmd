ingest --format xml @SRC@/tests/golden/telemetry.jsonl
