"""`tweezer` command line: `tweezer serve` runs the whole embedded system in one process."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from tweezer.cli.admin import add_admin_parser

SNIPPET = """\
Connect from Python:

    from tweezer import SDK
    sdk = SDK.from_credentials("{credentials}")
"""


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from tweezer.api.app import create_app
    from tweezer.services.setup import prepare
    from tweezer.settings import Settings

    overrides = {
        key: value
        for key, value in {
            "host": args.host,
            "port": args.port,
            "data_dir": args.data_dir,
            "workers": args.workers,
        }.items()
        if value is not None
    }
    if (args.tls_cert is None) != (args.tls_key is None):
        print("error: give both --tls-cert and --tls-key, or neither.", file=sys.stderr)
        return 2
    tls = args.tls_cert is not None
    settings = Settings(**overrides)
    url = settings.public_url or f"{'https' if tls else 'http'}://{settings.host}:{settings.port}"
    created = prepare(settings, url)
    print(f"Tweezer data in {settings.resolved_data_dir}", flush=True)
    if created is not None:
        print(
            f"First start: made user '{created.username}' and project {created.project_id}; "
            f"token in {settings.credentials_path} (readable by you only).",
            flush=True,
        )
    print(f"Serving on {url} with {settings.workers} worker(s); API docs at {url}/docs", flush=True)
    print(SNIPPET.format(credentials=settings.credentials_path), flush=True)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=args.log_level,
        timeout_graceful_shutdown=5,
        ssl_certfile=str(args.tls_cert) if tls else None,
        ssl_keyfile=str(args.tls_key) if tls else None,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tweezer", description="Tweezer: neutral-atom job cloud.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the API, scheduler and local workers")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8000)")
    serve.add_argument(
        "--data-dir", type=Path, help="database, results, secrets (default ~/.tweezer)"
    )
    serve.add_argument("--workers", type=int, help="worker processes (default: CPU count)")
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    serve.add_argument(
        "--tls-cert", type=Path, help="serve https with this PEM certificate (chain)"
    )
    serve.add_argument("--tls-key", type=Path, help="the PEM private key of --tls-cert")
    serve.set_defaults(handler=_serve)
    add_admin_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
