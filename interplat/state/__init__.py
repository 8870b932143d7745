"""Reflex state: thin adapters from UI events to services."""
