"""Fixtures of the portal tests: the known dataset, and built or published editions."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from hotline.reports import editions
from hotline.reports.periods import Period
from tests.portal import dataset


@pytest.fixture
def reports_world(app, world):
    """The conftest world, extended, with the known orders of 2024 and 2025 inserted."""
    places = dataset.add_places(world)
    specs = dataset.make_specs()
    dataset.insert_specs(specs, places)
    return SimpleNamespace(world=world, places=places, specs=specs)


@pytest.fixture
def publish(reports_world):
    """Build and publish an edition of a period ("2025" or "2025-06"); returns it."""

    def run(key: str = "2025", erratum: str | None = None):
        period = Period.parse(key)
        publisher = reports_world.world.users["publisher"].id
        draft = editions.build_draft(period, publisher)
        if erratum:
            draft.erratum = erratum
        edition = editions.publish(draft, publisher)
        editions.db.session.commit()
        return edition

    return run
