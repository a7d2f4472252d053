"""Scoring checklist answers: pure functions, no database session, no request.

Everything here takes plain values or objects with the checklist models' attributes (duck typing):

- an *item* has `answer_type`, `target_operator`, `target_value`, `weight` and `choices`
  (a `ChecklistItem`, or a `types.SimpleNamespace` in tests);
- an *answer* is a dict or an object with the optional fields `result` ("pass" / "fail" / "na"),
  `value`, `numerator` and `denominator`; a missing field, `None` and "" all mean "not given";
- a *section* has `items` and `par_area`; a *template* has `sections` and `grading_bands`.

All arithmetic is exact: numbers are turned into `Decimal` (floats through `str`, so 0.1 stays 0.1)
and percentages are rounded half up to 2 decimals from the exact quotient.

How one checklist is scored:

1. Each item's answer gives a `Result` (`item_result`): PASS, FAIL, NA, or None when it can't be
   decided yet (unanswered) or never (free text, an item without a target).
2. A PASS earns the item's weight; PASS and FAIL add the weight to what was possible; NA and
   unanswered items stay out of both, so they never move the percentage (`score_items`).
3. The percentage earned / possible is graded by the template's bands (`grade`), and also
   reported per section and per PAR INDEX area (`score_template`).
"""
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from operator import eq, ge, gt, le, lt
from typing import Any

from app.models.checklist import AnswerType, TargetOperator


