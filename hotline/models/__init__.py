"""Domain models, one module per concept; importing this registers them all."""

from hotline.models.attachments import Attachment  # noqa: F401
from hotline.models.caches import CacheVersion  # noqa: F401
from hotline.models.categories import Category
from hotline.models.citizen import CitizenProfile, CitizenTokenRevocation, SmsCode  # noqa: F401
from hotline.models.erasure import ErasureRequest  # noqa: F401
from hotline.models.logins import ConsoleTotp, LoginAttempt  # noqa: F401
from hotline.models.notifications import InboxMessage, OrderFollow, WeChatBinding  # noqa: F401
from hotline.models.orders import Assignment, Order, OrderEvent, Rating
from hotline.models.places import Community, District, Street
from hotline.models.reports import (  # noqa: F401
    DraftAccess,
    MonthlyTopic,
    Report,
    ReportEdition,
)
from hotline.models.rollups import OrderContribution  # noqa: F401
from hotline.models.units import StaffToken, StaffUser, Unit

__all__ = [
    "Assignment",
    "Category",
    "Community",
    "District",
    "Order",
    "OrderEvent",
    "Rating",
    "StaffToken",
    "StaffUser",
    "Street",
    "Unit",
]
