ingest --purpose quality-assurance @SRC@/tests/golden/telemetry.csv
