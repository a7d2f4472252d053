"""Scoring rules (app.services.scoring): examples for each rule, then Hypothesis properties.

No database: items, sections and templates are SimpleNamespaces (or unsaved models) with the
model attributes the scoring functions read.
"""
from decimal import Decimal
from operator import eq, ge, gt, le, lt
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.models import AnswerType, ChecklistItem, ParArea, TargetOperator
from app.models.checklist import DEFAULT_GRADING_BANDS
from app.services.scoring import (
    Result,
    Score,
    TemplateScore,
    grade,
    item_result,
    meets_target,
    percent_rate,
    score_items,
    score_template,
)

# No per-example deadline: a slow CI machine must not turn timing into failures.
quick = settings(deadline=None)

CHOICES = [
    {"value": "full", "label": "Đầy đủ", "passes": True},
    {"value": "partial", "label": "Chưa đầy đủ", "passes": False},
    {"value": "none", "label": "Không phát sinh", "passes": None},
]


def item(answer_type=AnswerType.PASS_FAIL, op=None, target=None, weight=1.0, choices=(), id=None):
    return SimpleNamespace(
        id=id, answer_type=answer_type, target_operator=op, target_value=target, weight=weight,
        choices=list(choices),
    )


def passed(weight=1.0):
    return item(weight=weight), {"result": "pass"}


def failed(weight=1.0):
    return item(weight=weight), {"result": "fail"}


# --- percent_rate ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "numerator, denominator, rate",
    [(0, 5, "0.00"), (5, 5, "100.00"), (2, 3, "66.67"), (1, 3, "33.33"), (1, 8, "12.50"), (1, 800, "0.13"),
     (Decimal("1.5"), 3, "50.00")],
)
def test_percent_rate_rounds_half_up_to_two_decimals(numerator, denominator, rate):
    result = percent_rate(numerator, denominator)
    assert result == Decimal(rate)
    assert result.as_tuple().exponent == -2


def test_percent_rate_is_none_when_nothing_was_counted():
    assert percent_rate(0, 0) is None


@pytest.mark.parametrize("numerator, denominator", [(-1, 5), (1, -5), (6, 5), (1, 0)])
def test_percent_rate_rejects_impossible_counts(numerator, denominator):
    with pytest.raises(ValueError):
        percent_rate(numerator, denominator)


# --- meets_target ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, op, target, expected",
    [("95", ">=", 95.0, True), ("94.99", ">=", 95.0, False), ("95", ">", 95, False), ("95.01", ">", 95, True),
     ("0.3", "=", 0.3, True), ("0.30", "=", Decimal("0.3"), True), ("3", "<=", 3, True), ("3", "<", 3, False),
     ("2", TargetOperator.LT, 3, True)],
)
def test_meets_target_compares_exactly(value, op, target, expected):
    assert meets_target(Decimal(value), op, target) is expected


def test_meets_target_takes_float_targets_by_their_shortest_repr():
    # As floats, 0.1 + 0.2 != 0.3; as Decimal("0.1") + Decimal("0.2") it is.
    assert meets_target(Decimal("0.1") + Decimal("0.2"), "=", 0.3)


def test_meets_target_rejects_unknown_operators():
    with pytest.raises(ValueError):
        meets_target(Decimal(1), "≥", 1)


# --- item_result -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer_type", [AnswerType.PASS_FAIL, AnswerType.NUMBER, AnswerType.PERCENT, AnswerType.CHOICE]
)
def test_explicit_na_is_not_applicable_for_every_scored_type(answer_type):
    scored = item(answer_type, op=">=", target=1, choices=CHOICES)
    answer = {"result": "na", "value": "full", "numerator": 5, "denominator": 5}
    assert item_result(scored, answer) == Result.NA


@pytest.mark.parametrize("given, expected", [("pass", Result.PASS), ("fail", Result.FAIL), (Result.PASS, Result.PASS)])
def test_pass_fail_gives_the_given_result(given, expected):
    assert item_result(item(), {"result": given}) == expected


@pytest.mark.parametrize("answer", [None, {}, {"result": None}, {"result": ""}])
def test_pass_fail_without_a_result_is_unanswered(answer):
    assert item_result(item(), answer) is None


def test_unknown_result_is_rejected():
    with pytest.raises(ValueError):
        item_result(item(), {"result": "maybe"})


def test_answer_may_be_an_object_with_attributes():
    assert item_result(item(), SimpleNamespace(result="fail")) == Result.FAIL
    assert item_result(item(AnswerType.NUMBER, op=">=", target=3), SimpleNamespace(value=3)) == Result.PASS


