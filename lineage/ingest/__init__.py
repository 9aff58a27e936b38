"""Readers of lineage sources (query logs, dbt manifests, OpenLineage events).

They turn a producer's format into plain data; ``lineage.services`` resolves names
against the catalog and records edges.
"""
