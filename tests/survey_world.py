"""Survey bodies shared by the survey tests, over tests/world.py (the clock: 2025-06-02)."""

from __future__ import annotations

QUESTIONS = [
    {"key": "overall", "kind": "choice", "label": {"zh": "总体是否满意", "en": "Satisfied overall"},
     "choices": ["满意", "基本满意", "不满意"], "satisfied": ["满意", "基本满意"]},
    {"key": "quality", "kind": "scale", "label": {"zh": "施工质量", "en": "Quality of the work"},
     "satisfied": [4, 5]},
    {"key": "comment", "kind": "text", "label": "意见和建议"},
]


def survey_body(code="SV-CA", scope=None, opens_on="2025-06-01", closes_on="2025-06-30",
                **overrides) -> dict:
    """A survey of community CA open through June 2025 (today is 2025-06-02)."""
    return {"code": code, "title": "2025年物业服务满意度调查",
            "scope": {"community": "CA"} if scope is None else scope, "opens_on": opens_on,
            "closes_on": closes_on, "questions": QUESTIONS, **overrides}