@pytest.mark.parametrize(
    "value, expected", [(3, Result.PASS), ("3.0", Result.PASS), (2.5, Result.FAIL), (Decimal("2.99"), Result.FAIL)]
)
def test_number_is_compared_with_the_target(value, expected):
    assert item_result(item(AnswerType.NUMBER, op=TargetOperator.GE, target=3.0), {"value": value}) == expected


def test_number_without_a_value_is_unanswered():
    assert item_result(item(AnswerType.NUMBER, op=">=", target=3), {"value": None}) is None


def test_number_without_a_target_is_informational():
    assert item_result(item(AnswerType.NUMBER), {"value": 3}) is None
    assert item_result(item(AnswerType.NUMBER, op=">="), {"value": 3}) is None


def test_number_that_is_not_a_number_is_rejected():
    with pytest.raises(ValueError):
        item_result(item(AnswerType.NUMBER, op=">=", target=3), {"value": "ba"})


@pytest.mark.parametrize(
    "numerator, denominator, expected",
    [(19, 20, Result.PASS), (18, 20, Result.FAIL), (0, 0, Result.NA), (None, 20, None), (19, None, None)],
)
def test_percent_compares_the_rate_with_the_target(numerator, denominator, expected):
    rate_item = item(AnswerType.PERCENT, op=">=", target=95.0)
    assert item_result(rate_item, {"numerator": numerator, "denominator": denominator}) == expected


def test_percent_compares_the_rate_as_displayed():
    # 2/3 is shown as 66.67 % and compared as such.
    rate_item = item(AnswerType.PERCENT, op="=", target=66.67)
    assert item_result(rate_item, {"numerator": 2, "denominator": 3}) == Result.PASS


def test_percent_without_a_target_is_informational():
    assert item_result(item(AnswerType.PERCENT), {"numerator": 1, "denominator": 2}) is None


def test_percent_with_impossible_counts_is_rejected():
    with pytest.raises(ValueError):
        item_result(item(AnswerType.PERCENT, op=">=", target=50), {"numerator": 3, "denominator": 2})


@pytest.mark.parametrize(
    "value, expected", [("full", Result.PASS), ("partial", Result.FAIL), ("none", Result.NA), ("other", None),
                        (None, None)]
)
def test_choice_gives_the_chosen_options_result(value, expected):
    assert item_result(item(AnswerType.CHOICE, choices=CHOICES), {"value": value}) == expected


def test_choice_values_match_as_strings():
    numbered = item(AnswerType.CHOICE, choices=[{"value": 1, "label": "Có", "passes": True}])
    assert item_result(numbered, {"value": "1"}) == Result.PASS


def test_text_is_never_scored():
    assert item_result(item(AnswerType.TEXT), {"value": "Ghi chú", "result": "pass"}) is None
    assert item_result(item(AnswerType.TEXT), {"result": "na"}) is None


def test_item_may_be_an_unsaved_model():
    model = ChecklistItem(question="Có niêm yết TTHC?", answer_type=AnswerType.PERCENT,
                          target_operator=TargetOperator.GE, target_value=100.0)
    assert item_result(model, {"numerator": 10, "denominator": 10}) == Result.PASS
    # An unsaved model has no weight yet; it counts as the default 1.
    assert score_items([(model, {"numerator": 9, "denominator": 10})]) == Score(Decimal(0), Decimal(1), 1, 1)


# --- score_items and Score ---------------------------------------------------------------------


def test_score_weights_passes_and_fails_and_leaves_out_na_and_unanswered():
    score = score_items([
        passed(2.0),
        failed(1.0),
        (item(weight=5.0), {"result": "na"}),
        (item(weight=7.0), None),
        (item(AnswerType.NUMBER, op=">=", target=10, weight=0.5), {"value": 12}),
    ])
    assert score == Score(earned=Decimal("2.5"), possible=Decimal("3.5"), answered=4, total=5)
    assert score.percent == Decimal("71.43")


def test_score_leaves_text_and_informational_items_out_of_the_total():
    score = score_items([
        passed(),
        (item(AnswerType.TEXT), {"value": "Ghi chú"}),
        (item(AnswerType.NUMBER), {"value": 3}),
        (item(AnswerType.PERCENT), {"numerator": 1, "denominator": 2}),
    ])
    assert (score.answered, score.total, score.percent) == (1, 1, Decimal("100.00"))


def test_score_percent_is_none_when_nothing_was_possible():
    assert score_items([]).percent is None
    assert score_items([(item(), {"result": "na"}), (item(), None)]).percent is None
    assert Score().percent is None