class Result(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NA = "na"


_COMPARE = {
    TargetOperator.GE: ge,
    TargetOperator.GT: gt,
    TargetOperator.EQ: eq,
    TargetOperator.LE: le,
    TargetOperator.LT: lt,
}
_ZERO = Decimal(0)


# --- small helpers ---------------------------------------------------------------------------


def _decimal(value: Any, what: str = "value") -> Decimal:
    """`value` as a finite Decimal; floats go through `str` so that 0.1 is Decimal("0.1")."""
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number, not {value!r}")
    if isinstance(value, float):
        value = str(value)
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"{what} must be a number, not {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"{what} must be a finite number, not {value!r}")
    return number


def _field(answer: Any, name: str) -> Any:
    """One field of an answer given as a dict or as an object; None, "" and absent all give None."""
    if answer is None:
        return None
    value = answer.get(name) if isinstance(answer, Mapping) else getattr(answer, name, None)
    return None if value is None or value == "" else value


def percent(part: Decimal, whole: Decimal) -> Decimal:
    """part / whole × 100 rounded half up to 2 decimals, from the exact quotient (part, whole ≥ 0): the
    one rounding of every score, so the dashboard, the inspection page and the minutes agree."""
    part_numerator, part_denominator = part.as_integer_ratio()  # exact, and 8× faster than Fraction
    whole_numerator, whole_denominator = whole.as_integer_ratio()
    numerator, denominator = part_numerator * whole_denominator * 10000, part_denominator * whole_numerator
    hundredths, remainder = divmod(numerator, denominator)
    if 2 * remainder >= denominator:
        hundredths += 1
    return Decimal(hundredths).scaleb(-2)


def _target(item: Any) -> tuple[TargetOperator, Decimal] | None:
    """The item's (operator, target value), or None when it has no complete target."""
    op, value = getattr(item, "target_operator", None), getattr(item, "target_value", None)
    if op is None or op == "" or value is None or value == "":
        return None
    return TargetOperator(op), _decimal(value, "target_value")


def _weight(item: Any) -> Decimal:
    """The item's weight; an unset weight (an unsaved model) counts as the default, 1."""
    weight = getattr(item, "weight", None)
    weight = Decimal(1) if weight is None else _decimal(weight, "weight")
    if weight < 0:
        raise ValueError(f"weight must not be negative, not {weight}")
    return weight


def _is_scorable(item: Any) -> bool:
    """Whether the item can count towards the score: not free text, and number and percent items
    only with a target (without one they are informational)."""
    answer_type = AnswerType(item.answer_type)
    if answer_type == AnswerType.TEXT:
        return False
    if answer_type in (AnswerType.NUMBER, AnswerType.PERCENT):
        return _target(item) is not None
    return True


# --- one answer ------------------------------------------------------------------------------


def percent_rate(numerator: Any, denominator: Any) -> Decimal | None:
    """numerator / denominator × 100, rounded half up to 2 decimals.

    None when the denominator is 0 (nothing to count: the item is not applicable). Raises
    ValueError for a negative count or a numerator larger than the denominator (which includes
    a positive numerator over 0).
    """
    part, whole = _decimal(numerator, "numerator"), _decimal(denominator, "denominator")
    if part < 0 or whole < 0:
        raise ValueError("numerator and denominator must not be negative")
    if part > whole:
        raise ValueError("numerator must not be larger than denominator")
    if whole == 0:
        return None
    return percent(part, whole)


def meets_target(value: Decimal, operator: str | TargetOperator, target: Any) -> bool:
    """Whether `value <operator> target` holds, e.g. meets_target(Decimal("96"), ">=", 95.0).

    `target` may be a float (as stored on ChecklistItem.target_value), an int, a str or a Decimal;
    `operator` is a TargetOperator or its value (">=", ">", "=", "<=", "<").
    """
    return _COMPARE[TargetOperator(operator)](_decimal(value), _decimal(target, "target"))


def item_result(item: Any, answer: Any) -> Result | None:
    """The result of one answer to one item, or None when there is none (yet).

    - Text items: always None, they are never scored.
    - Any other type: an explicit result "na" gives NA.
    - pass_fail: the given result; None when missing.
    - number: `value` compared with the target; None when the value is missing or the item has
      no target (it is then informational).
    - percent: the rate numerator / denominator (rounded to 2 decimals, as shown to the user)
      compared with the target; NA when the denominator is 0; None when a count is missing or
      the item has no target.
    - choice: the chosen option's `passes` (True → PASS, False → FAIL, None → NA); None when
      nothing is chosen or the value is not one of the item's choices.

    Raises ValueError for an unknown result, a non-numeric value or invalid counts.
    """
    answer_type = AnswerType(item.answer_type)
    if answer_type == AnswerType.TEXT:
        return None
    given = _field(answer, "result")
    given = None if given is None else Result(given)
    if given == Result.NA:
        return Result.NA

    if answer_type == AnswerType.PASS_FAIL:
        return given

    if answer_type == AnswerType.NUMBER:
        value, target = _field(answer, "value"), _target(item)
        if value is None or target is None:
            return None
        return Result.PASS if meets_target(_decimal(value), *target) else Result.FAIL

    if answer_type == AnswerType.PERCENT:
        numerator, denominator = _field(answer, "numerator"), _field(answer, "denominator")
        if numerator is None or denominator is None:
            return None
        rate = percent_rate(numerator, denominator)
        if rate is None:
            return Result.NA
        target = _target(item)
        if target is None:
            return None
        return Result.PASS if meets_target(rate, *target) else Result.FAIL

    # AnswerType.CHOICE
    chosen = _field(answer, "value")
    if chosen is None:
        return None
    for option in getattr(item, "choices", None) or []:
        if str(option.get("value")) == str(chosen):
            passes = option.get("passes")
            return Result.NA if passes is None else Result.PASS if passes else Result.FAIL
    return None


# --- many answers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    """Weighted points: `earned` of `possible`, over `answered` of `total` scorable items.

    Score() is the empty score, so `sum(scores, Score())` adds scores up.
    """

    earned: Decimal = _ZERO
    possible: Decimal = _ZERO
    answered: int = 0
    total: int = 0

    @property
    def percent(self) -> Decimal | None:
        """earned / possible × 100 rounded half up to 2 decimals; None when nothing was possible."""
        if self.possible == 0:
            return None
        return percent(self.earned, self.possible)

    def __add__(self, other: "Score") -> "Score":
        if not isinstance(other, Score):
            return NotImplemented
        return Score(
            earned=self.earned + other.earned,
            possible=self.possible + other.possible,
            answered=self.answered + other.answered,
            total=self.total + other.total,
        )


def outcome(item: Any, answer: Any) -> str | None:
    """The result as an answer stores it for the reports: "pass", "fail", "na", or None while it cannot be
    scored (unanswered, informational, or values that do not make sense)."""
    try:
        result = item_result(item, answer)
    except ValueError:
        return None
    return result.value if result is not None else None


def score_items(pairs: Iterable[tuple[Any, Any]]) -> Score:
    """Score (item, answer or None) pairs.

    A PASS earns the item's weight and adds it to `possible`; a FAIL adds it to `possible` only;
    NA and unanswered items change neither. Only scorable items count: text items and number or
    percent items without a target are left out of `total` and `answered` alike. `answered`
    counts the scorable items with a result, NA included.
    """
    earned, possible, answered, total = _ZERO, _ZERO, 0, 0
    for item, answer in pairs:
        if not _is_scorable(item):
            continue
        total += 1
        result = item_result(item, answer)
        if result is None:
            continue
        answered += 1
        if result == Result.NA:
            continue
        weight = _weight(item)
        possible += weight
        if result == Result.PASS:
            earned += weight
    return Score(earned=earned, possible=possible, answered=answered, total=total)


def grade(percent: Decimal | None, bands: list[dict]) -> str | None:
    """The label of the highest band whose `min_percent` ≤ percent, whatever order the bands are in.

    None when there is no percent (nothing scored) or the percent is below every band. Bands with
    the same `min_percent` keep their given order.
    """
    if percent is None:
        return None
    return grade_in(_decimal(percent, "percent"), ordered_bands(bands))


def ordered_bands(bands: list[dict]) -> list[tuple[Decimal, str]]:
    """The bands as (min_percent, label), highest first: `grade_in` reads them, for many scores at once."""
    return sorted(((_decimal(band["min_percent"], "min_percent"), band["label"]) for band in bands),
                  key=lambda band: band[0], reverse=True)


def grade_in(percent: Decimal, ordered: list[tuple[Decimal, str]]) -> str | None:
    for minimum, label in ordered:
        if minimum <= percent:
            return label
    return None


@dataclass(frozen=True)
class TemplateScore:
    """A whole checklist's score: overall, per section (in template order) and per PAR area."""

    total: Score
    sections: list[tuple[Any, Score]] = field(default_factory=list)
    by_par_area: dict[str, Score] = field(default_factory=dict)
    grade: str | None = None


def score_template(template: Any, answers_by_item_id: Mapping[int, Any]) -> TemplateScore:
    """Score every section of `template` with the answers keyed by item id (missing = unanswered).

    `by_par_area` sums the sections that have a `par_area`, keyed by the area's value
    (e.g. "procedures"), in order of first appearance; `grade` grades the overall percent with
    the template's `grading_bands`.
    """
    total = Score()
    sections: list[tuple[Any, Score]] = []
    by_par_area: dict[str, Score] = {}
    for section in template.sections:
        score = score_items((item, answers_by_item_id.get(item.id)) for item in section.items)
        sections.append((section, score))
        total += score
        area = getattr(section, "par_area", None)
        if area is not None and area != "":
            key = str(getattr(area, "value", area))
            by_par_area[key] = by_par_area.get(key, Score()) + score
    return TemplateScore(
        total=total,
        sections=sections,
        by_par_area=by_par_area,
        grade=grade(total.percent, getattr(template, "grading_bands", None) or []),
    )
