"""The three-level category taxonomy 分类, loaded from ``hotline/data/categories.json``."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.extensions import db
from hotline.models.enums import TimeLimit, enum_column


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[int]
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    # Only level-3 leaves carry a time-limit class.
    time_limit: Mapped[TimeLimit | None] = mapped_column(enum_column(TimeLimit))

    parent: Mapped[Category | None] = relationship(remote_side=[id])
