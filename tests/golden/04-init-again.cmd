init --origin golden.waybill.example/site
