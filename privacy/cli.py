"""``flask privacy ...``: key rotation and access-log verification.

Rotation, step by step (README has the full procedure)::

    flask privacy keys add k2        # new key, not yet used; reload every worker
    flask privacy keys promote k2    # new values use k2; reload every worker
    flask privacy keys rotate        # re-encrypt old values in batches, service stays up
    flask privacy keys report        # how many ciphertexts each key id still holds
    flask privacy keys retire k1     # refused while anything still uses k1

The ring lives in the key file (``HOTLINE_KEY_FILE``, or ``instance/dev-keys.json`` in
development). When it comes from ``HOTLINE_KEYS`` instead, ``add`` and ``promote`` print the
new document for the operator to store; nothing is written. A running worker keeps the ring
it loaded at start, which is why each step that changes the ring needs a reload.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from privacy import accesslog, checkpoint, rotation
from privacy.keyring import KeyRing, KeyRingError
from privacy.runtime import runtime

privacy_cli = AppGroup("privacy", help="Field keys and the access log.")
keys_cli = AppGroup("keys", help="Add, promote, rotate, report and retire field keys.")
log_cli = AppGroup("log", help="Verify the access log and export signed checkpoints.")
privacy_cli.add_command(keys_cli)
privacy_cli.add_command(log_cli)


def _session():
    return current_app.extensions["sqlalchemy"].session


def _store(ring: KeyRing) -> None:
    """Persist a changed ring where it came from, and use it in this process."""
    cfg = current_app.config
    if cfg.get("HOTLINE_KEYS"):
        click.echo(json.dumps(ring.to_document(), indent=2))
        click.echo(
            "HOTLINE_KEYS is set, so nothing was written: store the document above as the "
            "new value of HOTLINE_KEYS (it holds secrets).",
            err=True,
        )
    else:
        path = cfg.get("HOTLINE_KEY_FILE")
        if not path:
            if cfg["HOTLINE_ENV"] == "production":
                raise click.ClickException("production needs HOTLINE_KEY_FILE to change keys")
            path = Path(current_app.instance_path) / "dev-keys.json"
        ring.save_file(path)
        click.echo(f"key ring written to {path}")
    runtime().replace_ring(ring)


def _describe_ring(ring: KeyRing) -> str:
    parts = []
    for key_id in sorted(ring.keys):
        tags = [ring.keys[key_id].state]
        if key_id == ring.primary_id:
            tags.append("primary")
        if key_id == ring.index_key_id:
            tags.append("index anchor")
        if key_id == ring.log_key_id:
            tags.append("log anchor")
        parts.append(f"{key_id} ({', '.join(tags)})")
    return "keys: " + "; ".join(parts)


def _next_key_id(ring: KeyRing) -> str:
    n = len(ring.keys) + 1
    while f"k{n}" in ring.keys:
        n += 1
    return f"k{n}"


@keys_cli.command("add")
@click.argument("key_id", required=False)
def add_command(key_id: str | None) -> None:
    """Add a new random key (active, not primary)."""
    ring = runtime().ring
    key_id = key_id or _next_key_id(ring)
    try:
        ring = ring.with_new_key(key_id)
    except KeyRingError as exc:
        raise click.ClickException(str(exc)) from exc
    _store(ring)
    click.echo(
        f"added {key_id}. Reload every worker now, so that all of them can decrypt {key_id} "
        f"before it is promoted; then run `flask privacy keys promote {key_id}`."
    )


@keys_cli.command("promote")
@click.argument("key_id")
def promote_command(key_id: str) -> None:
    """Make KEY_ID the primary: new ciphertexts use it."""
    try:
        ring = runtime().ring.with_primary(key_id)
    except KeyRingError as exc:
        raise click.ClickException(str(exc)) from exc
    _store(ring)
    click.echo(
        f"{key_id} is primary. Reload every worker (old and new keys both stay active, so "
        "either ring decrypts everything), then run `flask privacy keys rotate`."
    )


@keys_cli.command("rotate")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--progress/--no-progress", default=True)
def rotate_command(batch_size: int, progress: bool) -> None:
    """Re-encrypt every field ciphertext under the primary key, batch by batch."""
    rt = runtime()
    click.echo(f"re-encrypting under {rt.ring.primary_id} ({rt.cipher_algorithm})")
    stats = rotation.rotate(_session(), rt.cipher, batch_size=batch_size, progress=progress)
    click.echo(
        f"rows examined: {stats.rows_seen}; ciphertexts re-encrypted: {stats.resealed}; "
        f"rows changed meanwhile (run again): {stats.skipped_changed}"
    )
    _print_report()


def _print_report() -> None:
    report = rotation.key_report(_session())
    ring = runtime().ring
    click.echo(_describe_ring(ring))
    for name, counts in report.items():
        listed = ", ".join(f"{k}={n}" for k, n in sorted(counts.items())) or "empty"
        click.echo(f"  {name}: {listed}")
    totals = rotation.totals_by_key(report)
    click.echo(
        "total: " + (", ".join(f"{k}={n}" for k, n in sorted(totals.items())) or "no ciphertexts")
    )


@keys_cli.command("report")
def report_command() -> None:
    """How many ciphertexts each key id holds, per table and column."""
    _print_report()


@keys_cli.command("retire")
@click.argument("key_id")
def retire_command(key_id: str) -> None:
    """Retire KEY_ID for fields; refused while any ciphertext still uses it."""
    in_use = rotation.totals_by_key(rotation.key_report(_session())).get(key_id, 0)
    if in_use:
        raise click.ClickException(
            f"{key_id} still encrypts {in_use} values; run `flask privacy keys rotate` first"
        )
    try:
        ring = runtime().ring.with_retired(key_id)
    except KeyRingError as exc:
        raise click.ClickException(str(exc)) from exc
    _store(ring)
    if key_id in (ring.index_key_id, ring.log_key_id):
        click.echo(f"{key_id} stays in the ring as the blind-index / access-log anchor")
    click.echo(f"{key_id} retired")


@log_cli.command("verify")
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Also check this signed checkpoint against the log.",
)
def verify_command(checkpoint_file: str | None) -> None:
    """Recompute the hash chain; exit 1 and name the first bad entry if it is broken."""
    session, ring = _session(), runtime().ring
    report = accesslog.verify_chain(session, ring)
    click.echo(report.describe())
    ok = report.ok
    if checkpoint_file:
        try:
            doc = json.loads(Path(checkpoint_file).read_text(encoding="utf-8"))
        except ValueError:
            doc = None
        result = checkpoint.verify_checkpoint(session, ring, doc)
        click.echo(result.describe())
        ok = ok and result.ok
    if not ok:
        raise SystemExit(1)


@log_cli.command("checkpoint")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
def checkpoint_command(out: str) -> None:
    """Sign the current head of the (verified) log and write it to OUT."""
    try:
        doc = checkpoint.make_checkpoint(_session(), runtime().ring)
    except accesslog.AccessLogError as exc:
        raise click.ClickException(str(exc)) from exc
    Path(out).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    click.echo(f"checkpoint of seq {doc['seq']} written to {out}")
