ingest @SRC@/tests/golden/bad.jsonl
