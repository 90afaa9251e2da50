"""roomtour studio: a web page where an agent turns a listing's photos into every video it needs.

``roomtour studio`` (:mod:`roomtour.cli.web`) serves :func:`.app.create_app`: FastAPI routers
by resource (:mod:`.routes`), SQLite in WAL mode and server-named files under one data folder
(:mod:`.store`), uploads checked by content (:mod:`.uploads`), renders run by worker threads
as ``roomtour tour`` processes (:mod:`.jobs`), tokens, session cookies and CSRF checks
(:mod:`.security`).  See docs/studio.md.
"""
