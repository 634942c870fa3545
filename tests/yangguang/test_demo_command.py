"""`flask demo-data` (what `make run` loads) names only commands that exist, with
arguments they accept; CI runs the whole load itself (`.ci/run`)."""

from __future__ import annotations

import click

from yangguang import demo


def test_every_step_is_a_real_command_with_valid_arguments(app):
    root = app.cli
    with click.Context(root, info_name="flask") as ctx:
        for group, name, args in demo.STEPS:
            command = demo._command(root, ctx, group, name)
            with command.make_context(f"{group} {name}", list(args), parent=ctx) as sub:
                assert sub.command is command


def test_a_second_run_adds_nothing(app, runner, monkeypatch):
    from sqlalchemy import func, select

    from hotline.extensions import db
    from hotline.models.orders import Order

    # A small history instead of three years, so the test stays quick.
    steps = tuple(
        (g, n, ("--orders", "300", "--if-empty") if (g, n) == ("hotline", "demo") else a)
        for g, n, a in demo.STEPS
    )
    monkeypatch.setattr(demo, "STEPS", steps)
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0, first.output
    orders = db.session.scalar(select(func.count(Order.id)))
    assert orders >= 300
    second = runner.invoke(args=["demo-data"])
    assert second.exit_code == 0, second.output
    assert "orders already exist; nothing generated" in second.output
    assert db.session.scalar(select(func.count(Order.id))) == orders
