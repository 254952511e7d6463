ingest --class secret @SRC@/tests/golden/telemetry.jsonl