def test_score_weights_are_exact():
    # 0.1 + 0.2 as floats is 0.30000000000000004; as weights it is exactly 0.3.
    score = score_items([passed(0.1), passed(0.2)])
    assert score.earned == Decimal("0.3")


def test_score_rejects_negative_weights():
    with pytest.raises(ValueError):
        score_items([passed(-1.0)])


def test_scores_add_up():
    assert Score(Decimal(1), Decimal(2), 2, 3) + Score(Decimal(3), Decimal(4), 4, 5) == Score(
        Decimal(4), Decimal(6), 6, 8
    )
    assert sum([Score(Decimal(1), Decimal(1), 1, 1)] * 3, Score()) == Score(Decimal(3), Decimal(3), 3, 3)


# --- grade -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "percent, label",
    [(Decimal("100"), "Tốt"), (Decimal("90.00"), "Tốt"), (Decimal("89.99"), "Khá"), (Decimal("70"), "Khá"),
     (Decimal("50"), "Trung bình"), (Decimal("49.99"), "Yếu"), (Decimal("0"), "Yếu")],
)
def test_grade_picks_the_highest_band_reached(percent, label):
    assert grade(percent, DEFAULT_GRADING_BANDS) == label


def test_grade_does_not_depend_on_the_order_of_the_bands():
    assert grade(Decimal("75"), list(reversed(DEFAULT_GRADING_BANDS))) == "Khá"


def test_grade_is_none_without_a_percent_or_a_matching_band():
    assert grade(None, DEFAULT_GRADING_BANDS) is None
    assert grade(Decimal("40"), [{"label": "Đạt", "min_percent": 50}]) is None
    assert grade(Decimal("40"), []) is None


def test_grade_takes_float_minimums_exactly():
    assert grade(Decimal("89.9"), [{"label": "Tốt", "min_percent": 89.9}]) == "Tốt"


# --- score_template ----------------------------------------------------------------------------


def test_score_template_scores_sections_par_areas_and_grade():
    a, b, c, d = (item(id=n) for n in (1, 2, 3, 4))
    procedures_1 = SimpleNamespace(par_area=ParArea.PROCEDURES, items=[a, b])
    procedures_2 = SimpleNamespace(par_area=ParArea.PROCEDURES, items=[c])
    general = SimpleNamespace(par_area=None, items=[d])
    template = SimpleNamespace(sections=[procedures_1, procedures_2, general], grading_bands=DEFAULT_GRADING_BANDS)
    answers = {1: {"result": "pass"}, 2: {"result": "fail"}, 3: {"result": "pass"}, 4: {"result": "pass"}}

    scored = score_template(template, answers)

    assert isinstance(scored, TemplateScore)
    assert scored.sections == [
        (procedures_1, Score(Decimal(1), Decimal(2), 2, 2)),
        (procedures_2, Score(Decimal(1), Decimal(1), 1, 1)),
        (general, Score(Decimal(1), Decimal(1), 1, 1)),
    ]
    assert scored.by_par_area == {"procedures": Score(Decimal(2), Decimal(3), 3, 3)}
    assert type(next(iter(scored.by_par_area))) is str
    assert scored.total == Score(Decimal(3), Decimal(4), 4, 4)
    assert scored.total.percent == Decimal("75.00")
    assert scored.grade == "Khá"


def test_score_template_without_answers_has_no_grade():
    template = SimpleNamespace(
        sections=[SimpleNamespace(par_area=None, items=[item(id=1)])], grading_bands=DEFAULT_GRADING_BANDS
    )
    scored = score_template(template, {})
    assert (scored.total.answered, scored.total.total, scored.grade) == (0, 1, None)


# --- properties --------------------------------------------------------------------------------

weights = st.decimals(min_value=0, max_value=100, places=2)
positive_weights = st.decimals(min_value=Decimal("0.01"), max_value=100, places=2)
pass_or_fail = st.sampled_from(["pass", "fail"])
scored_pair = st.builds(lambda weight, result: (item(weight=weight), {"result": result}), weights, pass_or_fail)
any_pair = st.builds(
    lambda weight, result: (item(weight=weight), None if result is None else {"result": result}),
    weights, st.sampled_from(["pass", "fail", "na", None]),
)
decimals = st.decimals(min_value=-1000, max_value=1000, places=3)
OPERATORS = {">=": ge, ">": gt, "=": eq, "<=": le, "<": lt}


