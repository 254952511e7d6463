ingest --purpose predictive-maintainance @SRC@/tests/golden/telemetry.jsonl
