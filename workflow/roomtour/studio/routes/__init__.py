"""The studio's routers, one per resource."""