@quick
@given(st.lists(any_pair), st.lists(st.builds(
    lambda weight, answer: (item(weight=weight), answer), weights, st.sampled_from([None, {}, {"result": "na"}])
)))
def test_na_and_unanswered_items_never_change_the_score(pairs, ignored):
    before, after = score_items(pairs), score_items(pairs + ignored)
    assert (after.earned, after.possible, after.percent) == (before.earned, before.possible, before.percent)
    assert after.total == before.total + len(ignored)


@quick
@given(st.lists(any_pair))
def test_percent_is_between_0_and_100(pairs):
    score = score_items(pairs)
    assert 0 <= score.answered <= score.total == len(pairs)
    assert score.percent is None or Decimal(0) <= score.percent <= Decimal(100)


@quick
@given(st.lists(any_pair), positive_weights)
def test_adding_a_passed_item_never_lowers_the_percent(pairs, weight):
    before, after = score_items(pairs).percent, score_items([*pairs, passed(weight)]).percent
    assert after is not None
    assert before is None or after >= before


@quick
@given(st.lists(any_pair), positive_weights)
def test_scaling_every_weight_keeps_the_percent(pairs, factor):
    scaled = [(item(weight=it.weight * factor), answer) for it, answer in pairs]
    assert score_items(scaled).percent == score_items(pairs).percent


@quick
@given(st.lists(any_pair), st.lists(any_pair))
def test_scores_of_parts_add_up_to_the_score_of_the_whole(first, second):
    assert score_items(first) + score_items(second) == score_items(first + second)


@quick
@given(st.lists(scored_pair, min_size=1))
def test_percent_is_the_earned_share_of_the_possible(pairs):
    score = score_items(pairs)
    assert score.earned == sum((it.weight for it, answer in pairs if answer["result"] == "pass"), Decimal(0))
    assert score.possible == sum((it.weight for it, _ in pairs), Decimal(0))
    if score.possible:
        assert abs(score.percent - score.earned * 100 / score.possible) <= Decimal("0.005")


@quick
@given(st.integers(min_value=1, max_value=10**9).flatmap(
    lambda denominator: st.tuples(st.integers(min_value=0, max_value=denominator), st.just(denominator))
))
def test_rate_equals_the_hand_computation(counts):
    numerator, denominator = counts
    # Round half up in whole hundredths of a percent: floor(n × 10000 / d + 1/2).
    hundredths = (20000 * numerator + denominator) // (2 * denominator)
    assert percent_rate(numerator, denominator) == Decimal(hundredths) / 100


@quick
@given(st.integers(min_value=1, max_value=10**6).flatmap(
    lambda denominator: st.tuples(st.integers(min_value=0, max_value=denominator), st.just(denominator))
), st.sampled_from(list(TargetOperator)), st.decimals(min_value=0, max_value=100, places=2))
def test_percent_item_result_agrees_with_rate_and_target(counts, op, target):
    numerator, denominator = counts
    result = item_result(item(AnswerType.PERCENT, op=op, target=target),
                         {"numerator": numerator, "denominator": denominator})
    expected = OPERATORS[op.value](percent_rate(numerator, denominator), target)
    assert result == (Result.PASS if expected else Result.FAIL)


bands = st.lists(st.integers(min_value=0, max_value=100), min_size=1, unique=True).map(
    lambda minimums: [{"label": str(minimum), "min_percent": minimum} for minimum in minimums]
)
percents = st.decimals(min_value=0, max_value=100, places=2)


@quick
@given(bands, percents, percents)
def test_grade_is_monotonic_in_the_percent(grading_bands, low, high):
    low, high = min(low, high), max(low, high)

    def rank(label):
        return -1 if label is None else int(label)

    assert rank(grade(low, grading_bands)) <= rank(grade(high, grading_bands))


@quick
@given(bands.flatmap(lambda grading_bands: st.tuples(st.just(grading_bands), st.permutations(grading_bands))), percents)
def test_grade_is_the_highest_minimum_reached_in_any_order(both, percent):
    grading_bands, shuffled = both
    reached = [band["min_percent"] for band in grading_bands if band["min_percent"] <= percent]
    expected = str(max(reached)) if reached else None
    assert grade(percent, grading_bands) == grade(percent, shuffled) == expected


@quick
@given(decimals, st.sampled_from(list(TargetOperator)), decimals)
def test_meets_target_agrees_with_python_on_decimals(value, op, target):
    expected = OPERATORS[op.value](value, target)
    assert meets_target(value, op, target) is expected
    assert meets_target(value, op.value, target) is expected


@quick
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_meets_target_reads_a_float_target_as_written(target):
    assert meets_target(Decimal(repr(target)), "=", target)
