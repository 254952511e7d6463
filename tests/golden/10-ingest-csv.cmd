ingest --format csv --purpose quality-assurance @SRC@/tests/golden/telemetry.csv
