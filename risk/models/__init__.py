from risk.models.assessments import (
    AssessmentPoint,
    AssessmentStatus,
    ChecklistItem,
    ChecklistTemplate,
    NewRisk,
    RiskAnswer,
    RiskAssessment,
    RiskLevel,
    RiskSettings,
    RiskSubject,
)
from risk.models.safeguarding import AtRisk, SafeguardingAgency, SafeguardingDisclosure
from risk.models.suitability import (
    OffenderSuitability,
    PreferredActivity,
    SuitabilityOutcome,
    VictimDecision,
    VictimSuitability,
)

__all__ = [
    "AssessmentPoint",
    "AssessmentStatus",
    "AtRisk",
    "ChecklistItem",
    "ChecklistTemplate",
    "NewRisk",
    "OffenderSuitability",
    "PreferredActivity",
    "RiskAnswer",
    "RiskAssessment",
    "RiskLevel",
    "RiskSettings",
    "RiskSubject",
    "SafeguardingAgency",
    "SafeguardingDisclosure",
    "SuitabilityOutcome",
    "VictimDecision",
    "VictimSuitability",
]
