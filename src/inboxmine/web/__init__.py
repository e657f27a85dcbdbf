"""The web admin (``/admin``) and the JSON API (``/api``); see :func:`inboxmine.web.app.create_app`."""
