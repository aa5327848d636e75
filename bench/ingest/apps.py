from django.apps import AppConfig


class BenchIngestConfig(AppConfig):
    name = "bench.ingest"
    label = "bench_ingest"
