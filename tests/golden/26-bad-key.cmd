token verify --key not-a-key @SRC@/tests/golden/telemetry.jsonl
