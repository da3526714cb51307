"""Import every model module so the metadata is complete (Alembic, create_all, queries)."""

from pmsys.assets.models import (
    Asset,
    AssetMaintainer,
    Handover,
    HandoverAsset,
    HandoverCommitteeSignature,
    HandoverDefect,
    HandoverEvent,
    Project,
    ProjectCommunity,
    ProjectItem,
)
from pmsys.audit import AuditRecord
from pmsys.auth.models import ApiToken, Organization, OrganizationCategory, User
from pmsys.fees.models import (
    Bill,
    BillAdjustment,
    BillingRun,
    FeeStandard,
    Payment,
    PaymentAllocation,
    RevenueEntry,
)
from pmsys.governance.models import ManagementTerm
from pmsys.places.models import (
    Building,
    Community,
    Household,
    HouseholdResident,
    Person,
    Region,
    Setting,
    Unit,
)
from pmsys.tickets.models import Notification, Ticket, TicketEvent, TicketPhoto

__all__ = [
    "ApiToken",
    "Asset",
    "AssetMaintainer",
    "Handover",
    "HandoverAsset",
    "HandoverCommitteeSignature",
    "HandoverDefect",
    "HandoverEvent",
    "Project",
    "ProjectCommunity",
    "ProjectItem",
    "AuditRecord",
    "Building",
    "Community",
    "Household",
    "HouseholdResident",
    "ManagementTerm",
    "Organization",
    "OrganizationCategory",
    "Person",
    "Region",
    "Setting",
    "Unit",
    "User",
    "Bill",
    "BillAdjustment",
    "BillingRun",
    "FeeStandard",
    "Payment",
    "PaymentAllocation",
    "RevenueEntry",
    "Notification",
    "Ticket",
    "TicketEvent",
    "TicketPhoto",
]
