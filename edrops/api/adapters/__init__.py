"""Adapters: each integration format's body in, our input (`EventInput`s, or a `SenderAction`)
out. One module a format: its input serializers, its `Adapter` subclass (base.py says what one
declares), and, when its credential is not a Bearer token, its authentication class.

A new format (OpenADR, say) is one such module and one line in edrops/api/urls.py:

    path("api/v1/integrations/openadr", IngestView.as_view(adapter=OpenAdrAdapter()), ...)

`edrops.api.ingest.IngestView` authenticates, rate-limits, adapts, then ingests or keeps the
rejected message, the same way for every format; `IngestSchema` documents it from the adapter."""
