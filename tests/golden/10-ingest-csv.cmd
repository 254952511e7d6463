ingest --format csv --purpose quality-control @SRC@/tests/golden/telemetry.csv
