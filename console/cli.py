"""``flask privacy console ...``: TOTP enrolment and a Chinese verification report."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from hotline.extensions import db
from hotline.models.enums import Role
from hotline.models.units import StaffUser
from hotline.services.privacy_office import officers, verify

console_cli = AppGroup("console", help="The privacy office console.")


@console_cli.command("enroll")
@click.argument("username")
def enroll_command(username: str) -> None:
    """Give USERNAME (a privacy officer) a new TOTP secret; print it once."""
    user = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
    if user is None:
        raise click.ClickException(f"没有用户 {username}")
    if user.role != Role.PRIVACY_OFFICER:
        raise click.ClickException(f"{username} 不是隐私保护专员，不能登录控制台")
    secret, uri = officers.enroll(user)
    db.session.commit()
    click.echo(f"已为 {username} 生成动态验证码密钥（只显示这一次，请录入身份验证器）：")
    click.echo(f"secret: {secret}")
    click.echo(f"uri: {uri}")


@console_cli.command("verify")
@click.option("--checkpoint", "checkpoint_file", type=click.File("r", encoding="utf-8"))
def verify_command(checkpoint_file) -> None:
    """Verify the chain (and a checkpoint); exit 1 naming the first bad entry."""
    result = verify.run(checkpoint_file.read() if checkpoint_file else None)
    for line in result.lines:
        click.echo(line)
    if not result.ok:
        raise SystemExit(1)
