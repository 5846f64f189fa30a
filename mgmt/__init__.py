"""Hotline management service: MQTT ingest, store, HTTP API, dashboard, reports."""
