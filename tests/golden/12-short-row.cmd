ingest --format csv @SRC@/tests/golden/short-row.csv
