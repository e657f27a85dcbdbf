"""``inboxmine web`` (the admin and API) and ``inboxmine worker`` (a standalone queue consumer)."""

from __future__ import annotations

import typer

from inboxmine.cli.context import app_context, console, err_console, fail


def web(
    ctx: typer.Context,
    host: str = typer.Option(
        None, "--host", help="address to bind (default 127.0.0.1: this machine only)"
    ),
    port: int = typer.Option(None, "--port", min=1, max=65535, help="port (default 8000)"),
    no_worker: bool = typer.Option(
        False,
        "--no-worker",
        help="do not execute queued runs here; run `inboxmine worker` beside it",
    ),
) -> None:
    """Serve the admin at /admin and the JSON API at /api (login required)."""
    try:
        import uvicorn  # noqa: F401

        import inboxmine.web.app  # noqa: F401
    except ImportError as exc:
        fail(
            f"the web admin needs its extras ({exc.name} is missing): pip install 'inboxmine[web]'"
        )
    app_ctx = app_context(ctx)
    serve(app_ctx.settings, app_ctx.engine(), host, port, worker=not no_worker)


def port_in_use(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be bound right now, or None when it can."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        return str(exc)
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            return exc.strerror or str(exc)
    return None


def serve(settings, engine, host: str | None = None, port: int | None = None, worker: bool = True):
    """Serve the admin until Ctrl-C, printing its address and the login password.

    Shared by ``inboxmine web`` and ``inboxmine demo`` (which ends by serving the demo data).
    """
    import uvicorn

    from inboxmine.web.app import create_app

    host = host or settings.web.host
    port = port or settings.web.port
    busy = port_in_use(host, port)
    if busy:
        fail(
            f"cannot serve on {host}:{port} ({busy}): another program (an inboxmine web "
            "already running?) uses it - stop it, or choose another port with --port"
        )
    app = create_app(settings, engine, queue_mode="threads" if worker else "enqueue")
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    console.print(
        f"inboxmine admin: http://{shown_host}:{port}/admin/", markup=False, highlight=False
    )
    if app.state.generated_password:
        console.print(
            f"login password (generated; set INBOXMINE_ADMIN_PASSWORD to choose one): "
            f"{app.state.generated_password}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    else:
        console.print(
            "login password: the one in INBOXMINE_ADMIN_PASSWORD (or admin_password in the config)",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if host not in ("127.0.0.1", "localhost", "::1"):
        err_console.print(
            f"warning: listening on {host}: other machines can reach the admin "
            "(it still requires the password)",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    uvicorn.run(app, host=host, port=port, log_level="warning")


def serve_admin(app_ctx, host: str | None = None, port: int | None = None, settings=None) -> None:
    """Serve the admin for a command's context (``inboxmine demo`` ends with this)."""
    try:
        import uvicorn  # noqa: F401
    except ImportError:
        err_console.print(
            "the web admin needs its extras: pip install 'inboxmine[web]'", markup=False
        )
        return
    serve(settings or app_ctx.settings, app_ctx.engine(), host, port)


def worker(
    ctx: typer.Context,
    workers: int = typer.Option(
        None,
        "--workers",
        min=1,
        max=64,
        help="runs executed at once (default web.queue_workers); processes on a shared queue",
    ),
) -> None:
    """Execute queued runs (from the web, or `inboxmine run --queue`); Ctrl-C stops.

    With queue.url = redis://... any number of workers, on any machine that
    reaches Redis and the database, share each run's batches.
    """
    from inboxmine.web.queue import QueueUnavailable, TaskQueue

    app_ctx = app_context(ctx)
    try:
        queue = TaskQueue(app_ctx.settings, app_ctx.engine(), mode="threads")
        queue.check()
    except QueueUnavailable as exc:
        fail(str(exc))
    console.print(f"inboxmine worker: consuming {queue.where}", markup=False, highlight=False)
    queue.run_forever(workers)


def register(app: typer.Typer) -> None:
    app.command("web")(web)
    app.command("worker")(worker)
