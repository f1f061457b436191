"""The outage engine."""
